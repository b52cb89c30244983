"""Who must hear that a share now reaches someone (the notifications register here:
app.access may not import app.feedback, which sits above it)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.accounts.subject import Subject


@dataclass(frozen=True)
class Granted:
    """A recording, or one clip of it, that a share now lets these people see."""

    recording_id: str
    clip_id: int | None
    people: Sequence[int]
    by: Subject


_listeners: list[Callable[[Session, Granted], None]] = []


def on_granted(listener: Callable[[Session, Granted], None]) -> None:
    """`listener(session, granted)` runs in the transaction that shared or confirmed."""
    if listener not in _listeners:
        _listeners.append(listener)


def granted(session: Session, grant: Granted) -> None:
    for listener in _listeners:
        listener(session, grant)
