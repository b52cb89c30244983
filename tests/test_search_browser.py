"""Searching beside the player in Chromium (issue 19, point 11): the transcript's search box
marks the matching lines (any case, Danish letters), says "1 af 3 fund", and Enter /
Shift+Enter or the buttons go to the next / previous hit, moving the player there only
then; the feedback's box narrows the list by text, criterion or author. Typing in either box
never reaches the player's keys. The boxes are there on the recording, clip and session
pages (one macro); without JavaScript they stay hidden. Ready recordings come from
tests/support/factories.py (never the pipeline)."""

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support import ROOT
from tests.support.accounts import user_id
from tests.support.browser import axe_page, axe_violations, load_player
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import CONVERSATION, ready_recording
from tests.support.media import MediaSet
from tests.support.sessions import plan

pytestmark = pytest.mark.browser

PLAYER = "document.getElementById('player')"
SHOTS = ROOT / "test-artifacts" / "demo"  # screenshots for people to look at
HIT = re.compile(r"\bsearch-hit\b")
CURRENT = re.compile(r"\bsearch-current\b")
SKOLE = [i for i, line in enumerate(CONVERSATION) if "skole" in line.text.lower()]


@pytest.fixture(scope="module")
def recording(api: httpx.Client, media: MediaSet) -> str:
    """The caseworker's ready recording (CONVERSATION), shared with the supervisor, with
    three items of feedback of the caseworker's own on two criteria."""
    rid = ready_recording(api, media, seconds=60, title="Samtale om skolen")
    shared = api.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": user_id("supervisor")})
    assert shared.status_code == 201, shared.text
    criteria = [c["id"] for c in api.get("/api/v1/criteria").json()["criteria"]]
    for kind, start, crit, text in (
        ("strength", 1.0, criteria[0], "Varm velkomst, godt begyndt."),
        ("development_point", 15.0, criteria[3], "Spørg mere åbent om skolen."),
        ("question", 41.0, criteria[3], "Hvad tænkte du om FAR, der er sur?"),
    ):
        made = api.post(
            f"/api/v1/recordings/{rid}/feedback",
            json={
                "kind": kind,
                "start_seconds": start,
                "criterion_ids": [crit],
                "text": text,
                "publish": True,
            },
        )
        assert made.status_code == 201, made.text
    return rid


def current_time(page: Page) -> float:
    return float(page.evaluate(f"{PLAYER}.currentTime"))


def in_view(page: Page, selector: str) -> bool:
    """The element lies within the transcript's scrolled box."""
    return bool(
        page.evaluate(
            "s => { const el = document.querySelector(s), box = document.getElementById("
            "'transcript').getBoundingClientRect(), r = el.getBoundingClientRect();"
            " return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; }",
            selector,
        )
    )


def open_transcript(page: Page) -> None:
    """On narrow screens the side pane has tabs: show the transcript's."""
    tab = page.locator("#tab-transcript")
    if tab.is_visible():
        tab.click()


