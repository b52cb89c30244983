"""sparring sessions: who takes part, on which recording or clip, the round and the close

Revision ID: 5e5510000008
Revises: c11900000007
Create Date: 2026-12-01 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e5510000008"
down_revision: str | None = "c11900000007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sparringsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("individual", "team", name="sessionkind"), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=True),
        sa.Column("recording_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("on_clip", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column(
            "state",
            sa.Enum("planned", "running", "closed", name="sessionstate"),
            nullable=False,
        ),
        sa.Column("round_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "round_phase",
            sa.Enum("strength", "development_point", "question", name="roundphase"),
            nullable=True,
        ),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("learning_points", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["caseworker_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["planned_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["clip_id"], ["clip.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    for column in ("caseworker_id", "planned_by_id", "recording_id", "clip_id"):
        op.create_index(f"ix_sparringsession_{column}", "sparringsession", [column])
    op.create_table(
        "sessionparticipant",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role", sa.Enum("caseworker", "participant", name="participantrole"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sparringsession.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "user_id"),
    )
    op.create_index("ix_sessionparticipant_user_id", "sessionparticipant", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_sessionparticipant_user_id", table_name="sessionparticipant")
    op.drop_table("sessionparticipant")
    for column in ("caseworker_id", "planned_by_id", "recording_id", "clip_id"):
        op.drop_index(f"ix_sparringsession_{column}", table_name="sparringsession")
    op.drop_table("sparringsession")
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL keeps enum types after their tables are gone.
        for enum in ["participantrole", "roundphase", "sessionkind", "sessionstate"]:
            op.execute(f"DROP TYPE IF EXISTS {enum}")
