"""The rows of stored media objects, written when an object is kept and read when it is
served; the sweep that finds objects without a row.

Callers keep an object in the store (`app.media.store`) and record it here in the
transaction that makes it theirs; an object kept by a process that died before its commit
has no row, and the sweep removes it once it is older than any work in progress.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from app.core.db import session_scope
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.media.models import MediaObject, Variant
from app.media.store import Stored, current

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readable:
    """A stored object as a response needs it."""

    key: str
    content_type: str
    size: int
    sha256: str


def record(
    *,
    session: Session,
    recording_id: str,
    variant: Variant,
    stored: Stored,
    content_type: str,
    clip_id: int | None = None,
) -> MediaObject:
    """The row of an object just kept (a later attempt that wrote the same key updates it)."""
    row = session.exec(select(MediaObject).where(MediaObject.key == stored.key)).first()
    if row is None:
        row = MediaObject(recording_id=recording_id, key=stored.key, size=0, sha256="",
                          variant=variant, content_type=content_type)  # fmt: skip
    row.clip_id, row.variant, row.content_type = clip_id, variant, content_type
    row.size, row.sha256, row.created_at = stored.size, stored.sha256, utcnow()
    session.add(row)
    session.flush()
    return row


def require(*, session: Session, key: str, content_type: str) -> Readable:
    """The object under `key`, to be read with the given type; the 404 of a file the store
    has no row of (its media were removed)."""
    row = session.exec(select(MediaObject).where(MediaObject.key == key)).first()
    if row is None:
        raise NotFound(N_("The file is missing from the media store."), code="media.missing")
    return Readable(key=row.key, content_type=content_type, size=row.size, sha256=row.sha256)


def forget(*, session: Session, keys: list[str]) -> None:
    """Remove the rows of objects about to be deleted (the caller deletes them once
    committed)."""
    if keys:
        session.exec(delete(MediaObject).where(col(MediaObject.key).in_(keys)))  # type: ignore[call-overload]


def sweep(min_age_seconds: float = 3600) -> list[str]:
    """Delete objects in the store with no row, older than `min_age_seconds` (a crash
    between keeping an object and committing its row; a recording deleted while the files
    could not go). Returns their keys."""
    store = current()
    cutoff = utcnow() - timedelta(seconds=min_age_seconds)
    # A resumable upload's remainders (`uploads/…`) are its own: they go when it ends.
    listed = [
        item
        for item in store.list()
        if item.modified < cutoff and not item.key.startswith("uploads/")
    ]
    if not listed:
        return []
    with session_scope() as session:
        known = set(session.exec(select(MediaObject.key)).all())
    orphans = [item.key for item in listed if item.key not in known]
    if orphans:
        store.delete(*orphans)
        log.warning("removed %d media object(s) with no row: %s", len(orphans), orphans[:20])
    return orphans
