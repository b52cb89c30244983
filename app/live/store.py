"""Where a room's state and presence live, and how its messages reach every process.

In memory for the embedded default (one web process). With Redis, several app processes
share one room: the presenter's state is one JSON value changed by compare-and-set, the
presence a hash (connection -> who), and every message goes out on the room's pub/sub
channel, which each process relays to its own connections (its own included).
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.live.protocol import TokenBucket, initial_state

log = logging.getLogger(__name__)

Deliver = Callable[[int, dict[str, Any]], Awaitable[None]]
Change = Callable[[dict[str, Any]], dict[str, Any]]
# A process that dies leaves its presence entries behind: each live process refreshes its
# own every PRESENCE_REFRESH seconds, and entries older than PRESENCE_STALE are ignored.
PRESENCE_REFRESH = 5.0
PRESENCE_STALE = 20.0
STATE_TTL = 24 * 3600

# Set the state only if its version is still the one the change was computed from.
CAS = """
local cur = redis.call('GET', KEYS[1])
local v = 0
if cur then v = cjson.decode(cur)['version'] end
if v ~= tonumber(ARGV[1]) then return 0 end
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


class MemoryStore:
    """One process: plain dicts; no await between reading and writing, so no races."""

    def __init__(self) -> None:
        self.states: dict[int, dict[str, Any]] = {}
        self.present: dict[int, dict[str, dict[str, Any]]] = {}
        self.deliver: Deliver | None = None
        self.buckets: dict[int, TokenBucket] = {}

    async def start(self, deliver: Deliver) -> None:
        self.deliver = deliver

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

    async def leave(self, room: int, conn: str) -> None:
        self.present.get(room, {}).pop(conn, None)
        if room in self.present and not self.present[room]:
            del self.present[room]
            self.states.pop(room, None)  # an empty room starts afresh

    async def presence(self, room: int) -> list[dict[str, Any]]:
        return sorted(self.present.get(room, {}).values(), key=lambda p: p["joined"])

    async def refresh(self, room: int, conns: dict[str, dict[str, Any]]) -> None:
        return None


class RedisStore:
    def __init__(self, url: str, prefix: str = "vs:live") -> None:
        from redis import asyncio as aioredis

        self.redis = aioredis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self.cas = self.redis.register_script(CAS)
        self.join_limited_script = self.redis.register_script(JOIN_LIMITED)
        self.take_script = self.redis.register_script(TAKE)
        self.listener: asyncio.Task[None] | None = None

    def _key(self, room: int, what: str) -> str:
        return f"{self.prefix}:{room}:{what}"

    async def start(self, deliver: Deliver) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.psubscribe(f"{self.prefix}:room:*")
        self.listener = asyncio.create_task(self._listen(pubsub, deliver))

    async def _listen(self, pubsub: Any, deliver: Deliver) -> None:
        while True:
            try:
                async for item in pubsub.listen():
                    if item.get("type") != "pmessage":
                        continue
                    room = int(str(item["channel"]).rsplit(":", 1)[1])
                    await deliver(room, json.loads(item["data"]))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                # Redis went away: the connections stay; try again in a moment.
                log.exception("live: the Redis subscription failed; retrying")
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.listener
        await self.redis.aclose()

    async def get(self, room: int) -> dict[str, Any]:
        raw = await self.redis.get(self._key(room, "state"))
        return json.loads(raw) if raw else initial_state()

    async def update(self, room: int, change: Change) -> dict[str, Any]:
        for _ in range(20):  # another process changed it in between: compute again
            current = await self.get(room)
            new = change(current)
            if new == current:
                return current
            new["version"] = int(current["version"]) + 1
            args = [current["version"], json.dumps(new), STATE_TTL]
            if await self.cas(keys=[self._key(room, "state")], args=args):
                return new
        raise RuntimeError("live: the room's state kept changing")

    async def publish(self, room: int, message: dict[str, Any]) -> None:
        await self.redis.publish(f"{self.prefix}:room:{room}", json.dumps(message))

    async def join(self, room: int, conn: str, info: dict[str, Any]) -> None:
        entry = json.dumps({**info, "seen": time.time()})
        await self.redis.hset(self._key(room, "presence"), conn, entry)  # type: ignore[misc]
        await self.redis.expire(self._key(room, "presence"), STATE_TTL)

    async def join_limited(self, room: int, conn: str, info: dict[str, Any], limit: int) -> bool:
        """Join unless the person already has `limit` live connections here, counted over
        every process in one step (two joining at once cannot both slip in)."""
        now = time.time()
        entry = json.dumps({**info, "seen": now})
        args = [conn, info["user_id"], now - PRESENCE_STALE, limit, entry, STATE_TTL]
        joined = await self.join_limited_script(keys=[self._key(room, "presence")], args=args)
        return bool(joined)

    async def take(self, user_id: int, size: float, rate: float) -> bool:
        """One message from the person's allowance, shared by every process."""
        key = f"{self.prefix}:rate:{user_id}"
        return bool(await self.take_script(keys=[key], args=[time.time(), size, rate]))

    async def leave(self, room: int, conn: str) -> None:
        await self.redis.hdel(self._key(room, "presence"), conn)  # type: ignore[misc]
        if not await self.presence(room):
            await self.redis.delete(self._key(room, "presence"), self._key(room, "state"))

    async def presence(self, room: int) -> list[dict[str, Any]]:
        entries = await self.redis.hgetall(self._key(room, "presence"))  # type: ignore[misc]
        cutoff = time.time() - PRESENCE_STALE
        people = [json.loads(v) for v in entries.values()]
        return sorted((p for p in people if p["seen"] >= cutoff), key=lambda p: p["joined"])

    async def refresh(self, room: int, conns: dict[str, dict[str, Any]]) -> None:
        for conn, info in conns.items():
            await self.join(room, conn, info)
