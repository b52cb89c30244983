"""Jinja2 pages with the request's language and a few formatting filters."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.core.i18n import request_language, translate
from app.core.timeutil import to_local

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def clock(seconds: float | None) -> str:
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def localtime(value: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) time in the `time_zone` setting's local time."""
    if value is None:
        return ""
    return to_local(value).strftime("%d-%m-%Y %H:%M:%S" if seconds else "%d-%m-%Y %H:%M")


def danish_date(value: date | datetime | None) -> str:
    """A date; a stored time gives the local date it fell on."""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d-%m-%Y") if value else ""


def decimal(value: float, lang: str = "da") -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "da" else text


templates.env.filters["clock"] = clock
templates.env.filters["decimal"] = decimal
templates.env.filters["localtime"] = localtime
templates.env.filters["danish_date"] = danish_date


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
