"""audit hardening and ids never reused

Revision ID: a11ce5500002
Revises: a11ce5500001
Create Date: 2026-11-30 19:01:00

- `auditviewing`: when each person's current viewing of a recording's content began, so
  that a viewing writes one audit entry.
- SQLite hands a deleted row's id to the next row unless the table says AUTOINCREMENT:
  every table with an integer primary key is rebuilt with it (PostgreSQL sequences never
  hand out a number twice).
- The audit chain is keyed from here on: entries written before carry a plain SHA-256,
  and a `chain_keyed` entry, keyed itself, ties them to the keyed part.
"""

from collections.abc import Sequence
from types import SimpleNamespace

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a11ce5500002"
down_revision: str | None = "a11ce5500001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_AUDIT_TRIGGERS = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]


def upgrade() -> None:
    op.create_table(
        "auditviewing",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "recording_id", "kind"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_integer_key_tables(autoincrement=True)
    _key_the_chain()


def downgrade() -> None:
    op.drop_table("auditviewing")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_integer_key_tables(autoincrement=False)
    # The `chain_keyed` entry stays: the log is append-only.


def _rebuild_integer_key_tables(*, autoincrement: bool) -> None:
    """Recreate each table whose key is one integer column, with or without AUTOINCREMENT."""
    bind = op.get_bind()
    tables = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_alembic%' AND name != 'alembic_version'"
    ).fetchall()
    inspector = sa.inspect(bind)
    todo = []
    for name, sql in tables:
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        types = {c["name"]: c["type"] for c in inspector.get_columns(name)}
        has_it = "AUTOINCREMENT" in sql.upper()
        if len(key) == 1 and isinstance(types[key[0]], sa.Integer) and has_it != autoincrement:
            todo.append(name)
    if not todo:
        return
    # Dropping the old copy of a parent table would cascade to its children's rows: the
    # foreign keys are off while the tables are rebuilt (a pragma that only takes effect
    # outside a transaction), and checked afterwards.
    _sqlite_foreign_keys(on=False)
    for name in todo:
        if name == "auditentry":
            op.execute("DROP TRIGGER IF EXISTS audit_no_update")
            op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
        if name == "auditentry":
            for statement in SQLITE_AUDIT_TRIGGERS:
                op.execute(statement)
    problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
    _sqlite_foreign_keys(on=True)


def _sqlite_foreign_keys(*, on: bool) -> None:
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _key_the_chain() -> None:
    """Tie the entries written before the key to the keyed chain with one keyed entry."""
    from app.audit import chain
    from app.core.timeutil import utcnow

    bind = op.get_bind()
    entries = sa.table(
        "auditentry",
        sa.column("seq", sa.Integer()),
        sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("actor_id", sa.Integer()),
        sa.column("actor_email", sa.String()),
        sa.column("action", sa.String()),
        sa.column("recording_id", sa.String()),
        sa.column("detail", sa.String()),
        sa.column("ip", sa.String()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    last = bind.execute(sa.select(entries).order_by(entries.c.seq.desc()).limit(1)).first()
    if last is None or last.hash == chain.keyed_hash(last.prev_hash, last):
        return  # a new log, or one keyed already: keyed from its first entry
    first = bind.execute(sa.select(entries.c.hash).where(entries.c.seq == 1)).scalar()
    marker = SimpleNamespace(
        seq=last.seq + 1,
        at=utcnow(),
        actor_id=None,
        actor_email=None,
        action=chain.KEYED_MARKER,
        recording_id=None,
        detail=f"entries 1-{last.seq} were linked with plain SHA-256; keyed from here",
        ip=None,
    )
    marker_hash = chain.keyed_hash(last.hash, marker)
    bind.execute(entries.insert().values(**vars(marker), prev_hash=last.hash, hash=marker_hash))
    head = sa.table("audithead", sa.column("id"), sa.column("seq"), sa.column("hash"))
    bind.execute(head.delete())
    bind.execute(head.insert().values(id=1, seq=marker.seq, hash=marker_hash))
    chain.append_head(first or chain.GENESIS, marker.seq, marker_hash)
