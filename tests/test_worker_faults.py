"""Faults in the worker's own machine: ffmpeg drowning in errors or running away, a lost
lease while ffmpeg runs, a full disk. Each ends the job with a reason, in bounded time."""

import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ffmpeg
import pytest
from fastapi.testclient import TestClient

from app.core.config import settings
from app.core.db import get_engine
from app.jobs import reasons
from app.jobs.models import JobStatus
from app.jobs.service import LeaseLost
from tests.support.database import migrate
from tests.support.jobs import Workers, the_job, wait_for  # noqa: F401
from tests.support.media import FORMATS, MediaSet, run
from tests.support.recordings import upload
from workers import failures, media
from workers.tasks import run_job


def damaged_middle(media_set: MediaSet) -> Path:
    """A video whose start and end are sound (it passes the upload checks) but whose middle
    is sprinkled with random bytes: transcoding it makes ffmpeg print hundreds of KB of
    decoding errors."""

    def make(path: Path) -> None:
        sound = path.with_name(f"{path.stem}-sound.mp4")
        run(
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=50",
            "-stream_loop", "-1", "-i", str(media_set.speech()),
            "-t", "40", "-map", "0:v", "-map", "1:a",
            # MPEG-4 Part 2 video: not H.264, so the worker must decode it to transcode.
            "-c:v", "mpeg4", "-q:v", "5", "-c:a", "aac", "-movflags", "+faststart",
            str(sound),
        )  # fmt: skip
        data = bytearray(sound.read_bytes())
        rng = random.Random(6)
        for offset in range(len(data) * 25 // 100, len(data) * 75 // 100, 200):
            data[offset : offset + 32] = rng.randbytes(32)
        path.write_bytes(bytes(data))
        sound.unlink()

    return media_set.made("damaged-middle.mp4", make)


@pytest.mark.slow
def test_file_that_floods_ffmpeg_with_errors_ends_in_bounded_time(
    workers: Workers,  # noqa: F811
    client: TestClient,
    media: MediaSet,
) -> None:
    damaged = damaged_middle(media)
    # What makes it a hazard: far more error output than a pipe holds (64 KiB).
    errors = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(damaged), "-f", "null", "-"],
        capture_output=True,
        check=False,
    ).stderr
    assert len(errors) > 200_000, len(errors)
    response = upload(client, damaged)
    assert response.status_code == 201, response.text  # it passes the upload checks
    started = time.monotonic()
    workers.start()
    done = wait_for(
        lambda: (j := the_job()).status in (JobStatus.succeeded, JobStatus.failed) and j,
        240,
        "the damaged recording to be ready or failed",
    )
    elapsed = time.monotonic() - started
    recording = client.get(f"/api/v1/recordings/{response.json()['id']}").json()
    print(
        f"\ndamaged-middle file ({len(errors) // 1024} KiB of ffmpeg errors): "
        f"{recording['status']} after {elapsed:.1f} s; reason: {recording['failure_reason']}"
    )
    assert recording["status"] in ("ready", "failed")
    if recording["status"] == "failed":
        assert recording["failure_reason"], done


def slow_source(seconds: int, target: Path) -> Any:
    """An ffmpeg run that takes `seconds` of wall time (-re reads its input in real time)."""
    source = ffmpeg.input(f"sine=frequency=440:duration={seconds}", f="lavfi", re=None)
    return source.output(str(target), format="wav").overwrite_output()


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every ffmpeg child run_ffmpeg starts, to see that it is gone afterwards."""
    children: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = real(*args, **kwargs)
        children.append(child)
        return child

    monkeypatch.setattr(media.subprocess, "Popen", recording_popen)
    yield children
    for child in children:
        if child.poll() is None:
            child.kill()


def test_ffmpeg_run_past_its_deadline_is_killed(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "ffmpeg_timeout_base_seconds", 1.0)
    monkeypatch.setattr(settings, "ffmpeg_timeout_per_media_second", 0.1)
    assert media.ffmpeg_timeout(10.0) == pytest.approx(2.0)  # grows with the duration
    with pytest.raises(media.MediaError) as caught:
        media.run_ffmpeg(slow_source(60, tmp_path / "out.wav"), duration=10.0)
    assert caught.value.kind == "timeout"
    assert [child.returncode for child in spawned] == [-9]  # SIGKILL: nothing left running
    reason = failures.media_failure(caught.value, "x")
    assert isinstance(reason, failures.PermanentFailure)
    assert reasons.key_of(reason.reason) == "failure.timeout"
    assert "for lang tid" in (reasons.describe(reason.reason, "da") or "")


def test_ffmpeg_is_killed_when_the_job_is_lost(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    calls: list[float] = []

    def on_progress(fraction: float) -> None:
        calls.append(fraction)
        if len(calls) == 2:  # the heartbeat found the lease gone
            raise LeaseLost()

    with pytest.raises(LeaseLost):
        media.run_ffmpeg(slow_source(60, tmp_path / "out.wav"), 60.0, on_progress)
    assert [child.returncode for child in spawned] == [-9]


@pytest.fixture
def small_disk(sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 4 MB filesystem of its own as the data folder: database, uploads and media."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    url = f"sqlite:///{mount / 'videosparring.db'}"
    try:
        migrate(url)
        monkeypatch.setattr(settings, "database_url", url)
        monkeypatch.setitem(settings.__dict__, "resolved_data_dir", mount)
        yield mount
    finally:
        monkeypatch.undo()
        engine = get_engine.__globals__["_engines"].pop(url, None)
        if engine is not None:
            engine.dispose()
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk until only `leave` bytes are free."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


def test_full_disk_fails_the_attempt_with_a_reason_and_leaves_no_temporary_file(
    small_disk: Path, client: TestClient, media: MediaSet
) -> None:
    created = upload(client, media.encoded(FORMATS[5])).json()
    folder = settings.media_dir / created["id"]
    assert folder.is_relative_to(small_disk)
    # Room for a little, not for the extracted audio (16 kHz PCM, ~330 KB here): enough for
    # the database to write the attempt's end once ffmpeg's partial file is gone (SQLite's
    # log takes whole 4 KiB pages of the job row, the recording row and their indexes).
    fill(small_disk, leave=160 * 1024)
    job_id = the_job().id
    assert job_id is not None

    # ffmpeg fills the disk; its partial file goes, which frees the room to say why.
    assert run_job(job_id) == "retrying"
    assert sorted(p.name for p in folder.iterdir()) == ["original"]  # no temporary file
    job = the_job()
    assert job.status == JobStatus.queued and reasons.key_of(job.last_error) == "failure.no_space"
    recording = client.get(f"/api/v1/recordings/{created['id']}").json()
    assert (recording["status"], recording["stage"]) == ("queued", "retrying")
    assert reasons.key_of(recording["failure_reason"]) == "failure.no_space"

    (small_disk / "filler").unlink()  # an administrator made room
    page = client.get(f"/recordings/{created['id']}").text  # (viewing it writes to the disk)
    assert "prøves igen" in page and "ikke plads på serveren" in page
    assert run_job(job_id) == "succeeded"
    recording = client.get(f"/api/v1/recordings/{created['id']}").json()
    assert recording["status"] == "ready" and recording["failure_reason"] is None
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
