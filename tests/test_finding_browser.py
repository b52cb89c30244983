"""Finding recordings in Chromium (issue 19, points 11 and 2): a person types in the search
box and presses Enter, sorts by a column header, turns pages, meets the empty states, does
all of it by keyboard with the focus in sight; on a phone (390×844) each recording is a card
whose status shows; axe finds nothing serious on the list with its filters; the upload form
offers the camera as a second way, and a video chosen through it uploads. Screenshots in
Danish and English at 1366×768 and 390×844 go to test-artifacts/find/.

Ready recordings come from tests/support/factories.py (no Whisper)."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.core.timeutil import local_today
from tests.support.browser import ARTIFACTS, axe_page, axe_violations, fill_consent, tab_to
from tests.support.factories import ready_recording
from tests.support.media import MediaSet

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "find"
PHONE = (390, 844)
TITLES = (  # in the order they are uploaded
    ("Samtale om skolen", "SAG-101"),
    ("Ærø-besøg med Åse", "SAG-102"),
    ("Opfølgning hjemme", "SAG-103"),
    ("Samtale med far", "SAG-104"),
    ("Bisidder til stede", "SAG-105"),
    ("Afslutning af sagen", "SAG-106"),
)
ROW_TITLES = "table.recordings tbody tr td.title-cell a"


@pytest.fixture(scope="module")
def library(api: httpx.Client, media: MediaSet) -> list[str]:
    """The caseworker's six ready recordings; their ids, oldest first."""
    return [
        ready_recording(api, media, title=title, case_reference=case, seconds=3)
        for title, case in TITLES
    ]


def titles(tab: Page) -> list[str]:
    return tab.locator(ROW_TITLES).all_inner_texts()


def test_search_with_enter_sort_by_header_and_turn_pages(
    tab_for: Callable[..., Page], shared_db: str, library: list[str]
) -> None:
    tab = tab_for("caseworker")
    tab.goto(f"{shared_db}/recordings")
    expect(tab.locator("#found-count")).to_have_text("6 optagelser")
    expect(tab.locator("th[data-sort=uploaded]")).to_have_attribute("aria-sort", "descending")
    assert titles(tab)[0] == "Afslutning af sagen"  # newest first

    tab.fill("#find-q", "samtale")
    tab.press("#find-q", "Enter")
    expect(tab.locator("#found-count")).to_have_text("2 optagelser fundet")
    assert sorted(titles(tab)) == ["Samtale med far", "Samtale om skolen"]
    assert "q=samtale" in tab.url
    expect(tab.locator("#find-q")).to_have_value("samtale")
    tab.click("#find-clear")
    expect(tab.locator("#found-count")).to_have_text("6 optagelser")

    tab.click("th[data-sort=title] a")
    expect(tab.locator("th[data-sort=title]")).to_have_attribute("aria-sort", "ascending")
    expect(tab.locator("th[data-sort=uploaded]")).not_to_have_attribute("aria-sort", "descending")
    assert titles(tab) == sorted(t for t, _ in TITLES)  # Æ after the other letters
    tab.click("th[data-sort=title] a")
    expect(tab.locator("th[data-sort=title]")).to_have_attribute("aria-sort", "descending")
    assert titles(tab)[0] == "Ærø-besøg med Åse"

    tab.select_option("#find-per", "5")
    tab.click("#find-submit")
    expect(tab.locator("#pager")).to_contain_text("Side 1 af 2")
    assert len(titles(tab)) == 5
    tab.click("#page-next")
    expect(tab.locator("#pager")).to_contain_text("Side 2 af 2")
    assert titles(tab) == ["Afslutning af sagen"]  # the sort kept across pages
    expect(tab.locator("th[data-sort=title]")).to_have_attribute("aria-sort", "descending")
    tab.click("#page-prev")
    expect(tab.locator("#pager")).to_contain_text("Side 1 af 2")


def test_the_form_and_the_headers_work_by_keyboard_with_the_focus_in_sight(
    tab_for: Callable[..., Page], shared_db: str, library: list[str]
) -> None:
    tab = tab_for("caseworker")
    tab.goto(f"{shared_db}/recordings")
    tab_to(tab, tab.locator("#find-q"), 40, "the search box")
    tab.keyboard.type("ærø")
    expect(tab.locator("#find-status")).to_be_hidden()  # the filters wait behind their summary
    tab_to(tab, tab.locator("#find-more summary"), 3, "the filters' summary")
    tab.keyboard.press("Enter")
    tab_to(tab, tab.locator("#find-status"), 3, "the status filter")
    tab_to(tab, tab.locator("#find-submit"), 20, "the search button")  # dates: 3 stops each
    tab.keyboard.press("Enter")
    expect(tab.locator("#found-count")).to_have_text("1 optagelse fundet")
    assert titles(tab) == ["Ærø-besøg med Åse"]
    tab_to(tab, tab.locator("th[data-sort=case] a"), 40, "the case reference header")
    tab.keyboard.press("Enter")
    expect(tab.locator("th[data-sort=case]")).to_have_attribute("aria-sort", "ascending")
    expect(tab.locator("#find-q")).to_have_value("ærø")  # the search kept


