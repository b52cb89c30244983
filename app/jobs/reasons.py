"""Why a job failed, stored as a message key with parameters: each reader sees it in their own
language, and no server path or ffmpeg output is ever stored where a page could show it
(the technical detail goes to the log)."""

import json
import re
from typing import Any

from app.core.i18n import MESSAGES, translate

# Older rows hold plain Danish text; a path in it is a server detail no reader should see.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-]+){2,}")


def encode(key: str, **params: str | int | float) -> str:
    """The stored form of a reason: `{"key": ..., "params": {...}}`."""
    return json.dumps({"key": key, "params": params}, ensure_ascii=False, sort_keys=True)


def decode(stored: str | None) -> tuple[str, dict[str, Any]] | None:
    """The key and parameters of a stored reason; None for none or for an older plain text."""
    if not stored or not stored.startswith("{"):
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None
    params = data.get("params")
    return data["key"], params if isinstance(params, dict) else {}


def key_of(stored: str | None) -> str | None:
    decoded = decode(stored)
    return decoded[0] if decoded else None


def describe(stored: str | None, lang: str) -> str | None:
    """The reason in the reader's language; an older plain text as it is, minus any path."""
    if not stored:
        return None
    decoded = decode(stored)
    if decoded is None:
        return _PATH.sub("…", stored)
    key, params = decoded
    if key not in MESSAGES:
        return translate("failure.unexpected", lang)
    try:
        return translate(key, lang, **params)
    except (KeyError, IndexError, ValueError):  # parameters of an older message version
        return translate("failure.unexpected", lang)
