"""Who may see what: the one rule for recordings, clips, sessions and what is said in them.

- Content is for active people in roles that work with cases (`Subject.sees_content`):
  never a leader, never an administrator, never a disabled account.
- A recording is seen by its caseworker and by whoever a share of the whole recording reaches;
  a clip by the recording's caseworker and whoever a share of that clip reaches.
- A share reaches a person it names, or the members of a team it covers (the members when
  it was made, or confirmed by the owner since) while they stay members.
- A team only ever gets a clip's protected variant (faces blurred, names and numbers
  hidden, app.clips.protection), never a whole recording: a team's share of a recording
  reaches nobody. Only the caseworker and a person a share names without protection get the
  clip itself (`clip_variant`); everyone else who sees the clip gets the protected one.
- A grant given before the person last set their password through an administrator's link
  is held until it is given again (`Subject.holds`): a share, a confirmation, a place in a
  sparring session.
- A session is reached by its participants; what is said in it (the question, the summary,
  the learning points, the feedback) and its media follow the rule of the recording or clip
  it is on.

Every route decides through the functions here; the feature packages only load the rows.
Someone who may not see a thing gets 404, as if it did not exist; an owner's action asked
for by someone who only sees it gets 403.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import false, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.access.models import Share, ShareMember
from app.accounts.models import Role, TeamMember, User
from app.accounts.subject import Subject
from app.core.errors import NotFound, NotPermitted
from app.core.i18n import N_
from app.recordings.models import Recording

# People who may receive content: a share, a clip's share, a place in a session. Never an
# administrator (issue 19): they run the accounts and the log, and see no case.
RECEIVING_ROLES = (Role.supervisor, Role.caseworker)
NOT_FOR_ADMINISTRATORS = N_(
    "An administrator never sees recordings, clips or sparring sessions: give them to the "
    "caseworkers and supervisors who work with the case."
)


class Owned(Protocol):
    """A clip as the rule sees it (app.clips loads the row)."""

    @property
    def id(self) -> int | None: ...

    @property
    def owner_id(self) -> int: ...


class Participation(Protocol):
    """A place in a sparring session (app.sessions loads the row)."""

    @property
    def added_at(self) -> datetime: ...

    @property
    def is_caseworker(self) -> bool: ...


C = TypeVar("C", bound=Owned)


# Grants ------------------------------------------------------------------------------------


def _not_held(granted_at: Any, subject: Subject) -> Any:
    """SQL: the grant was given after the person's link password (or there is none)."""
    return granted_at > subject.held_before if subject.held_before else true()


def _granted(subject: Subject, *, clips: bool) -> Any:
    """Ids of the recordings (or clips) whose shares reach the person now."""
    target = col(Share.clip_id) if clips else col(Share.recording_id)
    kind = col(Share.clip_id).is_not(None) if clips else col(Share.clip_id).is_(None)
    if not subject.sees_content:
        return select(target).where(false())
    personal = select(target).where(
        kind, col(Share.user_id) == subject.id, _not_held(Share.granted_at, subject)
    )
    if not clips:  # a team never gets a whole recording
        return personal.subquery()
    through_team = (
        select(target)
        .join(ShareMember, col(ShareMember.share_id) == Share.id)
        .join(
            TeamMember,
            (col(TeamMember.team_id) == Share.team_id)
            & (col(TeamMember.user_id) == ShareMember.user_id),
        )
        .where(
            kind,
            col(ShareMember.user_id) == subject.id,
            _not_held(ShareMember.granted_at, subject),
        )
    )
    return personal.union(through_team).subquery()


def _reads(session: Session, subject: Subject, owner_id: int, *, clips: bool, ident: Any) -> bool:
    """Its caseworker, or someone a share of it (of the recording, or of the clip) reaches."""
    if not subject.sees_content:
        return False
    if owner_id == subject.id:
        return True
    granted = _granted(subject, clips=clips)
    column = granted.c.clip_id if clips else granted.c.recording_id
    return session.exec(select(column).where(column == ident).limit(1)).first() is not None


# Recordings --------------------------------------------------------------------------------


def reads_recording(session: Session, subject: Subject, recording: Recording) -> bool:
    """Its caseworker, or someone a share of the whole recording reaches."""
    return _reads(session, subject, recording.owner_id, clips=False, ident=recording.id)


def recording(session: Session, subject: Subject, recording_id: str) -> Recording:
    """The recording if the person may see it; otherwise 404, as if it did not exist."""
    found = session.get(Recording, recording_id) if recording_id.isalnum() else None
    if found is None or not reads_recording(session, subject, found):
        raise NotFound(N_("The recording does not exist."), code="recording.not_found")
    return found


def owned_recording(session: Session, subject: Subject, recording_id: str) -> Recording:
    """The recording if the person is its caseworker: 404 if unseen, 403 if only shared."""
    found = recording(session, subject, recording_id)
    if found.owner_id != subject.id:
        raise NotPermitted(
            N_("Only the recording's caseworker can do this."), code="recording.owner_only"
        )
    return found


