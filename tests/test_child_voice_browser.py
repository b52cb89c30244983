"""The child's own voice (issue 25) in a real browser, on a tablet 820x1180, in Danish and in
English: big touch targets, faces a screen reader names (read from Chromium's own
accessibility tree), the read-aloud sound played from the app's files, the browser held
on the page until the caseworker's password unlocks it. Screenshots for people to look at:
test-artifacts/child_voice_*.png."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.accounts import PASSWORD
from tests.support.browser import ARTIFACTS, LOCALE, VIEWPORTS, axe_violations, log_in
from tests.support.childvoice import rated, team_of
from tests.support.factories import ready_recording
from tests.support.media import MediaSet

pytestmark = pytest.mark.browser

TABLET = VIEWPORTS["tablet"]
MIN_TARGET = 64  # px: a child's finger
WORDS = {
    "da": {
        "questions": [
            "Hvordan var det at snakke med mig i dag?",
            "Følte du, at jeg lyttede til dig?",
        ],
        "faces": [
            ["Rigtig dårligt", "Dårligt", "Midt imellem", "Godt", "Rigtig godt"],
            ["Slet ikke", "Lidt", "Nogenlunde", "Meget", "Rigtig meget"],
        ],
        "read": "Læs op",
        "done": "Færdig",
        "thanks": "Tak!",
        "unlock": "Til den voksne: lås op",
        "wrong": "Siden er stadig låst.",
        "section": "Barnets egen vurdering",
        "word": "Det var rart",
    },
    "en": {
        "questions": ["How was it to talk with me today?", "Did you feel that I listened to you?"],
        "faces": [
            ["Very bad", "Bad", "In between", "Good", "Very good"],
            ["Not at all", "A little", "Somewhat", "A lot", "Very much"],
        ],
        "read": "Read aloud",
        "done": "Done",
        "thanks": "Thank you!",
        "unlock": "For the adult: unlock",
        "wrong": "The page is still locked.",
        "section": "The child's own rating",
        "word": "It was nice",
    },
}


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"child_voice_{name}.png"), full_page=True)


def chromium_tree(page: Page) -> list[dict[str, Any]]:
    """Chromium's own accessibility tree (what a screen reader is given): role and name of
    every node it exposes."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [
        {"role": n.get("role", {}).get("value"), "name": n.get("name", {}).get("value", "")}
        for n in nodes
        if not n.get("ignored")
    ]


def assert_big(page: Page, selector: str, count: int) -> None:
    targets = page.locator(selector)
    expect(targets).to_have_count(count)
    for i in range(count):
        box = targets.nth(i).bounding_box()
        assert box is not None, f"{selector} #{i} is not shown"
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, (selector, i, box)


