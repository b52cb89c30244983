"""the child's own voice: the child's rating of a conversation, kept with the recording, and
the logins held on the child's page until the caseworker unlocks them
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a0c3d4e70024"
down_revision = "f9b2c3d60023"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "child_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", STR(), nullable=False),
        sa.Column("talk", sa.Integer(), nullable=True),
        sa.Column("heard", sa.Integer(), nullable=True),
        sa.Column("word", STR(length=200), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_child_rating_recording_id", "child_rating", ["recording_id"])
    op.create_index("ix_child_rating_created_at", "child_rating", ["created_at"])
    op.create_table(
        "child_page",
        sa.Column("token_hash", STR(length=64), nullable=False),
        sa.Column("recording_id", STR(), nullable=False),
        sa.Column("opened_at", TIME(), nullable=False),
        sa.Column("rated_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["token_hash"], ["authsession.token_hash"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_child_page_recording_id", "child_page", ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_child_page_recording_id", table_name="child_page")
    op.drop_table("child_page")
    op.drop_index("ix_child_rating_created_at", table_name="child_rating")
    op.drop_index("ix_child_rating_recording_id", table_name="child_rating")
    op.drop_table("child_rating")
