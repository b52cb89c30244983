"""What a person does with a sparring session: check (app.access.policy, through
`service.reach`), change (`service`, `round`), audit. The API and the page forms call these."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.access import actions as access_actions
from app.access import policy
from app.access.models import Share
from app.accounts.models import User
from app.accounts.subject import Subject
from app.audit.service import Action
from app.clips import actions as clip_actions
from app.core.errors import NotPermitted
from app.core.i18n import N_
from app.feedback import notifications
from app.feedback.models import NotificationReason
from app.sessions import reflection, service
from app.sessions import round as session_round
from app.sessions.models import (
    ParticipantAdd,
    ParticipantPublic,
    RoundMove,
    SessionCreate,
    SessionKind,
    SessionParticipant,
    SessionPublic,
    SessionUpdate,
    SparringSession,
    SummaryUpdate,
)


def participants(session: Session, sparring: SparringSession) -> list[ParticipantPublic]:
    rows = session.exec(
        select(SessionParticipant, User)
        .join(User, col(User.id) == SessionParticipant.user_id)
        .where(SessionParticipant.session_id == sparring.id)
        .order_by(col(SessionParticipant.position), col(User.name))
    ).all()
    out = []
    for place, person in rows:
        them = Subject.of(person)
        out.append(
            ParticipantPublic(
                user_id=place.user_id,
                name=person.name,
                role=place.role,
                sees_media=service.sees_media(session=session, subject=them, sparring=sparring),
                held=not place.is_caseworker and them.holds(place.added_at),
            )
        )
    return out


def name_of(session: Session, user_id: int) -> str:
    person = session.get(User, user_id)
    return person.name if person else ""


def to_public(session: Session, subject: Subject, sparring: SparringSession) -> SessionPublic:
    """The session as the reader sees it: what is said in it only if they see its media."""
    sees = service.sees_media(session=session, subject=subject, sparring=sparring)
    hidden = not service.sees_texts(session=session, subject=subject, sparring=sparring)
    texts: dict[str, Any] = (
        {"question": "", "summary": "", "learning_points": "", "case_text": ""}
        if hidden
        else {"criterion_ids": [v.criterion_id for _, v in session_round.tags(session, sparring)]}
    )
    return SessionPublic.model_validate(
        sparring,
        update={"participants": participants(session, sparring), "sees_media": sees, **texts},
    )


def plan(*, session: Session, subject: Subject, body: SessionCreate) -> SparringSession:
    """Plan a session; audited with what it is on and how many take part (no names)."""
    if body.kind == SessionKind.reflection:
        sparring = reflection.plan(session=session, subject=subject, body=body)
    else:
        sparring = service.plan(session=session, subject=subject, body=body)
    assert sparring.id is not None
    people = service.participant_ids(session=session, session_id=sparring.id)
    media = f"clip {sparring.clip_id}" if sparring.on_clip else "recording"
    detail = f"{sparring.kind} on {media}, {len(people)} participants"
    if service.is_reflection(sparring):
        detail = f"reflection, {len(people)} participants"
    service.audited(session, subject, Action.session_planned, sparring, detail)
    if body.share and not service.is_reflection(sparring):
        share_with_waiting(session, subject, sparring)
    _invite(session, subject, sparring, people)
    return sparring


def share_with_waiting(session: Session, subject: Subject, sparring: SparringSession) -> int:
    """The caseworker shares the session's recording or clip with the participants who do
    not see it yet: the session's team as a team share, the others one by one (each share
    audited and told as the recording page's are). How many were waiting."""
    if subject.id != sparring.caseworker_id:
        raise NotPermitted(
            N_("Only the recording's caseworker can share it with the participants."),
            code="session.share_not_caseworker",
            field="share",
        )
    if sparring.recording_id is None or (sparring.on_clip and sparring.clip_id is None):
        return 0  # a reflection, or the clip was deleted: nothing to share
    what = (
        clip_actions.shared(session, subject, sparring.clip_id)
        if sparring.clip_id is not None
        else access_actions.of_recording(session, subject, sparring.recording_id)
    )

    def waiting() -> set[int]:
        # Someone whose place is held (a password set through a link) needs adding again,
        # not a share.
        people = participants(session, sparring)
        return {p.user_id for p in people if not p.sees_media and not p.held}

    def shared_with(condition: Any) -> bool:
        return session.exec(what.shares().where(condition)).first() is not None

    first = waiting()
    left = first
    team = sparring.team_id
    if left and team is not None and not shared_with(Share.team_id == team):
        access_actions.share(
            session=session, subject=subject, what=what, user_id=None, team_id=team
        )
        left = waiting()
    for user_id in sorted(left):
        if not shared_with(Share.user_id == user_id):
            access_actions.share(
                session=session, subject=subject, what=what, user_id=user_id, team_id=None
            )
    return len(first)


