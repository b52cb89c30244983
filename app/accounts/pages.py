"""Logging in and out, and changing one's password."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import service
from app.accounts.deps import SESSION_COOKIE, CsrfProtected, CurrentUser, OptionalUser
from app.accounts.models import User
from app.audit.deps import audit_now, audit_on_commit
from app.audit.service import Action
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import request_language
from app.core.middleware import is_https
from app.core.templates import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _logged_in(request: Request, session: Session, user: User, target: str) -> Response:
    """A new session for this browser, and the redirect that carries its cookie."""
    token = service.start_session(session=session, user=user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=is_https(request.scope, dict(request.scope["headers"])),
        max_age=int(settings.session_hours * 3600),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return render(
        request, "accounts/login.html", {"next": _safe_next(request.query_params.get("next"))}
    )


@router.post("/login", dependencies=[CsrfProtected])
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """A wrong e-mail and a wrong password get the same answer."""
    try:
        user = service.authenticate(session=session, email=email, password=password)
    except VideosparringError as exc:  # locked out
        audit_now(request, None, Action.login_failed, detail=f"locked: {email[:100]}")
        return render(
            request,
            "accounts/login.html",
            {
                "error": exc.message(request_language(request)),
                "next": _safe_next(next),
                "email": email,
            },
            status_code=exc.status_code,
        )
    if user is None:
        # Written at once: the failed-login counter commits with this request anyway.
        audit_now(request, None, Action.login_failed, detail=email[:100])
        return render(
            request,
            "accounts/login.html",
            {"error_key": "account.bad_login", "next": _safe_next(next), "email": email},
            status_code=401,
        )
    audit_on_commit(session, request, user, Action.login)
    return _logged_in(request, session, user, _safe_next(next))


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    service.end_session(session=session, token=request.cookies.get(SESSION_COOKIE))
    if user is not None:
        audit_on_commit(session, request, user, Action.logout)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, user: CurrentUser) -> HTMLResponse:
    return render(request, "accounts/password.html", {"user": user})


@router.post("/account/password", dependencies=[CsrfProtected])
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    repeat: Annotated[str, Form(max_length=256)],
) -> Response:
    try:
        if new != repeat:
            raise BadInput("account.password_mismatch")
        service.change_password(session=session, user=user, current=current, new=new)
    except VideosparringError as exc:
        return render(
            request,
            "accounts/password.html",
            {"user": user, "error": exc.message(request_language(request))},
            status_code=exc.status_code,
        )
    audit_on_commit(session, request, user, Action.password_changed)
    # Every session of this user ended; start a fresh one for this browser.
    return _logged_in(request, session, user, "/account/password?changed=1")
