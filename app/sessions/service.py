"""Who takes part in a sparring session, what they see of it, and planning one.

Taking part never grants access to the recording or clip: a participant sees the media, and
what is said in the session, only once its owner has shared it with them. Whether someone
reaches a session at all, and its content, is decided in app.access.policy; anyone else
gets 404, as if it did not exist.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.models import Role, Team, TeamMember, User
from app.accounts.subject import Subject
from app.audit.service import Action, audit_now, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.audit.viewing import note as note_viewing
from app.clips.models import Clip
from app.core.errors import BadInput, NotFound, NotPermitted
from app.core.i18n import N_, translate
from app.core.text import free_text
from app.core.timeutil import utcnow
from app.feedback.models import Feedback, Notification, Place
from app.feedback.notification_mail import Invitation
from app.feedback.notifications import Reach, moment_url
from app.feedback.reading import seen_in
from app.recordings.models import Recording
from app.sessions.models import (
    PARTICIPANTS_MAX,
    QUESTION_MAX,
    ParticipantRole,
    SessionCreate,
    SessionKind,
    SessionParticipant,
    SessionState,
    SparringSession,
)

# A plan further ahead is a typing error (and near year 9999 times no longer convert).
FURTHEST_START = timedelta(days=5 * 365)

# People who may take part (as for shares: never a leader).
PARTICIPANT_ROLES = policy.RECEIVING_ROLES


def participant_ids(*, session: Session, session_id: int) -> set[int]:
    query = select(SessionParticipant.user_id).where(SessionParticipant.session_id == session_id)
    return set(session.exec(query).all())


def is_reflection(sparring: SparringSession) -> bool:
    """A joint reflection: a case told in words, no recording or clip."""
    return sparring.recording_id is None


def media_of(session: Session, sparring: SparringSession) -> Recording | Clip | None:
    """What the session is on: its clip (None once the clip is deleted), or the recording
    (None for a reflection)."""
    if sparring.recording_id is None:
        return None
    if sparring.on_clip:
        return session.get(Clip, sparring.clip_id) if sparring.clip_id is not None else None
    return session.get(Recording, sparring.recording_id)


def sees_media(*, session: Session, subject: Subject, sparring: SparringSession) -> bool:
    """The recording's owner, or someone the owner shared the recording (or the clip) with."""
    return policy.reads_session_content(session, subject, media_of(session, sparring))


def sees_texts(*, session: Session, subject: Subject, sparring: SparringSession) -> bool:
    """What is said in the session: the caseworker's own, and whoever sees its media; in a
    reflection, its participants and its planner."""
    if is_reflection(sparring):
        place = session.get(SessionParticipant, (sparring.id, subject.id))
        return policy.reads_reflection_texts(subject, place, sparring.planned_by_id)
    return policy.reads_session_texts(
        session, subject, sparring.caseworker_id, media_of(session, sparring)
    )


@dataclass(frozen=True)
class Reached:
    """A session the person reaches, and whether they see what it is on and what is said."""

    sparring: SparringSession
    sees_media: bool


def reach(
    *, session: Session, subject: Subject, session_id: int, need_media: bool = False
) -> Reached:
    """The session if the person takes part in it (and, with `need_media`, may see its
    recording or clip); otherwise 404. Pages show a participant without the owner's share
    a wait instead of the media and what is said."""
    sparring = session.get(SparringSession, session_id)
    place = session.get(SessionParticipant, (session_id, subject.id)) if sparring else None
    if sparring is None or not policy.joins_session(subject, place):
        raise policy.session_not_found()
    sees = sees_media(session=session, subject=subject, sparring=sparring)
    if need_media and not sees:
        raise policy.session_not_found()
    return Reached(sparring, sees)


def is_facilitator(subject: Subject, sparring: SparringSession) -> bool:
    """The planner moves the round along; the caseworker may always too."""
    return subject.id in (sparring.planned_by_id, sparring.caseworker_id)


def facilitated(*, session: Session, subject: Subject, session_id: int) -> SparringSession:
    sparring = reach(session=session, subject=subject, session_id=session_id).sparring
    if not is_facilitator(subject, sparring):
        raise NotPermitted(
            N_("Only the caseworker or the one who planned the session can do this."),
            code="session.facilitator_only",
        )
    return sparring


def clean_text(text: str, *, limit: int, field: str) -> str:
    """What is said in a session: stored as given (shown as text, never run)."""
    return free_text(text, field=field, limit=limit, prefix="session.text_")


