"""Errors that carry their HTTP status and a message a person can act on."""

from fastapi import Request
from fastapi.responses import JSONResponse

from app.core.i18n import request_language, translate


class VideosparringError(Exception):
    """`key` names a message in app.core.i18n; params fill it in."""

    status_code = 400
    # What a form had filled in, so that a page can show it again beside the message.
    form_values: dict[str, str] = {}

    def __init__(self, key: str, *, status_code: int | None = None, **params: object) -> None:
        self.key = key
        self.params = params
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message())

    def message(self, lang: str = "da") -> str:
        return translate(self.key, lang, **self.params)


class BadInput(VideosparringError):
    status_code = 422


class NotAuthenticated(VideosparringError):
    status_code = 401


class NotPermitted(VideosparringError):
    status_code = 403


class TooManyAttempts(VideosparringError):
    status_code = 429


class NotFound(VideosparringError):
    status_code = 404


class Conflict(VideosparringError):
    status_code = 409


class PayloadTooLarge(VideosparringError):
    status_code = 413


class UnsupportedMedia(VideosparringError):
    status_code = 415


async def handle_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VideosparringError)
    return JSONResponse(
        {"detail": exc.message(request_language(request)), "code": exc.key},
        status_code=exc.status_code,
    )
