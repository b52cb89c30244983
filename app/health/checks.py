"""Each check answers in a bounded time and says what it found in words an operator acts
on, never a person's data. Critical checks decide readiness; the others are reported and make
`?all=1` fail (for a monitor that should wake someone)."""

import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import col, select

from app.core.config import parse_language_models, settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs import presence
from app.jobs.models import Job, JobStatus
from app.jobs.queue import huey
from app.media.store import current as current_store

PROBE_PREFIX = "health"  # the store's probe objects: "health/probe-<hex>", gone at once
CACHE_SECONDS = 5.0  # a load balancer asks every few seconds: the store is probed at most so


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    critical: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class Report:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        """What a load balancer needs: every critical check passes."""
        return all(c.ok for c in self.checks if c.critical)

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, object]:
        status = "ok" if self.healthy else "degraded" if self.ready else "unavailable"
        return {"status": status, "checks": [asdict(c) for c in self.checks]}


def _timed(name: str, critical: bool, probe: Callable[[], tuple[bool, str]]) -> Check:
    began = time.monotonic()
    try:
        ok, detail = probe()
    except Exception as exc:  # a check reports what failed; it never takes the page down
        ok, detail = False, f"{type(exc).__name__}: {str(exc)[:200]}"
    return Check(name, ok, critical, detail, round(time.monotonic() - began, 4))


def database() -> tuple[bool, str]:
    with session_scope() as session:
        session.execute(text("SELECT 1"))
    return True, "answers"


def queue() -> tuple[bool, str]:
    waiting = huey.storage.queue_size()
    return True, f"{waiting} message(s) waiting in the default queue"


def media_store() -> tuple[bool, str]:
    """Write a small object, read it back, delete it: the folder or the bucket works."""
    store = current_store()
    key = f"{PROBE_PREFIX}/probe-{uuid.uuid4().hex}"
    body = uuid.uuid4().bytes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "probe"
        path.write_bytes(body)
        store.keep(key, path, content_type="application/octet-stream")
    try:
        got = b"".join(store.read(key))
    finally:
        store.delete(key)
    if got != body:
        return False, f"the {store.kind} store gave back other bytes than were written"
    return True, f"the {store.kind} store writes, reads and deletes"


def free_disk() -> tuple[bool, str]:
    folder = settings.resolved_data_dir
    free = shutil.disk_usage(folder).free
    least = settings.health_min_free_mb * 1024 * 1024
    words = f"{free // 2**20} MB free in the data folder ({settings.health_min_free_mb} MB wanted)"
    return free >= least, words


def models_in_use() -> list[str]:
    """The models this app sends recordings to, as the settings name them."""
    named = [settings.whisper_model, *parse_language_models(settings.whisper_models).values()]
    return list(dict.fromkeys(named))


def workers() -> tuple[bool, str]:
    with session_scope() as session:
        live = presence.live(session=session)
    offered = {model for offer in live for model in offer.models}
    missing = [m for m in models_in_use() if m not in offered]
    if not live:
        return False, "no worker is heard from: nothing is transcribed"
    if missing:
        return False, f"{len(live)} worker(s); no live worker offers {', '.join(missing)}"
    return True, f"{len(live)} worker(s) offer every model in use"


def oldest_queued_job() -> tuple[bool, str]:
    with session_scope() as session:
        oldest = session.exec(
            select(func.min(Job.created_at)).where(col(Job.status) == JobStatus.queued)
        ).one()
    if oldest is None:
        return True, "no job is waiting"
    if oldest.tzinfo is None:  # SQLite's are naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    age = (utcnow() - oldest).total_seconds()
    limit = settings.health_queue_age_seconds
    return age <= limit, f"the oldest queued job has waited {int(age)} s (at most {int(limit)} s)"


CHECKS: list[tuple[str, bool, Callable[[], tuple[bool, str]]]] = [
    ("database", True, database),
    ("queue", True, queue),
    ("media_store", True, media_store),
    ("free_disk", True, free_disk),
    ("workers", False, workers),
    ("oldest_queued_job", False, oldest_queued_job),
]

_cache: dict[str, tuple[float, Report]] = {}
_lock = threading.Lock()


def report(*, fresh: bool = False) -> Report:
    """Every check, at most once per CACHE_SECONDS for the whole process."""
    key = settings.sqlalchemy_url
    with _lock:
        cached = _cache.get(key)
        if cached and not fresh and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        made = Report([_timed(name, critical, probe) for name, critical, probe in CHECKS])
        _cache[key] = (time.monotonic(), made)
        return made
