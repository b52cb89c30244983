"""A recording: one uploaded conversation and what the worker made of it."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Json
from sqlmodel import Field, SQLModel

from app.core.db import BIG_INT
from app.core.timeutil import utcnow


class RecordingStatus(StrEnum):
    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class RecordingBase(SQLModel):
    title: str = Field(max_length=200)
    case_reference: str = Field(max_length=64)
    language: str = Field(default="da", max_length=8)


class RecordingCreate(RecordingBase):
    pass


class Recording(RecordingBase, table=True):
    # Random ids: a recording's address says nothing and cannot be guessed.
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    delete_after: date = Field(index=True)
    original_filename: str = Field(max_length=255)
    stored_name: str = Field(max_length=64)
    size_bytes: int = Field(sa_type=BIG_INT)  # uploads may pass 2 GiB
    sha256: str = Field(max_length=64, index=True)
    duration_seconds: float
    container: str = Field(max_length=64)
    has_video: bool
    video_codec: str | None = Field(default=None, max_length=32)
    audio_codec: str | None = Field(default=None, max_length=32)
    width: int | None = None
    height: int | None = None
    # Every stream ffprobe found (index, type, codec, duration), as JSON.
    streams: str = "[]"
    # The people the caseworker named (the child, parents, siblings, school), hidden in
    # what a team reads and muted in what it hears (app.privacy). JSON list of strings.
    person_names: str = Field(default="[]", max_length=4000)

    status: RecordingStatus = Field(default=RecordingStatus.queued, max_length=16, index=True)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=32)
    failure_reason: str | None = Field(default=None, max_length=1000)

    playable_name: str | None = Field(default=None, max_length=64)
    playable_mime: str | None = Field(default=None, max_length=64)
    poster_name: str | None = Field(default=None, max_length=64)

    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class RecordingPublic(RecordingBase):
    id: str
    streams: Json[list[dict[str, Any]]]
    owner_id: int
    delete_after: date
    original_filename: str
    size_bytes: int
    sha256: str
    duration_seconds: float
    has_video: bool
    video_codec: str | None
    audio_codec: str | None
    status: RecordingStatus
    progress: float
    stage: str | None
    failure_reason: str | None
    created_at: datetime


class RecordingsPublic(SQLModel):
    data: list[RecordingPublic]
    count: int


class Purpose(StrEnum):
    """What a consent lets a recording be used for: each is consented to on its own."""

    individual = "individual"  # a supervisor or colleague the caseworker names
    team = "team"  # team sparring in a team the caseworker is a member of
    teaching = "teaching"  # other teams, courses


class ConsentGiver(StrEnum):
    """Who consented: the child and the custody holders, or a young person of 15 or over
    alone (the Danish data protection authority's practice)."""

    child_and_custody = "child_and_custody"
    young_person = "young_person"


class Consent(SQLModel, table=True):
    """Why a recording may exist: the consent recorded at upload, and what it covers now
    (a purpose withdrawn since is no longer covered)."""

    recording_id: str = Field(foreign_key="recording.id", primary_key=True, ondelete="CASCADE")
    child_consented: bool
    custody_holders_consented: bool
    given_by: ConsentGiver
    consented_on: date
    for_individual: bool
    for_team: bool
    for_teaching: bool
    recorded_by_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)

    def covers(self, purpose: Purpose | str) -> bool:
        return bool(getattr(self, f"for_{Purpose(purpose).value}"))

    @property
    def purposes(self) -> list[Purpose]:
        """The purposes it covers, in the order the form lists them."""
        return [p for p in Purpose if self.covers(p)]
