"""Chromium pages in one session: the presenter seeks many times in a row while playing,
by a click on the player's own seek bar (mouse events on the native control) and as a
transcript line does (setting currentTime); every seek reaches the room, and neither the
presenter's player nor the follower's is pulled back to where it was. On each pause the
follower shows the very frame the presenter's player shows.

`bench/native_seek_drill.py` runs the seek-bar test three times with 100 seeks each
(SPARRING_NATIVE_SEEKS) and keeps the counts in bench/results/native_seek_drill.json."""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.accounts import live_client
from tests.support.browser import PRESS_PLAY, join_room
from tests.support.live import Scene, make_scene

pytestmark = pytest.mark.browser

SEEKS = 30
PLAYING = "() => { const p = document.getElementById('player'); return !p.paused && !p.seeking; }"
# The player plays on from the target: at or just past it (a lost seek leaves it elsewhere).
PAST = """t => { const p = document.getElementById('player');
  return !p.paused && !p.seeking && p.currentTime >= t - 0.05 && p.currentTime < t + 2; }"""
# Seeks every 4 s apart and more, within the 20 s recording (tests.support.live.SECONDS).
TARGETS = [2.0, 8.5, 14.0, 4.5, 10.0, 15.5, 6.0, 11.5, 3.0, 9.0]