def test_transcript_search_marks_counts_and_goes_to_hits(
    recording: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    load_player(page)
    page.evaluate(f"{PLAYER}.muted = true")
    open_transcript(page)
    box = page.locator("#transcript-search-input")
    expect(box).to_be_visible()
    box.fill("SKOLE")  # any case
    lines = page.locator("#transcript .segment")
    expect(page.locator("#transcript .segment.search-hit")).to_have_count(len(SKOLE))
    expect(page.locator("#transcript-search-count")).to_have_text(f"1 af {len(SKOLE)} fund")
    for i in SKOLE:
        expect(lines.nth(i)).to_have_class(CURRENT if i == SKOLE[0] else HIT)
    assert current_time(page) == 0  # typing moves nothing

    box.press("Enter")  # the hit typing showed: now the player goes there
    page.wait_for_function(
        f"() => Math.abs({PLAYER}.currentTime - {CONVERSATION[SKOLE[0]].start}) < 0.01"
    )
    box.press("Enter")
    expect(page.locator("#transcript-search-count")).to_have_text(f"2 af {len(SKOLE)} fund")
    expect(lines.nth(SKOLE[1])).to_have_class(CURRENT)
    page.wait_for_function(
        f"() => Math.abs({PLAYER}.currentTime - {CONVERSATION[SKOLE[1]].start}) < 0.01"
    )
    assert in_view(page, f"#transcript .segment:nth-child({SKOLE[1] + 1})")
    box.press("Shift+Enter")
    expect(page.locator("#transcript-search-count")).to_have_text(f"1 af {len(SKOLE)} fund")
    page.wait_for_function(
        f"() => Math.abs({PLAYER}.currentTime - {CONVERSATION[SKOLE[0]].start}) < 0.01"
    )
    page.click("#transcript-search .search-previous")  # wraps to the last hit
    expect(lines.nth(SKOLE[-1])).to_have_class(CURRENT)
    page.wait_for_function(
        f"() => Math.abs({PLAYER}.currentTime - {CONVERSATION[SKOLE[-1]].start}) < 0.01"
    )
    assert in_view(page, f"#transcript .segment:nth-child({SKOLE[-1] + 1})")

    box.fill("rådgiver")  # Danish letters
    expect(page.locator("#transcript-search-count")).to_have_text("1 af 1 fund")
    box.fill("ingenting her")
    expect(page.locator("#transcript-search-count")).to_have_text("Ingen fund")
    expect(page.locator("#transcript .segment.search-hit")).to_have_count(0)
    box.fill("")
    expect(page.locator("#transcript-search-count")).to_have_text("")


def test_player_keys_do_not_fire_while_typing_in_the_search_boxes(
    recording: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("caseworker")
    page.goto(f"{shared_db}/recordings/{recording}")
    load_player(page)
    page.evaluate(f"{PLAYER}.muted = true")
    for selector in ("#feedback-search-input", "#transcript-search-input"):
        if selector.startswith("#transcript"):
            open_transcript(page)
        box = page.locator(selector)
        box.click()
        box.press_sequentially("k lj?f ", delay=10)  # play, skip, keys list, feedback form
        expect(box).to_have_value("k lj?f ")
        assert page.evaluate(f"{PLAYER}.paused") and current_time(page) == 0
        expect(page.locator("dialog[open]")).to_have_count(0)
        box.fill("")


def test_feedback_search_narrows_by_text_criterion_and_author(
    recording: str, tab_for: Callable[..., Page], shared_db: str
) -> None:
    page = tab_for("supervisor")
    page.goto(f"{shared_db}/recordings/{recording}")
    items = page.locator("#feedback-list > .fb")
    expect(items).to_have_count(3)
    box = page.locator("#feedback-search-input")
    count = page.locator("#feedback-search-count")
    box.fill("far")  # the text, any case
    expect(page.locator("#feedback-list > .fb:visible")).to_have_count(1)
    expect(count).to_have_text("1 af 3 punkter")
    name = items.nth(1).locator(".chips li").first.inner_text()
    box.fill(name.upper())  # a criterion's name
    expect(page.locator("#feedback-list > .fb:visible")).to_have_count(2)
    author = items.first.locator(".author").inner_text()
    box.fill(author.split()[0].lower())  # the author
    expect(page.locator("#feedback-list > .fb:visible")).to_have_count(3)
    expect(count).to_have_text("3 af 3 punkter")
    box.fill("åbent")
    expect(page.locator("#feedback-list > .fb:visible")).to_have_count(1)
    box.fill("")
    expect(page.locator("#feedback-list > .fb:visible")).to_have_count(3)
    expect(count).to_have_text("")


def test_the_boxes_on_clip_and_session_pages_and_hidden_without_scripts(
    recording: str,
    api: httpx.Client,
    tab_for: Callable[..., Page],
    browser: Browser,
    shared_db: str,
) -> None:
    clip_id = make_clip(api, recording, start=10.0, end=35.0, title="Skolen")  # type: ignore[arg-type]
    assert cut_clips() == ["succeeded"]
    session_id = plan(api, recording, [user_id("supervisor")])["id"]
    page = tab_for("caseworker")
    for path in (f"/clips/{clip_id}", f"/sessions/{session_id}"):
        page.goto(f"{shared_db}{path}")
        open_transcript(page)
        box = page.locator("#transcript-search-input")
        expect(box).to_be_visible()
        box.fill("skole")
        expect(page.locator("#transcript .segment.search-hit").first).to_be_visible()
        expect(page.locator("#transcript-search-count")).to_contain_text("1 af")
        # The feedback's box is shown too (in its own tab where the pane has tabs).
        page.wait_for_function("() => !document.getElementById('feedback-search').hidden")
    context = browser.new_context(
        java_script_enabled=False, storage_state=page.context.storage_state()
    )
    try:
        bare = context.new_page()
        bare.goto(f"{shared_db}/recordings/{recording}")
        expect(bare.locator("#transcript-search")).to_be_hidden()
        expect(bare.locator("#feedback-search")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["da", "en"])
def test_search_screenshots_and_axe(
    recording: str, browser: Browser, shared_db: str, axe_js: object, lang: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    word = "af" if lang == "da" else "of"
    with axe_page(browser, shared_db, "supervisor") as page:
        for size in ((1366, 768), (390, 844)):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.goto(f"{shared_db}/recordings/{recording}?lang={lang}")
            page.fill("#feedback-search-input", "skolen")
            expect(page.locator("#feedback-list > .fb:visible")).to_have_count(1)
            if size[0] > 800:  # the feedback and the transcript side by side or in tabs
                page.screenshot(path=str(SHOTS / f"search-feedback-{lang}-{size[0]}x{size[1]}.png"))
            open_transcript(page)
            page.fill("#transcript-search-input", "skole")
            page.press("#transcript-search-input", "Enter")
            expect(page.locator("#transcript .search-current")).to_have_count(1)
            count = page.locator("#transcript-search-count")
            expect(count).to_contain_text(f"1 {word} {len(SKOLE)}")
            assert axe_violations(page, axe_js) == []  # type: ignore[arg-type]
            page.locator("#transcript-search").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"search-{lang}-{size[0]}x{size[1]}.png"))
