"""scores on the criteria: a scale on each criterion's version, the sheets of levels, and the
administrator's "reflection first" setting

`criterionversion` gets `levels_da` and `levels_en` (a scale's levels, one per line; empty
for the criteria there were, which are not scored until the administrator gives them a
scale). `scoring` is one person's sheet on one recording, `scorelevel` its levels.
`rubricsettings.reflection_required` starts off, as before.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "e8a1b2c50022"
down_revision = "d7f0a1b40021"

STR = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime
LEVELS = 1407  # app.criteria.models.LEVELS_MAX


def upgrade() -> None:
    # Plain ADD COLUMN: a batch would make the tables again on SQLite, and lose their
    # AUTOINCREMENT (ids never reused).
    for name in ("levels_da", "levels_en"):
        op.add_column(
            "criterionversion",
            sa.Column(name, STR(length=LEVELS), nullable=False, server_default=""),
        )
    op.add_column(
        "rubricsettings",
        sa.Column("reflection_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "scoring",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", STR(length=32), nullable=False),
        sa.Column("scorer_id", sa.Integer(), nullable=False),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("updated_at", TIME(), nullable=False),
        sa.Column("published_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["scorer_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id", "scorer_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_scoring_recording_id"), "scoring", ["recording_id"])
    op.create_index(op.f("ix_scoring_scorer_id"), "scoring", ["scorer_id"])
    op.create_table(
        "scorelevel",
        sa.Column("scoring_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("criterion_version_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["scoring_id"], ["scoring.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["criterion_id"], ["criterion.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["criterion_version_id"], ["criterionversion.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("scoring_id", "criterion_id"),
    )
    op.create_index(op.f("ix_scorelevel_criterion_id"), "scorelevel", ["criterion_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scorelevel_criterion_id"), table_name="scorelevel")
    op.drop_table("scorelevel")
    op.drop_index(op.f("ix_scoring_scorer_id"), table_name="scoring")
    op.drop_index(op.f("ix_scoring_recording_id"), table_name="scoring")
    op.drop_table("scoring")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later has it): rebuilding
    # `criterionversion` would trip the foreign keys that feedback holds to it.
    for table, column in (
        ("rubricsettings", "reflection_required"),
        ("criterionversion", "levels_en"),
        ("criterionversion", "levels_da"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
