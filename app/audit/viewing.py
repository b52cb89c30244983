"""One audit entry per viewing: a person, a recording, one kind of content, a time window.

A player asks for the media in many range requests, reloads the captions, fetches the
poster: all of that is one viewing. Its first request writes the entry, whatever its
Range looks like; the others find the viewing open, first in this process's memory, then
in the `auditviewing` table (a read that never waits for the chain's writer).
"""

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.audit import service
from app.audit.models import AuditViewing
from app.core.config import settings
from app.core.timeutil import utcnow


class Kind:
    """The kinds of content; each export format is a kind of its own."""

    media = "media"  # the playable file and its poster
    transcript = "transcript"  # the recording's page, the transcript, the captions
    feedback = "feedback"  # the feedback on a recording (issue 9)
    feedback_csv = "feedback.csv"  # its CSV download
    sparring = "sparring"  # the printable sparring document (feedback with transcript lines)
    sparring_pdf = "sparring.pdf"  # its PDF download
    clip = "clip"  # a clip's file, poster, transcript and feedback (issue 10)

    @staticmethod
    def export(fmt: str) -> str:
        return f"export.{fmt}"

    @staticmethod
    def session(session_id: int) -> str:
        """Joining a sparring session: one viewing per participant and session (issue 10)."""
        return f"sess.{session_id}"


_MEMORY_LIMIT = 10_000
_opened: dict[tuple[str, int, str, str], datetime] = {}
_opened_lock = threading.Lock()


def _window() -> timedelta:
    return timedelta(minutes=settings.audit_viewing_minutes)


def _remember(key: tuple[str, int, str, str], started_at: datetime, now: datetime) -> None:
    with _opened_lock:
        if len(_opened) >= _MEMORY_LIMIT:
            for old in [k for k, at in _opened.items() if now - at >= _window()]:
                del _opened[old]
        _opened[key] = started_at


def _is_open(session: Session, key: tuple[str, int, str, str], now: datetime) -> bool:
    started_at = _opened.get(key)
    if started_at is not None and now - started_at < _window():
        return True
    _, user_id, recording_id, kind = key
    row = session.get(AuditViewing, (user_id, recording_id, kind))
    if row is not None and now - row.started_at < _window():
        _remember(key, row.started_at, now)
        return True
    return False


def note(session: Session, *, user_id: int, recording_id: str, kind: str, **fields: Any) -> bool:
    """Write the entry if this request starts a viewing; True if it did."""
    now = utcnow()
    key = (settings.sqlalchemy_url, user_id, recording_id, kind)
    if _is_open(session, key, now):
        return False
    entry = service.record_viewing(
        user_id=user_id,
        recording_id=recording_id,
        kind=kind,
        now=now,
        window=_window(),
        actor_id=user_id,
        **fields,
    )
    if entry is not None:
        _remember(key, now, now)
    return entry is not None
