"""One login, whether from the login page or a script: the password, then the second
factor, throttled and audited, and only then a session that reaches anything.

Between the password and the second factor the browser holds a pending session: it reaches
the second-factor page and nothing else (`app.accounts.deps`), and it lasts minutes.
"""

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import demo, second_factor, service, throttle
from app.accounts.deps import subject_of
from app.accounts.models import User
from app.audit.service import Action, audit_now, audit_on_commit
from app.core.config import settings
from app.core.csrf import clear_session_cookie, session_token, set_session_cookie
from app.core.errors import NotAuthenticated, NotPermitted, TooManyAttempts
from app.core.i18n import N_

PENDING_MINUTES = 10
# What a login tells the person once (LoginAnswer.notices, and the page it lands on).
RESET_NOTICE = "password_reset"
REMOVED_NOTICE = "second_factor_removed"


class BadLogin(NotAuthenticated):
    """A wrong e-mail or a wrong password: the same answer for both."""


class CodeRequired(NotAuthenticated):
    """The password was right; the authenticator's code is still to come."""


def check(*, request: Request, session: Session, email: str, password: str) -> User:
    """The person whose password this is, or BadLogin / TooManyAttempts (audited)."""
    address = throttle.client_address(request)
    try:
        user = service.authenticate(
            session=session, email=email, password=password, address=address
        )
    except TooManyAttempts:
        audit_now(None, Action.login_failed, detail=f"locked: {email[:100]}", address=address)
        raise
    if user is None:
        audit_now(None, Action.login_failed, detail=email[:100], address=address)
        raise BadLogin(N_("Wrong e-mail or password."), code="account.bad_login")
    return user


# What else ends with a session (registered in app.main): signing out at the identity
# provider too, say. Each gets the request and the logout's response.
LogoutHook = Callable[[Request, Response], None]
_logout_hooks: list[LogoutHook] = []


def add_logout_hook(hook: LogoutHook) -> None:
    if hook not in _logout_hooks:
        _logout_hooks.append(hook)


def needs_second_factor(session: Session, user: User) -> bool:
    return second_factor.required(user, demo_mode=demo.is_on(session))


def check_code(*, request: Request, session: Session, user: User, code: str | None) -> str:
    """The second factor for a login that sends it with the password (the API): how it was
    given ("totp" or "recovery"), or an error a script can act on (audited)."""
    if not second_factor.enrolled(user):
        audit_now(subject_of(request, user), Action.second_factor_failed, detail="not set up")
        raise NotPermitted(
            N_(
                "Set up your second factor first: log in once on the web page, where your "
                "authenticator app is connected."
            ),
            code="second_factor.not_set_up",
        )
    if not code:
        raise CodeRequired(
            N_("Send the code from your authenticator app (or a recovery code) in `code`."),
            code="second_factor.code_required",
        )
    return check_pending_code(request=request, session=session, user=user, code=code)


def check_pending_code(*, request: Request, session: Session, user: User, code: str) -> str:
    """The code typed on the second-factor page: accepted once, or audited and refused."""
    try:
        return second_factor.check(
            session=session, user=user, code=code, address=throttle.client_address(request)
        )
    except (second_factor.BadCode, TooManyAttempts) as exc:
        # A claim that found nothing still holds SQLite's write lock, which the audit log's
        # own transaction would wait on: nothing was changed, so let go of it first.
        session.rollback()
        audit_now(subject_of(request, user), Action.second_factor_failed, detail=exc.code)
        raise


def open_pending(*, request: Request, session: Session, user: User, response: Response) -> None:
    """The password was right: a session that reaches only the second-factor page."""
    token = service.start_session(session=session, user=user, minutes=PENDING_MINUTES)
    set_session_cookie(response, request, token, max_age=PENDING_MINUTES * 60)
    audit_on_commit(session, subject_of(request, user), Action.password_accepted)


def open_session(
    *, request: Request, session: Session, user: User, response: Response, how: str | None
) -> list[str]:
    """The login is complete (`how`: "totp", "recovery", or "none" where no second factor
    is needed; None: a complete login renewed, after a password change): a new session on
    the response's cookie, replacing this browser's earlier one. Returns the notices for the
    person, told now and then cleared: only the person themself, past the second factor,
    clears them."""
    service.end_session(session=session, token=session_token(request))
    token = service.start_session(session=session, user=user, second_factor=how or "renewed")
    set_session_cookie(response, request, token, max_age=int(settings.session_hours * 3600))
    if how is None:
        return []
    subject = subject_of(request, user)
    audit_on_commit(session, subject, Action.login, detail=f"second factor: {how}")
    notices = []
    if user.reset_notice_due:
        notices.append(RESET_NOTICE)
    if user.second_factor_notice_due:
        notices.append(REMOVED_NOTICE)
    user.reset_notice_due = user.second_factor_notice_due = False
    session.add(user)
    return notices


def close_session(
    *, request: Request, session: Session, user: User | None, response: Response
) -> None:
    """End this browser's (or script's) session and forget its cookie."""
    for hook in _logout_hooks:  # while the request still names the session
        hook(request, response)
    service.end_session(session=session, token=session_token(request))
    if user is not None:
        audit_on_commit(session, subject_of(request, user), Action.logout)
    clear_session_cookie(response, request)
