"""Append to the hash-chained audit log, verify the chain, and read it back.

Entries are written in their own short transaction, one writer at a time (an advisory
lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the chain never forks.
"""

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, create_engine, select

from app.audit.models import AuditEntry, AuditHead
from app.core.config import settings
from app.core.timeutil import utcnow

log = logging.getLogger(__name__)
GENESIS = "0" * 64
_lock = threading.Lock()
_writer_engines: dict[str, Engine] = {}


class Action:
    """Every kind of entry the product writes."""

    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    password_changed = "password_changed"
    user_created = "user_created"
    user_updated = "user_updated"
    user_deleted = "user_deleted"
    team_changed = "team_changed"
    settings_changed = "settings_changed"
    upload = "upload"
    view = "view"
    playback = "playback"
    download = "download"
    share = "share"
    unshare = "unshare"
    transcript_edit = "transcript_edit"
    delete = "delete"
    consent_withdrawn = "consent_withdrawn"
    retention_delete = "retention_delete"
    audit_export = "audit_export"


def _writer_engine() -> Engine:
    """A separate engine whose SQLite transactions take the write lock when they begin."""
    url = settings.sqlalchemy_url
    if url not in _writer_engines:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

            @event.listens_for(engine, "connect")
            def _no_autobegin(dbapi_conn, _record):  # type: ignore[no-untyped-def]
                dbapi_conn.isolation_level = None
                dbapi_conn.execute("PRAGMA busy_timeout=30000")

            @event.listens_for(engine, "begin")
            def _begin_immediate(conn):  # type: ignore[no-untyped-def]
                conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=2)
        _writer_engines[url] = engine
    return _writer_engines[url]


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and the entry's fields in a fixed form."""
    at = entry.at.replace(tzinfo=None).isoformat(timespec="microseconds")
    body = json.dumps(
        [
            entry.seq,
            at,
            entry.actor_id,
            entry.actor_email,
            entry.action,
            entry.recording_id,
            entry.detail,
            entry.ip,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def record(
    *,
    action: str,
    actor_id: int | None = None,
    actor_email: str | None = None,
    recording_id: str | None = None,
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry and commit it at once."""
    with _lock, Session(_writer_engine(), expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(74110001)"))
        head = session.get(AuditHead, 1) or AuditHead(id=1, seq=0, hash=GENESIS)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=utcnow(),
            actor_id=actor_id,
            actor_email=actor_email,
            action=action,
            recording_id=recording_id,
            # Control characters (a NUL from hostile input) never reach the database.
            detail="".join(c if c.isprintable() else "?" for c in detail)[:500],
            ip=ip,
            prev_hash=head.hash,
            hash="",
        )
        entry.hash = entry_hash(head.hash, entry)
        head.seq, head.hash = entry.seq, entry.hash
        session.add(entry)
        session.add(head)
        session.commit()
        return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str | None = None


def verify(*, session: Session) -> VerifyResult:
    """Walk the chain from the start; report the first entry that does not fit."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return VerifyResult(
                False, checked, f"entry {entry.seq} does not follow entry {entry.seq - 1}"
            )
        if entry_hash(prev, entry) != entry.hash:
            return VerifyResult(False, checked, f"entry {entry.seq} was altered")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, f"entries after {checked} were removed")
    return VerifyResult(True, checked)


@dataclass
class AuditFilter:
    action: str | None = None
    actor_email: str | None = None
    recording_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(*, session: Session, where: AuditFilter, limit: int | None = 500) -> list[AuditEntry]:
    """Newest first, filtered."""
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc())
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.actor_email:
        query = query.where(col(AuditEntry.actor_email).contains(where.actor_email.lower()))
    if where.recording_id:
        query = query.where(AuditEntry.recording_id == where.recording_id)
    if where.since:
        query = query.where(AuditEntry.at >= where.since)
    if where.until:
        query = query.where(AuditEntry.at <= where.until)
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


CSV_COLUMNS = [
    "seq",
    "at",
    "actor_id",
    "actor_email",
    "action",
    "recording_id",
    "detail",
    "ip",
    "prev_hash",
    "hash",
]


def to_csv(entries: list[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = [getattr(entry, column) for column in CSV_COLUMNS]
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(
            "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row
        )
    yield buffer.getvalue()
