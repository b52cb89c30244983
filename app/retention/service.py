"""Deletion dates, the expiry sweep, and withdrawing consent."""

import logging
from datetime import date, timedelta
from functools import partial

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.core.config import settings
from app.core.db import after_commit, session_scope
from app.core.errors import BadInput
from app.core.timeutil import local_today, utcnow
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from app.retention.models import RetentionPolicy

log = logging.getLogger(__name__)


def policy(*, session: Session) -> RetentionPolicy:
    """The administrator's retention policy (created with defaults on first use)."""
    row = session.get(RetentionPolicy, 1)
    if row is None:
        row = RetentionPolicy(id=1)
        session.add(row)
        session.flush()
    return row


def update_policy(*, session: Session, default_days: int, max_days: int, warn_days: int) -> None:
    if not 1 <= default_days <= max_days <= 3650:
        raise BadInput("retention.bad_policy")
    if not 0 <= warn_days <= 90:
        raise BadInput("retention.bad_policy")
    row = policy(session=session)
    row.default_days, row.max_days, row.warn_days = default_days, max_days, warn_days
    row.updated_at = utcnow()
    session.add(row)


def today() -> date:
    """The municipality's date (the `time_zone` setting), not UTC's."""
    return local_today()


def default_delete_after(*, session: Session) -> date:
    return today() + timedelta(days=policy(session=session).default_days)


def check_delete_after(*, session: Session, value: str | None) -> date:
    """The caseworker's deletion date: tomorrow at the earliest, the maximum at the latest."""
    if not value:
        return default_delete_after(session=session)
    try:
        chosen = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadInput("retention.bad_date") from exc
    latest = today() + timedelta(days=policy(session=session).max_days)
    if not today() < chosen <= latest:
        raise BadInput("retention.out_of_range", latest=latest.isoformat())
    return chosen


def days_left(recording: Recording) -> int:
    return (recording.delete_after - today()).days


def purge_expired() -> list[str]:
    """Delete every recording whose deletion date has come, files and rows together."""
    with session_scope() as session:
        expired = session.exec(
            select(Recording).where(col(Recording.delete_after) <= today())
        ).all()
        ids = [r.id for r in expired]
        for recording in expired:
            recording_service.delete(session=session, recording=recording)
        for recording_id in ids:
            after_commit(session, partial(_log_retention_delete, recording_id))
    remove_orphans()
    return ids


def _log_retention_delete(recording_id: str) -> None:
    audit.record(
        action=audit.Action.retention_delete,
        recording_id=recording_id,
        detail="deletion date reached",
    )


def remove_orphans(min_age_seconds: float = 3600) -> list[str]:
    """Folders in the media store with no recording row (a crash between commit and rm)."""
    if not settings.media_dir.exists():
        return []
    with session_scope() as session:
        known = set(session.exec(select(Recording.id)).all())
    removed = []
    cutoff = utcnow().timestamp() - min_age_seconds
    for folder in settings.media_dir.iterdir():
        if folder.name not in known and folder.stat().st_mtime < cutoff:
            storage.remove_all(folder.name)
            removed.append(folder.name)
    if removed:
        log.warning("removed orphaned media folders: %s", removed)
    return removed
