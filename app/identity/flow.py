"""What a browser carries between leaving for the provider and coming back, and after.

Two cookies, each signed under the server secret so that nobody can write one:
- the pending sign-in (state, nonce, PKCE verifier, sign-in or linking, and for linking the
  account it is for), for ten minutes, read once at the callback;
- the ID token of a session begun at the provider, bound to that session, for signing out
  there too (RP-initiated logout's `id_token_hint`).
"""

import base64
import hmac
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.core.csrf import cookie_name, is_https
from app.core.secrets import sign

FLOW_COOKIE = "vs_oidc_flow"
ID_TOKEN_COOKIE = "vs_oidc_session"
FLOW_SECONDS = 600
MAX_COOKIE = 3900


@dataclass(frozen=True)
class Pending:
    state: str
    nonce: str
    verifier: str
    purpose: str  # "sign_in" or "link"
    user_id: int | None  # linking: the account it is for
    next: str
    started: float


def _secure(request: Request) -> bool:
    return is_https(request.scope, dict(request.scope["headers"]))


def _seal(purpose: str, data: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{body}.{sign(purpose, body)}"


def _open(purpose: str, value: str | None) -> dict[str, Any] | None:
    if not value or len(value) > MAX_COOKIE or "." not in value:
        return None
    body, _, mac = value.rpartition(".")
    if not hmac.compare_digest(mac.encode(), sign(purpose, body).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _set(response: Response, request: Request, base: str, value: str, max_age: int) -> None:
    secure = _secure(request)
    # Lax: the provider sends the browser back with a top-level GET from its own site.
    response.set_cookie(
        cookie_name(base, secure), value, max_age=max_age, path="/", secure=secure,
        httponly=True, samesite="lax",
    )  # fmt: skip


def _clear(response: Response, request: Request, base: str) -> None:
    secure = _secure(request)
    response.delete_cookie(cookie_name(base, secure), path="/", secure=secure, httponly=True)


def remember(response: Response, request: Request, pending: Pending) -> None:
    _set(response, request, FLOW_COOKIE, _seal("oidc-flow", asdict(pending)), FLOW_SECONDS)


def take(request: Request) -> Pending | None:
    """The pending sign-in this browser started, if still fresh (`forget` it in the answer)."""
    data = _open("oidc-flow", request.cookies.get(cookie_name(FLOW_COOKIE, _secure(request))))
    try:
        pending = Pending(**data) if data else None
    except TypeError:
        return None
    if pending is None or not 0 <= time.time() - pending.started <= FLOW_SECONDS:
        return None
    return pending


def forget(response: Response, request: Request) -> None:
    """A pending sign-in is used once."""
    _clear(response, request, FLOW_COOKIE)


def keep_id_token(response: Response, request: Request, id_token: str, csrf: str) -> None:
    """The session's ID token, bound to the session by its CSRF token (an HMAC of it)."""
    value = _seal("oidc-session", {"id_token": id_token, "csrf": csrf})
    if len(value) <= MAX_COOKIE:  # else no hint: the provider then asks before signing out
        _set(response, request, ID_TOKEN_COOKIE, value, max_age=12 * 3600)


def id_token_of_session(request: Request, csrf: str) -> str | None:
    """The ID token kept for this very session, or None (a session begun with a password)."""
    cookie = request.cookies.get(cookie_name(ID_TOKEN_COOKIE, _secure(request)))
    data = _open("oidc-session", cookie)
    if not data or not hmac.compare_digest(str(data.get("csrf", "")).encode(), csrf.encode()):
        return None
    return str(data.get("id_token") or "") or None


def forget_id_token(response: Response, request: Request) -> None:
    _clear(response, request, ID_TOKEN_COOKIE)
