"""The live channel over real WebSockets (Starlette's test client): access, the presenter's
commands and their refusals, hand-over, presence, catch-up, and removal.

Timing and the followers' correction run over a real server: tests/test_live_sync.py.
"""

import uuid

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.live import routes as live_routes
from app.live.hub import Hub
from app.live.protocol import PLAY_LEAD_MS
from app.main import app, create_app
from tests.support.feedback import criterion_ids, give
from tests.support.live import ORIGIN, SECONDS, Scene, joined, make_scene


@pytest.fixture
def scene(sqlite_db: str, client_for, media) -> Scene:  # type: ignore[no-untyped-def]
    return make_scene(client_for, media)


@pytest.fixture
def scene_on_db(db: str, client_for, media) -> Scene:  # type: ignore[no-untyped-def]
    """The scene on SQLite and on PostgreSQL: for what the database's types decide."""
    return make_scene(client_for, media)


def session_item(scene: Scene) -> int:
    """A published item of the supervisor's in the session."""
    writer = scene.clients["supervisor"]
    api = f"/api/v1/sessions/{scene.session_id}/feedback"
    return give(writer, api, criterion_ids(writer)[0], 2.0, "Godt spørgsmål")


def refused_code(scene: Scene, who: str, **options: object) -> int:
    with pytest.raises(WebSocketDisconnect) as refused, joined(app, scene, who, **options):  # type: ignore[arg-type]
        pass
    return refused.value.code


def test_only_participants_from_our_own_pages(scene: Scene, client_for) -> None:  # type: ignore[no-untyped-def]
    # Another site's page (the browser sends its origin), or no browser origin at all.
    assert refused_code(scene, "caseworker", origin="https://evil.example") == 4403
    assert refused_code(scene, "caseworker", origin=None) == 4403
    # Logged out: the cookie no longer names a session.
    scene.clients["caseworker2"].post("/logout")
    assert refused_code(scene, "caseworker2") == 4401
    # Not in the session at all.
    scene.clients["administrator"] = client_for("administrator")
    assert refused_code(scene, "administrator") == 4404
    # A session that does not exist answers as one the person is not in.
    missing = Scene(scene.session_id + 1000, scene.recording_id, scene.clients, scene.ids)
    assert refused_code(missing, "supervisor") == 4404
    with joined(app, scene, "supervisor") as peer:  # a participant the owner shared with
        assert peer.seen[0]["you"] == scene.ids["supervisor"]


def test_ids_no_database_holds_or_not_in_canonical_digits_are_refused(
    scene_on_db: Scene,
) -> None:
    """Issue 18: an id of 2**63 or more crashed the handshake; '01' or '+1' named the
    session. Each is refused as FastAPI refuses a bad path value: close code 1008. On both
    databases: PostgreSQL's BIGINT is where 2**63 would not fit."""
    scene = scene_on_db
    headers = {"cookie": f"vs_session={scene.token('supervisor')}", "origin": ORIGIN}
    sid = scene.session_id
    for bad in (str(2**63), str(2**64), f"0{sid}", f"+{sid}", f"{sid}.0", f"%20{sid}"):
        with (
            TestClient(app) as client,
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(f"/api/v1/sessions/{bad}/live", headers=headers),
        ):
            pass
        assert refused.value.code == 1008, bad


def test_presenter_plays_seeks_pauses_and_followers_hear_it(scene: Scene) -> None:
    with (
        joined(app, scene, "caseworker") as presenter,
        joined(app, scene, "supervisor") as follower,
    ):
        assert presenter.seen[0]["state"]["presenter"] == scene.ids["caseworker"]
        assert follower.seen[0]["state"]["presenter"] == scene.ids["caseworker"]
        assert follower.seen[0]["duration"] == pytest.approx(SECONDS, abs=0.5)

        presenter.send("play", position=2.0)
        played = follower.until(lambda m: m["type"] == "state" and m["state"]["playing"])
        # Announced a little ahead, on the server's clock, so that everyone starts together.
        assert played["state"]["at"] - played["server_time"] == pytest.approx(PLAY_LEAD_MS, abs=50)
        assert played["state"]["position"] == 2.0 and played["by"] == scene.ids["caseworker"]

        presenter.send("seek", position=9.5)
        sought = follower.state(position=9.5)
        assert sought["playing"] and sought["version"] > played["state"]["version"]

        presenter.send("rate", rate=1.25)
        assert follower.state(rate=1.25)["playing"]

        presenter.send("pause", position=11.04)
        paused = follower.state(playing=False)
        assert paused["position"] == 11.04  # every player stops at the presenter's frame


