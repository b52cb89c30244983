"""People, their roles and teams, and their login sessions."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class Role(StrEnum):
    administrator = "administrator"  # users, teams, settings; sees recordings only if shared
    leader = "leader"  # aggregate figures only, never a recording or a transcript
    supervisor = "supervisor"
    caseworker = "caseworker"


class User(Numbered, table=True):
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
    # The second factor (app.accounts.second_factor): the authenticator's TOTP secret,
    # encrypted with a key from the server secret; set up when `totp_enrolled_at` is set.
    totp_secret: str | None = Field(default=None, max_length=255)
    totp_enrolled_at: datetime | None = None
    # The last time step whose code was accepted: a code works once.
    totp_last_step: int | None = None
    # Two administrators removed the second factor: told at the person's next login.
    second_factor_notice_due: bool = False
    # Made by the start command on an empty database (demo mode, app.accounts.demo).
    demo: bool = False
    # Which notifications the person also gets by e-mail, comma-separated kinds
    # (app.feedback.notification_mail); None: the default choice.
    mail_kinds: str | None = Field(default=None, max_length=200)


class Team(Numbered, table=True):
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
    # None: the password was right but the second factor is still to come; such a session
    # reaches only the second-factor pages (app.accounts.deps).
    second_factor_at: datetime | None = None


class RecoveryCode(Numbered, table=True):
    """A one-time code for when the authenticator is lost: only its hash is stored."""

    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = None


class SecondFactorRemoval(Numbered, table=True):
    """A lost authenticator: one administrator proposes removing the person's second
    factor, a different one approves (or the server's operator, `videosparring
    second-factor approve ID`, where there are fewer than three administrators)."""

    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    proposed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    proposed_at: datetime = Field(default_factory=utcnow)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # "web" (another administrator) or "server" (the command on the server).
    approved_via: str | None = Field(default=None, max_length=16)
    approved_at: datetime | None = None
    withdrawn_at: datetime | None = None


class InstallationFlag(SQLModel, table=True):
    """A fact about the installation as a whole, present while it holds ("demo_mode")."""

    name: str = Field(primary_key=True, max_length=40)
    set_at: datetime = Field(default_factory=utcnow)


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
    # Sent to the person by e-mail (True) or shown to the administrator to hand over
    # (False); None for links made before this was kept.
    emailed: bool | None = None


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
    # The authenticator's six digits, or a recovery code.
    code: str | None = Field(default=None, max_length=64)


class LoginAnswer(SQLModel):
    """The session travels in the cookie; the CSRF token goes in `X-CSRF-Token` on changes."""

    user: UserPublic
    csrf_token: str
    # Told once, at this login: an administrator made a reset link for the account, or two
    # administrators removed its second factor.
    notices: list[str] = []
