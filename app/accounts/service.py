"""Users, teams, logins and sessions."""

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts import security, throttle
from app.accounts.models import AuthSession, Role, Team, TeamMember, User
from app.core.config import settings
from app.core.errors import BadInput, Conflict, found
from app.core.i18n import LANGUAGES, N_
from app.core.text import field_too_long, form_field
from app.core.timeutil import utcnow
from app.journal import deletions

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
MIN_PASSWORD = 12


def normalise_email(value: str) -> str:
    email = unicodedata.normalize("NFC", (value or "").strip()).lower()
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in email):
        raise BadInput(N_("Enter a valid e-mail address."), code="account.bad_email")
    if len(email) > 254 or not EMAIL.match(email):
        raise BadInput(N_("Enter a valid e-mail address."), code="account.bad_email")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(
            N_("The password must be at least %(min)s characters."),
            code="account.short_password",
            min=MIN_PASSWORD,
        )
    if len(password) > 256:
        raise field_too_long("password", 256)


def _clean_name(value: str, field: str = "name") -> str:
    return form_field(" ".join((value or "").split()), field=field, limit=120)


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    active: bool = True,
) -> User:
    """Add a person; e-mail addresses are unique regardless of case. Without a password the
    person sets their own through a one-time link (see app.accounts.links), or signs in
    through the identity provider (app.identity). Inactive: no access until an
    administrator enables the account."""
    email = normalise_email(email)
    if password is not None:
        check_password_strength(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict(
            N_("A user with that e-mail address already exists."), code="account.email_taken"
        )
    user = User(
        email=email,
        name=_clean_name(name),
        role=role,
        password_hash=security.hash_password(password) if password is not None else None,
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    return found(user, N_("The user does not exist."), code="account.not_found")


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))).all())


def ids_named(*, session: Session, words: str) -> list[int]:
    """The people whose name holds these words, letter case aside (Ø as ø, which SQLite's
    lower() leaves alone): an installation has hundreds of people, not millions."""
    wanted = words.casefold()
    people = session.exec(select(User.id, User.name)).all()
    return [uid for uid, name in people if uid is not None and wanted in name.casefold()]


def update_user(*, session: Session, user: User, role: Role, active: bool) -> User:
    """Role and active flag; neither grants access to a recording the owner has not given."""
    user.role, user.active = role, active
    if not active:
        end_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]
    session.add(user)
    return user


def set_language(*, session: Session, user_id: int, language: str) -> None:
    """Remember the person's language with their account, on every device they use."""
    user = session.get(User, user_id)
    if user is not None and language in LANGUAGES:
        user.language = language
        session.add(user)


def set_mail_kinds(*, session: Session, user_id: int, kinds: list[str]) -> None:
    """Which notifications reach the person's inbox too, kept with their account."""
    user = session.get(User, user_id)
    if user is not None:
        user.mail_kinds = ",".join(sorted(set(kinds)))
        session.add(user)


def delete_user(*, session: Session, user: User) -> None:
    """Remove a person; their sessions, links and memberships go with them (cascade).
    Their recordings are deleted first by the caller (app.admin). Journaled: no restore
    brings the account back."""
    user_id = user.id
    session.delete(user)
    session.flush()
    deletions.on_commit(session, "user", str(user_id), "deleted")


def authenticate(*, session: Session, email: str, password: str, address: str) -> User | None:
    """The user if the password is right. Raises TooManyAttempts when this account and
    address, or this address, has failed too often: an unknown e-mail exactly like a known
    one (same counters, same argon2 work), so the answer never tells who has an account."""
    try:
        email, valid = normalise_email(email), True
    except BadInput:  # no account has it; counted all the same
        email, valid = "".join(c for c in (email or "").lower() if c.isprintable())[:254], False
    throttle.take_or_refuse(account=email, address=address)
    user = session.exec(select(User).where(User.email == email)).first() if valid else None
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    throttle.give_back(account=email, address=address)
    return user


