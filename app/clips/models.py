"""A clip: a stretch of a recording with its own media file, made for a team to see.

A clip's share (app.access) is not a recording share: the person it reaches sees the clip's
own file, poster, transcript and the feedback given through it, nothing else of the
recording.
"""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow

TITLE_MAX = 200
REQUEST_MAX = 2000


class ClipStatus(StrEnum):
    """How far the cutting has come (the cutting job's state, as a clip's list shows it)."""

    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class Clip(Numbered, table=True):
    recording_id: str = Field(
        foreign_key="recording.id", index=True, max_length=32, ondelete="CASCADE"
    )
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=TITLE_MAX)
    # What the caseworker wants feedback on.
    request_text: str = Field(default="", max_length=REQUEST_MAX)
    start_seconds: float
    end_seconds: float
    status: ClipStatus = Field(default=ClipStatus.queued, max_length=16)
    progress: float = 0.0
    # A message key with parameters (app.jobs.reasons), never free text.
    failure_reason: str | None = Field(default=None, max_length=1000)
    media_name: str | None = Field(default=None, max_length=64)
    media_mime: str | None = Field(default=None, max_length=64)
    poster_name: str | None = Field(default=None, max_length=64)
    # The protected variant, what a team sees: faces blurred, redacted words muted
    # (app.clips.protection; made by a `protect_clip` job once the clip is cut).
    protected_status: ClipStatus | None = Field(default=None, max_length=16)
    protected_media_name: str | None = Field(default=None, max_length=64)
    protected_mime: str | None = Field(default=None, max_length=64)
    protected_poster_name: str | None = Field(default=None, max_length=64)
    # What the variant was made from (app.clips.protection.fingerprint): a change to the
    # redactions or the missed spans makes it again.
    protected_fingerprint: str | None = Field(default=None, max_length=64)
    # The caseworker watched the protected variant and let it go to a team.
    protected_approved_at: datetime | None = None
    # Clip seconds where a face was missed: the whole frame is blurred there. JSON [[a, b]].
    missed_spans: str = Field(default="[]", max_length=4000)
    # The caseworker's review of the redactions: words shown after all, words hidden too.
    # JSON lists of strings.
    redactions_undone: str = Field(default="[]", max_length=4000)
    redactions_added: str = Field(default="[]", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def duration(self) -> float:
        return self.end_seconds - self.start_seconds


# What the API takes and gives ----------------------------------------------------------


class ClipCreate(SQLModel):
    # Bounds and lengths are checked in the service, with a message of our own.
    title: str
    request_text: str = ""
    start_seconds: float
    end_seconds: float


class ClipUpdate(SQLModel):
    """Fields left out stay. Changing the times cuts the clip again."""

    title: str | None = None
    request_text: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None


class ClipPublic(SQLModel):
    # No recording id: someone the clip is shared with learns nothing of the recording.
    id: int
    title: str
    request_text: str
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    status: ClipStatus
    progress: float
    failure_reason: str | None
    protected_status: ClipStatus | None
    protected_approved: bool
    created_at: datetime
