"""The files a player plays: the playable media and its poster, of a recording or a clip.
One pair of routes for both, made by `file_api`: the file is found (and its viewing
audited) by the dependency the caller gives, on every request, range requests included.

The bytes come from the media store (a folder or a bucket) through the app: HTTP range
requests are answered here, a single range at a time (what players ask for); anything else
gets the whole object."""

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.core.errors import NotFound, Unavailable
from app.core.i18n import N_
from app.media.objects import Readable
from app.media.store import StoreError, current

Part = Literal["media", "poster"]
# What the dependency gives: the object of a part, once checked and audited.
Files = Callable[[Part], Readable]
# Recordings of children: never kept by a browser or proxy cache.
PRIVATE = {"Cache-Control": "private, no-store"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def file_api(files_of: Callable[..., Files], prefix: str, tag: str) -> APIRouter:
    """`/media` and `/poster` under `prefix`, whose path parameters `files_of` takes."""
    router = APIRouter(prefix=prefix, tags=[tag])
    Found = Annotated[Files, Depends(files_of)]

    @router.get("/media")
    def read_media(files: Found, request: Request) -> Response:
        """The playable file; answers HTTP range requests, so seeking starts at once."""
        return object_response(files("media"), request.headers)

    @router.get("/poster")
    def read_poster(files: Found, request: Request) -> Response:
        """A still of the video (or the sound's waveform), shown before it plays."""
        return object_response(files("poster"), request.headers)

    return router


def object_response(found: Readable, request_headers: Mapping[str, str]) -> Response:
    """The whole object (200) or the one range asked for (206); 416 for a range past its
    end. A range given with `If-Range` for another version gets the whole object."""
    etag = f'"{found.sha256[:32]}"'
    # Inline only: a player streams it; a browser is never told to save it as a file.
    headers = {**PRIVATE, "Accept-Ranges": "bytes", "ETag": etag, "Content-Disposition": "inline"}
    wanted = _one_range(request_headers.get("range", ""), found.size)
    if_range = request_headers.get("if-range")
    if wanted is not None and if_range is not None and if_range != etag:
        wanted = None
    if wanted == "unsatisfiable":
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{found.size}"}
        )
    if wanted is None:
        start, end, status = 0, found.size - 1, 200
    else:
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{found.size}"
    headers["Content-Length"] = str(end - start + 1 if found.size else 0)
    return StreamingResponse(
        _read(found.key, start, end) if found.size else iter(()),
        status_code=status,
        media_type=found.content_type,
        headers=headers,
    )


def _read(key: str, start: int, end: int) -> Iterator[bytes]:
    """The bytes, asked of the store before the response starts: a store that fails answers
    with an error a person can read, not a cut-off response."""
    try:
        return current().read(key, start, end)
    except FileNotFoundError as exc:
        raise NotFound(
            N_("The file is missing from the media store."), code="media.missing"
        ) from exc
    except StoreError as exc:
        raise Unavailable(
            N_("The media store cannot be reached just now. Try again in a moment."),
            code="media.unavailable",
        ) from exc


def _one_range(header: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """The range of a `Range: bytes=a-b` header (one range); None for none, or for one this
    answers with the whole object (several ranges, another unit, a malformed header)."""
    found = _RANGE.fullmatch(header.replace(" ", ""))
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end
