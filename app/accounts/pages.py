"""Logging in and out, changing one's password, and setting it through a one-time link."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import links, service
from app.accounts import login as log_in
from app.accounts.deps import CsrfProtected, CurrentUser, OptionalUser, PendingUser, subject_of
from app.accounts.models import User
from app.audit.service import Action, audit_on_commit
from app.core.csrf import clear_session_cookie
from app.core.db import SessionDep
from app.core.errors import BadInput, VideosparringError
from app.core.i18n import LANGUAGES, request_language
from app.core.templates import render

router = APIRouter(include_in_schema=False)
Password = Annotated[str, Form(max_length=256)]


def safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def logged_in(
    request: Request,
    session: Session,
    user: User,
    target: str,
    how: str | None,
    response: Response | None = None,
) -> Response:
    """The login is complete: a session for this browser on the response (by default the
    redirect to `target`), and where a notice is due, the page that tells it."""
    response = response or RedirectResponse(target, status_code=303)
    notices = log_in.open_session(
        request=request, session=session, user=user, response=response, how=how
    )
    if isinstance(response, RedirectResponse) and notices:
        response.headers["location"] = notices_page(notices)
    return response


def notices_page(notices: list[str]) -> str:
    """Where a login with notices lands: the second factor's page says both."""
    if log_in.REMOVED_NOTICE in notices:
        reset = "&reset_notice=1" if log_in.RESET_NOTICE in notices else ""
        return f"/account/second-factor?removed=1{reset}"
    return "/account/password?reset_notice=1"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, user: OptionalUser, pending: PendingUser) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    target = safe_next(request.query_params.get("next"))
    if pending is not None:  # the password was right: the code is what is missing
        return RedirectResponse(f"/login/second-factor?next={quote(target)}", status_code=303)
    return render(request, "accounts/login.html", {"next": target})


@router.post("/login", dependencies=[CsrfProtected])
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Password,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """A wrong e-mail and a wrong password get the same answer, lock-out included. A right
    password leads to the second factor (or, the first time, to setting it up)."""
    try:
        user = log_in.check(request=request, session=session, email=email, password=password)
    except VideosparringError as exc:  # a wrong login, or locked out
        return render(
            request,
            "accounts/login.html",
            {
                "error": exc.message(request_language(request)),
                "next": safe_next(next),
                "email": email,
            },
            status_code=exc.status_code,
        )
    target = safe_next(next)
    if not log_in.needs_second_factor(session, user):
        return logged_in(request, session, user, target, how="none")
    response = RedirectResponse(f"/login/second-factor?next={quote(target)}", status_code=303)
    log_in.open_pending(request=request, session=session, user=user, response=response)
    return response


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
    current: Password,
    new: Password,
    repeat: Password,
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
    audit_on_commit(session, subject_of(request, user), Action.password_changed)
    # Every session of this user ended; start a fresh one for this browser.
    return logged_in(request, session, user, "/account/password?changed=1", how=None)


@router.get("/account/link/{token}", response_class=HTMLResponse)
def link_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The one-time link: the person chooses their own password."""
    link, person = links.open_link(session=session, token=token)
    return render(
        request, "accounts/link.html", {"person": person, "purpose": link.purpose, "token": token}
    )


@router.post("/account/link/{token}", dependencies=[CsrfProtected])
def use_link(
    token: str, request: Request, session: SessionDep, new: Password, repeat: Password
) -> Response:
    link, person = links.open_link(session=session, token=token)
    try:
        links.use_link(session=session, token=token, password=new, repeat=repeat)
    except BadInput as exc:
        values = {"person": person, "purpose": link.purpose, "token": token}
        values["error"] = exc.message(request_language(request))
        return render(request, "accounts/link.html", values, status_code=exc.status_code)
    audit_on_commit(session, subject_of(request, person), Action.password_set, detail=link.purpose)
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
