"""Uploads under attack and faults: refused before the body, a crash, a full disk.

These need a real socket and a real process: `Expect: 100-continue`, a connection the server
answers while the client still sends, SIGKILL, and a filesystem that fills up.
"""

import contextlib
import fcntl
import os
import signal
import socket
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.config import settings
from app.recordings.storage import PART_SUFFIX, PartFile, sweep_partial_uploads
from tests.support.accounts import live_client
from tests.support.database import migrate
from tests.support.media import MediaSet, ffmpeg
from tests.support.recordings import CONSENT
from tests.support.servers import (
    app_env,
    free_port,
    read_http_response,
    small_tmpfs,
    start_server,
    stop,
    wait_until,
)

GIB = 1024**3
MIB = 1024 * 1024
FIELDS = {"title": "Samtale", "case_reference": "SAG-1", "language": "en", **CONSENT}


# --- Helpers: a logged-in client, raw HTTP over a socket, a server of our own ----------------


def logged_in(base: str, who: str) -> httpx.Client:
    return live_client(base, who, timeout=60)


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def raw_head(base: str, path: str, headers: dict[str, str]) -> bytes:
    host = base.removeprefix("http://")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """The first response on the socket: status and body. 100 Continue fails the test."""
    status, _, body = read_http_response(sock)
    assert status != 100, "the server answered 100 Continue: it wanted the body"
    return status, body


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    return sock


class Server:
    """Our own uvicorn process on a data folder of its own (SQLite in it, migrated)."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.env = app_env(SPARRING_DATA_DIR=str(data_dir), **env)
        self.env.pop("SPARRING_DATABASE_URL", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        self.proc, _ = start_server(self.env, port=self.port)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            stop(self.proc, sig=sig)
        self.proc = None


def migrated_data_dir(path: Path) -> Path:
    """A data folder with its own migrated SQLite database and the base users."""
    from app.core.db import get_engine

    path.mkdir(mode=0o700, exist_ok=True)
    url = f"sqlite:///{path / 'videosparring.db'}"
    migrate(url)
    engine = get_engine.__globals__["_engines"].pop(url, None)
    if engine is not None:
        engine.dispose()  # no handle of ours stays open on it (a tmpfs must unmount)
    return path


def recording_rows(data_dir: Path) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "videosparring.db")) as conn:
        return int(conn.execute("SELECT count(*) FROM recording").fetchone()[0])


def part_files(data_dir: Path) -> list[Path]:
    uploads = data_dir / "uploads"
    return sorted(uploads.glob(f"*{PART_SUFFIX}")) if uploads.exists() else []


def urlencode_fields(**changes: str | None) -> str:
    """The form's fields URL-encoded for X-Upload-Fields; None leaves a field out."""
    fields: dict[str, str | None] = {**FIELDS, "filename": "samtale.wav", **changes}
    return urlencode({k: v for k, v in fields.items() if v is not None})


def fields_header(filename: str = "samtale.wav") -> str:
    return urlencode_fields(filename=filename)


# --- The fast path: the file as the body, the fields in a header ----------------------------


def raw_upload(
    client: TestClient, body: bytes, fields: str | None, **headers: str
) -> httpx.Response:
    sent = {"Content-Type": "application/octet-stream", **headers}
    if fields is not None:
        sent["X-Upload-Fields"] = fields
    return client.post("/api/v1/recordings", content=body, headers=sent)


