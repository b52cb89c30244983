"""Exactly who can see a recording or a clip, for its owner: each share, and each team's
members.

What the page shows is worked out by the same rules `app.access.policy` applies: a person
has access, waits for the owner (joined the team later; set their password through an
administrator's link since the owner granted access), or has none (a leader, a disabled
account). Any password reset an administrator made for one of them is shown as well.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.access.models import Share, ShareMember, Status
from app.accounts.models import AccountLink, LinkPurpose, Role, Team, TeamMember, User


@dataclass
class Viewer:
    user_id: int
    name: str
    email: str
    role: Role
    status: Status
    reset_at: datetime | None  # when an administrator last made a reset link for them

    @property
    def confirmable(self) -> bool:
        return self.status in (Status.pending, Status.held)


@dataclass
class ShareView:
    share: Share
    label: str
    person: Viewer | None = None  # a share with one person
    members: list[Viewer] = field(default_factory=list)  # a team share: its members now


def _status(person: User, granted_at: datetime | None) -> Status:
    if person.role in (Role.leader, Role.administrator):
        return Status.never
    if not person.active:
        return Status.inactive
    if granted_at is None:
        return Status.pending
    if person.link_password_at is not None and person.link_password_at >= granted_at:
        return Status.held
    return Status.access


def _viewer(person: User, granted_at: datetime | None, resets: dict[int, datetime]) -> Viewer:
    return Viewer(
        user_id=person.id,  # type: ignore[arg-type]
        name=person.name,
        email=person.email,
        role=person.role,
        status=_status(person, granted_at),
        reset_at=resets.get(person.id),  # type: ignore[arg-type]
    )


def _last_resets(session: Session) -> dict[int, datetime]:
    query = (
        select(AccountLink.user_id, func.max(AccountLink.created_at))
        .where(AccountLink.purpose == LinkPurpose.reset)
        .group_by(col(AccountLink.user_id))
    )
    return {user_id: at for user_id, at in session.exec(query).all()}


def audience(
    *, session: Session, recording_id: str, owner_id: int, clip_id: int | None = None
) -> list[ShareView]:
    """Every share of the recording (or of one clip of it) with the people it reaches and how."""
    views = []
    resets = _last_resets(session)
    shares = select(Share).where(Share.recording_id == recording_id, Share.clip_id == clip_id)
    for share in session.exec(shares.order_by(col(Share.id))):
        if share.user_id is not None:
            person = session.get(User, share.user_id)
            if person is None:
                continue
            label = f"{person.name} ({person.email})"
            views.append(ShareView(share, label, person=_viewer(person, share.granted_at, resets)))
            continue
        team = session.get(Team, share.team_id)
        covered = {
            m.user_id: m.granted_at
            for m in session.exec(select(ShareMember).where(ShareMember.share_id == share.id))
        }
        members = session.exec(
            select(User)
            .join(TeamMember, col(TeamMember.user_id) == User.id)
            .where(col(TeamMember.team_id) == share.team_id, col(User.id) != owner_id)
            .order_by(col(User.name))
        ).all()
        viewers = [_viewer(m, covered.get(m.id), resets) for m in members]  # type: ignore[arg-type]
        views.append(ShareView(share, team.name if team else "?", members=viewers))
    return views


def people_shared_with(*, session: Session, recording_id: str) -> set[int]:
    """Everyone a share of the recording, or of a clip of it, names or covers: who may see
    some of it (app.access.policy decides what)."""
    named = select(Share.user_id).where(
        Share.recording_id == recording_id, col(Share.user_id).is_not(None)
    )
    covered = (
        select(ShareMember.user_id)
        .join(Share, col(Share.id) == ShareMember.share_id)
        .where(Share.recording_id == recording_id)
    )
    return {i for i in session.exec(named).all() if i is not None} | set(
        session.exec(covered).all()
    )
