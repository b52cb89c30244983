"""Danish first, English available: gettext catalogs in app/locale, managed with Babel.

Messages are their English text (the msgid) with python-format params, `%(name)s`. Code
marks a message with `N_()` where it is written and translates it where a person reads it,
in that person's language: an error carries the msgid and its params, not a sentence.
"""

from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


# Formats follow the reader's language: English readers get British conventions (24-hour
# clock, day before month), as a Danish municipality's English readers expect.
BABEL_LOCALES = {"da": "da_DK", "en": "en_GB"}


def babel_locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, BABEL_LOCALES[DEFAULT_LANGUAGE])


class FileSize(int):
    """A number of bytes given as a message param: shown in the reader's format."""

    def localized(self, lang: str) -> str:
        value = float(self)
        for unit in ("B", "KB", "MB"):
            if value < 1024:
                return f"{format_decimal(round(value), locale=babel_locale(lang))} {unit}"
            value /= 1024
        return f"{format_decimal(value, '#,##0.0', locale=babel_locale(lang))} GB"


class Tenths(float):
    """A number given as a message param to a tenth, in the reader's format: 60,0 in
    Danish, 60.0 in English (a recording's length in seconds, say)."""

    def localized(self, lang: str) -> str:
        return format_decimal(float(self), "0.0", locale=babel_locale(lang))


def N_(msgid: str) -> str:
    """Marks a message for extraction; it is translated later, in the reader's language."""
    return msgid


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form; `%(num)d` is the count that picks the form."""
    return (singular, plural)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog (app/locale/<lang>/LC_MESSAGES/messages.mo)."""
    return Translations.load(str(LOCALE_DIR), [lang if lang in LANGUAGES else DEFAULT_LANGUAGE])


def _localized(params: dict[str, object], lang: str) -> dict[str, object]:
    return {
        k: v.localized(lang) if isinstance(v, FileSize | Tenths) else v for k, v in params.items()
    }


def translate(msgid: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    text = translations(lang).gettext(msgid)
    return text % _localized(params, lang) if params else text


def translate_plural(
    singular: str, plural: str, n: int, lang: str = DEFAULT_LANGUAGE, **params: object
) -> str:
    """`n` picks the form (Danish and English: one, other) and fills `%(num)d`."""
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **_localized(params, lang)}


def request_language(request: Request) -> str:
    """?lang= wins, then the signed-in person's saved choice, then the cookie, then the
    browser's Accept-Language (by its q-values), then Danish."""
    user = getattr(request.state, "user", None)
    saved = getattr(user, "language", None)
    for candidate in (request.query_params.get("lang"), saved, request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return str(candidate)
    return accepted_language(request.headers.get("accept-language", ""))


def accepted_language(header: str) -> str:
    """The first of our languages the browser accepts, by preference (RFC 9110 q-values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
