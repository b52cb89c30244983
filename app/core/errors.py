"""Errors that carry their HTTP status and a message a person can act on."""

import logging
from collections.abc import Mapping
from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.config import settings
from app.core.i18n import N_, request_language, translate, translate_plural
from app.core.labels import LABELS
from app.core.templates import render

log = logging.getLogger(__name__)


class VideosparringError(Exception):
    """`msgid` is an English message marked with N_(); params fill it in when it is shown,
    in the reader's language. `code` is the stable name an API client sees."""

    status_code = 400
    # What a form had filled in, so that a page can show it again beside the message.
    form_values: dict[str, str] = {}
    # The form field the message is about (its name), so that a page can mark that field.
    field: str | None = None
    # Headers the answer carries beside the message (a protocol's own, say).
    headers: dict[str, str] = {}

    def __init_subclass__(cls, *, status: int | None = None, **kwargs: object) -> None:
        """`class NotFound(VideosparringError, status=404)`: the HTTP status it answers with."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status

    def __init__(
        self,
        msgid: str | tuple[str, str],
        *,
        code: str = "error",
        status_code: int | None = None,
        **params: object,
    ) -> None:
        self.msgid = msgid
        self.code = code
        self.params = params
        if isinstance(params.get("field"), str):
            self.field = str(params["field"])
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message())

    def message(self, lang: str = "da") -> str:
        # A `detail` marked with N_() is a message too; anything else (a file's own
        # characters, say) is not in the catalog and stays as it is.
        params = {
            k: translate(v, lang) if k == "detail" and isinstance(v, str) else v
            for k, v in self.params.items()
        }
        if isinstance(self.msgid, tuple):  # N_plural(...): params["num"] picks the form
            num = int(params.pop("num", 0))  # type: ignore[call-overload]
            singular, plural = self.msgid
            return translate_plural(singular, plural, num, lang, **params)
        return translate(self.msgid, lang, **params)


class BadInput(VideosparringError, status=422):
    """A value the person gave cannot be used as it is."""


class NotAuthenticated(VideosparringError, status=401):
    """Nobody is logged in, or the session has ended."""


class NotPermitted(VideosparringError, status=403):
    """The person is known but may not do this."""


class TooManyAttempts(VideosparringError, status=429):
    """Too many failed tries in a row (logins): wait, then try again."""


class TooManyAtOnce(VideosparringError, status=429):
    """One person asks for more at once than one may (a second PDF while the first is made)."""


class NotFound(VideosparringError, status=404):
    """The thing asked for does not exist, or the person may not know that it does."""


class Conflict(VideosparringError, status=409):
    """The change clashes with what is already there (a name taken, a state moved on)."""


class PayloadTooLarge(VideosparringError, status=413):
    """The body is larger than the limit."""


class UnsupportedMedia(VideosparringError, status=415):
    """The body (a file, a request) is not of a kind the product reads."""


class InsufficientStorage(VideosparringError, status=507):
    """The disk (or quota) is full: nothing was kept; the operator must make room."""


class Unavailable(VideosparringError, status=503):
    """A service the app needs (the media store) does not answer: nothing was changed."""

    headers = {"Retry-After": "30"}


T = TypeVar("T")


def found(row: T | None, msgid: str, *, code: str) -> T:
    """`row`, or NotFound with the message (marked with N_()) when there is none."""
    if row is None:
        raise NotFound(msgid, code=code)
    return row


def error_response(
    request: Request,
    *,
    status_code: int,
    message: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    field: str | None = None,
) -> Response:
    """`{"detail", "code"}` (and the form `field` it is about, if any) on the API, and to a
    page's script that asks for JSON (a form it sends itself); the error page elsewhere."""
    wants_json = request.headers.get("accept", "").startswith("application/json")
    if request.url.path.startswith("/api/") or wants_json:
        body = {"detail": message, "code": code} | ({"field": field} if field else {})
        return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))
    values = {"message": message, "heading": error_heading(status_code)}
    response = render(request, "error.html", values, status_code=status_code)
    response.headers.update(headers or {})
    return response


_HEADINGS = {404: N_("Not found"), 403: N_("Not for you"), 429: N_("Wait a little")}


def error_heading(status_code: int) -> str:
    """The error page's heading: what kind of trouble it is (the message says what to do)."""
    if status_code >= 500:
        return N_("Something went wrong")
    return _HEADINGS.get(status_code, N_("That could not be done"))


