"""Running a job: claim it, run its kind's runner under a lease, record the outcome.

Plain functions that load by id; tests call them directly. Every change to a job is made
together with its subject's (the follower of its kind, `workers.kinds`) in one transaction.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Collection

from sqlmodel import Session, select

from app.core import logs
from app.core.config import settings
from app.core.db import session_scope
from app.jobs import presence, queue
from app.jobs import service as job_service
from app.jobs.models import JobStatus
from app.jobs.service import Claim, JobState, LeaseLost
from app.recordings.models import Recording
from workers import failures, kinds

# The built-in kinds: each module registers its own on import (further ones: `kinds.load`).
from workers import clips, insight, pipeline, protect  # noqa: F401  isort: skip

log = logging.getLogger(__name__)

__all__ = ["LeaseLost", "claim_job", "reap_expired", "recover", "run_job", "worker_id"]


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def process_id() -> str:
    """This worker process, as its presence row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def offer() -> presence.Offer:
    """What this worker process offers: its models, device and compute type."""
    return presence.Offer(
        worker=process_id(),
        models=tuple(settings.offered_models()),
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
    )


class Heartbeat(threading.Thread):
    """Renews the job's lease while the work runs, so the reaper leaves it alone; sets
    `lost` when the job is no longer ours, which stops the work (and kills its ffmpeg) at
    its next progress check."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{claim.job_id}")
        self.claim = claim
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(settings.job_heartbeat_seconds):
            try:
                with session_scope() as session:
                    if not job_service.renew_lease(session=session, claim=self.claim):
                        self.lost.set()
                        return
            except Exception:  # a database blip: try again next beat
                log.exception("heartbeat for job %s failed", self.claim.job_id)


def _follow(session: Session, state: JobState | None) -> JobState | None:
    """The job's subject follows its change (made in this same transaction)."""
    if state is not None:
        kinds.get(state.kind).follow(session=session, state=state)
    return state


def claim_job(job_id: int, owner: str, models: Collection[str] | None = None) -> Claim | None:
    """Take the job (None if another worker holds it, or it needs a model not in `models`);
    its subject shows it is processing."""
    with session_scope() as session:
        taken = job_service.claim(session=session, job_id=job_id, owner=owner, models=models)
        if taken is not None:
            _follow(session, taken.state)
    return taken


def reap_expired() -> list[int]:
    """Jobs whose worker stopped renewing its lease go back to the queue (or fail after
    their last attempt), their recordings with them; returns the ids queued again."""
    with session_scope() as session:
        # Another kind's job (a newer worker's) is left to a worker whose subject follows it.
        states = job_service.reap_expired(session=session, kinds=kinds.known())
        for state in states:
            _follow(session, state)
    return [state.job_id for state in states if state.status == JobStatus.queued]


def run_job(job_id: int) -> str:
    """Claim a job, run its kind's runner under a lease, and record the outcome; its log
    lines carry the job, its recording and the request that made the job."""
    with session_scope() as session:
        origin = job_service.origin(session=session, job_id=job_id)
    if origin is None:
        return "not-claimed"
    kind_name, recording_id, request_id = origin
    with logs.context(request_id=request_id, job_id=job_id, recording_id=recording_id):
        began = time.monotonic()
        outcome = _run(job_id, kind_name)
        log.info(
            "job %s (%s): %s after %.1f s",
            job_id,
            kind_name,
            outcome,
            time.monotonic() - began,
            extra={"kind": kind_name, "outcome": outcome},
        )
        return outcome


