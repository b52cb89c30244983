"""Leases, heartbeats and the reaper: how a job survives a worker that dies."""

from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.core.config import settings
from app.core.timeutil import utcnow
from app.jobs.models import Job, JobStatus
from app.recordings.models import Recording, RecordingStatus


def create(*, session: Session, recording_id: str) -> Job:
    """Add a queued job for a recording."""
    job = Job(recording_id=recording_id, max_attempts=settings.job_max_attempts)
    session.add(job)
    session.flush()
    return job


def claim(*, session: Session, job_id: int, owner: str) -> Job | None:
    """Take the job if it is queued or its lease ran out; None if someone else holds it."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id)
        .where(
            or_(
                col(Job.status) == JobStatus.queued,
                (col(Job.status) == JobStatus.running) & (col(Job.lease_expires_at) < now),
            )
        )
        .where(col(Job.attempts) < col(Job.max_attempts))
        .values(
            status=JobStatus.running,
            attempts=Job.attempts + 1,  # type: ignore[operator]
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=settings.job_lease_seconds),
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    recording = session.get(Recording, job.recording_id)
    if recording is not None:
        recording.status = RecordingStatus.processing
        recording.failure_reason = None
        recording.updated_at = now
    return job


def renew_lease(*, session: Session, job_id: int, owner: str) -> bool:
    """Push the lease forward; False if the job is no longer ours."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.lease_owner) == owner)
        .where(col(Job.status) == JobStatus.running)
        .values(lease_expires_at=now + timedelta(seconds=settings.job_lease_seconds))
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def report_progress(
    *, session: Session, job_id: int, owner: str, stage: str, progress: float
) -> bool:
    """Write progress on the job and its recording; False if the lease was lost."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.lease_owner != owner or job.status != JobStatus.running:
        return False
    now = utcnow()
    job.stage, job.progress, job.updated_at = stage, progress, now
    recording = session.get(Recording, job.recording_id)
    if recording is not None:
        recording.stage, recording.progress, recording.updated_at = stage, progress, now
    return True


def succeed(*, session: Session, job: Job) -> None:
    """Mark the job and its recording done."""
    now = utcnow()
    job.status, job.progress, job.stage = JobStatus.succeeded, 1.0, "done"
    job.lease_owner, job.lease_expires_at, job.finished_at, job.updated_at = None, None, now, now
    recording = session.get(Recording, job.recording_id)
    if recording is not None:
        recording.status, recording.progress, recording.stage = RecordingStatus.ready, 1.0, None
        recording.updated_at = now


def record_failure(*, session: Session, job_id: int, reason: str) -> bool:
    """Note a failed attempt; True when the job should be tried again."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return False
    now = utcnow()
    job.last_error = reason[:1000]
    job.lease_owner, job.lease_expires_at, job.updated_at = None, None, now
    recording = session.get(Recording, job.recording_id)
    if job.attempts < job.max_attempts:
        job.status = JobStatus.queued
        if recording is not None:
            recording.status, recording.stage = RecordingStatus.queued, "retrying"
        return True
    job.status, job.finished_at = JobStatus.failed, now
    if recording is not None:
        recording.status = RecordingStatus.failed
        recording.failure_reason = reason[:1000]
        recording.updated_at = now
    return False


def reap_expired(*, session: Session) -> list[int]:
    """Hand jobs whose lease ran out back to the queue, or fail them after the last attempt."""
    now = utcnow()
    expired = session.exec(
        select(Job).where(Job.status == JobStatus.running, col(Job.lease_expires_at) < now)
    ).all()
    requeued: list[int] = []
    for job in expired:
        assert job.id is not None
        reason = job.last_error or "Behandlingen stoppede uventet (arbejdsprocessen døde)."
        if record_failure(session=session, job_id=job.id, reason=reason):
            requeued.append(job.id)
    return requeued


def stale_queued(*, session: Session, older_than: timedelta) -> list[int]:
    """Queued jobs nobody picked up (the queue lost the message): send them again."""
    cutoff = utcnow() - older_than
    jobs = session.exec(
        select(Job).where(Job.status == JobStatus.queued, col(Job.updated_at) < cutoff)
    ).all()
    for job in jobs:
        job.updated_at = utcnow()
    return [job.id for job in jobs if job.id is not None]


def get_owned(*, session: Session, job_id: int, owner: str) -> Job | None:
    """The job if this worker still holds its lease."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.lease_owner != owner or job.status != JobStatus.running:
        return None
    return job


def fail_now(*, session: Session, job_id: int, reason: str) -> None:
    """End the job as failed whatever attempts are left (the input itself is broken)."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is not None:
        job.attempts = job.max_attempts
        record_failure(session=session, job_id=job_id, reason=reason)
