"""One participant cannot load the whole room: live connections per person and session are
limited, the message allowance is the person's (shared by all their connections, in every
process on Redis), and a `feedback` message is relayed only when it names an item the
receiver sees. Each on the in-memory hub and on the Redis hub."""

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.core.config import settings
from app.live import protocol
from app.live.hub import Hub
from app.main import create_app
from tests.support.feedback import criterion_ids, give
from tests.support.live import Peer, Scene, joined, make_scene

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def scene(db: str, client_for, media) -> Scene:  # type: ignore[no-untyped-def]
    """On SQLite and PostgreSQL (with each hub: `processes`)."""
    return make_scene(client_for, media)


@dataclass
class Process:
    """One web process: its app with its own hub, and one client whose connections share
    its event loop."""

    app: FastAPI
    client: TestClient

    def join(self, scene: Scene, who: str) -> AbstractContextManager[Peer]:
        return joined(self.app, scene, who, via=self.client)

    def refused(self, scene: Scene, who: str) -> WebSocketDisconnect:
        with pytest.raises(WebSocketDisconnect) as closed, self.join(scene, who):
            pass
        return closed.value


@pytest.fixture(params=["memory", "redis"])
def processes(request: pytest.FixtureRequest) -> Iterator[list[Process]]:
    """Two web processes of one installation; on Redis they share the rooms (under a fresh
    prefix), in memory each is alone."""
    url = REDIS if request.param == "redis" else ""
    prefix = f"vs:live:test:{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        made = []
        for _ in range(2):
            app = create_app()
            app.state.live_hub = Hub(url, prefix)
            made.append(Process(app, stack.enter_context(TestClient(app))))
        yield made


def test_one_person_holds_at_most_the_set_number_of_connections(
    scene: Scene, processes: list[Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "live_connections_per_person", 2)
    web = processes[0]
    with web.join(scene, "supervisor"), web.join(scene, "supervisor") as second:
        # A third is closed with a code the page stops at and a reason it shows.
        closed = web.refused(scene, "supervisor")
        assert closed.code == 4429
        assert "højst 2" in closed.reason, closed.reason
        # The others are not held back by it.
        with web.join(scene, "caseworker") as owner:
            owner.until(lambda m: m["type"] == "presence" and len(m["people"]) == 3)
            second.ws.close()
            owner.until(lambda m: m["type"] == "presence" and len(m["people"]) == 2)
        # One closed: one more may open.
        with web.join(scene, "supervisor") as again:
            assert again.seen[0]["type"] == "welcome"
            # On Redis the limit counts the connections in every process.
            other = processes[1]
            if other.app.state.live_hub.redis_url:
                assert other.refused(scene, "supervisor").code == 4429


def flood(peers: list[Peer], count: int) -> int:
    """`count` pings on each connection; the pongs they got in all. Every message gets one
    answer (a pong, or a warning when dropped), so this knows when all were handled."""
    for n in range(count):
        for peer in peers:
            peer.send("ping", t0=n)
    for peer in peers:
        for _ in range(count):
            peer.until(lambda m: m["type"] in ("pong", "warning"))
    return sum(m["type"] == "pong" for peer in peers for m in peer.seen)


def test_the_message_allowance_is_the_persons_not_each_connections(
    scene: Scene, processes: list[Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A burst of 10, refilled so slowly that no test lasts long enough to earn one more;
    # every dropped message warned of, so that the test knows when all were handled.
    monkeypatch.setattr(settings, "live_message_burst", 10)
    monkeypatch.setattr(settings, "live_messages_per_second", 0.001)
    monkeypatch.setattr(protocol, "WARNING_INTERVAL", 0.0)
    one, other = processes
    with (
        one.join(scene, "supervisor") as first,
        one.join(scene, "supervisor") as second,
        one.join(scene, "caseworker") as owner,
    ):
        # Two connections got no more than one: 10 messages in all, not 10 each.
        assert flood([first, second], 15) == 10
        # Someone else's allowance is untouched.
        owner.send("ping", t0=1)
        assert owner.next("pong")["t0"] == 1
        if other.app.state.live_hub.redis_url:  # another process takes from the same
            with other.join(scene, "supervisor") as third:
                assert flood([third], 5) == 0


def session_items(scene: Scene) -> dict[str, int]:
    """The supervisor's published item and draft in the session, a reply to the item, and
    an item of another place (the recording's own, which the team session does not show)."""
    writer, owner = scene.clients["supervisor"], scene.clients["caseworker"]
    criterion = criterion_ids(writer)[0]
    api = f"/api/v1/sessions/{scene.session_id}/feedback"
    item = give(writer, api, criterion, 2.0, "Godt spørgsmål")
    reply = owner.post(f"{api}/{item}/replies", json={"text": "Tak"})
    assert reply.status_code == 201, reply.text
    return {
        "item": item,
        "reply": int(reply.json()["id"]),
        "draft": give(writer, api, criterion, 3.0, "Kladde", publish=False),
        "elsewhere": give(
            owner, f"/api/v1/recordings/{scene.recording_id}/feedback", criterion, 4.0, "Egen"
        ),
    }


def test_feedback_is_relayed_only_when_it_names_an_item_the_receiver_sees(
    scene: Scene, processes: list[Process]
) -> None:
    ids = session_items(scene)
    web = processes[0]
    with (
        web.join(scene, "caseworker") as owner,
        web.join(scene, "supervisor") as writer,
        web.join(scene, "caseworker2") as other,
    ):
        # A bare message, an item that does not exist, a draft (even the sender's own), and
        # an item of another place: refused, and no one hears of them.
        for fields in ({}, {"feedback_id": 10**9}, {"feedback_id": "1"}, {"feedback_id": True}):
            seq = writer.send("feedback", **fields)
            assert writer.next("refused", seq=seq)["code"] == "live.feedback_unknown", fields
        seq = writer.send("feedback", feedback_id=ids["draft"])
        assert writer.next("refused", seq=seq)["code"] == "live.feedback_unknown"
        seq = owner.send("feedback", feedback_id=ids["elsewhere"])
        assert owner.next("refused", seq=seq)["code"] == "live.feedback_unknown"
        # A relay forged past the sender's check (another process, say) naming the draft:
        # each receiver checks what it may see, so it reaches no one.
        hub = web.app.state.live_hub
        forged = {"type": "feedback", "by": scene.ids["supervisor"], "feedback_id": ids["draft"]}
        owner.ws.portal.call(hub.store.publish, scene.session_id, forged)
        # A real item and a reply in its thread reach the others, and nothing before them.
        writer.send("feedback", feedback_id=ids["item"])
        for peer in (owner, other):
            assert peer.next("feedback")["feedback_id"] == ids["item"]
        owner.send("feedback", feedback_id=ids["reply"])
        for peer in (writer, other):
            event = peer.next("feedback")
            assert (event["feedback_id"], event["by"]) == (ids["reply"], scene.ids["caseworker"])
        # The sender's own connections do not hear of it: their page has it already (a
        # relay to it would come before the answer to its next message).
        owner.send("ping", t0=7)
        owner.next("pong", t0=7)
        assert [m["feedback_id"] for m in owner.seen if m["type"] == "feedback"] == [ids["item"]]
