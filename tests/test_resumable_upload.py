"""Resumable uploads with the tus 1.0 protocol (issue 21): the fields checked before a byte
is sent, bytes added at an offset across requests, app processes and restarts, on the data
folder and in the S3 bucket, the recording made exactly as a single-request upload makes
it, and nothing left behind by a finished, refused, cancelled or expired upload."""

import contextlib
import hashlib
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.core.config import settings
from app.core.db import session_scope
from app.core.timeutil import utcnow
from app.jobs.models import Job
from app.media import store as media_store
from app.media.store import S3Store
from app.recordings.models import Consent, Recording
from app.uploads import service as upload_service
from app.uploads import spool
from app.uploads.models import ResumableUpload
from tests.support import s3, stored, tus
from tests.support.accounts import ClientFactory, ClientFor, live_client
from tests.support.media import MediaSet
from tests.support.servers import app_env, start_server, stop, wait_until

SMALL_PART = 5 * 1024 * 1024  # the least S3 takes: a 14 MB file makes parts and remainders


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(settings, "upload_part_bytes", SMALL_PART)
    return SMALL_PART


def _left_behind() -> list[str]:
    """Anything an upload may leave: remainders and unjoined parts in the bucket, files in
    the data folder's upload spool."""
    store = media_store.current()
    if isinstance(store, S3Store):
        parts = [key for key, _, _ in store.unjoined_parts()]
        return [item.key for item in store.list(spool.UPLOADS_PREFIX)] + parts
    folder = spool.local_path("x").parent
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _rows() -> int:
    with session_scope() as session:
        return len(session.exec(select(ResumableUpload)).all())


def test_the_server_says_what_it_does_of_tus(sqlite_db: str, client: TestClient) -> None:
    answer = client.options(tus.ENDPOINT)
    assert answer.status_code == 204
    assert answer.headers["tus-version"] == "1.0.0"
    assert set(answer.headers["tus-extension"].split(",")) == {
        "creation",
        "creation-defer-length",
        "termination",
        "expiration",
    }
    assert int(answer.headers["tus-max-size"]) == settings.max_upload_bytes
    # A client of another version (or none) is told which one this server speaks.
    fields = tus.recording_fields("a.mp4")
    other = client.post(
        tus.ENDPOINT,
        headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10", **_meta(fields)},
    )
    assert other.status_code == 412 and other.headers["tus-version"] == "1.0.0"
    assert _rows() == 0


def _meta(fields: dict[str, str]) -> dict[str, str]:
    return {"Upload-Metadata": tus.metadata(fields)}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"consent_child": ""}, 422, "consent.required"),
        ({"consent_date": "2999-01-01"}, 422, "consent.bad_date"),
        ({"case_reference": "010203-1234"}, 422, "field.cpr"),
        ({"title": ""}, 422, None),
        ({"language": "xx"}, 422, "field.bad_language"),
        ({"filename": ""}, 422, "upload.bad_form"),
        ({"filename": "../etc/passwd"}, 422, "upload.bad_filename"),
        ({"delete_after": "2001-01-01"}, 422, None),
    ],
)
def test_the_fields_are_checked_when_the_upload_is_created(
    sqlite_db: str, client: TestClient, change: dict[str, str], status: int, code: str | None
) -> None:
    """The same checks as a single-request upload, answered before a byte is sent; no
    upload is made."""
    fields = tus.recording_fields("gespräch.mp4") | change
    answer = tus.create(client, 5_000_000, fields)
    assert answer.status_code == status, answer.text
    if code:
        assert answer.json()["code"] == code
    assert answer.headers["tus-resumable"] == "1.0.0"
    assert _rows() == 0


