"""What a person does through the provider: sign in, link their account; each audited.

A refusal is written to the audit log at once when nothing was written (on SQLite the log's
writer would wait for the request's own transaction), otherwise, as a sign-in or a link,
once the request's changes are committed.
"""

from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts import throttle
from app.accounts.deps import subject_of
from app.accounts.models import User
from app.audit.service import Action, audit_now, audit_on_commit
from app.core.config import settings
from app.core.errors import VideosparringError
from app.identity import service


def _who(claims: dict[str, Any] | None) -> str:
    if not claims:
        return "unknown"
    return f"{claims.get('email') or ''} sub={str(claims.get('sub', ''))[:80]}".strip()


def refused(
    request: Request, reason: str, claims: dict[str, Any] | None = None, user: User | None = None
) -> None:
    """A sign-in or link the provider vouched for, or claimed to, that was turned away."""
    actor = subject_of(request, user) if user is not None and user.id is not None else None
    audit_now(
        actor,
        Action.login_refused,
        detail=f"provider: {reason}; {_who(claims)}",
        address=throttle.client_address(request),
    )


def sign_in(*, request: Request, session: Session, claims: dict[str, Any]) -> User:
    """The account to open a session for; SignInRefused (audited) otherwise."""
    issuer = settings.oidc_issuer
    try:
        user = service.sign_in(session=session, issuer=issuer, claims=claims)
    except VideosparringError as exc:
        reason = "no role" if isinstance(exc, service.AwaitingRole) else exc.code
        known = service.find(session=session, issuer=issuer, subject=str(claims.get("sub")))
        if known is None:
            refused(request, reason, claims)
        else:  # its account (made now, or disabled) is written: the entry follows the commit
            person = accounts.get_user(session=session, user_id=known.user_id)
            detail = f"provider: {reason}; {_who(claims)}"
            audit_on_commit(
                session, subject_of(request, person), Action.login_refused, detail=detail
            )
        raise
    audit_on_commit(session, subject_of(request, user), Action.login, detail="provider")
    return user


def link(*, request: Request, session: Session, user: User, claims: dict[str, Any]) -> None:
    """The provider's identity to the logged-in person's own account (Conflict otherwise)."""
    try:
        service.link(session=session, user=user, issuer=settings.oidc_issuer, claims=claims)
    except VideosparringError as exc:
        refused(request, f"link {exc.code}", claims, user)
        raise
    detail = f"{settings.oidc_issuer} sub={str(claims.get('sub', ''))[:80]}"
    audit_on_commit(session, subject_of(request, user), Action.identity_linked, detail=detail)
