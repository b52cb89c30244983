"""What the machine found in a recording's conversation, and what people corrected.

The voices come from the audio alone, so they belong to the recording, not to a version of
its transcript: a "transcribe again" keeps them, and a person's correction of a voice stays
in force. Each line's voice and question type are on the transcript's lines
(`Segment.voice`, `Segment.question_type`, `Segment.question_type_by_person`).
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class VoiceRole(StrEnum):
    adult = "adult"
    child = "child"


class ConversationVoice(Numbered, table=True):
    """One voice the machine told apart in the recording: numbered by first appearance."""

    __tablename__ = "conversation_voice"
    __table_args__ = (  # type: ignore[assignment]
        sa.UniqueConstraint("recording_id", "number", name="uq_conversation_voice_number"),
        Numbered.__table_args__,
    )

    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    number: int
    role: VoiceRole = Field(max_length=8)  # the machine's, from the voice's pitch
    # A person's correction (one voice, or two swapped): wins over the machine from then on.
    role_by_person: VoiceRole | None = Field(default=None, max_length=8)
    pitch_hz: float | None = None  # the voice's median pitch
    seconds: float = 0.0  # how long it speaks in all

    @property
    def current_role(self) -> VoiceRole:
        return self.role_by_person or self.role


class ConversationAnalysis(SQLModel, table=True):
    """A recording's analysis: who speaks when (from the audio, once), and which version of
    the transcript its lines were labelled on."""

    __tablename__ = "conversation_analysis"

    recording_id: str = Field(foreign_key="recording.id", primary_key=True, ondelete="CASCADE")
    # [[start, end, voice], …] in seconds, in order, not overlapping: a recording has a few
    # thousand turns, always read whole.
    turns: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    separated_at: datetime = Field(default_factory=utcnow)
    # The transcript version whose lines were last given their voice and question type, and
    # when (a correction of the text queues the labelling again).
    transcript_id: int | None = None
    labelled_at: datetime | None = None
