"""Jinja2 pages in the request's language: gettext from the catalogs, Babel's formats."""

import logging
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time, format_timedelta, get_datetime_format
from babel.numbers import format_decimal, get_decimal_symbol
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from app.core.i18n import FileSize, babel_locale, request_language, translations
from app.core.labels import LABELS
from app.core.timeutil import local_zone, to_local

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
env = templates.env
env.add_extension("jinja2.ext.i18n")
env.policies["ext.i18n.trimmed"] = True

log = logging.getLogger(__name__)


def _lang(context: Context) -> str:
    return str(context.get("lang", "da"))


# One environment serves every request: the gettext callables read the page's language
# from its context rather than being installed per request (which would race between two
# requests in different languages).
@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(_lang(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, ctxt: str, message: str) -> str:
    return str(translations(_lang(context)).pgettext(ctxt, message))


@pass_context
def _npgettext(context: Context, ctxt: str, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).npgettext(ctxt, singular, plural, n)


env.install_gettext_callables(  # type: ignore[attr-defined]
    _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
)


@pass_context
def label(context: Context, family: str, value: object, **params: object) -> str:
    """A value's word (`label("status", r.status)`): app/core/labels.py holds the msgids."""
    msgid = LABELS[family].get(str(value))
    if msgid is None:
        return str(value)
    text = translations(_lang(context)).gettext(msgid)
    return text % params if params else text


def clock(seconds: float | None) -> str:
    """A position in a recording in whole seconds, 1:02:03 or 2:03: the same in every
    language (no decimal sign; `clock_tenths` for a tenth, in the reader's)."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock_tenths(seconds: float | None, lang: str, *, always: bool = False) -> str:
    """A position to the tenth of a second with the language's decimal sign, as
    app/static/clock.js's clockTenths shows it: 1:05,5 in Danish, 1:05.5 in English, and
    1:05 when the tenth is 0 (`always`: 1:05,0)."""
    tenths = math.floor(max(0.0, float(seconds or 0)) * 10 + 0.5)  # as JS's Math.round
    whole, tenth = clock(tenths // 10), tenths % 10
    if not tenth and not always:
        return whole
    sign = get_decimal_symbol(babel_locale(lang))
    return f"{whole}{sign}{tenth}"


@pass_context
def clock_tenths_filter(context: Context, seconds: float | None, always: bool = False) -> str:
    """`{{ t | clock_tenths }}`: a position to the tenth, in the reader's decimal sign."""
    return clock_tenths(seconds, _lang(context), always=always)


def local_date(value: date | datetime, lang: str, format: str = "short") -> str:
    """A date in the language's format; a stored time gives the local date it fell on."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, format, locale=babel_locale(lang))


@pass_context
def date_filter(context: Context, value: date | datetime | None, format: str = "short") -> str:
    """A date as the reader reads it."""
    return "" if value is None else local_date(value, _lang(context), format)


def local_datetime(value: datetime, lang: str, seconds: bool = False) -> str:
    """A stored (UTC) time in the municipality's time zone, in the language's format."""
    locale = babel_locale(lang)
    local = to_local(value)
    day = format_date(local, "short", locale=locale)
    time = format_time(local, "medium" if seconds else "short", tzinfo=local_zone(), locale=locale)
    return str(get_datetime_format("short", locale=locale)).replace("'", "").format(time, day)


@pass_context
def datetime_filter(context: Context, value: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) time as the reader reads it: the municipality's zone, their locale."""
    return "" if value is None else local_datetime(value, _lang(context), seconds)


@pass_context
def number(context: Context, value: float | None, digits: int | None = None) -> str:
    """A number with the reader's decimal and grouping signs (1.234,5 or 1,234.5)."""
    if value is None:
        return ""
    pattern = f"#,##0.{'0' * digits}" if digits else None
    return format_decimal(value, pattern, locale=babel_locale(_lang(context)))


@pass_context
def duration(context: Context, seconds: float | None) -> str:
    """A length of time in words ("5 minutter", "2 hours")."""
    delta = timedelta(seconds=float(seconds or 0))
    return format_timedelta(delta, threshold=1.5, locale=babel_locale(_lang(context)))


@pass_context
def filesize(context: Context, value: int | None) -> str:
    """Bytes as a person reads them ("4,0 GB")."""
    return FileSize(value or 0).localized(_lang(context))


env.globals["label"] = label
env.filters["clock"] = clock
env.filters["clock_tenths"] = clock_tenths_filter
env.filters["date"] = date_filter
env.filters["datetime"] = datetime_filter
env.filters["number"] = number
env.filters["duration"] = duration
env.filters["filesize"] = filesize


# What every page's frame needs from features that core may not import (the unread count
# in the top bar): app.main registers a function; each is called on every render.
ContextHook = Callable[[Request], Mapping[str, Any]]
_context_hooks: list[ContextHook] = []


def add_context_hook(hook: ContextHook) -> None:
    """Add `hook(request)`'s values to every page's context (once, however often called)."""
    if hook not in _context_hooks:
        _context_hooks.append(hook)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    ctx: dict[str, Any] = {"lang": request_language(request)}
    for hook in _context_hooks:
        try:
            ctx.update(hook(request))
        except Exception:
            # An error page of the server's (the database down) still shows, without the
            # top bar's extras (the unread count, the demo banner) it could not read.
            if status_code < 500:
                raise
            log.warning("left out a page extra on a %d page", status_code)
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    # Pages carry case data: never cached by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response
