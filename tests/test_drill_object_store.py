"""Fault drill (issue 26): the object store stops during an upload and during playback. The
drill starts a SeaweedFS of its own on free loopback ports (never the shared one) and an
app that keeps its media there, stops the store and starts it again (same data folder):
- an upload while it is down gets a 503 a person can act on, and nothing is kept (no
  recording, no job, no file in the data folder); once it is back, the same upload works;
- a resumable upload whose store stops in the middle of a request: that request and the
  next fail with a 503 and the offset stays where it was; once the store is back the upload
  goes on from that offset into a recording with the file's bytes, nothing left over;
- a range request for a recording's media while the store is down: a 503 at once, not a
  cut-off or hanging answer; once it is back, the same range."""

import contextlib
import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import Job
from app.media import objects
from app.recordings.models import Recording
from app.uploads import service as upload_service
from app.uploads import spool
from app.uploads.models import ResumableUpload
from tests.support import tus
from tests.support.accounts import live_client
from tests.support.factories import ready_recording
from tests.support.media import FORMATS, MediaSet
from tests.support.own_seaweed import BUCKET, OwnSeaweed, media_in, own_seaweed
from tests.support.recordings import CONSENT, upload
from tests.support.servers import app_env, read_http_response, serving, wait_until

PART = 5 * 1024 * 1024  # the least S3 takes: a 14 MB file makes parts and a remainder
DOWN = "Mediearkivet kan ikke nås lige nu"


@pytest.fixture
def store(sqlite_db: str, tmp_path: Path) -> Iterator[OwnSeaweed]:
    """The drill's own SeaweedFS, running, and this process's media kept there."""
    with own_seaweed(tmp_path / "seaweed") as server, media_in(server):
        yield server


@pytest.fixture
def app_base(store: OwnSeaweed) -> Iterator[str]:
    """The app under uvicorn on the tests' database, keeping its media in the drill's store."""
    env = app_env(
        SPARRING_DATABASE_URL=settings.sqlalchemy_url,
        SPARRING_UPLOAD_PART_BYTES=str(PART),
        **store.env(),
    )
    with serving(env) as base:
        yield base


def counts() -> tuple[int, int]:
    """How many recordings and jobs the database holds."""
    with session_scope() as session:
        recordings = session.exec(select(func.count()).select_from(Recording)).one()
        jobs = session.exec(select(func.count()).select_from(Job)).one()
        return recordings, jobs


def data_files() -> list[str]:
    """Every file in the data folder but the database's own (an upload's spool, scratch)."""
    root = settings.resolved_data_dir
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith("videosparring.db")
    )


def refused_as_down(answer: httpx.Response) -> None:
    """A 503 that says what happened and what to do, in the reader's language."""
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "media.unavailable"
    assert DOWN in answer.json()["detail"]
    assert int(answer.headers["retry-after"]) > 0


def test_an_upload_while_the_store_is_down_keeps_nothing_and_works_once_it_is_back(
    store: OwnSeaweed, app_base: str, media: MediaSet
) -> None:
    client = live_client(app_base, timeout=60)
    recording = media.encoded(FORMATS[6])
    before, files_before = counts(), data_files()

    store.stop()
    refused_as_down(upload(client, recording, title="Under nedbrud"))
    # The page's form (no JavaScript): the message in the form, the fields filled in again.
    with recording.open("rb") as file:
        page = client.post(
            "/recordings/new",
            data={"title": "Under nedbrud", "case_reference": "SAG-2026-001",
                  "language": "en", **CONSENT},
            files={"file": (recording.name, file, "application/octet-stream")},
        )  # fmt: skip
    assert page.status_code == 503
    assert DOWN in page.text and 'value="Under nedbrud"' in page.text
    assert "Traceback" not in page.text
    assert counts() == before  # no recording, no job
    assert data_files() == files_before  # no spool or scratch file left in the data folder
    # The process lives; a load balancer sends no one here while the store is down.
    assert client.get("/livez").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert not {c["name"]: c for c in ready.json()["checks"]}["media_store"]["ok"]

    store.start()
    wait_until(lambda: client.get("/readyz").status_code == 200, 30, "/readyz to pass again")
    again = upload(client, recording, title="Efter nedbrud")
    assert again.status_code == 201, again.text
    recording_id = again.json()["id"]
    assert store.read(f"{recording_id}/original") == recording.read_bytes()
    assert counts() == (before[0] + 1, before[1] + 1)


