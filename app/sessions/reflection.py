"""Joint professional reflection (fælles faglig refleksion): a session on no recording or
clip. Its presenter tells the case in words (never with a CPR number); it is held with a
team or chosen participants, runs the same round and ends with learning points. Who reads
it: app.access.policy.reads_reflection_texts; how long it is kept: app.sessions.retention."""

from sqlmodel import Session

from app.accounts.models import User
from app.accounts.subject import Subject
from app.core.errors import BadInput, NotPermitted
from app.core.i18n import N_
from app.core.text import free_text
from app.privacy.numbers import cprs_and_phones
from app.sessions import service
from app.sessions.models import (
    CASE_MAX,
    QUESTION_MAX,
    SessionCreate,
    SessionKind,
    SparringSession,
)


def check_case(text: str) -> str:
    """A reflection's case, in words: required, and never with a CPR number (refused, not
    hidden: the presenter rewrites it without one)."""
    text = free_text(
        text,
        field="case_text",
        limit=CASE_MAX,
        prefix="session.text_",
        required=(N_("Write the case you present."), "session.case_missing"),
    )
    if any(kind == "cpr" for kind, _ in cprs_and_phones(text)):
        raise BadInput(
            N_(
                "The case contains what looks like a CPR number. Remove it: tell the case "
                "without names or CPR numbers."
            ),
            code="session.case_cpr",
            field="case_text",
        )
    return text


def plan(*, session: Session, subject: Subject, body: SessionCreate) -> SparringSession:
    """A joint reflection: the planner presents the case, in words; no recording or clip."""
    if subject.role not in service.PARTICIPANT_ROLES:
        raise NotPermitted(
            N_("Only the caseworker or a supervisor plans a session."),
            code="session.plan_not_allowed",
        )
    persons, team = service.people(session=session, user_ids=body.user_ids, team_id=body.team_id)
    if not {p.id for p in persons} - {subject.id}:
        raise BadInput(
            N_("Choose at least one person or a team to take part besides the caseworker."),
            code="session.nobody",
            field="participants",
        )
    sparring = SparringSession(
        kind=SessionKind.reflection,
        caseworker_id=subject.id,
        planned_by_id=subject.id,
        recording_id=None,
        team_id=team.id if team else None,
        starts_at=service.check_start(body.starts_at),
        question=service.clean_text(body.question, limit=QUESTION_MAX, field="question"),
        case_text=check_case(body.case_text),
    )
    session.add(sparring)
    session.flush()
    presenter = session.get(User, subject.id)
    assert presenter is not None
    order = [presenter, *persons]
    service.add_people(
        session=session, sparring=sparring, persons=list({p.id: p for p in order}.values())
    )
    return sparring
