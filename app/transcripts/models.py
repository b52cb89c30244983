"""A transcript: segments and words from the machine, and people's corrections."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class Speaker(StrEnum):
    caseworker = "caseworker"
    child = "child"
    other = "other"


class Transcript(Numbered, table=True):
    recording_id: str = Field(foreign_key="recording.id", unique=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    model_name: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    # Segments are stored as they are heard; False until the worker has heard it all.
    complete: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class Segment(Numbered, table=True):
    transcript_id: int = Field(foreign_key="transcript.id", index=True, ondelete="CASCADE")
    position: int
    start: float
    end: float
    # What the machine heard stays; a correction goes beside it, never over it.
    machine_text: str
    corrected_text: str | None = None
    speaker: Speaker | None = Field(default=None, max_length=16)
    edited_at: datetime | None = None
    # A person heard the line and read it (correction mode's "checked"): kept when the line
    # is corrected again, cleared only by unchecking it.
    checked_at: datetime | None = None
    checked_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")

    @property
    def text(self) -> str:
        return self.corrected_text if self.corrected_text is not None else self.machine_text


class Word(Numbered, table=True):
    segment_id: int = Field(foreign_key="segment.id", index=True, ondelete="CASCADE")
    position: int
    start: float
    end: float
    text: str = Field(max_length=200)
    probability: float


class UnsureWord(SQLModel):
    """A word the machine heard with a probability below the installation's threshold
    (SPARRING_UNSURE_WORD_PROBABILITY)."""

    position: int = Field(description="The word's place among its segment's words, from 0.")
    text: str = Field(description="As the machine heard it, with its punctuation.")
    start: float
    end: float
    probability: float = Field(description="The speech model's probability for the word.")


class SegmentPublic(SQLModel):
    id: int
    position: int
    start: float
    end: float
    text: str
    # What the machine heard, for the recording's caseworker only: anyone else sees the
    # correction alone (it may have replaced a name).
    machine_text: str | None
    corrected: bool
    speaker: Speaker | None
    checked: bool = False  # a person has heard and read the line
    unsure_words: list[UnsureWord] = Field(
        default_factory=list,
        description="The machine's words below SPARRING_UNSURE_WORD_PROBABILITY, in order, "
        "while no person has corrected or checked the line (then none).",
    )


class SegmentUpdate(SQLModel):
    text: str | None = Field(default=None, max_length=5000)
    speaker: Speaker | None = None
    # Distinguishes "leave the speaker alone" from "clear it".
    clear_speaker: bool = False
    # True: the line is checked (heard and read); False: not any more; None: left as it is.
    checked: bool | None = None


class TranscriptPublic(SQLModel):
    recording_id: str
    language: str
    model_name: str
    complete: bool = True  # False while the worker is still hearing the recording
    unsure_share: float = Field(
        default=0.0,
        description="The unsure words still shown (on lines no person has corrected or "
        "checked) as a share of all the machine's words, 0 to 1.",
    )
    segments: list[SegmentPublic]
