"""Bad input gets a clear error and leaves nothing behind: no row, no file."""

import contextlib
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func
from sqlmodel import select as sql_select

from app.core.config import settings
from app.core.db import session_scope
from app.jobs.models import Job
from app.recordings.models import Recording
from tests.support.media import FORMATS, MediaSet
from tests.support.recordings import CONSENT, upload
from tests.support.servers import app_env, free_port, read_http_response, serving


def assert_nothing_left() -> None:
    with session_scope() as session:
        assert session.exec(sql_select(func.count()).select_from(Recording)).one() == 0
        assert session.exec(sql_select(func.count()).select_from(Job)).one() == 0
    for folder in (settings.media_dir, settings.upload_tmp_dir):
        leftovers = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
        assert leftovers == [], leftovers


def assert_refused(response, status: int, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    for word in words:
        assert word.lower() in detail.lower(), detail
    assert_nothing_left()


def test_empty_file(db: str, client: TestClient, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_refused(upload(client, empty), 422, "tom")


def test_pdf_renamed_mp4(db: str, client: TestClient, media: MediaSet) -> None:
    assert_refused(upload(client, media.fake_pdf()), 415, "ikke en lyd- eller videooptagelse")


def test_truncated_mp4(db: str, client: TestClient, media: MediaSet) -> None:
    assert_refused(upload(client, media.truncated_mp4()), 422, "beskadiget eller ufuldstændig")


def test_corrupt_webm(sqlite_db: str, client: TestClient, media: MediaSet) -> None:
    response = upload(client, media.corrupt_webm())
    assert response.status_code in (415, 422), response.text
    assert_nothing_left()


def test_video_without_audio(db: str, client: TestClient, media: MediaSet) -> None:
    assert_refused(upload(client, media.video_without_audio()), 422, "intet lydspor")


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd.mp4",
        "..\\evil.mp4",
        "a\x00b.mp4",
        "abc\u202egpj.mp4",
        "zero\u200bwidth.mp4",
        "..",
        "x" * 300 + ".mp4",
    ],
    ids=["dotdot", "backslash", "nul", "bidi", "zero-width", "only-dots", "too-long"],
)
def test_hostile_client_filename(
    filename: str, sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    response = upload(client, media.encoded(FORMATS[6]), filename=filename)
    assert_refused(response, 422, "filnavn")


def test_raw_nul_byte_in_filename(sqlite_db: str, client: TestClient, media: MediaSet) -> None:
    """Sent as raw bytes, not percent-encoded the way httpx and browsers do it."""
    boundary = "rawboundary"
    body = _multipart_head(boundary, filename="a\x00b.mp3").replace(b"audio/wav", b"audio/mpeg")
    body += media.encoded(FORMATS[6]).read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(
        "/api/v1/recordings",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_refused(response, 422, "filnavn")


def test_danish_filename_is_kept_for_display(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    response = upload(client, media.encoded(FORMATS[6]), filename="Samtale på gården 🐴.mp3")
    assert response.status_code == 201
    assert response.json()["original_filename"] == "Samtale på gården 🐴.mp3"
    # The server chose the stored name; the client's name appears nowhere on disk.
    stored = [p.name for p in settings.media_dir.rglob("*") if p.is_file()]
    assert stored == ["original"]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"title": "", "case_reference": "SAG-1"}, ["title", "udfyldes"]),
        ({"title": "   ", "case_reference": "SAG-1"}, ["title", "udfyldes"]),
        ({"title": "x" * 201, "case_reference": "SAG-1"}, ["title", "200"]),
        ({"title": "Samtale", "case_reference": ""}, ["case_reference"]),
        ({"title": "Samtale", "case_reference": "010203-1234"}, ["cpr"]),
        ({"title": "Samtale", "case_reference": "SAG-1", "language": "xx"}, ["xx"]),
        ({"title": "Sam\x07tale", "case_reference": "SAG-1"}, ["title", "tegn"]),
    ],
    ids=["missing-title", "blank-title", "long-title", "missing-case", "cpr", "language", "bell"],
)
def test_bad_form_fields(
    fields: dict[str, str], words: list[str], db: str, client: TestClient, media: MediaSet
) -> None:
    with media.encoded(FORMATS[6]).open("rb") as fh:
        response = client.post(
            "/api/v1/recordings",
            data={**CONSENT, **fields},
            files={"file": ("a.mp3", fh, "audio/mpeg")},
        )
    assert_refused(response, 422, *words)


