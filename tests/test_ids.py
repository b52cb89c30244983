"""No id is handed out twice: the audit log names people by id, and ids outlive rows.

SQLite, without AUTOINCREMENT, gives a deleted row's id to the next row; PostgreSQL's
sequences never do. Both databases, every table whose key is one integer column.
"""

from pathlib import Path

from alembic import command
from sqlalchemy import Integer, create_engine, text
from sqlmodel import SQLModel, select

import app.models  # noqa: F401  (every table)
from app.accounts.models import Role, Team, TeamMember, User
from app.audit import service as audit
from app.core.config import settings
from app.core.db import get_engine, session_scope
from tests.support.database import alembic_config, migrate


def integer_keyed_tables() -> list[str]:
    names = []
    for table in SQLModel.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, Integer):
            names.append(table.name)
    return names


def make_user(email: str) -> int:
    with session_scope() as session:
        user = User(email=email, name="Ny Person", role=Role.caseworker)
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def delete_user(user_id: int) -> None:
    with session_scope() as session:
        session.delete(session.get(User, user_id))


def test_a_deleted_users_id_is_never_given_again(db: str) -> None:
    first = make_user("forste@kommune.test")
    delete_user(first)  # the newest row: SQLite would hand its id out again
    second = make_user("anden@kommune.test")
    assert second > first
    delete_user(second)
    assert make_user("tredje@kommune.test") > second


def test_a_deleted_teams_id_is_never_given_again(db: str) -> None:
    with session_scope() as session:
        team = Team(name="Team Nord")
        session.add(team)
        session.flush()
        first = team.id
        session.delete(team)
    with session_scope() as session:
        again = Team(name="Team Syd")
        session.add(again)
        session.flush()
        assert first is not None and again.id is not None and again.id > first


def test_every_integer_key_is_never_reused(db: str) -> None:
    """SQLite: AUTOINCREMENT on each such table; PostgreSQL: each key draws on a sequence."""
    tables = integer_keyed_tables()
    assert {"user", "team", "job", "share", "transcript", "segment", "word"} <= set(tables)
    with get_engine().connect() as conn:
        for name in tables:
            if db == "sqlite":
                sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"),
                    {"n": name},
                ).scalar_one()
                assert "AUTOINCREMENT" in sql.upper(), name
            else:
                key = next(iter(SQLModel.metadata.tables[name].primary_key.columns)).name
                default = conn.execute(
                    text(
                        "SELECT column_default, is_identity FROM information_schema.columns"
                        " WHERE table_name = :t AND column_name = :c"
                    ),
                    {"t": name, "c": key},
                ).one()
                assert default[1] == "YES" or "nextval(" in (default[0] or ""), name


def test_the_migration_rebuilds_sqlite_tables_and_keeps_every_row(tmp_path: Path) -> None:
    """Down past the newest migration and up again (it rebuilds `share` and `feedback` on
    SQLite): rows (and rows hanging on them) all survive, the keys keep AUTOINCREMENT."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url)
    previous = settings.database_url
    settings.database_url = url
    try:
        with session_scope() as session:
            team = Team(name="Team Øst")
            session.add(team)
            session.flush()
            assert team.id is not None
            users = session.exec(select(User)).all()
            for user in users:
                assert user.id is not None
                session.add(TeamMember(team_id=team.id, user_id=user.id))
        audit.record(action="login", detail="before the downgrade")
        command.downgrade(alembic_config(), "7a1100000009")
        command.upgrade(alembic_config(), "head")
        for table in ("user", "share", "feedback"):
            assert "AUTOINCREMENT" in table_sql(url, table)
        with session_scope() as session:
            assert len(session.exec(select(User)).all()) == len(users) > 0
            assert len(session.exec(select(TeamMember)).all()) == len(users)
            assert audit.verify(session=session).ok
        with get_engine().connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    finally:
        get_engine.__globals__["_engines"].pop(url, None)
        audit._writer_engines.pop(url, None)
        settings.database_url = previous


def table_sql(url: str, name: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": name}
        ).scalar_one()
    engine.dispose()
    return str(sql)
