"""Every change to a job is fenced by its claim: the two races the review found, on both
databases, driven through the real worker code (run_job, the reaper, the pipeline)."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import select

from app.core.config import settings
from app.core.db import get_engine, session_scope
from app.jobs import service as job_service
from app.jobs.models import JobStatus
from app.recordings.models import Recording
from app.transcripts.models import Segment, Transcript
from tests.support import stored
from tests.support.jobs import claimed_upload, count, expire_lease, the_job
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from workers import pipeline, tasks
from workers.tasks import run_job


def recording() -> Recording:
    with session_scope() as session:
        found = session.exec(select(Recording)).one()
        session.expunge(found)
        return found


@contextmanager
def paused_before_first_update(
    thread_name: str, resume: threading.Event
) -> Iterator[threading.Event]:
    """Holds the named thread just before its first UPDATE reaches the database (after it
    has read what it is about to change) until `resume` is set; yields 'it has paused'."""
    paused = threading.Event()
    engine = get_engine()

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.current_thread().name != thread_name or paused.is_set():
            return
        if statement.lstrip().upper().startswith("UPDATE"):
            paused.set()
            assert resume.wait(60), "the other side never finished"

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield paused
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def queued_job(client: TestClient, media: MediaSet) -> int:
    """Upload a recording; the id of the job it queued."""
    assert upload(client, media.encoded(FORMATS[6])).status_code == 201
    job_id = the_job().id
    assert job_id is not None
    return job_id


def test_reaper_does_not_requeue_a_job_that_just_succeeded(
    db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reaper reads an expired lease, the worker then succeeds, then the reaper writes."""
    # No heartbeat during the run: one that lands between expiring the lease and the
    # reaper's read would renew it, and the reaper would find nothing to reap.
    monkeypatch.setattr(settings, "job_heartbeat_seconds", 3600.0)
    job_id = queued_job(client, media)
    worker_done = threading.Event()
    reaper = threading.Thread(target=lambda: _reap_once(), name="reaper-under-test", daemon=True)
    real_process = pipeline.process

    def slow_worker(**kwargs: Any) -> None:
        real_process(**kwargs)
        # The heartbeat was late: the lease ran out just as the work finished, and the
        # reaper has already read the job as expired when the worker writes its success.
        expire_lease(job_id)
        reaper.start()
        assert paused.wait(60)

    monkeypatch.setattr(pipeline, "process", slow_worker)
    with paused_before_first_update("reaper-under-test", worker_done) as paused:
        assert run_job(job_id) == "succeeded"
        worker_done.set()
        reaper.join(60)
    job = the_job()
    assert job.status == JobStatus.succeeded, job
    assert recording().status == "ready"
    assert count(Transcript) == 1


def _reap_once() -> None:
    tasks.reap_expired()


def take_over(job_id: int, owner: str = "worker-b") -> None:
    """Another worker claims the job after this one's lease ran out."""
    expire_lease(job_id)
    assert tasks.claim_job(job_id, owner=owner) is not None


def test_worker_that_lost_its_job_cannot_requeue_the_new_owners_run(
    db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker A stalls, B takes the job over, then A's attempt fails: A changes nothing."""
    job_id = queued_job(client, media)

    def stalled_then_broken(**kwargs: Any) -> None:
        take_over(job_id)
        raise RuntimeError("worker A's attempt broke after it lost the job")

    monkeypatch.setattr(pipeline, "process", stalled_then_broken)
    assert run_job(job_id) == "lease-lost"
    job = the_job()
    assert (job.status, job.lease_owner, job.attempts) == (JobStatus.running, "worker-b", 2)
    assert job.last_error is None
    assert recording().status == "processing" and recording().failure_reason is None


def test_worker_that_lost_its_job_cannot_fail_or_finish_it(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """Every write of the old claim is refused once a new claim holds the job."""
    job_id = queued_job(client, media)
    old = tasks.claim_job(job_id, owner="worker-a")
    assert old is not None
    take_over(job_id)
    with session_scope() as session:
        assert not job_service.renew_lease(session=session, claim=old)
        assert not job_service.report_progress(
            session=session, claim=old, stage="transcribe", progress=0.5
        )
        assert job_service.record_failure(session=session, claim=old, reason="old") is None
        assert not job_service.fail_now(session=session, claim=old, reason="old")
        assert not job_service.succeed(session=session, claim=old)
    job = the_job()
    assert (job.status, job.lease_owner, job.progress, job.last_error) == (
        JobStatus.running,
        "worker-b",
        0.0,
        None,
    )
    assert recording().status == "processing"


def test_results_are_written_only_while_the_claim_is_held(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """The pipeline's transcript write checks the claim in its own transaction."""
    created, old = claimed_upload(client, media.encoded(FORMATS[6]), owner="worker-a")
    job_id = old.job_id
    hold: Callable[[Any], None] = lambda session: job_service.hold(session=session, claim=old)  # noqa: E731
    reports: list[str] = []

    def report(stage: str, fraction: float) -> None:
        # The heartbeat has not noticed yet: the takeover happens during transcription.
        if stage == "transcribe" and not reports:
            reports.append(stage)
            take_over(job_id)

    with pytest.raises(job_service.LeaseLost):
        pipeline.process(recording_id=created["id"], report=report, hold=hold, tag=old.tag)
    assert (count(Transcript), count(Segment)) == (0, 0)
    leftovers = list((settings.media_dir / created["id"]).glob(".*.tmp"))
    assert leftovers == [] and stored.files_under(settings.work_dir) == []
