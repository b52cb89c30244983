"""CSRF: a token bound to the login, and the own-origin check on state-changing requests.

The token is an HMAC, under the server secret, of the session token (before login: of a
random pre-login value in its own cookie). A cookie another site plants therefore proves
nothing: the expected token is computed here, never read from a cookie. The `vs_csrf`
cookie is only a copy of the current token for scripts and tests; nothing trusts it.

Under HTTPS the cookies carry the `__Host-` prefix, so that a sibling subdomain cannot set
them. Another port on the same host shares cookies and counts as "same-site", so the
`Origin` (or `Referer`) of every state-changing request must be exactly our own origin.
"""

import hmac
import secrets
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.types import Scope

from app.core.config import settings
from app.core.errors import BadInput
from app.core.i18n import N_
from app.core.proxies import is_trusted_proxy
from app.core.secrets import sign

SESSION_COOKIE = "vs_session"
PRELOGIN_COOKIE = "vs_prelogin"
TOKEN_COOKIE = "vs_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Paths whose multipart body the upload reader streams; it checks the form's token itself.
UPLOAD_PATHS = {"/api/v1/recordings", "/recordings/new"}
# A resumable upload's bytes: PATCH /api/v1/uploads/<id> (the upload checks its own limit).
RESUMABLE_PREFIX = "/api/v1/uploads/"


def is_upload_body(scope: Scope) -> bool:
    """A request whose body is a recording: no general size limit (the upload has its own)."""
    path = str(scope["path"])
    return path in UPLOAD_PATHS or (
        scope.get("method") == "PATCH" and path.startswith(RESUMABLE_PREFIX)
    )


DEFAULT_PORTS = {"http": "80", "https": "443"}


# Where the request came from: the scheme and host the browser used.


def _trusted_peer(scope: Scope) -> bool:
    """The direct peer is a proxy named in the `trusted_proxies` setting."""
    client = scope.get("client")
    return client is not None and is_trusted_proxy(client[0])


def _forwarded(scope: Scope, headers: Mapping[bytes, bytes], name: bytes) -> str | None:
    """What the nearest trusted proxy wrote in an X-Forwarded-* header (its last entry)."""
    if not _trusted_peer(scope):
        return None
    value = headers.get(name, b"").decode("latin-1").split(",")[-1].strip()
    return value or None


def request_scheme(scope: Scope, headers: Mapping[bytes, bytes]) -> str:
    forwarded = _forwarded(scope, headers, b"x-forwarded-proto")
    return (forwarded or str(scope.get("scheme", "http"))).lower()


def is_https(scope: Scope, headers: Mapping[bytes, bytes]) -> bool:
    if settings.cookie_secure != "auto":
        return settings.cookie_secure == "always"
    return request_scheme(scope, headers) == "https"


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case, the default port left out; None if not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and str(port) != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def own_origin(scope: Scope, headers: Mapping[bytes, bytes]) -> str | None:
    """The origin of the `public_url` setting, else the scheme and Host the browser used."""
    if settings.public_url:
        return normalise_origin(settings.public_url)
    host = _forwarded(scope, headers, b"x-forwarded-host") or headers.get(b"host", b"").decode(
        "latin-1"
    )
    if not host:
        return None
    return normalise_origin(f"{request_scheme(scope, headers)}://{host}")


def origin_allowed(scope: Scope, headers: Mapping[bytes, bytes]) -> bool:
    """Origin, or without it Referer, is exactly our origin; neither (not a browser): allowed.

    Every current browser sends Origin on a POST, so a request with neither comes from a
    script, which still needs the session-bound token. `Origin: null` (sandboxed frames,
    data: pages) is refused.
    """
    sent = headers.get(b"origin")
    if sent is None:
        sent = headers.get(b"referer")
        if sent is None:
            return True
    mine = own_origin(scope, headers)
    theirs = normalise_origin(sent.decode("latin-1"))
    return mine is not None and theirs is not None and hmac.compare_digest(mine, theirs)


# Cookies and the token.


def cookie_name(base: str, secure: bool) -> str:
    return f"__Host-{base}" if secure else base


def _secure(request: Request) -> bool:
    return is_https(request.scope, dict(request.scope["headers"]))


def read_cookie(request: Request, base: str) -> str | None:
    """Under HTTPS only the `__Host-` cookie counts: a plain one may come from a sibling."""
    value = request.cookies.get(cookie_name(base, _secure(request)))
    return value if value and len(value) <= 256 else None


def session_token(request: Request) -> str | None:
    return read_cookie(request, SESSION_COOKIE)


def token_for(*, session: str | None, prelogin: str | None) -> str:
    if session:
        return sign("csrf", f"session:{session}")
    return sign("csrf", f"prelogin:{prelogin or ''}")


def new_prelogin_value() -> str:
    return secrets.token_urlsafe(24)


def expected_token(request: Request) -> str:
    """The token this browser's own pages carry (set on request.state by the middleware)."""
    return str(request.state.csrf_token)


def tokens_match(sent: str | None, request: Request) -> bool:
    expected = expected_token(request)
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


def _set_cookie(
    response: Response,
    base: str,
    value: str,
    *,
    secure: bool,
    samesite: Literal["lax", "strict"] = "strict",
    max_age: int | None = None,
) -> None:
    """One of our cookies: for the whole site, never readable by a page's scripts."""
    name = cookie_name(base, secure)
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite=samesite
    )


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    """The session cookie, and the CSRF token bound to it for the pages that follow."""
    secure = _secure(request)
    _set_cookie(response, SESSION_COOKIE, token, secure=secure, samesite="lax", max_age=max_age)
    request.state.csrf_token = token_for(session=token, prelogin=None)
    _set_token_copy(response, request, secure)


def clear_session_cookie(response: Response, request: Request) -> None:
    secure = _secure(request)
    response.delete_cookie(
        cookie_name(SESSION_COOKIE, secure), path="/", secure=secure, httponly=True
    )
    prelogin = read_cookie(request, PRELOGIN_COOKIE)
    if prelogin is None:
        prelogin = new_prelogin_value()
        set_prelogin_cookie(response, request, prelogin)
    request.state.csrf_token = token_for(session=None, prelogin=prelogin)
    _set_token_copy(response, request, secure)


def set_prelogin_cookie(response: Response, request: Request, value: str) -> None:
    _set_cookie(response, PRELOGIN_COOKIE, value, secure=_secure(request))


def _set_token_copy(response: Response, request: Request, secure: bool) -> None:
    _set_cookie(response, TOKEN_COOKIE, str(request.state.csrf_token), secure=secure)


def check_origin(request: Request) -> None:
    """Refuse a state-changing request that a page on another site sent (403)."""
    if not origin_allowed(request.scope, dict(request.scope["headers"])):
        raise BadInput(
            N_(
                "The request came from a page other than Videosparring and "
                "was refused. Open Videosparring yourself and try again."
            ),
            code="csrf.origin",
            status_code=403,
        )


async def check_csrf(request: Request) -> None:
    """Every state-changing request comes from our own origin with the session's token."""
    if request.method in SAFE_METHODS:
        return
    check_origin(request)
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
    raise BadInput(
        N_("The form has expired or came from another site. Reload the page and try again."),
        code="csrf.invalid",
        status_code=403,
    )


CsrfProtected = Depends(check_csrf)
