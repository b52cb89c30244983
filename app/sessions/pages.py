"""Pages for sparring sessions: my sessions and learning points, the plan form (works
without JavaScript), and the session page."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.access import policy
from app.accounts import service as account_service
from app.accounts.deps import CsrfProtected, CurrentSubject
from app.accounts.models import Role
from app.accounts.subject import Subject
from app.clips import service as clip_service
from app.core.db import SessionDep
from app.core.errors import BadInput, NotPermitted, VideosparringError
from app.core.i18n import N_, request_language
from app.core.ids import MAX_DB_ID, parse_id
from app.core.templates import render
from app.core.timeutil import local_zone, to_local, utcnow
from app.criteria import service as criteria_service
from app.sessions import actions, forms, service, view
from app.sessions import round as session_round
from app.sessions.deps import About
from app.sessions.models import (
    CASE_MAX,
    PARTICIPANTS_MAX,
    QUESTION_MAX,
    SessionCreate,
    SessionKind,
    SparringSession,
)

router = APIRouter(include_in_schema=False)
PLAN_ROLES = (Role.caseworker, Role.supervisor)


def _may_plan(subject: Subject) -> None:
    if subject.role not in PLAN_ROLES:
        raise NotPermitted(
            N_("Only the caseworker or a supervisor plans a session."),
            code="session.plan_not_allowed",
        )


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    """My sessions, planned and past; a caseworker's learning points over time."""
    if subject.role == Role.leader:
        raise NotPermitted(
            N_("Your role does not give access to this."), code="account.not_permitted"
        )
    mine = service.mine(session=session, subject=subject)
    learning = [s for s in mine if s.caseworker_id == subject.id and s.learning_points]
    service.audit_texts_listed(session, subject, learning)
    return render(
        request,
        "sessions/list.html",
        {
            "upcoming": sorted(
                (s for s in mine if not service.is_closed(s)), key=lambda s: s.starts_at
            ),
            "past": [s for s in mine if service.is_closed(s)],
            "learning": learning,
            "can_plan": subject.role in PLAN_ROLES,
            "titles": _media_titles(session, subject, mine),
        },
    )


def _media_titles(
    session: Session, subject: Subject, rows: list[SparringSession]
) -> dict[int, str]:
    """What each session is about, for those who may see it (nothing of the recording else)."""
    titles: dict[int, str] = {}
    for s in rows:
        media = service.media_of(session, s)
        if s.id is not None and policy.reads_session_content(session, subject, media):
            titles[s.id] = media.title  # type: ignore[union-attr]
    return titles


def _choices(session: Session, subject: Subject) -> list[tuple[str, str, bool]]:
    """(value, label, is_clip): the recordings one may plan on, each followed by its clips
    (all of them for their caseworker; a supervisor, those shared with them)."""
    seen_clips = {c.id for c in clip_service.shared_with(session=session, subject=subject)}
    out: list[tuple[str, str, bool]] = []
    for recording in policy.readable_recordings(session, subject):
        own = recording.owner_id == subject.id
        if not own and subject.role != Role.supervisor:
            continue
        out.append((recording.id, f"{recording.title} ({recording.case_reference})", False))
        for clip in clip_service.clips_of(session=session, recording_id=recording.id):
            if own or clip.id in seen_clips:
                out.append((f"{recording.id}:{clip.id}", clip.title, True))
    return out