def test_every_seek_of_the_presenter_reaches_the_room(
    shared_db: str, media: Any, tab_for: Callable[..., Page]
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tab_for("caseworker"), tab_for("supervisor")
    # The seeks the presenter's page sends to the room.
    sent: list[str] = []
    presenter.on(
        "websocket",
        lambda ws: ws.on(
            "framesent", lambda f: sent.append(str(f)) if '"seek"' in str(f) else None
        ),
    )
    join_room(shared_db, scene.session_id, presenter, follower)
    presenter.evaluate(PRESS_PLAY)
    for tab in (presenter, follower):  # each has loaded the media (preload="none") and plays
        tab.wait_for_function(PLAYING)

    lost: list[str] = []
    for i in range(SEEKS):
        target = TARGETS[i % len(TARGETS)] + (i // len(TARGETS)) * 0.25
        presenter.wait_for_function(PLAYING)
        before = len(sent)
        presenter.evaluate(f"document.getElementById('player').currentTime = {target}")
        try:
            for tab in (presenter, follower):
                tab.wait_for_function(PAST, arg=target, timeout=5_000)
        except PlaywrightTimeoutError:
            where = [
                tab.evaluate("document.getElementById('player').currentTime")
                for tab in (presenter, follower)
            ]
            lost.append(f"seek {i + 1} to {target}: sent {len(sent) - before}, at {where}")
            presenter.evaluate(f"document.getElementById('player').currentTime = {target}")
            for tab in (presenter, follower):
                tab.wait_for_function(PAST, arg=target, timeout=10_000)
    assert not lost, f"{len(lost)} of {SEEKS} seeks lost: {lost}"


# Chromium's native controls: the seek bar runs across the bottom of the player; this far
# above the player's bottom edge a click lands on it (its hit area is about 20 px high).
SEEK_BAR_ABOVE_BOTTOM = 16
# Where the presenter's player was sent by each seek, from its own `seeking` events.
SEEK_TARGETS = """() => { const v = document.getElementById('player'); window.__seeks = [];
  v.addEventListener('seeking', () => window.__seeks.push(v.currentTime)); }"""


# What to say when a player is stuck: its own state and what its live panel shows.
STATE = """() => { const p = document.getElementById('player');
  return {time: p.currentTime, paused: p.paused, seeking: p.seeking, ready: p.readyState,
          panel: document.getElementById('live').className,
          present: document.getElementById('live-present').innerText,
          status: document.getElementById('live-status').innerText}; }"""


def state_of(tab: Page) -> object:
    return tab.evaluate(STATE)


def test_every_click_on_the_native_seek_bar_reaches_the_room(
    shared_db: str, media: Any, tab_for: Callable[..., Page]
) -> None:
    """The presenter clicks the player's seek bar while playing, as a person does: Chromium
    pauses, seeks and plays again on its own. Each click moves the room there, and both
    players play on from it."""
    seeks = int(os.environ.get("SPARRING_NATIVE_SEEKS", "40"))
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tab_for("caseworker"), tab_for("supervisor")
    join_room(shared_db, scene.session_id, presenter, follower)
    presenter.evaluate(SEEK_TARGETS)
    presenter.evaluate(PRESS_PLAY)
    for tab in (presenter, follower):
        tab.wait_for_function(PLAYING)
    box = presenter.locator("#player").bounding_box()  # as the loaded video sizes it
    assert box is not None
    y = box["y"] + box["height"] - SEEK_BAR_ABOVE_BOTTOM

    def click_bar(x: float) -> float:
        """Click the seek bar at x; where the presenter's player went."""
        before = presenter.evaluate("window.__seeks.length")
        presenter.mouse.move(x, y - 40)  # onto the player: its controls show
        presenter.mouse.click(x, y)
        presenter.wait_for_function(f"() => window.__seeks.length > {before}")
        return float(presenter.evaluate("window.__seeks[window.__seeks.length - 1]"))

    lost: list[str] = []

    def reached_by_both(i: int, landed: float) -> None:
        try:
            for tab in (presenter, follower):
                tab.wait_for_function(PAST, arg=landed, timeout=5_000)
        except PlaywrightTimeoutError:
            where = [
                tab.evaluate("document.getElementById('player').currentTime")
                for tab in (presenter, follower)
            ]
            lost.append(f"click {i + 1} to {landed:.2f}: players at {where}")
            try:
                for tab in (presenter, follower):  # on from where the room is
                    tab.wait_for_function(PLAYING, timeout=10_000)
            except PlaywrightTimeoutError:
                states = [state_of(t) for t in (presenter, follower)]
                pytest.fail(f"after {lost[-1]} a player stopped: {states}")

    # Where on the bar a moment is: two clicks (seeks like the rest) fix the line.
    left, right = box["x"] + 0.25 * box["width"], box["x"] + 0.75 * box["width"]
    at_left = click_bar(left)
    reached_by_both(0, at_left)
    at_right = click_bar(right)
    reached_by_both(1, at_right)
    per_second = (right - left) / (at_right - at_left)
    for i in range(2, seeks):
        target = TARGETS[i % len(TARGETS)] + (i // len(TARGETS)) * 0.25 % 1.0
        landed = click_bar(left + (target - at_left) * per_second)
        assert abs(landed - target) < 0.5, f"the click meant for {target} went to {landed}"
        reached_by_both(i, landed)
    if report := os.environ.get("SPARRING_NATIVE_SEEK_REPORT"):
        Path(report).write_text(json.dumps({"seeks": seeks, "lost": lost}))
    assert not lost, f"{len(lost)} of {seeks} clicks on the seek bar lost: {lost}"


PAUSES = 12
# Each page records the media time of the frame its player shows (Chromium has
# requestVideoFrameCallback; the test recording has a frame every 100 ms).
SHOWN = """() => { const v = document.getElementById('player'); window.__shown = null;
  const f = (now, m) => { window.__shown = m.mediaTime; v.requestVideoFrameCallback(f); };
  v.requestVideoFrameCallback(f); }"""
SETTLED = "() => { const p = document.getElementById('player'); return p.paused && !p.seeking; }"
SAME_FRAME = """shown => { const p = document.getElementById('player');
  return p.paused && !p.seeking && window.__shown === shown; }"""
READ_SHOWN = "() => [document.getElementById('player').currentTime, window.__shown]"


def test_on_pause_the_follower_shows_the_presenters_frame(
    shared_db: str, media: Any, tab_for: Callable[..., Page]
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tab_for("caseworker"), tab_for("supervisor")
    # The room's states as they reach the presenter's page: a paused one ends each pause.
    paused_states: list[str] = []
    presenter.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda f: paused_states.append(str(f)) if '"playing":false' in str(f) else None,
        ),
    )
    for tab in (presenter, follower):  # each page notes the frame it shows from the start
        tab.goto(f"{shared_db}/sessions/{scene.session_id}")
        tab.evaluate("document.getElementById('player').muted = true")
        tab.evaluate(SHOWN)
    for tab in (presenter, follower):
        expect(tab.locator("#live-present li")).to_have_count(2)

    apart: list[str] = []
    for i in range(PAUSES):
        presenter.evaluate(PRESS_PLAY)
        presenter.wait_for_function(PLAYING)
        # Pause at a different point of a frame each time (frames are 100 ms apart).
        start = presenter.evaluate("document.getElementById('player').currentTime")
        presenter.wait_for_function(
            "t => document.getElementById('player').currentTime >= t", arg=start + 0.5 + 0.037 * i
        )
        before = len(paused_states)
        presenter.evaluate("document.getElementById('player').pause()")
        deadline = time.monotonic() + 10
        while len(paused_states) == before:  # the room's pause comes back to the presenter
            assert time.monotonic() < deadline, f"pause {i + 1} never reached the room"
            presenter.wait_for_timeout(20)
        presenter.wait_for_function(SETTLED)
        shown = presenter.evaluate(READ_SHOWN)
        try:
            follower.wait_for_function(SAME_FRAME, arg=shown[1], timeout=3_000)
        except PlaywrightTimeoutError:
            apart.append(
                f"pause {i + 1}: presenter {shown}, follower {follower.evaluate(READ_SHOWN)}"
            )
    assert not apart, f"{len(apart)} of {PAUSES} pauses on another frame: {apart}"
