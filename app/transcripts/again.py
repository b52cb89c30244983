"""Transcribe a recording again: a new version of its transcript, heard by the model its
language has now; the current version stays until the new one is whole, and is kept.

A recording's owner asks for one; an administrator asks for many at once (by language and
upload dates) after installing a better model: those jobs go to the queue only while no
other work waits (`app.jobs.service.feed_held`), so new uploads come first."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from babel.numbers import format_percent
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.config import settings
from app.core.errors import BadInput, Conflict
from app.core.i18n import N_
from app.core.timeutil import local_zone
from app.jobs import service as job_service
from app.jobs.models import TRANSCRIBE_AGAIN, Job, JobStatus
from app.recordings import service as recording_service
from app.recordings.models import Recording, RecordingStatus
from app.transcripts import service
from app.transcripts.models import BatchCreate, TranscriptBatch

# A job that has not ended.
BUSY = (JobStatus.queued, JobStatus.running)


def latest(*, session: Session, recording_id: str) -> Job | None:
    """The recording's newest "transcribe again" job (what its page says about it)."""
    return job_service.newest(session=session, recording_id=recording_id, kind=TRANSCRIBE_AGAIN)


def pending(*, session: Session, recording_id: str) -> Job | None:
    """The recording's "transcribe again" job that has not ended, if any (one at a time:
    it is the newest)."""
    job = latest(session=session, recording_id=recording_id)
    return job if job is not None and job.status in BUSY else None


def queue_one(*, session: Session, recording: Recording) -> Job:
    """A job that hears the ready recording again into a new version; one at a time."""
    if recording.status != RecordingStatus.ready:
        raise Conflict(
            N_("Only a recording that is ready can be transcribed again."),
            code="transcript.not_ready",
        )
    if pending(session=session, recording_id=recording.id) is not None:
        raise Conflict(
            N_("The recording is already being transcribed again."),
            code="transcript.again_pending",
        )
    job = recording_service.new_job(session=session, recording=recording, kind=TRANSCRIBE_AGAIN)
    assert job.id is not None
    job_service.send_after_commit(session, job.id)
    return job


def follow(*, session: Session, state: job_service.JobState) -> None:
    """The recording keeps its status and current transcript throughout; a version that
    failed for good is removed (it never became the transcript)."""
    if state.status == JobStatus.failed:
        session.execute(
            service.delete_versions_query(recording_id=state.recording_id, job_id=state.job_id)
        )


# Many recordings at once, by an administrator ------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    batch: TranscriptBatch
    total: int
    done: int
    failed: int
    running: int


def candidates(
    *, session: Session, language: str, uploaded_from: date, uploaded_to: date
) -> list[Recording]:
    """Ready recordings in `language` uploaded between the two days (both included), but
    not one already being transcribed again."""
    busy = select(Job.recording_id).where(Job.kind == TRANSCRIBE_AGAIN, col(Job.status).in_(BUSY))
    # The days as the municipality reads them (times are stored in UTC).
    start = datetime.combine(uploaded_from, time.min, local_zone()).astimezone(UTC)
    end = datetime.combine(uploaded_to + timedelta(days=1), time.min, local_zone()).astimezone(UTC)
    return list(
        session.exec(
            select(Recording)
            .where(
                Recording.language == language,
                Recording.status == RecordingStatus.ready,
                col(Recording.created_at) >= start,
                col(Recording.created_at) < end,
                ~col(Recording.id).in_(busy),
            )
            .order_by(col(Recording.created_at))
        ).all()
    )


def queue_batch(
    *, session: Session, form: BatchCreate, language: str, by: int | None
) -> TranscriptBatch:
    """A job for each ready recording in the language (`language`: the form's, checked)
    and date range (not one already being transcribed again), held back and fed to the
    queue at low priority."""
    uploaded_from, uploaded_to = form.uploaded_from, form.uploaded_to
    if uploaded_to < uploaded_from:
        raise BadInput(
            N_("The last upload day comes before the first."), code="transcript.batch_dates"
        )
    found = candidates(
        session=session, language=language, uploaded_from=uploaded_from, uploaded_to=uploaded_to
    )
    if not found:
        raise Conflict(
            N_("No ready recording in that language was uploaded in those days."),
            code="transcript.batch_empty",
        )
    batch = TranscriptBatch(
        language=language,
        uploaded_from=uploaded_from,
        uploaded_to=uploaded_to,
        model_name=settings.whisper_model_for(language),
        requested_by_id=by,
    )
    session.add(batch)
    session.flush()
    for recording in found:  # held back: fed to the queue while it is idle
        recording_service.new_job(
            session=session, recording=recording, kind=TRANSCRIBE_AGAIN, batch_id=batch.id
        )
    return batch


def progress(*, session: Session, batch: TranscriptBatch) -> BatchProgress:
    counts = dict(
        session.exec(  # type: ignore[call-overload]
            select(Job.status, func.count()).where(Job.batch_id == batch.id).group_by(Job.status)
        ).all()
    )
    return BatchProgress(
        batch=batch,
        total=sum(counts.values()),
        done=counts.get(JobStatus.succeeded, 0),
        failed=counts.get(JobStatus.failed, 0),
        running=counts.get(JobStatus.running, 0),
    )


def batches(*, session: Session, limit: int = 20) -> list[BatchProgress]:
    rows = session.exec(
        select(TranscriptBatch).order_by(col(TranscriptBatch.id).desc()).limit(limit)
    ).all()
    return [progress(session=session, batch=b) for b in rows]


class VersionLink(NamedTuple):
    """A version in the details' list of them."""

    version: int
    model: str
    current: bool


@dataclass(frozen=True)
class AgainView:
    """What the recording's caseworker sees of "transcribe again" under the player: the
    model the language has now, their latest such job, and lines still offered."""

    model: str
    job: Job | None
    offers: int
    lang: str

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.status in (JobStatus.queued, JobStatus.running)

    @property
    def started(self) -> bool:
        return self.job is not None and self.job.status == JobStatus.running

    @property
    def failed(self) -> bool:
        return self.job is not None and self.job.status == JobStatus.failed

    @property
    def percent(self) -> str:
        return format_percent(self.job.progress if self.job else 0.0, locale=self.lang)


def panel_data(*, session: Session, recording: Recording, own: bool, lang: str) -> dict:
    """The details panel's transcript part: how the current version was heard, every
    version, and (for the caseworker) transcribing it again."""
    current = service.get(session=session, recording_id=recording.id)
    if current is None:
        return {"provenance": None, "details": [], "versions": [], "again": None}
    versions = [
        VersionLink(t.version, service.model_words(t.model_name), t.id == current.id)
        for t in service.versions(session=session, recording_id=recording.id)
        if t.complete
    ]
    view = None
    if own:
        model = service.model_words(settings.whisper_model_for(recording.language))
        job = latest(session=session, recording_id=recording.id)
        view = AgainView(model, job, service.offers_left(session=session, transcript=current), lang)
    return {
        "provenance": service.provenance(current, lang),
        "details": service.provenance_details(current, lang),
        "versions": versions,
        "again": view,
    }