def readable_recordings(session: Session, subject: Subject, limit: int = 200) -> list[Recording]:
    """Own and shared recordings, newest first."""
    if not subject.sees_content:
        return []
    query = (
        select(Recording)
        .where(readable(subject))
        .order_by(col(Recording.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def readable(subject: Subject) -> Any:
    """SQL: the recordings the person may see (their own, or reached by a share), for
    queries that filter, sort and page them further (app.library.finding)."""
    if not subject.sees_content:
        return false()
    granted = _granted(subject, clips=False)
    return or_(
        col(Recording.owner_id) == subject.id,
        col(Recording.id).in_(select(granted.c.recording_id)),
    )


@dataclass(frozen=True)
class SharedWithMe:
    """Who shared a recording with this person, and when it reached them."""

    by: str
    at: datetime


def shared_with(
    session: Session, subject: Subject, recording_ids: Sequence[str]
) -> dict[str, SharedWithMe]:
    """For the recordings among these that reach the person through a share: the first
    share that did (directly, or through a team as one of the members it covers)."""
    if not recording_ids or not subject.sees_content:
        return {}
    return _first_shares(session, subject, clips=False, among=recording_ids)


def _first_shares(
    session: Session, subject: Subject, *, clips: bool, among: Sequence[str] | None = None
) -> dict[Any, SharedWithMe]:
    """Each recording (or clip) a share reaches the person through, with the first share that
    did; only the recordings `among` these, where given."""
    sharer = aliased(User)
    target = col(Share.clip_id) if clips else col(Share.recording_id)
    where = [col(Share.clip_id).is_not(None) if clips else col(Share.clip_id).is_(None)]
    if among is not None:
        where.append(col(Share.recording_id).in_(among))
    personal = (
        select(target, sharer.name, Share.granted_at)
        .join(sharer, col(sharer.id) == Share.shared_by_id)
        .where(*where, col(Share.user_id) == subject.id, _not_held(Share.granted_at, subject))
    )
    through_team = (
        select(target, sharer.name, ShareMember.granted_at)
        .join(ShareMember, col(ShareMember.share_id) == Share.id)
        .join(
            TeamMember,
            (col(TeamMember.team_id) == Share.team_id)
            & (col(TeamMember.user_id) == ShareMember.user_id),
        )
        .join(sharer, col(sharer.id) == Share.shared_by_id)
        .where(
            *where,
            col(ShareMember.user_id) == subject.id,
            _not_held(ShareMember.granted_at, subject),
        )
    )
    found: dict[Any, SharedWithMe] = {}
    for query in (personal, through_team) if clips else (personal,):
        for ident, name, at in session.exec(query).all():
            if ident not in found or at < found[ident].at:
                found[ident] = SharedWithMe(by=name, at=at)
    return found


def shared_with_me(session: Session, subject: Subject, *, clips: bool) -> dict[Any, SharedWithMe]:
    """Every recording (or every clip) shares reach the person through, with the first share
    that did."""
    return _first_shares(session, subject, clips=clips) if subject.sees_content else {}


# Clips -------------------------------------------------------------------------------------


def reads_clip(session: Session, subject: Subject, clip: Owned) -> bool:
    """The recording's caseworker, or someone a share of this clip reaches."""
    return _reads(session, subject, clip.owner_id, clips=True, ident=clip.id)


def clip(session: Session, subject: Subject, found: C | None) -> C:
    """The clip if the person may see it; otherwise 404, as if it did not exist."""
    if found is None or not reads_clip(session, subject, found):
        raise NotFound(N_("The clip does not exist."), code="clip.not_found")
    return found


def owned_clip(session: Session, subject: Subject, found: C | None) -> C:
    """The clip if the person is the recording's caseworker: 404 if unseen, 403 if shared."""
    seen = clip(session, subject, found)
    if seen.owner_id != subject.id:
        raise NotPermitted(
            N_("Only the recording's caseworker can do this."), code="clip.owner_only"
        )
    return seen


class Variant(StrEnum):
    original = "original"  # the clip as cut
    protected = "protected"  # faces blurred, names and numbers hidden: what a team gets


def clip_variant(session: Session, subject: Subject, clip: Owned) -> Variant:
    """Which variant of a clip the person gets (once `clip` has let them see it): its
    caseworker and a person a share names without protection the clip itself, everyone else
    (a team's members) the protected one."""
    if clip.owner_id == subject.id:
        return Variant.original
    personal = select(Share.id).where(
        col(Share.clip_id) == clip.id,
        col(Share.user_id) == subject.id,
        col(Share.protected).is_(False),
        _not_held(Share.granted_at, subject),
    )
    return Variant.original if session.exec(personal.limit(1)).first() else Variant.protected


def shared_clip_ids(subject: Subject) -> Any:
    """A subquery of the ids of the clips shares reach the person through (`.c.clip_id`)."""
    return _granted(subject, clips=True)


# Sparring sessions -------------------------------------------------------------------------


def joins_session(subject: Subject, place: Participation | None) -> bool:
    """A participant reaches the session, unless held: added before they last set their
    password through an administrator's link (the caseworker's own session never is)."""
    if place is None or not subject.sees_content:
        return False
    return place.is_caseworker or not subject.holds(place.added_at)


def reads_session_content(
    session: Session, subject: Subject, media: Recording | Owned | None
) -> bool:
    """The session's media and what is said in it follow the rule of what it is on: the
    recording, or its clip (None: the clip was deleted, nothing is shown)."""
    if media is None:
        return False
    if isinstance(media, Recording):
        return reads_recording(session, subject, media)
    return reads_clip(session, subject, media)


def reads_session_texts(
    session: Session, subject: Subject, caseworker_id: int, media: Recording | Owned | None
) -> bool:
    """The question, the summary and the learning points: the caseworker's own (also once
    the clip is gone), and whoever may see what the session is on."""
    if subject.sees_content and subject.id == caseworker_id:
        return True
    return reads_session_content(session, subject, media)


def reads_reflection_texts(
    subject: Subject, place: Participation | None, planned_by_id: int | None
) -> bool:
    """A joint reflection has no recording or clip: its case and what is said in it are for
    its participants (a held place reaches nothing) and the one who planned it."""
    if not subject.sees_content:
        return False
    return subject.id == planned_by_id or joins_session(subject, place)


def session_not_found() -> NotFound:
    return NotFound(N_("The session does not exist."), code="session.not_found")
