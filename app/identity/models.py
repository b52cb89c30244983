"""Identities at the municipality's identity provider, each tied to one account."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class ProviderIdentity(Numbered, table=True):
    """A person at the provider (issuer + subject) and the account they sign in to.

    Made at a first sign-in (with a new account) or by the person themself while logged in
    (linking): never by matching e-mail addresses, never by an administrator."""

    __tablename__ = "provider_identity"
    __table_args__ = (  # type: ignore[assignment]
        UniqueConstraint("issuer", "subject", name="uq_provider_identity_issuer_subject"),
        {"sqlite_autoincrement": True},
    )

    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None
    # The account was made at the first sign-in without a role the claims gave: it has no
    # access until an administrator gives one (or a later sign-in's claims do).
    awaiting_role: bool = False