def _parts_in(server: OwnSeaweed, key: str) -> int:
    """The parts the store holds of unjoined multipart uploads under `key`."""
    s3 = server.client()
    uploads = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads", [])
    return sum(
        len(s3.list_parts(Bucket=BUCKET, Key=key, UploadId=u["UploadId"]).get("Parts", []))
        for u in uploads
    )


def _patch_head(client: httpx.Client, url: str, offset: int, length: int) -> bytes:
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return (
        f"PATCH {url} HTTP/1.1\r\nHost: {client.base_url.netloc.decode()}\r\n"
        f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nContent-Length: {length}\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {client.headers['x-csrf-token']}\r\n\r\n"
    ).encode()


@pytest.mark.slow
def test_a_resumable_upload_cut_off_by_the_store_goes_on_once_it_is_back(
    store: OwnSeaweed, app_base: str, media: MediaSet
) -> None:
    client = live_client(app_base, timeout=60)
    data = media.tone(36).read_bytes()
    assert len(data) > 2 * PART + 1000
    url = tus.created(client, len(data), tus.recording_fields("nedbrud.wav"))
    start = PART // 3  # a remainder, waiting in the bucket for the next request
    assert tus.patch(client, url, 0, data[:start]).status_code == 204
    with session_scope() as session:
        row = session.get(ResumableUpload, url.rsplit("/", 1)[1])
        assert row is not None
        key = f"{row.recording_id}/original"
    before, files_before = counts(), data_files()

    # The store stops in the middle of a request: its first part is in, the rest is not.
    address = urlsplit(app_base)
    assert address.hostname is not None and address.port is not None
    rest = data[start:]
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(_patch_head(client, url, start, len(rest)) + rest[: PART + 1000 - start])
        wait_until(lambda: _parts_in(store, key) >= 1, 60, "the request's first part stored")
        store.stop()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # answered early
            sock.sendall(rest[PART + 1000 - start :])
        status, head, body = read_http_response(sock)
    assert status == 503, body
    assert b"media.unavailable" in body and DOWN.encode() in body
    headers = head.decode().lower()
    assert "tus-resumable: 1.0.0" in headers and f"upload-offset: {start}\r" in headers
    assert tus.offset_of(client, url) == start  # nothing of the cut request counts
    # The next request while it is down: refused the same way, nothing moves.
    small = tus.patch(client, url, start, data[start : start + 1000])
    refused_as_down(small)
    assert small.headers["upload-offset"] == str(start)
    assert tus.offset_of(client, url) == start
    assert counts() == before and data_files() == files_before

    store.start()
    assert tus.offset_of(client, url) == start
    done = tus.patch(client, url, start, rest)
    assert done.status_code == 204, done.text
    recording = client.get(done.headers["recording-location"]).json()
    assert recording["sha256"] == hashlib.sha256(data).hexdigest()
    assert store.read(key) == data
    # Nothing half-stored is left: no remainder, no part of the request the store cut off.
    assert store.keys("uploads/") == [] and store.unjoined() == []
    assert store.keys(recording["id"]) == [key]
    assert counts() == (before[0] + 1, before[1] + 1)


