"""Logging in and out, changing one's password, and setting it through a one-time link."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import links, service
from app.accounts import login as log_in
from app.accounts.deps import CsrfProtected, CurrentUser, OptionalUser
from app.accounts.models import User
from app.audit.service import Action, audit_on_commit
from app.core.csrf import clear_session_cookie
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import LANGUAGES, request_language
from app.core.templates import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _logged_in(request: Request, session: Session, user: User, target: str) -> Response:
    """A new session for this browser, and the redirect that carries its cookie."""
    response = RedirectResponse(target, status_code=303)
    log_in.open_session(request=request, session=session, user=user, response=response)
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
    """A wrong e-mail and a wrong password get the same answer, lock-out included."""
    try:
        user = log_in.check(request=request, session=session, email=email, password=password)
    except VideosparringError as exc:  # a wrong login, or locked out
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
    if user.reset_notice_due:
        # An administrator made a reset link for this account: the person hears of it now.
        user.reset_notice_due = False
        session.add(user)
        return _logged_in(request, session, user, "/account/password?reset_notice=1")
    return _logged_in(request, session, user, _safe_next(next))


@router.post("/logout", dependencies=[CsrfProtected])
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    response = RedirectResponse("/login", status_code=303)
    log_in.close_session(request=request, session=session, user=user, response=response)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    reset = links.last_reset(session=session, user=user)
    return render(request, "accounts/password.html", {"user": user, "reset": reset})


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
        service.change_password(session=session, user=user, current=current, new=new, repeat=repeat)
    except VideosparringError as exc:
        return render(
            request,
            "accounts/password.html",
            {"user": user, "error": exc.message(request_language(request)), "reset": None},
            status_code=exc.status_code,
        )
    audit_on_commit(session, request, user, Action.password_changed)
    # Every session of this user ended; start a fresh one for this browser.
    return _logged_in(request, session, user, "/account/password?changed=1")


@router.get("/account/link/{token}", response_class=HTMLResponse)
def link_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The one-time link: the person chooses their own password."""
    link, person = links.open_link(session=session, token=token)
    return render(
        request, "accounts/link.html", {"person": person, "purpose": link.purpose, "token": token}
    )


@router.post("/account/link/{token}", dependencies=[CsrfProtected])
def use_link(
    token: str,
    request: Request,
    session: SessionDep,
    new: Annotated[str, Form(max_length=256)],
    repeat: Annotated[str, Form(max_length=256)],
) -> Response:
    link, person = links.open_link(session=session, token=token)
    try:
        links.use_link(session=session, token=token, password=new, repeat=repeat)
    except BadInput as exc:
        values = {"person": person, "purpose": link.purpose, "token": token}
        values["error"] = exc.message(request_language(request))
        return render(request, "accounts/link.html", values, status_code=exc.status_code)
    audit_on_commit(session, request, person, Action.password_set, detail=link.purpose)
    response = RedirectResponse("/login?password_set=1", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/language/{code}")
def switch_language(
    code: str, request: Request, session: SessionDep, user: OptionalUser
) -> RedirectResponse:
    """Choose the language: kept in a cookie, and with the account of a signed-in person."""
    target = request.query_params.get("next", "/recordings")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/recordings"  # only local addresses: no open redirect (browsers read /\ as //)
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 86400, httponly=True, samesite="lax")
        if user is not None and user.id is not None:
            service.set_language(session=session, user_id=user.id, language=code)
    return response
