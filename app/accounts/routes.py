"""JSON API: logging in and out from a script, and who am I."""

from fastapi import APIRouter, Depends, Request, Response

from app.accounts import login as log_in
from app.accounts.deps import CsrfProtected, CurrentUser, OptionalUser
from app.accounts.models import LoginAnswer, LoginRequest, UserPublic
from app.core.csrf import check_origin
from app.core.db import SessionDep
from app.core.errors import UnsupportedMedia
from app.core.i18n import N_

router = APIRouter(tags=["accounts"])


def same_origin_json(request: Request) -> None:
    """A JSON body from our own origin (or from a script, which sends no Origin)."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMedia(
            N_("Send the login as JSON (Content-Type: application/json)."), code="api.json_only"
        )
    check_origin(request)


@router.post("/auth/login", response_model=LoginAnswer, dependencies=[Depends(same_origin_json)])
def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep
) -> LoginAnswer:
    """The login page's rules (throttling, audit, a new session) for a script.

    No CSRF token is asked for, since before login there is no session to bind one to.
    A page on another site cannot send this request instead: a JSON body needs a CORS
    preflight this server never grants, and a browser's Origin must be our own. The
    second factor goes in `code` beside the password (set it up once on the web page).
    """
    user = log_in.check(request=request, session=session, email=body.email, password=body.password)
    how = "none"
    if log_in.needs_second_factor(session, user):
        how = log_in.check_code(request=request, session=session, user=user, code=body.code)
    notices = log_in.open_session(
        request=request, session=session, user=user, response=response, how=how
    )
    token = str(request.state.csrf_token)
    return LoginAnswer(user=UserPublic.model_validate(user), csrf_token=token, notices=notices)


@router.post("/auth/logout", status_code=204, dependencies=[CsrfProtected])
def logout(request: Request, response: Response, session: SessionDep, user: OptionalUser) -> None:
    log_in.close_session(request=request, session=session, user=user, response=response)


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
