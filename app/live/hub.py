"""The rooms this process serves: its connections, the presenter, presence and fan-out.

A connection never blocks another: each has its own outgoing queue, drained by its own
task; one that cannot keep up (a stalled browser) is closed and reconnects to the current
state, while the room goes on.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.config import settings
from app.core.i18n import N_
from app.live.protocol import Refused, apply_command, server_ms
from app.live.store import MemoryStore, RedisStore

log = logging.getLogger(__name__)

OUTBOX_SIZE = 256
RECHECK = "_recheck"  # a message for the processes, not for the clients


@dataclass(eq=False)
class Conn:
    room: int
    user_id: int
    name: str
    loop: asyncio.AbstractEventLoop
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    joined: float = field(default_factory=time.time)
    detached: bool = False
    outbox: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(OUTBOX_SIZE)
    )
    recheck: asyncio.Event = field(default_factory=asyncio.Event)
    overflowed: bool = False

    def info(self) -> dict[str, Any]:
        return {
            "conn": self.id,
            "user_id": self.user_id,
            "name": self.name,
            "detached": self.detached,
            "joined": self.joined,
        }

    def poke(self) -> None:
        """Have the connection check its access again now; safe from any thread."""
        with contextlib.suppress(RuntimeError):  # its loop closed: the connection is gone
            self.loop.call_soon_threadsafe(self.recheck.set)

    def send(self, message: dict[str, Any] | None) -> None:
        """Queue a message; safe from any thread or event loop."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._put(message)
        else:
            with contextlib.suppress(RuntimeError):  # its loop closed: the connection is gone
                self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: dict[str, Any] | None) -> None:
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            # It cannot keep up: close it (it reconnects and catches up), keep the room going.
            self.overflowed = True
            self.recheck.set()


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    keys = ("version", "presenter", "playing", "position", "rate", "at")
    return {key: state[key] for key in keys}


