"""JSON API for sparring sessions: plan, read, change, the round, the summary, the close."""

from fastapi import APIRouter, Request, Response
from sqlmodel import Session, col, select

from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import User
from app.audit.service import Action
from app.core.db import SessionDep
from app.core.ids import DbId
from app.sessions import round as session_round
from app.sessions import service
from app.sessions.models import (
    ParticipantAdd,
    ParticipantPublic,
    RoundMove,
    SessionCreate,
    SessionParticipant,
    SessionPublic,
    SessionUpdate,
    SparringSession,
    SummaryUpdate,
)

router = APIRouter(prefix="/sessions", tags=["sessions"])
Changes = [CsrfProtected]


def participants(session: Session, sparring: SparringSession) -> list[ParticipantPublic]:
    rows = session.exec(
        select(SessionParticipant, User)
        .join(User, col(User.id) == SessionParticipant.user_id)
        .where(SessionParticipant.session_id == sparring.id)
        .order_by(col(SessionParticipant.position), col(User.name))
    ).all()
    return [
        ParticipantPublic(
            user_id=row.user_id,
            name=person.name,
            role=row.role,
            sees_media=service.sees_media(session=session, user=person, sparring=sparring),
        )
        for row, person in rows
    ]


def to_public(session: Session, user: User, sparring: SparringSession) -> SessionPublic:
    return SessionPublic.model_validate(
        sparring,
        update={
            "participants": participants(session, sparring),
            "sees_media": service.sees_media(session=session, user=user, sparring=sparring),
        },
    )


def audit_join(request: Request, session: Session, user: User, sparring: SparringSession) -> None:
    """One entry per participant and session, however often they open it."""
    service.audit_join(request, session, user, sparring)


def planned(session: Session, request: Request, user: User, sparring: SparringSession) -> None:
    """Planning is audited with what it is on and how many take part (no names)."""
    assert sparring.id is not None
    people = len(service.participant_ids(session=session, session_id=sparring.id))
    media = f"clip {sparring.clip_id}" if sparring.on_clip else "recording"
    detail = f"{sparring.kind} on {media}, {people} participants"
    service.audited(session, request, user, Action.session_planned, sparring, detail)


def participant_added(
    session: Session, request: Request, user: User, sparring: SparringSession, body: ParticipantAdd
) -> None:
    """Add a person or a team's members, and write who was added to the audit log."""
    added = session_round.add(session=session, sparring=sparring, body=body)
    target = f"user {body.user_id}" if body.user_id is not None else f"team {body.team_id}"
    detail = f"{target} ({added} added)"
    service.audited(session, request, user, Action.participant_added, sparring, detail)


@router.post("", status_code=201, response_model=SessionPublic, dependencies=Changes)
def plan_session(
    body: SessionCreate, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    """Plan a session on a recording or one of its clips. Taking part gives no access to
    the media: each participant sees it once the owner has shared it with them."""
    sparring = service.plan(session=session, user=user, body=body)
    planned(session, request, user, sparring)
    return to_public(session, user, sparring)


@router.get("", response_model=list[SessionPublic])
def list_sessions(session: SessionDep, user: CurrentUser) -> list[SessionPublic]:
    """The sessions the reader takes part in, the latest first."""
    return [to_public(session, user, s) for s in service.mine(session=session, user=user)]


@router.get("/{session_id}", response_model=SessionPublic)
def read_session(
    session_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    sparring = service.require_participant(
        session=session, user=user, session_id=session_id, need_media=False
    )
    audit_join(request, session, user, sparring)
    return to_public(session, user, sparring)


@router.patch("/{session_id}", response_model=SessionPublic, dependencies=Changes)
def change_session(
    session_id: DbId, body: SessionUpdate, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.update(session=session, sparring=sparring, body=body)
    fields = ",".join(sorted(body.model_fields_set))
    service.audited(session, request, user, Action.session_changed, sparring, fields)
    return to_public(session, user, sparring)


@router.post("/{session_id}/participants", response_model=SessionPublic, dependencies=Changes)
def add_participants(
    session_id: DbId, body: ParticipantAdd, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    """Add a person (user_id) or a team's members (team_id), each listed individually."""
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    participant_added(session, request, user, sparring, body)
    return to_public(session, user, sparring)


@router.delete("/{session_id}/participants/{user_id}", status_code=204, dependencies=Changes)
def remove_participant(
    session_id: DbId, user_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Out at once: their next request, page or live message finds the session gone."""
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.remove(session=session, sparring=sparring, user_id=user_id)
    detail = f"user {user_id}"
    service.audited(session, request, user, Action.participant_removed, sparring, detail)
    return Response(status_code=204)


@router.post("/{session_id}/round", response_model=SessionPublic, dependencies=Changes)
def move_round(
    session_id: DbId, body: RoundMove, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    """Each participant in turn: a strength, then development points, then questions."""
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.move(session=session, sparring=sparring, body=body)
    return to_public(session, user, sparring)


@router.put("/{session_id}/summary", response_model=SessionPublic, dependencies=Changes)
def save_summary(
    session_id: DbId, body: SummaryUpdate, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    """The summary (facilitator) and the caseworker's own learning points."""
    sparring = service.require_participant(
        session=session, user=user, session_id=session_id, need_media=False
    )
    session_round.save_summary(session=session, user=user, sparring=sparring, body=body)
    given = {k for k in ("summary", "learning_points") if getattr(body, k) is not None}
    service.summary_saved(session, request, user, sparring, given)
    return to_public(session, user, sparring)


@router.post("/{session_id}/close", response_model=SessionPublic, dependencies=Changes)
def close_session(
    session_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> SessionPublic:
    sparring = service.require_facilitator(session=session, user=user, session_id=session_id)
    session_round.close(session=session, sparring=sparring)
    service.audited(session, request, user, Action.session_closed, sparring)
    return to_public(session, user, sparring)
