"""The live channel: /api/v1/sessions/{session_id}/live (a WebSocket).

Client -> server, each with a growing `seq`: ping {t0}; play {position}; pause {position};
seek {position}; rate {rate}; handover {to}; take; detach; rejoin; feedback {feedback_id}
(an item the sender sees; relayed to those who see it too).
Server -> client: welcome, state, presence, pong {t0, server_time}, feedback, refused
{seq, code, message}, warning {code, message}.
"""

import asyncio
import contextlib
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.core.config import settings
from app.core.i18n import N_, translate
from app.core.ids import DbId
from app.live import access
from app.live.hub import Conn, Hub, default_hub, public_state
from app.live.protocol import Refused, SeqGuard, Warnings, feedback_id, parse, server_ms
from app.live.store import Unavailable

router = APIRouter(tags=["live"])

# Access is checked again on every command and at least this often (seconds), besides at
# once when the sessions service says a participant was removed.
RECHECK_SECONDS = 2.0
TOO_SLOW = 1013  # "try again later": the client reconnects and catches up
# Redis out of reach (restarting): "try again later" as well; the page reconnects with its
# backoff and finds the room as it was (app/live/hub.py).
UNAVAILABLE = 1013


def hub_of(websocket: WebSocket) -> Hub:
    return getattr(websocket.app.state, "live_hub", None) or default_hub()


@router.websocket("/sessions/{session_id}/live")
async def live(websocket: WebSocket, session_id: DbId) -> None:
    # An id that is no database id (2**63, '01') is refused by FastAPI: close 1008.
    headers = dict(websocket.scope["headers"])
    if not access.origin_ok(websocket.scope, headers):
        await websocket.close(access.WRONG_ORIGIN)
        return
    token = access.session_cookie(websocket.scope, headers)
    granted = await to_thread.run_sync(access.check, token, session_id)
    if not isinstance(granted, access.Access):
        await websocket.close(granted)
        return
    await to_thread.run_sync(access.joined, websocket, granted.user_id, session_id)
    hub = hub_of(websocket)
    await hub.start()
    await websocket.accept()
    channel = Channel(websocket, hub, session_id, token, granted)
    await channel.run()


