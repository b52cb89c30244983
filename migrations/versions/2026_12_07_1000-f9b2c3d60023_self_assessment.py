"""the anonymous self-assessment: rounds, their statements as worded when scheduled, the
answers as counts per team (no person, no time), and who has answered (nothing of what)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "f9b2c3d60023"
down_revision = "e8a1b2c50022"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "self_assessment_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", STR(length=60), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "self_assessment_statement",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", STR(length=32), nullable=False),
        sa.Column("text_da", STR(length=400), nullable=False),
        sa.Column("text_en", STR(length=400), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["self_assessment_round.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "position"),
    )
    op.create_table(
        "self_assessment_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["self_assessment_round.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_self_assessment_tally_round_team", "self_assessment_tally", ["round_id", "team_id"]
    )
    op.create_table(
        "self_assessment_answered",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["self_assessment_round.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("self_assessment_answered")
    op.drop_index("ix_self_assessment_tally_round_team", table_name="self_assessment_tally")
    op.drop_table("self_assessment_tally")
    op.drop_table("self_assessment_statement")
    op.drop_table("self_assessment_round")
