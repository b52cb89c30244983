"""The rooms this process serves: its connections, the presenter, presence and fan-out.

A connection never blocks another: each has its own outgoing queue, drained by its own
task; one that cannot keep up (a stalled browser) is closed and reconnects to the current
state, while the room goes on.

When Redis is out of reach or the subscription breaks (a restart), every connection of this
process is cut off (`Conn.lost`) and the pages reconnect as soon as Redis is back; the room's
state is put back from what this process saw (store.RedisStore.get), and its presenter keeps
control meanwhile (`presenter_held`).
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
from app.live.store import RETURN_GRACE_MS, MemoryStore, RedisStore, Unavailable

log = logging.getLogger(__name__)

OUTBOX_SIZE = 256
RECHECK = "_recheck"  # a message for the processes, not for the clients
# A room whose connections were all cut off (Redis away) is remembered this long (seconds)
# for its people to come back to; a room left in the ordinary way is forgotten at once.
REMEMBER_CUT_OFF = 600.0
# How long a new connection waits for the subscription when Redis has just come back.
SUBSCRIBED_WITHIN = 2.0


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
    lost: bool = False  # cut off because Redis is out of reach: it comes back

    def cut_off(self) -> None:
        """End the connection for a Redis out of reach (the page reconnects); on its loop."""
        self.lost = True
        self.recheck.set()

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


def presenter_held(state: dict[str, Any], present: set[int] | list[int]) -> bool:
    """The presenter keeps control: here, or kept for their return after Redis cut everyone
    off (`held_until`, server ms), as long as that lasts."""
    if state["presenter"] is None:
        return False
    return state["presenter"] in present or float(state.get("held_until", 0)) > server_ms()


def held_for(user_id: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The change that keeps the presenter's place, if `user_id` presents, for their return."""

    def hold(state: dict[str, Any]) -> dict[str, Any]:
        if state["presenter"] != user_id:
            return state
        return {**state, "held_until": server_ms() + RETURN_GRACE_MS}

    return hold