def start_session(
    *, session: Session, user: User, second_factor: str | None = None, minutes: float | None = None
) -> str:
    """A new login; returns the cookie's token (only its hash is stored). Without
    `second_factor` ("totp", "recovery", "none") it is pending: the password was right and
    the second factor is still to come."""
    token = security.new_token()
    now = utcnow()
    lasts = timedelta(minutes=minutes) if minutes else timedelta(hours=settings.session_hours)
    session.add(
        AuthSession(
            token_hash=security.token_hash(token),
            user_id=user.id,  # type: ignore[arg-type]
            created_at=now,
            expires_at=now + lasts,
            second_factor_at=now if second_factor else None,
        )
    )
    return token


def _session_user(session: Session, token: str | None, *, complete: bool) -> User | None:
    if not token or len(token) > 100:
        return None
    auth = session.get(AuthSession, security.token_hash(token))
    if auth is None or auth.expires_at <= utcnow():
        return None
    if (auth.second_factor_at is not None) != complete:
        return None
    user = session.get(User, auth.user_id)
    return user if user is not None and user.active else None


def user_for_token(*, session: Session, token: str | None) -> User | None:
    """The logged-in user behind a cookie, or None if it is unknown, expired, disabled, or
    still waiting for its second factor."""
    return _session_user(session, token, complete=True)


def pending_user_for_token(*, session: Session, token: str | None) -> User | None:
    """The person whose password was right, on the way to their second factor."""
    return _session_user(session, token, complete=False)


def end_session(*, session: Session, token: str | None) -> None:
    if token:
        session.execute(
            delete(AuthSession).where(col(AuthSession.token_hash) == security.token_hash(token))
        )


def end_sessions(*, session: Session, user_id: int) -> None:
    session.execute(delete(AuthSession).where(col(AuthSession.user_id) == user_id))


def check_repeated(*, new: str, repeat: str) -> None:
    """The new password typed twice, the same both times."""
    if new != repeat:
        raise BadInput(N_("The two new passwords differ."), code="account.password_mismatch")


def change_password(*, session: Session, user: User, current: str, new: str, repeat: str) -> None:
    """Requires the current password; other logins of this user end."""
    check_repeated(new=new, repeat=repeat)
    if user.password_hash is None or not security.verify_password(user.password_hash, current):
        raise BadInput(N_("The current password is wrong."), code="account.wrong_password")
    check_password_strength(new)
    user.password_hash = security.hash_password(new)
    user.password_changed_at = utcnow()
    session.add(user)
    end_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]


# Teams ---------------------------------------------------------------------------------


def create_team(*, session: Session, name: str) -> Team:
    name = _clean_name(name, "team")
    if session.exec(select(Team).where(Team.name == name)).first():
        raise Conflict(N_("A team with that name already exists."), code="team.name_taken")
    team = Team(name=name)
    session.add(team)
    session.flush()
    return team


def list_teams(*, session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))).all())


def get_team(*, session: Session, team_id: int) -> Team:
    return found(session.get(Team, team_id), N_("The team does not exist."), code="team.not_found")


def set_members(*, session: Session, team: Team, user_ids: list[int]) -> None:
    """Make these people the team's members. Those who leave lose what the team's shares
    gave them (their ShareMember rows go with the membership); those who join get nothing
    until a recording's owner confirms them."""
    wanted = {u.id for u in session.exec(select(User).where(col(User.id).in_(user_ids))) if u.id}
    current = set(members_of(session=session, team_id=team.id))  # type: ignore[arg-type]
    leaving = current - wanted
    if leaving:  # their ShareMember rows go with the membership (a cascading foreign key)
        session.execute(
            delete(TeamMember).where(
                col(TeamMember.team_id) == team.id, col(TeamMember.user_id).in_(leaving)
            )
        )
    for user_id in sorted(wanted - current):
        session.add(TeamMember(team_id=team.id, user_id=user_id))  # type: ignore[arg-type]
    session.flush()


def team_ids_of(*, session: Session, user_id: int) -> list[int]:
    return list(session.exec(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def members_of(*, session: Session, team_id: int) -> list[int]:
    return list(session.exec(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))
