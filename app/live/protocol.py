"""The live channel's messages: what a client may send, the presenter's state, and limits.

The presenter's state is the truth: `{playing, position, rate, at}`, where `at` is the
server time (ms since the epoch) at which the media is (or, for a play announced a little
ahead, will be) at `position`. Every client computes where the media is now from it and
its own estimate of the server clock; nothing here depends on when a message arrived.
"""

import json
import time
from dataclasses import dataclass, field
from typing import Any

from app.core.i18n import N_

# A play or a seek while playing starts this far ahead, so that every follower has the
# time to seek and buffer before the announced moment.
PLAY_LEAD_MS = 300.0
MIN_RATE, MAX_RATE = 0.5, 2.0
MAX_MESSAGE_BYTES = 4096
# At most one "slow down" warning per this many seconds, so a flood is not echoed back.
WARNING_INTERVAL = 1.0

PRESENTER_COMMANDS = {"play", "pause", "seek", "rate", "handover"}
KINDS = PRESENTER_COMMANDS | {"ping", "take", "detach", "rejoin", "feedback"}


def server_ms() -> float:
    """The server clock every `at` and pong uses (wall clock: several processes share it)."""
    return time.time() * 1000.0


class Refused(Exception):
    """A message the channel answers with `refused` and otherwise ignores."""

    def __init__(self, msgid: str, code: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.code = code
        self.params = params


def parse(raw: str | bytes) -> dict[str, Any]:
    """The message as a dict with an int `seq` and a known `type`, or Refused."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused(N_("The message is too long."), "live.too_long")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise Refused(N_("The message is not valid JSON."), "live.malformed") from exc
    if not isinstance(message, dict) or message.get("type") not in KINDS:
        raise Refused(N_("The message has no known type."), "live.unknown_type")
    seq = message.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**53:
        raise Refused(N_("The message has no sequence number."), "live.seq")
    return message


def number(message: dict[str, Any], name: str) -> float:
    value = message.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        raise Refused(N_("The message lacks a number %(name)s."), "live.malformed", name=name)
    return float(value)


def feedback_id(message: dict[str, Any]) -> int:
    """The item a `feedback` message names: without one, nothing is relayed."""
    value = message.get("feedback_id")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**53:
        raise Refused(N_("The feedback was not found."), "live.feedback_unknown")
    return value


@dataclass
class SeqGuard:
    """Each connection's sequence numbers only grow: a replayed or reordered one is refused."""

    last: int = 0

    def accept(self, seq: int) -> None:
        if seq <= self.last:
            raise Refused(
                N_("Message %(seq)s came again or out of order and was ignored."),
                "live.replayed",
                seq=seq,
            )
        self.last = seq


@dataclass
class TokenBucket:
    """One person's allowance of messages: a burst of `size`, refilled at `rate` a second
    (both passed on each take, so that a changed setting applies at once)."""

    tokens: float | None = None  # None: full
    stamp: float = field(default_factory=time.monotonic)

    def take(self, size: float, rate: float) -> bool:
        now = time.monotonic()
        tokens = size if self.tokens is None else self.tokens
        tokens = min(size, tokens + (now - self.stamp) * rate)
        self.stamp = now
        allowed = tokens >= 1
        self.tokens = tokens - 1 if allowed else tokens
        return allowed


@dataclass
class Warnings:
    """At most one "slow down" warning a connection per WARNING_INTERVAL."""

    warned: float = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.warned >= WARNING_INTERVAL:
            self.warned = now
            return True
        return False


# The presenter's state -------------------------------------------------------------------


def initial_state() -> dict[str, Any]:
    return {
        "version": 0,
        "presenter": None,
        "playing": False,
        "position": 0.0,
        "rate": 1.0,
        "at": server_ms(),
    }


def position_at(state: dict[str, Any], now_ms: float) -> float:
    """Where the presenter's media is at server time `now_ms`."""
    if not state["playing"] or now_ms <= state["at"]:
        return float(state["position"])
    return float(state["position"] + (now_ms - state["at"]) / 1000.0 * state["rate"])


def _inside(position: float, duration: float | None, *, playing: bool) -> float:
    """The position, refused if outside the media (a play must leave something to play)."""
    limit = duration if duration is not None else float("inf")
    if position < 0 or position > limit or (playing and position >= limit):
        raise Refused(
            N_("The position %(position)s s is outside the media."),
            "live.outside",
            position=round(position, 3),
        )
    return position


def apply_command(
    state: dict[str, Any], message: dict[str, Any], duration: float | None, now_ms: float
) -> dict[str, Any]:
    """The state after a presenter's play/pause/seek/rate; Refused if it makes no sense."""
    kind = message["type"]
    new = dict(state)
    if kind == "play":
        new["position"] = _inside(number(message, "position"), duration, playing=True)
        new["playing"] = True
        new["at"] = now_ms + PLAY_LEAD_MS
    elif kind == "pause":
        # The presenter says where it stopped; every follower stops at exactly that frame.
        new["position"] = _inside(number(message, "position"), duration, playing=False)
        new["playing"] = False
        new["at"] = now_ms
    elif kind == "seek":
        new["position"] = _inside(number(message, "position"), duration, playing=False)
        if new["playing"] and duration is not None and new["position"] >= duration:
            new["playing"] = False
        new["at"] = now_ms + (PLAY_LEAD_MS if new["playing"] else 0.0)
    elif kind == "rate":
        rate = number(message, "rate")
        if not MIN_RATE <= rate <= MAX_RATE:
            raise Refused(
                N_("The speed must be between %(low)s and %(high)s."),
                "live.rate",
                low=MIN_RATE,
                high=MAX_RATE,
            )
        # Re-anchor where the media is now, so the change of speed causes no jump.
        new["position"] = position_at(state, now_ms)
        new["at"] = max(now_ms, float(state["at"]))
        new["rate"] = rate
    return new
