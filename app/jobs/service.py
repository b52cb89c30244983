"""Leases, claims and the reaper: how a job survives a worker that dies.

Each function here writes the job row only; it returns the job's new state, and the caller
hands that to the follower of the job's kind (the worker's `workers.kinds`) in the same
transaction, so the job's subject (its recording, or for a clip job its clip) always shows
what its job is doing.

Each claim gets its own random token. Every later change to the job (progress, results,
success, failure, the reaper's requeue) is one conditional UPDATE that names the token and
the running status, so only the current holder can make it: a worker whose lease was taken
over, or a reaper racing a success, changes nothing.
"""

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, cast, func, literal, or_, update
from sqlmodel import Session, col, select

from app.core import logs
from app.core.config import settings
from app.core.db import after_commit
from app.core.timeutil import utcnow
from app.jobs import reasons
from app.jobs.models import PROCESS_RECORDING, Job, JobStatus

# What the recording shows while its job waits for a worker after a worker died.
WAITING = "waiting"
DIED = reasons.encode("failure.worker_died")


@dataclass(frozen=True)
class JobState:
    """A job's state just after a change: what its subject shows follows from it."""

    job_id: int
    recording_id: str
    status: JobStatus
    kind: str  # whose follower the subject is updated by
    stage: str | None = None
    progress: float | None = None
    reason: str | None = None
    clip_id: int | None = None  # a clip job: the clip follows it, not the recording


# A job let go: no worker holds it, no token fences it.
RELEASED: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "claim_token": None}


class LeaseLost(Exception):
    """Another worker took the job over (or it ended): stop without writing anything more."""


@dataclass(frozen=True)
class Claim:
    """One worker's hold on one job; the token fences every write it makes."""

    job_id: int
    token: str
    recording_id: str
    attempt: int
    kind: str
    clip_id: int | None = None
    model: str | None = None  # the speech model to use (None: the job needs none)
    fallback_from: str | None = None  # the model wanted, where no live worker had it

    @property
    def state(self) -> JobState:
        """The state the claim put the job in: running, any earlier failure cleared."""
        return self.now(JobStatus.running)

    def now(self, status: JobStatus, **more: Any) -> JobState:
        """The job's state after a change its holder made."""
        return JobState(
            self.job_id, self.recording_id, status, self.kind, clip_id=self.clip_id, **more
        )

    @property
    def tag(self) -> str:
        """A short name for this claim's temporary files."""
        return self.token[:12]


# What a claim reads back from the job it took.
CLAIMED = ("recording_id", "attempts", "kind", "clip_id", "model", "fallback_from")


def create(
    *,
    session: Session,
    recording_id: str,
    kind: str,
    clip_id: int | None = None,
    batch_id: int | None = None,
    model: str | None = None,
) -> Job:
    """Add a queued job of `kind` for a recording, or for one of its clips; one that names
    a speech `model` goes only to a worker that offers it; one of a batch's is held back
    from the queue until `feed_held` lets it go."""
    job = Job(
        recording_id=recording_id,
        kind=kind,
        max_attempts=settings.job_max_attempts,
        clip_id=clip_id,
        batch_id=batch_id,
        held_back=batch_id is not None,
        model=model,
        request_id=logs.request_id.get(),
    )
    session.add(job)
    session.flush()
    return job


def newest(*, session: Session, recording_id: str, kind: str) -> Job | None:
    """The recording's newest job of `kind` (what its page says about that work)."""
    return session.exec(
        select(Job)
        .where(Job.recording_id == recording_id, Job.kind == kind)
        .order_by(col(Job.id).desc())
    ).first()


def request_once(*, session: Session, recording_id: str, kind: str) -> Job:
    """A job of `kind` for the recording, sent once this transaction commits; one still
    waiting in the queue will do (it reads the newest state when it runs), so none is added."""
    waiting = session.exec(
        select(Job)
        .where(Job.recording_id == recording_id, Job.kind == kind, Job.status == JobStatus.queued)
        .limit(1)
    ).first()
    if waiting is not None:
        return waiting
    job = create(session=session, recording_id=recording_id, kind=kind)
    assert job.id is not None
    send_after_commit(session, job.id)
    return job


