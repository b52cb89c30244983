"""A transcript: segments and words from the machine, and people's corrections."""

from datetime import date, datetime
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
    """One version of a recording's transcript: the first the upload's job made, later ones
    a "transcribe again" made. Readers see the current one (`service.get`)."""

    __table_args__ = (  # type: ignore[assignment]
        sa.UniqueConstraint("recording_id", "version", name="uq_transcript_recording_id_version"),
        Numbered.__table_args__,
    )

    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    language: str = Field(max_length=8)
    model_name: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    # Segments are stored as they are heard; False until the worker has heard it all.
    complete: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # A newer version took over (kept, never shown as the transcript again).
    superseded_at: datetime | None = None
    # The "transcribe again" job writing this version (None: the upload's own job).
    job_id: int | None = None
    # How it was heard (None on transcripts from before this was recorded, and on a given
    # one): the weights' SHA-256, where and how the model ran, and with which engine.
    model_sha256: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=16)
    compute_type: str | None = Field(default=None, max_length=32)
    pipeline: str | None = Field(default=None, max_length=16)
    beam_size: int | None = None
    engine: str | None = Field(default=None, max_length=64)
    # The model the job asked for, where a worker without it heard it with its own.
    fallback_from: str | None = Field(default=None, max_length=255)
    finished_at: datetime | None = None


class TranscriptBatch(Numbered, table=True):
    """An administrator's "transcribe again" of many recordings: those in one language
    uploaded between two days, with the model the language had then."""

    __tablename__ = "transcript_batch"

    language: str = Field(max_length=8)
    uploaded_from: date
    uploaded_to: date
    model_name: str = Field(max_length=255)
    requested_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


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
    # After a "transcribe again": the caseworker's own words for this stretch of the
    # earlier version, in force until they keep them or take the new line.
    offered_text: str | None = None
    # Conversation insight (app/insight): the machine's voice for the line (the one speaking
    # most of it), and its question type where an adult speaks; a person's label wins.
    voice: int | None = None
    question_type: str | None = Field(default=None, max_length=16)
    question_type_by_person: str | None = Field(default=None, max_length=16)
    question_type_at: datetime | None = None  # when a person set it (kappa by month)

    @property
    def persons_words(self) -> bool:
        """A person's words stand for the line (a correction, or one offered from an
        earlier version): the machine's words must not show through."""
        return self.corrected_text is not None or self.offered_text is not None

    @property
    def text(self) -> str:
        if self.corrected_text is not None:
            return self.corrected_text
        return self.offered_text if self.offered_text is not None else self.machine_text


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
    # After a "transcribe again", for the caseworker only: their words for this stretch in
    # the earlier version, offered until they keep them or take the new line.
    offered_text: str | None = None
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


class ProvenancePublic(SQLModel):
    """How a version was heard (null where not recorded: older transcripts, given ones)."""

    version: int
    model_name: str
    model: str  # as a reader knows it: "Whisper base"
    model_sha256: str | None
    device: str | None
    compute_type: str | None
    pipeline: str | None
    beam_size: int | None
    engine: str | None
    fallback_from: str | None
    created_at: datetime
    finished_at: datetime | None
    superseded_at: datetime | None


class TranscriptPublic(SQLModel):
    recording_id: str
    language: str
    model_name: str
    complete: bool = True  # False while the worker is still hearing the recording
    version: int = 1
    provenance: ProvenancePublic
    unsure_share: float = Field(
        default=0.0,
        description="The unsure words still shown (on lines no person has corrected or "
        "checked) as a share of all the machine's words, 0 to 1.",
    )
    segments: list[SegmentPublic]


class OfferChoice(SQLModel):
    """The caseworker's choice for a line offered their earlier words."""

    keep: bool  # True: keep my earlier words; False: take the new line


class AgainQueued(SQLModel):
    """A "transcribe again" on its way: its job, and the model it asks for."""

    job_id: int
    model: str  # as a reader knows it: "Whisper base"


class BatchCreate(SQLModel):
    """An administrator's "transcribe again" of many: the ready recordings in a language
    uploaded between two days (both included)."""

    language: str = Field(min_length=2, max_length=8)
    uploaded_from: date
    uploaded_to: date


class BatchPublic(SQLModel):
    id: int
    language: str
    uploaded_from: date
    uploaded_to: date
    model: str  # the language's model then, as a reader knows it
    created_at: datetime
    total: int
    done: int
    failed: int
    running: int
