"""Who may see a recording: its caseworker, and the people and teams it is shared with.

Every route that touches a recording goes through `visible` or `owned`; nothing else
decides access.
"""

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import delete, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.accounts import service as account_service
from app.accounts.models import Role, Team, TeamMember, User
from app.audit.service import Action, audit_on_commit
from app.core.errors import BadInput, Conflict, NotFound, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.recordings.models import Recording, RecordingStatus
from app.sharing.audience import ShareView, audience
from app.sharing.models import (
    Share,
    ShareCreate,
    ShareMember,
    SharePublic,
    ViewerPublic,
)

# People who may receive a recording for feedback.
SHARE_ROLES = (Role.supervisor, Role.caseworker, Role.administrator)


def _granted_since_link(granted_at, user: User):  # type: ignore[no-untyped-def]
    """A grant made before the person last set their password through a link (which an
    administrator made, and may have opened themself) is held until the owner confirms."""
    return granted_at > user.link_password_at if user.link_password_at else true()


def _shared_ids(user: User):  # type: ignore[no-untyped-def]
    """Ids of the recordings shared with this person: directly, or through a team share that
    covers them (a member when it was made, or confirmed by the owner) while still a member."""
    personal = select(Share.recording_id).where(
        col(Share.user_id) == user.id, _granted_since_link(Share.granted_at, user)
    )
    through_team = (
        select(Share.recording_id)
        .join(ShareMember, col(ShareMember.share_id) == Share.id)
        .join(
            TeamMember,
            (col(TeamMember.team_id) == Share.team_id)
            & (col(TeamMember.user_id) == ShareMember.user_id),
        )
        .where(
            col(ShareMember.user_id) == user.id,
            _granted_since_link(ShareMember.granted_at, user),
        )
    )
    return personal.union(through_team)


def can_view(*, session: Session, user: User, recording: Recording) -> bool:
    """Owner, or shared with the user as the owner decided. Leaders never."""
    if user.role == Role.leader:
        return False
    if recording.owner_id == user.id:
        return True
    shared = _shared_ids(user).subquery()
    query = select(shared.c.recording_id).where(shared.c.recording_id == recording.id)
    return session.exec(query.limit(1)).first() is not None


def visible(*, session: Session, user: User, recording_id: str) -> Recording:
    """The recording if this user may see it; otherwise 404, as if it did not exist."""
    recording = session.get(Recording, recording_id) if recording_id.isalnum() else None
    if recording is None or not can_view(session=session, user=user, recording=recording):
        raise NotFound(N_("The recording does not exist."), code="recording.not_found")
    return recording


def owned(*, session: Session, user: User, recording_id: str) -> Recording:
    """The recording if this user is its caseworker: 404 if unseen, 403 if only shared."""
    recording = visible(session=session, user=user, recording_id=recording_id)
    if recording.owner_id != user.id:
        raise NotPermitted(
            N_("Only the recording's caseworker can do this."), code="recording.owner_only"
        )
    return recording


