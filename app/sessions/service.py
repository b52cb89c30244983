"""Who takes part in a sparring session, who sees its media, and planning one.

Taking part never grants access to the recording or clip: a participant sees the media
only once its owner has shared it with them (`sees_media`). Only participants reach a
session at all; anyone else gets 404, as if it did not exist.
"""

from datetime import datetime

from sqlmodel import Session, col, select
from starlette.requests import HTTPConnection, Request

from app.accounts.models import Role, Team, TeamMember, User
from app.audit.service import Action, audit_on_commit
from app.audit.viewing import Kind
from app.audit.viewing import note as note_viewing
from app.clips import service as clip_service
from app.clips.models import Clip
from app.core.errors import BadInput, NotFound, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.recordings.models import Recording
from app.sessions.models import (
    PARTICIPANTS_MAX,
    QUESTION_MAX,
    ParticipantRole,
    SessionCreate,
    SessionParticipant,
    SessionState,
    SparringSession,
)
from app.sharing import service as sharing

# People who may take part (as for shares: never a leader).
PARTICIPANT_ROLES = (Role.supervisor, Role.caseworker, Role.administrator)


def _not_found() -> NotFound:
    return NotFound(N_("The session does not exist."), code="session.not_found")


def participant_ids(*, session: Session, session_id: int) -> set[int]:
    query = select(SessionParticipant.user_id).where(SessionParticipant.session_id == session_id)
    return set(session.exec(query).all())


def sees_media(*, session: Session, user: User, sparring: SparringSession) -> bool:
    """The recording's owner, or someone the owner shared the recording (or the clip) with."""
    if sparring.on_clip and sparring.clip_id is None:  # the clip was deleted: nothing to show
        return False
    if user.id == sparring.caseworker_id and user.role != Role.leader:
        return True
    if sparring.on_clip and sparring.clip_id is not None:
        try:
            clip_service.visible_clip(session=session, user=user, clip_id=sparring.clip_id)
        except NotFound:
            return False
        return True
    recording = session.get(Recording, sparring.recording_id)
    return recording is not None and sharing.can_view(
        session=session, user=user, recording=recording
    )


def require_participant(
    *, session: Session, user: User, session_id: int, need_media: bool = True
) -> SparringSession:
    """The session if the user takes part in it (and, with `need_media`, may see its
    recording or clip); otherwise 404. The pages pass need_media=False and show a
    participant without the owner's share a wait instead of the media."""
    sparring = session.get(SparringSession, session_id)
    if sparring is None or session.get(SessionParticipant, (session_id, user.id)) is None:
        raise _not_found()
    if not user.active or user.role == Role.leader:
        raise _not_found()
    if need_media and not sees_media(session=session, user=user, sparring=sparring):
        raise _not_found()
    return sparring


def is_facilitator(user: User, sparring: SparringSession) -> bool:
    """The planner moves the round along; the caseworker may always too."""
    return user.id in (sparring.planned_by_id, sparring.caseworker_id)


def require_facilitator(*, session: Session, user: User, session_id: int) -> SparringSession:
    sparring = require_participant(
        session=session, user=user, session_id=session_id, need_media=False
    )
    if not is_facilitator(user, sparring):
        raise NotPermitted(
            N_("Only the caseworker or the one who planned the session can do this."),
            code="session.facilitator_only",
        )
    return sparring


def clean_text(text: str, *, limit: int, field: str) -> str:
    """Stored as given (shown as text, never run); control characters and over-long text refused."""
    text = text.strip()
    if len(text) > limit:
        raise BadInput(
            N_("The text is too long: at most %(limit)s characters."),
            code="session.text_too_long",
            limit=limit,
            field=field,
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text if ch not in "\n\t\r"):
        raise BadInput(
            N_("The text contains invisible control characters. Remove them and try again."),
            code="session.text_bad_chars",
            field=field,
        )
    return text


def check_start(starts_at: datetime) -> datetime:
    """A new or moved plan lies ahead (a few minutes' grace for a session starting now)."""
    if starts_at.tzinfo is None:
        raise BadInput(
            N_("Give the time with its time zone."), code="session.time_no_zone", field="starts_at"
        )
    if (utcnow() - starts_at).total_seconds() > 15 * 60:
        raise BadInput(
            N_("The time has passed. Choose a time ahead."),
            code="session.time_past",
            field="starts_at",
        )
    return starts_at


def people(
    *, session: Session, user_ids: list[int], team_id: int | None
) -> tuple[list[User], Team | None]:
    """The people named and the team's members, each checked; unknown ones refused."""
    found: dict[int, User] = {}
    for user_id in dict.fromkeys(user_ids):
        person = session.get(User, user_id)
        if person is None or not person.active or person.role not in PARTICIPANT_ROLES:
            raise BadInput(
                N_("One of the participants does not exist or cannot take part."),
                code="session.unknown_participant",
                field="participants",
            )
        found[user_id] = person
    team = None
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise BadInput(N_("The team does not exist."), code="session.bad_team", field="team_id")
        members = session.exec(
            select(User)
            .join(TeamMember, col(TeamMember.user_id) == User.id)
            .where(col(TeamMember.team_id) == team_id, col(User.active).is_(True))
            .where(col(User.role).in_(PARTICIPANT_ROLES))
            .order_by(col(User.name))
        ).all()
        found.update({m.id: m for m in members if m.id is not None})
    return list(found.values()), team


