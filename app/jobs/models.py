"""A job row is the source of truth for work: the queue only carries its id."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


# The built-in kinds of work: a new upload's pipeline (audio, transcript, renditions), a
# clip's file. The worker maps each kind to what runs it (`workers.kinds`).
PROCESS_RECORDING = "process_recording"
CUT_CLIP = "cut_clip"
# A ready recording heard again into a new version of its transcript.
TRANSCRIBE_AGAIN = "transcribe_again"
# Who speaks, the adult's question types and the conversation's figures (app/insight), after
# each transcription and again when a person changes the words.
ANALYSE_CONVERSATION = "analyse_conversation"
# A clip's protected variant for a team (app.clips.protection): faces blurred, names muted.
PROTECT_CLIP = "protect_clip"


class Job(Numbered, table=True):
    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    kind: str = Field(default=PROCESS_RECORDING, max_length=32)
    # A clip job names its clip; a recording's own job has none. No foreign key: clips sit
    # above jobs, and a job whose clip is gone ends without work.
    clip_id: int | None = Field(default=None, index=True)
    # One of an administrator's many "transcribe again" jobs: held back from the queue
    # until no other work waits (low priority), then fed a few at a time.
    batch_id: int | None = Field(default=None, index=True)
    held_back: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    status: JobStatus = Field(default=JobStatus.queued, max_length=16, index=True)
    # The speech model the job needs, as the settings name it (a recording's job: its
    # language's); only a worker that offers it claims the job. None: any worker (a clip's).
    model: str | None = Field(default=None, max_length=255)
    # Set when no live worker offered `model` and a worker fell back to `model` instead:
    # the model that was wanted.
    fallback_from: str | None = Field(default=None, max_length=255)
    attempts: int = 0
    max_attempts: int = 3
    lease_owner: str | None = Field(default=None, max_length=128)
    # Who made the latest claim (host:pid:thread), kept once the job ends: which worker ran it.
    claimed_by: str | None = Field(default=None, max_length=128)
    # A fresh random token per claim: every later change names it, so a worker whose lease
    # was taken over (or the reaper, after a success) cannot overwrite the current state.
    claim_token: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = Field(default=None, index=True)
    progress: float = 0.0
    stage: str | None = Field(default=None, max_length=32)
    # A message key with parameters (app.jobs.reasons), never free text.
    last_error: str | None = Field(default=None, max_length=1000)
    # When the queue last accepted a message for this job; None: not sent yet (the queue was
    # down at the time), so the recovery loop sends it within seconds.
    enqueued_at: datetime | None = None
    # The request that made the job (its X-Request-ID): the worker's log lines for the job
    # carry it. None: made outside a request (the reaper, the command line).
    request_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    # When the current attempt was claimed: with the progress since, it gives the time left.
    started_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class WorkerPresence(SQLModel, table=True):
    """A live worker process and what it offers; refreshed by its reaper loop, removed when
    it stops cleanly, and counted as gone once `seen_at` is older than the settings say."""

    __tablename__ = "worker_presence"

    id: str = Field(primary_key=True, max_length=128)  # host:pid
    models: str = Field(max_length=4000)  # a JSON list of model names
    device: str = Field(max_length=16)
    compute_type: str = Field(max_length=32)
    started_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime = Field(default_factory=utcnow, index=True)
