"""Shared fixtures: a fresh data folder, SQLite and PostgreSQL, real media, a live server."""

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

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

import httpx  # noqa: E402
import psycopg  # noqa: E402
import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.config import settings  # noqa: E402
from app.core.db import get_engine  # noqa: E402
from tests import mediafiles  # noqa: E402
from tests.helpers import app_env, serving  # noqa: E402

# The browser modules' shared helpers and fixtures (`api`, `page`).
pytest_plugins = ["tests.browser_fixtures"]

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
# Cleaned between tests. The audit log is append-only (triggers refuse deletes), so it
# grows through the run; audit tests look at the entries a test itself caused.
TABLES = [
    "word",
    "segment",
    "transcript",
    "job",
    "sharemember",
    "share",
    "accountlink",
    "consent",
    "recording",
    "teammember",
    "team",
    "authsession",
    "retentionpolicy",
]
PASSWORD = "correct horse battery staple"
BASE_USERS = {
    "caseworker": ("sara@kommune.test", "Sara Sagsbehandler"),
    "caseworker2": ("carl@kommune.test", "Carl Sagsbehandler"),
    "supervisor": ("soren@kommune.test", "Søren Supervisor"),
    "administrator": ("anna@kommune.test", "Anna Admin"),
    "leader": ("lene@kommune.test", "Lene Leder"),
}


def migrate(url: str, *, base_users: bool = True) -> None:
    """The real migrations (`videosparring migrate`), run in this process for speed."""
    from app.cli import main as cli

    previous = settings.database_url
    settings.database_url = url
    try:
        cli(["migrate"])
    finally:
        settings.database_url = previous
    if base_users:
        _make_base_users(url)


def _make_base_users(url: str) -> None:
    from app.accounts import service
    from app.accounts.models import Role
    from app.core.db import session_scope

    previous = settings.database_url
    settings.database_url = url
    try:
        with session_scope() as session:
            for key, (email, name) in BASE_USERS.items():
                service.create_user(
                    session=session,
                    email=email,
                    name=name,
                    role=Role(key.rstrip("2")),
                    password=PASSWORD,
                )
    finally:
        settings.database_url = previous


@pytest.fixture(scope="session")
def sqlite_url() -> str:
    url = f"sqlite:///{_DATA / 'videosparring.db'}"
    migrate(url)
    return url


@contextmanager
def postgres_database(prefix: str, *, base_users: bool = True) -> Iterator[str]:
    """A new, migrated PostgreSQL database for the block; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        migrate(url, base_users=base_users)
        yield url
    finally:
        get_engine.__globals__["_engines"].pop(url, None)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database("vs_test") as url:
        yield url


def _clean(url: str) -> None:
    emails = ", ".join(f"'{email}'" for email, _ in BASE_USERS.values())
    with get_engine().begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text(f'DELETE FROM "user" WHERE email NOT IN ({emails})'))
        conn.execute(
            text(
                'UPDATE "user" SET active = true, link_password_at = NULL, '
                "reset_notice_due = false, language = NULL"
            )
        )
    from app.accounts import throttle

    throttle.reset("memory://")  # the login counters of this process
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


C = TypeVar("C", bound=httpx.Client)  # a TestClient or a client to a live server


def login(client: C, email: str, password: str = PASSWORD) -> C:
    """Log in through the real login form, then send the CSRF token on API calls too."""
    client.get("/login")
    token = client.cookies.get("vs_csrf")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    # The token is bound to the session: the login answer carries the new one.
    client.headers["X-CSRF-Token"] = client.cookies.get("vs_csrf")
    return client


def live_client(base: str, who: str = "caseworker", timeout: float = 120) -> httpx.Client:
    """An httpx client to a live server, logged in as a base user through the login form."""
    client = login(httpx.Client(base_url=base, timeout=timeout), BASE_USERS[who][0])
    # The login has been committed by the time its 303 arrives: the next request sees it.
    me = client.get("/api/v1/me")
    assert me.status_code == 200, f"login as {who} did not take effect: {me.text}"
    return client


@pytest.fixture
def anonymous() -> Iterator[TestClient]:
    from app.main import app

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(anonymous: TestClient) -> TestClient:
    """Logged in as the caseworker who owns the recordings a test uploads."""
    return login(anonymous, BASE_USERS["caseworker"][0])


@pytest.fixture
def client_for():  # type: ignore[no-untyped-def]
    """Another browser, logged in as the given base user (e.g. 'supervisor')."""
    from app.main import app

    opened: list[TestClient] = []

    def make(key: str) -> TestClient:
        test_client = TestClient(app)
        opened.append(test_client)
        return login(test_client, BASE_USERS[key][0])

    yield make
    for test_client in opened:
        test_client.close()


def user_id(key: str) -> int:
    from sqlmodel import select

    from app.accounts.models import User
    from app.core.db import session_scope

    with session_scope() as session:
        user = session.exec(select(User).where(User.email == BASE_USERS[key][0])).one()
        return int(user.id)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def media() -> mediafiles.MediaSet:
    # The processes of one pytest-xdist run share their media: each file is encoded once.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    shared = _DATA.parent / f"videosparring-media-{run}" if run else None
    return mediafiles.MediaSet(shared or _DATA.parent / f"{_DATA.name}-media")


@pytest.fixture(scope="session")
def live_server(sqlite_url: str) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, sharing the tests' SQLite data."""
    with serving(app_env(SPARRING_DATABASE_URL=sqlite_url)) as base:
        yield base


def process_queued_jobs() -> list[str]:
    """Run every queued job in this process, as one worker would."""
    from sqlmodel import select

    from app.core.db import session_scope
    from app.jobs.models import Job, JobStatus
    from workers.tasks import run_job

    with session_scope() as session:
        ids = [j.id for j in session.exec(select(Job).where(Job.status == JobStatus.queued))]
    return [run_job(job_id) for job_id in ids if job_id is not None]


# Debian's Chromium; these flags keep it off the network it cannot reach here anyway.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Chromium, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shared_db(sqlite_url: str, live_server: str) -> Iterator[str]:
    """The live server's SQLite database, used by this process too; cleaned per module."""
    previous = settings.database_url
    settings.database_url = sqlite_url
    _clean(sqlite_url)
    try:
        yield live_server
    finally:
        _clean(sqlite_url)
        settings.database_url = previous
