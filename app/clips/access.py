"""Who may see a clip: the recording's caseworker, and the people and teams it is shared with.

A clip share reaches the clip alone; the recording's own routes still go through
app.sharing, which knows nothing of clips.
"""

from sqlalchemy import true
from sqlmodel import Session, col, select

from app.accounts.models import Role, TeamMember, User
from app.clips.models import Clip, ClipShare, ClipShareMember
from app.core.errors import NotFound, NotPermitted
from app.core.i18n import N_


def _granted_since_link(granted_at, user: User):  # type: ignore[no-untyped-def]
    """A grant made before the person last set their password through an administrator's
    link is held: the owner shares the clip again to give it back."""
    return granted_at > user.link_password_at if user.link_password_at else true()


def shared_clip_ids(user: User):  # type: ignore[no-untyped-def]
    """Ids of the clips shared with this person: directly, or through a team share that
    covered them when it was made, while they are still a member."""
    personal = select(ClipShare.clip_id).where(
        col(ClipShare.user_id) == user.id, _granted_since_link(ClipShare.created_at, user)
    )
    through_team = (
        select(ClipShare.clip_id)
        .join(ClipShareMember, col(ClipShareMember.share_id) == ClipShare.id)
        .join(
            TeamMember,
            (col(TeamMember.team_id) == ClipShare.team_id)
            & (col(TeamMember.user_id) == ClipShareMember.user_id),
        )
        .where(
            col(ClipShareMember.user_id) == user.id,
            _granted_since_link(ClipShareMember.granted_at, user),
        )
    )
    return personal.union(through_team)


def can_see(*, session: Session, user: User, clip: Clip) -> bool:
    if user.role == Role.leader or not user.active:
        return False
    if clip.owner_id == user.id:
        return True
    shared = shared_clip_ids(user).subquery()
    query = select(shared.c.clip_id).where(shared.c.clip_id == clip.id)
    return session.exec(query.limit(1)).first() is not None


def _not_found() -> NotFound:
    return NotFound(N_("The clip does not exist."), code="clip.not_found")


def visible_clip(*, session: Session, user: User, clip_id: int) -> Clip:
    """The clip if this user may see it; otherwise 404, as if it did not exist."""
    clip = session.get(Clip, clip_id)
    if clip is None or not can_see(session=session, user=user, clip=clip):
        raise _not_found()
    return clip


def owned_clip(*, session: Session, user: User, clip_id: int) -> Clip:
    """The clip if this user is the recording's caseworker: 404 if unseen, 403 if shared."""
    clip = visible_clip(session=session, user=user, clip_id=clip_id)
    if clip.owner_id != user.id:
        raise NotPermitted(
            N_("Only the recording's caseworker can do this."), code="clip.owner_only"
        )
    return clip


def clips_of(*, session: Session, recording_id: str) -> list[Clip]:
    """A recording's clips, in the order they run."""
    query = (
        select(Clip)
        .where(Clip.recording_id == recording_id)
        .order_by(col(Clip.start_seconds), col(Clip.id))
    )
    return list(session.exec(query).all())


def visible_clips(*, session: Session, user: User) -> list[Clip]:
    """The clips others shared with this person, newest first."""
    if user.role == Role.leader:
        return []
    shared = shared_clip_ids(user).subquery()
    query = (
        select(Clip)
        .where(col(Clip.id).in_(select(shared.c.clip_id)), col(Clip.owner_id) != user.id)
        .order_by(col(Clip.created_at).desc())
    )
    return list(session.exec(query).all())
