"""Media in the data folder or in an S3 bucket, behind one interface: what each store keeps
and gives back, playback with ranges from either, a refused secret, an unreachable store,
and a worker that shares no folder with the web app (issue 20).

The S3 server is real: SeaweedFS, started by scripts/test on 127.0.0.1:8333."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.core.config import settings
from app.core.db import session_scope
from app.media import store as media_store
from app.media.models import MediaObject, Variant
from app.media.store import LocalStore, S3Store, StoreError, object_key
from app.recordings.models import Recording
from tests.support import ROOT, s3, stored
from tests.support.clips import make_clip
from tests.support.environment import DATA
from tests.support.factories import SPOKEN_EN, make_ready
from tests.support.jobs import PrivateRedis, wait_for
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import upload
from tests.support.servers import app_env, free_port, stop


@pytest.mark.parametrize("store_db", ["s3-postgres"], indirect=True)
def test_the_s3_server_refuses_a_wrong_secret(store_db: str, tmp_path: Path) -> None:
    """The server checks every request's signature: a wrong secret reads, lists and writes
    nothing, and the store says so as its own error."""
    right = media_store.current()
    scratch = tmp_path / "kept"
    scratch.write_bytes(b"secret media")
    right.keep("abc123/original", scratch, content_type="video/mp4")
    wrong = S3Store(endpoint=s3.ENDPOINT, bucket=s3.BUCKET, region="us-east-1",
                    access_key=s3.ACCESS_KEY, secret_key="not-the-secret")  # fmt: skip
    with pytest.raises(StoreError, match="SignatureDoesNotMatch"):
        b"".join(wrong.read("abc123/original"))
    with pytest.raises(StoreError, match="SignatureDoesNotMatch"):
        list(wrong.list())
    again = tmp_path / "again"
    again.write_bytes(b"overwritten")
    with pytest.raises(StoreError):
        wrong.keep("abc123/original", again, content_type="video/mp4")
    assert b"".join(right.read("abc123/original")) == b"secret media"


@pytest.mark.parametrize("store_db", ["s3-postgres"], indirect=True)
def test_a_new_installation_makes_its_bucket(store_db: str, tmp_path: Path) -> None:
    """`videosparring migrate` and a worker's start prepare the store: the bucket is made
    where there is none yet, and a second time changes nothing."""
    name = f"{s3.BUCKET}-new"
    store = S3Store(endpoint=s3.ENDPOINT, bucket=name, region="us-east-1",
                    access_key=s3.ACCESS_KEY, secret_key=s3.SECRET_KEY)  # fmt: skip
    try:
        store.prepare()
        store.prepare()
        store.keep("abc/original", _file(tmp_path / "o", b"first"), content_type="video/mp4")
        assert b"".join(store.read("abc/original")) == b"first"
    finally:
        store.delete_prefix("abc")
        s3.client().delete_bucket(Bucket=name)


def test_each_store_keeps_reads_ranges_lists_and_deletes(store_db: str, tmp_path: Path) -> None:
    store = media_store.current()
    assert isinstance(store, LocalStore if store_db == "local-sqlite" else S3Store)
    data = os.urandom(700_000)
    key = object_key("feed42", "playable.mp4")
    made = store.scratch(key, "claim1")
    made.write_bytes(data)
    kept = store.keep(key, made, content_type="video/mp4")
    assert (kept.size, kept.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert not made.exists()  # used up: renamed into place, or uploaded and removed
    assert b"".join(store.read(key)) == data
    assert b"".join(store.read(key, 1000, 1999)) == data[1000:2000]
    assert b"".join(store.read(key, len(data) - 5)) == data[-5:]
    assert store.stat(key) == len(data) and store.stat("feed42/none") is None
    with store.local_copy(key, "claim1") as copy:
        assert copy.read_bytes() == data
    poster = tmp_path / "poster"
    poster.write_bytes(b"png")
    store.keep("feed42/poster.png", poster, content_type="image/png")
    store.keep("beef99/original", _file(tmp_path / "o", b"o"), content_type="video/mp4")
    assert [item.key for item in store.list("feed42/")] == [
        "feed42/playable.mp4",
        "feed42/poster.png",
    ]
    with pytest.raises(FileNotFoundError):
        store.read("feed42/none")
    store.delete("feed42/poster.png")
    store.delete_prefix("feed42")
    assert [item.key for item in store.list()] == ["beef99/original"]
    with pytest.raises(ValueError):
        object_key("../etc", "passwd")


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_playback_answers_ranges_from_either_store(
    store_db: str, client: TestClient, media: MediaSet
) -> None:
    """The player's requests, served from the folder or the bucket through the app: whole,
    one range, the last bytes, a stale If-Range, past the end; every object has its row."""
    rid = upload(client, media.encoded(FORMATS[0])).json()["id"]
    make_ready(rid, SPOKEN_EN, media_files=True)
    url = f"/api/v1/recordings/{rid}/media"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["cache-control"] == "private, no-store"
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.content == stored.read(rid, "playable.mp4")
    size, etag = len(whole.content), whole.headers["etag"]
    part = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole.content[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{size}"
    assert part.headers["content-length"] == "1000"
    last = client.get(url, headers={"Range": "bytes=-100"})
    assert last.status_code == 206 and last.content == whole.content[-100:]
    rest = client.get(url, headers={"Range": f"bytes={size - 10}-", "If-Range": etag})
    assert rest.status_code == 206 and rest.content == whole.content[-10:]
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"another"'})
    assert stale.status_code == 200 and stale.content == whole.content
    beyond = client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    poster = client.get(f"/api/v1/recordings/{rid}/poster")
    assert poster.status_code == 200 and poster.content[:4] == b"\x89PNG"
    with session_scope() as session:
        rows = session.exec(select(MediaObject).where(MediaObject.recording_id == rid)).all()
    assert {row.variant for row in rows} == {
        Variant.original,
        Variant.audio,
        Variant.playable,
        Variant.poster,
    }
    for row in rows:  # each row says what the store holds
        assert hashlib.sha256(b"".join(media_store.current().read(row.key))).hexdigest() == (
            row.sha256
        )


@pytest.mark.parametrize("store_db", ["s3-postgres"], indirect=True)
def test_an_unreachable_store_refuses_the_upload_and_keeps_nothing(
    store_db: str, client: TestClient, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(A folder is always there; a full disk has its own test in test_upload_faults.py.)"""
    monkeypatch.setattr(settings, "s3_endpoint", f"http://127.0.0.1:{free_port()}")
    response = upload(client, media.encoded(FORMATS[6]))
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "media.unavailable"
    assert "Intet blev gemt" in response.json()["detail"]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Recording)).one() == 0
        assert session.exec(select(func.count()).select_from(MediaObject)).one() == 0
    assert stored.files_under(settings.upload_tmp_dir) == []


