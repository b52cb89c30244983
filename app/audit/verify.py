"""Check the audit log: the keyed chain from its first entry, its end against the file, and
the viewing rows against the chain."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from app.audit import chain
from app.audit.models import AuditEntry, AuditHead, AuditViewing
from app.core.config import settings
from app.core.timeutil import utcnow

# Servers' clocks may differ a little; a viewing dated further ahead was not written by one.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str | None = None


def verify(*, session: Session) -> VerifyResult:
    """Walk the chain from the start, then compare its end with the head file."""
    # The file first: an entry committed while we walk is then in the database too.
    first = session.exec(select(AuditEntry.hash).where(AuditEntry.seq == 1)).first()
    recorded = chain.read_head(first) if first else None
    # Entries before the last `chain_keyed` entry may predate the key (a database upgraded,
    # or downgraded and upgraded again); that keyed entry pins them all.
    marker = session.exec(
        select(func.max(AuditEntry.seq)).where(AuditEntry.action == chain.KEYED_MARKER)
    ).one()
    prev, expected_seq, checked = chain.GENESIS, 1, 0
    at_recorded: str | None = None  # the database's hash of the entry the file names last
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return VerifyResult(
                False, checked, f"entry {entry.seq} does not follow entry {entry.seq - 1}"
            )
        pinned = marker is not None and entry.seq < marker
        if entry.hash != chain.keyed_hash(prev, entry) and not (
            pinned and entry.hash == chain.legacy_hash(prev, entry)
        ):
            return VerifyResult(False, checked, f"entry {entry.seq} was altered")
        if recorded and entry.seq == recorded[0]:
            at_recorded = entry.hash
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, f"entries after {checked} were removed")
    result = _compare_with_head_file(first, recorded, at_recorded, checked)
    return _check_viewings(session, result) if result.ok else result


def _check_viewings(session: Session, result: VerifyResult) -> VerifyResult:
    """Every open viewing was started by an entry of the chain (same person, recording and
    moment), and none lies in the future: a row written into the table by hand would
    otherwise leave later reads without an entry (app/audit/viewing.py). A viewing past
    its window hides nothing."""
    now, window = utcnow(), timedelta(minutes=settings.audit_viewing_minutes)
    ahead = session.exec(
        select(AuditViewing).where(col(AuditViewing.started_at) > now + CLOCK_SKEW)
    ).first()
    if ahead is not None:
        return VerifyResult(False, result.checked, f"{_named(ahead)} is dated in the future")
    entry = and_(
        col(AuditEntry.actor_id) == AuditViewing.user_id,
        col(AuditEntry.recording_id) == AuditViewing.recording_id,
        col(AuditEntry.at) == AuditViewing.started_at,
    )
    orphan = session.exec(
        select(AuditViewing)
        .outerjoin(AuditEntry, entry)
        .where(col(AuditEntry.seq).is_(None), col(AuditViewing.started_at) > now - window)
        .order_by(col(AuditViewing.started_at))
    ).first()
    if orphan is not None:
        return VerifyResult(
            False, result.checked, f"{_named(orphan)} has no entry in the chain that started it"
        )
    return result


def _named(row: AuditViewing) -> str:
    when = row.started_at.isoformat(timespec="seconds")
    return f"the viewing of user {row.user_id}, recording {row.recording_id}, {row.kind} at {when}"


def _compare_with_head_file(
    first: str | None, recorded: tuple[int, str] | None, at_recorded: str | None, checked: int
) -> VerifyResult:
    if first is None:
        files = chain.any_head_files()
        if files:
            return VerifyResult(
                False, 0, f"the log is empty, but {files[0]} records a chain: it was removed"
            )
        return VerifyResult(True, 0)
    if recorded is None:
        return VerifyResult(
            False,
            checked,
            f"no head file {chain.head_file(first)}: the chain was replaced or the file removed",
        )
    seq, expected = recorded
    if seq > checked:
        return VerifyResult(
            False,
            checked,
            f"entries after {checked} were removed: the head file records entry {seq}",
        )
    if at_recorded != expected:
        return VerifyResult(False, checked, f"entry {seq} differs from the head file")
    return VerifyResult(True, checked)
