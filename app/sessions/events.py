"""Who must hear at once that a session's access changed (the live channel registers here:
app.sessions may not import app.live, which sits above it)."""

from collections.abc import Callable

from sqlmodel import Session

from app.core.db import after_commit

_listeners: list[Callable[[int], None]] = []


def on_access_changed(listener: Callable[[int], None]) -> None:
    """`listener(session_id)` runs after each commit that removed someone from a session."""
    if listener not in _listeners:
        _listeners.append(listener)


def access_changed(session: Session, session_id: int) -> None:
    """Tell the listeners once the change is committed (never for a rolled-back one)."""

    def tell() -> None:
        for listener in _listeners:
            listener(session_id)

    after_commit(session, tell)
