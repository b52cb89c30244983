"""One login, whether from the login page or a script: throttled, audited, a new session."""

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import service, throttle
from app.accounts.models import User
from app.audit.service import Action, audit_now, audit_on_commit
from app.core.config import settings
from app.core.csrf import clear_session_cookie, session_token, set_session_cookie
from app.core.errors import NotAuthenticated, TooManyAttempts
from app.core.i18n import N_


class BadLogin(NotAuthenticated):
    """A wrong e-mail or a wrong password: the same answer for both."""


def check(*, request: Request, session: Session, email: str, password: str) -> User:
    """The person, or BadLogin / TooManyAttempts; every outcome goes to the audit log."""
    address = throttle.client_address(request)
    try:
        user = service.authenticate(
            session=session, email=email, password=password, address=address
        )
    except TooManyAttempts:
        audit_now(request, None, Action.login_failed, detail=f"locked: {email[:100]}")
        raise
    if user is None:
        audit_now(request, None, Action.login_failed, detail=email[:100])
        raise BadLogin(N_("Wrong e-mail or password."), code="account.bad_login")
    audit_on_commit(session, request, user, Action.login)
    return user


def open_session(*, request: Request, session: Session, user: User, response: Response) -> str:
    """A new session on the response's cookie; returns the CSRF token bound to it."""
    token = service.start_session(session=session, user=user)
    set_session_cookie(response, request, token, max_age=int(settings.session_hours * 3600))
    return str(request.state.csrf_token)


def close_session(
    *, request: Request, session: Session, user: User | None, response: Response
) -> None:
    """End this browser's (or script's) session and forget its cookie."""
    service.end_session(session=session, token=session_token(request))
    if user is not None:
        audit_on_commit(session, request, user, Action.logout)
    clear_session_cookie(response, request)
