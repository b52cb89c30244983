"""Fault drill (issue 26) in Chromium: Redis restarted while two pages watch a session
together, the app under uvicorn with its queue (and so the live channel) on a redis-server of
the drill's own. While Redis is down both pages say they are reconnecting; once it is back
they reconnect by themselves and the follower follows the presenter again."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.accounts import live_client
from tests.support.browser import PRESS_PLAY, join_room, logged_in_tabs
from tests.support.jobs import PrivateRedis
from tests.support.live import Scene, make_scene
from tests.support.servers import app_env, serving

pytestmark = pytest.mark.browser

PLAYING = "() => { const p = document.getElementById('player'); return !p.paused && !p.seeking; }"
# Playing near `t` (a follower sought there by the room, or the presenter's own seek).
PLAYS_AT = """t => { const p = document.getElementById('player');
  return !p.paused && !p.seeking && p.currentTime >= t - 0.05 && p.currentTime < t + 3; }"""


@pytest.fixture
def on_redis(shared_db: str, sqlite_url: str, private_redis: PrivateRedis) -> Iterator[str]:
    """The app under uvicorn on the tests' SQLite (`shared_db`'s) with its queue on that
    Redis: its live hub goes through Redis. Its base URL."""
    env = app_env(SPARRING_DATABASE_URL=sqlite_url, SPARRING_QUEUE_URL=private_redis.url)
    with serving(env) as base:
        yield base


@pytest.fixture
def tab_on(browser: Browser, on_redis: str) -> Iterator[Callable[[str], Page]]:
    """A page of that server, logged in as a base user; fails the test on a script error."""
    with logged_in_tabs(browser, on_redis) as make:
        yield make


def test_pages_say_they_reconnect_while_redis_is_down_and_follow_again_after(
    shared_db: str,
    on_redis: str,
    private_redis: PrivateRedis,
    media: Any,
    tab_on: Callable[[str], Page],
) -> None:
    scene: Scene = make_scene(lambda who: live_client(shared_db, who), media)  # type: ignore[arg-type]
    presenter, follower = tab_on("caseworker"), tab_on("supervisor")
    join_room(on_redis, scene.session_id, presenter, follower)
    presenter.evaluate(PRESS_PLAY)
    follower.wait_for_function(PLAYING)

    private_redis.stop()
    reconnecting = str(follower.locator("#live").get_attribute("data-label-reconnecting"))
    for tab in (presenter, follower):
        expect(tab.locator("#live-status")).to_have_text(reconnecting)

    private_redis.start()
    # Each page reconnects by itself (its backoff may have grown to some 20 s meanwhile).
    for tab in (presenter, follower):
        expect(tab.locator("#live-status")).to_have_text("", timeout=45_000)
        expect(tab.locator("#live-present li")).to_have_count(2)
    # The presenter is still the one who presents, and the follower follows its seek.
    expect(presenter.locator("#live-present li .live-handover")).to_have_count(1)
    presenter.evaluate("document.getElementById('player').currentTime = 12")
    for tab in (presenter, follower):
        tab.wait_for_function(PLAYS_AT, arg=12)
