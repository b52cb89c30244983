"""One JSON line per deletion, appended once the deletion is committed and synced to disk:
{"at": ISO time (UTC), "kind": "recording" | "user", "id": "...", "reason": "..."}."""

import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from app.core.config import settings
from app.core.db import after_commit
from app.core.timeutil import utcnow

log = logging.getLogger(__name__)
# Written by `videosparring backup` when no journal is configured: the journal then lives
# beside the backups it protects.
POINTER_NAME = "deletion-journal.path"
JOURNAL_NAME = "deletions.jsonl"


def pointer_file() -> Path:
    return settings.resolved_data_dir / POINTER_NAME


def path() -> Path | None:
    """Where deletions are journaled: the setting, else beside the last backups, else
    nowhere (no backup made yet: nothing to bring back)."""
    if settings.deletion_journal:
        return Path(settings.deletion_journal)
    try:
        noted = pointer_file().read_text().strip()
    except FileNotFoundError:
        return None
    return Path(noted) if noted else None


def note_backup_destination(destination: Path) -> Path:
    """The journal to use from now on when none is configured: beside the backups."""
    journal = path() if settings.deletion_journal else destination / JOURNAL_NAME
    assert journal is not None
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.touch(mode=0o600, exist_ok=True)
    if not settings.deletion_journal:
        pointer_file().write_text(f"{journal}\n")
    return journal


def append(kind: str, ident: str, reason: str, at: datetime | None = None) -> None:
    journal = path()
    if journal is None:
        return
    line = {"at": (at or utcnow()).astimezone(UTC).isoformat(), "kind": kind, "id": ident}
    line["reason"] = reason
    try:
        fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:  # the deletion stands; the operator must see that the journal missed it
        log.error("could not append to the deletion journal %s: %s %s", journal, kind, ident)


def on_commit(session: Session, kind: str, ident: str, reason: str) -> None:
    """Journal a deletion once the transaction that makes it commits (never on rollback)."""
    at = utcnow()
    after_commit(session, lambda: append(kind, ident, reason, at))


def read(journal: Path) -> Iterator[dict[str, str]]:
    """The journal's entries; a torn last line (a crash while appending) is skipped."""
    try:
        lines = journal.read_text().splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and {"at", "kind", "id"} <= set(entry):
            yield entry
