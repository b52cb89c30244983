"""Which transcript lines an item of feedback goes with: the one rule behind the transcript's
marks beside the player (app/static/feedback/transcript_marks.js follows it line for line)
and the sparring document's excerpts.

Supervisors press F just after they hear something, so an item often starts in a pause
between lines or a moment before the next line: it goes with the line it follows."""

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Timed(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


L = TypeVar("L", bound=Timed)


def lines_for(lines: Sequence[L], start: float | None, end: float | None) -> list[L]:
    """The lines (in time order) an item belongs with: those its range overlaps; else the
    line holding its start; else the last line that ended before it; else the first line."""
    if start is None or not lines:
        return []
    if end is not None and end > start:
        overlapped = [s for s in lines if s.start < end and s.end > start]
        if overlapped:
            return overlapped
    holding = [s for s in lines if s.start <= start < s.end]
    if holding:
        return holding[:1]
    before = [s for s in lines if s.end <= start]
    return before[-1:] or list(lines[:1])
