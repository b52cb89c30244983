"""JSON API for the recordings a person may see: list, read, delete, and their media."""

from dataclasses import asdict
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response

from app.access import actions as access_actions
from app.access import policy
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.i18n import N_, request_language, translate
from app.library import service
from app.player.files import Files, file_api
from app.recordings.models import RecordingPublic, RecordingsPublic

router = APIRouter(prefix="/recordings", tags=["recordings"])


@router.get("", response_model=RecordingsPublic)
def list_recordings(session: SessionDep, subject: CurrentSubject) -> RecordingsPublic:
    """The recordings this person may see: their own and those shared with them."""
    rows = policy.readable_recordings(session, subject)
    return RecordingsPublic(data=[RecordingPublic.model_validate(r) for r in rows], count=len(rows))


@router.get("/status")
def list_status(
    request: Request, session: SessionDep, subject: CurrentSubject
) -> list[dict[str, Any]]:
    """Each visible recording's state in the reader's language (what the list polls)."""
    rows = policy.readable_recordings(session, subject)
    lang = request_language(request)
    views = service.status_views(session=session, recordings=rows, lang=lang)
    return [_public(view, lang) for view in views.values()]


@router.get("/{recording_id}/status")
def read_status(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> dict[str, Any]:
    """One recording's state in the reader's language (what its page polls)."""
    recording = policy.recording(session, subject, recording_id)
    lang = request_language(request)
    views = service.status_views(session=session, recordings=[recording], lang=lang)
    return _public(views[recording.id], lang)


def _public(view: service.StatusView, lang: str) -> dict[str, Any]:
    percent_text = translate(N_("%(pct)s%%"), lang, pct=view.percent)
    return {**asdict(view), "busy": view.busy, "percent_text": percent_text}


@router.post("/{recording_id}/retry", status_code=202, dependencies=[CsrfProtected])
def retry_recording(
    recording_id: str, session: SessionDep, subject: CurrentSubject
) -> dict[str, str]:
    """The caseworker tries their failed recording again: a new job; 409 unless it failed."""
    service.retry_owned(session=session, subject=subject, recording_id=recording_id)
    return {"status": "queued"}


@router.get("/{recording_id}", response_model=RecordingPublic)
def read_recording(
    recording_id: str, session: SessionDep, subject: CurrentSubject
) -> RecordingPublic:
    recording = policy.recording(session, subject, recording_id)
    return RecordingPublic.model_validate(recording)


@router.delete("/{recording_id}", status_code=204, dependencies=[CsrfProtected])
def delete_recording(recording_id: str, session: SessionDep, subject: CurrentSubject) -> Response:
    """The caseworker deletes their recording: files, transcript, shares, all at once."""
    service.delete_owned(
        session=session, subject=subject, recording_id=recording_id, reason=Action.delete
    )
    return Response(status_code=204)


@router.post("/{recording_id}/consent/withdraw", status_code=204, dependencies=[CsrfProtected])
def withdraw_consent(recording_id: str, session: SessionDep, subject: CurrentSubject) -> Response:
    """Consent withdrawn: the recording and everything made from it are deleted now."""
    service.delete_owned(
        session=session,
        subject=subject,
        recording_id=recording_id,
        reason=Action.consent_withdrawn,
    )
    return Response(status_code=204)


@router.post(
    "/{recording_id}/consent/purposes/{purpose}/withdraw",
    status_code=204,
    dependencies=[CsrfProtected],
)
def withdraw_consent_purpose(
    recording_id: str, purpose: str, session: SessionDep, subject: CurrentSubject
) -> Response:
    """One purpose of the consent withdrawn (individual, team or teaching): the shares of the
    recording and its clips that needed it end now. 409 for the last purpose: withdraw the
    whole consent instead."""
    access_actions.withdraw_purpose(
        session=session, subject=subject, recording_id=recording_id, purpose=purpose
    )
    return Response(status_code=204)


def recording_files(recording_id: str, session: SessionDep, subject: CurrentSubject) -> Files:
    """The recording's files, for whoever may see it."""
    return partial(service.viewed_file, session, subject, recording_id)


router.include_router(file_api(recording_files, "/{recording_id}", "recordings"))
