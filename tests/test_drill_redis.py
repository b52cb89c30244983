"""Fault drills on the Redis queue (issue 26), against a redis-server of the drill's own on a
free port (never the shared one): Redis restarted with a job queued loses no job (the
recovery loop sends again what the queue lost), and a worker SIGKILLed while it transcribes
from the Redis queue costs seconds: another worker takes the job over."""

import signal

import pytest
from fastapi.testclient import TestClient

from app.jobs.models import JobStatus
from tests.support.jobs import PrivateRedis, Workers, the_job, wait_for  # noqa: F401
from tests.support.media import FORMATS, MediaSet, long_speech
from tests.support.recordings import upload


def owner_pid(owner: str | None) -> int | None:
    return int(owner.split(":")[1]) if owner else None


@pytest.mark.slow
def test_redis_restarted_with_a_job_queued_loses_no_job(
    workers: Workers,  # noqa: F811
    private_redis: PrivateRedis,
    client: TestClient,
    media: MediaSet,
) -> None:
    assert upload(client, media.encoded(FORMATS[6])).status_code == 201
    queued = wait_for(lambda: (j := the_job()).enqueued_at is not None and j, 30, "the message")
    assert queued.status == JobStatus.queued
    private_redis.stop()  # memory only: the message is gone with it
    private_redis.start()
    workers.start(SPARRING_QUEUE_URL=private_redis.url, SPARRING_REQUEUE_AFTER_SECONDS="2")
    done = wait_for(
        lambda: (j := the_job()).status in (JobStatus.succeeded, JobStatus.failed) and j,
        180,
        "the job to run after the restart",
    )
    assert done.status == JobStatus.succeeded, done.last_error
    assert done.attempts == 1


@pytest.mark.slow
def test_a_worker_killed_on_the_redis_queue_is_taken_over(
    workers: Workers,  # noqa: F811
    private_redis: PrivateRedis,
    client: TestClient,
    media: MediaSet,
) -> None:
    assert upload(client, long_speech(media, repeats=4)).status_code == 201
    pool = [workers.start(SPARRING_QUEUE_URL=private_redis.url) for _ in range(2)]
    running = wait_for(
        lambda: (j := the_job()).stage == "transcribe" and j, 180, "transcription under way"
    )
    victim = next(p for p in pool if p.pid == owner_pid(running.lease_owner))
    survivor = next(p for p in pool if p is not victim)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    done = wait_for(
        lambda: (j := the_job()).status in (JobStatus.succeeded, JobStatus.failed) and j,
        300,
        "the other worker to finish the job",
    )
    assert done.status == JobStatus.succeeded, done.last_error
    assert done.attempts == 2 and owner_pid(done.claimed_by) == survivor.pid
