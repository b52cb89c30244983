"""Headers every response carries, the CSRF cookie, and a body limit for every request."""

import secrets

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accounts.deps import CSRF_COOKIE, UPLOAD_PATHS
from app.core.config import settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityMiddleware:
    """Security headers, no-store by default, a CSRF cookie, and a body size limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cookie = _cookie(headers.get(b"cookie", b"").decode("latin-1"), CSRF_COOKIE)
        token = cookie if cookie and len(cookie) <= 64 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token
        secure = is_https(scope, headers)
        limit = None if scope["path"] in UPLOAD_PATHS else settings.max_request_bytes

        declared = headers.get(b"content-length", b"")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                names = {k.lower() for k, _ in out}
                out += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    out.append((b"cache-control", b"no-store"))
                if secure:
                    out.append((b"strict-transport-security", b"max-age=31536000"))
                if cookie != token:
                    flags = "Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
                    out.append((b"set-cookie", f"{CSRF_COOKIE}={token}; {flags}".encode()))
                message = {**message, "headers": out}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            await _too_large(send, limit or 0)


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on instead of a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Forespørgslen er for stor (højst {limit} bytes).")


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def is_https(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    if settings.cookie_secure != "auto":
        return settings.cookie_secure == "always"
    return scope.get("scheme") == "https" or headers.get(b"x-forwarded-proto") == b"https"


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail": "Forespørgslen er for stor (højst {limit} bytes)."}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
