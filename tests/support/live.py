"""A sparring session to watch together, and clients of its live channel."""

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.core.timeutil import utcnow
from tests.support.accounts import user_id
from tests.support.factories import ready_recording
from tests.support.media import MediaSet

ORIGIN = "http://testserver"
SECONDS = 20  # the recording's length: what a seek may reach


@dataclass
class Scene:
    session_id: int
    recording_id: str
    clients: dict[str, TestClient]  # logged-in browsers by base user
    ids: dict[str, int]

    def token(self, who: str) -> str:
        return str(self.clients[who].cookies.get("vs_session"))

    def path(self) -> str:
        return f"/api/v1/sessions/{self.session_id}/live"


def make_scene(client_for: Callable[[str], TestClient], media: MediaSet) -> Scene:
    """The caseworker's recording, shared with the supervisor and a colleague, and a team
    session for the three of them."""
    clients = {who: client_for(who) for who in ("caseworker", "supervisor", "caseworker2")}
    ids = {who: user_id(who) for who in clients}
    owner = clients["caseworker"]
    rid = ready_recording(owner, media, seconds=SECONDS)
    for who in ("supervisor", "caseworker2"):
        shared = owner.post(f"/api/v1/recordings/{rid}/shares", json={"user_id": ids[who]})
        assert shared.status_code == 201, shared.text
    planned = owner.post(
        "/api/v1/sessions",
        json={
            "kind": "team",
            "recording_id": rid,
            "user_ids": [ids["supervisor"], ids["caseworker2"]],
            "starts_at": (utcnow() + timedelta(hours=1)).isoformat(),
            "question": "Hvordan åbner jeg samtalen?",
        },
    )
    assert planned.status_code == 201, planned.text
    return Scene(int(planned.json()["id"]), rid, clients, ids)


@dataclass
class Peer:
    """One participant's open channel, with the messages it has received so far."""

    ws: WebSocketTestSession
    seen: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0

    def send(self, kind: str, **fields: Any) -> int:
        self.seq += 1
        self.ws.send_json({"type": kind, "seq": self.seq, **fields})
        return self.seq

    def receive(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next message; a test fails instead of hanging if none comes (the test
        client's own receive waits for ever)."""

        async def wait() -> Any:
            with anyio.fail_after(timeout):
                return await self.ws._send_rx.receive()

        message = self.ws.portal.call(wait)
        self.ws._raise_on_close(message)
        return dict(json.loads(message["text"]))

    def until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next message that satisfies `predicate` (the channel answers every test
        command, so this returns unless the server is broken)."""
        while True:
            message = self.receive()
            self.seen.append(message)
            if predicate(message):
                return message

    def next(self, kind: str, **match: Any) -> dict[str, Any]:
        return self.until(
            lambda m: m["type"] == kind and all(m.get(k) == v for k, v in match.items())
        )

    def state(self, **match: Any) -> dict[str, Any]:
        message = self.until(
            lambda m: m["type"] == "state" and all(m["state"].get(k) == v for k, v in match.items())
        )
        return dict(message["state"])


@contextmanager
def joined(
    app: FastAPI,
    scene: Scene,
    who: str,
    origin: str | None = ORIGIN,
    via: TestClient | None = None,
) -> Iterator[Peer]:
    """`who`'s browser on the live channel (the cookie is sent by hand), through a fresh
    client or `via` one already open (its connections share one event loop: one process)."""
    headers = {"cookie": f"vs_session={scene.token(who)}"}
    if origin:
        headers["origin"] = origin
    with ExitStack() as stack:
        client = via or stack.enter_context(TestClient(app))
        ws = stack.enter_context(client.websocket_connect(scene.path(), headers=headers))
        peer = Peer(ws)
        peer.next("welcome")
        yield peer
