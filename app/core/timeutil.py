"""The clock: times are stored in UTC; "today" and what people read are the municipality's.

One clock for the whole app, so that a test can set it to a moment (00:30 Danish time, say)
instead of waiting for one.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from app.core.config import settings


def _system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Callable[[], datetime] = _system_clock


def utcnow() -> datetime:
    return _clock()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Every reading of the clock gives `moment` (aware) until the block ends."""
    global _clock
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    previous = _clock
    _clock = lambda: moment.astimezone(UTC)  # noqa: E731
    try:
        yield
    finally:
        _clock = previous


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The `time_zone` setting (default Europe/Copenhagen)."""
    return _zone(settings.time_zone)


def to_local(value: datetime) -> datetime:
    """A stored time (UTC; naive ones from SQLite are UTC too) in the municipality's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone())


def local_today() -> date:
    """The municipality's date now: a consent signed today is dated today, also at 00:30."""
    return to_local(utcnow()).date()


def day_start(day: date) -> datetime:
    """The moment a local date begins, in UTC (for "from this day" in a query)."""
    return datetime.combine(day, time(), tzinfo=local_zone()).astimezone(UTC)
