"""A dead worker costs seconds, not minutes: the drill with the default settings, and the
`videosparring worker` command that starts its worker process again."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.jobs.models import JobStatus
from tests.support import ROOT
from tests.support.jobs import Workers, the_job, wait_for  # noqa: F401
from tests.support.media import (
    MediaSet,
    long_speech,  # noqa: F401
)
from tests.support.recordings import upload

# The conftest makes leases and the reaper fast for the other tests; the drill takes them out.
FAST_TEST_SETTINGS = (
    "SPARRING_JOB_LEASE_SECONDS",
    "SPARRING_JOB_HEARTBEAT_SECONDS",
    "SPARRING_REAPER_INTERVAL_SECONDS",
    "SPARRING_JOB_RETRY_DELAY_SECONDS",
)


def owner_pid(owner: str | None) -> int | None:
    """The process id in a lease owner (`host:pid:thread`)."""
    return int(owner.split(":")[1]) if owner else None


@pytest.mark.slow
def test_dead_workers_job_runs_again_on_another_worker_with_default_settings(
    workers: Workers,  # noqa: F811
    client: TestClient,
    media: MediaSet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in FAST_TEST_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()
    assert (
        defaults.job_lease_seconds
        + defaults.reaper_interval_seconds
        + (defaults.queue_poll_seconds)
        < 30
    )  # what the defaults promise
    assert upload(client, long_speech(media, repeats=4)).status_code == 201
    pool = [workers.start(), workers.start()]
    # Killed as soon as it transcribes: what it has heard by then does not change the drill
    # (tests/test_jobs.py kills one between two clips and checks the takeover's result).
    running = wait_for(
        lambda: (j := the_job()).stage == "transcribe" and j,
        180,
        "transcription to be under way",
    )
    victim = next(p for p in pool if p.pid == owner_pid(running.lease_owner))
    survivor = next(p for p in pool if p is not victim)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(10)
    taken = wait_for(
        lambda: (
            (j := the_job()).status == JobStatus.running
            and owner_pid(j.lease_owner) == survivor.pid
            and j
        ),
        120,
        "the other worker to run the job",
    )
    elapsed = time.monotonic() - killed_at
    print(f"\ndead worker drill (default settings): job running again after {elapsed:.1f} s")
    assert taken.attempts == 2


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_worker_command_starts_its_worker_again_when_it_dies(sqlite_db: str) -> None:
    from app.core.config import settings

    env = {**os.environ, "SPARRING_DATABASE_URL": settings.sqlalchemy_url}
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = wait_for(lambda: children(supervisor.pid), 60, "the worker process")[0]
        os.kill(first, signal.SIGKILL)
        second = wait_for(
            lambda: [c for c in children(supervisor.pid) if c != first], 60, "a new worker"
        )[0]
        assert alive(second) and supervisor.poll() is None
        supervisor.terminate()  # stopping the command stops its worker too
        assert supervisor.wait(30) == 0
        wait_for(lambda: not alive(second), 30, "the worker to stop with the command")
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