# Pydantic's error types, grouped by what a person should do about them.
_KINDS = {
    "missing": "missing",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "int_parsing": "number",
    "int_type": "number",
    "int_from_float": "number",
    "int_parsing_size": "number",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "less_than_equal": "too_big",
    "less_than": "too_big",
    "enum": "choice",
    "literal_error": "choice",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "date_type": "date",
    "json_invalid": "json",
    # A lone surrogate ("\ud800" in JSON) where a field has limits; app.core.text says the
    # same for the others.
    "string_unicode": "broken",
}
_LOCATIONS = {"body", "path", "query", "form", "header", "cookie"}


def _field_label(loc: tuple[object, ...], lang: str) -> str:
    names = [part for part in loc if isinstance(part, str) and part not in _LOCATIONS]
    if not names:
        return translate(N_("The request") if loc[:1] == ("body",) else N_("A field"), lang)
    msgid = LABELS["label"].get(names[-1], N_("A field"))
    return translate(msgid, lang)


def validation_message(exc: RequestValidationError, lang: str) -> tuple[str, str]:
    """The first problem, in words: the field by its label, never its internal name."""
    errors = exc.errors()
    error = errors[0] if errors else {}
    kind = _KINDS.get(str(error.get("type", "")), "value")
    ctx = error.get("ctx") or {}
    field = _field_label(tuple(error.get("loc", ())), lang)
    params = {
        "field": field,
        "max": ctx.get("max_length", ctx.get("le", ctx.get("lt", ""))),
        "min": ctx.get("min_length", ctx.get("ge", ctx.get("gt", ""))),
    }
    return translate(LABELS["invalid"][kind], lang, **params), f"invalid.{kind}"


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message, code = validation_message(exc, request_language(request))
    return error_response(request, status_code=422, message=message, code=code)


_HTTP_ERRORS = {
    404: ("http.not_found", N_("The page does not exist.")),
    405: ("http.method_not_allowed", N_("That action cannot be used here.")),
    413: ("request.too_large", N_("The request is too large (at most %(limit)s bytes).")),
}


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown address, wrong method, body too large)."""
    assert isinstance(exc, StarletteHTTPException)
    lang = request_language(request)
    code, msgid = _HTTP_ERRORS.get(
        exc.status_code, ("http.error", N_("The request could not be completed."))
    )
    limit = getattr(exc, "limit", settings.max_request_bytes)  # BodyTooLarge carries it
    message = translate(msgid, lang, limit=limit)
    return error_response(
        request, status_code=exc.status_code, message=message, code=code, headers=exc.headers
    )


async def handle_data_error(request: Request, exc: Exception) -> Response:
    """The database refused a value (a NUL character, a number beyond its column): the
    transaction rolled back, so nothing changed; the person gets a 422, not a 500."""
    assert isinstance(exc, DataError)
    # The database's words may quote the value (a title, a search word): its class and code.
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    log.warning("refused a value the database cannot store: %s %s", type(exc.orig).__name__, code)
    lang = request_language(request)
    message = translate(
        N_(
            "One of the values cannot be stored (for example an "
            "invisible control character or a far too large number). "
            "Correct it and try again."
        ),
        lang,
    )
    return error_response(request, status_code=422, message=message, code="invalid.unstorable")


async def handle_database_down(request: Request, exc: Exception) -> Response:
    """The database does not answer (restarting, the network gone): nothing was changed, the
    transaction rolled back; a 503 the person can act on, and the pool reconnects by itself
    once it is back (pool_pre_ping)."""
    log.warning("the database did not answer: %s", type(exc).__name__)
    message = translate(
        N_("The database cannot be reached right now. Nothing was changed: try again in a minute."),
        request_language(request),
    )
    return error_response(
        request,
        status_code=503,
        message=message,
        code="service.database_down",
        headers={"Retry-After": "30"},
    )


async def handle_store_down(request: Request, exc: Exception) -> Response:
    """The media store failed where no caller turned it into a message of its own (it is
    down, or refused): a 503 the person can act on, not a 500."""
    log.warning("the media store failed: %s", exc)
    message = translate(
        N_("The media store cannot be reached just now. Try again in a moment."),
        request_language(request),
    )
    return error_response(
        request,
        status_code=503,
        message=message,
        code="media.unavailable",
        headers=Unavailable.headers,
    )
