"""Pages for sparring sessions: my sessions and learning points, the plan form (works
without JavaScript), and the session page."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import service as account_service
from app.accounts.deps import CsrfProtected, CurrentUser
from app.accounts.models import Role, User
from app.clips import service as clip_service
from app.core.db import SessionDep
from app.core.errors import BadInput, NotPermitted, VideosparringError
from app.core.i18n import N_, request_language
from app.core.ids import MAX_DB_ID, DbId, parse_id
from app.core.templates import render
from app.core.timeutil import local_zone, to_local, utcnow
from app.sessions import forms, routes, service, view
from app.sessions.models import (
    PARTICIPANTS_MAX,
    QUESTION_MAX,
    SessionCreate,
    SessionKind,
    SparringSession,
)
from app.sharing import service as access

router = APIRouter(include_in_schema=False)
PLAN_ROLES = (Role.caseworker, Role.supervisor)


def _may_plan(user: User) -> None:
    if user.role not in PLAN_ROLES:
        raise NotPermitted(
            N_("Only the caseworker or a supervisor plans a session."),
            code="session.plan_not_allowed",
        )


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    """My sessions, planned and past; a caseworker's learning points over time."""
    if user.role == Role.leader:
        raise NotPermitted(
            N_("Your role does not give access to this."), code="account.not_permitted"
        )
    mine = service.mine(session=session, user=user)
    learning = [s for s in mine if s.caseworker_id == user.id and s.learning_points]
    return render(
        request,
        "sessions/list.html",
        {
            "upcoming": sorted(
                (s for s in mine if not service.is_closed(s)), key=lambda s: s.starts_at
            ),
            "past": [s for s in mine if service.is_closed(s)],
            "learning": learning,
            "can_plan": user.role in PLAN_ROLES,
            "titles": _media_titles(session, user, mine),
        },
    )


def _media_titles(session: Session, user: User, rows: list[SparringSession]) -> dict[int, str]:
    """What each session is about, for those who may see it (nothing of the recording else)."""
    titles: dict[int, str] = {}
    for s in rows:
        if s.id is None or not service.sees_media(session=session, user=user, sparring=s):
            continue
        if s.on_clip and s.clip_id is not None:
            clip = clip_service.visible_clip(session=session, user=user, clip_id=s.clip_id)
            titles[s.id] = clip.title
        elif not s.on_clip:
            titles[s.id] = access.visible(
                session=session, user=user, recording_id=s.recording_id
            ).title
    return titles


def _choices(session: Session, user: User) -> list[tuple[str, str, bool]]:
    """(value, label, is_clip): the recordings one may plan on, each followed by its clips
    (all of them for their caseworker; a supervisor, those shared with them)."""
    seen_clips = {c.id for c in clip_service.visible_clips(session=session, user=user)}
    out: list[tuple[str, str, bool]] = []
    for recording in access.list_visible(session=session, user=user):
        own = recording.owner_id == user.id
        if not own and user.role != Role.supervisor:
            continue
        out.append((recording.id, f"{recording.title} ({recording.case_reference})", False))
        for clip in clip_service.clips_of(session=session, recording_id=recording.id):
            if own or clip.id in seen_clips:
                out.append((f"{recording.id}:{clip.id}", clip.title, True))
    return out


def _plan_form(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    last = service.last_learning_points(session=session, caseworker_id=user.id or 0)
    if values is None:
        # The next session starts from the last one's learning points.
        chosen = request.query_params.get("recording", "")
        values = {
            "question": last[:QUESTION_MAX],
            "media": chosen,
            "user_ids": [],
            "kind": "individual",
        }
    people = [
        p
        for p in account_service.list_users(session=session)
        if p.active and p.role in service.PARTICIPANT_ROLES and p.id != user.id
    ]
    return render(
        request,
        "sessions/new.html",
        {
            "choices": _choices(session, user),
            "people": sorted(people, key=lambda p: p.name.lower()),
            "teams": account_service.list_teams(session=session),
            "values": values,
            "error": error,
            "error_field": field,
            "last_learning": last,
            "min_time": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M"),
            "question_max": QUESTION_MAX,
        },
        status_code=status_code,
    )


@router.get("/sessions/new", response_class=HTMLResponse)
def plan_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    _may_plan(user)
    return _plan_form(request, session, user)


def _form_values(form: Any) -> dict[str, Any]:
    """What the form sent, to show again beside a message."""
    return {
        "media": str(form.get("media", "")),
        "kind": str(form.get("kind", "individual")),
        "user_ids": [str(v) for v in form.getlist("user_id")],
        "team_id": str(form.get("team_id", "")),
        "starts_at": str(form.get("starts_at", "")),
        "question": str(form.get("question", ""))[: QUESTION_MAX * 2],
    }


def _to_body(values: dict[str, Any]) -> SessionCreate:
    recording_id, _, clip = values["media"].partition(":")
    if not recording_id:
        raise BadInput(
            N_("Choose the recording or clip for the session."),
            code="session.media_missing",
            field="media",
        )
    try:
        when = datetime.fromisoformat(values["starts_at"]).replace(tzinfo=local_zone())
    except ValueError:
        raise BadInput(
            N_("Choose a date and time for the session."),
            code="session.time_missing",
            field="starts_at",
        ) from None
    kind = values["kind"]
    return SessionCreate(
        kind=SessionKind(kind) if kind in SessionKind.__members__ else SessionKind.individual,
        recording_id=recording_id[:64],
        clip_id=parse_id(clip) if clip else None,
        # An id that is no id is someone unknown: the service says so, with its message.
        user_ids=[parse_id(v) or MAX_DB_ID for v in values["user_ids"]][:PARTICIPANTS_MAX],
        team_id=(parse_id(values["team_id"]) or MAX_DB_ID) if values["team_id"] else None,
        starts_at=when,
        question=values["question"],
    )


@router.post("/sessions/new", dependencies=[CsrfProtected])
async def plan_from_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    _may_plan(user)
    values = _form_values(await request.form())
    try:
        sparring = service.plan(session=session, user=user, body=_to_body(values))
        routes.planned(session, request, user, sparring)
    except VideosparringError as exc:
        session.rollback()
        message = exc.message(request_language(request))
        field = "media" if exc.field in ("clip_id", "recording_id") else exc.field
        return _plan_form(request, session, user, values, message, field, exc.status_code)
    return RedirectResponse(f"/sessions/{sparring.id}", status_code=303)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(
    session_id: DbId, request: Request, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    """The player for the clip or recording (for those its owner shared it with), the
    agenda, the round, who takes part, and the summary and learning points."""
    sparring = service.require_participant(
        session=session, user=user, session_id=session_id, need_media=False
    )
    routes.audit_join(request, session, user, sparring)
    participants = routes.participants(session, sparring)
    page = view.build(
        request=request,
        session=session,
        user=user,
        sparring=sparring,
        participants=participants,
        lang=request_language(request),
    )
    caseworker = session.get(User, sparring.caseworker_id)
    present = {p.user_id for p in participants}
    addable = [
        p
        for p in account_service.list_users(session=session)
        if p.active and p.role in service.PARTICIPANT_ROLES and p.id not in present
    ]
    return render(
        request,
        "sessions/detail.html",
        {
            "page": page,
            "sparring": sparring,
            "caseworker_name": caseworker.name if caseworker else "",
            "saved": request.query_params.get("saved"),
            "addable": sorted(addable, key=lambda p: p.name.lower()) if page.facilitator else [],
            "teams": account_service.list_teams(session=session) if page.facilitator else [],
            **page.context,
        },
    )


router.include_router(forms.router)
