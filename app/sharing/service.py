"""Who may see a recording: its caseworker, and the people and teams it is shared with.

Every route that touches a recording goes through `visible` or `owned`; nothing else
decides access.
"""

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from app.accounts import service as account_service
from app.accounts.models import Role, Team, User
from app.core.errors import BadInput, Conflict, NotFound, NotPermitted
from app.recordings.models import Recording
from app.sharing.models import Share

# People who may receive a recording for feedback.
SHARE_ROLES = (Role.supervisor, Role.caseworker, Role.administrator)


def _share_filter(user: User, team_ids: list[int]):  # type: ignore[no-untyped-def]
    conditions = [col(Share.user_id) == user.id]
    if team_ids:
        conditions.append(col(Share.team_id).in_(team_ids))
    return or_(*conditions)


def can_view(*, session: Session, user: User, recording: Recording) -> bool:
    """Owner, or shared with the user or one of their teams. Leaders never."""
    if user.role == Role.leader:
        return False
    if recording.owner_id == user.id:
        return True
    team_ids = account_service.team_ids_of(session=session, user_id=user.id)  # type: ignore[arg-type]
    query = select(Share.id).where(
        Share.recording_id == recording.id, _share_filter(user, team_ids)
    )
    return session.exec(query.limit(1)).first() is not None


def visible(*, session: Session, user: User, recording_id: str) -> Recording:
    """The recording if this user may see it; otherwise 404, as if it did not exist."""
    recording = session.get(Recording, recording_id) if recording_id.isalnum() else None
    if recording is None or not can_view(session=session, user=user, recording=recording):
        raise NotFound("recording.not_found")
    return recording


def owned(*, session: Session, user: User, recording_id: str) -> Recording:
    """The recording if this user is its caseworker: 404 if unseen, 403 if only shared."""
    recording = visible(session=session, user=user, recording_id=recording_id)
    if recording.owner_id != user.id:
        raise NotPermitted("recording.owner_only")
    return recording


def list_visible(*, session: Session, user: User, limit: int = 200) -> list[Recording]:
    """Own and shared recordings, newest first."""
    if user.role == Role.leader:
        return []
    team_ids = account_service.team_ids_of(session=session, user_id=user.id)  # type: ignore[arg-type]
    shared = select(Share.recording_id).where(_share_filter(user, team_ids))
    query = (
        select(Recording)
        .where(or_(col(Recording.owner_id) == user.id, col(Recording.id).in_(shared)))
        .order_by(col(Recording.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def shares_of(*, session: Session, recording: Recording) -> list[tuple[Share, str]]:
    """Each share with a label: the person's name or the team's name."""
    rows = []
    for share in session.exec(
        select(Share).where(Share.recording_id == recording.id).order_by(col(Share.id))
    ):
        if share.user_id is not None:
            person = session.get(User, share.user_id)
            label = f"{person.name} ({person.email})" if person else "?"
        else:
            team = session.get(Team, share.team_id)
            label = team.name if team else "?"
        rows.append((share, label))
    return rows


def share(
    *, session: Session, recording: Recording, by: User, user_id: int | None, team_id: int | None
) -> Share:
    """Share with one person or one team (the caseworker's choice)."""
    if (user_id is None) == (team_id is None):
        raise BadInput("share.pick_one")
    if user_id is not None:
        person = session.get(User, user_id)
        if person is None or not person.active or person.role not in SHARE_ROLES:
            raise BadInput("share.bad_person")
        if person.id == recording.owner_id:
            raise BadInput("share.self")
        existing = select(Share).where(Share.recording_id == recording.id, Share.user_id == user_id)
    else:
        if session.get(Team, team_id) is None:
            raise BadInput("share.bad_team")
        existing = select(Share).where(Share.recording_id == recording.id, Share.team_id == team_id)
    if session.exec(existing).first() is not None:
        raise Conflict("share.exists")
    row = Share(recording_id=recording.id, user_id=user_id, team_id=team_id, shared_by_id=by.id)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    return row


def unshare(*, session: Session, recording: Recording, share_id: int) -> Share:
    """Withdraw a share: it takes effect with the next request."""
    row = session.get(Share, share_id)
    if row is None or row.recording_id != recording.id:
        raise NotFound("share.not_found")
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