def test_length_metadata_and_role_are_checked_at_creation(
    sqlite_db: str, client: TestClient, client_for: ClientFor, open_client: ClientFactory
) -> None:
    fields = tus.recording_fields("a.mp4")
    too_large = tus.create(client, settings.max_upload_bytes + 1, fields)
    assert too_large.status_code == 413 and too_large.json()["code"] == "upload.too_large"
    assert tus.create(client, 0, fields).json()["code"] == "upload.empty"
    neither = client.post(tus.ENDPOINT, headers={**tus.TUS, **_meta(fields)})
    assert neither.status_code == 422 and neither.json()["code"] == "tus.length"
    garbled = client.post(
        tus.ENDPOINT,
        headers={**tus.TUS, "Upload-Length": "10", "Upload-Metadata": "title ***"},
    )
    assert garbled.status_code == 422 and garbled.json()["code"] == "upload.bad_form"
    # A leader uploads no recordings, resumable or not.
    leader = tus.create(client_for("leader"), 10, fields)
    assert leader.status_code == 403
    assert tus.create(open_client(), 10, fields).status_code == 401
    assert _rows() == 0


def test_an_upload_in_chunks_becomes_the_recording_on_either_store(
    store_db: str, client: TestClient, media: MediaSet, small_parts: int
) -> None:
    """Chunks that are not whole parts (remainders wait in the bucket between requests), a
    HEAD between them, a wrong offset refused with the right one; the last byte makes the
    recording as a single-request upload does, with the file's SHA-256; nothing is left."""
    data = media.tone(36).read_bytes()
    assert len(data) > 2 * small_parts
    url = tus.created(client, len(data), tus.recording_fields("Samtale.mp4"))
    assert tus.head(client, url).headers["upload-length"] == str(len(data))
    cuts = [0, small_parts // 3, small_parts + 1000, 2 * small_parts + 7, len(data)]
    for start, end in zip(cuts, cuts[1:], strict=False):
        assert tus.offset_of(client, url) == start
        answer = tus.patch(client, url, start, data[start:end])
        assert answer.status_code == 204, answer.text
        assert int(answer.headers["upload-offset"]) == end
        if end < len(data):
            assert "recording-location" not in answer.headers
            stale = tus.patch(client, url, start, data[start:end])
            assert stale.status_code == 409 and stale.headers["upload-offset"] == str(end)
    recording = client.get(answer.headers["recording-location"]).json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["size_bytes"] == len(data)
    assert recording["original_filename"] == "Samtale.mp4"
    assert recording["status"] == "queued" and recording["duration_seconds"] > 0
    assert stored.read(recording["id"], "original") == data
    with session_scope() as session:
        assert session.get(Consent, recording["id"]) is not None
        jobs = session.exec(select(Job).where(Job.recording_id == recording["id"])).all()
        assert len(jobs) == 1
    # Done: a client that lost the last answer learns it from a HEAD.
    done = tus.head(client, url)
    assert done.headers["upload-offset"] == str(len(data))
    assert done.headers["recording-location"].endswith(recording["id"])
    assert tus.patch(client, url, len(data), b"x").status_code == 409
    assert _left_behind() == []


def _unindexed_webm(media: MediaSet) -> Path:
    """A WebM as a browser's MediaRecorder sends it: written to a pipe, so with no
    duration and no cues."""

    def make(path: Path) -> None:
        speech = media.speech("en")
        with path.open("wb") as out:
            subprocess.run(
                ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                 "testsrc2=size=320x240:rate=25", "-i", str(speech), "-map", "0:v",
                 "-map", "1:a", "-shortest", "-c:v", "libvpx", "-deadline", "realtime",
                 "-b:v", "300k", "-c:a", "libopus", "-f", "webm", "pipe:1"],
                stdout=out, check=True,
            )  # fmt: skip

    return media.made("recorded-in-browser.webm", make)


def _duration_and_cues(path: Path) -> tuple[float, bool]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    duration = probe.stdout.strip()
    return (float(duration) if duration not in ("", "N/A") else 0.0), b"\x1c\x53\xbb\x6b" in (
        path.read_bytes()
    )


