"""Job kinds: a kind registered in one module is claimed and run by the real worker and its
subject follows it; a kind no module registered is refused clearly and left for a worker
that knows it."""

from typing import TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.core.db import session_scope
from app.jobs import queue
from app.jobs import service as job_service
from app.jobs.models import CUT_CLIP, PROCESS_RECORDING, Job, JobStatus
from app.media.probe import probe
from app.recordings import service as recording_service
from app.recordings import storage
from app.recordings.models import Recording
from tests.support import length_kind, stored
from tests.support.factories import ready_recording
from tests.support.jobs import Workers, expire_lease, wait_for
from tests.support.media import MediaSet
from workers import kinds, tasks
from workers.tasks import run_job

T = TypeVar("T")


def queue_job(recording_id: str, kind: str) -> int:
    """A job of `kind` on the recording, as the web app would make one (its recording shows
    it queued), sent to the queue."""
    with session_scope() as session:
        job = job_service.create(session=session, recording_id=recording_id, kind=kind)
        recording_service.follow_job(session=session, state=job_service.queued_state(job))
        assert job.id is not None
        job_id = job.id
    queue.enqueue(job_id)
    return job_id


def fetched(model: type[T], key: object) -> T:
    """The row as the database holds it now, usable after the session ends."""
    with session_scope() as session:
        row = session.get(model, key)
        assert row is not None
        session.expunge(row)
        return row


def job(job_id: int) -> Job:
    return fetched(Job, job_id)


def measured(recording_id: str) -> float:
    """The length the kind should write: what ffprobe says, to a tenth."""
    with stored.local_file(recording_id, storage.ORIGINAL) as original:
        return round(probe(original).duration, 1)


def recording(recording_id: str) -> Recording:
    return fetched(Recording, recording_id)


@pytest.mark.slow
def test_a_kind_registered_in_its_own_module_runs_in_the_real_worker(
    workers: Workers, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, seconds=20)
    job_id = queue_job(recording_id, length_kind.MEASURE_LENGTH)
    assert recording(recording_id).status == "queued"  # the subject followed its new job

    workers.start(SPARRING_WORKER_KIND_MODULES=length_kind.__name__)
    done = wait_for(
        lambda: (j := job(job_id)).status in (JobStatus.succeeded, JobStatus.failed) and j,
        120,
        "the worker to run the measure_length job",
    )
    assert done.status == JobStatus.succeeded, done.last_error
    assert (done.kind, done.attempts, done.progress, done.stage) == (
        length_kind.MEASURE_LENGTH,
        1,
        1.0,
        "done",
    )
    assert length_kind.result_of(recording_id) == f"{measured(recording_id):.1f}"
    shown = recording(recording_id)
    assert (shown.status, shown.progress, shown.failure_reason) == ("ready", 1.0, None)


def test_a_registered_kind_runs_in_process_and_its_subject_follows(
    db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, seconds=5)
    job_id = queue_job(recording_id, length_kind.MEASURE_LENGTH)
    assert run_job(job_id) == "succeeded"
    assert length_kind.result_of(recording_id) == f"{measured(recording_id):.1f}"
    assert recording(recording_id).status == "ready"


def test_a_kind_that_fails_for_good_fails_its_subject(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = ready_recording(client, media, seconds=5)
    job_id = queue_job(recording_id, length_kind.MEASURE_LENGTH)
    stored.remove(recording_id, storage.ORIGINAL)
    assert run_job(job_id) == "failed"
    shown = recording(recording_id)
    assert shown.status == "failed" and shown.failure_reason == job(job_id).last_error
    assert length_kind.result_of(recording_id) is None


def test_an_unknown_kind_is_refused_clearly_and_left_queued(
    db: str, client: TestClient, media: MediaSet, caplog: pytest.LogCaptureFixture
) -> None:
    recording_id = ready_recording(client, media, seconds=5)
    with session_scope() as session:
        made = job_service.create(session=session, recording_id=recording_id, kind="blur_faces")
        job_id = made.id
    assert job_id is not None

    with pytest.raises(kinds.UnknownKind) as refused:
        kinds.get("blur_faces")
    assert "'blur_faces'" in str(refused.value) and PROCESS_RECORDING in str(refused.value)

    assert run_job(job_id) == "unknown-kind"
    assert "blur_faces" in caplog.text
    left = job(job_id)
    assert (left.status, left.attempts, left.lease_owner) == (JobStatus.queued, 0, None)
    assert recording(recording_id).status == "ready"  # nothing it does not know is shown

    # Claimed by a worker that knows the kind and died: this worker's reaper leaves it too.
    with session_scope() as session:
        session.execute(update(Job).where(col(Job.id) == job_id).values(status=JobStatus.running))
    expire_lease(job_id)
    assert tasks.reap_expired() == []
    assert job(job_id).status == JobStatus.running


def test_a_second_kind_under_a_taken_name_is_refused() -> None:
    taken = kinds.get(CUT_CLIP)
    assert kinds.register(taken) is taken  # the same kind again (a module imported twice)
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register(kinds.Kind(CUT_CLIP, run=lambda work: None, follow=taken.follow))
    assert kinds.get(CUT_CLIP) is taken
