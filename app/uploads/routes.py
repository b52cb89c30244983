"""The tus 1.0 endpoint for resumable uploads: `/api/v1/uploads` (creation,
creation-defer-length, termination, expiration). Every answer, a refusal too, carries
`Tus-Resumable`; a request without it (or of another version) is refused with 412."""

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_
from app.core.periodic import repeating
from app.recordings.deps import UploadAllowed
from app.uploads import service
from app.uploads.service import Progress

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-defer-length,termination,expiration"
TUS = {"Tus-Resumable": TUS_VERSION}


class TusRoute(APIRoute):
    """Checks the client's tus version first, and puts the protocol's header on refusals."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                if request.method != "OPTIONS":
                    _check_version(request)
                response = await handler(request)
            except VideosparringError as exc:
                exc.headers = {**exc.headers, **TUS}
                raise
            response.headers.update(TUS)
            return response

        return handle


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        error = BadInput(
            N_("This server speaks tus %(version)s: send the header Tus-Resumable: %(version)s."),
            code="tus.version",
            status_code=412,
            version=TUS_VERSION,
        )
        error.headers = {"Tus-Version": TUS_VERSION}
        raise error


def _lifespan(_app: Any) -> AbstractAsyncContextManager[None]:
    """Uploads abandoned for `upload_expiry_hours` go, every `upload_sweep_interval_seconds`
    (in every app process: each takes an upload's lease before it removes it)."""
    every = settings.upload_sweep_interval_seconds
    return repeating(service.expire, every, "removing expired uploads")


router = APIRouter(prefix="/uploads", tags=["uploads"], route_class=TusRoute, lifespan=_lifespan)


def _progress_headers(progress: Progress) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(progress.offset),
        "Upload-Expires": format_datetime(progress.expires_at, usegmt=True),
        "Cache-Control": "no-store",
    }
    if progress.length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(progress.length)
    if progress.recording_id:  # done: where the recording is
        headers["Recording-Location"] = f"/api/v1/recordings/{progress.recording_id}"
    return headers


@router.options("", status_code=204)
def capabilities() -> Response:
    """What this server does of tus (no sign-in needed: it says nothing of anyone)."""
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
        },
    )


@router.post("", status_code=201, dependencies=[UploadAllowed, CsrfProtected])
def create_upload(request: Request, session: SessionDep, user: CurrentSubject) -> Response:
    """A new upload: `Upload-Length` (or `Upload-Defer-Length: 1`) and `Upload-Metadata`
    with the fields of `POST /api/v1/recordings` and `filename`, all checked now."""
    upload = service.create(
        session=session,
        owner=user,
        length=service.creation_length(request),
        metadata_header=request.headers.get("upload-metadata", ""),
    )
    return Response(
        status_code=201,
        headers={
            "Location": f"/api/v1/uploads/{upload.id}",
            "Upload-Expires": format_datetime(upload.expires_at, usegmt=True),
        },
    )


@router.head("/{upload_id}")
async def upload_progress(upload_id: str, user: CurrentSubject) -> Response:
    """How far the upload has come (once a request still writing it has finished)."""
    progress = await run_in_threadpool(service.settled_progress, owner=user, upload_id=upload_id)
    headers = _progress_headers(progress)
    if progress.metadata_header:
        headers["Upload-Metadata"] = progress.metadata_header
    return Response(status_code=200, headers=headers)


@router.patch("/{upload_id}", status_code=204, dependencies=[CsrfProtected])
async def append_to_upload(upload_id: str, request: Request, user: CurrentSubject) -> Response:
    """Bytes at `Upload-Offset`; with the last one, the recording is made (its address in
    `Recording-Location`)."""
    progress = await service.append(request=request, owner=user, upload_id=upload_id)
    return Response(status_code=204, headers=_progress_headers(progress))


@router.delete("/{upload_id}", status_code=204, dependencies=[CsrfProtected])
async def terminate_upload(upload_id: str, user: CurrentSubject) -> Response:
    """Cancel the upload: what was sent is deleted."""
    await run_in_threadpool(service.terminate, owner=user, upload_id=upload_id)
    return Response(status_code=204)