def test_a_recording_sent_as_it_is_made_is_stored_so_that_it_seeks(
    store_db: str, client: TestClient, media: MediaSet, small_parts: int, tmp_path: Path
) -> None:
    """Deferred length (the browser's recorder does not know it until stop): chunks every
    few seconds, the length with the last one. The WebM has no index as it comes; the
    stored original has its duration and cues."""
    source = _unindexed_webm(media)
    assert _duration_and_cues(source) == (0.0, False)
    data = source.read_bytes()
    url = tus.created(client, None, tus.recording_fields("optagelse.webm"))
    assert tus.head(client, url).headers["upload-defer-length"] == "1"
    step = len(data) // 4 + 1
    for start in range(0, len(data), step):
        end = min(start + step, len(data))
        answer = tus.patch(
            client, url, start, data[start:end], length=len(data) if end == len(data) else None
        )
        assert answer.status_code == 204, answer.text
    recording = client.get(answer.headers["recording-location"]).json()
    assert recording["duration_seconds"] == pytest.approx(_speech_seconds(media), abs=0.5)
    kept = tmp_path / "kept.webm"
    kept.write_bytes(stored.read(recording["id"], "original"))
    duration, cues = _duration_and_cues(kept)
    assert cues and duration == pytest.approx(recording["duration_seconds"], abs=0.1)
    assert recording["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    assert _left_behind() == []


def _speech_seconds(media: MediaSet) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(media.speech("en"))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout)


def test_a_file_that_is_no_recording_is_refused_at_the_end_and_nothing_stays(
    store_db: str, client: TestClient, small_parts: int
) -> None:
    data = bytes(range(256)) * 4000  # a megabyte of no media
    url = tus.created(client, len(data), tus.recording_fields("film.mp4"))
    assert tus.patch(client, url, 0, data[:500_000]).status_code == 204
    refused = tus.patch(client, url, 500_000, data[500_000:])
    assert refused.status_code == 415 and refused.json()["code"] == "upload.not_media"
    assert tus.head(client, url).status_code == 404
    with session_scope() as session:
        assert session.exec(select(Recording)).all() == []
    assert _left_behind() == [] and _rows() == 0


def test_cancelled_and_expired_uploads_leave_nothing(
    store_db: str, client: TestClient, client_for: ClientFor, small_parts: int
) -> None:
    data = bytes(700_000)
    cancelled = tus.created(client, len(data), tus.recording_fields("a.mp4"))
    abandoned = tus.created(client, len(data), tus.recording_fields("b.mp4"))
    for url in (cancelled, abandoned):
        assert tus.patch(client, url, 0, data[:300_000]).status_code == 204
    assert _left_behind() != []
    # Someone else's upload does not exist for them: no HEAD, no PATCH, no DELETE.
    other = client_for("caseworker2")
    assert tus.head(other, cancelled).status_code == 404
    assert tus.patch(other, cancelled, 300_000, data[300_000:]).status_code == 404
    assert other.delete(cancelled, headers=tus.TUS).status_code == 404
    assert client.delete(cancelled, headers=tus.TUS).status_code == 204
    assert tus.head(client, cancelled).status_code == 404
    # Nobody adds to the other one for longer than the expiry: the sweep removes it.
    assert upload_service.expire() == []
    with session_scope() as session:
        row = session.get(ResumableUpload, abandoned.rsplit("/", 1)[1])
        assert row is not None
        assert row.expires_at > utcnow() + timedelta(hours=settings.upload_expiry_hours - 1)
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert upload_service.expire() == [abandoned.rsplit("/", 1)[1]]
    assert tus.head(client, abandoned).status_code == 404
    assert _left_behind() == [] and _rows() == 0


# --- Across processes: real servers, real sockets ---------------------------------------