def _plan_form(
    request: Request,
    session: Session,
    subject: Subject,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    last = service.last_learning_points(session=session, caseworker_id=subject.id)
    if values is None:
        # The next session starts from the last one's learning points.
        chosen = request.query_params.get("recording", "")
        kind = request.query_params.get("kind", "")
        values = {
            "question": last[:QUESTION_MAX],
            "media": chosen,
            "user_ids": [],
            "kind": kind if kind in SessionKind.__members__ else "individual",
        }
    people = [
        p
        for p in account_service.list_users(session=session)
        if p.active and p.role in service.PARTICIPANT_ROLES and p.id != subject.id
    ]
    choices = _choices(session, subject)
    return render(
        request,
        "sessions/new.html",
        {
            "choices": choices,
            # The caseworker may share what they plan on in the same step.
            "may_share": subject.role == Role.caseworker and bool(choices),
            "people": sorted(people, key=lambda p: p.name.lower()),
            "teams": account_service.list_teams(session=session),
            "values": values,
            "error": error,
            "error_field": field,
            "last_learning": last,
            "min_time": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M"),
            "question_max": QUESTION_MAX,
            "case_max": CASE_MAX,
        },
        status_code=status_code,
    )


@router.get("/sessions/new", response_class=HTMLResponse)
def plan_page(request: Request, session: SessionDep, subject: CurrentSubject) -> HTMLResponse:
    _may_plan(subject)
    return _plan_form(request, session, subject)


def _form_values(form: Any) -> dict[str, Any]:
    """What the form sent, to show again beside a message."""
    return {
        "media": str(form.get("media", "")),
        "kind": str(form.get("kind", "individual")),
        "user_ids": [str(v) for v in form.getlist("user_id")],
        "team_id": str(form.get("team_id", "")),
        "starts_at": str(form.get("starts_at", "")),
        "question": str(form.get("question", ""))[: QUESTION_MAX * 2],
        "case_text": str(form.get("case_text", ""))[: CASE_MAX * 2],
        "share": form.get("share") == "1",
    }


def _to_body(values: dict[str, Any]) -> SessionCreate:
    kind = values["kind"]
    reflection = kind == SessionKind.reflection
    # A reflection is on no recording: whatever the list shows as chosen is left out.
    recording_id, _, clip = ("", "", "") if reflection else values["media"].partition(":")
    if not recording_id and not reflection:
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
    return SessionCreate(
        kind=SessionKind(kind) if kind in SessionKind.__members__ else SessionKind.individual,
        recording_id=recording_id[:64],
        clip_id=parse_id(clip) if clip else None,
        # An id that is no id is someone unknown: the service says so, with its message.
        user_ids=[parse_id(v) or MAX_DB_ID for v in values["user_ids"]][:PARTICIPANTS_MAX],
        team_id=(parse_id(values["team_id"]) or MAX_DB_ID) if values["team_id"] else None,
        starts_at=when,
        question=values["question"],
        case_text=values.get("case_text", ""),
        share=values.get("share", False) and not reflection,
    )


@router.post("/sessions/new", dependencies=[CsrfProtected])
async def plan_from_page(
    request: Request, session: SessionDep, subject: CurrentSubject
) -> Response:
    _may_plan(subject)
    values = _form_values(await request.form())
    try:
        sparring = actions.plan(session=session, subject=subject, body=_to_body(values))
    except VideosparringError as exc:
        session.rollback()
        message = exc.message(request_language(request))
        field = "media" if exc.field in ("clip_id", "recording_id") else exc.field
        return _plan_form(request, session, subject, values, message, field, exc.status_code)
    return RedirectResponse(f"/sessions/{sparring.id}", status_code=303)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(about: About, request: Request) -> HTMLResponse:
    """The player for the clip or recording (for those its owner shared it with), the
    agenda, the round, who takes part, and the summary and learning points."""
    session = about.session
    sparring = actions.joined(about).sparring
    participants = actions.participants(session, sparring)
    page = view.build(request, about, sparring, participants)
    present = {p.user_id for p in participants if not p.held}
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
            "player": page.player,
            "caseworker_name": actions.name_of(session, sparring.caseworker_id),
            "saved": request.query_params.get("saved"),
            "addable": sorted(addable, key=lambda p: p.name.lower()) if page.facilitator else [],
            "teams": account_service.list_teams(session=session) if page.facilitator else [],
            "tags": session_round.tags(session, sparring) if page.sees_texts else [],
            "rubric": _rubric(session, sparring) if page.caseworker else [],
        },
    )


def _rubric(session: Session, sparring: SparringSession) -> list[tuple[int, str, str]]:
    """(id, name_da, name_en) of the criteria the caseworker may tag learning points with:
    those in use, and any retired one already tagged."""
    tagged = {v.criterion_id for _, v in session_round.tags(session, sparring)}
    return [
        (c.id, v.name_da, v.name_en)
        for c, v in criteria_service.catalogue(session=session)
        if c.id is not None and (c.retired_at is None or c.id in tagged)
    ]


router.include_router(forms.router)
