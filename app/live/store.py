"""Where a room's state and presence live, and how its messages reach every process.

In memory for the embedded default (one web process). With Redis, several app processes
share one room: the presenter's state is one JSON value changed by compare-and-set, the
presence a hash (connection -> who), and every message goes out on the room's pub/sub
channel, which each process relays to its own connections (its own included).

Redis may restart (memory only) or drop a subscription: every Redis call that cannot reach
it raises `Unavailable` (the channel then closes with a code the page reconnects on), the
subscription is made again, and a room's state Redis forgot is put back from the newest
one this process saw (`RedisStore.get`).
"""

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.live.protocol import TokenBucket, initial_state, server_ms

log = logging.getLogger(__name__)

Deliver = Callable[[int, dict[str, Any]], Awaitable[None]]
Lost = Callable[[], None]
Change = Callable[[dict[str, Any]], dict[str, Any]]
# A process that dies leaves its presence entries behind: each live process refreshes its
# own every PRESENCE_REFRESH seconds, and entries older than PRESENCE_STALE are ignored.
PRESENCE_REFRESH = 5.0
PRESENCE_STALE = 20.0
STATE_TTL = 24 * 3600
# A state put back after Redis forgot it keeps its presenter this long (ms) even while they
# are not here: every page reconnects after the restart, in no set order (the page's backoff
# waits up to about 19 s), and the first follower back must not take control.
RETURN_GRACE_MS = 30_000.0
# How long the first subscription may take when a process starts serving (seconds).
FIRST_SUBSCRIPTION = 2.0

# Set the state only if its version is still the one the change was computed from.
CAS = """
local cur = redis.call('GET', KEYS[1])
local v = 0
if cur then v = cjson.decode(cur)['version'] end
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""

# Put a state back unless Redis holds the same version or a newer one (another process put
# back a newer one, or the room moved on).
RESTORE = """
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur)['version'] >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""

# Join only while the person holds fewer than the limit of fresh presence entries.
JOIN_LIMITED = """
local entries = redis.call('HGETALL', KEYS[1])
local mine = 0
for i = 2, #entries, 2 do
  local p = cjson.decode(entries[i])
  if p['user_id'] == tonumber(ARGV[2]) and p['seen'] >= tonumber(ARGV[3]) then mine = mine + 1 end
end
if mine >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1
"""
# One person's token bucket, shared by every process: take one token if there is one.
TAKE = """
local now, size, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(held[1]) or size
local stamp = tonumber(held[2]) or now
tokens = math.min(size, tokens + math.max(0, now - stamp) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return allowed
"""


class Unavailable(Exception):
    """Redis cannot be reached (restarting, say): nothing was changed that is known of."""


class MemoryStore:
    """One process: plain dicts; no await between reading and writing, so no races."""

    ready = True  # no subscription to lose
    epoch = 0

    def __init__(self) -> None:
        self.states: dict[int, dict[str, Any]] = {}
        self.present: dict[int, dict[str, dict[str, Any]]] = {}
        self.deliver: Deliver | None = None
        self.buckets: dict[int, TokenBucket] = {}

    async def start(self, deliver: Deliver, lost: Lost) -> None:
        self.deliver = deliver

    async def wait_ready(self, timeout: float) -> bool:
        return True

    def forget(self, room: int) -> None:
        return None

    async def close(self) -> None:
        self.deliver = None

    async def get(self, room: int) -> dict[str, Any]:
        return dict(self.states.get(room) or initial_state())

    async def update(self, room: int, change: Change) -> dict[str, Any]:
        current = await self.get(room)
        new = change(current)
        if new == current:
            return current
        new["version"] = int(current["version"]) + 1
        self.states[room] = new
        return dict(new)

    async def publish(self, room: int, message: dict[str, Any]) -> None:
        if self.deliver is not None:
            await self.deliver(room, message)

    async def join(self, room: int, conn: str, info: dict[str, Any]) -> None:
        self.present.setdefault(room, {})[conn] = info

    async def join_limited(self, room: int, conn: str, info: dict[str, Any], limit: int) -> bool:
        """Join unless the person already has `limit` connections here."""
        present = self.present.get(room, {})
        if sum(p["user_id"] == info["user_id"] for p in present.values()) >= limit:
            return False
        await self.join(room, conn, info)
        return True

    async def take(self, user_id: int, size: float, rate: float) -> bool:
        """One message from the person's allowance, if any is left."""
        return self.buckets.setdefault(user_id, TokenBucket()).take(size, rate)

    async def leave(self, room: int, conn: str, keep_state: bool = False) -> None:
        self.present.get(room, {}).pop(conn, None)
        if room in self.present and not self.present[room]:
            del self.present[room]
            if not keep_state:
                self.states.pop(room, None)  # an empty room starts afresh

    async def presence(self, room: int) -> list[dict[str, Any]]:
        return sorted(self.present.get(room, {}).values(), key=lambda p: p["joined"])

    async def refresh(self, room: int, conns: dict[str, dict[str, Any]]) -> None:
        return None