def test_a_resumable_upload_cancelled_while_the_store_is_down_goes_and_its_bytes_are_swept(
    store: OwnSeaweed, app_base: str, media: MediaSet
) -> None:
    client = live_client(app_base, timeout=60)
    data = media.tone(36).read_bytes()
    url = tus.created(client, len(data), tus.recording_fields("fortrudt.wav"))
    assert tus.patch(client, url, 0, data[: PART + PART // 3]).status_code == 204
    assert store.keys("uploads/") != [] or store.unjoined() != []  # bytes wait in the bucket
    before = counts()
    store.stop()
    cancelled = client.delete(url, headers={"Tus-Resumable": "1.0.0"})
    assert cancelled.status_code == 204, cancelled.text  # the person's cancel is done
    assert tus.head(client, url).status_code == 404
    assert counts() == before
    store.start()
    # What the store kept has no upload any more: the sweep takes it.
    with session_scope() as session:
        live = {u.id for u in session.exec(select(ResumableUpload)).all()}
    spool.strays(live, set(), min_age_seconds=0)
    assert store.keys("uploads/") == [] and store.unjoined() == []


def test_playback_while_the_store_is_down_is_refused_at_once_and_works_once_it_is_back(
    store: OwnSeaweed, app_base: str, media: MediaSet
) -> None:
    client = live_client(app_base, timeout=30)  # a request left hanging fails the test
    recording_id = ready_recording(client, media, seconds=20)
    original = store.read(f"{recording_id}/original")
    address = f"/api/v1/recordings/{recording_id}/media"
    wanted = {"Range": "bytes=1000-4999"}
    played = client.get(address, headers=wanted)
    assert played.status_code == 206 and played.content == original[1000:5000]

    store.stop()
    refused_as_down(client.get(address, headers=wanted))
    refused_as_down(client.get(address))  # the whole file too

    store.start()
    again = client.get(address, headers=wanted)
    assert again.status_code == 206, again.text
    assert again.headers["content-range"] == f"bytes 1000-4999/{len(original)}"
    assert again.content == original[1000:5000]


@pytest.mark.slow
def test_a_store_that_hangs_is_given_up_on_in_seconds_and_nothing_is_kept(
    store: OwnSeaweed, media: MediaSet
) -> None:
    """Not down but hanging (a frozen VM, a full disk under the store): the app waits
    SPARRING_S3_TIMEOUT_SECONDS for each answer, then says the store cannot be reached."""
    env = app_env(SPARRING_DATABASE_URL=settings.sqlalchemy_url, **store.env(),
                  SPARRING_S3_TIMEOUT_SECONDS="3")  # fmt: skip
    with serving(env) as base:
        client = live_client(base, timeout=60)  # a request left hanging fails the test
        recording_id = ready_recording(client, media, seconds=20)
        address = f"/api/v1/recordings/{recording_id}/media"
        wanted = {"Range": "bytes=1000-4999"}
        before, files_before = counts(), data_files()
        store.freeze()
        try:
            refused_as_down(client.get(address, headers=wanted))
            refused_as_down(upload(client, media.encoded(FORMATS[6]), title="Hængt"))
            assert counts() == before and data_files() == files_before
            assert client.get("/readyz").status_code == 503
        finally:
            store.thaw()
        again = client.get(address, headers=wanted)
        assert again.status_code == 206, again.text
        assert again.content == store.read(f"{recording_id}/original")[1000:5000]


def test_a_store_gone_while_a_finished_upload_is_checked_says_so_and_keeps_nothing(
    store: OwnSeaweed, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last byte is in and the file is whole in the store; the store goes away while the
    file is read back to be checked. The person is told the store cannot be reached (not that
    the file is no media), nothing is kept, and the bytes go once the store is back."""
    source = media.encoded(FORMATS[6])
    data = source.read_bytes()
    url = tus.created(client, len(data), tus.recording_fields(source.name))
    with session_scope() as session:
        row = session.get(ResumableUpload, url.rsplit("/", 1)[1])
        assert row is not None
        recording_id = row.recording_id
    real = upload_service.recordings.inspect_media

    def store_gone_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        store.stop()
        return real(*args, **kwargs)

    monkeypatch.setattr(upload_service.recordings, "inspect_media", store_gone_first)
    before, files_before = counts(), data_files()
    refused_as_down(tus.patch(client, url, 0, data))
    assert tus.head(client, url).status_code == 404  # the upload ended: the page starts anew
    assert counts() == before and data_files() == files_before

    monkeypatch.undo()
    store.start()
    assert store.keys(recording_id) != []  # the file, whole, with no recording
    objects.sweep(min_age_seconds=0)  # the hourly sweep, now
    assert store.keys(recording_id) == []
