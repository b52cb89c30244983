"""The administrator's pages: people, teams, retention, and the audit log."""

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlmodel import Session

from app.accounts import demo, links, mail, removal
from app.accounts import service as accounts
from app.accounts.deps import CsrfProtected, require
from app.accounts.models import Role
from app.accounts.subject import Subject
from app.admin import actions, audit_view
from app.audit import service as audit
from app.audit.service import Action, AuditFilter, audit_now
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import BadInput, Conflict, NotFound, NotPermitted, VideosparringError
from app.core.i18n import N_, request_language
from app.core.ids import DbId, parse_id
from app.core.templates import render
from app.core.timeutil import local_zone
from app.identity import service as identity
from app.recordings.pages import LANGUAGE_CHOICES
from app.retention import service as retention
from app.transcripts import actions as transcript_actions
from app.transcripts import again
from app.transcripts import service as transcripts
from app.transcripts.models import BatchCreate

router = APIRouter(prefix="/admin", include_in_schema=False)
AdminOnly = require(Role.administrator)
AUDIT_PAGE_SIZE = 50
Admin = Annotated[Subject, AdminOnly]


def _users_page(
    request: Request,
    session: SessionDep,
    error: str | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    link: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "admin/users.html",
        {
            "users": accounts.list_users(session=session),
            "waiting": links.pending_links(session=session),
            # Accounts that sign in through the municipality's login: no reset here.
            "provider_logins": identity.provider_logins(session=session),
            "roles": list(Role),
            "error": error,
            "values": values or {},
            "link": link,
            "mail": mail.enabled(),
            "link_hours": int(settings.account_link_hours),
            "removals": removal.open_removals(session=session),
            "web_approval": removal.web_approval_allowed(session=session),
            "demo_mode": demo.is_on(session),
        },
        status_code=status_code,
    )


def _handed_over(request: Request, session: SessionDep, handed: actions.Handover) -> Response:
    """Back to the list, saying the link was e-mailed; or the list with the link to hand over."""
    if handed.url is None:
        return RedirectResponse(f"/admin/users?sent={handed.purpose.value}", status_code=303)
    person = {"email": handed.user.email, "name": handed.user.name}
    shown = {"url": handed.url, **person, "purpose": handed.purpose.value}
    return _users_page(request, session, link=shown)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    return _users_page(request, session)


@router.post("/users", dependencies=[CsrfProtected])
def create_user(
    request: Request,
    session: SessionDep,
    admin: Admin,
    email: Annotated[str, Form(max_length=254)],
    name: Annotated[str, Form(max_length=120)],
    role: Annotated[Role, Form()],
) -> Response:
    """A new account without a password: the person sets it through a one-time link."""
    values = {"email": email, "name": name, "role": role}
    site, lang = str(request.base_url), request_language(request)
    try:
        handed = actions.invite(
            session=session, admin=admin, email=email, name=name, role=role, site=site, lang=lang
        )
    except (BadInput, Conflict) as exc:  # not made; a failed e-mail (502) rolls all back
        return _users_page(request, session, exc.message(lang), exc.status_code, values)
    return _handed_over(request, session, handed)


@router.post("/users/{user_id}/reset", dependencies=[CsrfProtected])
def reset_password(user_id: DbId, request: Request, session: SessionDep, admin: Admin) -> Response:
    """A reset link for the person (see actions.reset_password)."""
    site, lang = str(request.base_url), request_language(request)
    try:
        handed = actions.reset_password(
            session=session, admin=admin, user_id=user_id, site=site, lang=lang
        )
    except Conflict as exc:  # an account that signs in through the municipality's login
        return _users_page(request, session, exc.message(lang), exc.status_code)
    return _handed_over(request, session, handed)


@router.post("/users/{user_id}/unlock", dependencies=[CsrfProtected])
def unlock_user(user_id: DbId, session: SessionDep, admin: Admin) -> Response:
    """Clear the person's failed logins, so that a locked-out person may try again now."""
    actions.unlock(session=session, admin=admin, user_id=user_id)
    return RedirectResponse(f"/admin/users?unlocked={user_id}", status_code=303)


def _second_factor_step(
    request: Request, session: SessionDep, step: Callable[[], object]
) -> Response:
    """Run a step of a second factor's removal; a refusal is said on the users page."""
    try:
        step()
    except (BadInput, Conflict, NotPermitted, NotFound) as exc:
        message = exc.message(request_language(request))
        return _users_page(request, session, message, exc.status_code)
    return RedirectResponse("/admin/users?second_factor=1", status_code=303)


