"""Two Chromium pages in one session: the presenter plays, seeks and pauses with the
player's own controls; the other page's video follows (its currentTime read from it)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser_fixtures import LOCALE, log_in, watch_errors
from tests.conftest import live_client
from tests.live_helpers import Scene, make_scene

pytestmark = pytest.mark.browser

# The follower is within `gap` seconds of where the presenter's player is now (its reading
# moved on by the wall-clock time since; both pages share this machine's clock).
FOLLOWS = """([ct, at, gap]) => { const p = document.getElementById('player');
  return !p.paused && Math.abs(p.currentTime - (ct + (Date.now() - at) / 1000)) < gap; }"""
PLAYING = "() => { const p = document.getElementById('player'); return !p.paused && !p.seeking; }"
READ = "() => [document.getElementById('player').currentTime, Date.now()]"


@pytest.fixture
def tabs(browser: Browser, shared_db: str) -> Iterator[Callable[[str], Page]]:
    made: list[tuple[BrowserContext, list[str]]] = []

    def make(who: str) -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=LOCALE)
        tab = context.new_page()
        made.append((context, watch_errors(tab)))
        tab.set_default_timeout(15_000)
        log_in(tab, shared_db, who)
        return tab

    yield make
    for context, errors in made:
        context.close()
        assert errors == [], f"script or console errors: {errors}"


def in_sync(presenter: Page, follower: Page, gap: float) -> None:
    # Read the presenter once it plays (not while it waits for an announced start).
    presenter.wait_for_function(PLAYING)
    reading: Any = presenter.evaluate(READ)
    follower.wait_for_function(FOLLOWS, arg=[reading[0], reading[1], gap])


def test_the_other_page_follows_play_seek_and_pause(
    shared_db: str, media: Any, tabs: Callable[[str], Page]
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tabs("caseworker"), tabs("supervisor")
    for tab in (presenter, follower):
        tab.goto(f"{shared_db}/sessions/{scene.session_id}")
        tab.evaluate("document.getElementById('player').muted = true")
    for tab in (presenter, follower):  # both are here, and both know who presents
        expect(tab.locator("#live-present li")).to_have_count(2)
    expect(presenter.locator("#live-present li .live-handover")).to_have_count(1)

    # The presenter presses play on its own player: both start at the announced time.
    presenter.evaluate("document.getElementById('player').play()")
    presenter.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    in_sync(presenter, follower, 0.25)

    # A seek: the follower jumps there too and plays on in step.
    presenter.evaluate("document.getElementById('player').currentTime = 12")
    follower.wait_for_function("() => document.getElementById('player').currentTime > 12")
    in_sync(presenter, follower, 0.25)

    # Pause: the follower stops at exactly the presenter's position.
    presenter.evaluate("document.getElementById('player').pause()")
    where = float(presenter.evaluate("document.getElementById('player').currentTime"))
    follower.wait_for_function(
        "t => { const p = document.getElementById('player');"
        " return p.paused && !p.seeking && Math.abs(p.currentTime - t) < 0.001; }",
        arg=where,
    )
    # Looking alone: the follower's own seek detaches it, and the room carries on without it.
    follower.locator("#live-detach").click()
    expect(presenter.locator("#live-present li", has_text="(")).to_have_count(2)
