"""Shares: the caseworker shares a recording, or one clip of it, with a person or a team,
gives a later team member (or someone who set their password through a link) access, and
withdraws a share. Who a share then reaches is decided in `app.access.policy`."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.access.audience import ShareView, audience
from app.access.models import Share, ShareMember, SharePublic, ViewerPublic
from app.access.policy import NOT_FOR_ADMINISTRATORS, RECEIVING_ROLES
from app.accounts import service as account_service
from app.accounts.models import Role, Team, TeamMember, User
from app.accounts.subject import Subject
from app.core.errors import BadInput, Conflict, NotFound, VideosparringError
from app.core.i18n import N_
from app.core.timeutil import utcnow


@dataclass(frozen=True)
class Shared:
    """What is shared: a recording, or one clip of it (`clip_id`), and its caseworker; the
    page its forms go back to, and whether it may be shared now."""

    recording_id: str
    owner_id: int
    clip_id: int | None = None
    page: str = ""
    shareable: bool = True  # a recording that could not be processed is not shared
    # Why its protected variant may not be given yet (a clip the caseworker has not watched
    # as the team will see it); None once it may.
    protected_refusal: VideosparringError | None = None

    @property
    def audit_prefix(self) -> str:
        return f"clip {self.clip_id} " if self.clip_id is not None else ""

    def shares(self) -> Any:
        """Its shares, as a query."""
        return select(Share).where(
            Share.recording_id == self.recording_id, Share.clip_id == self.clip_id
        )


TEAMS_SEE_CLIPS = N_(
    "A team sees clips only, with faces blurred and names hidden: make a clip of the "
    "moment and share the clip with the team."
)


def share(
    *,
    session: Session,
    what: Shared,
    by: Subject,
    user_id: int | None,
    team_id: int | None,
    protected: bool = False,
) -> Share:
    """Share with one person or the team's members now (the caseworker's choice): a team
    always gets a clip's protected variant; a person the clip itself unless `protected`."""
    if not what.shareable:
        # Nothing anyone could watch; shared again once a retry has made it.
        raise Conflict(
            N_("The recording could not be processed and cannot be shared. Retry it or delete it."),
            code="status.share_not_ready",
        )
    clip = what.clip_id is not None
    if (user_id is None) == (team_id is None):
        raise BadInput(N_("Choose one person or one team to share with."), code="share.pick_one")
    protected = protected or team_id is not None
    if protected and not clip:
        raise BadInput(TEAMS_SEE_CLIPS, code="share.team_needs_clip", field="team_id")
    same = what.shares()
    if user_id is not None:
        person = session.get(User, user_id)
        if person is not None and person.role == Role.administrator:
            raise BadInput(NOT_FOR_ADMINISTRATORS, code="share.administrator")
        if person is None or not person.active or person.role not in RECEIVING_ROLES:
            bad_person = N_("The clip cannot be shared with that user.")
            if not clip:
                bad_person = N_("The recording cannot be shared with that user.")
            raise BadInput(bad_person, code="share.bad_person")
        if person.id == what.owner_id:
            own = N_("You already have access to your own clip.")
            if not clip:
                own = N_("You already have access to your own recording.")
            raise BadInput(own, code="share.self")
        same = same.where(Share.user_id == user_id)
    else:
        if session.get(Team, team_id) is None:
            raise BadInput(N_("The team does not exist."), code="share.bad_team")
        same = same.where(Share.team_id == team_id)
    # Asked once the person or team is known to exist: a wrong id is the first thing to fix.
    if protected and what.protected_refusal is not None:
        raise what.protected_refusal
    if session.exec(same).first() is not None:
        exists = N_("The clip is already shared with them.")
        if not clip:
            exists = N_("The recording is already shared with them.")
        raise Conflict(exists, code="share.exists")
    row = Share(
        recording_id=what.recording_id,
        clip_id=what.clip_id,
        user_id=user_id,
        team_id=team_id,
        shared_by_id=by.id,
        protected=protected,
    )
    session.add(row)
    session.flush()
    if team_id is not None:
        # The share covers the people who are members now; later members need the owner.
        for member in _eligible_members(session=session, owner_id=what.owner_id, team_id=team_id):
            session.add(ShareMember(share_id=row.id, user_id=member.id, team_id=team_id))  # type: ignore[arg-type]
        session.flush()
    return row


