"""A tus 1.0 client in a few functions, for the tests of resumable uploads: each call is
one request, as a tus client sends it, so that a test can cut, repeat and reorder them."""

import base64
from pathlib import Path

import httpx

from tests.support.recordings import CONSENT

TUS = {"Tus-Resumable": "1.0.0"}
ENDPOINT = "/api/v1/uploads"


def metadata(fields: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items()
    )


def recording_fields(filename: str, **extra: str) -> dict[str, str]:
    return {
        "filename": filename,
        "title": "Samtale om skolen",
        "case_reference": "SAG-2026-001",
        "language": "en",
        **CONSENT,
        **extra,
    }


def create(client: httpx.Client, length: int | None, fields: dict[str, str]) -> httpx.Response:
    """POST: `length` None defers it (a recording being made)."""
    headers = {**TUS, "Upload-Metadata": metadata(fields)}
    if length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(length)
    return client.post(ENDPOINT, headers=headers)


def created(client: httpx.Client, length: int | None, fields: dict[str, str]) -> str:
    """The new upload's address (asserting it was made)."""
    response = create(client, length, fields)
    assert response.status_code == 201, response.text
    assert response.headers["tus-resumable"] == "1.0.0"
    return response.headers["location"]


def patch(
    client: httpx.Client, url: str, offset: int, data: bytes, *, length: int | None = None
) -> httpx.Response:
    headers = {
        **TUS,
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
    }
    if length is not None:
        headers["Upload-Length"] = str(length)
    return client.patch(url, content=data, headers=headers)


def head(client: httpx.Client, url: str) -> httpx.Response:
    return client.head(url, headers=TUS)


def offset_of(client: httpx.Client, url: str) -> int:
    response = head(client, url)
    assert response.status_code == 200, response.text
    return int(response.headers["upload-offset"])


def send_file(
    client: httpx.Client, path: Path, chunk: int, fields: dict[str, str] | None = None
) -> httpx.Response:
    """A whole file in chunks of `chunk` bytes; the last answer."""
    data = path.read_bytes()
    url = created(client, len(data), fields or recording_fields(path.name))
    answer = None
    for start in range(0, len(data), chunk):
        answer = patch(client, url, start, data[start : start + chunk])
        assert answer.status_code == 204, answer.text
    assert answer is not None
    return answer
