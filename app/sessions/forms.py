"""The session page's forms, which post without JavaScript: the round, the summary and
learning points, the close, who takes part, and feedback given in the session. Each goes
back to the session page."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from app.accounts.deps import CsrfProtected
from app.core.ids import MAX_DB_ID, DbId, parse_id
from app.feedback.forms import target_forms
from app.sessions import actions
from app.sessions.deps import About, session_target
from app.sessions.models import ParticipantAdd, RoundMove, SummaryUpdate

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
# Longer than any field may be: the service refuses over-long text with its own message.
TEXT = Annotated[str | None, Form(max_length=20_000)]


def _back(about: About, anchor: str, saved: str = "") -> RedirectResponse:
    query = f"?saved={saved}" if saved else ""
    return RedirectResponse(f"/sessions/{about.session_id}{query}#{anchor}", status_code=303)


@router.post("/sessions/{session_id}/round", dependencies=Changes)
def move_round(about: About, action: Annotated[str, Form(max_length=16)]) -> RedirectResponse:
    actions.move_round(about, RoundMove(action=action))
    return _back(about, "round")


@router.post("/sessions/{session_id}/summary", dependencies=Changes)
def save_summary(
    about: About,
    summary: TEXT = None,
    learning_points: TEXT = None,
    tagging: Annotated[str | None, Form(max_length=1)] = None,
    criterion_id: Annotated[list[str] | None, Form(max_length=50)] = None,
) -> RedirectResponse:
    """The form holds the fields its reader may change: summary, learning points (with the
    criteria they are about: `tagging` says the boxes were there, none ticked or not), or
    both."""
    tags = None
    if tagging:
        tags = [parse_id(v) or MAX_DB_ID for v in criterion_id or []]
    body = SummaryUpdate(summary=summary, learning_points=learning_points, criterion_ids=tags)
    actions.save_summary(about, body)
    return _back(about, "close", saved="summary")


@router.post("/sessions/{session_id}/close", dependencies=Changes)
def close_session(about: About) -> RedirectResponse:
    actions.close(about)
    return _back(about, "close")


@router.post("/sessions/{session_id}/share", dependencies=Changes)
def share_with_waiting(about: About) -> RedirectResponse:
    """The caseworker shares the recording or clip with the participants waiting for it."""
    actions.share_media(about)
    return _back(about, "participants", saved="shared")


@router.post("/sessions/{session_id}/participants", dependencies=Changes)
def add_participant(about: About, target: Annotated[str, Form(max_length=40)]) -> RedirectResponse:
    """`user:ID` or `team:ID` (a team's members, each listed)."""
    kind, _, raw = target.partition(":")
    ident = parse_id(raw) or MAX_DB_ID  # no id: someone unknown, refused with its message
    body = ParticipantAdd(team_id=ident) if kind == "team" else ParticipantAdd(user_id=ident)
    actions.add_participants(about, body)
    return _back(about, "participants")


@router.post("/sessions/{session_id}/participants/{user_id}/remove", dependencies=Changes)
def remove_participant(user_id: DbId, about: About) -> RedirectResponse:
    actions.remove_participant(about, user_id)
    return _back(about, "participants")


feedback = target_forms(session_target, "/sessions/{session_id}/feedback", bringing=True)
router.include_router(feedback)