def send_after_commit(session: Session, job_id: int) -> None:
    """Send the job to its queue once the session has committed (a worker must find its
    row); a queue that is down then is logged, and the worker's recovery loop sends it."""

    def send() -> None:
        from app.jobs import queue  # opens its store (a file when embedded) when first used

        queue.enqueue(job_id)

    after_commit(session, send)


def queued_state(job: Job) -> JobState:
    """A new job's state: what its recording shows until a worker takes it."""
    assert job.id is not None
    return JobState(
        job_id=job.id,
        recording_id=job.recording_id,
        status=JobStatus.queued,
        kind=job.kind,
        clip_id=job.clip_id,
    )


def latest(*, session: Session, recording_ids: list[str]) -> dict[str, Job]:
    """Each recording's newest processing job, the one its status follows (a clip's job is
    the clip's, a "transcribe again" leaves the recording as it is)."""
    if not recording_ids:
        return {}
    rows = session.exec(
        select(Job)
        .where(col(Job.recording_id).in_(recording_ids), Job.kind == PROCESS_RECORDING)
        .order_by(col(Job.id))
    ).all()
    return {job.recording_id: job for job in rows}


def origin(*, session: Session, job_id: int) -> tuple[str, str, str | None] | None:
    """The job's kind, recording and the request that made it (None: no such job); none
    of them changes once the job is made."""
    row = session.exec(
        select(Job.kind, Job.recording_id, Job.request_id).where(Job.id == job_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def _held(job_id: int, token: str) -> ColumnElement[bool]:
    return and_(
        col(Job.id) == job_id,
        col(Job.claim_token) == token,
        col(Job.status) == JobStatus.running,
    )


def _status_if(condition: ColumnElement[bool], then: JobStatus, otherwise: JobStatus) -> Any:
    # Cast: PostgreSQL's enum column does not take a CASE of plain text.
    status_type = Job.__table__.c.status.type  # type: ignore[attr-defined]
    return cast(case((condition, then.value), else_=otherwise.value), status_type)


def model_of(*, session: Session, job_id: int) -> str | None:
    """The speech model the job needs (None: any worker can run it)."""
    return session.exec(select(Job.model).where(Job.id == job_id)).first()


def offered(models: Collection[str] | None) -> ColumnElement[bool]:
    """A job a worker offering `models` may take (None: any job, for in-process callers
    that make their own ready recordings)."""
    if models is None:
        return literal(True)
    return or_(col(Job.model).is_(None), col(Job.model).in_(list(models)))


def claim(
    *, session: Session, job_id: int, owner: str, models: Collection[str] | None = None
) -> Claim | None:
    """Take the job if it is queued or its lease ran out, and it needs no model or one of
    `models`; None if someone else holds it or it is not for this worker."""
    now = utcnow()
    token = secrets.token_hex(16)
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id)
        .where(offered(models))
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
            claimed_by=owner,
            claim_token=token,
            lease_expires_at=now + timedelta(seconds=settings.job_lease_seconds),
            started_at=now,
            progress=0.0,
            updated_at=now,
        )
        .returning(*(col(getattr(Job, name)) for name in CLAIMED))
    )
    row = result.first()
    if row is None:
        return None
    recording_id, attempt, kind, clip_id, model, fallback_from = row
    return Claim(
        job_id=job_id,
        token=token,
        recording_id=recording_id,
        attempt=attempt,
        kind=kind,
        clip_id=clip_id,
        model=model,
        fallback_from=fallback_from,
    )