@contextlib.contextmanager
def _open_patch(
    client: httpx.Client, url: str, offset: int, data: bytes, send: int
) -> Iterator[socket.socket]:
    """A PATCH whose connection drops after `send` of its bytes (as on a train): headers
    for the whole body, part of it; the socket closes when the block ends."""
    base = urlsplit(str(client.base_url))
    assert base.hostname is not None and base.port is not None
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    head = (
        f"PATCH {url} HTTP/1.1\r\nHost: {base.netloc}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\nCookie: {cookie}\r\n"
        f"X-CSRF-Token: {client.headers['x-csrf-token']}\r\n\r\n"
    )
    with socket.create_connection((base.hostname, base.port)) as sock:
        sock.sendall(head.encode() + data[:send])
        yield sock


def _cut_patch(client: httpx.Client, url: str, offset: int, data: bytes, send: int) -> None:
    with _open_patch(client, url, offset, data, send):
        pass


def _leased(url: str) -> bool:
    with session_scope() as session:
        row = session.get(ResumableUpload, url.rsplit("/", 1)[1])
        return row is not None and row.lease_token is not None


def _settled(client: httpx.Client, url: str, at_least: int) -> int:
    """The offset once the cut request has kept what it got and let go of the upload."""

    def free() -> int:
        offset = tus.offset_of(client, url)
        if offset < at_least:
            return 0
        with session_scope() as session:
            row = session.get(ResumableUpload, url.rsplit("/", 1)[1])
            return offset if row is not None and row.lease_token is None else 0

    return wait_until(free, 30, "the cut request to settle")


@pytest.fixture
def two_servers(store_db: str, small_parts: int) -> Iterator[tuple[str, str]]:
    """Two app processes on the same database and store (behind one address, a load
    balancer would send a client to either)."""
    env = app_env(
        SPARRING_DATABASE_URL=settings.sqlalchemy_url,
        SPARRING_UPLOAD_PART_BYTES=str(small_parts),
        **(s3.s3_env() if store_db.startswith("s3") else {}),
    )
    first, first_base = start_server(env)
    second, second_base = start_server(env)
    try:
        yield first_base, second_base
    finally:
        stop(first, second)


def test_an_upload_goes_on_after_cuts_on_another_process_and_after_a_restart(
    store_db: str, two_servers: tuple[str, str], media: MediaSet, small_parts: int
) -> None:
    """Started on one app process, cut mid-request (what arrived is kept), continued on the
    other, cut again, and finished on a process started afterwards; the recording has the
    file's SHA-256 (the last process had to read the earlier bytes back to hash them)."""
    data = media.tone(36).read_bytes()
    first_base, second_base = two_servers
    first, second = live_client(first_base), live_client(second_base)
    url = tus.created(first, len(data), tus.recording_fields("tog.mp4"))
    _cut_patch(first, url, 0, data, send=small_parts + 5000)
    kept = _settled(second, url, at_least=small_parts)
    # The bytes that arrived are kept (socket buffers may hold back the last few).
    assert small_parts <= kept <= small_parts + 5000
    # While a request holds the upload, another one waits its turn (423, tus clients retry).
    with _open_patch(second, url, kept, data[kept:], send=1000):
        wait_until(lambda: _leased(url), 30, "the hanging request to take the upload")
        busy = tus.patch(first, url, kept, data[kept:])
        assert busy.status_code == 423 and busy.headers["tus-resumable"] == "1.0.0"
    at = _settled(first, url, at_least=kept)
    _cut_patch(second, url, at, data[at:], send=small_parts + 123)
    at = _settled(first, url, at_least=at + small_parts)
    first.close()
    second.close()
    env = app_env(
        SPARRING_DATABASE_URL=settings.sqlalchemy_url,
        **(s3.s3_env() if store_db.startswith("s3") else {}),
    )
    third, third_base = start_server(env)
    try:
        client = live_client(third_base)
        answer = tus.patch(client, url, at, data[at:])
        assert answer.status_code == 204, answer.text
        recording = client.get(answer.headers["recording-location"]).json()
        client.close()
    finally:
        stop(third)
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored.read(recording["id"], "original") == data
    assert _left_behind() == []
