"""Changing a planned session: its plan, its people, the round, the summary and the close."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts.subject import Subject
from app.core.errors import BadInput, Conflict, NotPermitted
from app.core.i18n import N_
from app.core.timeutil import utcnow
from app.criteria import service as criteria
from app.criteria.models import Criterion, CriterionVersion
from app.sessions import events, reflection, service
from app.sessions.models import (
    LEARNING_MAX,
    PHASES,
    QUESTION_MAX,
    SUMMARY_MAX,
    ParticipantAdd,
    ParticipantRole,
    RoundMove,
    RoundPhase,
    SessionCriterion,
    SessionKind,
    SessionParticipant,
    SessionState,
    SessionUpdate,
    SparringSession,
    SummaryUpdate,
)


def _open(sparring: SparringSession) -> None:
    if service.is_closed(sparring):
        raise Conflict(N_("The session is closed."), code="session.closed")


def update(*, session: Session, sparring: SparringSession, body: SessionUpdate) -> None:
    _open(sparring)
    in_words = service.is_reflection(sparring)
    if body.kind is not None and (body.kind == SessionKind.reflection) != in_words:
        raise BadInput(
            N_("A joint reflection has no recording, and a session on a recording stays one."),
            code="session.kind_change",
            field="kind",
        )
    if body.case_text is not None:
        if not in_words:
            raise BadInput(
                N_("Only a joint reflection has a case told in words."),
                code="session.case_not_reflection",
                field="case_text",
            )
        sparring.case_text = reflection.check_case(body.case_text)
    if body.kind is not None:
        sparring.kind = body.kind
    if body.starts_at is not None:
        sparring.starts_at = service.check_start(body.starts_at)
    if body.question is not None:
        sparring.question = service.clean_text(body.question, limit=QUESTION_MAX, field="question")
    session.add(sparring)


def add(*, session: Session, sparring: SparringSession, body: ParticipantAdd) -> list[int]:
    _open(sparring)
    if body.user_id is None and body.team_id is None:
        raise BadInput(
            N_("Choose at least one person or a team to take part besides the caseworker."),
            code="session.nobody",
            field="participants",
        )
    user_ids = [body.user_id] if body.user_id is not None else []
    persons, _ = service.people(session=session, user_ids=user_ids, team_id=body.team_id)
    return service.add_people(session=session, sparring=sparring, persons=persons)


def remove(*, session: Session, sparring: SparringSession, user_id: int) -> None:
    """Out at once: the next request (page, API, live channel) finds them no participant."""
    row = session.get(SessionParticipant, (sparring.id, user_id))
    if row is None:
        raise BadInput(
            N_("One of the participants does not exist or cannot take part."),
            code="session.unknown_participant",
            field="participants",
        )
    if row.role == ParticipantRole.caseworker:
        raise BadInput(
            N_("The caseworker takes part in their own session."), code="session.caseworker_stays"
        )
    others = service.participant_ids(session=session, session_id=row.session_id) - {user_id}
    if not others - {sparring.caseworker_id}:
        raise BadInput(
            N_("Choose at least one person or a team to take part besides the caseworker."),
            code="session.nobody",
            field="participants",
        )
    session.execute(
        delete(SessionParticipant).where(
            col(SessionParticipant.session_id) == sparring.id,
            col(SessionParticipant.user_id) == user_id,
        )
    )
    session.flush()
    events.access_changed(session, row.session_id)  # the live channel cuts them off now


def order(*, session: Session, sparring: SparringSession) -> list[int]:
    """Whose observations come in turn: everyone but the caseworker, in the planned order."""
    query = (
        select(SessionParticipant.user_id)
        .where(SessionParticipant.session_id == sparring.id)
        .where(SessionParticipant.role != ParticipantRole.caseworker)
        .order_by(col(SessionParticipant.position), col(SessionParticipant.user_id))
    )
    return list(session.exec(query).all())


def _steps(people: list[int]) -> list[tuple[int, RoundPhase]]:
    return [(person, phase) for person in people for phase in PHASES]


def move(*, session: Session, sparring: SparringSession, body: RoundMove) -> None:
    """The facilitator moves the round: the next (or previous) phase or participant."""
    _open(sparring)
    steps = _steps(order(session=session, sparring=sparring))
    if not steps:
        raise Conflict(N_("No one is in the round."), code="session.round_empty")
    current = (sparring.round_user_id, sparring.round_phase)
    at = steps.index(current) if current in steps else None  # type: ignore[arg-type]
    over = sparring.state == SessionState.running and sparring.round_user_id is None
    if body.action == "next":
        if over:
            raise Conflict(N_("The round is over."), code="session.round_over")
        target: tuple[int, RoundPhase] | None = steps[0] if at is None else None
        if at is not None:
            target = steps[at + 1] if at + 1 < len(steps) else None
    elif body.action == "previous":
        if at is None and not over:
            raise Conflict(N_("The round has not begun."), code="session.round_not_begun")
        target = steps[-1] if at is None else steps[max(at - 1, 0)]
    elif body.action == "to":
        target = (body.user_id or 0, body.phase or RoundPhase.strength)
        if target not in steps:
            raise BadInput(
                N_("That participant is not in the round."), code="session.round_unknown"
            )
    elif body.action == "end":
        target = None
    else:
        raise BadInput(
            N_("Move the round with next, previous, to or end."), code="session.round_action"
        )
    sparring.state = SessionState.running
    sparring.round_user_id, sparring.round_phase = target if target else (None, None)
    session.add(sparring)


def save_summary(
    *, session: Session, subject: Subject, sparring: SparringSession, body: SummaryUpdate
) -> None:
    """The facilitator writes the summary; the learning points are the caseworker's own."""
    if body.learning_points is not None:
        if subject.id != sparring.caseworker_id:
            raise NotPermitted(
                N_("Only the caseworker writes their learning points."),
                code="session.learning_points_own",
            )
        sparring.learning_points = service.clean_text(
            body.learning_points, limit=LEARNING_MAX, field="learning_points"
        )
    if body.criterion_ids is not None:
        if subject.id != sparring.caseworker_id:
            raise NotPermitted(
                N_("Only the caseworker writes their learning points."),
                code="session.learning_points_own",
            )
        tag(session=session, sparring=sparring, criterion_ids=body.criterion_ids)
    if body.summary is not None:
        if not service.is_facilitator(subject, sparring):
            raise NotPermitted(
                N_("Only the caseworker or the one who planned the session can do this."),
                code="session.facilitator_only",
            )
        sparring.summary = service.clean_text(body.summary, limit=SUMMARY_MAX, field="summary")
    session.add(sparring)


