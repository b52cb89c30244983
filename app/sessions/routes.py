"""JSON API for sparring sessions: plan, read, change, the round, the summary, the close; and
the feedback given in a session (app.feedback's routes, for the session target)."""

from fastapi import APIRouter, Response

from app.accounts.deps import CsrfProtected, CurrentSubject
from app.core.db import SessionDep
from app.core.ids import DbId
from app.feedback.routes import target_api
from app.sessions import actions
from app.sessions.deps import About, session_target
from app.sessions.models import (
    ParticipantAdd,
    RoundMove,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    SparringSession,
    SummaryUpdate,
)

router = APIRouter(prefix="/sessions", tags=["sessions"])
Changes = [CsrfProtected]


def _public(about: About, sparring: SparringSession) -> SessionPublic:
    return actions.to_public(about.session, about.subject, sparring)


@router.post("", status_code=201, response_model=SessionPublic, dependencies=Changes)
def plan_session(
    body: SessionCreate, session: SessionDep, subject: CurrentSubject
) -> SessionPublic:
    """Plan a session on a recording or one of its clips. Taking part gives no access to
    the media: each participant sees it once the owner has shared it with them."""
    sparring = actions.plan(session=session, subject=subject, body=body)
    return actions.to_public(session, subject, sparring)


@router.get("", response_model=list[SessionPublic])
def list_sessions(session: SessionDep, subject: CurrentSubject) -> list[SessionPublic]:
    """The sessions the reader takes part in, the latest first."""
    return actions.mine(session=session, subject=subject)


@router.get("/{session_id}", response_model=SessionPublic)
def read_session(about: About) -> SessionPublic:
    return _public(about, actions.joined(about).sparring)


@router.patch("/{session_id}", response_model=SessionPublic, dependencies=Changes)
def change_session(body: SessionUpdate, about: About) -> SessionPublic:
    return _public(about, actions.change(about, body))


@router.post("/{session_id}/participants", response_model=SessionPublic, dependencies=Changes)
def add_participants(body: ParticipantAdd, about: About) -> SessionPublic:
    """Add a person (user_id) or a team's members (team_id), each listed individually;
    someone whose place is held (a password set through a link since) gets it again."""
    return _public(about, actions.add_participants(about, body))


@router.delete("/{session_id}/participants/{user_id}", status_code=204, dependencies=Changes)
def remove_participant(user_id: DbId, about: About) -> Response:
    """Out at once: their next request, page or live message finds the session gone."""
    actions.remove_participant(about, user_id)
    return Response(status_code=204)


@router.post("/{session_id}/round", response_model=SessionPublic, dependencies=Changes)
def move_round(body: RoundMove, about: About) -> SessionPublic:
    """Each participant in turn: a strength, then development points, then questions."""
    return _public(about, actions.move_round(about, body))


@router.put("/{session_id}/summary", response_model=SessionPublic, dependencies=Changes)
def save_summary(body: SummaryUpdate, about: About) -> SessionPublic:
    """The summary (facilitator) and the caseworker's own learning points."""
    return _public(about, actions.save_summary(about, body))


@router.post("/{session_id}/close", response_model=SessionPublic, dependencies=Changes)
def close_session(about: About) -> SessionPublic:
    return _public(about, actions.close(about))


router.include_router(
    target_api(session_target, "/{session_id}/feedback", "sessions", bringing=True)
)
