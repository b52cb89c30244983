"""Shared fixtures: a fresh data folder, SQLite and PostgreSQL databases that start each
test as their template (tests/support/database.py), real media, a live server, logged-in
clients. What they use, and what tests share besides, lives in tests/support/."""

from tests.support.environment import DATA, RUN_FOLDER  # first: it sets the app's settings

# isort: split
import contextlib
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import settings
from tests.support.accounts import BASE_USERS, ClientFactory, ClientFor, login, opened_clients
from tests.support.database import drop_templates, fresh_postgres, restore, using
from tests.support.media import MediaSet
from tests.support.s3 import drop_bucket, using_s3
from tests.support.servers import app_env, serving
from tests.support.stored import files_under

# Their own fixtures: `browser`, `page`, `tab_for`, `tabs`, `api`, `axe_js`; `workers`.
pytest_plugins = ["tests.support.browser", "tests.support.jobs", "tests.support.mail"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    with contextlib.suppress(Exception):  # this process's bucket, if it made one
        drop_bucket()
    if not hasattr(session.config, "workerinput"):  # the run's first process, after the others
        drop_templates()


# Databases ----------------------------------------------------------------------------------


def start_afresh(url: str) -> None:
    """The database as its template has it, no stored media, no login counters."""
    from app.accounts import throttle

    restore(url)
    throttle.reset("memory://")  # the login counters of this process
    folders = (settings.media_dir, settings.upload_tmp_dir, settings.work_dir)
    subprocess.run(["rm", "-rf", *map(str, folders)])


@pytest.fixture(scope="session")
def sqlite_url() -> str:
    """This process's SQLite file (the data folder's default database), from the template."""
    url = f"sqlite:///{DATA / 'videosparring.db'}"
    restore(url)
    return url


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database made from the template for the test file; dropped after it."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once on SQLite and once on PostgreSQL, each as its template has it."""
    with using(request.getfixturevalue(f"{request.param}_url")) as url:
        start_afresh(url)
        yield request.param
        start_afresh(url)


@pytest.fixture(params=["local-sqlite", "s3-postgres"])
def store_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """For media tests: once with the media in the data folder and SQLite (the embedded
    default), once in the S3 server's bucket with PostgreSQL (several machines)."""
    store, database = request.param.split("-")
    with contextlib.ExitStack() as stack:
        if store == "s3":
            stack.enter_context(using_s3())
        url = stack.enter_context(using(request.getfixturevalue(f"{database}_url")))
        start_afresh(url)
        stack.callback(start_afresh, url)
        yield request.param
        if store == "s3":  # media in the bucket: none in the data folder, none left over
            assert files_under(settings.media_dir) == [] and files_under(settings.work_dir) == []


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[str]:
    """SQLite only: for tests whose subject is not the database."""
    with using(sqlite_url):
        start_afresh(sqlite_url)
        yield "sqlite"
        start_afresh(sqlite_url)


@pytest.fixture(scope="session")
def live_server(sqlite_url: str) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, sharing the tests' SQLite data."""
    with serving(app_env(SPARRING_DATABASE_URL=sqlite_url)) as base:
        yield base


@pytest.fixture(scope="module")
def shared_db(sqlite_url: str, live_server: str) -> Iterator[str]:
    """The live server's SQLite database, used by this process too; as the template has it
    when the module starts and again when it ends. The live server's base URL."""
    with using(sqlite_url):
        start_afresh(sqlite_url)
        yield live_server
        start_afresh(sqlite_url)


# Media and clients --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def media() -> MediaSet:
    # The processes of one run share their media: each file is encoded once.
    return MediaSet(RUN_FOLDER / "media")


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
def client_for() -> Iterator[ClientFor]:
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


@pytest.fixture
def open_client() -> Iterator[ClientFactory]:
    """Opens browsers: open_client() is anonymous (with a CSRF token), open_client(email)
    logged in."""
    yield from opened_clients()
