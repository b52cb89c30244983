"""transcripts in versions, with their provenance; the caseworker's words offered on a new one

`transcript.recording_id` is no longer unique: a recording may have several versions
(`version`, unique per recording), the older ones `superseded_at`. Each version records how
it was heard (the weights' SHA-256, device, compute type, pipeline, beam, engine, a model
it fell back from, when it was finished). `segment.offered_text` holds a caseworker's
correction of an earlier version, offered on the new line that covers it. An
administrator's "transcribe again" of many recordings is a `transcript_batch`, whose jobs
(`job.batch_id`) are `held_back` from the queue until no other work waits.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a4f7c8e10018"
down_revision = "9d3e6b4f0017"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString
REBUILD = {
    "recreate": "always",
    "table_kwargs": {"sqlite_autoincrement": True},
    # SQLite keeps the old unique constraint unnamed: this names it, so it can be dropped.
    "naming_convention": {"uq": "uq_%(table_name)s_%(column_0_name)s"},
}
PROVENANCE = [
    ("superseded_at", TIME()),
    ("job_id", sa.Integer()),
    ("model_sha256", STR(length=64)),
    ("device", STR(length=16)),
    ("compute_type", STR(length=32)),
    ("pipeline", STR(length=16)),
    ("beam_size", sa.Integer()),
    ("engine", STR(length=64)),
    ("fallback_from", STR(length=255)),
    ("finished_at", TIME()),
]
VERSIONED = "uq_transcript_recording_id_version"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _rebuilding_transcript() -> Iterator[None]:
    """SQLite changes a table's constraints only by rebuilding it, and dropping the old
    `transcript` would delete its segments and their words (ON DELETE CASCADE): both are
    kept aside and put back, and the table's id counter with them."""
    bind = op.get_bind()
    counter = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'transcript'")
    ).scalar()
    op.execute("CREATE TEMP TABLE keep_segment AS SELECT * FROM segment")
    op.execute("CREATE TEMP TABLE keep_word AS SELECT * FROM word")
    yield
    op.execute("DELETE FROM segment")
    op.execute("INSERT INTO segment SELECT * FROM keep_segment")
    op.execute("DELETE FROM word")
    op.execute("INSERT INTO word SELECT * FROM keep_word")
    op.execute("DROP TABLE keep_segment")
    op.execute("DROP TABLE keep_word")
    if counter is not None:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = 'transcript'"),
            {"n": counter},
        )


def upgrade() -> None:
    op.create_table(
        "transcript_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", STR(length=8), nullable=False),
        sa.Column("uploaded_from", sa.Date(), nullable=False),
        sa.Column("uploaded_to", sa.Date(), nullable=False),
        sa.Column("model_name", STR(length=255), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.add_column("job", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.add_column(
        "job", sa.Column("held_back", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index("ix_job_batch_id", "job", ["batch_id"])
    # A segment's column first: the rebuild below copies segments with every column.
    op.add_column("segment", sa.Column("offered_text", STR(), nullable=True))
    version = sa.Column("version", sa.Integer(), server_default="1", nullable=False)
    columns = [sa.Column(name, type_, nullable=True) for name, type_ in PROVENANCE]
    if not _sqlite():
        op.drop_constraint("transcript_recording_id_key", "transcript", type_="unique")
        op.add_column("transcript", version)
        for column in columns:
            op.add_column("transcript", column)
        op.create_unique_constraint(VERSIONED, "transcript", ["recording_id", "version"])
        op.create_index("ix_transcript_recording_id", "transcript", ["recording_id"])
        return
    with _rebuilding_transcript(), op.batch_alter_table("transcript", **REBUILD) as batch:
        batch.drop_constraint("uq_transcript_recording_id", type_="unique")
        batch.add_column(version)
        for column in columns:
            batch.add_column(column)
        batch.create_unique_constraint(VERSIONED, ["recording_id", "version"])
        batch.create_index("ix_transcript_recording_id", ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_job_batch_id", table_name="job")
    if _sqlite():  # plain columns: dropped in place (a rebuild of `job` is not needed)
        op.execute("ALTER TABLE job DROP COLUMN held_back")
        op.execute("ALTER TABLE job DROP COLUMN batch_id")
    else:
        op.drop_column("job", "held_back")
        op.drop_column("job", "batch_id")
    op.drop_table("transcript_batch")
    # Only the current version of each recording stays (the older ones cannot fit).
    op.execute("DELETE FROM transcript WHERE superseded_at IS NOT NULL")
    if not _sqlite():
        op.drop_index("ix_transcript_recording_id", table_name="transcript")
        op.drop_constraint(VERSIONED, "transcript", type_="unique")
        for name, _ in reversed(PROVENANCE):
            op.drop_column("transcript", name)
        op.drop_column("transcript", "version")
        op.create_unique_constraint("transcript_recording_id_key", "transcript", ["recording_id"])
    else:
        with _rebuilding_transcript(), op.batch_alter_table("transcript", **REBUILD) as batch:
            batch.drop_index("ix_transcript_recording_id")
            batch.drop_constraint(VERSIONED, type_="unique")
            for name, _ in reversed(PROVENANCE):
                batch.drop_column(name)
            batch.drop_column("version")
            batch.create_unique_constraint("uq_transcript_recording_id", ["recording_id"])
    if _sqlite():  # a plain column: SQLite drops it in place (a rebuild would lose words)
        op.execute("ALTER TABLE segment DROP COLUMN offered_text")
    else:
        op.drop_column("segment", "offered_text")