def share_media(asked: "Asked") -> int:
    """The session page's "share with those waiting", for the session's caseworker."""
    return share_with_waiting(asked.session, asked.subject, asked.facilitated())


def _invite(
    session: Session, subject: Subject, sparring: SparringSession, people: Iterable[int]
) -> None:
    """Each person added is told, in the app and by e-mail with a calendar entry."""
    notifications.notify(
        session,
        to=people,
        by=subject,
        reason=NotificationReason.invited,
        recording_id=sparring.recording_id,
        session_id=sparring.id,
        invitation=service.invitation(sparring),
    )


def mine(*, session: Session, subject: Subject) -> list[SessionPublic]:
    """The sessions the reader reaches, the latest first; the texts that go out audited."""
    rows = service.mine(session=session, subject=subject)
    listed = [to_public(session, subject, s) for s in rows]
    said = [
        s for s, p in zip(rows, listed, strict=True) if p.question or p.summary or p.learning_points
    ]
    service.audit_texts_listed(session, subject, said)
    return listed


@dataclass(frozen=True)
class Asked:
    """A request about one sparring session: who asks, in which transaction, and which
    session (each action decides, through the access rule, what the asker may)."""

    session: Session
    subject: Subject
    session_id: int

    def facilitated(self) -> SparringSession:
        """The session, for its caseworker or planner (403 to another participant)."""
        return service.facilitated(
            session=self.session, subject=self.subject, session_id=self.session_id
        )

    def audited(self, action: str, sparring: SparringSession, detail: str = "") -> None:
        service.audited(self.session, self.subject, action, sparring, detail)


def joined(asked: Asked) -> service.Reached:
    """The session for a participant, their join written to the audit log once."""
    found = service.reach(session=asked.session, subject=asked.subject, session_id=asked.session_id)
    service.audit_join(asked.session, asked.subject, found.sparring)
    return found


def change(asked: Asked, body: SessionUpdate) -> SparringSession:
    """Change the kind, time or question; a new time is told to the others, with an
    updated calendar entry."""
    sparring = asked.facilitated()
    was = sparring.starts_at
    session_round.update(session=asked.session, sparring=sparring, body=body)
    asked.audited(Action.session_changed, sparring, ",".join(sorted(body.model_fields_set)))
    if sparring.starts_at != was:
        assert sparring.id is not None
        people = service.participant_ids(session=asked.session, session_id=sparring.id)
        notifications.notify(
            asked.session,
            to=people,
            by=asked.subject,
            reason=NotificationReason.moved,
            recording_id=sparring.recording_id,
            session_id=sparring.id,
            invitation=service.invitation(sparring, moved=True),
        )
    return sparring


def add_participants(asked: Asked, body: ParticipantAdd) -> SparringSession:
    """A person or a team's members, each listed; someone held is given their place again."""
    sparring = asked.facilitated()
    added = session_round.add(session=asked.session, sparring=sparring, body=body)
    target = f"user {body.user_id}" if body.user_id is not None else f"team {body.team_id}"
    asked.audited(Action.participant_added, sparring, f"{target} ({len(added)} added)")
    _invite(asked.session, asked.subject, sparring, added)
    return sparring


def remove_participant(asked: Asked, user_id: int) -> SparringSession:
    sparring = asked.facilitated()
    session_round.remove(session=asked.session, sparring=sparring, user_id=user_id)
    asked.audited(Action.participant_removed, sparring, f"user {user_id}")
    return sparring


def move_round(asked: Asked, body: RoundMove) -> SparringSession:
    sparring = asked.facilitated()
    session_round.move(session=asked.session, sparring=sparring, body=body)
    return sparring


def save_summary(asked: Asked, body: SummaryUpdate) -> SparringSession:
    """The summary (the facilitator's) and the learning points (the caseworker's own), each
    an audit entry of its own. Only someone who sees what the session is on writes here."""
    session, subject = asked.session, asked.subject
    sparring = service.reach(session=session, subject=subject, session_id=asked.session_id).sparring
    if not service.sees_texts(session=session, subject=subject, sparring=sparring):
        raise policy.session_not_found()
    session_round.save_summary(session=session, subject=subject, sparring=sparring, body=body)
    if body.summary is not None:
        asked.audited(Action.session_summary_saved, sparring)
    if body.learning_points is not None or body.criterion_ids is not None:
        tagged = "" if body.criterion_ids is None else f"criteria {len(body.criterion_ids)}"
        asked.audited(Action.learning_points_saved, sparring, tagged)
    return sparring


def close(asked: Asked) -> SparringSession:
    sparring = asked.facilitated()
    session_round.close(session=asked.session, sparring=sparring)
    asked.audited(Action.session_closed, sparring)
    return sparring