def test_empty_states_say_what_to_do(
    tab_for: Callable[..., Page], shared_db: str, library: list[str]
) -> None:
    tab = tab_for("caseworker")
    tab.goto(f"{shared_db}/recordings?q=findesikke")
    expect(tab.locator("#find-empty")).to_contain_text("Ingen optagelser passer til søgningen")
    expect(tab.locator("#found-count")).to_have_text("0 optagelser fundet")
    tab.locator("#find-empty a").click()
    expect(tab.locator("#found-count")).to_have_text("6 optagelser")

    supervisor = tab_for("supervisor")
    supervisor.goto(f"{shared_db}/recordings")
    expect(supervisor.locator("#list-empty")).to_contain_text(
        "Optagelser vises her, når en sagsbehandler deler en med dig"
    )
    expect(supervisor.locator("#find")).to_have_count(0)


def shoot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_on_a_phone_each_recording_is_a_card_with_its_status(
    tab_for: Callable[..., Page], shared_db: str, library: list[str], lang: str
) -> None:
    tab = tab_for("caseworker", PHONE)
    tab.goto(f"{shared_db}/recordings?lang={lang}")
    cards = tab.locator("table.recordings tbody tr")
    expect(cards).to_have_count(6)
    ready = "Klar" if lang == "da" else "Ready"
    for i in range(6):
        status = cards.nth(i).locator(".status-cell .status")
        expect(status).to_be_visible()
        expect(status).to_contain_text(ready)
        box = status.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    sideways = tab.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0
    shoot(tab, f"list-phone-{lang}")
    tab.goto(f"{shared_db}/recordings?lang={lang}&q=samtale&status=ready&per=5")
    expect(cards).to_have_count(2)
    shoot(tab, f"list-phone-filtered-{lang}")
    tab.goto(f"{shared_db}/recordings/new?lang={lang}")
    expect(tab.locator("#camera")).to_be_visible()
    shoot(tab, f"upload-phone-{lang}")

    laptop = tab_for("caseworker")
    laptop.goto(f"{shared_db}/recordings?lang={lang}&q=samtale&status=ready&sort=title&per=5")
    expect(laptop.locator("table.recordings tbody tr")).to_have_count(2)
    shoot(laptop, f"list-laptop-filtered-{lang}")
    laptop.goto(f"{shared_db}/recordings?lang={lang}&per=5")
    expect(laptop.locator("#pager")).to_be_visible()
    shoot(laptop, f"list-laptop-{lang}")
    laptop.goto(f"{shared_db}/recordings?lang={lang}&q=findesikke")
    expect(laptop.locator("#find-empty")).to_be_visible()
    shoot(laptop, f"list-laptop-none-found-{lang}")


def test_axe_finds_nothing_serious_on_the_list_with_its_filters(
    browser: Browser, shared_db: str, library: list[str], axe_js: Path
) -> None:
    with axe_page(browser, shared_db, "caseworker") as tab:
        for query in ("q=samtale&status=ready&sort=title&per=5", "per=5&page=2", "q=findesikke"):
            tab.goto(f"{shared_db}/recordings?{query}")
            expect(tab.locator("#find")).to_be_visible()
            assert axe_violations(tab, axe_js) == [], query


def test_a_video_from_the_camera_input_uploads(
    tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    """Last in the module: the upload stays queued (no worker), and is on the list after."""
    tab = tab_for("caseworker", PHONE)
    tab.goto(f"{shared_db}/recordings/new")
    camera = tab.locator("#camera")
    expect(camera).to_be_visible()
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "video/*")
    assert tab.locator("#file").get_attribute("capture") is None  # files stay choosable
    tab.fill("#title", "Optaget med kameraet")
    tab.fill("#case_reference", "SAG-CAM-1")
    fill_consent(tab, local_today() - timedelta(days=1))
    camera.set_input_files(str(media.conversation(3)))
    assert tab.evaluate("() => document.getElementById('file').files.length") == 1
    tab.click("#upload-form button[type=submit]")
    tab.wait_for_url("**/recordings?uploaded=*")
    expect(tab.locator(ROW_TITLES).filter(has_text="Optaget med kameraet")).to_be_visible()
    mine = api.get("/api/v1/recordings").json()["data"]
    assert [r["case_reference"] for r in mine if r["title"] == "Optaget med kameraet"] == [
        "SAG-CAM-1"
    ]
