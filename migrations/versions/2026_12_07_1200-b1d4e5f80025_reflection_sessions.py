"""joint professional reflection (fælles faglig refleksion): a session without a recording,
its case told in words, and learning points tagged with criteria

`sparringsession.recording_id` may be NULL (a reflection), and so may a notification's (an
invitation to one); `case_text` holds the case, and `sessioncriterion` the criteria the
learning points are about. SQLite changes a column's
NULL by making the table again: foreign keys are off meanwhile, so that dropping the old
table deletes none of the rows that point at it (participants, notifications, feedback).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b1d4e5f80025"
down_revision = "a0c3d4e70024"

STR = sqlmodel.sql.sqltypes.AutoString
REBUILD = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys(on: bool) -> None:
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _counter(table: str) -> int | None:
    """SQLite forgets a rebuilt table's AUTOINCREMENT counter: kept, so no id comes twice."""
    query = sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t")
    return op.get_bind().execute(query, {"t": table}).scalar()


def _restore(table: str, counter: int | None) -> None:
    if counter is None:
        return
    bind = op.get_bind()
    given = {"n": counter, "t": table}
    bind.execute(sa.text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = :t"), given)
    bind.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT :t, :n WHERE NOT "
            "EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :t)"
        ),
        given,
    )


def _case() -> sa.Column[str]:
    return sa.Column("case_text", STR(length=8000), nullable=False, server_default="")


def _change(*, reflection: bool) -> None:
    """`recording_id` NULL or not (a session's, a notification's); `case_text` there or not."""
    if not _sqlite():
        if reflection:
            op.add_column("sparringsession", _case())
        else:
            op.drop_column("sparringsession", "case_text")
        for table in ("sparringsession", "notification"):
            op.alter_column(
                table, "recording_id", existing_type=STR(length=32), nullable=reflection
            )
        return
    counters = {t: _counter(t) for t in ("sparringsession", "notification")}
    _foreign_keys(False)
    with op.batch_alter_table("sparringsession", **REBUILD) as batch:
        batch.alter_column("recording_id", existing_type=STR(length=32), nullable=reflection)
        if reflection:
            batch.add_column(_case())
        else:
            batch.drop_column("case_text")
    with op.batch_alter_table("notification", **REBUILD) as batch:
        batch.alter_column("recording_id", existing_type=STR(length=32), nullable=reflection)
    for table, counter in counters.items():
        _restore(table, counter)
    _foreign_keys(True)


def upgrade() -> None:
    if not _sqlite():
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE sessionkind ADD VALUE IF NOT EXISTS 'reflection'")
    _change(reflection=True)
    op.create_table(
        "sessioncriterion",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("criterion_version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["criterion_id"], ["criterion.id"]),
        sa.ForeignKeyConstraint(["criterion_version_id"], ["criterionversion.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["sparringsession.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "criterion_id"),
    )
    op.create_index(op.f("ix_sessioncriterion_criterion_id"), "sessioncriterion", ["criterion_id"])


def downgrade() -> None:
    """Reflections go (they have no recording to keep them by); PostgreSQL keeps the enum's
    value, which nothing uses then."""
    op.drop_index(op.f("ix_sessioncriterion_criterion_id"), table_name="sessioncriterion")
    op.drop_table("sessioncriterion")
    op.execute("DELETE FROM notification WHERE recording_id IS NULL")
    op.execute("DELETE FROM sparringsession WHERE recording_id IS NULL")
    _change(reflection=False)
