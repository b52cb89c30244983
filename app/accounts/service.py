"""Users, teams, logins and sessions."""

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts import security
from app.accounts.models import AuthSession, Role, Team, TeamMember, User
from app.core.config import settings
from app.core.errors import BadInput, Conflict, NotFound, TooManyAttempts
from app.core.timeutil import utcnow

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
MIN_PASSWORD = 12


def normalise_email(value: str) -> str:
    email = unicodedata.normalize("NFC", (value or "").strip()).lower()
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in email):
        raise BadInput("account.bad_email")
    if len(email) > 254 or not EMAIL.match(email):
        raise BadInput("account.bad_email")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput("account.short_password", min=MIN_PASSWORD)
    if len(password) > 256:
        raise BadInput("field.too_long", field="password", max=256)


def _clean_name(value: str, field: str = "name") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise BadInput("field.required", field=field)
    if len(name) > 120:
        raise BadInput("field.too_long", field=field, max=120)
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in name):
        raise BadInput("field.bad_chars", field=field)
    return name


def create_user(*, session: Session, email: str, name: str, role: Role, password: str) -> User:
    """Add a person; e-mail addresses are unique regardless of case."""
    email = normalise_email(email)
    check_password_strength(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict("account.email_taken")
    user = User(
        email=email,
        name=_clean_name(name),
        role=role,
        password_hash=security.hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("account.not_found")
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))).all())


def update_user(*, session: Session, user: User, role: Role, active: bool) -> User:
    user.role, user.active = role, active
    if not active:
        end_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]
    session.add(user)
    return user


def delete_user(*, session: Session, user: User) -> None:
    """Remove a person: their sessions end at once (cascade); their recordings go too."""
    from app.recordings import service as recording_service

    for recording in recording_service.owned_by(session=session, user_id=user.id):  # type: ignore[arg-type]
        recording_service.delete(session=session, recording=recording)
    session.delete(user)
    session.flush()


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The user if the password is right; locks the account after repeated failures."""
    try:
        email = normalise_email(email)
    except BadInput:
        security.verify_password(None, password)
        return None
    user = session.exec(select(User).where(User.email == email)).first()
    now = utcnow()
    if user is not None and user.locked_until and user.locked_until > now:
        raise TooManyAttempts("account.locked", minutes=settings.login_lockout_minutes)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if not ok or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
            user.failed_logins = 0
        session.add(user)
        return None
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    return user


def start_session(*, session: Session, user: User) -> str:
    """A new login; returns the cookie's token (only its hash is stored)."""
    token = security.new_token()
    session.add(
        AuthSession(
            token_hash=security.token_hash(token),
            user_id=user.id,  # type: ignore[arg-type]
            expires_at=utcnow() + timedelta(hours=settings.session_hours),
        )
    )
    return token


def user_for_token(*, session: Session, token: str | None) -> User | None:
    """The logged-in user behind a cookie, or None if it is unknown, expired or disabled."""
    if not token or len(token) > 100:
        return None
    auth = session.get(AuthSession, security.token_hash(token))
    if auth is None or auth.expires_at <= utcnow():
        return None
    user = session.get(User, auth.user_id)
    return user if user is not None and user.active else None


def end_session(*, session: Session, token: str | None) -> None:
    if token:
        session.execute(
            delete(AuthSession).where(col(AuthSession.token_hash) == security.token_hash(token))
        )


def end_sessions(*, session: Session, user_id: int) -> None:
    session.execute(delete(AuthSession).where(col(AuthSession.user_id) == user_id))


def change_password(*, session: Session, user: User, current: str, new: str) -> None:
    """Requires the current password; other logins of this user end."""
    if not security.verify_password(user.password_hash, current):
        raise BadInput("account.wrong_password")
    check_password_strength(new)
    user.password_hash = security.hash_password(new)
    user.password_changed_at = utcnow()
    session.add(user)
    end_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]


# Teams ---------------------------------------------------------------------------------


def create_team(*, session: Session, name: str) -> Team:
    name = _clean_name(name, "team")
    if session.exec(select(Team).where(Team.name == name)).first():
        raise Conflict("team.name_taken")
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def list_teams(*, session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))).all())


def get_team(*, session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("team.not_found")
    return team


def set_members(*, session: Session, team: Team, user_ids: list[int]) -> None:
    """Replace the team's members."""
    known = {u.id for u in session.exec(select(User).where(col(User.id).in_(user_ids))) if u.id}
    session.execute(delete(TeamMember).where(col(TeamMember.team_id) == team.id))
    for user_id in sorted(known):
        session.add(TeamMember(team_id=team.id, user_id=user_id))  # type: ignore[arg-type]
    session.flush()


def team_ids_of(*, session: Session, user_id: int) -> list[int]:
    return list(session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def members_of(*, session: Session, team_id: int) -> list[int]:
    return list(session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))
