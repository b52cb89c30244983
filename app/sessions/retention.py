"""How long a joint reflection is kept. It has no recording, whose deletion date takes the
other sessions with it: a reflection is deleted the retention policy's default days
(app.retention) after it closed, or after its planned time if it was never closed. Its
presenter's account going takes it too (the caseworker's foreign key)."""

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.core.db import after_commit, session_scope
from app.core.timeutil import utcnow
from app.retention.service import policy
from app.sessions.models import SparringSession


def expired(*, session: Session, now: datetime | None = None) -> list[SparringSession]:
    cutoff = (now or utcnow()) - timedelta(days=policy(session=session).default_days)
    closed_at, starts_at = col(SparringSession.closed_at), col(SparringSession.starts_at)
    query = select(SparringSession).where(
        col(SparringSession.recording_id).is_(None),
        or_(closed_at <= cutoff, and_(closed_at.is_(None), starts_at <= cutoff)),
    )
    return list(session.exec(query).all())


def purge(*, session: Session, now: datetime | None = None) -> list[int]:
    """Delete the reflections past their time (participants and criteria go with them);
    each deletion in the audit log once committed."""
    ids = []
    for sparring in expired(session=session, now=now):
        assert sparring.id is not None
        ids.append(sparring.id)
        session.delete(sparring)
        after_commit(session, partial(_log, sparring.id))
    session.flush()
    return ids


def purge_expired() -> list[int]:
    with session_scope() as session:
        return purge(session=session)


def _log(session_id: int) -> None:
    audit.record(
        action=audit.Action.retention_delete,
        detail=f"session {session_id} reflection past its time",
    )
