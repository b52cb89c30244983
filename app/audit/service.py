"""Append to the keyed hash chain of the audit log, verify it, and read it back.

Entries are written in their own short transaction, one writer at a time (an advisory
lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the chain never forks. How entries
are linked, and the head file kept outside the database: `app/audit/chain.py`.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event, or_, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, create_engine, select

from app.audit import chain, viewing
from app.audit.models import AuditEntry, AuditHead, AuditViewing
from app.audit.verify import VerifyResult as VerifyResult
from app.audit.verify import verify as verify
from app.core.config import settings
from app.core.db import after_commit
from app.core.timeutil import utcnow

log = logging.getLogger(__name__)
GENESIS = chain.GENESIS
_lock = threading.Lock()
_writer_engines: dict[str, Engine] = {}


class WriterLag:
    """How long this process's entries took from being asked for to being committed (the
    wait for the one writer included), and how many wait now: every audited request waits
    for its entry, so a slow writer slows every page. Read by the metrics (app.metrics)."""

    def __init__(self, keep: int = 1000) -> None:
        self._guard = threading.Lock()
        self.recent: deque[float] = deque(maxlen=keep)
        self.waiting = 0
        self.written = 0

    @contextmanager
    def timing(self) -> Iterator[None]:
        started = time.perf_counter()
        with self._guard:
            self.waiting += 1
        try:
            yield
        finally:
            took = time.perf_counter() - started
            with self._guard:
                self.waiting -= 1
                self.written += 1
                self.recent.append(took)

    def snapshot(self) -> tuple[int, int, list[float]]:
        with self._guard:
            return self.waiting, self.written, list(self.recent)


writer_lag = WriterLag()


class Action:
    """Every kind of entry the product writes."""

    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    password_changed = "password_changed"
    password_reset = "password_reset"  # an administrator made a reset link
    password_set = "password_set"  # the person set their password through a link
    share_confirmed = "share_confirmed"  # the owner gave a team's later member access
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
    transcript_checked = "transcript_checked"  # a line heard and read (correction mode)
    transcript_unchecked = "transcript_unchecked"
    transcribe_again = "transcribe_again"  # a new version asked for (one, or a batch)
    transcript_version = "transcript_version"  # a new version took over (the worker)
    # A person's correction of the conversation's analysis: a voice, a line's speaker, a label.
    insight_corrected = "insight_corrected"
    delete = "delete"
    consent_withdrawn = "consent_withdrawn"
    # One purpose of a consent withdrawn: the shares that needed it ended (each an `unshare`).
    consent_purpose_withdrawn = "consent_purpose_withdrawn"
    retry = "retry"
    retention_delete = "retention_delete"
    audit_export = "audit_export"
    account_unlocked = "account_unlocked"  # an administrator cleared the login throttle
    # The second factor (issue 18)
    password_accepted = "password_accepted"  # the second factor is asked for next
    second_factor_failed = "second_factor_failed"
    second_factor_set_up = "second_factor_set_up"
    recovery_codes_renewed = "recovery_codes_renewed"
    second_factor_removal_proposed = "second_factor_removal_proposed"
    second_factor_removal_withdrawn = "second_factor_removal_withdrawn"
    second_factor_removed = "second_factor_removed"  # approved by a second administrator
    demo_ended = "demo_ended"
    # Feedback and criteria (issue 9)
    feedback_added = "feedback_added"
    feedback_edited = "feedback_edited"
    feedback_deleted = "feedback_deleted"
    feedback_published = "feedback_published"
    feedback_brought = "feedback_brought"  # the caseworker showed an item to a clip's viewers
    feedback_taken_back = "feedback_taken_back"
    criteria_changed = "criteria_changed"
    # Clips and sparring sessions (issue 10)
    clip_created = "clip_created"
    clip_changed = "clip_changed"
    clip_deleted = "clip_deleted"
    session_planned = "session_planned"
    session_changed = "session_changed"  # its time, kind or question
    participant_added = "participant_added"
    participant_removed = "participant_removed"
    session_summary_saved = "session_summary_saved"
    learning_points_saved = "learning_points_saved"
    session_closed = "session_closed"
    session_joined = "session_joined"  # once per participant and session (page, API, live)
    # Sign-in through the municipality's identity provider (issue 18); a sign-in itself is
    # a `login` entry naming the provider.
    login_refused = "login_refused"  # the provider vouched for someone we turned away
    identity_linked = "identity_linked"  # the person tied a provider identity to their account
    restored = "restored"  # the installation restored from a backup (issue 26)
    # Scores on the criteria (issue 25)
    scores_saved = "scores_saved"  # a draft of one's scores on a recording
    scores_published = "scores_published"
    # The anonymous self-assessment (issue 25): a round scheduled. Answers are not audited:
    # that a person answered is kept apart from what (app/selfassessment/models.py).
    self_assessment_scheduled = "self_assessment_scheduled"
    self_assessment_changed = "self_assessment_changed"  # its name or days
    self_assessment_cancelled = "self_assessment_cancelled"  # deleted before anyone answered
    # The child's own voice (issue 25): the page held for the child, the child's answer (never
    # what it was), and the caseworker unlocking it, or failing to.
    child_page_opened = "child_page_opened"
    child_rated = "child_rated"
    child_page_unlocked = "child_page_unlocked"
    child_unlock_failed = "child_unlock_failed"
    chain_keyed = chain.KEYED_MARKER


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


def _chain_start(session: Session, entry: AuditEntry) -> str:
    """The first entry's hash names the chain's head file (one chain per database)."""
    if entry.seq == 1:
        return entry.hash
    first = session.exec(select(AuditEntry.hash).where(AuditEntry.seq == 1)).first()
    return first or GENESIS


def _append(session: Session, now: datetime, fields: dict[str, Any]) -> tuple[AuditEntry, str]:
    """Add the next entry under the writer's lock; the caller commits."""
    head = session.get(AuditHead, 1) or AuditHead(id=1, seq=0, hash=GENESIS)
    detail = str(fields.pop("detail", ""))
    entry = AuditEntry(
        seq=head.seq + 1,
        at=now,
        # Control characters (a NUL from hostile input) never reach the database.
        detail="".join(c if c.isprintable() else "?" for c in detail)[:500],
        prev_hash=head.hash,
        hash="",
        **fields,
    )
    entry.hash = chain.keyed_hash(head.hash, entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.add(head)
    return entry, _chain_start(session, entry)


@contextmanager
def _writer() -> Iterator[Session]:
    """One writer at a time across threads and processes, so the chain never forks."""
    with writer_lag.timing(), _lock, Session(_writer_engine(), expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(74110001)"))
        yield session


def record(
    *,
    action: str,
    actor_id: int | None = None,
    actor_email: str | None = None,
    recording_id: str | None = None,
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry, commit it at once, then copy the new head out of the database."""
    fields = dict(
        action=action,
        actor_id=actor_id,
        actor_email=actor_email,
        recording_id=recording_id,
        detail=detail,
        ip=ip,
    )
    with _writer() as session:
        entry, start = _append(session, utcnow(), fields)
        session.commit()
        chain.append_head(start, entry.seq, entry.hash)
    return entry


def record_viewing(
    *, user_id: int, recording_id: str, kind: str, now: datetime, window: timedelta, **fields: Any
) -> AuditEntry | None:
    """Start a viewing and write its entry, unless one began within the window (None).

    The viewing row and the entry commit together: of several requests racing (threads,
    processes), exactly one starts the viewing, and a viewing never lacks its entry.
    """
    insert = pg_insert if settings.sqlalchemy_url.startswith("postgresql") else sqlite_insert
    row = insert(AuditViewing).values(
        user_id=user_id, recording_id=recording_id, kind=kind, started_at=now
    )
    upsert = row.on_conflict_do_update(
        index_elements=["user_id", "recording_id", "kind"],
        set_={"started_at": row.excluded.started_at},
        # An old viewing is renewed; so is one dated in the future, which is never open.
        where=or_(col(AuditViewing.started_at) <= now - window, col(AuditViewing.started_at) > now),
    ).returning(col(AuditViewing.kind))
    with _writer() as session:
        # A row comes back only if this request inserted the viewing or renewed an old one.
        if session.execute(upsert).first() is None:
            session.rollback()
            return None
        entry, start = _append(session, now, {"recording_id": recording_id, **fields})
        session.commit()
        chain.append_head(start, entry.seq, entry.hash)
    return entry


@dataclass
class AuditFilter:
    action: str | None = None
    actor_email: str | None = None
    # People whose name matches what was typed as "who" (beside their e-mail address).
    actor_ids: list[int] | None = None
    recording_id: str | None = None
    # The recordings of a case reference; an empty list matches nothing.
    recording_ids: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(
    *,
    session: Session,
    where: AuditFilter,
    limit: int | None = 500,
    before: int | None = None,
    after: int | None = None,
) -> list[AuditEntry]:
    """Newest first, filtered; `before`/`after` a sequence number give the page past it."""
    newest_first = after is None
    order = col(AuditEntry.seq).desc() if newest_first else col(AuditEntry.seq).asc()
    query = select(AuditEntry).order_by(order)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.actor_email:
        by_email = col(AuditEntry.actor_email).contains(where.actor_email.lower())
        if where.actor_ids:
            by_email = or_(by_email, col(AuditEntry.actor_id).in_(where.actor_ids))
        query = query.where(by_email)
    if where.recording_id:
        query = query.where(AuditEntry.recording_id == where.recording_id)
    if where.recording_ids is not None:
        query = query.where(col(AuditEntry.recording_id).in_(where.recording_ids))
    if where.since:
        query = query.where(AuditEntry.at >= where.since)
    if where.until:
        query = query.where(AuditEntry.at <= where.until)
    if before is not None:
        query = query.where(col(AuditEntry.seq) < before)
    if after is not None:
        query = query.where(col(AuditEntry.seq) > after)
    if limit:
        query = query.limit(limit)
    entries = list(session.exec(query).all())
    return entries if newest_first else entries[::-1]


@dataclass
class AuditPage:
    """One page of the log, newest first, and whether there is more either side."""

    entries: list[AuditEntry]
    newer: bool
    older: bool


def search_page(
    *, session: Session, where: AuditFilter, size: int, before: int | None, after: int | None
) -> AuditPage:
    """A page of `size` entries: the newest, or those older than `before` / newer than
    `after` (keyset paging: a page stays put while new entries are written)."""
    found = search(session=session, where=where, limit=size + 1, before=before, after=after)
    if after is not None:
        if len(found) <= size:  # back at the newest: the first page, full
            return search_page(session=session, where=where, size=size, before=None, after=None)
        return AuditPage(entries=found[-size:], newer=True, older=True)
    entries = found[:size]
    return AuditPage(entries=entries, newer=before is not None, older=len(found) > size)


# Writing entries for a person: who, from where ---------------------------------------------


class Actor(Protocol):
    """Whoever acts: the person behind a request (app.accounts.subject.Subject)."""

    @property
    def id(self) -> int | None: ...

    @property
    def email(self) -> str: ...

    @property
    def address(self) -> str | None: ...


def audit_now(
    actor: Actor | None,
    action: str,
    recording_id: str | None = None,
    detail: str = "",
    *,
    address: str | None = None,
) -> None:
    """For reads and refusals: the entry is written before the answer goes out. Without an
    actor (a failed login) the client's `address` is given."""
    record(
        action=action,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        recording_id=recording_id,
        detail=detail,
        ip=actor.address if actor else address,
    )


def audit_on_commit(
    session: Session,
    actor: Actor | None,
    action: str,
    recording_id: str | None = None,
    detail: str = "",
) -> None:
    """For changes: the entry is written once the change is committed, never for a rollback."""
    after_commit(session, lambda: audit_now(actor, action, recording_id, detail))


def audit_viewing(
    session: Session,
    actor: Actor,
    action: str,
    recording_id: str,
    kind: str,
    detail: str = "",
) -> None:
    """For reads of content: one entry per viewing, written before the content goes out."""
    assert actor.id is not None
    viewing.note(
        session,
        user_id=actor.id,
        recording_id=recording_id,
        kind=kind,
        action=action,
        actor_email=actor.email,
        detail=detail,
        ip=actor.address,
    )
