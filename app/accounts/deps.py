"""Who is asking: the dependency aliases routes use, and the CSRF check."""

import hmac
from typing import Annotated

from fastapi import Depends, Request

from app.accounts import service
from app.accounts.models import Role, User, UserPublic
from app.core.db import SessionDep
from app.core.errors import BadInput, NotAuthenticated, NotPermitted

SESSION_COOKIE = "vs_session"
CSRF_COOKIE = "vs_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class LoginRequired(NotAuthenticated):
    """Pages answer this with a redirect to the login page; the API with 401."""


def optional_user(request: Request, session: SessionDep) -> User | None:
    user = service.user_for_token(session=session, token=request.cookies.get(SESSION_COOKIE))
    # Pages read a plain copy: an error page renders after the session has rolled back.
    request.state.user = UserPublic.model_validate(user) if user else None
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired("account.login_required")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: Role):  # type: ignore[no-untyped-def]
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise NotPermitted("account.not_permitted")
        return user

    return Depends(check)


def csrf_token(request: Request) -> str:
    """The token for this browser; the middleware set it on request.state."""
    return str(request.state.csrf_token)


def tokens_match(sent: str | None, request: Request) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(sent and expected and hmac.compare_digest(sent.encode(), expected.encode()))


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the token from the page (header or form field)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if tokens_match(request.headers.get(CSRF_HEADER), request):
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        if tokens_match(sent if isinstance(sent, str) else None, request):
            return
    if content_type.startswith("multipart/form-data") and request.url.path in UPLOAD_PATHS:
        return  # the upload reader checks the form's token before it stores a byte
    raise BadInput("csrf.invalid", status_code=403)


UPLOAD_PATHS = {"/api/v1/recordings", "/recordings/new"}
CsrfProtected = Depends(check_csrf)
