"""Logging for the web app, the worker and the command line, set up in one place: JSON, one
event a line (or plain text), with the request, job and recording they belong to.

Log calls name things by id only: never a person's name or e-mail address, a title, a case
reference, a file name, transcript text or a search word (README: Logs)."""

import contextlib
import contextvars
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

# What the line belongs to; the formatter adds each one that is set. A job's worker sets
# the request id of the request that made the job (`app.jobs.models.Job.request_id`).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("job_id", default=None)
recording_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "recording_id", default=None
)
CONTEXT: dict[str, contextvars.ContextVar[Any]] = {
    "request_id": request_id,
    "job_id": job_id,
    "recording_id": recording_id,
}

# A client's X-Request-ID is kept only when it is a short token of these characters.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The attributes every LogRecord has: anything else was passed as `extra` and is a field.
# (uvicorn adds `color_message`, its message with terminal colours.)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


def new_request_id(given: str | None = None) -> str:
    """The client's id when it is a safe short token, else a fresh one."""
    if given and SAFE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


@contextlib.contextmanager
def context(**values: str | int | None) -> Iterator[None]:
    """Lines logged in the block carry these (request_id, job_id, recording_id)."""
    tokens = [(CONTEXT[name], CONTEXT[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {name: var.get() for name, var in CONTEXT.items()}
    fields.update(
        {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
    )
    return {k: v for k, v in fields.items() if v is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, then the
    context and the fields passed as `extra`; an exception's traceback as `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, object] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with the context as key=value after the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  logging's name
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return f"{super().formatMessage(record)} {extra}".rstrip()


class _Ours(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler `configure` puts on the root logger (found again on a second call)."""


def configure(log_format: str | None = None, level: str | None = None, force: bool = False) -> None:
    """Every logger through one handler on stderr in the settings' format; uvicorn's
    loggers too (its access log is off: `app.core.requests` logs each request without its
    query string). Like `logging.basicConfig`, nothing changes where something else set
    up the root logger already (a test run calling a command), unless `force`."""
    from app.core.config import settings

    root = logging.getLogger()
    if not force and any(not isinstance(h, _Ours) for h in root.handlers):
        return
    handler = _Ours(sys.stderr)
    fmt = log_format or settings.log_format
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    for old in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    logging.captureWarnings(True)  # a library's warning as a line of its own, not raw text
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True  # its lines hold the raw path, query string and all
