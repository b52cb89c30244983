"""The audit log as tests read it: the entries a test itself caused (a log restored from the
template starts empty, but a PostgreSQL database serves a whole test file)."""

from typing import Any

from sqlmodel import col, func, select

from app.audit.models import AuditEntry
from app.core.db import session_scope


def last_seq() -> int:
    """The newest entry's number (0 for an empty log): the entries after it are new."""
    with session_scope() as session:
        return int(session.exec(select(func.max(AuditEntry.seq))).one() or 0)


def entries(since: int = 0, **fields: Any) -> list[AuditEntry]:
    """The entries after number `since` whose fields have these values, oldest first."""
    query = select(AuditEntry).where(AuditEntry.seq > since).order_by(col(AuditEntry.seq))
    for name, value in fields.items():
        query = query.where(getattr(AuditEntry, name) == value)
    with session_scope() as session:
        return list(session.exec(query))