def check_start(starts_at: datetime) -> datetime:
    """A new or moved plan lies ahead (a few minutes' grace for a session starting now)."""
    if starts_at.tzinfo is None:
        raise BadInput(
            N_("Give the time with its time zone."), code="session.time_no_zone", field="starts_at"
        )
    try:
        # Year 9999 in a zone east of UTC lies past datetime's end once in UTC.
        ahead = starts_at.astimezone(UTC) - utcnow()
    except OverflowError:
        ahead = FURTHEST_START + FURTHEST_START
    if ahead.total_seconds() < -15 * 60:
        raise BadInput(
            N_("The time has passed. Choose a time ahead."),
            code="session.time_past",
            field="starts_at",
        )
    if ahead > FURTHEST_START:
        # Pages show the time in the local zone: near datetime's end that overflows too.
        raise BadInput(
            N_("The time is too far ahead. Choose a time within the next %(years)s years."),
            code="session.time_far",
            field="starts_at",
            years=FURTHEST_START.days // 365,
        )
    return starts_at


def people(
    *, session: Session, user_ids: list[int], team_id: int | None
) -> tuple[list[User], Team | None]:
    """The people named and the team's members, each checked; unknown ones refused."""
    found: dict[int, User] = {}
    for user_id in dict.fromkeys(user_ids):
        person = session.get(User, user_id)
        if person is not None and person.role == Role.administrator:
            raise BadInput(
                policy.NOT_FOR_ADMINISTRATORS, code="session.administrator", field="participants"
            )
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
    *, session: Session, subject: Subject, recording_id: str, clip_id: int | None
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
    if clip is not None:
        policy.clip(session, subject, clip)
    else:
        policy.recording(session, subject, recording.id)
    if recording.owner_id != subject.id and subject.role != Role.supervisor:
        raise NotPermitted(
            N_("Only the caseworker or a supervisor plans a session."),
            code="session.plan_not_allowed",
        )
    return recording, clip


def add_people(*, session: Session, sparring: SparringSession, persons: list[User]) -> list[int]:
    """Add those not yet in (in the round's order after the others); someone already in is
    given their place again (after a password set through an administrator's link, it is
    held until then). Who was added or given their place again."""
    assert sparring.id is not None
    present = participant_ids(session=session, session_id=sparring.id)
    if len(present | {p.id for p in persons}) > PARTICIPANTS_MAX:
        raise BadInput(
            N_("A session has at most %(limit)s participants."),
            code="session.too_many",
            limit=PARTICIPANTS_MAX,
        )
    added: list[int] = []
    for person in persons:
        if person.id is None:
            continue
        if person.id in present:
            row = session.get(SessionParticipant, (sparring.id, person.id))
            if (
                row is not None
                and person.link_password_at
                and row.added_at <= person.link_password_at
            ):
                row.added_at = utcnow()
                session.add(row)
                added.append(person.id)
            continue
        role = (
            ParticipantRole.caseworker
            if person.id == sparring.caseworker_id
            else ParticipantRole.participant
        )
        session.add(
            SessionParticipant(
                session_id=sparring.id,
                user_id=person.id,
                role=role,
                position=len(present) + len(added),
            )
        )
        added.append(person.id)
    session.flush()
    return added


def plan(*, session: Session, subject: Subject, body: SessionCreate) -> SparringSession:
    recording, clip = _media(
        session=session, subject=subject, recording_id=body.recording_id, clip_id=body.clip_id
    )
    persons, team = people(session=session, user_ids=body.user_ids, team_id=body.team_id)
    others = {p.id for p in persons} | {subject.id}
    if not others - {recording.owner_id}:
        raise BadInput(
            N_("Choose at least one person or a team to take part besides the caseworker."),
            code="session.nobody",
            field="participants",
        )
    sparring = SparringSession(
        kind=body.kind,
        caseworker_id=recording.owner_id,
        planned_by_id=subject.id,
        recording_id=recording.id,
        clip_id=clip.id if clip else None,
        on_clip=clip is not None,
        team_id=team.id if team else None,
        starts_at=check_start(body.starts_at),
        question=clean_text(body.question, limit=QUESTION_MAX, field="question"),
    )
    session.add(sparring)
    session.flush()
    owner, planner = session.get(User, recording.owner_id), session.get(User, subject.id)
    assert owner is not None and planner is not None
    # The caseworker first, then the planner, then the others in the order given.
    order = [owner, planner, *persons]
    add_people(session=session, sparring=sparring, persons=list({p.id: p for p in order}.values()))
    return sparring


