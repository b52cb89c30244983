"""a transcript line can be marked checked: when, and by whom

`segment.checked_at` and `segment.checked_by_id` (the person; their account's deletion
leaves the line checked without a name). Every line starts unchecked.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5b9c4e7a0013"
down_revision = "5e0a11d00013"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
FK = "fk_segment_checked_by_id"
REBUILD = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _rebuilding_segment() -> Iterator[None]:
    """SQLite changes a table's references only by rebuilding it: dropping the old table
    would delete its words (ON DELETE CASCADE), so they are kept aside and put back, and
    the table's AUTOINCREMENT counter with them (no segment id is ever used twice)."""
    bind = op.get_bind()
    counter = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'segment'")
    ).scalar()
    op.execute("CREATE TEMP TABLE keep_word AS SELECT * FROM word")
    yield
    op.execute("DELETE FROM word")
    op.execute("INSERT INTO word SELECT * FROM keep_word")
    op.execute("DROP TABLE keep_word")
    if counter is not None:
        given = {"n": counter}
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = 'segment'"), given
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'segment', :n "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'segment')"
            ),
            given,
        )


def upgrade() -> None:
    checked_at = sa.Column("checked_at", TIME(), nullable=True)
    checked_by = sa.Column("checked_by_id", sa.Integer(), nullable=True)
    if not _sqlite():
        op.add_column("segment", checked_at)
        op.add_column("segment", checked_by)
        op.create_foreign_key(FK, "segment", "user", ["checked_by_id"], ["id"], ondelete="SET NULL")
        return
    with _rebuilding_segment(), op.batch_alter_table("segment", **REBUILD) as batch:
        batch.add_column(checked_at)
        batch.add_column(checked_by)
        batch.create_foreign_key(FK, "user", ["checked_by_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    if not _sqlite():
        op.drop_constraint(FK, "segment", type_="foreignkey")
        op.drop_column("segment", "checked_by_id")
        op.drop_column("segment", "checked_at")
        return
    with _rebuilding_segment(), op.batch_alter_table("segment", **REBUILD) as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("checked_by_id")
        batch.drop_column("checked_at")
