"""one share model for recordings and clips; where feedback was given, and items brought

Clip shares move into `share` (with `clip_id`), their members into `sharemember`. Feedback
records its place (the recording, a clip, a session); every item before this counts as
given on the recording (individual). `brought`: items a caseworker shows a clip or session.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0ac3e5500010"
down_revision = "7a1100000009"

PLACE = sa.Enum("recording", "clip", "session", name="place")
CHILDREN = {"share": ["sharemember"], "feedback": ["feedbackcriterion", "notification"]}
OWN = {"feedback": "parent_id"}  # a column referring to the table itself (replies)
REBUILD = {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": True}}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _rebuilding(table: str) -> Iterator[None]:
    """SQLite rebuilds a table to change its foreign keys. Dropping the old one deletes the
    rows pointing at it (kept aside and put back), among them the new table's own rows that
    point at another of its rows (a reply: the new table's reference names the old one's
    name), and its AUTOINCREMENT counter (kept, so that no id is ever used twice)."""
    bind = op.get_bind()
    counter = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
    ).scalar()
    own = OWN.get(table)
    if own:
        op.execute(f"CREATE TEMP TABLE keep_own AS SELECT * FROM {table} WHERE {own} IS NOT NULL")
    for child in CHILDREN[table]:
        op.execute(f"CREATE TEMP TABLE keep_{child} AS SELECT * FROM {child}")
    yield
    if own:  # in id order, so that a row's own row is back before it; the columns both have
        kept = {row[1] for row in bind.execute(sa.text("PRAGMA temp.table_info(keep_own)"))}
        now = [row[1] for row in bind.execute(sa.text(f"PRAGMA main.table_info({table})"))]
        columns = ", ".join(f'"{name}"' for name in now if name in kept)
        op.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM keep_own "
            f"WHERE id NOT IN (SELECT id FROM {table}) ORDER BY id"
        )
        op.execute("DROP TABLE keep_own")
    for child in CHILDREN[table]:
        op.execute(f"DELETE FROM {child}")
        op.execute(f"INSERT INTO {child} SELECT * FROM keep_{child}")
        op.execute(f"DROP TABLE keep_{child}")
    if counter is not None:
        given = {"n": counter, "t": table}
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = :t"), given
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT :t, :n "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :t)"
            ),
            given,
        )


def _add_references(table: str, references: list[tuple[str, str, str]]) -> None:
    """Nullable columns referring to other tables: (column, table, on delete)."""
    if not _sqlite():
        for column, target, ondelete in references:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            name = f"fk_{table}_{column}"
            op.create_foreign_key(name, table, target, [column], ["id"], ondelete=ondelete)
        return
    with _rebuilding(table), op.batch_alter_table(table, **REBUILD) as batch:
        for column, target, ondelete in references:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            name = f"fk_{table}_{column}"
            batch.create_foreign_key(name, target, [column], ["id"], ondelete=ondelete)


def _drop_columns(table: str, columns: list[str]) -> None:
    if not _sqlite():
        for column in columns:
            op.drop_column(table, column)
        return
    with _rebuilding(table), op.batch_alter_table(table, **REBUILD) as batch:
        for column in columns:
            batch.drop_column(column)


def upgrade() -> None:
    op.create_table(
        "brought",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("place", PLACE, nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("brought_by_id", sa.Integer(), nullable=True),
        sa.Column("brought_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["brought_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["clip_id"], ["clip.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sparringsession.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_brought_feedback_id", "brought", ["feedback_id"])

    # Feedback's place: everything so far was given on the recording.
    place_type = "VARCHAR(9)" if _sqlite() else "place"
    op.execute(f"ALTER TABLE feedback ADD COLUMN place {place_type} NOT NULL DEFAULT 'recording'")
    _add_references(
        "feedback", [("clip_id", "clip", "SET NULL"), ("session_id", "sparringsession", "SET NULL")]
    )

    # One share model: a clip's share is a share of its recording naming the clip.
    _add_references("share", [("clip_id", "clip", "CASCADE")])
    op.create_index("ix_share_clip_id", "share", ["clip_id"])
    bind = op.get_bind()
    shares = bind.execute(
        sa.text(
            "SELECT s.id, c.recording_id, s.clip_id, s.user_id, s.team_id, s.shared_by_id, "
            "s.created_at FROM clipshare s JOIN clip c ON c.id = s.clip_id ORDER BY s.id"
        )
    ).all()
    for old, recording_id, clip_id, user_id, team_id, by, created in shares:
        new = bind.execute(
            sa.text(
                "INSERT INTO share (recording_id, clip_id, user_id, team_id, shared_by_id, "
                "created_at, granted_at) VALUES (:r, :c, :u, :t, :b, :at, :at) RETURNING id"
            ),
            {"r": recording_id, "c": clip_id, "u": user_id, "t": team_id, "b": by, "at": created},
        ).scalar_one()
        bind.execute(
            sa.text(
                "INSERT INTO sharemember (share_id, user_id, team_id, granted_at) "
                "SELECT :new, user_id, team_id, granted_at FROM clipsharemember "
                "WHERE share_id = :old"
            ),
            {"new": new, "old": old},
        )
    op.drop_index("ix_clipsharemember_user_id", table_name="clipsharemember")
    op.drop_table("clipsharemember")
    for column in ("clip_id", "team_id", "user_id"):
        op.drop_index(f"ix_clipshare_{column}", table_name="clipshare")
    op.drop_table("clipshare")


def downgrade() -> None:
    # The clip share tables again, as the baseline made them.
    baseline = op.get_context().script.get_revision(down_revision).module
    for table in ("clipshare", "clipsharemember"):
        baseline.SCHEMA.tables[table].create(op.get_bind())
        for name, column, unique in baseline.INDEXES:
            if name == table:
                op.create_index(f"ix_{table}_{column}", table, [column], unique=unique)
    op.execute(
        "INSERT INTO clipshare (id, clip_id, user_id, team_id, shared_by_id, created_at) "
        "SELECT id, clip_id, user_id, team_id, shared_by_id, granted_at FROM share "
        "WHERE clip_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO clipsharemember (share_id, user_id, team_id, granted_at) "
        "SELECT m.share_id, m.user_id, m.team_id, m.granted_at FROM sharemember m "
        "JOIN share s ON s.id = m.share_id WHERE s.clip_id IS NOT NULL"
    )
    op.execute("DELETE FROM share WHERE clip_id IS NOT NULL")
    op.drop_index("ix_share_clip_id", table_name="share")
    _drop_columns("share", ["clip_id"])
    op.drop_index("ix_brought_feedback_id", table_name="brought")
    op.drop_table("brought")
    _drop_columns("feedback", ["place", "clip_id", "session_id"])
    if not _sqlite():
        op.execute("DROP TYPE IF EXISTS place")
