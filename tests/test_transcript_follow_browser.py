"""The transcript follows the playback in Chromium (issue 19): on the recording, clip and
session pages the line heard stays in view inside the pane that scrolls (the side pane's
transcript panel), the page itself does not move; once the person scrolls the pane away
(wheel, keys) it stops following and offers "Følg afspilningen igen", which resumes it.

Set-up as in test_clip_browser.py: the live server and this process share SQLite."""

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.accounts import user_id
from tests.support.browser import ARTIFACTS, VIEWPORTS, load_player, show_transcript, tab_to
from tests.support.clips import cut_clips, make_clip
from tests.support.factories import Line, ready_recording
from tests.support.media import MediaSet
from tests.support.sessions import plan

pytestmark = pytest.mark.browser

# A line a second over a minute: far more than the pane shows at any size.
LINES = tuple(
    Line(i + 0.1, i + 0.9, f"Linje {i + 1}: og hvad skete der så bagefter i skolen?")
    for i in range(59)
)

# The current line inside the visible box of the nearest ancestor that scrolls it, and in
# the window.
CURRENT_IN_VIEW = """() => {
  const line = document.querySelector('#transcript .segment.current');
  if (!line) return false;
  let pane = line.parentElement;
  while (!['auto', 'scroll'].includes(getComputedStyle(pane).overflowY)) pane = pane.parentElement;
  const inner = pane.getBoundingClientRect().top + pane.clientTop;
  const row = line.getBoundingClientRect();
  const top = Math.max(inner, 0), bottom = Math.min(inner + pane.clientHeight, innerHeight);
  return row.top >= top - 1 && row.bottom <= bottom + 1;
}"""
PANE = "#transcript-panel"


def seek(page: Page, seconds: float) -> None:
    """Pause the player at `seconds` and wait until it is there."""
    page.evaluate(
        "t => new Promise(done => { const p = document.getElementById('player'); p.pause();"
        " p.addEventListener('seeked', done, {once: true}); p.currentTime = t; })",
        seconds,
    )


def open_transcript(page: Page, url: str) -> float:
    """The page at `url` with its transcript tab shown; the media's duration."""
    page.goto(url)
    show_transcript(page)
    load_player(page)
    scrolls = page.locator(PANE).evaluate("el => el.scrollHeight > el.clientHeight + 200")
    assert scrolls, "the transcript must overflow its pane for this test to mean anything"
    return float(page.evaluate("document.getElementById('player').duration"))


def follows_to(page: Page, seconds: float) -> None:
    """Playing at `seconds`, the line heard comes into the pane; the page stays put."""
    page_y = page.evaluate("scrollY")
    seek(page, seconds)
    page.wait_for_function(CURRENT_IN_VIEW, timeout=5_000)
    assert page.evaluate("scrollY") == page_y, "following moved the page, not the pane"
    expect(page.locator("#follow-again")).to_be_hidden()


# The pane has stopped moving: the same scrollTop at two polls 100 ms apart (a smooth scroll
# that following began may still be under way once the line is in view).
SETTLED = f"""() => {{
  const top = document.querySelector('{PANE}').scrollTop, last = window.__paneTop;
  window.__paneTop = top;
  return last === top;
}}"""


def scroll_away_by_wheel(page: Page) -> None:
    """The person turns the wheel over the pane, up to its top: it follows no more."""
    page.evaluate("delete window.__paneTop")
    page.wait_for_function(SETTLED, polling=100)
    page.locator(PANE).hover()
    page.mouse.wheel(0, -10_000)
    page.wait_for_function(f"() => document.querySelector('{PANE}').scrollTop === 0")
    expect(page.locator("#follow-again")).to_be_visible()
    expect(page.locator("#follow-again")).to_have_text("Følg afspilningen igen")


def stays_away(page: Page, seconds: float) -> None:
    """A line further on is heard while the person looks elsewhere: the pane stays."""
    seek(page, seconds)
    page.wait_for_timeout(600)  # longer than a smooth scroll would take
    assert page.locator(PANE).evaluate("el => el.scrollTop") == 0
    assert not page.evaluate(CURRENT_IN_VIEW)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("size", ["laptop", "tablet"])
def test_recording_transcript_follows_until_scrolled_away_and_again_by_keyboard(
    size: str, shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    rid = ready_recording(api, media, lines=LINES, title="Samtale der følges")
    page = tab_for("caseworker", VIEWPORTS[size])
    duration = open_transcript(page, f"{shared_db}/recordings/{rid}")
    follows_to(page, duration - 5)
    shot(page, f"transcript-follows-{size}")

    scroll_away_by_wheel(page)
    stays_away(page, duration * 0.7)
    shot(page, f"transcript-follow-again-{size}")

    # The button is next after the transcript's tab, its focus ring shows, Enter resumes.
    button = page.locator("#follow-again")
    page.locator("#tab-transcript").focus()
    tab_to(page, button, 3, "the follow-again button")
    page.keyboard.press("Enter")
    page.wait_for_function(CURRENT_IN_VIEW, timeout=5_000)
    expect(button).to_be_hidden()
    expect(page.locator(PANE)).to_be_focused()  # not lost to the page's top

    # Scrolling the focused pane by keyboard is the person's scrolling too.
    page.keyboard.press("Home")
    expect(button).to_be_visible()
    # Choosing a line to play from follows from there.
    page.locator("#transcript .segment .seek").nth(2).click()
    expect(button).to_be_hidden()
    follows_to(page, duration * 0.5)


def test_clip_transcript_follows_until_scrolled_away(
    shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    rid = ready_recording(api, media, lines=LINES, title="Samtale med klip")
    clip_id = make_clip(api, rid, 1.0, 59.0, title="Næsten hele samtalen")  # type: ignore[arg-type]
    assert cut_clips() == ["succeeded"]
    page = tab_for("caseworker")
    duration = open_transcript(page, f"{shared_db}/clips/{clip_id}")
    follows_to(page, duration - 5)
    scroll_away_by_wheel(page)
    stays_away(page, duration * 0.7)
    page.locator("#follow-again").click()
    page.wait_for_function(CURRENT_IN_VIEW, timeout=5_000)
    expect(page.locator("#follow-again")).to_be_hidden()


def test_session_transcript_follows_until_scrolled_away(
    shared_db: str, api: httpx.Client, media: MediaSet, tab_for: Callable[..., Page]
) -> None:
    rid = ready_recording(api, media, lines=LINES, title="Samtale til sparring")
    session = plan(api, rid, [user_id("supervisor")])
    page = tab_for("caseworker")
    duration = open_transcript(page, f"{shared_db}/sessions/{session['id']}")
    follows_to(page, duration - 5)
    shot(page, "transcript-follows-session-laptop")
    scroll_away_by_wheel(page)
    stays_away(page, duration * 0.7)
    page.locator("#follow-again").click()
    page.wait_for_function(CURRENT_IN_VIEW, timeout=5_000)
    expect(page.locator("#follow-again")).to_be_hidden()
