"""JSON API for the recordings a person may see: list, read, delete, and their media."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.i18n import N_, request_language, translate
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


@router.get("/status")
def list_status(request: Request, session: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Each visible recording's state in the reader's language (what the list polls)."""
    rows = access.list_visible(session=session, user=user)
    lang = request_language(request)
    views = service.status_views(session=session, recordings=rows, lang=lang)
    return [_public(view, lang) for view in views.values()]


@router.get("/{recording_id}/status")
def read_status(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """One recording's state in the reader's language (what its page polls)."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    lang = request_language(request)
    views = service.status_views(session=session, recordings=[recording], lang=lang)
    return _public(views[recording.id], lang)


def _public(view: service.StatusView, lang: str) -> dict[str, Any]:
    percent_text = translate(N_("%(pct)s%%"), lang, pct=view.percent)
    return {**asdict(view), "busy": view.busy, "percent_text": percent_text}


@router.post("/{recording_id}/retry", status_code=202, dependencies=[CsrfProtected])
def retry_recording(
    recording_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> dict[str, str]:
    """The caseworker tries their failed recording again: a new job; 409 unless it failed."""
    service.retry_owned(session=session, request=request, user=user, recording_id=recording_id)
    return {"status": "queued"}


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