def test_forged_replayed_and_outside_commands_are_refused(scene: Scene) -> None:
    with (
        joined(app, scene, "caseworker") as presenter,
        joined(app, scene, "supervisor") as follower,
    ):
        # A follower claiming to present.
        seq = follower.send("play", position=1.0)
        assert follower.next("refused", seq=seq)["code"] == "live.not_presenter"
        seq = follower.send("handover", to=scene.ids["supervisor"])
        assert follower.next("refused", seq=seq)["code"] == "live.not_presenter"
        # Seeks outside the media, a speed out of range, a message without a number.
        for kind, fields, code in [
            ("seek", {"position": SECONDS + 5}, "live.outside"),
            ("seek", {"position": -1}, "live.outside"),
            ("play", {"position": presenter.seen[0]["duration"]}, "live.outside"),
            ("rate", {"rate": 16}, "live.rate"),
            ("seek", {"position": "soon"}, "live.malformed"),
        ]:
            seq = presenter.send(kind, **fields)
            assert presenter.next("refused", seq=seq)["code"] == code, kind
        # A replayed and an out-of-order sequence number.
        presenter.ws.send_json({"type": "seek", "seq": presenter.seq, "position": 3})
        assert presenter.next("refused", seq=presenter.seq)["code"] == "live.replayed"
        presenter.ws.send_json({"type": "seek", "seq": 1, "position": 3})
        assert presenter.next("refused", seq=1)["code"] == "live.replayed"
        # Not JSON, no type, no seq: refused, the channel goes on.
        presenter.ws.send_text("{not json")
        assert presenter.next("refused")["code"] == "live.malformed"
        presenter.ws.send_json({"type": "ping"})
        assert presenter.next("refused")["code"] == "live.seq"
        # Nothing of it changed the state: the next real command is version 1 past the start.
        presenter.send("seek", position=4.0)
        assert follower.state(position=4.0)["presenter"] == scene.ids["caseworker"]


def test_a_flood_is_limited_and_the_channel_stays(scene: Scene) -> None:
    with (
        joined(app, scene, "caseworker") as presenter,
        joined(app, scene, "supervisor") as flooder,
    ):
        for t0 in range(500):
            flooder.send("ping", t0=t0)
        flooder.next("warning", code="live.flood")
        presenter.send("seek", position=6.0)  # the flooder still hears the room
        flooder.state(position=6.0)
        pongs = [m for m in flooder.seen if m["type"] == "pong"]
        assert 20 <= len(pongs) < 100, len(pongs)
        assert sum(m["type"] == "warning" for m in flooder.seen) < 5  # not one per message


def test_control_is_handed_over_and_passes_on_when_the_presenter_leaves(scene: Scene) -> None:
    ids = scene.ids
    with joined(app, scene, "caseworker") as first, joined(app, scene, "supervisor") as second:
        with joined(app, scene, "caseworker2") as third:
            first.send("handover", to=ids["supervisor"])
            assert third.next("presence", presenter=ids["supervisor"])
            seq = first.send("pause", position=1.0)  # no longer the presenter
            assert first.next("refused", seq=seq)["code"] == "live.not_presenter"
            seq = third.send("take")  # someone presents: no taking over
            assert third.next("refused", seq=seq)["code"] == "live.presenter_present"
            # Looking alone and rejoining: the others see it; the rejoiner gets the state.
            third.send("detach")
            second.until(
                lambda m: (
                    m["type"] == "presence"
                    and any(
                        p["user_id"] == ids["caseworker2"] and p["detached"] for p in m["people"]
                    )
                )
            )
            second.send("seek", position=7.0)
            third.send("rejoin")
            assert third.state(position=7.0)["presenter"] == ids["supervisor"]
            # The presenter may not look alone: the room would follow no one.
            seq = second.send("detach")
            assert second.next("refused", seq=seq)["code"] == "live.presenter_detach"
        # The presenter's connection drops: control passes to whoever is here longest.
        second.ws.close()
        passed = first.state(presenter=ids["caseworker"])
        assert passed["position"] == 7.0  # where the room was: nothing lost
        first.send("play", position=7.0)
        first.state(playing=True)