@router.post("/users/{user_id}/second-factor/remove", dependencies=[CsrfProtected])
def propose_second_factor_removal(
    user_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    """The person lost their authenticator: propose removing it (another must approve)."""
    return _second_factor_step(
        request,
        session,
        lambda: actions.propose_second_factor_removal(
            session=session, admin=admin, user_id=user_id
        ),
    )


@router.post("/second-factor-removals/{removal_id}/approve", dependencies=[CsrfProtected])
def approve_second_factor_removal(
    removal_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    lang = request_language(request)
    return _second_factor_step(
        request,
        session,
        lambda: actions.approve_second_factor_removal(
            session=session, admin=admin, removal_id=removal_id, lang=lang
        ),
    )


@router.post("/second-factor-removals/{removal_id}/withdraw", dependencies=[CsrfProtected])
def withdraw_second_factor_removal(
    removal_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    return _second_factor_step(
        request,
        session,
        lambda: actions.withdraw_second_factor_removal(
            session=session, admin=admin, removal_id=removal_id
        ),
    )


@router.post("/users/{user_id}", dependencies=[CsrfProtected])
def update_user(
    user_id: DbId,
    session: SessionDep,
    admin: Admin,
    role: Annotated[Role, Form()],
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    on = bool(active)  # a checkbox: sent only when ticked
    actions.update_person(session=session, admin=admin, user_id=user_id, role=role, active=on)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/delete", dependencies=[CsrfProtected])
def delete_user(user_id: DbId, session: SessionDep, admin: Admin) -> Response:
    actions.delete_person(session=session, admin=admin, user_id=user_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/teams", response_class=HTMLResponse)
def teams_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    teams = accounts.list_teams(session=session)
    members = {t.id: set(accounts.members_of(session=session, team_id=t.id)) for t in teams}  # type: ignore[arg-type]
    return render(
        request,
        "admin/teams.html",
        {"teams": teams, "members": members, "users": accounts.list_users(session=session)},
    )


@router.post("/teams", dependencies=[CsrfProtected])
def create_team(
    session: SessionDep, admin: Admin, name: Annotated[str, Form(max_length=120)]
) -> Response:
    actions.create_team(session=session, admin=admin, name=name)
    return RedirectResponse("/admin/teams", status_code=303)


@router.post("/teams/{team_id}/members", dependencies=[CsrfProtected])
async def set_team_members(
    team_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    form = await request.form()
    ids = [i for v in form.getlist("member") if isinstance(v, str) and (i := parse_id(v))]
    actions.set_team_members(session=session, admin=admin, team_id=team_id, user_ids=ids)
    # Back at the team, saying it was saved.
    return RedirectResponse(f"/admin/teams?saved={team_id}#team-{team_id}", status_code=303)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    return _settings(request, session)


def _settings(
    request: Request, session: Session, error: VideosparringError | None = None
) -> HTMLResponse:
    """Retention, and transcribing many recordings again (with the refusal of a batch)."""
    lang = request_language(request)
    models = {
        code: transcripts.model_words(settings.whisper_model_for(code))
        for code, _ in LANGUAGE_CHOICES
    }
    shown = {
        "policy": retention.policy(session=session),
        "batches": [transcript_actions.batch_public(b) for b in again.batches(session=session)],
        "languages": [(code, name, models[code]) for code, name in LANGUAGE_CHOICES],
        "today": datetime.now(local_zone()).date(),
        "error": error.message(lang) if error else None,
    }
    return render(
        request, "admin/settings.html", shown, status_code=error.status_code if error else 200
    )


@router.post("/transcripts/again", dependencies=[CsrfProtected])
def transcribe_many_again(
    request: Request, session: SessionDep, admin: Admin, form: Annotated[BatchCreate, Form()]
) -> Response:
    """Every ready recording in a language uploaded in the days given, heard again at low
    priority (after installing a better model)."""
    try:
        transcript_actions.transcribe_many_again(session, admin, form)
    except (BadInput, Conflict) as exc:
        return _settings(request, session, exc)
    return RedirectResponse("/admin/settings?queued=1#transcribe-again", status_code=303)


@router.post("/settings", dependencies=[CsrfProtected])
def save_settings(
    session: SessionDep,
    admin: Admin,
    default_days: Annotated[int, Form(ge=1, le=3650)],
    max_days: Annotated[int, Form(ge=1, le=3650)],
    warn_days: Annotated[int, Form(ge=0, le=90)],
) -> Response:
    days = {"default_days": default_days, "max_days": max_days, "warn_days": warn_days}
    actions.save_retention(session=session, admin=admin, **days)
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


def _audit_filter(request: Request, session: Session) -> AuditFilter:
    q = request.query_params

    def day(name: str, end: bool) -> datetime | None:
        value = q.get(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value[:10])
        except ValueError as exc:
            raise BadInput(N_("Write the date as YYYY-MM-DD."), code="audit.bad_date") from exc
        # The day as the municipality reads it (entries are stored in UTC).
        bound = datetime.combine(parsed.date(), time.max if end else time.min, local_zone())
        return bound.astimezone(UTC)

    who = (q.get("actor") or "").strip()[:254]
    case = (q.get("case") or "").strip()[:64]
    return AuditFilter(
        action=q.get("action") or None,
        actor_email=who or None,
        actor_ids=accounts.ids_named(session=session, words=who) if who else None,
        recording_id=(q.get("recording") or "")[:32] or None,
        recording_ids=audit_view.recordings_with_case(session=session, case_reference=case)
        if case
        else None,
        since=day("since", False),
        until=day("until", True),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    where = _audit_filter(request, session)
    before, after = (parse_id(request.query_params.get(k, "")) for k in ("before", "after"))
    page = audit.search_page(
        session=session, where=where, size=AUDIT_PAGE_SIZE, before=before, after=after
    )
    lang = request_language(request)
    # The filters travel with "newer" and "older"; the page position does not.
    filters = {k: v for k, v in request.query_params.items() if k not in ("before", "after")}
    actions = [v for k, v in vars(Action).items() if not k.startswith("_")]
    return render(
        request,
        "admin/audit.html",
        {
            "rows": audit_view.readable(session=session, entries=page.entries, lang=lang),
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "unknown_case": where.recording_ids == [],
            "actions": sorted(
                ((a, audit_view.action_label(a, lang)) for a in actions), key=lambda a: a[1]
            ),
            "query": dict(request.query_params),
            "verify": audit.verify(session=session),
        },
    )


@router.get("/audit.csv")
def audit_csv(request: Request, session: SessionDep, admin: Admin) -> StreamingResponse:
    where = _audit_filter(request, session)
    entries = audit.search(session=session, where=where, limit=None)
    audit_now(admin, Action.audit_export, detail=f"{len(entries)} entries")
    rows = audit_view.readable(session=session, entries=entries, lang=request_language(request))
    return StreamingResponse(
        audit_view.to_csv(rows, request_language(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
