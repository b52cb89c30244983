"""Writing audit entries from a request: who, from where."""

from fastapi import Request
from sqlmodel import Session

from app.accounts.models import User
from app.audit import service, viewing
from app.core.db import after_commit


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit_now(
    request: Request,
    user: User | None,
    action: str,
    recording_id: str | None = None,
    detail: str = "",
) -> None:
    """For reads: the entry is written before the answer goes out."""
    service.record(
        action=action,
        actor_id=user.id if user else None,
        actor_email=user.email if user else None,
        recording_id=recording_id,
        detail=detail,
        ip=client_ip(request),
    )


def audit_on_commit(
    session: Session,
    request: Request,
    user: User | None,
    action: str,
    recording_id: str | None = None,
    detail: str = "",
) -> None:
    """For changes: the entry is written once the change is committed, never for a rollback."""
    after_commit(session, lambda: audit_now(request, user, action, recording_id, detail))


def audit_viewing(
    request: Request,
    session: Session,
    user: User,
    action: str,
    recording_id: str,
    kind: str,
    detail: str = "",
) -> None:
    """For reads of content: one entry per viewing, written before the content goes out."""
    assert user.id is not None
    viewing.note(
        session,
        user_id=user.id,
        recording_id=recording_id,
        kind=kind,
        action=action,
        actor_email=user.email,
        detail=detail,
        ip=client_ip(request),
    )