def test_raw_body_upload_stores_the_file_with_its_hash(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    import hashlib

    source = media.long_tone(2, name="tone-raw.wav")
    body = source.read_bytes()
    response = raw_upload(client, body, fields_header("Samtale æøå.wav"))
    assert response.status_code == 201, response.text
    rec = response.json()
    assert rec["original_filename"] == "Samtale æøå.wav"
    assert rec["size_bytes"] == len(body)
    assert rec["sha256"] == hashlib.sha256(body).hexdigest()
    stored = settings.media_dir / rec["id"] / "original"
    assert stored.read_bytes() == body
    assert part_files(settings.resolved_data_dir) == []


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        (None, 422, "upload.bad_form"),  # no header: no file name, no consent
        (urlencode_fields(filename=None), 422, "upload.bad_form"),
        (urlencode_fields(filename="../etc/passwd"), 422, "upload.bad_filename"),
        ("title=%FF%FE&filename=a.wav", 422, "upload.bad_form"),  # not UTF-8
        (urlencode_fields(consent_custody=None), 422, "consent.required"),
        ("&".join(f"f{i}=x" for i in range(40)) + "&filename=a.wav", 422, "upload.bad_form"),
    ],
)
def test_raw_body_upload_refuses_bad_fields(
    sqlite_db: str, client: TestClient, fields: str | None, status: int, code: str
) -> None:
    response = raw_upload(client, b"RIFF" + b"\0" * 5000, fields)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert part_files(settings.resolved_data_dir) == []
    assert not settings.media_dir.exists() or not any(settings.media_dir.iterdir())


def test_raw_body_needs_the_token_in_its_header(sqlite_db: str, client: TestClient) -> None:
    token = client.headers.pop("X-CSRF-Token")
    try:
        response = raw_upload(client, b"x" * 100, fields_header() + f"&csrf_token={token}")
    finally:
        client.headers["X-CSRF-Token"] = token
    assert response.status_code == 403


def test_url_encoded_body_is_refused_before_it_is_read(sqlite_db: str, client: TestClient) -> None:
    """Without the CSRF header the token check would parse such a body as a form, in memory,
    and uploads have no body cap: it is refused from its headers first."""
    token = client.headers.pop("X-CSRF-Token")
    try:
        response = client.post(
            "/api/v1/recordings",
            content=b"title=" + b"a" * 2_000_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    finally:
        client.headers["X-CSRF-Token"] = token
    assert response.status_code == 422
    assert response.json()["code"] == "upload.bad_form"


# --- Point 4: refused from the headers, before the body ------------------------------------


BOUNDARY = "xyz"


def multipart_head(token: str = "") -> bytes:
    """A well-formed form up to the file's bytes: a server that reads on would wait for more."""
    fields = {**FIELDS, **({"csrf_token": token} if token else {})}
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    )
    return "".join(parts).encode()


def _refusal_cases(base: str) -> list[tuple[str, dict[str, str], int, bytes]]:
    """Who, the request's headers, the answer expected, and how the body starts."""
    leader = logged_in(base, "leader")
    caseworker = logged_in(base, "caseworker")
    multipart = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    raw = {"Content-Type": "application/octet-stream", "X-Upload-Fields": fields_header()}
    as_leader = {"Cookie": cookie_header(leader), "X-CSRF-Token": leader.headers["X-CSRF-Token"]}
    return [
        ("leader", {**multipart, **as_leader}, 403, multipart_head()),
        ("leader, raw body", {**raw, **as_leader}, 403, b""),
        ("anonymous", multipart, 401, multipart_head()),
        ("bad CSRF token", {**raw, "Cookie": cookie_header(caseworker),
                            "X-CSRF-Token": "forged"}, 403, b""),
    ]  # fmt: skip


def send_head(
    base: str, path: str, headers: dict[str, str], body_start: bytes = b"", mib: int = 0
) -> tuple[int, bytes]:
    """A 4 GiB POST over a raw socket: its head, `body_start` and `mib` MiB of the body,
    then the answer. A server that waits for the rest never answers (the socket times out)."""
    sock = connect(base)
    try:
        sock.sendall(raw_head(base, path, {**headers, "Content-Length": str(4 * GIB)}))
        sock.sendall(body_start)
        for _ in range(mib):
            sock.sendall(b"\0" * MIB)  # the server reads and discards what is in flight
        return read_response(sock)
    finally:
        sock.close()


