"""The administrator's pages: people, teams, retention, and the audit log."""

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from app.accounts import links, mail
from app.accounts import service as accounts
from app.accounts.deps import CsrfProtected, require
from app.accounts.models import LinkPurpose, Role, User
from app.admin import service
from app.audit import service as audit
from app.audit.service import Action, AuditFilter, audit_now, audit_on_commit
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import N_, request_language
from app.core.ids import DbId, parse_id
from app.core.templates import render
from app.core.timeutil import local_zone
from app.retention import service as retention

router = APIRouter(prefix="/admin", include_in_schema=False)
AdminOnly = require(Role.administrator)
AUDIT_PAGE_SIZE = 50
Admin = Annotated[User, AdminOnly]


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
            "roles": list(Role),
            "error": error,
            "values": values or {},
            "link": link,
            "mail": mail.enabled(),
            "link_hours": int(settings.account_link_hours),
        },
        status_code=status_code,
    )


def _hand_over(
    request: Request, session: SessionDep, admin: User, user: User, purpose: LinkPurpose
) -> Response:
    """Make the person's one-time link: e-mailed where SMTP is set up (a failure rolls
    everything back), else shown to the administrator this once to hand over."""
    token = links.create_link(session=session, user=user, purpose=purpose, by=admin)
    url = links.url_for(token, str(request.base_url))
    action = Action.user_created if purpose == LinkPurpose.invite else Action.password_reset
    detail = f"{user.email} {user.role}" if purpose == LinkPurpose.invite else user.email
    if mail.enabled():
        lang = request_language(request)
        mail.send_link(to=user.email, name=user.name, url=url, purpose=purpose, lang=lang)
        audit_on_commit(session, request, admin, action, detail=f"{detail}; link e-mailed")
        return RedirectResponse(f"/admin/users?sent={purpose.value}", status_code=303)
    audit_on_commit(session, request, admin, action, detail=f"{detail}; link shown to admin")
    shown = {"url": url, "email": user.email, "name": user.name, "purpose": purpose.value}
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
    try:
        user = accounts.create_user(session=session, email=email, name=name, role=role)
    except VideosparringError as exc:
        return _users_page(
            request,
            session,
            exc.message(request_language(request)),
            exc.status_code,
            {"email": email, "name": name, "role": role},
        )
    return _hand_over(request, session, admin, user, LinkPurpose.invite)


@router.post("/users/{user_id}/reset", dependencies=[CsrfProtected])
def reset_password(user_id: DbId, request: Request, session: SessionDep, admin: Admin) -> Response:
    """A reset link for the person; the reset is shown to them at their next login and to the
    owners of the recordings shared with them, whose shares wait for them to confirm again."""
    user = accounts.get_user(session=session, user_id=user_id)
    purpose = service.reset_purpose(admin=admin, user=user)
    return _hand_over(request, session, admin, user, purpose)


@router.post("/users/{user_id}/unlock", dependencies=[CsrfProtected])
def unlock_user(user_id: DbId, request: Request, session: SessionDep, admin: Admin) -> Response:
    """Clear the person's failed logins, so that a locked-out person may try again now."""
    user = accounts.get_user(session=session, user_id=user_id)
    service.unlock(admin=admin, user=user)
    audit_on_commit(session, request, admin, Action.account_unlocked, detail=user.email)
    return RedirectResponse(f"/admin/users?unlocked={user.id}", status_code=303)


@router.post("/users/{user_id}", dependencies=[CsrfProtected])
def update_user(
    user_id: DbId,
    request: Request,
    session: SessionDep,
    admin: Admin,
    role: Annotated[Role, Form()],
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    user = accounts.get_user(session=session, user_id=user_id)
    service.update_person(session=session, admin=admin, user=user, role=role, active=bool(active))
    audit_on_commit(
        session,
        request,
        admin,
        Action.user_updated,
        detail=f"{user.email} {role} active={bool(active)}",
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/delete", dependencies=[CsrfProtected])
def delete_user(user_id: DbId, request: Request, session: SessionDep, admin: Admin) -> Response:
    user = accounts.get_user(session=session, user_id=user_id)
    email = user.email
    for recording_id in service.delete_person(session=session, admin=admin, user=user):
        audit_on_commit(
            session, request, admin, Action.delete, recording_id, f"owner {email} deleted"
        )
    audit_on_commit(session, request, admin, Action.user_deleted, detail=email)
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
    request: Request, session: SessionDep, admin: Admin, name: Annotated[str, Form(max_length=120)]
) -> Response:
    team = accounts.create_team(session=session, name=name)
    audit_on_commit(session, request, admin, Action.team_changed, detail=f"created {team.name}")
    return RedirectResponse("/admin/teams", status_code=303)


@router.post("/teams/{team_id}/members", dependencies=[CsrfProtected])
async def set_team_members(
    team_id: DbId, request: Request, session: SessionDep, admin: Admin
) -> Response:
    form = await request.form()
    ids = [i for v in form.getlist("member") if isinstance(v, str) and (i := parse_id(v))]
    team = accounts.get_team(session=session, team_id=team_id)
    service.set_team_members(session=session, admin=admin, team=team, user_ids=ids)
    audit_on_commit(
        session, request, admin, Action.team_changed, detail=f"{team.name}: members {sorted(ids)}"
    )
    return RedirectResponse("/admin/teams", status_code=303)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    return render(request, "admin/settings.html", {"policy": retention.policy(session=session)})


@router.post("/settings", dependencies=[CsrfProtected])
def save_settings(
    request: Request,
    session: SessionDep,
    admin: Admin,
    default_days: Annotated[int, Form(ge=1, le=3650)],
    max_days: Annotated[int, Form(ge=1, le=3650)],
    warn_days: Annotated[int, Form(ge=0, le=90)],
) -> Response:
    retention.update_policy(
        session=session, default_days=default_days, max_days=max_days, warn_days=warn_days
    )
    audit_on_commit(
        session,
        request,
        admin,
        Action.settings_changed,
        detail=f"retention {default_days}/{max_days}/{warn_days} days",
    )
    return RedirectResponse("/admin/settings?saved=1", status_code=303)


def _audit_filter(request: Request) -> AuditFilter:
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

    return AuditFilter(
        action=q.get("action") or None,
        actor_email=(q.get("actor") or "")[:254] or None,
        recording_id=(q.get("recording") or "")[:32] or None,
        since=day("since", False),
        until=day("until", True),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, admin: Admin) -> HTMLResponse:
    where = _audit_filter(request)
    before, after = (parse_id(request.query_params.get(k, "")) for k in ("before", "after"))
    page = audit.search_page(
        session=session, where=where, size=AUDIT_PAGE_SIZE, before=before, after=after
    )
    # The filters travel with "newer" and "older"; the page position does not.
    filters = {k: v for k, v in request.query_params.items() if k not in ("before", "after")}
    return render(
        request,
        "admin/audit.html",
        {
            "rows": service.readable(session=session, entries=page.entries),
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "actions": sorted(v for k, v in vars(Action).items() if not k.startswith("_")),
            "query": dict(request.query_params),
            "verify": audit.verify(session=session),
        },
    )


@router.get("/audit.csv")
def audit_csv(request: Request, session: SessionDep, admin: Admin) -> StreamingResponse:
    where = _audit_filter(request)
    entries = audit.search(session=session, where=where, limit=None)
    audit_now(request, admin, Action.audit_export, detail=f"{len(entries)} entries")
    return StreamingResponse(
        audit.to_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