def the_whole_round(lang: str, page: Page, base: str, recording_id: str, api: httpx.Client) -> None:
    words = WORDS[lang]
    page.goto(f"{base}/recordings/{recording_id}")
    page.locator("#child-voice-start").click()
    page.wait_for_url(f"{base}/child-voice")
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("a[href]:not([href^='#'])").count() == 0  # nothing leads away
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"{lang}_page")

    # Touch targets: each face (the radio covers its whole tile), the read-aloud buttons,
    # the word's field and the done button.
    assert_big(page, "input[type=radio]", 10)
    assert_big(page, "button.read-aloud", 3)
    assert_big(page, "#word", 1)
    assert_big(page, "#child-done", 1)

    # What a screen reader gets: the questions as groups, each face a radio with its name.
    tree = chromium_tree(page)
    radios = [n["name"] for n in tree if n["role"] == "radio"]
    assert radios == [name for scale in words["faces"] for name in scale]
    groups = [n["name"] for n in tree if n["role"] == "group"]
    assert all(q in groups for q in words["questions"]), groups
    buttons = [n["name"] for n in tree if n["role"] == "button"]
    assert buttons.count(words["read"]) == 3 and words["done"] in buttons
    form_yaml = page.locator("#child-form").aria_snapshot()
    (ARTIFACTS / f"child_voice_{lang}_aria.yaml").write_text(form_yaml)
    for q, scale in zip(words["questions"], words["faces"], strict=True):
        group = page.get_by_role("group", name=q)
        for name in scale:
            expect(group.get_by_role("radio", name=name, exact=True)).to_have_count(1)

    # Read aloud: the app's own sound file, served here, really plays.
    audio = page.locator("#sound-q1")
    src = audio.get_attribute("src")
    assert src == f"/static/childvoice/q1.{lang}.ogg"
    served = api.get(src)
    assert served.status_code == 200 and served.headers["content-type"] == "audio/ogg"
    page.get_by_role("button", name=words["read"]).first.click()
    page.wait_for_function(
        "() => { const a = document.getElementById('sound-q1');"
        " return a.ended || a.currentTime > 0.3; }"
    )
    assert page.evaluate("() => document.getElementById('sound-q1').error") is None
    page.get_by_role("button", name=words["read"]).first.click()  # a second press stops it
    expect(page.get_by_role("button", name=words["read"]).first).not_to_have_class("playing")

    # The child taps two faces and writes a word (keyboard: arrows move within a question).
    page.get_by_role("group", name=words["questions"][0]).get_by_role(
        "radio", name=words["faces"][0][3], exact=True
    ).click()
    second = page.get_by_role("group", name=words["questions"][1])
    second.get_by_role("radio", name=words["faces"][1][4], exact=True).focus()
    page.keyboard.press("Space")
    page.locator("#word").fill(words["word"])
    expect(page.locator("input[name=talk]:checked")).to_have_value("4")
    expect(page.locator("input[name=heard]:checked")).to_have_value("5")
    shoot(page, f"{lang}_chosen")
    page.get_by_role("button", name=words["done"]).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible()
    shoot(page, f"{lang}_thanks")

    # Still held: any other page sends the browser back.
    page.goto(f"{base}/recordings")
    page.wait_for_url(f"{base}/child-voice")
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible()

    # The adult's way out: a wrong password is said, and the page stays.
    page.get_by_text(words["unlock"]).click()
    page.locator("#secret").fill("forkert kodeord")
    page.locator("#unlock-button").click()
    expect(page.locator("#unlock-error")).to_contain_text(words["wrong"])
    assert page.url == f"{base}/child-voice/unlock"
    shoot(page, f"{lang}_wrong_password")
    page.locator("#secret").fill(PASSWORD)
    page.locator("#unlock-button").click()
    page.wait_for_url(f"{base}/recordings/{recording_id}#child-rating")
    section = page.locator("#child-rating")
    expect(section).to_contain_text(words["section"])
    expect(section).to_contain_text(words["word"])
    expect(section).to_contain_text(words["faces"][0][3])
    section.screenshot(path=str(ARTIFACTS / f"child_voice_{lang}_on_recording.png"))
    page.goto(f"{base}/recordings")  # free again
    assert page.url == f"{base}/recordings"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_child_rates_the_conversation_on_a_tablet(
    lang: str, tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    recording_id = ready_recording(api, media, title=f"Samtale ({lang})")
    page = tab_for("caseworker", TABLET)
    page.goto(f"{shared_db}/language/{lang}?next=/recordings")
    try:
        the_whole_round(lang, page, shared_db, recording_id, api)
    finally:
        page.goto(f"{shared_db}/language/da?next=/recordings")


def test_the_child_page_on_a_phone(
    tab_for: Callable[..., Page], shared_db: str, api: httpx.Client, media: MediaSet
) -> None:
    """390 px wide: the faces one under another, each still a big target, nothing wider
    than the screen."""
    recording_id = ready_recording(api, media, title="Samtale (telefon)")
    page = tab_for("caseworker", (390, 844))
    page.goto(f"{shared_db}/recordings/{recording_id}")
    page.locator("#child-voice-start").click()
    page.wait_for_url(f"{shared_db}/child-voice")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_big(page, "input[type=radio]", 10)
    assert_big(page, "button.read-aloud", 3)
    shoot(page, "da_phone")
    page.get_by_text(WORDS["da"]["unlock"]).click()
    page.locator("#secret").fill(PASSWORD)
    page.locator("#unlock-button").click()
    page.wait_for_url(f"{shared_db}/recordings/{recording_id}#child-rating")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_no_serious_axe_violations_on_the_child_page(
    lang: str,
    browser: Browser,
    shared_db: str,
    api: httpx.Client,
    media: MediaSet,
    axe_js: Path,
) -> None:
    """The page before and after the child answers, and with the unlock's error shown."""
    recording_id = ready_recording(api, media, title=f"Samtale (axe {lang})")
    size = {"width": TABLET[0], "height": TABLET[1]}
    context = browser.new_context(viewport=size, locale=LOCALE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    report: list[str] = []
    try:
        log_in(page, shared_db, "caseworker")
        page.goto(f"{shared_db}/language/{lang}?next=/recordings/{recording_id}")
        page.locator("#child-voice-start").click()
        page.wait_for_url(f"{shared_db}/child-voice")
        report += [f"page: {v}" for v in axe_violations(page, axe_js)]
        page.locator("input[name=talk][value='3']").check()
        page.locator("#child-done").click()
        page.get_by_text(WORDS[lang]["unlock"]).click()
        page.locator("#secret").fill("forkert kodeord")
        page.locator("#unlock-button").click()
        page.wait_for_selector("#unlock-error")
        report += [f"thanks: {v}" for v in axe_violations(page, axe_js)]
        page.locator("#secret").fill(PASSWORD)
        page.locator("#unlock-button").click()
        page.wait_for_url(f"{shared_db}/recordings/{recording_id}#child-rating")
    finally:
        page.goto(f"{shared_db}/language/da?next=/recordings")
        context.close()
    assert report == [], "\n".join(report)


def test_the_leader_sees_team_quarters_only(tab_for: Callable[..., Page], shared_db: str) -> None:
    """Three ratings from three caseworkers make a row; a team of two does not."""
    autumn = datetime(2026, 10, 20, 12, tzinfo=UTC)
    for person, talk in zip(team_of("Team Øst", 3), (5, 5, 3), strict=True):
        rated(person, autumn, talk, talk)
    for person in team_of("Team Lille", 2):
        rated(person, autumn, 1, 1)
    page = tab_for("leader")
    page.goto(f"{shared_db}/leader")
    table = page.get_by_role("region", name="Børnenes egne vurderinger pr. team og kvartal")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)  # the two questions of Team Øst
    expect(rows.first).to_contain_text("Team Øst")
    expect(rows.first).to_contain_text("2026-Q4")
    expect(rows.first).to_contain_text("4,3")
    expect(table).not_to_contain_text("Team Lille")
    page.locator("#child-heading").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "child_voice_leader.png"), full_page=True)
