"""What people do with the self-assessment: the administrator schedules, changes or deletes
a round (audited), a caseworker answers one.

Answers are not audited: an entry would put a person and a time beside the moment the
tallies changed, which is just what their design keeps apart; that a person answered is
already kept (`SelfAssessmentAnswered`, to refuse a second answer), and what they answered
is no one's to read.
"""

from sqlmodel import Session

from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.selfassessment import service
from app.selfassessment.models import RoundCreate, SelfAssessmentRound


def schedule(*, session: Session, admin: Subject, body: RoundCreate) -> SelfAssessmentRound:
    made = service.schedule(session=session, body=body)
    count = len(service.statements(session=session, round_id=made.id))  # type: ignore[arg-type]
    detail = (
        f"round {made.id} {made.label}: {made.opens_on.isoformat()} to "
        f"{made.closes_on.isoformat()}, {count} statements"
    )
    audit_on_commit(session, admin, Action.self_assessment_scheduled, detail=detail)
    return made


def _days(made: SelfAssessmentRound) -> str:
    return f"{made.opens_on.isoformat()} to {made.closes_on.isoformat()}"


def change(
    *, session: Session, admin: Subject, round_id: int, body: RoundCreate
) -> SelfAssessmentRound:
    changed = service.change(session=session, round_id=round_id, body=body)
    detail = f"round {changed.id} {changed.label}: {_days(changed)}"
    audit_on_commit(session, admin, Action.self_assessment_changed, detail=detail)
    return changed


def cancel(*, session: Session, admin: Subject, round_id: int) -> None:
    gone = service.cancel(session=session, round_id=round_id)
    detail = f"round {round_id} {gone.label}: {_days(gone)}"
    audit_on_commit(session, admin, Action.self_assessment_cancelled, detail=detail)


def answer(*, session: Session, subject: Subject, round_id: int, values: list[int]) -> None:
    service.answer(session=session, subject=subject, round_id=round_id, values=values)
