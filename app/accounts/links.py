"""One-time links with which a person sets their own password (new account or reset).

Nobody else ever chooses or sees a password: an administrator makes a link, which goes
to the person by e-mail or, without an SMTP server, is shown to the administrator once to
hand over. The link carries a random token; only its hash is stored; it expires and works
once (a single conditional UPDATE claims it, so two parallel uses cannot both succeed).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts import security
from app.accounts.models import AccountLink, LinkPurpose, User
from app.accounts.service import check_password_strength, check_repeated, end_sessions
from app.accounts.subject import Subject
from app.core.config import settings
from app.core.errors import NotFound
from app.core.i18n import N_
from app.core.timeutil import utcnow

PATH = "/account/link/"


def create_link(
    *, session: Session, user: User, purpose: LinkPurpose, by: Subject | None, emailed: bool
) -> str:
    """A new link for this person; earlier unused links of theirs stop working. Returns the
    token (e-mailed, or shown to the administrator, once; never stored)."""
    now = utcnow()
    session.execute(
        update(AccountLink)
        .where(col(AccountLink.user_id) == user.id, col(AccountLink.used_at).is_(None))
        .values(used_at=now)
    )
    token = security.new_token()
    session.add(
        AccountLink(
            token_hash=security.token_hash(token),
            user_id=user.id,  # type: ignore[arg-type]
            purpose=purpose,
            created_by_id=by.id if by else None,
            created_at=now,
            expires_at=now + timedelta(hours=settings.account_link_hours),
            emailed=emailed,
        )
    )
    if purpose == LinkPurpose.reset:
        user.reset_notice_due = True  # told at their next login, whoever uses the link
        session.add(user)
    session.flush()
    return token


def url_for(token: str, base_url: str) -> str:
    base = (settings.public_url or base_url).rstrip("/")
    return f"{base}{PATH}{token}"


def open_link(*, session: Session, token: str) -> tuple[AccountLink, User]:
    """The link and its person if it is valid; otherwise 404 with a message to ask for a new one."""
    link = session.get(AccountLink, security.token_hash(token)) if 20 < len(token) < 100 else None
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise NotFound(
            N_(
                "The link does not work: it has been used, has expired or is "
                "wrong. Ask the administrator for a new one."
            ),
            code="link.invalid",
        )
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        raise NotFound(
            N_(
                "The link does not work: it has been used, has expired or is "
                "wrong. Ask the administrator for a new one."
            ),
            code="link.invalid",
        )
    return link, user


def use_link(*, session: Session, token: str, password: str, repeat: str) -> User:
    """Set the person's password through the link, once; their other logins end."""
    link, user = open_link(session=session, token=token)
    check_repeated(new=password, repeat=repeat)
    check_password_strength(password)
    now = utcnow()
    claimed = session.execute(
        update(AccountLink)
        .where(
            col(AccountLink.token_hash) == link.token_hash,
            col(AccountLink.used_at).is_(None),
            col(AccountLink.expires_at) > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(
            N_(
                "The link does not work: it has been used, has expired or is "
                "wrong. Ask the administrator for a new one."
            ),
            code="link.invalid",
        )
    user.password_hash = security.hash_password(password)
    user.password_changed_at = user.link_password_at = now
    session.add(user)
    end_sessions(session=session, user_id=user.id)  # type: ignore[arg-type]
    session.flush()
    return user


def last_reset(*, session: Session, user: User) -> datetime | None:
    """When an administrator last made a reset link for this person."""
    query = select(func.max(AccountLink.created_at)).where(
        AccountLink.user_id == user.id, AccountLink.purpose == LinkPurpose.reset
    )
    return session.exec(query).first()


def pending_links(*, session: Session) -> dict[int, AccountLink]:
    """Each person's link not yet used nor expired, by their id (the admin list says when it
    was made and how it went to them)."""
    query = select(AccountLink).where(
        col(AccountLink.used_at).is_(None), col(AccountLink.expires_at) > utcnow()
    )
    links: dict[int, AccountLink] = {}
    for link in session.exec(query.order_by(col(AccountLink.created_at))):
        links[link.user_id] = link  # the newest (making a link ends the earlier ones)
    return links
