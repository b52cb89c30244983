"""JSON API for recordings: upload, list, read, delete, and their media."""

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.deps import audit_on_commit, audit_viewing
from app.audit.service import Action
from app.audit.viewing import Kind
from app.core.config import settings
from app.core.csrf import CSRF_HEADER, expected_token, tokens_match
from app.core.db import SessionDep
from app.core.errors import (
    BadInput,
    InsufficientStorage,
    NotFound,
    NotPermitted,
    VideosparringError,
)
from app.recordings import housekeeping, service, storage
from app.recordings.models import Recording, RecordingPublic, RecordingsPublic
from app.recordings.upload import receive_upload
from app.sharing import service as access

router = APIRouter(prefix="/recordings", tags=["recordings"], lifespan=housekeeping.lifespan)

UPLOAD_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "case_reference": {"type": "string", "maxLength": 64},
    "language": {"type": "string", "default": "da"},
    "consent_child": {"type": "boolean"},
    "consent_custody": {"type": "boolean"},
    "consent_date": {"type": "string", "format": "date"},
    "delete_after": {"type": "string", "format": "date"},
    "file": {"type": "string", "format": "binary"},
}
UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [
                        "title",
                        "case_reference",
                        "consent_child",
                        "consent_custody",
                        "consent_date",
                        "file",
                    ],
                    "properties": UPLOAD_FIELDS,
                }
            },
            # The fast path: the file is the body, the fields are in X-Upload-Fields.
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "parameters": [
        {
            "name": "X-Upload-Fields",
            "in": "header",
            "required": False,
            "description": "With a raw body: the form's fields URL-encoded, `filename` among them",
            "schema": {"type": "string"},
        }
    ],
}


def may_upload(request: Request, user: CurrentUser) -> None:
    """Checked from the headers alone, before a byte of the body is read: a refusal comes at
    once, and uvicorn sends `100 Continue` only to a request whose body is then read."""
    if user.role not in service.UPLOAD_ROLES:
        raise NotPermitted("recording.upload_role")
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        # Would be read whole into memory by the form parser: an upload is never one.
        raise BadInput("upload.bad_form", detail="forventede multipart/form-data")


# Listed before the CSRF check, which may read a form body.
UploadAllowed = Depends(may_upload)


async def receive_and_create(request: Request, session: SessionDep, user: CurrentUser) -> Recording:
    """Shared by the API and the page form: stream, check, store, queue."""
    header_ok = tokens_match(request.headers.get(CSRF_HEADER), request)
    # Without the header, the form's csrf_token field must carry the session's token.
    expected = None if header_ok else expected_token(request)
    upload = await receive_upload(
        request,
        tmp_dir=settings.upload_tmp_dir,
        max_bytes=settings.max_upload_bytes,
        csrf_expected=expected,
    )
    try:
        recording = await run_in_threadpool(
            service.create_from_upload, session=session, upload=upload, owner=user
        )
    except OSError as exc:
        if not storage.is_disk_full(exc):
            raise
        error = InsufficientStorage("upload.disk_full")
        error.form_values = upload.shown_fields()
        raise error from exc
    except VideosparringError as exc:
        exc.form_values = upload.shown_fields()
        raise
    finally:
        upload.release()  # stored or deleted by now: its lock may go
    audit_on_commit(
        session, request, user, Action.upload, recording.id, f"{recording.size_bytes} bytes"
    )
    return recording


def delete_owned(
    session: Session, request: Request, user: User, recording_id: str, reason: str
) -> None:
    """Delete a recording its caseworker asked to delete (directly or by consent withdrawn)."""
    recording = access.owned(session=session, user=user, recording_id=recording_id)
    service.delete(session=session, recording=recording)
    audit_on_commit(session, request, user, reason, recording_id)


@router.post(
    "",
    status_code=201,
    response_model=RecordingPublic,
    openapi_extra=UPLOAD_DOC,
    dependencies=[UploadAllowed, CsrfProtected],
)
async def upload_recording(
    request: Request, session: SessionDep, user: CurrentUser
) -> RecordingPublic:
    """Upload a recording with its consent record; it is probed, then queued."""
    recording = await receive_and_create(request, session, user)
    return RecordingPublic.model_validate(recording)


@router.get("", response_model=RecordingsPublic)
def list_recordings(session: SessionDep, user: CurrentUser) -> RecordingsPublic:
    """The recordings this person may see: their own and those shared with them."""
    rows = access.list_visible(session=session, user=user)
    return RecordingsPublic(data=[RecordingPublic.model_validate(r) for r in rows], count=len(rows))


@router.get("/{recording_id}", response_model=RecordingPublic)
def read_recording(recording_id: str, session: SessionDep, user: CurrentUser) -> RecordingPublic:
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    return RecordingPublic.model_validate(recording)


@router.delete("/{recording_id}", status_code=204, dependencies=[CsrfProtected])
def delete_recording(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The caseworker deletes their recording: files, transcript, shares, all at once."""
    delete_owned(session, request, user, recording_id, Action.delete)
    return Response(status_code=204)


@router.post("/{recording_id}/consent/withdraw", status_code=204, dependencies=[CsrfProtected])
def withdraw_consent(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Consent withdrawn: the recording and everything made from it are deleted now."""
    delete_owned(session, request, user, recording_id, Action.consent_withdrawn)
    return Response(status_code=204)


@router.get("/{recording_id}/media")
def read_media(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    """The playable file; answers HTTP range requests so seeking starts at once."""
    recording = service.require_ready(
        access.visible(session=session, user=user, recording_id=recording_id)
    )
    if not recording.playable_name:
        raise NotFound("recording.not_ready")
    # One entry per viewing, whatever the Range of its first request; seeks write none.
    audit_viewing(request, session, user, Action.playback, recording.id, Kind.media, "media")
    return FileResponse(
        storage.file_path(recording.id, recording.playable_name),
        media_type=recording.playable_mime,
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/{recording_id}/poster")
def read_poster(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    recording = service.require_ready(
        access.visible(session=session, user=user, recording_id=recording_id)
    )
    if not recording.poster_name:
        raise NotFound("recording.not_found")
    # A frame of the video: part of the media's viewing.
    audit_viewing(request, session, user, Action.playback, recording.id, Kind.media, "poster")
    return FileResponse(
        storage.file_path(recording.id, recording.poster_name),
        media_type="image/png",
        headers={"Cache-Control": "private, no-store"},
    )
