"""The recording page's transcript beyond its first screen, and the correction form's post
for browsers without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.access import policy
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.ids import DbId
from app.core.templates import render
from app.transcripts import actions, service, unsure

router = APIRouter(include_in_schema=False)

LINES_PAGE = 500  # lines a fragment holds at most


@router.get("/recordings/{recording_id}/transcript/lines", response_class=HTMLResponse)
def transcript_lines(
    recording_id: str,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=LINES_PAGE)] = LINES_PAGE,
) -> HTMLResponse:
    """Lines of the transcript from `offset` on, as the recording page renders them."""
    recording = policy.recording(session, subject, recording_id)
    audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, "page")
    transcript = service.get(session=session, recording_id=recording.id)
    lines = service.segments(session=session, transcript=transcript) if transcript else []
    shown = lines[offset : offset + limit]
    return render(
        request,
        "transcripts/_lines.html",
        {
            "lines": shown,
            "marks": unsure.marks(session=session, lines=shown),
            "editable_on": recording.id if recording.owner_id == subject.id else None,
        },
    )


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