def _reachable(method: Any) -> Any:
    """Redis out of reach (refused, reset, timed out) raises Unavailable, whatever the call."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            raise Unavailable(str(error)) from error

    return call


class RedisStore:
    def __init__(self, url: str, prefix: str = "vs:live") -> None:
        from redis import asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff, NoBackoff

        # A command is tried again twice at once-ish (a pooled connection Redis closed on a
        # restart reconnects), then fails within a second or so: a page is never left
        # waiting on a Redis that is down.
        self.redis = aioredis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), 2),
        )
        # The subscription on a client of its own that never retries by itself: redis-py
        # would subscribe again quietly, and the messages sent meanwhile would be missed
        # unnoticed; `_listen` must see every break.
        self.sub = aioredis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0)
        )
        self.prefix = prefix
        self.cas = self.redis.register_script(CAS)
        self.restore_script = self.redis.register_script(RESTORE)
        self.join_limited_script = self.redis.register_script(JOIN_LIMITED)
        self.take_script = self.redis.register_script(TAKE)
        self.listener: asyncio.Task[None] | None = None
        # Subscribed now (`ready`), and how many times so far (`epoch`): a connection that
        # joined under another subscription may have missed messages.
        self.ready = False
        self.epoch = 0
        self.subscribed = asyncio.Event()
        # The newest state seen of each room this process serves (its own changes and the
        # others' states on the channel), to put back if Redis forgets it.
        self.seen: dict[int, dict[str, Any]] = {}

    def _key(self, room: int, what: str) -> str:
        return f"{self.prefix}:{room}:{what}"

    async def start(self, deliver: Deliver, lost: Lost) -> None:
        self.listener = asyncio.create_task(self._listen(deliver, lost))
        await self.wait_ready(FIRST_SUBSCRIPTION)

    async def wait_ready(self, timeout: float) -> bool:
        """Subscribed, waiting up to `timeout` s (Redis may just be back)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), timeout)
        return self.ready

    async def _listen(self, deliver: Deliver, lost: Lost) -> None:
        """Relay the rooms' messages; subscribe again whenever the subscription breaks (a
        Redis restart drops it, and redis-py does not make it again here by itself)."""
        pattern = f"{self.prefix}:room:*"
        delay = 0.1
        while True:
            pubsub = self.sub.pubsub()
            try:
                await pubsub.psubscribe(pattern)
                async for item in pubsub.listen():
                    if item.get("type") == "psubscribe":
                        self.ready, self.epoch, delay = True, self.epoch + 1, 0.1
                        self.subscribed.set()
                        continue
                    if item.get("type") != "pmessage":
                        continue
                    await self._relay(item, deliver)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception as error:
                if self.ready:
                    log.warning("live: the Redis subscription broke (%s); subscribing again", error)
                self.ready = False
                self.subscribed.clear()
                # Messages sent meanwhile are lost for good: the hub closes its connections,
                # which reconnect to the room as it stands.
                lost()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)

    async def _relay(self, item: dict[str, Any], deliver: Deliver) -> None:
        try:
            room = int(str(item["channel"]).rsplit(":", 1)[1])
            message = json.loads(item["data"])
        except (ValueError, TypeError):
            log.warning("live: a message on %s that is no room's", item.get("channel"))
            return
        if message.get("type") == "state" and isinstance(message.get("state"), dict):
            self._saw(room, message["state"], only_known=True)
        await deliver(room, message)

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.listener
        await self.redis.aclose()
        await self.sub.aclose()

    def _saw(self, room: int, state: dict[str, Any], only_known: bool = False) -> None:
        """Keep the room's newest state (a first one only of a room this process serves)."""
        if only_known and room not in self.seen:
            return
        version, last = int(state.get("version", 0)), self.seen.get(room)
        if version > 0 and (last is None or version > last["version"]):
            self.seen[room] = dict(state)

    def forget(self, room: int) -> None:
        """This process serves no one in the room any more."""
        self.seen.pop(room, None)

    @_reachable
    async def get(self, room: int) -> dict[str, Any]:
        key = self._key(room, "state")
        raw = await self.redis.get(key)
        current = json.loads(raw) if raw else None
        last = self.seen.get(room)
        if last is not None and (current is None or current["version"] < last["version"]):
            # Redis forgot the room while people are in it (restarted without persistence):
            # put back the newest state seen, so the presenter, the position and the version
            # go on from there. The presenter keeps control while everyone comes back.
            back = {**last, "held_until": server_ms() + RETURN_GRACE_MS}
            args = [back["version"], json.dumps(back), STATE_TTL]
            if await self.restore_script(keys=[key], args=args):
                log.warning("live: Redis had lost room %s; its state is put back", room)
            raw = await self.redis.get(key)
            current = json.loads(raw) if raw else None
        if current is None:
            return initial_state()
        self._saw(room, current)
        return dict(current)

    @_reachable
    async def update(self, room: int, change: Change) -> dict[str, Any]:
        for _ in range(20):  # another process changed it in between: compute again
            current = await self.get(room)
            new = change(current)
            if new == current:
                return current
            new["version"] = int(current["version"]) + 1
            args = [current["version"], json.dumps(new), STATE_TTL]
            if await self.cas(keys=[self._key(room, "state")], args=args):
                self._saw(room, new)
                return new
        raise RuntimeError("live: the room's state kept changing")

    @_reachable
    async def publish(self, room: int, message: dict[str, Any]) -> None:
        await self.redis.publish(f"{self.prefix}:room:{room}", json.dumps(message))

    @_reachable
    async def join(self, room: int, conn: str, info: dict[str, Any]) -> None:
        entry = json.dumps({**info, "seen": time.time()})
        await self.redis.hset(self._key(room, "presence"), conn, entry)  # type: ignore[misc]
        await self.redis.expire(self._key(room, "presence"), STATE_TTL)

    @_reachable
    async def join_limited(self, room: int, conn: str, info: dict[str, Any], limit: int) -> bool:
        """Join unless the person already has `limit` live connections here, counted over
        every process in one step (two joining at once cannot both slip in)."""
        now = time.time()
        entry = json.dumps({**info, "seen": now})
        args = [conn, info["user_id"], now - PRESENCE_STALE, limit, entry, STATE_TTL]
        joined = await self.join_limited_script(keys=[self._key(room, "presence")], args=args)
        return bool(joined)

    @_reachable
    async def take(self, user_id: int, size: float, rate: float) -> bool:
        """One message from the person's allowance, shared by every process."""
        key = f"{self.prefix}:rate:{user_id}"
        return bool(await self.take_script(keys=[key], args=[time.time(), size, rate]))

    @_reachable
    async def leave(self, room: int, conn: str, keep_state: bool = False) -> None:
        """Out of the room's presence; the last one out deletes the room (it starts afresh),
        unless `keep_state`: the connection was cut off and its person is coming back."""
        await self.redis.hdel(self._key(room, "presence"), conn)  # type: ignore[misc]
        if not keep_state and not await self.presence(room):
            await self.redis.delete(self._key(room, "presence"), self._key(room, "state"))

    @_reachable
    async def presence(self, room: int) -> list[dict[str, Any]]:
        entries = await self.redis.hgetall(self._key(room, "presence"))  # type: ignore[misc]
        cutoff = time.time() - PRESENCE_STALE
        people = [json.loads(v) for v in entries.values()]
        return sorted((p for p in people if p["seen"] >= cutoff), key=lambda p: p["joined"])

    @_reachable
    async def refresh(self, room: int, conns: dict[str, dict[str, Any]]) -> None:
        for conn, info in conns.items():
            await self.join(room, conn, info)