def test_refused_upload_answers_before_the_body_with_expect(shared_db: str) -> None:
    """4 GiB announced with `Expect: 100-continue`: the refusal comes without the body."""
    for who, headers, status, _ in _refusal_cases(shared_db):
        expecting = {**headers, "Expect": "100-continue"}
        got, body = send_head(shared_db, "/api/v1/recordings", expecting)  # no body byte
        assert got == status, (who, got, body)
        assert b"detail" in body, (who, body)


def test_refused_upload_answers_while_the_body_streams(shared_db: str) -> None:
    """No Expect: the client sends 8 MB of a 4 GiB body, then reads a 403, not a reset."""
    for who, headers, status, head in _refusal_cases(shared_db):
        got, body = send_head(shared_db, "/api/v1/recordings", headers, head, mib=8)
        assert got == status, (who, got, body)


def test_page_refuses_a_leader_before_the_body(shared_db: str) -> None:
    leader = logged_in(shared_db, "leader")
    headers = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "Cookie": cookie_header(leader),
        "Expect": "100-continue",
    }
    got, body = send_head(shared_db, "/recordings/new", headers)
    assert got == 403
    assert b"<html" in body.lower()


# --- Point 12: a crash leaves nothing; private modes ----------------------------------------


def test_sweep_removes_only_unlocked_part_files(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    crashed = folder / f"dead{PART_SUFFIX}"
    crashed.write_bytes(b"x" * 1000)  # written by a process that died: nobody holds it
    live = PartFile(folder)  # an upload in progress holds its lock
    try:
        assert sweep_partial_uploads(folder) == 1
        assert not crashed.exists()
        assert live.path.exists()
        assert stat.S_IMODE(live.path.stat().st_mode) == 0o600
    finally:
        live.discard()
    assert list(folder.iterdir()) == []


def test_part_file_taken_by_a_sweep_before_its_lock_is_replaced(tmp_path: Path) -> None:
    """The instant between create and lock: a sweep that wins it cannot orphan the writer."""
    real_flock = fcntl.flock
    calls = []

    def racing_flock(fd: int, op: int) -> None:
        if not calls:
            calls.append(fd)
            sweep_partial_uploads(tmp_path)  # runs between the create and the lock
        real_flock(fd, op)

    fcntl.flock = racing_flock  # type: ignore[assignment]
    try:
        part = PartFile(tmp_path)
    finally:
        fcntl.flock = real_flock
    try:
        assert part.path.exists()
        assert sweep_partial_uploads(tmp_path) == 0
    finally:
        part.discard()


def test_killed_server_leaves_no_part_file_sweeps_and_private_modes(tmp_path: Path) -> None:
    data = migrated_data_dir(tmp_path / "data")
    server = Server(data).start()
    try:
        client = logged_in(server.base, "caseworker")
        sock = connect(server.base)
        sock.sendall(
            raw_head(
                server.base,
                "/api/v1/recordings",
                {
                    "Content-Type": "application/octet-stream",
                    "X-Upload-Fields": fields_header(),
                    "Cookie": cookie_header(client),
                    "X-CSRF-Token": client.headers["X-CSRF-Token"],
                    "Content-Length": str(64 * MIB),
                },
            )
        )
        for _ in range(12):
            sock.sendall(b"\1" * MIB)
        wait_until(
            lambda: [p for p in part_files(data) if p.stat().st_size > 0], 30, "a .part file"
        )
        server.stop(signal.SIGKILL)  # mid-stream: no cleanup code runs
        sock.close()
        assert part_files(data), "the crash should have left the partial file"

        server = Server(data, SPARRING_UPLOAD_SWEEP_INTERVAL_SECONDS="0.2").start()
        assert part_files(data) == []  # swept at start, before the first request

        # And while it runs: a file nobody holds goes, one being written stays.
        crashed = data / "uploads" / f"abandoned{PART_SUFFIX}"
        crashed.write_bytes(b"x")
        live = PartFile(data / "uploads")
        try:
            wait_until(lambda: not crashed.exists(), 30, "the periodic sweep")
            assert live.path.exists()
        finally:
            live.discard()

        # A real upload through the fast path; then every file 0600, every folder 0700.
        wav = tmp_path / "tone.wav"
        ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-ac", "1", wav)
        client = logged_in(server.base, "caseworker")
        with wav.open("rb") as fh:
            response = client.post(
                "/api/v1/recordings",
                content=fh,
                headers={
                    "Content-Type": "application/octet-stream",
                    "X-Upload-Fields": fields_header("tone.wav"),
                },
            )
        assert response.status_code == 201, response.text
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        wrong = []
        for dirpath, dirnames, filenames in os.walk(data):
            for name in dirnames:
                if stat.S_IMODE((Path(dirpath) / name).stat().st_mode) != 0o700:
                    wrong.append(Path(dirpath) / name)
            for name in filenames:
                path = Path(dirpath) / name
                if stat.S_IMODE(path.stat().st_mode) & 0o077:
                    wrong.append(path)
        assert wrong == [], [(str(p), oct(p.stat().st_mode)) for p in wrong]
        original = data / "media" / response.json()["id"] / "original"
        assert stat.S_IMODE(original.stat().st_mode) == 0o600
    finally:
        server.stop()


# --- Point 13: a full disk --------------------------------------------------------------------


@pytest.fixture
def small_disk_server(tmp_path: Path) -> Iterator[Server]:
    """A server whose data folder (database included) is a 16 MB tmpfs made for the test."""
    with small_tmpfs(tmp_path / "small", "16m") as mount:
        server = None
        try:
            server = Server(migrated_data_dir(mount)).start()
            yield server
        finally:
            if server is not None:
                server.stop()


def test_full_disk_gets_507_and_leaves_nothing(small_disk_server: Server, tmp_path: Path) -> None:
    data = small_disk_server.data_dir
    with contextlib.closing(logged_in(small_disk_server.base, "caseworker")) as client:
        too_big = b"\2" * (32 * MIB)

        # The API, fast path (raw body): JSON with a message a person can act on.
        response = client.post(
            "/api/v1/recordings",
            content=too_big,
            headers={
                "Content-Type": "application/octet-stream",
                "X-Upload-Fields": fields_header(),
                "Accept-Language": "en",
            },
        )
        assert response.status_code == 507, response.text
        assert response.json()["code"] == "upload.disk_full"
        assert "no room" in response.json()["detail"]
        assert part_files(data) == [] and recording_rows(data) == 0
        assert not any((data / "media").iterdir())

        # The API, multipart.
        response = client.post(
            "/api/v1/recordings",
            data=FIELDS,
            files={"file": ("samtale.wav", too_big, "audio/wav")},
        )
        assert response.status_code == 507, response.text
        assert part_files(data) == [] and recording_rows(data) == 0

        # The page without JavaScript: the form again, with the message and the values.
        response = client.post(
            "/recordings/new",
            data={**FIELDS, "csrf_token": client.headers["X-CSRF-Token"]},
            files={"file": ("samtale.wav", too_big, "audio/wav")},
        )
        assert response.status_code == 507, response.text
        assert "ikke plads til optagelsen" in response.text
        assert 'value="Samtale"' in response.text
        assert part_files(data) == [] and recording_rows(data) == 0

        # Room again (nothing was kept): a small upload works.
        wav = tmp_path / "tone.wav"
        ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-ac", "1", wav)
        response = client.post(
            "/api/v1/recordings",
            content=wav.read_bytes(),
            headers={
                "Content-Type": "application/octet-stream",
                "X-Upload-Fields": fields_header("tone.wav"),
            },
        )
        assert response.status_code == 201, response.text
