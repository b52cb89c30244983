"""Who is asking: the dependency aliases routes use (the CSRF check lives in app.core.csrf)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.accounts import service, throttle
from app.accounts.models import Role, User, UserPublic
from app.accounts.subject import Subject

# Re-exported: routes import their dependencies from here.
from app.core.csrf import CsrfProtected as CsrfProtected
from app.core.csrf import session_token
from app.core.db import SessionDep
from app.core.errors import NotAuthenticated, NotPermitted, VideosparringError
from app.core.i18n import N_


class LoginRequired(NotAuthenticated):
    """Pages answer this with a redirect to the login page; the API with 401."""


class Held(VideosparringError, status=423):
    """This login is held on one page (the child's, app.childvoice): pages send the browser
    back there (`to`), the API answers 423 until the person unlocks it."""

    def __init__(self, to: str) -> None:
        super().__init__(
            N_("This browser shows a page that must be unlocked first."), code="account.held"
        )
        self.to = to


# What may hold a login on one page (registered in app.main): given the request's session,
# its login token and the path asked for, the page to send it to, or None to let it pass.
Hold = Callable[[Session, str, str], str | None]
_holds: list[Hold] = []


def add_hold(hold: Hold) -> None:
    if hold not in _holds:
        _holds.append(hold)


def held_at(session: Session, token: str, path: str) -> str | None:
    """The page a held login must go back to instead of `path` (None: it may go there)."""
    for hold in _holds:
        if (to := hold(session, token, path)) is not None:
            return to
    return None


def subject_of(request: Request, user: User) -> Subject:
    return Subject.of(user, address=throttle.client_address(request))


def optional_user(request: Request, session: SessionDep) -> User | None:
    token = session_token(request)
    user = service.user_for_token(session=session, token=token)
    if user is not None and token and (to := held_at(session, token, request.url.path)):
        raise Held(to)
    # Pages read a plain copy: an error page renders after the session has rolled back.
    request.state.user = UserPublic.model_validate(user) if user else None
    request.state.subject = subject_of(request, user) if user else None
    request.state.session = session  # the top bar's unread count reads through this session
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired(N_("Log in to continue."), code="account.login_required")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def pending_user(request: Request, session: SessionDep) -> User | None:
    """The person between their password and their second factor (None for anyone else):
    the only thing such a session reaches is the second-factor page."""
    user = service.pending_user_for_token(session=session, token=session_token(request))
    request.state.user = None
    request.state.subject = None
    return user


PendingUser = Annotated[User | None, Depends(pending_user)]


def current_subject(request: Request, user: CurrentUser) -> Subject:
    """The signed-in person as the access rules and the audit log see them: resolved once
    per request, with the login check."""
    subject: Subject = request.state.subject
    return subject


CurrentSubject = Annotated[Subject, Depends(current_subject)]


def require(*roles: Role):  # type: ignore[no-untyped-def]
    def check(subject: CurrentSubject) -> Subject:
        if subject.role not in roles:
            raise NotPermitted(
                N_("Your role does not give access to this."), code="account.not_permitted"
            )
        return subject

    return Depends(check)


# The administrator alone (403 to anyone else signed in): for routes and pages.
Administrator = Annotated[Subject, require(Role.administrator)]
