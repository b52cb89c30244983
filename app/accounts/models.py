"""People, their roles and teams, and their login sessions."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class Role(StrEnum):
    administrator = "administrator"  # users, teams, settings; sees recordings only if shared
    leader = "leader"  # aggregate figures only, never a recording or a transcript
    supervisor = "supervisor"
    caseworker = "caseworker"


class User(SQLModel, table=True):
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    role: Role = Field(max_length=16)
    # None until the person opens their one-time link and chooses a password.
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # When the password was last set through a one-time link (links come from an
    # administrator, who may have opened it themself). Shares granted before it are held
    # until the recording's owner confirms the person again.
    link_password_at: datetime | None = None
    # An administrator made a reset link the person has not yet been told about (shown at
    # their next login).
    reset_notice_due: bool = False
    # The language the person chose ("da" or "en"); None: the browser's choice, then Danish.
    language: str | None = Field(default=None, max_length=8)


class Team(SQLModel, table=True):
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class TeamMember(SQLModel, table=True):
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")


class AuthSession(SQLModel, table=True):
    """A login: the cookie holds a random token; only its hash is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LinkPurpose(StrEnum):
    invite = "invite"  # a new account: the person chooses their first password
    reset = "reset"  # an existing account: the person chooses a new password


class AccountLink(SQLModel, table=True):
    """A one-time link to set one's own password: only the token's hash is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=16)  # a LinkPurpose
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class UserPublic(SQLModel):
    id: int
    email: str
    name: str
    role: Role
    active: bool
    language: str | None = None


class LoginRequest(SQLModel):
    """A script's login: the same e-mail and password as on the login page."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class LoginAnswer(SQLModel):
    """The session travels in the cookie; the CSRF token goes in `X-CSRF-Token` on changes."""

    user: UserPublic
    csrf_token: str