@pytest.mark.parametrize("store_db", ["s3-postgres"], indirect=True)
def test_a_worker_with_a_folder_of_its_own_transcribes_and_cuts_on_s3(
    store_db: str,
    private_redis: PrivateRedis,
    client: TestClient,
    media: MediaSet,
    tmp_path: Path,
) -> None:
    """Web app and worker share only the database, the queue and the bucket: the worker runs
    as another user who cannot read the web app's data folder, with an empty one of its own.
    It transcribes a recording and cuts a clip; afterwards no media file is in either
    folder, and the bucket holds every object, each with its row."""
    worker_data = tmp_path / "worker-data"
    worker_data.mkdir()
    env = app_env(
        SPARRING_DATABASE_URL=settings.sqlalchemy_url,
        SPARRING_QUEUE_URL=private_redis.url,
        SPARRING_DATA_DIR=str(worker_data),
        SPARRING_JOB_RETRY_DELAY_SECONDS="0.2",
    )
    # The worker's own view of the machine: an empty, read-only folder where the web app's
    # data folder is (a mount namespace of its own), as on a machine of its own.
    seen = subprocess.run(
        _as_other_machine("ls", "-A", str(DATA)), capture_output=True, text=True, check=True
    )
    assert seen.stdout == "" and any(DATA.iterdir())
    worker = subprocess.Popen(
        _as_other_machine(sys.executable, "-m", "workers"), cwd=ROOT, env=env,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        rid = upload(client, media.encoded(FORMATS[0])).json()["id"]
        assert stored.files_under(settings.media_dir) == []  # straight into the bucket

        def ready() -> bool:
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            return client.get(f"/api/v1/recordings/{rid}").json()["status"] == "ready"

        wait_for(ready, 180, "the worker to finish the recording")
        transcript = client.get(f"/api/v1/recordings/{rid}/transcript").json()
        assert "horses" in " ".join(s["text"] for s in transcript["segments"]).lower()
        clip_id = make_clip(client, rid, 1.0, 4.0)

        def cut() -> bool:
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            return client.get(f"/api/v1/clips/{clip_id}").json()["status"] == "ready"

        wait_for(cut, 120, "the worker to cut the clip")
        played = client.get(f"/api/v1/clips/{clip_id}/media", headers={"Range": "bytes=0-99"})
        assert played.status_code == 206 and len(played.content) == 100

        def protected() -> bool:  # what a team will see: made by the same worker (issue 24)
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            return client.get(f"/api/v1/clips/{clip_id}").json()["protected_status"] == "ready"

        wait_for(protected, 120, "the worker to make the clip's protected variant")
    finally:
        stop(worker)
    names = set(stored.names(rid))
    assert {"original", "audio.wav", "playable.mp4", "poster.png"} <= names
    assert any(name.startswith(f"clip-{clip_id}-") for name in names)
    with session_scope() as session:
        keys = session.exec(select(MediaObject.key).where(MediaObject.recording_id == rid)).all()
    assert sorted(keys) == stored.keys(rid)
    # No media file under any data folder: the web app's, or the worker's own.
    assert stored.files_under(settings.media_dir) == []
    assert stored.files_under(settings.work_dir) == []
    assert stored.files_under(settings.upload_tmp_dir) == []
    assert stored.files_under(worker_data / "media") == []
    assert stored.files_under(worker_data / "work") == []


def _as_other_machine(*command: str) -> list[str]:
    """The argv of `command` in a mount namespace where the tests' data folder is an empty,
    read-only tmpfs: nothing of the web app's folder can be read there."""
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare[1:1] = ["--user", "--map-root-user"]
    hide = 'mount -t tmpfs -o ro,size=1m none "$0" && exec "$@"'
    return [*unshare, "sh", "-c", hide, str(DATA), *command]