def mine(*, session: Session, subject: Subject, limit: int = 200) -> list[SparringSession]:
    """The sessions the person reaches, the latest first (a held place, a leader or a
    disabled account reaches none)."""
    query = (
        select(SparringSession, SessionParticipant)
        .join(SessionParticipant, col(SessionParticipant.session_id) == SparringSession.id)
        .where(col(SessionParticipant.user_id) == subject.id)
        .order_by(col(SparringSession.starts_at).desc())
        .limit(limit)
    )
    rows = session.exec(query).all()
    return [sparring for sparring, place in rows if policy.joins_session(subject, place)]


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


def log_names(session: Session, ids: set[int]) -> dict[int, tuple[str, datetime]]:
    """Each existing session's kind and start: how the audit log names it to an
    administrator (registered in app.main), never by its question or texts."""
    query = select(SparringSession.id, SparringSession.kind, SparringSession.starts_at).where(
        col(SparringSession.id).in_(ids)
    )
    return {sid: (str(kind), at) for sid, kind, at in session.exec(query) if sid is not None}


def audited(
    session: Session, subject: Subject, action: str, sparring: SparringSession, detail: str = ""
) -> None:
    """A change to a session, written to the audit log once it is committed (never for a
    rolled-back one), under the session's recording."""
    what = f"session {sparring.id}" + (f" {detail}" if detail else "")
    audit_on_commit(session, subject, action, sparring.recording_id, what)


def audit_join(session: Session, subject: Subject, sparring: SparringSession) -> None:
    """One entry per participant and session, however often they open its page, read it
    through the API or connect to its live channel (a viewing: app/audit/viewing.py)."""
    assert sparring.id is not None
    if sparring.recording_id is None:
        # No recording to keep a viewing by: each join of a reflection is an entry.
        audit_now(subject, Action.session_joined, None, f"session {sparring.id}")
        return
    note_viewing(
        session,
        user_id=subject.id,
        recording_id=sparring.recording_id,
        kind=Kind.session(sparring.id),
        action=Action.session_joined,
        actor_email=subject.email,
        detail=f"session {sparring.id}",
        ip=subject.address,
    )


def audit_texts_listed(session: Session, subject: Subject, shown: list[SparringSession]) -> None:
    """What is said in sessions, read in a list (the API's list, the page's learning points):
    one viewing per recording, written before the texts go out."""
    by_recording: dict[str | None, list[str]] = {}
    for sparring in shown:
        by_recording.setdefault(sparring.recording_id, []).append(str(sparring.id))
    for recording_id, ids in by_recording.items():
        detail = f"sessions {','.join(ids)}"
        if recording_id is None:  # reflections: no recording, an entry each time
            audit_now(subject, Action.view, None, detail)
        else:
            audit_viewing(session, subject, Action.view, recording_id, Kind.session_texts, detail)


def way_to_see(
    session: Session, subject: Subject, recording: Recording, root: Feedback
) -> Reach | None:
    """A notification's item where its reader sees it in a team session: the session it was
    given in, or one its caseworker brought it to (registered in app.main)."""
    for session_id in seen_in(session, root, Place.session):
        try:
            found = reach(session=session, subject=subject, session_id=session_id, need_media=True)
        except NotFound:
            continue
        page = f"/sessions/{found.sparring.id}"
        title = translate(N_("Sparring session"), subject.language or "da")
        return Reach(
            moment_url(page, root.start_seconds, root.id), title, recording.id, root.start_seconds
        )
    return None


def open_invitation(session: Session, subject: Subject, note: Notification) -> Reach | None:
    """The session the reader was invited to, while they take part (registered in app.main).
    Its title is its kind; the recording's title only for who may see the recording."""
    if note.session_id is None:
        return None
    try:
        found = reach(session=session, subject=subject, session_id=note.session_id)
    except NotFound:
        return None
    sparring = found.sparring
    titles = {
        SessionKind.team: N_("Team sparring session"),
        SessionKind.reflection: N_("Joint professional reflection"),
    }
    title = titles.get(sparring.kind, N_("Sparring session"))
    words = translate(title, subject.language or "da")
    return Reach(f"/sessions/{sparring.id}", words, None, None, at=sparring.starts_at)


def invitation(sparring: SparringSession, *, moved: bool = False) -> Invitation:
    """What an invitation's calendar entry needs. A moved session's entry gets a higher
    sequence than any sent before (the seconds since it was planned), so a calendar that
    has the first one replaces it."""
    assert sparring.id is not None
    sequence = int((utcnow() - sparring.created_at).total_seconds()) + 1 if moved else 0
    team = sparring.kind == SessionKind.team
    return Invitation(sparring.id, sparring.starts_at, team, sequence=sequence)
