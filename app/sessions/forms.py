"""The session page's forms, which post without JavaScript: the round, the summary and
learning points, the close, and who takes part. Each goes back to the session page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.accounts.deps import CsrfProtected, CurrentUser
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.ids import MAX_DB_ID, DbId, parse_id
from app.sessions import round as session_round
from app.sessions import routes, service
from app.sessions.models import ParticipantAdd, RoundMove, SummaryUpdate

router = APIRouter(include_in_schema=False)
Changes = [CsrfProtected]
# Longer than any field may be: the service refuses over-long text with its own message.
TEXT = Annotated[str | None, Form(max_length=20_000)]


def _back(session_id: int, anchor: str, saved: str = "") -> RedirectResponse:
    query = f"?saved={saved}" if saved else ""
    return RedirectResponse(f"/sessions/{session_id}{query}#{anchor}", status_code=303)


@router.post("/sessions/{session_id}/round", dependencies=Changes)
def move_round(
    session_id: DbId,
    session: SessionDep,
    user: CurrentUser,
    action: Annotated[str, Form(max_length=16)],
) -> RedirectResponse:
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.move(session=session, sparring=sparring, body=RoundMove(action=action))
    return _back(session_id, "round")


@router.post("/sessions/{session_id}/summary", dependencies=Changes)
def save_summary(
    session_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    summary: TEXT = None,
    learning_points: TEXT = None,
) -> RedirectResponse:
    """The form holds the fields its reader may change: summary, learning points, or both."""
    sparring = service.require_participant(
        session=session, user=user, session_id=session_id, need_media=False
    )
    body = SummaryUpdate(summary=summary, learning_points=learning_points)
    session_round.save_summary(session=session, user=user, sparring=sparring, body=body)
    given = {k for k in ("summary", "learning_points") if getattr(body, k) is not None}
    service.summary_saved(session, request, user, sparring, given)
    return _back(session_id, "close", saved="summary")


@router.post("/sessions/{session_id}/close", dependencies=Changes)
def close_session(
    session_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.close(session=session, sparring=sparring)
    service.audited(session, request, user, Action.session_closed, sparring)
    return _back(session_id, "close")


@router.post("/sessions/{session_id}/participants", dependencies=Changes)
def add_participant(
    session_id: DbId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    target: Annotated[str, Form(max_length=40)],
) -> RedirectResponse:
    """`user:ID` or `team:ID` (a team's members, each listed)."""
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    kind, _, raw = target.partition(":")
    ident = parse_id(raw) or MAX_DB_ID  # no id: someone unknown, refused with its message
    body = ParticipantAdd(team_id=ident) if kind == "team" else ParticipantAdd(user_id=ident)
    routes.participant_added(session, request, user, sparring, body)
    return _back(session_id, "participants")


@router.post("/sessions/{session_id}/participants/{user_id}/remove", dependencies=Changes)
def remove_participant(
    session_id: DbId, user_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> RedirectResponse:
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.remove(session=session, sparring=sparring, user_id=user_id)
    detail = f"user {user_id}"
    service.audited(session, request, user, Action.participant_removed, sparring, detail)
    return _back(session_id, "participants")
