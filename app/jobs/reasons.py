"""Why a job failed, stored as a message key with parameters: each reader sees it in their own
language, and no server path or ffmpeg output is ever stored where a page could show it
(the technical detail goes to the log)."""

import json
import re
from typing import Any

from app.core.i18n import N_, translate

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


# The stored codes and their messages. A code never changes once stored; its wording may.
REASONS = {
    "failure.corrupt": N_(
        "The file is damaged or incomplete, so its sound could not be read. Upload the "
        "original file from the phone, tablet or computer that recorded the conversation."
    ),
    "failure.not_media": N_(
        "The file could not be read as an audio or video recording. Upload the original "
        "recording again."
    ),
    "failure.no_audio": N_(
        "The recording has no sound to transcribe. Upload a recording with sound."
    ),
    "failure.timeout": N_(
        "Processing took too long and was stopped. Try again; if it happens again, contact IT."
    ),
    "failure.rendition": N_(
        "A playable copy of the video could not be made. Try again, or upload the file in "
        "another format (e.g. MP4)."
    ),
    "failure.no_space": N_(
        "The server had no room to process the recording. It will be tried again later; "
        "ask IT to free space."
    ),
    "failure.worker_died": N_(
        "Processing stopped unexpectedly. Try again; if it happens again, contact IT."
    ),
    "failure.unexpected": N_(
        "An unexpected error happened during processing. Try again; if it happens again, "
        "contact IT."
    ),
    "failure.deleted": N_("The recording was deleted before processing finished."),
}


def describe(stored: str | None, lang: str) -> str | None:
    """The reason in the reader's language; an older plain text as it is, minus any path."""
    if not stored:
        return None
    decoded = decode(stored)
    if decoded is None:
        return _PATH.sub("…", stored)
    key, params = decoded
    if key not in REASONS:
        return translate(REASONS["failure.unexpected"], lang)
    try:
        return translate(REASONS[key], lang, **params)
    except (KeyError, IndexError, ValueError, TypeError):  # params of an older message version
        return translate(REASONS["failure.unexpected"], lang)
