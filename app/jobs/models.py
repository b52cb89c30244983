"""A job row is the source of truth for work: the queue only carries its id."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="process_recording", max_length=32)
    status: JobStatus = Field(default=JobStatus.queued, max_length=16, index=True)
    attempts: int = 0
    max_attempts: int = 3
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: datetime | None = Field(default=None, index=True)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