def _media(
    *, session: Session, user: User, recording_id: str, clip_id: int | None
) -> tuple[Recording, Clip | None]:
    """The recording the planner may see (or plan on), and the clip of it, if one."""
    recording = session.get(Recording, recording_id) if recording_id.isalnum() else None
    if recording is None:
        raise NotFound(N_("The recording does not exist."), code="recording.not_found")
    clip = session.get(Clip, clip_id) if clip_id is not None else None
    if clip_id is not None and (clip is None or clip.recording_id != recording.id):
        raise BadInput(
            N_("The clip is not one of this recording's clips."),
            code="session.clip_other_recording",
            field="clip_id",
        )
    if recording.owner_id == user.id:
        return recording, clip
    if clip is not None and clip.id is not None:
        clip_service.visible_clip(session=session, user=user, clip_id=clip.id)
    else:
        sharing.visible(session=session, user=user, recording_id=recording.id)
    if user.role != Role.supervisor:
        raise NotPermitted(
            N_("Only the caseworker or a supervisor plans a session."),
            code="session.plan_not_allowed",
        )
    return recording, clip


def add_people(*, session: Session, sparring: SparringSession, persons: list[User]) -> int:
    """Add those not yet in (in the round's order after the others); how many were added."""
    assert sparring.id is not None
    present = participant_ids(session=session, session_id=sparring.id)
    if len(present | {p.id for p in persons}) > PARTICIPANTS_MAX:
        raise BadInput(
            N_("A session has at most %(limit)s participants."),
            code="session.too_many",
            limit=PARTICIPANTS_MAX,
        )
    added = 0
    for person in persons:
        if person.id is None or person.id in present:
            continue
        role = (
            ParticipantRole.caseworker
            if person.id == sparring.caseworker_id
            else ParticipantRole.participant
        )
        session.add(
            SessionParticipant(
                session_id=sparring.id, user_id=person.id, role=role, position=len(present) + added
            )
        )
        added += 1
    session.flush()
    return added


def plan(*, session: Session, user: User, body: SessionCreate) -> SparringSession:
    recording, clip = _media(
        session=session, user=user, recording_id=body.recording_id, clip_id=body.clip_id
    )
    persons, team = people(session=session, user_ids=body.user_ids, team_id=body.team_id)
    others = {p.id for p in persons} | {user.id}
    if not others - {recording.owner_id}:
        raise BadInput(
            N_("Choose at least one person or a team to take part besides the caseworker."),
            code="session.nobody",
            field="participants",
        )
    sparring = SparringSession(
        kind=body.kind,
        caseworker_id=recording.owner_id,
        planned_by_id=user.id,
        recording_id=recording.id,
        clip_id=clip.id if clip else None,
        on_clip=clip is not None,
        team_id=team.id if team else None,
        starts_at=check_start(body.starts_at),
        question=clean_text(body.question, limit=QUESTION_MAX, field="question"),
    )
    session.add(sparring)
    session.flush()
    owner = session.get(User, recording.owner_id)
    assert owner is not None
    # The caseworker first, then the planner, then the others in the order given.
    order = [owner, user, *persons]
    add_people(session=session, sparring=sparring, persons=list({p.id: p for p in order}.values()))
    return sparring


def mine(*, session: Session, user: User, limit: int = 200) -> list[SparringSession]:
    """The sessions the user takes part in, the latest first."""
    query = (
        select(SparringSession)
        .join(SessionParticipant, col(SessionParticipant.session_id) == SparringSession.id)
        .where(col(SessionParticipant.user_id) == user.id)
        .order_by(col(SparringSession.starts_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def last_learning_points(*, session: Session, caseworker_id: int) -> str:
    """The learning points of the caseworker's latest session that has some."""
    query = (
        select(SparringSession.learning_points)
        .where(
            SparringSession.caseworker_id == caseworker_id, SparringSession.learning_points != ""
        )
        .order_by(col(SparringSession.starts_at).desc(), col(SparringSession.id).desc())
        .limit(1)
    )
    return session.exec(query).first() or ""


def is_closed(sparring: SparringSession) -> bool:
    return sparring.state == SessionState.closed


# The audit log -----------------------------------------------------------------------------


def audited(
    session: Session,
    request: Request,
    user: User,
    action: str,
    sparring: SparringSession,
    detail: str = "",
) -> None:
    """A change to a session, written to the audit log once it is committed (never for a
    rolled-back one), under the session's recording."""
    what = f"session {sparring.id}" + (f" {detail}" if detail else "")
    audit_on_commit(session, request, user, action, sparring.recording_id, what)


def summary_saved(
    session: Session, request: Request, user: User, sparring: SparringSession, fields: set[str]
) -> None:
    """The summary and the learning points are each an entry of their own."""
    if "summary" in fields:
        audited(session, request, user, Action.session_summary_saved, sparring)
    if "learning_points" in fields:
        audited(session, request, user, Action.learning_points_saved, sparring)


def audit_join(
    conn: HTTPConnection, session: Session, user: User, sparring: SparringSession
) -> None:
    """One entry per participant and session, however often they open its page, read it
    through the API or connect to its live channel (a viewing: app/audit/viewing.py)."""
    assert sparring.id is not None and user.id is not None
    note_viewing(
        session,
        user_id=user.id,
        recording_id=sparring.recording_id,
        kind=Kind.session(sparring.id),
        action=Action.session_joined,
        actor_email=user.email,
        detail=f"session {sparring.id}",
        ip=conn.client.host if conn.client else None,
    )