def _run(job_id: int, kind_name: str) -> str:
    try:
        kind = kinds.get(kind_name)
    except kinds.UnknownKind as exc:
        # Left queued, attempts untouched: a worker that knows the kind (a newer release
        # in a rolling upgrade) takes it.
        log.error("job %s not taken: %s", job_id, exc)
        return "unknown-kind"
    claim = claim_job(job_id, worker_id(), settings.offered_models())
    if claim is None:
        return "not-claimed"
    log.info("job %s (%s) claimed, attempt %s", job_id, kind_name, claim.attempt)
    heartbeat = Heartbeat(claim)
    heartbeat.start()
    last_written: list[tuple[str, float]] = [("", -1.0)]

    def report(stage: str, fraction: float) -> None:
        if heartbeat.lost.is_set():
            raise LeaseLost()
        # A new stage always; within a stage at most every half percent.
        last_stage, last_fraction = last_written[0]
        if stage == last_stage and fraction - last_fraction < 0.005:
            return
        last_written[0] = (stage, fraction)
        with session_scope() as session:
            state = job_service.report_progress(
                session=session, claim=claim, stage=stage, progress=fraction
            )
            if _follow(session, state) is None:
                raise LeaseLost()

    def hold(session: Session) -> None:
        job_service.hold(session=session, claim=claim)

    try:
        kind.run(kinds.Work(claim=claim, report=report, hold=hold))
        with session_scope() as session:
            if _follow(session, job_service.succeed(session=session, claim=claim)) is None:
                raise LeaseLost()
        return "succeeded"
    except LeaseLost:
        log.warning("job %s was taken over by another worker", job_id)
        return "lease-lost"
    except failures.PermanentFailure as exc:
        log.warning("job %s failed for good: %s", job_id, exc)
        with session_scope() as session:
            _follow(session, job_service.fail_now(session=session, claim=claim, reason=exc.reason))
        return "failed"
    except Exception as exc:
        # The detail is for the log; the job and its recording keep a message key only.
        log.exception("job %s attempt %s failed", job_id, claim.attempt)
        reason = failures.NO_SPACE if failures.is_disk_full(exc) else failures.UNEXPECTED
        state = _record_failure(claim, reason)
        if state is None:
            return "lease-lost"
        if state.status == JobStatus.queued:
            delay = min(settings.job_retry_delay_seconds * claim.attempt, 60.0)
            try:
                queue.enqueue(job_id, delay=delay)
            except Exception:  # the recovery loop sends it once the queue is back
                log.exception("could not queue job %s for a retry", job_id)
            return "retrying"
        return "failed"
    finally:
        heartbeat.stopped.set()


def _record_failure(claim: Claim, reason: str) -> JobState | None:
    """Write the failed attempt; on a full disk the first tries may fail too (the attempt's
    own temporary files are gone by now, and other writers may free space): a few tries,
    then the lease lapses and the reaper hands the job on once it can write again."""
    for pause in (0.0, 1.0, 2.0, 4.0):
        time.sleep(pause)
        try:
            with session_scope() as session:
                state = job_service.record_failure(session=session, claim=claim, reason=reason)
                return _follow(session, state)
        except Exception:
            log.exception("could not record the failure of job %s", claim.job_id)
    return None


def fall_back() -> list[int]:
    """With `whisper_model_fallback` on: queued jobs whose model no live worker has offered
    for `whisper_model_fallback_seconds` go to this worker's model for their language (or
    its first), noting the model they wanted; returns their ids (to send)."""
    if not settings.whisper_model_fallback:
        return []
    mine = settings.offered_models()
    moved: list[int] = []
    with session_scope() as session:
        live = presence.live_models(session=session) or set(mine)
        waiting = job_service.stranded(
            session=session,
            live_models=live,
            waited_seconds=settings.whisper_model_fallback_seconds,
        )
        for job_id, wanted, recording_id in waiting:
            language = session.exec(
                select(Recording.language).where(Recording.id == recording_id)
            ).first()
            model = settings.whisper_model_for(language)
            model = model if model in mine else mine[0]
            if job_service.fall_back(session=session, job_id=job_id, wanted=wanted, model=model):
                log.warning(
                    "job %s: no live worker has %s; falling back to %s", job_id, wanted, model
                )
                moved.append(job_id)
    return moved


def recover() -> list[int]:
    """Give expired leases to a live worker, fall back where allowed, and send queued jobs
    the queue never got (or lost), each to its model's queue; a job the queue will not take
    now stays unsent and is tried on the next pass."""
    reaped = reap_expired() + fall_back()
    with session_scope() as session:
        live = presence.live_models(session=session)
        unsent = job_service.unsent(session=session, live_models=live)
        job_ids = reaped + [i for i in unsent if i not in reaped]
        # Low-priority work (an administrator's "transcribe again" of many) while idle.
        room = settings.worker_threads
        job_ids += job_service.feed_held(session=session, room=room, live_models=live)
    sent: list[int] = []
    for job_id in job_ids:
        try:
            queue.enqueue(job_id)
        except Exception as exc:
            log.warning("queue unreachable, job %s stays unsent for now: %s", job_id, exc)
            break
        sent.append(job_id)
    return sent


# This process runs the jobs its queue consumer takes.
queue.set_runner(run_job)