def list_visible(*, session: Session, user: User, limit: int = 200) -> list[Recording]:
    """Own and shared recordings, newest first."""
    if user.role == Role.leader:
        return []
    shared = _shared_ids(user).subquery()
    query = (
        select(Recording)
        .where(
            or_(
                col(Recording.owner_id) == user.id,
                col(Recording.id).in_(select(shared.c.recording_id)),
            )
        )
        .order_by(col(Recording.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class SharedWithMe:
    """Who shared a recording with this person, and when it reached them."""

    by: str
    at: datetime


def shared_with(
    *, session: Session, user: User, recording_ids: list[str]
) -> dict[str, SharedWithMe]:
    """For the recordings among these that reach the user through a share: the first share
    that did (directly, or through a team as one of the members it covers)."""
    if not recording_ids:
        return {}
    sharer = aliased(User)
    personal = (
        select(Share.recording_id, sharer.name, Share.granted_at)
        .join(sharer, col(sharer.id) == Share.shared_by_id)
        .where(
            col(Share.user_id) == user.id,
            col(Share.recording_id).in_(recording_ids),
            _granted_since_link(Share.granted_at, user),
        )
    )
    through_team = (
        select(Share.recording_id, sharer.name, ShareMember.granted_at)
        .join(ShareMember, col(ShareMember.share_id) == Share.id)
        .join(
            TeamMember,
            (col(TeamMember.team_id) == Share.team_id)
            & (col(TeamMember.user_id) == ShareMember.user_id),
        )
        .join(sharer, col(sharer.id) == Share.shared_by_id)
        .where(
            col(ShareMember.user_id) == user.id,
            col(Share.recording_id).in_(recording_ids),
            _granted_since_link(ShareMember.granted_at, user),
        )
    )
    found: dict[str, SharedWithMe] = {}
    for query in (personal, through_team):
        for recording_id, name, at in session.exec(query).all():
            if recording_id not in found or at < found[recording_id].at:
                found[recording_id] = SharedWithMe(by=name, at=at)
    return found


def shares_of(*, session: Session, recording: Recording) -> list[ShareView]:
    """Each share with the people it reaches now and how (for the owner's page)."""
    return audience(session=session, recording=recording)


def share(
    *, session: Session, recording: Recording, by: User, user_id: int | None, team_id: int | None
) -> Share:
    """Share with one person or one team (the caseworker's choice)."""
    if recording.status == RecordingStatus.failed:
        # Nothing anyone could watch; shared again once a retry has made it.
        raise Conflict(
            N_("The recording could not be processed and cannot be shared. Retry it or delete it."),
            code="status.share_not_ready",
        )
    if (user_id is None) == (team_id is None):
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    if user_id is not None:
        person = session.get(User, user_id)
        if person is None or not person.active or person.role not in SHARE_ROLES:
            raise BadInput(
                N_("The recording cannot be shared with that user."), code="share.bad_person"
            )
        if person.id == recording.owner_id:
            raise BadInput(N_("You already have access to your own recording."), code="share.self")
        existing = select(Share).where(Share.recording_id == recording.id, Share.user_id == user_id)
    else:
        if session.get(Team, team_id) is None:
            raise BadInput(N_("The team does not exist."), code="share.bad_team")
        existing = select(Share).where(Share.recording_id == recording.id, Share.team_id == team_id)
    if session.exec(existing).first() is not None:
        raise Conflict(N_("The recording is already shared with them."), code="share.exists")
    row = Share(recording_id=recording.id, user_id=user_id, team_id=team_id, shared_by_id=by.id)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    if team_id is not None:
        # The share covers the people who are members now; later members need the owner.
        for member in _eligible_members(session=session, recording=recording, team_id=team_id):
            session.add(
                ShareMember(share_id=row.id, user_id=member.id, team_id=team_id)  # type: ignore[arg-type]
            )
        session.flush()
    return row


def _eligible_members(*, session: Session, recording: Recording, team_id: int) -> list[User]:
    """The team's members who may receive the recording (not its owner, not leaders)."""
    query = (
        select(User)
        .join(TeamMember, col(TeamMember.user_id) == User.id)
        .where(col(TeamMember.team_id) == team_id, col(User.role).in_(SHARE_ROLES))
        .where(col(User.id) != recording.owner_id)
        .order_by(col(User.name))
    )
    return list(session.exec(query).all())


def confirm(*, session: Session, recording: Recording, share_id: int, user_id: int) -> Share:
    """The owner gives this person access through the share: a team member who joined after
    it was made, or someone who set their password through an administrator's link since."""
    row = session.get(Share, share_id)
    if row is None or row.recording_id != recording.id:
        raise NotFound(
            N_("The share does not exist (perhaps already withdrawn)."), code="share.not_found"
        )
    now = utcnow()
    if row.user_id is not None:
        if row.user_id != user_id:
            raise BadInput(
                N_(
                    "The person is not covered by this share (not a team member, "
                    "disabled or a leader)."
                ),
                code="share.not_member",
            )
        row.granted_at = now
        session.add(row)
        session.flush()
        return row
    members = _eligible_members(session=session, recording=recording, team_id=row.team_id)  # type: ignore[arg-type]
    person = next((m for m in members if m.id == user_id), None)
    if person is None or not person.active:
        raise BadInput(
            N_(
                "The person is not covered by this share (not a team member, disabled or a leader)."
            ),
            code="share.not_member",
        )
    covered = session.get(ShareMember, (share_id, user_id))
    if covered is None:
        covered = ShareMember(share_id=share_id, user_id=user_id, team_id=row.team_id)  # type: ignore[arg-type]
    covered.granted_at = now
    session.add(covered)
    session.flush()
    return row


def unshare(*, session: Session, recording: Recording, share_id: int) -> Share:
    """Withdraw a share: it takes effect with the next request."""
    row = session.get(Share, share_id)
    if row is None or row.recording_id != recording.id:
        raise NotFound(
            N_("The share does not exist (perhaps already withdrawn)."), code="share.not_found"
        )
    session.execute(delete(Share).where(col(Share.id) == share_id))
    return row


def share_candidates(*, session: Session, recording: Recording) -> tuple[list[User], list[Team]]:
    """People and teams the recording can still be shared with (not those it already is)."""
    existing = session.exec(select(Share).where(Share.recording_id == recording.id)).all()
    shared_users = {s.user_id for s in existing if s.user_id is not None}
    shared_teams = {s.team_id for s in existing if s.team_id is not None}
    people = session.exec(
        select(User)
        .where(col(User.role).in_(SHARE_ROLES), col(User.active).is_(True))
        .where(User.id != recording.owner_id)
        .order_by(col(User.name))
    ).all()
    teams = account_service.list_teams(session=session)
    return (
        [p for p in people if p.id not in shared_users],
        [t for t in teams if t.id not in shared_teams],
    )


# Requests from the caseworker's pages and the API --------------------------------------


def to_public(recording_id: str, view: ShareView) -> SharePublic:
    people = [view.person] if view.person else view.members
    return SharePublic(
        id=view.share.id,  # type: ignore[arg-type]
        recording_id=recording_id,
        user_id=view.share.user_id,
        team_id=view.share.team_id,
        label=view.label,
        viewers=[ViewerPublic(user_id=p.user_id, name=p.name, status=p.status) for p in people],
    )


def share_own(
    *, session: Session, request: Request, user: User, recording_id: str, body: ShareCreate
) -> SharePublic:
    """The caseworker shares their recording; audited once committed."""
    recording = owned(session=session, user=user, recording_id=recording_id)
    row = share(
        session=session, recording=recording, by=user, user_id=body.user_id, team_id=body.team_id
    )
    target = f"user {body.user_id}" if body.user_id else f"team {body.team_id}"
    audit_on_commit(session, request, user, Action.share, recording.id, target)
    views = audience(session=session, recording=recording)
    return next(to_public(recording.id, v) for v in views if v.share.id == row.id)


def confirm_own(
    *, session: Session, request: Request, user: User, recording_id: str, share_id: int, person: int
) -> None:
    """The caseworker gives one more person access through a share; audited."""
    recording = owned(session=session, user=user, recording_id=recording_id)
    confirm(session=session, recording=recording, share_id=share_id, user_id=person)
    audit_on_commit(
        session,
        request,
        user,
        Action.share_confirmed,
        recording.id,
        f"share {share_id} user {person}",
    )


def unshare_own(
    *, session: Session, request: Request, user: User, recording_id: str, share_id: int
) -> None:
    """The caseworker withdraws a share; audited."""
    recording = owned(session=session, user=user, recording_id=recording_id)
    row = unshare(session=session, recording=recording, share_id=share_id)
    target = f"user {row.user_id}" if row.user_id else f"team {row.team_id}"
    audit_on_commit(session, request, user, Action.unshare, recording.id, target)
