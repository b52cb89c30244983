"""Queue tasks: plain functions that load by id; tests call them directly."""

import logging
import os
import socket
import threading
from datetime import timedelta

from app.core.config import settings
from app.core.db import session_scope
from app.jobs import service as job_service
from workers import pipeline
from workers.queue import huey

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker took the job over: stop without writing anything more."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Heartbeat(threading.Thread):
    """Renews the job's lease while the work runs, so the reaper leaves it alone."""

    def __init__(self, job_id: int, owner: str) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id, self.owner = job_id, owner
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(settings.job_heartbeat_seconds):
            try:
                with session_scope() as session:
                    if not job_service.renew_lease(
                        session=session, job_id=self.job_id, owner=self.owner
                    ):
                        self.lost.set()
                        return
            except Exception:  # a database blip: try again next beat
                log.exception("heartbeat for job %s failed", self.job_id)


def run_job(job_id: int) -> str:
    """Claim a job, run its pipeline under a lease, and record the outcome."""
    owner = worker_id()
    with session_scope() as session:
        job = job_service.claim(session=session, job_id=job_id, owner=owner)
        if job is None:
            return "not-claimed"
        recording_id, attempt = job.recording_id, job.attempts
    heartbeat = Heartbeat(job_id, owner)
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
            if not job_service.report_progress(
                session=session, job_id=job_id, owner=owner, stage=stage, progress=fraction
            ):
                raise LeaseLost()

    try:
        pipeline.process(recording_id=recording_id, report=report)
        with session_scope() as session:
            job = job_service.get_owned(session=session, job_id=job_id, owner=owner)
            if job is None:
                return "lease-lost"
            job_service.succeed(session=session, job=job)
        return "succeeded"
    except LeaseLost:
        log.warning("job %s was taken over by another worker", job_id)
        return "lease-lost"
    except pipeline.PermanentFailure as exc:
        with session_scope() as session:
            job_service.fail_now(session=session, job_id=job_id, reason=str(exc))
        return "failed"
    except Exception as exc:
        log.exception("job %s attempt %s failed", job_id, attempt)
        with session_scope() as session:
            retry = job_service.record_failure(session=session, job_id=job_id, reason=str(exc))
        if retry:
            from workers.queue import enqueue_processing

            enqueue_processing(job_id, delay=min(settings.job_retry_delay_seconds * attempt, 60.0))
            return "retrying"
        return "failed"
    finally:
        heartbeat.stopped.set()


def recover() -> list[int]:
    """Give expired leases to a live worker and resend queued jobs the queue lost."""
    from workers.queue import enqueue_processing

    with session_scope() as session:
        job_ids = job_service.reap_expired(session=session)
        job_ids += job_service.stale_queued(
            session=session, older_than=timedelta(seconds=settings.requeue_after_seconds)
        )
    for job_id in job_ids:
        enqueue_processing(job_id)
    return job_ids


@huey.task()
def process_recording(job_id: int) -> str:
    return run_job(job_id)
