"""What an administrator may do to people and teams, and what follows from it.

An administrator runs the accounts but never reaches a recording by their own actions: not
by changing their own role, not by joining a team, not by resetting someone's password.
"""

from sqlmodel import Session

from app.accounts import demo, throttle
from app.accounts import service as accounts
from app.accounts.models import LinkPurpose, Role, Team, User
from app.accounts.subject import Subject
from app.core.errors import BadInput, NotPermitted
from app.core.i18n import N_
from app.recordings import service as recording_service


def _not_yourself(admin: Subject, user: User) -> None:
    if user.id == admin.id:
        raise BadInput(
            N_("You cannot remove your own administrator access."), code="account.not_yourself"
        )


def reset_purpose(*, admin: Subject, user: User) -> LinkPurpose:
    """What link the person gets: a reset, or an invitation if they never set a password."""
    _not_yourself(admin, user)
    if not user.active:
        raise BadInput(N_("The user is disabled. Enable the user first."), code="account.inactive")
    return LinkPurpose.reset if user.password_hash else LinkPurpose.invite


def update_person(
    *, session: Session, admin: Subject, user: User, role: Role, active: bool
) -> User:
    """Role and active flag; an administrator cannot demote or lock out themself."""
    if user.id == admin.id and (role != Role.administrator or not active):
        raise BadInput(
            N_("You cannot remove your own administrator access."), code="account.not_yourself"
        )
    return accounts.update_user(session=session, user=user, role=role, active=active)


def delete_person(*, session: Session, admin: Subject, user: User) -> list[str]:
    """Remove a person and their recordings; their sessions end at once (cascade).
    Returns the ids of the recordings deleted, for the audit log."""
    _not_yourself(admin, user)
    return remove_person(session, user)


def remove_person(session: Session, user: User) -> list[str]:
    """A person and their recordings gone (an administrator's deletion; a restore replaying
    one)."""
    assert user.id is not None
    deleted = []
    for recording in recording_service.owned_by(session=session, user_id=user.id):
        deleted.append(recording.id)
        recording_service.delete(session=session, recording=recording, reason="user deleted")
    accounts.delete_user(session=session, user=user)
    return deleted


# Demo mode ------------------------------------------------------------------------------


def end_demo(*, session: Session) -> dict[str, list[str]]:
    """The first real administrator is made: the demo accounts go with everything they
    made, and the flag. Returns each removed e-mail address with its recordings' ids."""
    users = demo.demo_users(session)
    demo_ids = {user.id for user in users}
    # The demo's teams (all their members demo accounts) go with them.
    teams = [
        team
        for team in accounts.list_teams(session=session)
        if (members := set(accounts.members_of(session=session, team_id=team.id or 0)))
        and members <= demo_ids
    ]
    removed = {user.email: remove_person(session, user) for user in users}
    for team in teams:
        session.delete(team)
    session.flush()
    demo.turn_off(session)
    return removed


def set_team_members(*, session: Session, admin: Subject, team: Team, user_ids: list[int]) -> None:
    """Make these people the team's members; the administrator cannot add themself."""
    assert team.id is not None
    already = set(accounts.members_of(session=session, team_id=team.id))
    if admin.id in user_ids and admin.id not in already:
        # Joining a team would let an administrator grant themself access to its recordings.
        raise NotPermitted(
            N_("An administrator cannot add themself to a team: ask another administrator."),
            code="team.not_yourself",
        )
    accounts.set_members(session=session, team=team, user_ids=user_ids)


def unlock(*, admin: Subject, user: User) -> None:
    """Let the person try to log in again now: their failed logins no longer count."""
    _not_yourself(admin, user)
    throttle.unlock(account=user.email)
