"""Fault drill (issue 26): Redis restarted while a team session's live channel runs, against
a redis-server of the drill's own on a free port (never the shared one).

While Redis is down every connection is closed with 1013 ("try again later", which the page
reconnects on), a new one too, and none is left hanging. Once it is back the pages
reconnect and find the room as it was: the same presenter (whoever comes back first), the
same position and play state, the version going on from where it was; presence holds the
people who came back, and a command reaches the others (the subscription was made again).
The same when only the subscription is cut (Redis itself stays)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.live import hub as live_hub
from app.live import store as live_store
from app.live.hub import Hub
from app.main import create_app
from tests.support.jobs import PrivateRedis
from tests.support.live import Peer, Scene, joined, make_scene

TRY_AGAIN_LATER = 1013  # not 44xx: app/static/live.js reconnects on it


@pytest.fixture
def scene(sqlite_db: str, client_for, media) -> Scene:  # type: ignore[no-untyped-def]
    return make_scene(client_for, media)


@pytest.fixture
def web(private_redis: PrivateRedis) -> Iterator[tuple[FastAPI, TestClient]]:
    """One web process on that Redis: its app with its own hub, and a client whose
    connections share one event loop."""
    app = create_app()
    app.state.live_hub = Hub(private_redis.url, "vs:live:drill")
    with TestClient(app) as client:
        yield app, client


def cut_off(peer: Peer) -> int:
    """The close code of a connection the server ends (whatever came before it)."""
    with pytest.raises(WebSocketDisconnect) as closed:
        peer.until(lambda m: False)
    return closed.value.code


def refused_now(app: FastAPI, client: TestClient, scene: Scene, who: str) -> int:
    with pytest.raises(WebSocketDisconnect) as closed, joined(app, scene, who, via=client):
        pass
    return closed.value.code


def both_present(peer: Peer, scene: Scene, presenter: str) -> list[int]:
    """The presence the peer is told once both are back; the ids in it."""
    wanted = sorted([scene.ids["caseworker"], scene.ids["supervisor"]])
    message = peer.until(
        lambda m: (
            m["type"] == "presence"
            and sorted(p["user_id"] for p in m["people"]) == wanted
            and m["presenter"] == scene.ids[presenter]
        )
    )
    return [p["user_id"] for p in message["people"]]


def play_from_seven(presenter: Peer, follower: Peer) -> dict[str, Any]:
    presenter.send("seek", position=7.0)
    follower.state(position=7.0)
    presenter.send("play", position=7.0)
    return follower.state(playing=True, position=7.0)


def playing_until_cut(
    web: tuple[FastAPI, TestClient], scene: Scene, cut: Callable[[], None]
) -> dict[str, Any]:
    """The caseworker presents to the supervisor from 7 s, playing; then `cut` breaks Redis
    and both connections are closed with 1013. The room's state before the cut."""
    app, client = web
    with (
        joined(app, scene, "caseworker", via=client) as presenter,
        joined(app, scene, "supervisor", via=client) as follower,
    ):
        before = play_from_seven(presenter, follower)
        cut()
        assert cut_off(presenter) == cut_off(follower) == TRY_AGAIN_LATER
    return before


def assert_room_as_before(
    state: dict[str, Any], before: dict[str, Any], ids: dict[str, int]
) -> None:
    assert state["presenter"] == ids["caseworker"]
    assert (state["playing"], state["position"], state["rate"]) == (True, 7.0, 1.0)
    assert state["at"] == before["at"]  # the very state: the players go on where they are
    assert state["version"] == before["version"]  # not back to 0, not skipped


def test_redis_restarted_mid_session_the_room_comes_back_as_it_was(
    scene: Scene, web: tuple[FastAPI, TestClient], private_redis: PrivateRedis
) -> None:
    app, client = web
    ids = scene.ids
    # Memory only: the room's state, presence and subscription go with it.
    before = playing_until_cut(web, scene, private_redis.stop)
    # While it is down a page that reconnects is told to try again later, at once.
    assert refused_now(app, client, scene, "supervisor") == TRY_AGAIN_LATER

    private_redis.start()
    with redis.Redis.from_url(private_redis.url) as admin:
        assert admin.keys("vs:live:drill:*") == []  # the room is forgotten
    # The follower's page happens to come back first: it does not take control.
    with joined(app, scene, "supervisor", via=client) as follower:
        assert_room_as_before(follower.seen[0]["state"], before, ids)
        with joined(app, scene, "caseworker", via=client) as presenter:
            assert_room_as_before(presenter.seen[0]["state"], before, ids)
            for peer in (presenter, follower):
                assert both_present(peer, scene, "caseworker") == [
                    ids["supervisor"],
                    ids["caseworker"],
                ]
            # The presenter's command reaches the follower: subscribed again.
            presenter.send("seek", position=3.0)
            after = follower.state(position=3.0)
            assert after["version"] == before["version"] + 1
            assert after["presenter"] == ids["caseworker"] and after["playing"]
            # ... and the follower is still only a follower.
            seq = follower.send("pause", position=3.5)
            assert follower.next("refused", seq=seq)["code"] == "live.not_presenter"


def test_the_presenter_gone_for_good_after_a_restart_hands_control_on(
    scene: Scene,
    web: tuple[FastAPI, TestClient],
    private_redis: PrivateRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The presenter's place is kept for a while after a restart; if they do not come back,
    control passes to whoever is here (the page has no way to ask for it)."""
    monkeypatch.setattr(live_store, "RETURN_GRACE_MS", 1500.0)
    monkeypatch.setattr(live_hub, "RETURN_GRACE_MS", 1500.0)
    app, client = web
    ids = scene.ids
    before = playing_until_cut(web, scene, private_redis.stop)
    private_redis.start()
    with joined(app, scene, "supervisor", via=client) as follower:
        assert follower.seen[0]["state"]["presenter"] == ids["caseworker"]
        passed = follower.state(presenter=ids["supervisor"])
        assert (passed["playing"], passed["position"]) == (True, 7.0)
        assert passed["version"] == before["version"] + 1
        follower.send("pause", position=8.0)
        assert follower.state(playing=False)["position"] == 8.0


def test_a_cut_subscription_alone_closes_the_connections_and_they_come_back(
    scene: Scene, web: tuple[FastAPI, TestClient], private_redis: PrivateRedis
) -> None:
    """Redis drops the subscriber (here CLIENT KILL; a proxy's idle timeout, an output
    buffer limit) while it keeps the room: the messages sent meanwhile are lost to this
    process, so its pages reconnect; the room's state and presenter are kept."""
    app, client = web
    ids = scene.ids

    def kill_the_subscriber() -> None:
        with redis.Redis.from_url(private_redis.url) as admin:
            assert admin.client_kill_filter(_type="pubsub") == 1

    before = playing_until_cut(web, scene, kill_the_subscriber)
    with joined(app, scene, "supervisor", via=client) as follower:
        back = follower.seen[0]["state"]
        assert back["presenter"] == ids["caseworker"] and back["playing"]
        assert back["position"] == 7.0 and back["version"] > before["version"]
        with joined(app, scene, "caseworker", via=client) as presenter:
            both_present(follower, scene, "caseworker")
            presenter.send("pause", position=9.25)
            assert follower.state(playing=False)["position"] == 9.25
