"""The database part of a move: the target migrated, every table's rows copied with their
ids (through the models' own column types, so enums, booleans and times arrive as they
are), the target's sequences set past every id ever handed out, the rows counted."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table)

ROOT = Path(__file__).resolve().parents[2]
BATCH = 1000
# Tables that are the database's or Alembic's own, not the application's.
BOOKKEEPING = {"alembic_version", "sqlite_sequence"}


class Refused(Exception):
    """The target database refused a table's rows (a value SQLite let through)."""

    def __init__(self, table: str, reason: object) -> None:
        # The driver's reason only: the statement's parameters would print case data.
        super().__init__(f"the target database refused rows of table {table}: {reason}")


def _alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def newest_revision() -> str:
    return str(ScriptDirectory.from_config(_alembic_config()).get_current_head())


def revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def table_names(conn: Connection) -> list[str]:
    """The database's tables, its own bookkeeping left out."""
    return sorted(name for name in inspect(conn).get_table_names() if name not in BOOKKEEPING)


def migrate(conn: Connection) -> None:
    """The real migrations (`videosparring migrate` without its offer of the default rubric:
    the source's criteria are copied)."""
    config = _alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def unmigrate(conn: Connection) -> None:
    """The migrations undone, to the empty database a failed move found."""
    config = _alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, "base")


def tables() -> list[Table]:
    """Every table of the application, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def unknown(conn: Connection) -> list[str]:
    """Tables in the database that the models do not name: their rows would not be copied."""
    known = {table.name for table in tables()}
    return [name for name in table_names(conn) if name not in known]


def counts(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables()}


def copy_rows(source: Connection, target: Connection) -> dict[str, int]:
    """Every row of every table, ids kept; the rows the migrations put in a new database
    (the baseline's default criteria) go first. The number copied per table."""
    for table in reversed(tables()):
        if target.scalar(select(func.count()).select_from(table)):
            target.execute(table.delete())
    copied: dict[str, int] = {}
    for table in tables():
        copied[table.name] = 0
        rows = source.execute(table.select().order_by(*table.primary_key.columns))
        for batch in rows.partitions(BATCH):
            try:
                target.execute(table.insert(), [dict(row._mapping) for row in batch])
            except DBAPIError as exc:
                raise Refused(table.name, str(exc.orig).strip()) from exc
            copied[table.name] += len(batch)
    return copied


def set_sequences(source: Connection, target: Connection) -> int:
    """Each numbered table's sequence past the highest id SQLite ever gave (AUTOINCREMENT
    remembers ids of rows deleted since): no id is handed out twice. How many were set."""
    remembered: dict[str, int] = {}
    # SQLite's own table: the inspector does not list it, sqlite_master does.
    if source.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")):
        found = source.execute(text("SELECT name, seq FROM sqlite_sequence")).all()
        remembered = {str(name): int(seq) for name, seq in found}
    quote = target.dialect.identifier_preparer.quote
    done = 0
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = target.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote(table.name), "column": column.name},
        )
        if sequence is None:
            continue
        highest = max(
            int(target.scalar(select(func.max(column))) or 0), remembered.get(table.name, 0)
        )
        # setval(…, 1, false): the next id is 1; setval(…, n, true): the next is n + 1.
        target.execute(
            text("SELECT setval(:sequence, :value, :used)"),
            {"sequence": sequence, "value": max(highest, 1), "used": highest > 0},
        )
        done += 1
    return done
