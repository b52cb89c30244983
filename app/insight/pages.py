"""The "Samtalen" panel's forms (they post without JavaScript; insight.js sends the same
forms and redraws the panel from its fragment), the panel's fragment, and the caseworker's
own figures over their recordings."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.access import policy
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.audit.service import Action, audit_viewing
from app.audit.viewing import Kind
from app.core.db import SessionDep
from app.core.i18n import request_language
from app.core.ids import DbId
from app.core.templates import render
from app.insight import actions, view
from app.insight.models import VoiceRole

router = APIRouter(include_in_schema=False)
VoiceNumber = Annotated[int, Path(ge=1, le=99)]


def _done(request: Request, recording_id: str, anchor: str = "insight") -> Response:
    """insight.js asks for JSON and redraws the panel itself; a plain form goes back."""
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": True})
    return RedirectResponse(f"/recordings/{recording_id}#{anchor}", status_code=303)


@router.get("/recordings/{recording_id}/insight/panel", response_class=HTMLResponse)
def insight_panel(
    recording_id: str, request: Request, session: SessionDep, subject: CurrentSubject
) -> HTMLResponse:
    """The panel alone, as the recording page shows it (insight.js redraws with it)."""
    recording = policy.recording(session, subject, recording_id)
    # It quotes the adult's lines: a read of the recording's content, as the lines' fragment.
    audit_viewing(session, subject, Action.view, recording.id, Kind.insight, "insight panel")
    panel = view.panel(
        session=session,
        recording=recording,
        start=0.0,
        end=recording.duration_seconds,
        lang=request_language(request),
        correctable=subject.role in policy.RECEIVING_ROLES,
    )
    return render(request, "insight/_panel_body.html", {"insight": panel, "offset": 0.0})


@router.post("/recordings/{recording_id}/insight/voices/{number}", dependencies=[CsrfProtected])
def set_voice_role(
    recording_id: str,
    number: VoiceNumber,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    role: Annotated[VoiceRole, Form()],
) -> Response:
    """ "This voice is a child" (or an adult): every line of it follows."""
    actions.set_voice_role(session, subject, recording_id, number, role)
    return _done(request, recording_id)


@router.post("/recordings/{recording_id}/insight/swap", dependencies=[CsrfProtected])
def swap_voices(
    recording_id: str,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    first: Annotated[int, Form(ge=1, le=99)],
    second: Annotated[int, Form(ge=1, le=99)],
) -> Response:
    """The machine mixed two voices up: each takes the other's role, in one click."""
    actions.swap_voices(session, subject, recording_id, first, second)
    return _done(request, recording_id)


@router.post("/recordings/{recording_id}/segments/{segment_id}/role", dependencies=[CsrfProtected])
def set_line_role(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    role: Annotated[VoiceRole, Form()],
) -> Response:
    """Who speaks this line, as a person hears it."""
    actions.set_line_role(session, subject, recording_id, segment_id, role)
    return _done(request, recording_id, f"seg-{segment_id}")


@router.post(
    "/recordings/{recording_id}/segments/{segment_id}/question-type",
    dependencies=[CsrfProtected],
)
def set_question_type(
    recording_id: str,
    segment_id: DbId,
    request: Request,
    session: SessionDep,
    subject: CurrentSubject,
    question_type: Annotated[str, Form(max_length=16)],
) -> Response:
    """A person's label for the adult's line (the machine's is kept beside it)."""
    actions.set_question_type(session, subject, recording_id, segment_id, question_type)
    return _done(request, recording_id, f"mark-{segment_id}")