def test_missing_file(sqlite_db: str, client: TestClient) -> None:
    response = client.post(
        "/api/v1/recordings",
        data={"title": "Samtale", "case_reference": "SAG-1", **CONSENT},
        files={"other": ("x.txt", b"hello", "text/plain")},
    )
    assert_refused(response, 422, "fil")


def test_not_multipart(sqlite_db: str, client: TestClient) -> None:
    response = client.post("/api/v1/recordings", json={"title": "x"})
    assert_refused(response, 422, "multipart")


def test_english_message_when_asked(sqlite_db: str, client: TestClient, tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with empty.open("rb") as fh:
        response = client.post(
            "/api/v1/recordings",
            data={"title": "T", "case_reference": "C", **CONSENT},
            files={"file": ("empty.wav", fh, "audio/wav")},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The file is empty")


def test_page_form_shows_error_and_keeps_values(
    sqlite_db: str, client: TestClient, media: MediaSet
) -> None:
    with media.fake_pdf().open("rb") as fh:
        response = client.post(
            "/recordings/new",
            data={
                "title": "Min samtale",
                "case_reference": "SAG-7",
                **CONSENT,
                "csrf_token": client.cookies.get("vs_csrf"),
            },
            files={"file": ("document.mp4", fh, "video/mp4")},
        )
    assert response.status_code == 415
    assert "ikke en lyd- eller videooptagelse" in response.text
    assert 'value="Min samtale"' in response.text
    assert_nothing_left()


# --- Size limit: declared up front, and stopped while it streams -------------------------


def _multipart_head(boundary: str, filename: str = "big.wav") -> bytes:
    """Form fields and the file part's headers, as raw bytes (the filename too)."""
    parts = []
    for name, value in (("title", "Stor fil"), ("case_reference", "SAG-9"), *CONSENT.items()):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    )
    return "".join(parts).encode("utf-8")


def _send_until_answered(
    port: int, headers: str, head: bytes, total: int, chunked: bool, piece: bytes = b"\0" * 65536
) -> tuple[bytes, int]:
    """Send a big body in 64 KiB pieces; stop as soon as the server answers."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(headers.encode() + (b"" if chunked else head))
    if chunked and head:  # an empty chunk would end the body
        sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
    sent = 0
    answer = b""
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            sock.sendall(data)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(30)
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        answer = _read_response(sock)
    sock.close()
    return answer, sent


def _read_response(sock: socket.socket) -> bytes:
    """The status line, headers and body of the answer (no wait for the close)."""
    _, head, body = read_http_response(sock)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def small_limit_server(sqlite_url: str) -> Iterator[int]:
    """A live server whose upload limit is 1 MiB."""
    port = free_port()
    limit = str(1024 * 1024)
    env = app_env(SPARRING_DATABASE_URL=sqlite_url, SPARRING_MAX_UPLOAD_BYTES=limit)
    with serving(env, port=port):
        yield port


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_over_the_size_limit_is_stopped_while_streaming(
    chunked: bool, small_limit_server: int, sqlite_db: str, client: TestClient
) -> None:
    total = 200 * 1024 * 1024  # 200 MiB offered against a 1 MiB limit
    boundary = "----vsboundary"
    head = _multipart_head(boundary)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(head) + total}"
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    headers = (
        "POST /api/v1/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: {cookies}\r\nX-CSRF-Token: {client.cookies.get('vs_csrf')}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n{length}\r\n\r\n"
    )
    answer, sent = _send_until_answered(small_limit_server, headers, head, total, chunked)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "større end grænsen på 1 MB".encode() in answer
    # The server answered long before the client had sent everything.
    assert sent < total // 10, sent
    assert_nothing_left()


def test_many_form_fields_are_refused_before_they_fill_memory(
    small_limit_server: int, sqlite_db: str, client: TestClient
) -> None:
    """Thousands of 15 kB text fields, sent chunked: the server answers after a few."""
    boundary = "manyfields"
    field = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\n' + "x" * 15_000 + "\r\n"
    ).encode()
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    headers = (
        "POST /api/v1/recordings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: {cookies}\r\nX-CSRF-Token: {client.cookies.get('vs_csrf')}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    total = 300 * 1024 * 1024
    answer, sent = _send_until_answered(
        small_limit_server, headers, b"", total, chunked=True, piece=field
    )
    assert answer.startswith(b"HTTP/1.1 422"), answer[:200]
    assert b"felter" in answer
    # Socket buffers on both sides take a few MB before the answer is seen.
    assert sent < total // 20, sent
    assert_nothing_left()
