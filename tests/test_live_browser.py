"""Chromium pages in one session: the presenter plays, seeks and pauses with the player's
own controls; the other pages' videos follow (their currentTime read from them). Feedback
saved on one page shows on the others; typing feedback pauses only the typer's player, or,
for the presenter, the room."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.accounts import live_client
from tests.support.browser import PRESS_PLAY, join_room
from tests.support.live import Scene, make_scene

pytestmark = pytest.mark.browser

# The follower is within `gap` seconds of where the presenter's player is now (its reading
# moved on by the wall-clock time since; both pages share this machine's clock).
FOLLOWS = """([ct, at, gap]) => { const p = document.getElementById('player');
  return !p.paused && Math.abs(p.currentTime - (ct + (Date.now() - at) / 1000)) < gap; }"""
PLAYING = "() => { const p = document.getElementById('player'); return !p.paused && !p.seeking; }"
READ = "() => [document.getElementById('player').currentTime, Date.now()]"
# Wholly inside the window, without scrolling.
IN_VIEW = """id => { const r = document.getElementById(id).getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }"""


def in_sync(presenter: Page, follower: Page, gap: float) -> None:
    # Read the presenter once it plays (not while it waits for an announced start).
    presenter.wait_for_function(PLAYING)
    reading: Any = presenter.evaluate(READ)
    follower.wait_for_function(FOLLOWS, arg=[reading[0], reading[1], gap])


def test_the_other_page_follows_play_seek_and_pause(
    shared_db: str, media: Any, tab_for: Callable[..., Page]
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tab_for("caseworker"), tab_for("supervisor")
    join_room(shared_db, scene.session_id, presenter, follower)
    # On a 1366x768 laptop the player, the agenda (the round) and the feedback are in view
    # together as the page opens (sessions.css).
    # Nothing is loaded before play (preload="none"): the room's play loads it.
    expect(follower.locator("#player")).to_be_attached()
    for part in ("player", "agenda", "feedback-panel"):
        assert follower.evaluate(IN_VIEW, part), f"#{part} is not wholly in view at 1366x768"
    expect(presenter.locator("#live-present li .live-handover")).to_have_count(1)

    # The presenter presses play on its own player: both start at the announced time.
    presenter.evaluate(PRESS_PLAY)
    presenter.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    in_sync(presenter, follower, 0.25)

    # A seek: the follower jumps there too and plays on in step.
    presenter.evaluate("document.getElementById('player').currentTime = 12")
    follower.wait_for_function("() => document.getElementById('player').currentTime > 12")
    in_sync(presenter, follower, 0.25)

    # Pause: the follower stops at exactly the presenter's position. Read that position once
    # the presenter's pause has taken effect and reached the room: right after pause() the
    # player may still report the time before its last frame.
    presenter.evaluate("document.getElementById('player').pause()")
    presenter.wait_for_function(PAUSED)
    follower.wait_for_function(PAUSED)
    stopped_together(presenter, follower)
    # Looking alone: the follower's own seek detaches it, and the room carries on without it.
    follower.locator("#live-detach").click()
    expect(presenter.locator("#live-present li", has_text="(")).to_have_count(2)


PAUSED = "() => { const p = document.getElementById('player'); return p.paused && !p.seeking; }"
# The page plays on: its time moves past `t` (read earlier) while it is not paused.
MOVES_ON = (
    "t => { const p = document.getElementById('player'); return !p.paused && p.currentTime > t; }"
)
AT = """t => { const p = document.getElementById('player');
  return p.paused && !p.seeking && Math.abs(p.currentTime - t) < 0.001; }"""


def now_at(tab: Page) -> float:
    return float(tab.evaluate("document.getElementById('player').currentTime"))


def stopped_together(presenter: Page, follower: Page, tries: int = 3) -> None:
    """The follower shows the presenter's position (within 1 ms), both paused. The
    presenter's own player may still settle on the position it announced (its pause
    reaches it through the room too), so its position is read again if it moved."""
    for _ in range(tries):
        where = now_at(presenter)
        try:
            follower.wait_for_function(AT, arg=where, timeout=5_000)
            return
        except PlaywrightTimeoutError:
            if abs(now_at(presenter) - where) < 0.001:  # the presenter did not move: a miss
                break
    raise AssertionError(f"follower at {now_at(follower)}, presenter at {now_at(presenter)}")


def test_typing_pauses_only_the_typer_and_feedback_reaches_every_page(
    shared_db: str, media: Any, tab_for: Callable[..., Page]
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, typer, other = tab_for("caseworker"), tab_for("supervisor"), tab_for("caseworker2")
    room = (presenter, typer, other)
    join_room(shared_db, scene.session_id, *room)
    presenter.evaluate(PRESS_PLAY)
    presenter.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    for tab in (typer, other):
        in_sync(presenter, tab, 0.25)

    # A follower opens the feedback form and types: its player stops, the room plays on.
    typer.click("#add-feedback")
    typer.fill("#fb-text", "Fint åbent spørgsmål.")
    typer.wait_for_function(PAUSED)
    for tab in (presenter, other):
        tab.wait_for_function(MOVES_ON, arg=now_at(tab) + 0.5)
    assert typer.evaluate("document.getElementById('player').paused")

    # It saves: the feedback shows on the other pages at once (no reload), marker and all,
    # each fetching that one thread, not the whole list again.
    fetched: list[str] = []
    other.on("request", lambda r: fetched.append(r.url) if "/feedback/threads" in r.url else None)
    typer.locator("#fb-criteria input[data-number='1']").check()
    typer.locator(".kind-pick input[value='strength']").check()
    typer.check("#fb-publish")
    typer.click("#save-feedback")
    for tab in (presenter, other):
        expect(tab.locator("#feedback-list .fb.kind-strength")).to_contain_text("åbent spørgsmål")
        expect(tab.locator("#marker-list .marker")).to_have_count(1)
    item = other.locator("#feedback-list .fb.kind-strength").get_attribute("data-id")
    assert [u.rsplit("/", 1)[1] for u in fetched] == [item], fetched
    # ... and the typer is back with the room, not looking alone.
    in_sync(presenter, typer, 0.25)
    expect(typer.locator("#live")).not_to_have_class(re.compile(r"\bdetached\b"))

    # The presenter opens the form: every player stops at the presenter's frame.
    presenter.click("#add-feedback")
    presenter.wait_for_function(PAUSED)
    presenter.fill("#fb-text", "Her venter vi.")
    # The presenter's own player settles on the position it announced, as in a pause.
    for tab in (typer, other):
        stopped_together(presenter, tab)
    where = now_at(presenter)
    # The presenter cancels: the form's resume plays the room on from there.
    presenter.click("#cancel-feedback")
    for tab in room:
        tab.wait_for_function(MOVES_ON, arg=where + 0.3)
