"""Signing in through the municipality's identity provider, linking one's account to it,
and signing out there too."""

import hmac
import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import login as log_in
from app.accounts.deps import CsrfProtected, CurrentUser, OptionalUser
from app.accounts.models import User
from app.accounts.pages import notices_page
from app.core.config import settings
from app.core.db import SessionDep
from app.core.errors import NotFound, VideosparringError
from app.core.i18n import N_, request_language, translate
from app.core.templates import render
from app.identity import actions, flow, provider, service

router = APIRouter(include_in_schema=False)
CALLBACK = "/identity/callback"
ACCOUNT_PAGE = "/account/password"


def _site(request: Request) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _redirect_uri(request: Request) -> str:
    return f"{_site(request)}{CALLBACK}"


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _enabled() -> None:
    if not settings.oidc_enabled:
        raise NotFound(N_("Sign-in through the municipality is not set up."), code="identity.off")


def _page(request: Request, message: str, status_code: int, *, waiting: bool = False) -> Response:
    values = {"message": message, "waiting": waiting}
    return render(request, "identity/refused.html", values, status_code=status_code)


def _unreachable(request: Request) -> Response:
    message = N_("The municipality's login cannot be reached just now. Try again in a moment.")
    return _page(request, translate(message, request_language(request)), 503)


def _leave_for_provider(
    request: Request, purpose: str, user_id: int | None, next_page: str
) -> Response:
    try:
        asked = provider.authorization_request(redirect_uri=_redirect_uri(request))
    except provider.ProviderError:
        return _unreachable(request)
    response = RedirectResponse(asked.url, status_code=303)
    pending = flow.Pending(
        state=asked.state, nonce=asked.nonce, verifier=asked.verifier, purpose=purpose,
        user_id=user_id, next=next_page, started=time.time(),
    )  # fmt: skip
    flow.remember(response, request, pending)
    return response


@router.get("/identity/login")
def start_sign_in(request: Request) -> Response:
    """Off to the provider; it sends the browser back to the callback."""
    _enabled()
    return _leave_for_provider(
        request, "sign_in", None, _safe_next(request.query_params.get("next"))
    )


@router.post("/account/identity/link", dependencies=[CsrfProtected])
def start_link(request: Request, user: CurrentUser) -> Response:
    """The logged-in person links their own municipality login (never anyone else)."""
    _enabled()
    return _leave_for_provider(request, "link", user.id, ACCOUNT_PAGE)


def _claims(request: Request, pending: flow.Pending | None) -> tuple[dict[str, Any], str]:
    """The ID token's claims and the token itself, once state, code, nonce and token hold."""
    q = request.query_params
    state = q.get("state") or ""
    if pending is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise provider.ProviderError("state does not match this browser's sign-in")
    if q.get("error"):
        raise provider.ProviderError(f"provider error {q.get('error', '')[:60]}")
    code = q.get("code")
    if not code or len(code) > 2000:
        raise provider.ProviderError("no code")
    tokens = provider.exchange(
        code=code, verifier=pending.verifier, redirect_uri=_redirect_uri(request)
    )
    claims = provider.verify_id_token(
        id_token=tokens["id_token"], nonce=pending.nonce, access_token=tokens.get("access_token")
    )
    return claims, str(tokens["id_token"])


@router.get(CALLBACK)
def callback(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """Back from the provider: check everything, then sign in or link. The pending sign-in
    is used once, whatever the answer."""
    _enabled()
    pending = flow.take(request)
    response = _come_back(request, session, user, pending)
    flow.forget(response, request)
    return response


def _come_back(
    request: Request, session: SessionDep, user: User | None, pending: flow.Pending | None
) -> Response:
    lang = request_language(request)
    try:
        claims, id_token = _claims(request, pending)
    except provider.ProviderError as exc:
        actions.refused(request, exc.reason)
        message = N_("The sign-in through the municipality could not be completed. Try again.")
        return _page(request, translate(message, lang), 400)
    assert pending is not None
    if pending.purpose == "link":
        return _link(request, session, user, pending, claims)
    try:
        person = actions.sign_in(request=request, session=session, claims=claims)
    except service.AwaitingRole as exc:
        return _page(request, exc.message(lang), 403, waiting=True)
    except VideosparringError as exc:
        return _page(request, exc.message(lang), exc.status_code)
    target = _safe_next(pending.next)
    if not service.second_factor_from_claims(claims) and log_in.needs_second_factor(
        session, person
    ):
        # The provider did not vouch for a second factor: ours is asked for, as after a
        # password (set up the first time).
        response = RedirectResponse(f"/login/second-factor?next={quote(target)}", status_code=303)
        log_in.open_pending(request=request, session=session, user=person, response=response)
        return response
    response = RedirectResponse(target, status_code=303)
    notices = log_in.open_session(
        request=request, session=session, user=person, response=response, how="provider"
    )
    if notices:
        response.headers["location"] = notices_page(notices)
    flow.keep_id_token(response, request, id_token, str(request.state.csrf_token))
    return response


def _link(
    request: Request,
    session: SessionDep,
    user: User | None,
    pending: flow.Pending,
    claims: dict[str, Any],
) -> Response:
    lang = request_language(request)
    if user is None or user.id != pending.user_id:
        # Linking is for the account that asked, in the same browser, still logged in.
        actions.refused(request, "link without its account's session", claims)
        message = N_("Log in again and link from your account page.")
        return _page(request, translate(message, lang), 403)
    try:
        actions.link(request=request, session=session, user=user, claims=claims)
    except VideosparringError as exc:
        return _page(request, exc.message(lang), exc.status_code)
    return RedirectResponse(f"{ACCOUNT_PAGE}?linked=1", status_code=303)


def end_at_provider(request: Request, response: Response) -> None:
    """After a logout (a hook of app.accounts.login): a session begun at the provider ends
    there too, back to our login page afterwards."""
    csrf = str(getattr(request.state, "csrf_token", ""))
    id_token = flow.id_token_of_session(request, csrf) if settings.oidc_enabled else None
    flow.forget_id_token(response, request)
    if id_token is None or response.status_code not in (302, 303):
        return
    url = provider.end_session_url(
        id_token=id_token, post_logout_redirect_uri=f"{_site(request)}/login"
    )
    if url:
        response.headers["location"] = url


def identity_context(request: Request) -> dict[str, Any]:
    """For every page (registered in app.main): whether to offer the municipality's login,
    and on the account page whether the person has linked theirs."""
    values: dict[str, Any] = {"identity_login": settings.oidc_enabled}
    subject = getattr(request.state, "subject", None)
    own = getattr(request.state, "session", None)
    if (
        settings.oidc_enabled
        and request.url.path == ACCOUNT_PAGE
        and subject is not None
        and isinstance(own, Session)
        and own.in_transaction()  # an error page renders after the session has closed
    ):
        values["identity_linked"] = service.has_identity(session=own, user_id=subject.id)
    return values
