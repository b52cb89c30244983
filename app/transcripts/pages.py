"""The correction form's posts for browsers without JavaScript, and a version's page."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access import policy
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.ids import DbId
from app.core.templates import render
from app.transcripts import actions, service

router = APIRouter(include_in_schema=False)


@router.post("/recordings/{recording_id}/segments/{segment_id}", dependencies=[CsrfProtected])
def correct_segment_from_page(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    text: Annotated[str, Form(max_length=5000)],
    speaker: Annotated[str, Form(max_length=16)] = "",
    checked: Annotated[str, Form(max_length=1)] = "",
    checked_shown: Annotated[str, Form(max_length=1)] = "",
) -> RedirectResponse:
    """The line's form: its text, speaker and (where the form shows the box) "checked"."""
    shown = checked_shown == "1"
    update = service.update_from_form(
        text=text, speaker=speaker, checked=checked == "1" if shown else None
    )
    actions.correct(session, subject, recording_id, segment_id, update)
    return RedirectResponse(f"/recordings/{recording_id}#seg-{segment_id}", status_code=303)


@router.post("/recordings/{recording_id}/segments/{segment_id}/offer", dependencies=[CsrfProtected])
def decide_offer_from_page(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    keep: Annotated[Literal["0", "1"], Form()],
) -> RedirectResponse:
    """Keep my earlier words for the line, or take the new transcript's."""
    actions.decide_offer(session, subject, recording_id, segment_id, keep == "1")
    return RedirectResponse(f"/recordings/{recording_id}#seg-{segment_id}", status_code=303)


@router.post("/recordings/{recording_id}/transcript/again", dependencies=[CsrfProtected])
def transcribe_again_from_page(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> RedirectResponse:
    """The caseworker has the recording heard again (the button under the player)."""
    actions.transcribe_again(session, subject, recording_id)
    return RedirectResponse(f"/recordings/{recording_id}?again=1#details", status_code=303)


@router.get("/recordings/{recording_id}/transcript/versions/{number}", response_class=HTMLResponse)
def transcript_version_page(
    recording_id: str,
    number: Annotated[int, Path(ge=1, le=10_000)],
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
) -> HTMLResponse:
    """A version of the transcript as it read (an earlier one, kept), with how it was heard."""
    recording = policy.recording(session, subject, recording_id)
    transcript = service.version(session=session, recording_id=recording.id, number=number)
    detail = f"transcript version {number}"
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, detail)
    lang = request_language(request)
    return render(
        request,
        "transcripts/version.html",
        {
            "recording": recording,
            "transcript": transcript,
            "lines": service.segments(session=session, transcript=transcript),
            "provenance": service.provenance(transcript, lang),
            "details": service.provenance_details(transcript, lang),
            "versions": service.versions(session=session, recording_id=recording.id),
        },
    )
