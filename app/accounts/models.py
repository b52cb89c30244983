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
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    role: Role = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)


class Team(SQLModel, table=True):
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


class UserPublic(SQLModel):
    id: int
    email: str
    name: str
    role: Role
    active: bool