class Channel:
    """One participant's connection: receives, sends, and keeps checking access."""

    def __init__(
        self, ws: WebSocket, hub: Hub, room: int, token: str | None, granted: access.Access
    ) -> None:
        self.ws, self.hub, self.token, self.access = ws, hub, token, granted
        self.conn = Conn(room, granted.user_id, granted.name, asyncio.get_running_loop())
        self.seq = SeqGuard()
        self.warnings = Warnings()
        self.close_code = 1000
        self.close_reason = ""

    async def run(self) -> None:
        def greet(state: dict[str, Any]) -> None:
            welcome = {"type": "welcome", "you": self.access.user_id, "conn": self.conn.id}
            self.conn.send(
                {
                    **welcome,
                    "duration": self.access.duration,
                    "state": public_state(state),
                    "server_time": server_ms(),
                }
            )

        try:
            entered = await self.hub.enter(self.conn, greet)
        except Unavailable:
            entered, self.conn.lost = True, True
        if not entered:
            await self._refuse_one_too_many()
            return
        # Redis went away while it joined: closed at once below, with the code to come back.
        parts = () if self.conn.lost else (self._receive(), self._send(), self._watch())
        tasks = [asyncio.create_task(t) for t in parts]
        try:
            if tasks:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if self.conn.lost:
                self.close_code = UNAVAILABLE
            for task in tasks:
                task.cancel()
            # Leave even when the server cancels us (shutting down): the room must hear it.
            with anyio.move_on_after(5, shield=True):
                await asyncio.gather(*tasks, return_exceptions=True)
                await self.hub.leave(self.conn)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await self.ws.close(self.close_code)

    async def _refuse_one_too_many(self) -> None:
        """Closed with a reason the page shows (accepted first: a refused handshake carries
        none); the client does not reconnect after it."""
        limit = settings.live_connections_per_person
        reason = translate(
            N_("This session is open in too many windows (at most %(limit)s). Close one."),
            self.access.language,
            limit=limit,
        )
        # A close reason holds at most 123 bytes.
        reason = reason.encode()[:123].decode(errors="ignore")
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.ws.close(access.TOO_MANY, reason)

    def _say(self, kind: str, error: Refused, **extra: Any) -> None:
        text = translate(error.msgid, self.access.language, **error.params)
        self.conn.send({"type": kind, "code": error.code, "message": text, **extra})

    async def _still_allowed(self) -> bool:
        result = await to_thread.run_sync(access.check, self.token, self.conn.room)
        if isinstance(result, access.Access):
            self.access = result
            return True
        self.close_code = access.NO_ACCESS if result == access.NO_ACCESS else result
        return False

    async def _receive(self) -> None:
        while True:
            try:
                raw = await self.ws.receive_text()
            except (WebSocketDisconnect, KeyError, RuntimeError):
                return  # gone (or sent bytes, which this protocol has none of)
            try:
                if not await self.hub.allow(self.conn):
                    if self.warnings.due():
                        slow = Refused(N_("Too many messages: some were dropped."), "live.flood")
                        self._say("warning", slow)
                    continue
                message = parse(raw)
                self.seq.accept(message["seq"])
                if message["type"] != "ping" and not await self._still_allowed():
                    return
                await self._handle(message)
            except Unavailable:
                # Redis is away: what was sent is lost; the page reconnects (UNAVAILABLE)
                # and gets the room as it stands.
                self.conn.lost = True
                return
            except Refused as refused:
                seq = None
                with contextlib.suppress(Exception):
                    seq = parse(raw).get("seq")
                self._say("refused", refused, seq=seq)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            t0 = message.get("t0")
            self.conn.send({"type": "pong", "t0": t0, "server_time": server_ms()})
        elif kind in ("detach", "rejoin"):
            state = await self.hub.set_detached(self.conn, kind == "detach")
            if kind == "rejoin":  # catch up with where the presenter is now
                self.conn.send(
                    {"type": "state", "state": public_state(state), "server_time": server_ms()}
                )
        elif kind == "feedback":
            await self._feedback(feedback_id(message))
        else:
            await self.hub.command(self.conn, message, self.access.duration)

    async def _feedback(self, item: int) -> None:
        """Relayed only if it names a published item the sender sees here: a bare or
        forged one would have every page in the room fetch for nothing."""
        user, room = self.access.user_id, self.conn.room
        if not await to_thread.run_sync(access.sees_feedback, user, room, item):
            raise Refused(N_("The feedback was not found."), "live.feedback_unknown")
        await self.hub.feedback_added(self.conn, item)

    async def _passes(self, message: dict[str, Any]) -> bool:
        """A feedback message reaches this person only if they see the item (not their own:
        their pages have it already)."""
        if message.get("type") != "feedback":
            return True
        if message.get("by") == self.access.user_id:
            return False
        user, room, item = self.access.user_id, self.conn.room, message.get("feedback_id")
        if not isinstance(item, int):
            return False
        return bool(await to_thread.run_sync(access.sees_feedback, user, room, item))

    async def _send(self) -> None:
        while True:
            message = await self.conn.outbox.get()
            if message is None:
                return
            if not await self._passes(message):
                continue
            try:
                await self.ws.send_json(message)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return

    async def _watch(self) -> None:
        """Ends the channel when access ends, the client cannot keep up, or Redis is away."""
        loop = asyncio.get_running_loop()
        last_refresh = loop.time()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.conn.recheck.wait(), RECHECK_SECONDS)
            self.conn.recheck.clear()
            if self.conn.lost:  # the hub's subscription broke (Hub._lost)
                return
            if self.conn.overflowed:
                self.close_code = TOO_SLOW
                return
            if not await self._still_allowed():
                return
            if loop.time() - last_refresh > 5.0:
                try:
                    await self.hub.refresh(self.conn)
                except Unavailable:
                    self.conn.lost = True
                    return
                last_refresh = loop.time()