class Hub:
    def __init__(self, redis_url: str = "", prefix: str = "vs:live") -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.store: MemoryStore | RedisStore = MemoryStore()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.local: dict[int, dict[str, Conn]] = {}
        self.timers: set[asyncio.Task[None]] = set()

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
        await self.store.start(self._deliver, self._lost)

    async def close(self) -> None:
        await self.store.close()
        self.loop = None

    async def _deliver(self, room: int, message: dict[str, Any]) -> None:
        for conn in list(self.local.get(room, {}).values()):
            if message.get("type") == RECHECK:
                conn.poke()
            else:
                conn.send(message)

    def _lost(self) -> None:
        """The subscription broke: what was sent meanwhile never reaches this process, so
        every connection here is cut off and reconnects to the room as it stands."""
        for conns in self.local.values():
            for conn in conns.values():
                conn.cut_off()

    def recheck_room(self, room: int) -> None:
        """Every connection to the room, in every process, checks its access again now.

        Called by the sessions service (from any thread) after it removes a participant
        or a share ends."""
        message = {"type": RECHECK}
        if self.loop is not None and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.store.publish(room, message), self.loop)
        elif self.redis_url:  # this process serves no one yet; the others may
            import redis

            try:
                with redis.Redis.from_url(self.redis_url) as client:
                    client.publish(f"{self.prefix}:room:{room}", json.dumps(message))
            except redis.ConnectionError:
                # Redis is away: every process has cut its connections off (their
                # subscriptions broke), and each one back is checked as it reconnects.
                log.warning("live: Redis is away; room %s is checked as people reconnect", room)

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
        # Unsubscribed (Redis away or just back): nothing would reach this connection.
        if not await self.store.wait_ready(SUBSCRIBED_WITHIN):
            raise Unavailable("not subscribed")
        epoch = self.store.epoch
        limit = settings.live_connections_per_person
        if not await self.store.join_limited(conn.room, conn.id, conn.info(), limit):
            return False
        self.local.setdefault(conn.room, {})[conn.id] = conn
        present = {p["user_id"] for p in await self._present_users(conn.room)}

        def claim(state: dict[str, Any]) -> dict[str, Any]:
            if presenter_held(state, present):
                return state
            return {**state, "presenter": conn.user_id}

        before = await self.store.get(conn.room)
        state = await self.store.update(conn.room, claim)
        if not self.store.ready or self.store.epoch != epoch:
            raise Unavailable("the subscription broke while joining")
        greet(state)
        if state["presenter"] != before["presenter"]:
            await self._announce_state(conn.room, state, None)
        await self._announce_presence(conn.room, state)
        self._mind_absent_presenter(conn.room, state, present)
        return True

    async def allow(self, conn: Conn) -> bool:
        """One more message from this person: their allowance is shared by all their
        connections (in every process), so more tabs do not buy more messages."""
        size, rate = settings.live_message_burst, settings.live_messages_per_second
        return await self.store.take(conn.user_id, size, rate)

    async def leave(self, conn: Conn) -> None:
        """Leave; if the presenter is gone, control passes to whoever has been here longest
        (following, not looking alone, if anyone is). Never raises for a Redis away."""
        if self.local.get(conn.room, {}).pop(conn.id, None) is None:
            return  # never got in (Redis away as it joined): nothing here to undo
        alone = not self.local.get(conn.room)
        if alone:
            self.local.pop(conn.room, None)
        if not conn.lost:
            try:
                await self.store.leave(conn.room, conn.id)
                if alone:
                    self.store.forget(conn.room)
                await self._pass_on(conn.room, gone=conn.user_id)
                return
            except Unavailable:
                conn.lost = True
        # Cut off (Redis away): the person is coming back. The room's state stays, and so
        # does the presenter's place for a while; what this process saw of the room is
        # kept to put back if Redis forgot it.
        with contextlib.suppress(Unavailable):
            await self.store.leave(conn.room, conn.id, keep_state=True)
            await self.store.update(conn.room, held_for(conn.user_id))
        if alone and self.loop is not None and not self.loop.is_closed():
            self.loop.call_later(REMEMBER_CUT_OFF, self._forget_if_gone, conn.room)

    def _forget_if_gone(self, room: int) -> None:
        if room not in self.local:
            self.store.forget(room)

    async def _pass_on(self, room: int, gone: int | None = None) -> None:
        """Control passes on if the presenter is neither here nor kept for their return
        (`gone` left of their own accord: no place is kept for them)."""
        people = await self._present_users(room)
        if not people:
            return
        ids = [p["user_id"] for p in people]
        following = [p["user_id"] for p in people if not p["detached"]]

        def pass_on(state: dict[str, Any]) -> dict[str, Any]:
            if state["presenter"] in ids or (
                state["presenter"] != gone and presenter_held(state, ids)
            ):
                return state
            return {**state, "presenter": (following or ids)[0]}

        before = await self.store.get(room)
        state = await self.store.update(room, pass_on)
        if state["presenter"] != before["presenter"]:
            await self._announce_state(room, state, None)
        await self._announce_presence(room, state)
        self._mind_absent_presenter(room, state, ids)

    def _mind_absent_presenter(self, room: int, state: dict[str, Any], present: Any) -> None:
        if state["presenter"] is not None and state["presenter"] not in present:
            self._pass_on_later(room, float(state.get("held_until", 0)) - server_ms())

    def _pass_on_later(self, room: int, delay_ms: float) -> None:
        """When the presenter's place kept for their return runs out, pass control on if
        they did not come back (no one else would ask for it)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        async def check() -> None:
            if room in self.local:
                with contextlib.suppress(Unavailable):
                    await self._pass_on(room)

        def due() -> None:
            task = loop.create_task(check())
            self.timers.add(task)
            task.add_done_callback(self.timers.discard)

        loop.call_later(max(0.0, delay_ms / 1000.0) + 0.05, due)

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
