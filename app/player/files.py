"""The files a player plays: the playable media and its poster, of a recording or a clip.
One pair of routes for both, made by `file_api`: the file is found (and its viewing
audited) by the dependency the caller gives, on every request, range requests included."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

Part = Literal["media", "poster"]
# What the dependency gives: the file of a part, with its type, once checked and audited.
Files = Callable[[Part], tuple[Path, str]]
# Recordings of children: never kept by a browser or proxy cache.
PRIVATE = {"Cache-Control": "private, no-store"}


def file_api(files_of: Callable[..., Files], prefix: str, tag: str) -> APIRouter:
    """`/media` and `/poster` under `prefix`, whose path parameters `files_of` takes."""
    router = APIRouter(prefix=prefix, tags=[tag])
    Found = Annotated[Files, Depends(files_of)]

    @router.get("/media")
    def read_media(files: Found) -> FileResponse:
        """The playable file; answers HTTP range requests, so seeking starts at once."""
        return _private(*files("media"))

    @router.get("/poster")
    def read_poster(files: Found) -> FileResponse:
        """A still of the video (or the sound's waveform), shown before it plays."""
        return _private(*files("poster"))

    return router


def _private(path: Path, mime: str) -> FileResponse:
    return FileResponse(path, media_type=mime, headers=PRIVATE)
