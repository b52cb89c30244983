"""How a job's attempt fails: for good (the input itself is broken) or to be tried again,
always with a reason a person can read (a message key, `app.jobs.reasons`), whatever kind
of job it is."""

import errno
import logging
import sqlite3

from app.jobs import reasons
from app.media.probe import MediaError

log = logging.getLogger(__name__)

NO_SPACE = reasons.encode("failure.no_space")
UNEXPECTED = reasons.encode("failure.unexpected")


class PermanentFailure(Exception):
    """Trying again cannot help (the file itself is broken): fail the job now. `reason` is the
    stored message key; the exception's text is the technical detail, for the log only."""

    def __init__(self, key: str, detail: str = "", **params: str | int | float) -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.reason = reasons.encode(key, **params)


class NoSpace(Exception):
    """The disk is full: the attempt fails with a reason a person can act on; it is retried."""

    def __init__(self) -> None:
        super().__init__("no space left on the device")


def is_disk_full(exc: BaseException) -> bool:
    """A write failed because the disk (or quota) is full: a file, SQLite or PostgreSQL."""
    for cause in (exc, exc.__cause__, getattr(exc, "orig", None)):
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(cause, sqlite3.OperationalError) and "disk is full" in str(cause):
            return True
        if getattr(cause, "sqlstate", None) == "53100":  # PostgreSQL disk_full
            return True
    return isinstance(exc, NoSpace)


# The reader's message for each kind of media error; the step is named in the log only.
_MEDIA_KEYS = {
    "timeout": "failure.timeout",
    "no_audio": "failure.no_audio",
    "not_media": "failure.not_media",
    "corrupt": "failure.corrupt",
}


def media_failure(exc: MediaError, step: str, key: str | None = None) -> Exception:
    """What a failed ffmpeg or ffprobe run means for the job: retried (a full disk) or
    failed now with the reader's message (`key`, else the one for its kind of error)."""
    if exc.kind == "no_space":
        return NoSpace()
    log.warning("%s failed (%s): %s", step, exc.kind, exc.detail)
    return PermanentFailure(key or _MEDIA_KEYS.get(exc.kind, "failure.corrupt"), exc.detail)
