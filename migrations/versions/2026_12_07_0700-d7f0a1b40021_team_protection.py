"""what a team sees protects the child: a clip's protected variant (faces blurred, names
muted), the caseworker's review of it, the names listed on a recording, protected shares

A share gets `protected` (a team's always is; existing team shares of clips become so). A
team's share of a whole recording reaches nobody from now on (a team sees clips only, and
only their protected variant), so those rows go. Every cut clip gets a queued
`protect_clip` job (the workers' recovery loop sends it), so that the teams it is shared
with see it again, blurred, once the worker has made it.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "d7f0a1b40021"
down_revision = "c6e9f0a30020"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString
CLIP_STATUS = sa.Enum(
    "queued", "processing", "ready", "failed", name="clipstatus", create_type=False
)
CLIP_COLUMNS = [
    ("protected_status", CLIP_STATUS, None),
    ("protected_media_name", STR(length=64), None),
    ("protected_mime", STR(length=64), None),
    ("protected_poster_name", STR(length=64), None),
    ("protected_fingerprint", STR(length=64), None),
    ("protected_approved_at", TIME(), None),
    ("missed_spans", STR(length=4000), "[]"),
    ("redactions_undone", STR(length=4000), "[]"),
    ("redactions_added", STR(length=4000), "[]"),
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for value in ("team_clip", "team_poster"):
            op.execute(f"ALTER TYPE variant ADD VALUE IF NOT EXISTS '{value}'")
    op.add_column(
        "share",
        sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute("UPDATE share SET protected = true WHERE team_id IS NOT NULL")
    op.execute("DELETE FROM share WHERE team_id IS NOT NULL AND clip_id IS NULL")
    for name, type_, default in CLIP_COLUMNS:
        server_default = sa.text(f"'{default}'") if default is not None else None
        nullable = default is None
        op.add_column(
            "clip", sa.Column(name, type_, nullable=nullable, server_default=server_default)
        )
    op.add_column(
        "recording",
        sa.Column("person_names", STR(length=4000), nullable=False, server_default="[]"),
    )
    now = "CURRENT_TIMESTAMP"
    op.execute(
        "INSERT INTO job (recording_id, kind, clip_id, held_back, status, attempts, "
        "max_attempts, progress, created_at, updated_at) "
        f"SELECT recording_id, 'protect_clip', id, false, 'queued', 0, 3, 0, {now}, {now} "
        "FROM clip WHERE status = 'ready' AND media_name IS NOT NULL"
    )
    op.execute(
        "UPDATE clip SET protected_status = 'queued' "
        "WHERE status = 'ready' AND media_name IS NOT NULL"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("DELETE FROM job WHERE kind = 'protect_clip'")
    op.execute("DELETE FROM media_object WHERE variant IN ('team_clip', 'team_poster')")
    drops = [("recording", "person_names"), ("share", "protected")]
    drops += [("clip", name) for name, _, _ in reversed(CLIP_COLUMNS)]
    for table, name in drops:
        if sqlite:  # in place: a rebuild would cascade
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        else:
            op.drop_column(table, name)