def close(*, session: Session, sparring: SparringSession) -> None:
    _open(sparring)
    sparring.state = SessionState.closed
    sparring.round_user_id, sparring.round_phase = None, None
    sparring.closed_at = utcnow()
    session.add(sparring)


def tags(session: Session, sparring: SparringSession) -> list[tuple[Criterion, CriterionVersion]]:
    """The criteria the learning points are tagged with, at the wording tagged, in rubric
    order."""
    query = (
        select(Criterion, CriterionVersion)
        .join(SessionCriterion, col(SessionCriterion.criterion_id) == Criterion.id)
        .join(CriterionVersion, col(CriterionVersion.id) == SessionCriterion.criterion_version_id)
        .where(SessionCriterion.session_id == sparring.id)
        .order_by(col(Criterion.position), col(Criterion.id))
    )
    return [(c, v) for c, v in session.exec(query).all()]


def tag(*, session: Session, sparring: SparringSession, criterion_ids: list[int]) -> None:
    """The learning points are about these criteria: one kept keeps its wording (also once
    retired); one added is checked as for new feedback (unknown or retired refused)."""
    wanted = list(dict.fromkeys(criterion_ids))
    links = session.exec(
        select(SessionCriterion).where(SessionCriterion.session_id == sparring.id)
    ).all()
    kept = {link.criterion_id for link in links}
    for link in links:
        if link.criterion_id not in wanted:
            session.delete(link)
    assert sparring.id is not None
    for version in criteria.choose(
        session=session, criterion_ids=[i for i in wanted if i not in kept]
    ):
        assert version.id is not None
        session.add(
            SessionCriterion(
                session_id=sparring.id,
                criterion_id=version.criterion_id,
                criterion_version_id=version.id,
            )
        )
    session.flush()