def _eligible_members(*, session: Session, owner_id: int, team_id: int) -> list[User]:
    """The team's members who may receive content (not its owner, not leaders)."""
    query = (
        select(User)
        .join(TeamMember, col(TeamMember.user_id) == User.id)
        .where(col(TeamMember.team_id) == team_id, col(User.role).in_(RECEIVING_ROLES))
        .where(col(User.id) != owner_id)
        .order_by(col(User.name))
    )
    return list(session.exec(query).all())


def _share_of(session: Session, what: Shared, share_id: int) -> Share:
    row = session.get(Share, share_id)
    if row is None or row.recording_id != what.recording_id or row.clip_id != what.clip_id:
        raise NotFound(
            N_("The share does not exist (perhaps already withdrawn)."), code="share.not_found"
        )
    return row


def confirm(*, session: Session, what: Shared, share_id: int, user_id: int) -> Share:
    """The owner gives this person access through the share: a team member who joined after
    it was made, or someone who set their password through an administrator's link since."""
    row = _share_of(session, what, share_id)
    not_member = BadInput(
        N_("The person is not covered by this share (not a team member, disabled or a leader)."),
        code="share.not_member",
    )
    if row.user_id is not None:
        if row.user_id != user_id:
            raise not_member
        row.granted_at = utcnow()
        session.add(row)
        session.flush()
        return row
    members = _eligible_members(session=session, owner_id=what.owner_id, team_id=row.team_id)  # type: ignore[arg-type]
    person = next((m for m in members if m.id == user_id), None)
    if person is None or not person.active:
        raise not_member
    covered = session.get(ShareMember, (share_id, user_id)) or ShareMember(
        share_id=share_id,
        user_id=user_id,
        team_id=row.team_id,  # type: ignore[arg-type]
    )
    covered.granted_at = utcnow()
    session.add(covered)
    session.flush()
    return row


def unshare(*, session: Session, what: Shared, share_id: int) -> Share:
    """Withdraw a share: it takes effect with the next request."""
    row = _share_of(session, what, share_id)
    session.execute(delete(Share).where(col(Share.id) == share_id))
    return row


def candidates(
    *, session: Session, what: Shared, for_clips: bool = False
) -> tuple[list[User], list[Team]]:
    """People and teams it can still be shared with (not those it already is)."""
    existing = session.exec(what.shares()).all()
    shared_users = {s.user_id for s in existing if s.user_id is not None}
    shared_teams = {s.team_id for s in existing if s.team_id is not None}
    people = session.exec(
        select(User)
        .where(col(User.role).in_(RECEIVING_ROLES), col(User.active).is_(True))
        .where(User.id != what.owner_id)
        .order_by(col(User.name))
    ).all()
    # A team is given clips only (their protected variant), never a whole recording.
    wanted = for_clips or what.clip_id is not None
    teams = account_service.list_teams(session=session) if wanted else []
    return (
        [p for p in people if p.id not in shared_users],
        [t for t in teams if t.id not in shared_teams],
    )


def views(*, session: Session, what: Shared) -> list[ShareView]:
    """Each share with the people it reaches now and how (for the owner's page)."""
    return audience(
        session=session,
        recording_id=what.recording_id,
        owner_id=what.owner_id,
        clip_id=what.clip_id,
    )


def to_public(view: ShareView) -> SharePublic:
    people = [view.person] if view.person else view.members
    share_row = view.share
    return SharePublic(
        id=share_row.id,  # type: ignore[arg-type]
        # A clip's share names the clip alone.
        recording_id=share_row.recording_id if share_row.clip_id is None else None,
        clip_id=share_row.clip_id,
        user_id=share_row.user_id,
        team_id=share_row.team_id,
        protected=share_row.protected,
        label=view.label,
        viewers=[ViewerPublic(user_id=p.user_id, name=p.name, status=p.status) for p in people],
    )


def public(*, session: Session, what: Shared, share_id: int | None = None) -> list[SharePublic]:
    """The shares as the API gives them (one, with `share_id`)."""
    return [
        to_public(v) for v in views(session=session, what=what) if share_id in (None, v.share.id)
    ]


def target_words(user_id: int | None, team_id: int | None) -> str:
    """Who a share names, as the audit log writes it."""
    return f"user {user_id}" if user_id is not None else f"team {team_id}"
