"""JSON API for the recordings a person may see: list, read, delete, and their media."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action
from app.core.db import SessionDep
from app.library import service
from app.recordings.models import RecordingPublic, RecordingsPublic
from app.sharing import service as access

router = APIRouter(prefix="/recordings", tags=["recordings"])
# Recordings of children: never kept by a browser or proxy cache.
PRIVATE = {"Cache-Control": "private, no-store"}


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
    service.delete_owned(
        session=session, request=request, user=user, recording_id=recording_id, reason=Action.delete
    )
    return Response(status_code=204)


@router.post("/{recording_id}/consent/withdraw", status_code=204, dependencies=[CsrfProtected])
def withdraw_consent(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Consent withdrawn: the recording and everything made from it are deleted now."""
    service.delete_owned(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        reason=Action.consent_withdrawn,
    )
    return Response(status_code=204)


@router.get("/{recording_id}/media")
def read_media(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    """The playable file; answers HTTP range requests so seeking starts at once."""
    path, mime = service.viewed_file(
        session=session, request=request, user=user, recording_id=recording_id, part="media"
    )
    return FileResponse(path, media_type=mime, headers=PRIVATE)


@router.get("/{recording_id}/poster")
def read_poster(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> FileResponse:
    path, mime = service.viewed_file(
        session=session, request=request, user=user, recording_id=recording_id, part="poster"
    )
    return FileResponse(path, media_type=mime, headers=PRIVATE)
