"""Headers every response carries (500 included), the CSRF token, and a body limit."""

import json
import logging
from functools import cache
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import settings
from app.core.csrf import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    TOKEN_COOKIE,
    cookie_name,
    is_https,
    is_upload_body,
    new_prelogin_value,
    token_for,
)
from app.core.i18n import N_, request_language, translate
from app.core.templates import render

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Not "no-referrer": with it a browser sends `Origin: null` on our own form posts, and
    # the own-origin check needs the real one. Other sites still get no Referer.
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
MAX_COOKIE_VALUE = 256


@cache
def _headers_for(issuer: str) -> list[tuple[bytes, bytes]]:
    """The headers, with the identity provider's origin (if any) as a place our forms may
    lead to: linking one's account and logging out go on there by a redirect."""
    if not issuer:
        return SECURITY_HEADERS
    parts = urlsplit(issuer)
    csp = CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return [(b"content-security-policy", csp.encode()), *SECURITY_HEADERS[1:]]


def security_headers() -> list[tuple[bytes, bytes]]:
    return _headers_for(settings.oidc_issuer if settings.oidc_enabled else "")


class SecurityMiddleware:
    """Security headers, no-store by default, the CSRF token, and a body size limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        secure = is_https(scope, headers)
        cookies = {
            k: v
            for k, v in cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).items()
            if v and len(v) <= MAX_COOKIE_VALUE
        }
        session = cookies.get(cookie_name(SESSION_COOKIE, secure))
        prelogin = cookies.get(cookie_name(PRELOGIN_COOKIE, secure))
        fresh_prelogin = None
        if not session and not prelogin:
            fresh_prelogin = prelogin = new_prelogin_value()
        state = scope.setdefault("state", {})
        # Login and logout put the new token here; the cookie copy follows it below.
        state["csrf_token"] = token_for(session=session, prelogin=prelogin)
        token_copy = cookies.get(cookie_name(TOKEN_COOKIE, secure))
        limit = None if is_upload_body(scope) else settings.max_request_bytes

        declared = headers.get(b"content-length", b"")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                names = {k.lower() for k, _ in out}
                out += [h for h in security_headers() if h[0] not in names]
                if b"cache-control" not in names:
                    out.append((b"cache-control", b"no-store"))
                if secure:
                    out.append((b"strict-transport-security", b"max-age=31536000"))
                setting = {v.split(b"=")[0].strip() for k, v in out if k.lower() == b"set-cookie"}
                flags = "Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
                if fresh_prelogin and cookie_name(PRELOGIN_COOKIE, secure).encode() not in setting:
                    name = cookie_name(PRELOGIN_COOKIE, secure)
                    out.append((b"set-cookie", f"{name}={fresh_prelogin}; {flags}".encode()))
                copy_name = cookie_name(TOKEN_COOKIE, secure)
                if token_copy != state["csrf_token"] and copy_name.encode() not in setting:
                    value = state["csrf_token"]
                    out.append((b"set-cookie", f"{copy_name}={value}; {flags}".encode()))
                message = {**message, "headers": out}
            await send(message)

        if limit is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send_with_headers, limit)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(scope, send_with_headers, limit or 0)
        except Exception:
            # The server's own 500 would go out without our headers: answer here, then let
            # the exception travel on to be logged.
            if started:
                raise
            await _server_error(scope, send_with_headers)
            raise


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on instead of a 400."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            413, translate(N_("The request is too large (at most %(limit)s bytes)."), limit=limit)
        )


async def _answer(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json(detail: str, *, code: str) -> bytes:
    return json.dumps({"detail": detail, "code": code}, ensure_ascii=False).encode()


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    lang = request_language(Request(scope))
    body = _json(
        translate(N_("The request is too large (at most %(limit)s bytes)."), lang, limit=limit),
        code="request.too_large",
    )
    await _answer(send, 413, b"application/json", body)


async def _server_error(scope: Scope, send: Send) -> None:
    request = Request(scope)
    lang = request_language(request)
    message = translate(
        N_(
            "Something went wrong on our side. Nothing was changed. Try "
            "again shortly, and contact IT if it keeps happening."
        ),
        lang,
    )
    if scope["path"].startswith("/api/"):
        await _answer(
            send,
            500,
            b"application/json",
            _json(message, code="server.error"),
        )
        return
    try:
        response = render(request, "error.html", {"message": message}, status_code=500)
        body = bytes(response.body)
    except Exception:  # the page itself failed: say it plainly
        log.exception("error page failed")
        body = f"<!doctype html><title>{message}</title><p>{message}</p>".encode()
    await _answer(send, 500, b"text/html; charset=utf-8", body)
