"""The second factor's pages: the code after the password (set up the first time), and the
person's own page for it (recovery codes, and what administrators did to it)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import login as log_in
from app.accounts import second_factor, throttle
from app.accounts.deps import CsrfProtected, CurrentUser, PendingUser, subject_of
from app.accounts.models import User
from app.accounts.pages import logged_in, notices_page, safe_next
from app.audit.service import Action, audit_on_commit
from app.core.db import SessionDep
from app.core.errors import VideosparringError
from app.core.i18n import request_language
from app.core.templates import render

router = APIRouter(include_in_schema=False)
Code = Annotated[str, Form(max_length=64)]
Next = Annotated[str, Form(max_length=500)]


def _step_page(
    request: Request,
    session: SessionDep,
    user: User,
    target: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The code form, or, for someone without a second factor yet, how to set one up."""
    values: dict[str, object] = {"next": target, "error": error, "person": user}
    if not second_factor.enrolled(user):
        secret = second_factor.pending_secret(session=session, user=user)
        uri = second_factor.provisioning_uri(user, secret)
        values |= {"set_up": True, "qr": second_factor.qr_svg(uri), "secret": secret}
        values["secret_grouped"] = second_factor.grouped(secret)
    return render(request, "accounts/second_factor_login.html", values, status_code=status_code)


@router.get("/login/second-factor", response_class=HTMLResponse)
def step_page(request: Request, session: SessionDep, pending: PendingUser) -> Response:
    target = safe_next(request.query_params.get("next"))
    if pending is None:  # no password given yet, or the few minutes for the code ran out
        return RedirectResponse("/login", status_code=303)
    return _step_page(request, session, pending, target)


@router.post("/login/second-factor", dependencies=[CsrfProtected])
def give_code(
    request: Request, session: SessionDep, pending: PendingUser, code: Code, next: Next = "/"
) -> Response:
    """The authenticator's code or a recovery code completes the login; the first time, the
    code confirms the new authenticator and the recovery codes are shown once."""
    target = safe_next(next)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    enrolling = not second_factor.enrolled(pending)
    try:
        if enrolling:
            address = throttle.client_address(request)
            codes = second_factor.confirm_enrolment(
                session=session, user=pending, code=code, address=address
            )
        else:
            how = log_in.check_pending_code(
                request=request, session=session, user=pending, code=code
            )
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _step_page(request, session, pending, target, message, exc.status_code)
    if not enrolling:
        return logged_in(request, session, pending, target, how=how)
    audit_on_commit(session, subject_of(request, pending), Action.second_factor_set_up)
    due = [n for n, on in _due(pending) if on]
    page = render(
        request,
        "accounts/second_factor_login.html",
        {"codes": codes, "continue_to": notices_page(due) if due else target, "person": pending},
    )
    return logged_in(request, session, pending, target, how="totp", response=page)


def _due(user: User) -> list[tuple[str, bool]]:
    return [
        (log_in.RESET_NOTICE, user.reset_notice_due),
        (log_in.REMOVED_NOTICE, user.second_factor_notice_due),
    ]


def _account_page(
    request: Request,
    session: SessionDep,
    user: User,
    codes: list[str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    left = second_factor.recovery_codes_left(session=session, user=user)
    values = {"person": user, "codes": codes, "codes_left": left, "error": error}
    return render(request, "accounts/second_factor.html", values, status_code=status_code)


@router.get("/account/second-factor", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    return _account_page(request, session, user)


@router.post("/account/second-factor/recovery-codes", dependencies=[CsrfProtected])
def renew_recovery_codes(
    request: Request, session: SessionDep, user: CurrentUser, code: Code
) -> HTMLResponse:
    """New recovery codes (the old stop working), for a code from the authenticator."""
    try:
        log_in.check_pending_code(request=request, session=session, user=user, code=code)
    except VideosparringError as exc:
        message = exc.message(request_language(request))
        return _account_page(request, session, user, error=message, status_code=exc.status_code)
    codes = second_factor.new_recovery_codes(session=session, user=user)
    audit_on_commit(session, subject_of(request, user), Action.recovery_codes_renewed)
    return _account_page(request, session, user, codes=codes)
