"""One audit entry per viewing: a person, a recording, one kind of content, a time window.

A player asks for the media in many range requests once someone plays it, reloads the
captions: all of that is one viewing. Players ask for no media before play
(`preload="none"`), so opening a page is an "opened" entry and playing it a "played" one;
the still shown before play belongs to the page's viewing. A viewing's first request writes
the entry, whatever its Range looks like; the others find the viewing open, first in this
process's memory, then in the `auditviewing` table (a read that never waits for the
chain's writer).
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

    media = "media"  # the playable file, asked for when someone plays it
    transcript = "transcript"  # the recording's page with its still, the transcript, captions
    feedback = "feedback"  # the feedback on a recording (issue 9)
    feedback_csv = "feedback.csv"  # its CSV download
    sparring = "sparring"  # the printable sparring document (feedback with transcript lines)
    sparring_pdf = "sparring.pdf"  # its PDF download
    insight = "insight"  # the conversation's figures, voices and question types (API)
    session_texts = "session.texts"  # sessions' question, summary, learning points in a list
    scores = "scores"  # the scores on the criteria (issue 25)

    @staticmethod
    def export(fmt: str) -> str:
        return f"export.{fmt}"

    @staticmethod
    def clip(clip_id: int) -> str:
        """A clip's page, poster, transcript and feedback (issue 10): one viewing per clip,
        so a second clip of the same recording is an entry of its own (issue 18)."""
        return f"clip.{clip_id}"

    @staticmethod
    def clip_played(clip_id: int) -> str:
        """A clip's file, asked for when someone plays the clip (issue 19): apart from the
        clip's page, so the log says whether it was played or only opened."""
        return f"play.{clip_id}"

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


def is_open(started_at: datetime, now: datetime) -> bool:
    """A viewing began within the window. One dated in the future is never open: a row
    written with a wrong date (or by hand) must not hide the reads after it."""
    return started_at <= now and now - started_at < _window()


def _is_open(session: Session, key: tuple[str, int, str, str], now: datetime) -> bool:
    started_at = _opened.get(key)
    if started_at is not None and is_open(started_at, now):
        return True
    _, user_id, recording_id, kind = key
    row = session.get(AuditViewing, (user_id, recording_id, kind))
    if row is not None and is_open(row.started_at, now):
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
