"""How the audit chain is linked, and the copy of its head kept outside the database.

Each entry's hash is an HMAC over the previous hash and the entry's fields, keyed with a
secret that never lives in the database (`app/core/secrets.py`): someone who can write
to the database cannot recompute the chain after changing it. Entries written before
the chain was keyed carry a plain SHA-256; a `chain_keyed` entry, itself keyed, ties
them to the keyed part, so they cannot be rewritten either.

The head (sequence number and hash of each committed entry) is also appended to a file
in the data folder, so removing the newest entries and fixing the stored head shows:
the database must still hold the entry the file names last.
"""

import fcntl
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from app.core.config import settings
from app.core.secrets import sign

GENESIS = "0" * 64
KEYED_MARKER = "chain_keyed"
HEAD_FILE_PREFIX = "audit-chain-"
# The newest lines are at the end; several processes may append slightly out of order,
# so the highest sequence number among the last lines is the head.
_TAIL_BYTES = 64 * 1024


class Linked(Protocol):
    seq: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    action: str
    recording_id: str | None
    detail: str
    ip: str | None


def _body(entry: Linked) -> str:
    at = entry.at.replace(tzinfo=None).isoformat(timespec="microseconds")
    fields = [
        entry.seq,
        at,
        entry.actor_id,
        entry.actor_email,
        entry.action,
        entry.recording_id,
        entry.detail,
        entry.ip,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def legacy_hash(prev_hash: str, entry: Linked) -> str:
    """Plain SHA-256: how entries were linked before the chain was keyed."""
    return hashlib.sha256(f"{prev_hash}|{_body(entry)}".encode()).hexdigest()


def keyed_hash(prev_hash: str, entry: Linked) -> str:
    """HMAC-SHA256 with the audit-chain key: only the service can make it."""
    return sign("audit-chain", f"{prev_hash}|{_body(entry)}")


def head_file(first_hash: str) -> Path:
    """The head file of the chain whose first entry has this hash (one chain per database)."""
    return settings.resolved_data_dir / f"{HEAD_FILE_PREFIX}{first_hash[:16]}.log"


def any_head_files() -> list[Path]:
    return sorted(settings.resolved_data_dir.glob(f"{HEAD_FILE_PREFIX}*.log"))


def append_head(first_hash: str, seq: int, entry_hash: str) -> None:
    """Append one committed entry's link; a lock keeps lines whole across processes."""
    fd = os.open(head_file(first_hash), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{seq} {entry_hash}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def read_head(first_hash: str) -> tuple[int, str] | None:
    """The highest (seq, hash) the head file records; None when there is no file."""
    path = head_file(first_hash)
    try:
        with path.open("rb") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_SH)
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            lines = file.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first may be cut
    best: tuple[int, str] | None = None
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and (best is None or int(parts[0]) > best[0]):
            best = (int(parts[0]), parts[1])
    return best
