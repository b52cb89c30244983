"""Engine and the one place where a request's session commits."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends
from sqlalchemy import BigInteger, Integer, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, create_engine

from app.core.config import settings

log = logging.getLogger(__name__)

# Byte counts past 2 GiB: 64 bits on PostgreSQL; SQLite's INTEGER already holds them.
BIG_INT = BigInteger().with_variant(Integer(), "sqlite")

_engines: dict[str, Engine] = {}


def get_engine() -> Engine:
    url = settings.sqlalchemy_url
    if url not in _engines:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _engines[url] = engine
    return _engines[url]


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the web app read while the worker writes progress.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # SQLite's own lower() folds ASCII only; searches must find "Ærø" from "ærø" too.
    dbapi_conn.create_function("vs_lower", 1, _lower, deterministic=True)


def _lower(text: object) -> object:
    return text.lower() if isinstance(text, str) else text


class lowered(FunctionElement[str]):
    """SQL: the text in lower case, Danish letters (æ, ø, å) included, on either database."""

    type = String()
    inherit_cache = True


@compiles(lowered)
def _lowered(element: lowered, compiler: SQLCompiler, **kw: object) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _lowered_sqlite(element: lowered, compiler: SQLCompiler, **kw: object) -> str:
    return f"vs_lower({compiler.process(element.clauses, **kw)})"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session has committed (jobs must see committed rows)."""
    session.info.setdefault("after_commit", []).append(action)


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Undo a side effect outside the database (a stored file) if the session rolls back."""
    session.info.setdefault("on_rollback", []).append(action)


def roll_back(session: Session) -> None:
    """Undo the request's changes so far, within the request (a refused form shown again):
    what was to follow their commit (an audit entry) is dropped, what undoes them runs."""
    session.rollback()
    session.info.pop("after_commit", None)
    _run_each(session.info.pop("on_rollback", []), "undo after a rollback")


@contextmanager
def session_scope() -> Iterator[Session]:
    """Commit on success, roll back on error: the only commit boundary."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            _run_each(session.info.pop("on_rollback", []), "undo after a rollback")
            raise
        session.info.pop("on_rollback", None)
        _run_each(session.info.pop("after_commit", []), "action after a commit")


def _run_each(actions: list[Callable[[], None]], what: str) -> None:
    """Run every action even if one fails: once the data is committed, a side effect that
    fails (the queue is down) is logged and made good later (the worker's recovery loop
    sends unsent jobs); it must neither skip the others (the audit entry) nor turn the
    committed change into an error answer."""
    for action in actions:
        try:
            action()
        except Exception:
            # By name only: a partial's repr would show its arguments (a person's row).
            name = getattr(getattr(action, "func", action), "__qualname__", "?")
            log.exception("%s failed: %s", what, name)


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# "function" scope: commit before the response is sent, so that the next request (right
# after a login, a share withdrawn) already sees the change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
