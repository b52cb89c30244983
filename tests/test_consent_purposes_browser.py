"""Issue 24 in a real browser: the upload form's consent (who consented, each purpose with
what it allows) and the recording page's consent section, with the keyboard alone, on a
laptop and on a phone 390 px wide; screenshots of both for people to look at
(test-artifacts/consent/). How the app is served here: tests/test_pages_browser.py."""

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from app.core.timeutil import local_today
from tests.support.accounts import make_team, user_id
from tests.support.browser import ARTIFACTS, VIEWPORTS, tab_to
from tests.support.clips import cut_clips
from tests.support.factories import CONVERSATION, make_ready
from tests.support.media import FORMATS, MediaSet
from tests.support.protection import approve_protected
from tests.support.recordings import share
from tests.support.recordings import upload as upload_file

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "consent"
PHONE = (390, 844)
SIZES = {"laptop": VIEWPORTS["laptop"], "phone": PHONE}


def shoot(target: Locator, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SHOTS / f"{name}.png"))


def fits(page: Page) -> bool:
    """Nothing runs wider than the window (no sideways scrolling)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def press_until(page: Page, key: str, target: Locator, most: int) -> None:
    for _ in range(most):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
    assert target.evaluate("el => el === document.activeElement"), f"{key} never reached it"


@pytest.mark.parametrize("size", SIZES)
def test_the_consent_fieldset_with_the_keyboard(
    size: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    """The form asks for a purpose before it is sent; a young person of 15 or over needs
    no custody holders; each purpose's box is reached with Tab and shows its focus, and
    says what it allows."""
    page = tab_for("caseworker", SIZES[size])
    page.goto(f"{shared_db}/recordings/new")
    fieldset = page.locator("fieldset.consent")
    expect(fieldset).to_be_visible()
    purposes = [page.locator(f"#consent_{p}") for p in ("individual", "team", "teaching")]
    for box in purposes:  # none ticked: each is asked for, until one is
        expect(box).not_to_be_checked()
        expect(box).to_have_attribute("required", "")
    expect(page.locator("#consent_custody")).to_have_attribute("required", "")
    expect(page.locator("#consent_team-hint")).to_have_text(
        "Kolleger i dit eget team kan se klip, du deler med teamet, med slørede ansigter og "
        "skjulte navne."
    )
    expect(purposes[1]).to_have_attribute("aria-describedby", "consent_team-hint")

    # Keyboard only: Tab to who consented, the arrow to the young person, Tab on to the
    # boxes; Space ticks team sparring.
    page.locator("#language").focus()
    tab_to(page, page.locator("#consent_given_by"), 3, "who consented")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#consent_given_by_young")).to_be_checked()
    expect(page.locator("#consent_custody")).not_to_have_attribute("required", "")
    tab_to(page, purposes[1], 5, "the team sparring box")
    page.keyboard.press("Space")
    expect(purposes[1]).to_be_checked()
    for box in purposes:
        expect(box).not_to_have_attribute("required", "")
    assert fits(page), "the form is wider than the window"
    shoot(fieldset, f"upload-consent-{size}")


def test_the_form_is_not_sent_without_a_purpose(
    tab_for: Callable[..., Page], shared_db: str, media: MediaSet
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/new")
    page.fill("#title", "Uden formål")
    page.fill("#case_reference", "SAG-FORMAAL")
    page.check("#consent_child")
    page.check("#consent_custody")
    page.fill("#consent_date", (local_today() - timedelta(days=1)).isoformat())
    page.set_input_files("#file", str(media.encoded(FORMATS[6])))
    page.click("#upload-form button[type=submit]")
    assert page.url.endswith("/recordings/new")
    assert page.evaluate("() => document.getElementById('consent_individual').matches(':invalid')")
    expect(page.locator("#upload-progress")).to_be_hidden()


@pytest.fixture
def consented(api: httpx.Client, media: MediaSet) -> str:
    """A ready recording whose consent covers individual supervision and team sparring,
    shared with the supervisor and with the caseworker's own team."""
    fields = {"consent_individual": "on", "consent_team": "on", "consent_teaching": None}
    sent = upload_file(
        api,
        media.conversation(60),
        title="Samtykkesamtale",
        language="da",
        extra=fields,  # type: ignore[arg-type]
    )
    assert sent.status_code == 201, sent.text
    rid = str(sent.json()["id"])
    make_ready(rid, [line for line in CONVERSATION if line.end <= 60])
    share(api, rid, user_id=user_id("supervisor"))
    team = make_team(f"Eget team {rid[:6]}", [user_id("caseworker"), user_id("caseworker2")])
    # A team is given a clip (issue 24), once its caseworker approved what the team sees.
    made = api.post(
        f"/api/v1/recordings/{rid}/clips",
        json={"title": "Klip til teamet", "start_seconds": 2.0, "end_seconds": 8.0},
    )
    assert made.status_code == 201, made.text
    assert cut_clips() == ["succeeded"]
    approve_protected(int(made.json()["id"]))
    shared = api.post(f"/api/v1/clips/{made.json()['id']}/shares", json={"team_id": team})
    assert shared.status_code == 201, shared.text
    return rid


@pytest.mark.parametrize("size", SIZES)
def test_the_recording_page_shows_the_consent_and_withdraws_a_purpose(
    size: str, consented: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    """Who consented and when, each purpose covered or not; the share form says what the
    consent covers and offers no team it does not; Withdraw for team sparring is reached
    with Tab, asked about, and ends the team's share at once."""
    page = tab_for("caseworker", SIZES[size])
    page.goto(f"{shared_db}/recordings/{consented}#sharing")
    section = page.locator("#sharing")
    consent = page.locator("#consent")
    expect(consent).to_contain_text("Barnet og forældremyndighedsindehaverne gav samtykke den")
    expect(page.locator("#purpose-team")).to_contain_text("Teamsparring i dit eget team: dækket")
    expect(page.locator("#purpose-teaching")).to_contain_text("ikke dækket")
    expect(page.locator("#share-target-consent")).to_contain_text(
        "Teams, du ikke er medlem af, kan ikke vælges"
    )
    section.scroll_into_view_if_needed()
    assert fits(page), "the page is wider than the window"
    shoot(section, f"recording-consent-{size}")

    withdraw = page.get_by_role(
        "button", name="Træk formålet tilbage: Teamsparring i dit eget team"
    )
    page.locator("#share-target").focus()
    press_until(page, "Tab", withdraw, 25)
    assert withdraw.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "withdrawn=team" in url)
    expect(page.locator("#purpose-withdrawn")).to_contain_text("1 deling, der krævede det")
    expect(page.locator("#purpose-team")).to_contain_text("ikke dækket")
    # The last purpose has no button of its own; the whole consent still has.
    expect(page.locator("#purpose-individual form")).to_have_count(0)
    whole = page.get_by_role("button", name="Samtykke trukket tilbage: slet optagelsen nu")
    expect(whole).to_be_visible()
    shoot(page.locator("#consent"), f"recording-consent-withdrawn-{size}")
