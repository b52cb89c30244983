"""Jobs survive dead workers, give up after the set attempts, and never duplicate results."""

import re
import signal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs import reasons
from app.jobs import service as job_service
from app.jobs.models import JobStatus
from app.recordings.models import Recording
from app.transcripts.models import Segment, Transcript, Word
from tests.support.jobs import Workers, count, expire_lease, process_queued_jobs, the_job, wait_for
from tests.support.media import FORMATS, MediaSet, long_speech
from tests.support.recordings import upload
from workers import pipeline, tasks
from workers.tasks import run_job


@pytest.mark.slow
def test_worker_killed_mid_transcription_is_taken_over(
    workers: Workers, client: TestClient, media: MediaSet
) -> None:
    assert upload(client, long_speech(media, repeats=4)).status_code == 201
    first = workers.start()
    wait_for(
        lambda: (j := the_job()).stage == "transcribe" and j.progress > 0.15,
        120,
        "transcription to be under way",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed = the_job()
    assert killed.status == JobStatus.running and killed.attempts == 1
    # What it had heard is stored (readers saw it grow); the next worker carries on after it.
    with session_scope() as session:
        heard = session.exec(select(Segment.id).order_by(Segment.position)).all()

    workers.start()  # its reaper finds the expired lease and takes the job
    done = wait_for(
        lambda: (j := the_job()).status in (JobStatus.succeeded, JobStatus.failed) and j,
        180,
        "the second worker to finish",
    )
    assert done.status == JobStatus.succeeded, done.last_error
    assert done.attempts == 2
    assert count(Transcript) == 1
    with session_scope() as session:
        positions = session.exec(select(Segment.position).order_by(Segment.position)).all()
        starts = session.exec(select(Segment.start).order_by(Segment.position)).all()
        ids = session.exec(select(Segment.id).order_by(Segment.position)).all()
    assert positions == list(range(len(positions))) and len(positions) >= 7
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert ids[: len(heard)] == heard  # kept, not heard again


@pytest.mark.slow
def test_job_failing_every_time_ends_failed_after_max_attempts(
    workers: Workers, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The web app names the model the worker has (a job goes only to a worker with it).
    monkeypatch.setattr(settings, "whisper_model", "/nonexistent/whisper-model")
    created = upload(client, media.encoded(FORMATS[5])).json()
    workers.start(
        SPARRING_WHISPER_MODEL="/nonexistent/whisper-model", SPARRING_JOB_MAX_ATTEMPTS="3"
    )
    done = wait_for(lambda: (j := the_job()).status == JobStatus.failed and j, 60, "failure")
    assert done.attempts == 3
    # The detail is in the worker's log; the job and the recording keep a message key.
    assert reasons.key_of(done.last_error) == "failure.unexpected"
    recording = client.get(f"/api/v1/recordings/{created['id']}").json()
    assert recording["status"] == "failed"
    assert reasons.key_of(recording["failure_reason"]) == "failure.unexpected"
    assert "nonexistent" not in recording["failure_reason"]
    assert count(Segment) == 0


def test_broken_file_fails_at_once_with_a_reason(
    db: str, client: TestClient, media: MediaSet
) -> None:
    """A file that passed the upload checks but breaks in the worker: failed, not retried."""
    created = upload(client, media.encoded(FORMATS[0])).json()
    original = settings.media_dir / created["id"] / "original"
    original.write_bytes(original.read_bytes()[:2000])  # the disk lost most of it
    assert process_queued_jobs() == ["failed"]
    job = the_job()
    assert job.status == JobStatus.failed and job.attempts == job.max_attempts
    recording = client.get(f"/api/v1/recordings/{created['id']}").json()
    assert recording["status"] == "failed"
    assert reasons.key_of(recording["failure_reason"]) == "failure.corrupt"
    page = client.get(f"/recordings/{created['id']}").text
    assert "beskadiget eller ufuldstændig" in page
    # No server path, no words of ffmpeg's.
    assert str(settings.media_dir) not in page
    assert not re.search(r"moov|Invalid data|ffmpeg|ffprobe", page, re.IGNORECASE)


def test_running_a_job_twice_keeps_one_result(db: str, client: TestClient, media: MediaSet) -> None:
    created = upload(client, media.encoded(FORMATS[6])).json()
    assert process_queued_jobs() == ["succeeded"]
    segments, words = count(Segment), count(Word)
    assert segments >= 2 and words > segments
    job = the_job()
    assert run_job(job.id) == "not-claimed"  # a duplicate queue message does nothing
    # The pipeline itself, run again over the same recording, replaces rather than adds.
    pipeline.process(recording_id=created["id"], report=lambda stage, fraction: None)
    assert (count(Transcript), count(Segment), count(Word)) == (1, segments, words)


def test_reaper_requeues_expired_lease_and_fails_after_last_attempt(
    db: str, client: TestClient, media: MediaSet
) -> None:
    recording_id = upload(client, media.encoded(FORMATS[6])).json()["id"]
    job_id = the_job().id
    for attempt in range(1, settings.job_max_attempts + 1):
        claimed = tasks.claim_job(job_id, owner=f"dead-{attempt}")
        assert claimed is not None and claimed.attempt == attempt
        # A second worker cannot take a job whose lease is live.
        assert tasks.claim_job(job_id, owner="other") is None
        expire_lease(job_id)
        requeued = tasks.reap_expired()
        assert requeued == ([job_id] if attempt < settings.job_max_attempts else [])
        if requeued:  # the page says why nothing moves, not a frozen percentage
            page = client.get(f"/recordings/{recording_id}").text
            assert "venter på en ledig plads i behandlingen" in page and " %" not in page
    job = the_job()
    assert job.status == JobStatus.failed
    with session_scope() as session:
        recording = session.exec(select(Recording)).one()
        assert recording.status == "failed"
        assert reasons.key_of(recording.failure_reason) == "failure.worker_died"


def test_progress_is_written_while_work_goes_on(
    sqlite_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(client, long_speech(media, repeats=3))
    seen: list[tuple[str, float]] = []
    real = job_service.report_progress

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        ok = real(**kwargs)
        seen.append((kwargs["stage"], kwargs["progress"]))
        return ok

    monkeypatch.setattr(job_service, "report_progress", spy)
    assert process_queued_jobs() == ["succeeded"]
    stages = [stage for stage, _ in seen]
    assert stages.index("audio") < stages.index("transcribe") < stages.index("poster")
    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions)
    # Moves during transcription: beyond its start and end, at least one step in between
    # (the batched pipeline reports once per 30-second clip of speech).
    during = [fraction for stage, fraction in seen if stage == "transcribe"]
    assert len(set(during)) >= 3, seen
