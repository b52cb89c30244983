"""Keeping the data folder clean: private modes, no crash debris, and recordings deleted on
their deletion date (the retention policy itself is in app.retention)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from sqlmodel import col, select

from app.audit import service as audit
from app.core.config import settings
from app.core.db import after_commit, session_scope
from app.core.periodic import repeating
from app.media import objects as media_objects
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from app.retention.service import today

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """At start: umask 077, modes fixed, `.part` files left by a crash removed; then a sweep
    every `upload_sweep_interval_seconds` (only files no live upload holds locked)."""
    await asyncio.to_thread(storage.secure_data_dir)
    every = settings.upload_sweep_interval_seconds
    async with repeating(storage.sweep_partial_uploads, every, "sweeping partial uploads"):
        yield


def purge_expired() -> list[str]:
    """Delete every recording whose deletion date has come, files and rows together."""
    with session_scope() as session:
        expired = session.exec(
            select(Recording).where(col(Recording.delete_after) <= today())
        ).all()
        ids = [r.id for r in expired]
        for recording in expired:
            recording_service.delete(session=session, recording=recording, reason="retention")
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
    """Objects in the media store with no row (a crash between keeping and commit, a
    recording deleted while its objects could not go): their keys."""
    return media_objects.sweep(min_age_seconds)
