"""Who is asking: the person behind a request, as every access rule and audit entry sees them.

Resolved once per request (`app.accounts.deps.CurrentSubject`) and passed down, so that the
rules in `app.access.policy` and the audit log read the same facts.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.accounts.models import Role, User


class SignIn(StrEnum):
    """How the person signed in to the session behind this request."""

    password = "password"


@dataclass(frozen=True, slots=True)
class Subject:
    id: int
    email: str
    name: str
    role: Role
    active: bool
    language: str | None
    # The person's password was last set through a one-time link (an administrator made
    # it, and may have opened it themself): grants given before this are held.
    held_before: datetime | None
    signed_in_with: SignIn
    address: str | None  # the client address, for the audit log

    @classmethod
    def of(
        cls, user: User, *, address: str | None = None, signed_in_with: SignIn = SignIn.password
    ) -> "Subject":
        assert user.id is not None
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            active=user.active,
            language=user.language,
            held_before=user.link_password_at,
            signed_in_with=signed_in_with,
            address=address,
        )

    @property
    def sees_content(self) -> bool:
        """Recordings, clips and sessions are for active people in roles that work with
        cases: never a leader, never an administrator (who runs the accounts and the log),
        never a disabled account."""
        return self.active and self.role not in (Role.leader, Role.administrator)

    def holds(self, granted_at: datetime) -> bool:
        """Whether a grant given at `granted_at` is held (given before the link password)."""
        return self.held_before is not None and granted_at <= self.held_before
