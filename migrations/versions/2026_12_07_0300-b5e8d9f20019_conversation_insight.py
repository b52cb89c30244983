"""conversation insight: the voices told apart in a recording, who speaks when, and each
line's voice and question type (the machine's, and a person's correction)

`conversation_voice` holds each voice with the machine's role (adult or child) and a
person's correction; `conversation_analysis` who speaks when, as one JSON list of turns per
recording. A segment gets `voice`, `question_type`, `question_type_by_person` and when a
person set it (`question_type_at`).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b5e8d9f20019"
down_revision = "a4f7c8e10018"

TIME = sqlmodel.sql.sqltypes.UTCDateTime
STR = sqlmodel.sql.sqltypes.AutoString
VOICE_ROLE = sa.Enum("adult", "child", name="voicerole")
SEGMENT_COLUMNS = [
    ("voice", sa.Integer()),
    ("question_type", STR(length=16)),
    ("question_type_by_person", STR(length=16)),
    ("question_type_at", TIME()),
]


def upgrade() -> None:
    op.create_table(
        "conversation_voice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", STR(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("role", VOICE_ROLE, nullable=False),
        sa.Column("role_by_person", VOICE_ROLE, nullable=True),
        sa.Column("pitch_hz", sa.Float(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id", "number", name="uq_conversation_voice_number"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_conversation_voice_recording_id", "conversation_voice", ["recording_id"])
    op.create_table(
        "conversation_analysis",
        sa.Column("recording_id", STR(), nullable=False),
        sa.Column("turns", sa.Text(), nullable=False),
        sa.Column("separated_at", TIME(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=True),
        sa.Column("labelled_at", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recording.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("recording_id"),
    )
    for name, type_ in SEGMENT_COLUMNS:
        op.add_column("segment", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(SEGMENT_COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # in place: a rebuild would lose words
            op.execute(f"ALTER TABLE segment DROP COLUMN {name}")
        else:
            op.drop_column("segment", name)
    op.drop_table("conversation_analysis")
    op.drop_index("ix_conversation_voice_recording_id", table_name="conversation_voice")
    op.drop_table("conversation_voice")
    if op.get_bind().dialect.name == "postgresql":
        VOICE_ROLE.drop(op.get_bind(), checkfirst=True)
