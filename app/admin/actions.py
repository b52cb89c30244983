"""What an administrator does to people, teams and settings: check, change, audit.

The page's dependency has checked that the person is an administrator; app.admin.service
holds what even an administrator may not do (to themself, to reach a recording); the
audit log gets the entry once the change is committed. The admin pages' forms call these
and nothing else.
"""

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import demo, links, mail
from app.accounts import removal as removal_rule
from app.accounts import service as accounts
from app.accounts.models import LinkPurpose, Role, Team, User
from app.accounts.subject import Subject
from app.admin import service
from app.audit.service import Action, audit_on_commit
from app.core.errors import Conflict
from app.core.i18n import N_
from app.identity import service as identity
from app.retention import service as retention


@dataclass(frozen=True)
class ServerOperator:
    """Whoever runs `videosparring` on the server: the audit log's actor for its commands."""

    id: None = None
    email: str = "server (videosparring command)"
    address: str | None = None


SERVER = ServerOperator()


@dataclass(frozen=True)
class Handover:
    """A one-time link made for a person: e-mailed (`url` None), or `url` to show the
    administrator this once, to hand over."""

    user: User
    purpose: LinkPurpose
    url: str | None


def _hand_over(
    session: Session, admin: Subject, user: User, purpose: LinkPurpose, site: str, lang: str
) -> Handover:
    """The link goes by e-mail where SMTP is set up (a failure rolls everything back)."""
    emailed = mail.enabled()
    token = links.create_link(
        session=session, user=user, purpose=purpose, by=admin, emailed=emailed
    )
    url = links.url_for(token, site)
    invite = purpose == LinkPurpose.invite
    action = Action.user_created if invite else Action.password_reset
    detail = f"{user.email} {user.role}" if invite else user.email
    if emailed:
        mail.send_link(to=user.email, name=user.name, url=url, purpose=purpose, lang=lang)
        audit_on_commit(session, admin, action, detail=f"{detail}; link e-mailed")
        return Handover(user=user, purpose=purpose, url=None)
    audit_on_commit(session, admin, action, detail=f"{detail}; link shown to admin")
    return Handover(user=user, purpose=purpose, url=url)


def invite(
    *, session: Session, admin: Subject, email: str, name: str, role: Role, site: str, lang: str
) -> Handover:
    """A new account without a password: the person sets it through a one-time link.
    `site` is the address the administrator's request came to; `lang` the mail's language."""
    demo.refuse_new_accounts(session)
    user = accounts.create_user(session=session, email=email, name=name, role=role)
    return _hand_over(session, admin, user, LinkPurpose.invite, site, lang)


def reset_password(
    *, session: Session, admin: Subject, user_id: int, site: str, lang: str
) -> Handover:
    """A reset link for the person; the reset is shown to them at their next login and to the
    owners of the recordings shared with them, whose shares wait for them to confirm again."""
    user = accounts.get_user(session=session, user_id=user_id)
    if identity.has_identity(session=session, user_id=user_id):
        # Their password is the municipality's: a link here would give the account a second
        # way in, chosen by whoever opens the link.
        raise Conflict(
            N_(
                "%(email)s signs in through the municipality's login: there is no password "
                "here to reset. Their password is reset at the municipality."
            ),
            code="account.provider_login",
            email=user.email,
        )
    purpose = service.reset_purpose(admin=admin, user=user)
    return _hand_over(session, admin, user, purpose, site, lang)


def unlock(*, session: Session, admin: Subject, user_id: int) -> None:
    """Clear the person's failed logins, so that a locked-out person may try again now."""
    user = accounts.get_user(session=session, user_id=user_id)
    service.unlock(admin=admin, user=user)
    audit_on_commit(session, admin, Action.account_unlocked, detail=user.email)


def update_person(
    *, session: Session, admin: Subject, user_id: int, role: Role, active: bool
) -> None:
    user = accounts.get_user(session=session, user_id=user_id)
    service.update_person(session=session, admin=admin, user=user, role=role, active=active)
    detail = f"{user.email} {role} active={active}"
    audit_on_commit(session, admin, Action.user_updated, detail=detail)


def delete_person(*, session: Session, admin: Subject, user_id: int) -> None:
    """The person and their recordings (each deletion in the audit log)."""
    user = accounts.get_user(session=session, user_id=user_id)
    email = user.email
    for recording_id in service.delete_person(session=session, admin=admin, user=user):
        audit_on_commit(session, admin, Action.delete, recording_id, f"owner {email} deleted")
    audit_on_commit(session, admin, Action.user_deleted, detail=email)


def propose_second_factor_removal(*, session: Session, admin: Subject, user_id: int) -> None:
    """The person lost their authenticator: a second administrator must agree."""
    user = accounts.get_user(session=session, user_id=user_id)
    removal = removal_rule.propose_removal(session=session, admin=admin, user=user)
    detail = f"{user.email}; removal {removal.id}"
    audit_on_commit(session, admin, Action.second_factor_removal_proposed, detail=detail)


def approve_second_factor_removal(
    *, session: Session, admin: Subject | None, removal_id: int, lang: str
) -> User:
    """Another administrator (or, `admin` None, the server's operator) agrees: the second
    factor goes and the person is told, by e-mail where SMTP is set up (a failure rolls the
    removal back) and at their next login."""
    removal, user = removal_rule.approve_removal(
        session=session, approver=admin, removal_id=removal_id
    )
    if mail.enabled():
        mail.send_second_factor_removed(to=user.email, name=user.name, lang=user.language or lang)
    proposer = f"proposed by user {removal.proposed_by_id}"
    detail = f"{user.email}; removal {removal.id}, {proposer}, approved via {removal.approved_via}"
    audit_on_commit(session, admin or SERVER, Action.second_factor_removed, detail=detail)
    return user


def withdraw_second_factor_removal(*, session: Session, admin: Subject, removal_id: int) -> None:
    user = removal_rule.withdraw_removal(session=session, admin=admin, removal_id=removal_id)
    detail = f"{user.email}; removal {removal_id}"
    audit_on_commit(session, admin, Action.second_factor_removal_withdrawn, detail=detail)


def create_team(*, session: Session, admin: Subject, name: str) -> Team:
    team = accounts.create_team(session=session, name=name)
    audit_on_commit(session, admin, Action.team_changed, detail=f"created {team.name}")
    return team


def set_team_members(
    *, session: Session, admin: Subject, team_id: int, user_ids: list[int]
) -> None:
    team = accounts.get_team(session=session, team_id=team_id)
    service.set_team_members(session=session, admin=admin, team=team, user_ids=user_ids)
    detail = f"{team.name}: members {sorted(user_ids)}"
    audit_on_commit(session, admin, Action.team_changed, detail=detail)


def save_retention(
    *, session: Session, admin: Subject, default_days: int, max_days: int, warn_days: int
) -> None:
    """How long recordings are kept by default and at most, and how many days before their
    deletion their owners are warned."""
    days = {"default_days": default_days, "max_days": max_days, "warn_days": warn_days}
    retention.update_policy(session=session, **days)
    detail = f"retention {default_days}/{max_days}/{warn_days} days"
    audit_on_commit(session, admin, Action.settings_changed, detail=detail)
