"""Jobs: queued jobs run in this process as a worker would, real worker processes (the
`workers` fixture, registered by tests/conftest.py), and the one job of a test's
recording as it stands."""

import contextlib
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
import redis
from huey import RedisHuey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import update
from sqlmodel import col, func, select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs import queue
from app.jobs.models import PROCESS_RECORDING, Job, JobStatus
from app.jobs.queue import huey
from app.jobs.service import Claim
from tests.support.recordings import upload
from tests.support.servers import app_env, free_port, start_worker, stop, wait_until
from workers import pipeline, tasks
from workers.tasks import run_job


def process_queued_jobs(kind: str | None = None) -> list[str]:
    """Run every queued job (of `kind`, if given) in this process, as one worker would."""
    query = select(Job.id).where(Job.status == JobStatus.queued)
    if kind is not None:
        query = query.where(Job.kind == kind)
    with session_scope() as session:
        ids = session.exec(query).all()
    return [run_job(job_id) for job_id in ids if job_id is not None]


def claimed_upload(client: Any, path: Any, owner: str) -> tuple[dict[str, Any], Claim]:
    """An upload whose job the given worker has claimed (and not run): its answer, the claim."""
    created = upload(client, path).json()
    job_id = the_job().id
    assert job_id is not None
    claim = tasks.claim_job(job_id, owner=owner)
    assert claim is not None
    return created, claim


def the_job() -> Job:
    """The upload's processing job (an analysis job may follow it: issue 23)."""
    with session_scope() as session:
        job = session.exec(select(Job).where(Job.kind == PROCESS_RECORDING)).one()
        session.expunge(job)
        return job


def expire_lease(job_id: int) -> None:
    """As if the worker holding the job stopped renewing its lease long ago."""
    with session_scope() as session:
        session.execute(
            update(Job)
            .where(col(Job.id) == job_id)
            .values(lease_expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )


def count(model: type) -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, what: str) -> T:
    """As `wait_until`, and a failure shows the job as it stands."""
    try:
        return wait_until(predicate, timeout, what, every=0.2)
    except AssertionError as error:
        raise AssertionError(f"{error}; job: {the_job()}") from None


class PrivateRedis:
    """A redis-server of this test's own, to stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), 20, "redis-server to start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def private_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRedis]:
    """A Redis queue of the test's own; this process (the web app) sends its jobs there too,
    as web and worker machines share one queue."""
    server = PrivateRedis()
    server.start()
    monkeypatch.setattr(queue.huey, "storage", RedisHuey("videosparring", url=server.url).storage)
    try:
        yield server
    finally:
        server.stop()


class Workers:
    """Real worker processes (`python -m workers`) on the tests' database and queue."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        fast_retry = {"SPARRING_JOB_RETRY_DELAY_SECONDS": "0.2", **env}
        proc = start_worker(app_env(SPARRING_DATABASE_URL=self.database_url, **fast_retry))
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        stop(*self.procs)


def flush_queues() -> None:
    """Every queue on the store empty: the default one and each model's (`app.jobs.queue`)."""
    huey.flush()
    storage = huey.storage
    if isinstance(storage, SqliteStorage):
        with contextlib.closing(sqlite3.connect(storage.filename)) as db, db:
            for table in ("task", "schedule", "kv"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608  fixed names
    elif isinstance(storage, RedisStorage):
        for key in storage.conn.scan_iter(f"huey.*.{queue.DEFAULT_QUEUE}*"):
            storage.conn.delete(key)


@pytest.fixture
def workers(sqlite_db: str) -> Iterator[Workers]:
    flush_queues()  # no messages left from tests that ran jobs in-process
    pool = Workers(settings.sqlalchemy_url)
    yield pool
    pool.stop_all()
    flush_queues()


def after_first_batch(monkeypatch: pytest.MonkeyPatch, then: Any) -> None:
    """Run `then()` once the worker has committed its first batch of segments."""
    real = pipeline._as_they_come

    def watched(segments: Iterable[Any], every_s: float = 1.0) -> Iterator[list[Any]]:
        for index, batch in enumerate(real(segments, every_s)):
            yield batch  # the pipeline stores it and commits before asking for the next
            if index == 0:
                then()

    monkeypatch.setattr(pipeline, "_as_they_come", watched)