def renew_lease(*, session: Session, claim: Claim) -> bool:
    """Push the lease forward; False if the job is no longer ours."""
    result = session.execute(
        update(Job)
        .where(_held(claim.job_id, claim.token))
        .values(lease_expires_at=utcnow() + timedelta(seconds=settings.job_lease_seconds))
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def hold(*, session: Session, claim: Claim) -> None:
    """Make sure the claim is still ours for the rest of this transaction (it locks the job
    row until the commit); raise LeaseLost otherwise, so the transaction rolls back."""
    if not renew_lease(session=session, claim=claim):
        raise LeaseLost()


def report_progress(
    *, session: Session, claim: Claim, stage: str, progress: float
) -> JobState | None:
    """Write progress on the job; None if the lease was lost."""
    result = session.execute(
        update(Job)
        .where(_held(claim.job_id, claim.token))
        .values(stage=stage, progress=progress, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return claim.now(JobStatus.running, stage=stage, progress=progress)


def succeed(*, session: Session, claim: Claim) -> JobState | None:
    """Mark the job done; None (nothing written) if it is not ours."""
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(_held(claim.job_id, claim.token))
        .values(
            status=JobStatus.succeeded,
            progress=1.0,
            stage="done",
            **RELEASED,
            finished_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return claim.now(JobStatus.succeeded, progress=1.0)


def _end_attempt(
    session: Session,
    fence: ColumnElement[bool],
    reason: Any,
    *,
    retry_stage: str,
    last_attempt: bool = False,
) -> JobState | None:
    """One fenced UPDATE: back to the queue if attempts are left, else failed.
    None: the fence did not match (nothing written)."""
    now = utcnow()
    retry = col(Job.attempts) < col(Job.max_attempts)
    if last_attempt:
        retry = literal(False)
    result = session.execute(
        update(Job)
        .where(fence)
        .values(
            status=_status_if(retry, JobStatus.queued, JobStatus.failed),
            attempts=case((retry, col(Job.attempts)), else_=col(Job.max_attempts)),
            finished_at=case((retry, None), else_=now),
            last_error=reason,
            **RELEASED,
            enqueued_at=None,
            updated_at=now,
        )
        .returning(
            col(Job.id),
            col(Job.status),
            col(Job.recording_id),
            col(Job.last_error),
            col(Job.kind),
            col(Job.clip_id),
        )
    )
    row = result.first()
    if row is None:
        return None
    job_id, status, recording_id, stored_reason, kind, clip_id = row
    status = JobStatus(status)
    return JobState(
        job_id=job_id,
        recording_id=recording_id,
        status=status,
        kind=kind,
        # While it waits the stage says why (a full disk: someone can act before the retry).
        stage=retry_stage if status == JobStatus.queued else None,
        reason=(stored_reason or "")[:1000] or None,
        clip_id=clip_id,
    )


def record_failure(*, session: Session, claim: Claim, reason: str) -> JobState | None:
    """Note a failed attempt: the job goes back to the queue, or fails for good after its
    last attempt. None: the job is not ours any more, so nothing was written."""
    return _end_attempt(
        session, _held(claim.job_id, claim.token), reason[:1000], retry_stage="retrying"
    )


def fail_now(*, session: Session, claim: Claim, reason: str) -> JobState | None:
    """End the job as failed whatever attempts are left (the input itself is broken)."""
    fence = _held(claim.job_id, claim.token)
    return _end_attempt(session, fence, reason[:1000], retry_stage="retrying", last_attempt=True)


def expired(
    *, session: Session, kinds: Collection[str] | None = None
) -> list[tuple[int, str | None]]:
    """Running jobs (of `kinds`, if given) whose lease ran out, with the claim each was under."""
    query = select(Job.id, Job.claim_token).where(
        Job.status == JobStatus.running, col(Job.lease_expires_at) < utcnow()
    )
    if kinds is not None:
        query = query.where(col(Job.kind).in_(kinds))
    rows = session.exec(query).all()
    return [(job_id, token) for job_id, token in rows if job_id is not None]


def reap(*, session: Session, job_id: int, token: str | None) -> JobState | None:
    """Requeue (or fail, after the last attempt) one job whose worker stopped renewing its
    lease. Fenced by the claim seen and the expired lease: a job that has since succeeded,
    been renewed or been claimed again is left alone (None)."""
    fence = and_(
        col(Job.id) == job_id,
        col(Job.status) == JobStatus.running,
        col(Job.lease_expires_at) < utcnow(),
        col(Job.claim_token).is_(None) if token is None else col(Job.claim_token) == token,
    )
    return _end_attempt(
        session, fence, func.coalesce(col(Job.last_error), DIED), retry_stage=WAITING
    )


def reap_expired(*, session: Session, kinds: Collection[str] | None = None) -> list[JobState]:
    """Hand jobs (of `kinds`, if given) whose lease ran out back to the queue, or fail them
    after the last attempt."""
    states = (
        reap(session=session, job_id=job_id, token=token)
        for job_id, token in expired(session=session, kinds=kinds)
    )
    return [state for state in states if state is not None]


def unsent(*, session: Session, live_models: Collection[str] | None = None) -> list[int]:
    """Queued jobs to send (again): never accepted by the queue (it was down when the job
    was made or requeued), or accepted long ago and never taken (the queue lost it). One
    whose model no live worker offers (`live_models`, when known) was not lost: it waits
    in its model's queue, so it is not sent again. Jobs held back for low priority are fed
    by `feed_held`."""
    now = utcnow()
    never = col(Job.enqueued_at).is_(None) & (
        col(Job.updated_at) < now - timedelta(seconds=settings.unsent_grace_seconds)
    )
    lost = col(Job.enqueued_at) < now - timedelta(seconds=settings.requeue_after_seconds)
    if live_models is not None:
        lost = lost & offered(live_models)
    rows = session.exec(
        select(Job.id)
        .where(Job.status == JobStatus.queued, ~col(Job.held_back), or_(never, lost))
        .order_by(col(Job.id))
    ).all()
    return [job_id for job_id in rows if job_id is not None]


def mark_enqueued(*, session: Session, job_id: int, at: datetime) -> None:
    """The queue accepted a message for this job (to run at `at`)."""
    session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued)
        .values(enqueued_at=at)
    )


def feed_held(
    *, session: Session, room: int, live_models: Collection[str] | None = None
) -> list[int]:
    """Batch jobs for the queue now (low priority): only while no other job waits or runs
    (one waiting for a model no live worker offers, `live_models` when known, does not
    count: it could hold the batches back for good), at most `room` of the batches' in
    flight. Returns their ids, no longer held back in this transaction; a queue that
    refuses them leaves them to the recovery loop."""
    busy = col(Job.status).in_([JobStatus.queued, JobStatus.running])
    other = col(Job.batch_id).is_(None) & busy
    if live_models is not None:
        other = other & (offered(live_models) | (col(Job.status) == JobStatus.running))
    others = session.exec(select(func.count()).select_from(Job).where(other)).one()
    if others:
        return []
    in_flight = session.exec(
        select(func.count())
        .select_from(Job)
        .where(col(Job.batch_id).is_not(None), ~col(Job.held_back), busy)
    ).one()
    free = max(room - int(in_flight), 0)
    if not free:
        return []
    ids = [
        int(i)
        for i in session.exec(
            select(Job.id)
            .where(col(Job.held_back), Job.status == JobStatus.queued)
            .order_by(col(Job.id))
            .limit(free)
        ).all()
        if i is not None
    ]
    if ids:
        session.execute(update(Job).where(col(Job.id).in_(ids)).values(held_back=False))
    return ids


def stranded(
    *, session: Session, live_models: Collection[str], waited_seconds: float
) -> list[tuple[int, str, str]]:
    """Queued jobs (id, model, recording id) whose model no live worker offers and that
    have waited at least `waited_seconds`: what a worker may fall back on."""
    before = utcnow() - timedelta(seconds=waited_seconds)
    rows = session.exec(
        select(Job.id, Job.model, Job.recording_id)
        .where(
            Job.status == JobStatus.queued,
            col(Job.model).is_not(None),
            col(Job.model).not_in(list(live_models)),
            col(Job.updated_at) < before,
        )
        .order_by(col(Job.id))
    ).all()
    return [(job_id, model, rid) for job_id, model, rid in rows if job_id and model]


def fall_back(*, session: Session, job_id: int, wanted: str, model: str) -> bool:
    """Route a queued job that waits for `wanted` to `model` instead, noting the model it
    wanted; False if it was taken or changed meanwhile."""
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued)
        .where(col(Job.model) == wanted)
        .values(model=model, fallback_from=func.coalesce(col(Job.fallback_from), wanted))
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
