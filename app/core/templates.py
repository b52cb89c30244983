"""Jinja2 pages with the request's language and a few formatting filters."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.core.i18n import request_language, translate

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def clock(seconds: float | None) -> str:
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


templates.env.filters["clock"] = clock


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    lang = request_language(request)

    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    ctx = {"lang": lang, "t": t, **(context or {})}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    # Pages carry case data: never cached by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response
