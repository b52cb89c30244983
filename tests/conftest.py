"""Shared fixtures: a fresh data folder, SQLite and PostgreSQL, real media, a live server."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

# Settings are read at import: point them at a throwaway data folder first.
_DATA = Path(tempfile.mkdtemp(prefix="videosparring-test-"))
os.environ.update(
    {
        "SPARRING_DATA_DIR": str(_DATA),
        "SPARRING_ENVIRONMENT": "test",
        "SPARRING_WHISPER_MODEL": "bundled-tiny.en",
        "SPARRING_WHISPER_CPU_THREADS": "2",
        "SPARRING_JOB_LEASE_SECONDS": "4",
        "SPARRING_JOB_HEARTBEAT_SECONDS": "1",
        "SPARRING_REAPER_INTERVAL_SECONDS": "1",
    }
)
os.environ.pop("SPARRING_DATABASE_URL", None)
os.environ.pop("SPARRING_QUEUE_URL", None)

import psycopg  # noqa: E402
import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.config import settings  # noqa: E402
from app.core.db import get_engine  # noqa: E402
from tests import mediafiles  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TABLES = ["word", "segment", "transcript", "job", "recording"]


def migrate(url: str) -> None:
    env = {**os.environ, "SPARRING_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def sqlite_url() -> str:
    url = f"sqlite:///{_DATA / 'videosparring.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"vs_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    migrate(url)
    yield url
    get_engine.__globals__["_engines"].pop(url, None)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _clean(url: str) -> None:
    with get_engine().begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    subprocess.run(["rm", "-rf", str(settings.media_dir), str(settings.upload_tmp_dir)])


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    url = request.getfixturevalue(f"{request.param}_url")
    previous = settings.database_url
    settings.database_url = url
    try:
        _clean(url)
        yield request.param
    finally:
        _clean(url)
        settings.database_url = previous


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[str]:
    """SQLite only: for tests whose subject is not the database."""
    settings.database_url = sqlite_url
    _clean(sqlite_url)
    yield "sqlite"
    _clean(sqlite_url)


@pytest.fixture
def client() -> Iterator[TestClient]:
    from app.main import app

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def media() -> mediafiles.MediaSet:
    return mediafiles.MediaSet(_DATA.parent / f"{_DATA.name}-media")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(sqlite_url: str) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, sharing the tests' SQLite data."""
    port = free_port()
    env = {**os.environ, "SPARRING_DATABASE_URL": sqlite_url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("live server did not start")
    yield base
    proc.terminate()
    proc.wait(10)


def process_queued_jobs() -> list[str]:
    """Run every queued job in this process, as one worker would."""
    from sqlmodel import select

    from app.core.db import session_scope
    from app.jobs.models import Job, JobStatus
    from workers.tasks import run_job

    with session_scope() as session:
        ids = [j.id for j in session.exec(select(Job).where(Job.status == JobStatus.queued))]
    return [run_job(job_id) for job_id in ids if job_id is not None]