def test_a_late_or_returning_follower_catches_up(scene: Scene) -> None:
    with joined(app, scene, "caseworker") as presenter:
        with joined(app, scene, "supervisor") as follower:
            presenter.send("play", position=3.0)
            follower.state(playing=True)
        presenter.send("seek", position=12.0)  # while the follower was away
        presenter.send("rate", rate=1.5)
        presenter.until(lambda m: m["type"] == "state" and m["state"]["rate"] == 1.5)
        with joined(app, scene, "supervisor") as back:
            state = back.seen[0]["state"]
            assert (state["playing"], state["position"], state["rate"]) == (True, 12.0, 1.5)


def test_feedback_added_reaches_the_others(scene: Scene) -> None:
    """Which messages are relayed to whom: tests/test_live_load.py."""
    item = session_item(scene)
    with (
        joined(app, scene, "caseworker") as presenter,
        joined(app, scene, "supervisor") as writer,
    ):
        writer.send("feedback", feedback_id=item)
        event = presenter.next("feedback")
        assert (event["by"], event["feedback_id"]) == (scene.ids["supervisor"], item)


def test_a_removed_participant_is_cut_off(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """At once: the removal tells the channel after its commit (no waiting for a re-check)."""
    monkeypatch.setattr(live_routes, "RECHECK_SECONDS", 3600.0)
    owner = scene.clients["caseworker"]
    with joined(app, scene, "caseworker") as presenter, joined(app, scene, "supervisor") as gone:
        removed = owner.delete(
            f"/api/v1/sessions/{scene.session_id}/participants/{scene.ids['supervisor']}"
        )
        assert removed.status_code == 204, removed.text
        with pytest.raises(WebSocketDisconnect) as cut:
            gone.until(lambda m: False)
        assert cut.value.code == 4404
        people = presenter.until(lambda m: m["type"] == "presence" and len(m["people"]) == 1)[
            "people"
        ]
        assert [p["user_id"] for p in people] == [scene.ids["caseworker"]]
    assert refused_code(scene, "supervisor") == 4404


def test_a_withdrawn_share_cuts_the_participant_off(scene: Scene) -> None:
    owner = scene.clients["caseworker"]
    shares = owner.get(f"/api/v1/recordings/{scene.recording_id}/shares").json()
    share = next(s for s in shares if s.get("user_id") == scene.ids["caseworker2"])
    with joined(app, scene, "caseworker"), joined(app, scene, "caseworker2") as viewer:
        withdrawn = owner.delete(f"/api/v1/recordings/{scene.recording_id}/shares/{share['id']}")
        assert withdrawn.status_code == 204, withdrawn.text
        with pytest.raises(WebSocketDisconnect) as cut:
            viewer.until(lambda m: False)
        assert cut.value.code == 4404


def test_two_processes_share_one_room_through_redis(scene: Scene) -> None:
    """Two app instances, each with its own hub, share the room's state through Redis."""
    prefix = f"vs:live:test:{uuid.uuid4().hex[:8]}"
    apps = [create_app(), create_app()]
    for instance in apps:
        instance.state.live_hub = Hub("redis://127.0.0.1:6379/0", prefix)
    ids = scene.ids
    with joined(apps[1], scene, "supervisor") as follower:
        with joined(apps[0], scene, "caseworker") as presenter:
            # The first one in (on the other instance) presents; both see both.
            assert presenter.seen[0]["state"]["presenter"] == ids["supervisor"]
            presenter.until(lambda m: m["type"] == "presence" and len(m["people"]) == 2)
            follower.send("handover", to=ids["caseworker"])
            presenter.state(presenter=ids["caseworker"])
            presenter.send("play", position=3.0)
            played = follower.state(playing=True)
            assert (played["position"], played["presenter"]) == (3.0, ids["caseworker"])
            seq = follower.send("seek", position=1.0)  # forged on the other instance
            assert follower.next("refused", seq=seq)["code"] == "live.not_presenter"
            follower.send("feedback", feedback_id=session_item(scene))
            assert presenter.next("feedback")["by"] == ids["supervisor"]
        # The presenter's instance lost it: control passes to the one left, over Redis.
        assert follower.state(presenter=ids["supervisor"])["position"] == 3.0
