"""The tests' databases: one template per run, and every test starting from it.

Per run: the first process that needs one migrates a template with the base users
(`accounts.BASE_USERS`), a SQLite file and a PostgreSQL database, under a lock in the
run's folder; the run's other processes use it. The run's first process drops both at
the end (`drop_templates`, from tests/conftest.py).

SQLite, per test: `restore` copies the template into this process's database file with
SQLite's online backup API. The file itself stays, so every connection to it (this
process's engines, and the live server and worker processes that share it) stays valid
and sees the template's rows from its next transaction on, in WAL mode as before. About
5 ms.

PostgreSQL, per test file: `fresh_postgres` makes a database from the template (`CREATE
DATABASE … TEMPLATE`); per test, `restore` puts its rows back as the template has them:
every table the metadata lists is emptied, children first, and the template's rows (the
base users, the default criteria) go in again. A fresh database per test cost 0.16 s on a
2-core machine, this 8 ms. Sequences go on, so no id is ever handed out twice
(tests/test_ids.py). The audit log's two tables stay as they are: the database refuses to
delete entries, and the head belongs with them; audit tests look at the entries a test
itself caused.

A database restored or dropped ends its audit chain: the chain's head file in the data
folder (`audit-chain-<id>.log`) goes too, and the next entry starts a chain of its own.
"""

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from alembic.config import Config
from sqlalchemy import Table, select
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table)
from app.accounts import service as account_service
from app.accounts.models import Role
from app.audit import chain
from app.audit import service as audit_service
from app.audit.models import AuditEntry, AuditHead
from app.core import db as core_db
from app.core.config import settings
from tests.support import ROOT, made_once
from tests.support.accounts import BASE_USERS, PASSWORD, enrol
from tests.support.environment import RUN, RUN_FOLDER

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_TEMPLATE = f"vs_template_{RUN}"
# Append-only: triggers refuse to change or delete an entry; the head is the last entry.
AUDIT_LOG = {AuditEntry.__tablename__, AuditHead.__tablename__}


def postgres_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


@contextmanager
def using(url: str) -> Iterator[str]:
    """This process's settings name `url` as the database for the block."""
    previous = settings.database_url
    settings.database_url = url
    try:
        yield url
    finally:
        settings.database_url = previous


def forget_engines(url: str) -> None:
    """Close this process's connections to `url` (the app's engine and the audit writer's)."""
    for engines in (core_db._engines, audit_service._writer_engines):
        engine = engines.pop(url, None)
        if engine is not None:
            engine.dispose()


def migrate(url: str, *, base_users: bool = True) -> None:
    """The real migrations (`videosparring migrate`), run in this process for speed."""
    from app.cli import main as cli

    with using(url):
        cli(["migrate"])
    if base_users:
        make_base_users(url)


def make_base_users(url: str) -> None:
    """The base users, each with their authenticator set up (tests/support/accounts.py)."""
    with using(url):
        with core_db.session_scope() as session:
            for key, (email, name) in BASE_USERS.items():
                account_service.create_user(
                    session=session,
                    email=email,
                    name=name,
                    role=Role(key.rstrip("2")),
                    password=PASSWORD,
                )
        for email, _name in BASE_USERS.values():
            enrol(email)


@contextmanager
def postgres_database(prefix: str, *, base_users: bool = True) -> Iterator[str]:
    """A new PostgreSQL database migrated from scratch for the block; dropped afterwards.
    For tests of the migrations themselves: others use `fresh_postgres`."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    url = postgres_url(name)
    try:
        migrate(url, base_users=base_users)
        yield url
    finally:
        forget_engines(url)
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The run's templates ------------------------------------------------------------------------


def sqlite_template() -> Path:
    return made_once(RUN_FOLDER, "template.db", _make_sqlite_template)


def _make_sqlite_template(path: Path) -> None:
    url = f"sqlite:///{path}"
    migrate(url)
    forget_engines(url)
    with closing(sqlite3.connect(path)) as conn:  # read without a -wal and -shm file beside it
        conn.execute("PRAGMA journal_mode=DELETE")


def postgres_template() -> str:
    return made_once(RUN_FOLDER, "postgres-template.txt", _make_postgres_template).read_text()


def _make_postgres_template(marker: Path) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}"')  # left by a process that failed
    pg_admin(f'CREATE DATABASE "{PG_TEMPLATE}"')
    url = postgres_url(PG_TEMPLATE)
    migrate(url)
    forget_engines(url)  # nobody may stay connected to a template
    marker.write_text(PG_TEMPLATE)


def drop_templates() -> None:
    """At the end of the run: the PostgreSQL template and the run's folder."""
    if (RUN_FOLDER / "postgres-template.txt").exists():
        pg_admin(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)')
    shutil.rmtree(RUN_FOLDER, ignore_errors=True)


# Databases made from them ---------------------------------------------------------------------

_template_rows: dict[str, list[dict[str, Any]]] = {}


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A PostgreSQL database made from the template for the block; dropped afterwards."""
    name = f"vs_{RUN}_{uuid.uuid4().hex[:8]}"
    pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template()}"')
    url = postgres_url(name)
    try:
        if not _template_rows:  # read here: a connection to the template would block copies
            _template_rows.update(_rows_of(url))
        yield url
    finally:
        try:
            _end_chain(_first_link(url))
        finally:
            forget_engines(url)
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(url: str) -> None:
    """The database at `url` as the template has it (see the module's docstring)."""
    if url.startswith("sqlite:///"):
        _restore_sqlite(Path(url.removeprefix("sqlite:///")))
    else:
        _restore_postgres(url)


def _restore_sqlite(path: Path) -> None:
    template = f"file:{sqlite_template()}?mode=ro"
    with (
        closing(sqlite3.connect(template, uri=True)) as source,
        closing(sqlite3.connect(path, timeout=30)) as target,
    ):
        try:
            first = target.execute("SELECT hash FROM auditentry WHERE seq = 1").fetchone()
        except sqlite3.OperationalError:  # a new file: no tables yet
            first = None
        _end_chain(first[0] if first else None)
        source.backup(target)


def _tables() -> list[Table]:
    """Every table the metadata lists but the audit log's, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in AUDIT_LOG]


def _rows_of(url: str) -> dict[str, list[dict[str, Any]]]:
    with using(url), core_db.get_engine().connect() as conn:
        return {t.name: [dict(row._mapping) for row in conn.execute(t.select())] for t in _tables()}


def _restore_postgres(url: str) -> None:
    tables = _tables()
    with using(url), core_db.get_engine().begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if _template_rows[table.name]:
                conn.execute(table.insert(), _template_rows[table.name])


def _first_link(url: str) -> str | None:
    """The hash of the first entry in the database's audit log: it names the head file."""
    with using(url), core_db.get_engine().connect() as conn:
        return conn.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))


def _end_chain(first_hash: str | None) -> None:
    if first_hash:
        chain.head_file(first_hash).unlink(missing_ok=True)