class Hub:
    def __init__(self, redis_url: str = "", prefix: str = "vs:live") -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.store: MemoryStore | RedisStore = MemoryStore()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.local: dict[int, dict[str, Conn]] = {}

    async def start(self) -> None:
        """Start (or, under a new event loop, restart) the store's subscription."""
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        if self.redis_url:
            self.store = RedisStore(self.redis_url, self.prefix)
        elif not isinstance(self.store, MemoryStore):
            self.store = MemoryStore()
        self.loop = loop
        await self.store.start(self._deliver)

    async def close(self) -> None:
        await self.store.close()
        self.loop = None

    async def _deliver(self, room: int, message: dict[str, Any]) -> None:
        for conn in list(self.local.get(room, {}).values()):
            if message.get("type") == RECHECK:
                conn.poke()
            else:
                conn.send(message)

    def recheck_room(self, room: int) -> None:
        """Every connection to the room, in every process, checks its access again now.

        Called by the sessions service (from any thread) after it removes a participant
        or a share ends."""
        message = {"type": RECHECK}
        if self.loop is not None and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.store.publish(room, message), self.loop)
        elif self.redis_url:  # this process serves no one yet; the others may
            import redis

            with redis.Redis.from_url(self.redis_url) as client:
                client.publish(f"{self.prefix}:room:{room}", json.dumps(message))

    # Presence and the presenter ----------------------------------------------------------

    async def _present_users(self, room: int) -> list[dict[str, Any]]:
        return await self.store.presence(room)

    async def _announce_presence(self, room: int, state: dict[str, Any]) -> None:
        people = [
            {"user_id": p["user_id"], "name": p["name"], "detached": p["detached"]}
            for p in await self._present_users(room)
        ]
        await self.store.publish(
            room, {"type": "presence", "people": people, "presenter": state["presenter"]}
        )

    async def _announce_state(self, room: int, state: dict[str, Any], by: int | None) -> None:
        message = {"type": "state", "state": public_state(state), "by": by}
        await self.store.publish(room, {**message, "server_time": server_ms()})

    async def enter(self, conn: Conn, greet: Callable[[dict[str, Any]], None]) -> bool:
        """Join the room; the first one in (or anyone, when no presenter is here) presents.
        `greet` gets the state before anyone hears of the newcomer. False: the person
        already has as many connections here as one may hold (nothing changed)."""
        limit = settings.live_connections_per_person
        if not await self.store.join_limited(conn.room, conn.id, conn.info(), limit):
            return False
        self.local.setdefault(conn.room, {})[conn.id] = conn
        present = {p["user_id"] for p in await self._present_users(conn.room)}

        def claim(state: dict[str, Any]) -> dict[str, Any]:
            if state["presenter"] in present:
                return state
            return {**state, "presenter": conn.user_id}

        before = await self.store.get(conn.room)
        state = await self.store.update(conn.room, claim)
        greet(state)
        if state["presenter"] != before["presenter"]:
            await self._announce_state(conn.room, state, None)
        await self._announce_presence(conn.room, state)
        return True

    async def allow(self, conn: Conn) -> bool:
        """One more message from this person: their allowance is shared by all their
        connections (in every process), so more tabs do not buy more messages."""
        size, rate = settings.live_message_burst, settings.live_messages_per_second
        return await self.store.take(conn.user_id, size, rate)

    async def leave(self, conn: Conn) -> None:
        """Leave; if the presenter is gone, control passes to whoever has been here longest
        (following, not looking alone, if anyone is)."""
        self.local.get(conn.room, {}).pop(conn.id, None)
        if not self.local.get(conn.room):
            self.local.pop(conn.room, None)
        await self.store.leave(conn.room, conn.id)
        people = await self._present_users(conn.room)
        if not people:
            return
        ids = [p["user_id"] for p in people]
        following = [p["user_id"] for p in people if not p["detached"]]

        def pass_on(state: dict[str, Any]) -> dict[str, Any]:
            if state["presenter"] in ids:
                return state
            return {**state, "presenter": (following or ids)[0]}

        before = await self.store.get(conn.room)
        state = await self.store.update(conn.room, pass_on)
        if state["presenter"] != before["presenter"]:
            await self._announce_state(conn.room, state, None)
        await self._announce_presence(conn.room, state)

    async def set_detached(self, conn: Conn, detached: bool) -> dict[str, Any]:
        state = await self.store.get(conn.room)
        if detached and state["presenter"] == conn.user_id:
            raise Refused(N_("Hand over control before you look alone."), "live.presenter_detach")
        conn.detached = detached
        await self.store.join(conn.room, conn.id, conn.info())
        await self._announce_presence(conn.room, state)
        return state

    async def command(self, conn: Conn, message: dict[str, Any], duration: float | None) -> None:
        """A presenter's play/pause/seek/rate/handover, or a take of free control."""
        kind = message["type"]
        present = {p["user_id"] for p in await self._present_users(conn.room)}

        def change(state: dict[str, Any]) -> dict[str, Any]:
            if kind == "take":
                if state["presenter"] in present and state["presenter"] != conn.user_id:
                    raise Refused(N_("Someone else presents."), "live.presenter_present")
                return {**state, "presenter": conn.user_id}
            if state["presenter"] != conn.user_id:
                raise Refused(N_("Only the presenter controls the player."), "live.not_presenter")
            if kind == "handover":
                target = message.get("to")
                if not isinstance(target, int) or target not in present:
                    raise Refused(N_("That person is not here."), "live.handover_absent")
                return {**state, "presenter": target}
            return apply_command(state, message, duration, server_ms())

        state = await self.store.update(conn.room, change)
        await self._announce_state(conn.room, state, conn.user_id)
        if kind in ("take", "handover"):
            await self._announce_presence(conn.room, state)

    async def feedback_added(self, conn: Conn, feedback_id: int) -> None:
        """Tell the room an item changed; each receiving channel checks that its person
        sees the item before passing it on."""
        message = {"type": "feedback", "by": conn.user_id, "feedback_id": feedback_id}
        await self.store.publish(conn.room, message)

    async def refresh(self, conn: Conn) -> None:
        await self.store.join(conn.room, conn.id, conn.info())


_hub: Hub | None = None


def default_hub() -> Hub:
    """This process's hub: through Redis when the queue is on Redis, else in memory."""
    global _hub
    if _hub is None:
        url = settings.queue_url if settings.queue_url.startswith(("redis://", "rediss://")) else ""
        _hub = Hub(url)
    return _hub
