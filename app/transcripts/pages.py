"""The recording page's transcript beyond its first screen, and the correction form's post
for browsers without JavaScript."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.ids import DbId
from app.core.templates import render
from app.sharing import service as access
from app.transcripts import service

router = APIRouter(include_in_schema=False)

# Lines the recording page renders with its first response (more than a screen); the rest
# come from `transcript_lines`, so that a long recording's page still answers quickly.
FIRST_LINES = 60
LINES_PAGE = 500


@router.get("/recordings/{recording_id}/transcript/lines", response_class=HTMLResponse)
def transcript_lines(
    recording_id: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=LINES_PAGE)] = LINES_PAGE,
) -> HTMLResponse:
    """Lines of the transcript from `offset` on, as the recording page renders them."""
    recording = access.visible(session=session, user=user, recording_id=recording_id)
    audit_viewing(request, session, user, Action.view, recording.id, Kind.transcript, "page")
    transcript = service.get(session=session, recording_id=recording.id)
    lines = service.segments(session=session, transcript=transcript) if transcript else []
    return render(
        request,
        "transcripts/_lines.html",
        {
            "recording": recording,
            "lines": lines[offset : offset + limit],
            "is_owner": recording.owner_id == user.id,
        },
    )


@router.post("/recordings/{recording_id}/segments/{segment_id}", dependencies=[CsrfProtected])
def correct_segment_from_page(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    text: Annotated[str, Form(max_length=5000)],
    speaker: Annotated[str, Form(max_length=16)] = "",
) -> RedirectResponse:
    update = service.update_from_form(text=text, speaker=speaker)
    service.correct_own(
        session=session,
        request=request,
        user=user,
        recording_id=recording_id,
        segment_id=segment_id,
        update=update,
    )
    return RedirectResponse(f"/recordings/{recording_id}#seg-{segment_id}", status_code=303)
