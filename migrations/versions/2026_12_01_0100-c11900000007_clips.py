"""clips: a stretch of a recording with its own media file, its shares, and clip jobs

Revision ID: c11900000007
Revises: 1a9e00000006
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c11900000007"
down_revision: str | None = "1a9e00000006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("request_text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "processing", "ready", "failed", name="clipstatus"),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("media_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("media_mime", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("poster_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clip_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clip_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "clipshare",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("shared_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clip.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shared_by_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("clipshare", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clipshare_clip_id"), ["clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clipshare_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clipshare_user_id"), ["user_id"], unique=False)

    op.create_table(
        "clipsharemember",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["share_id"], ["clipshare.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["team_id", "user_id"],
            ["teammember.team_id", "teammember.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "user_id"),
    )
    with op.batch_alter_table("clipsharemember", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clipsharemember_user_id"), ["user_id"], unique=False)

    # A clip job names its clip; a recording's job has none. Deleting a clip leaves its
    # jobs to end on their own (the worker finds no clip), deleting the recording removes
    # them with it.
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clip_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_job_clip_id"), ["clip_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_clip_id"))
        batch_op.drop_column("clip_id")
    with op.batch_alter_table("clipsharemember", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clipsharemember_user_id"))
    op.drop_table("clipsharemember")
    with op.batch_alter_table("clipshare", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clipshare_user_id"))
        batch_op.drop_index(batch_op.f("ix_clipshare_team_id"))
        batch_op.drop_index(batch_op.f("ix_clipshare_clip_id"))
    op.drop_table("clipshare")
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_recording_id"))
        batch_op.drop_index(batch_op.f("ix_clip_owner_id"))
    op.drop_table("clip")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS clipstatus")
