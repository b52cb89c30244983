"""The self-assessment in tests: caseworkers made straight into the table (no login needed),
rounds scheduled through the service, answers counted as the page counts them."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.accounts.subject import Subject
from app.core.db import session_scope
from app.core.timeutil import clock_at
from app.selfassessment import service
from app.selfassessment.models import RoundCreate, SelfAssessmentStatement

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def caseworkers(prefix: str, count: int) -> list[int]:
    """`count` caseworkers' ids (no password: they never log in)."""
    with session_scope() as session:
        made = [
            User(email=f"{prefix}{i}@kommune.test", name=f"{prefix} {i}", role=Role.caseworker)
            for i in range(count)
        ]
        session.add_all(made)
        session.flush()
        return [int(u.id) for u in made]  # type: ignore[arg-type]


def team(name: str, members: list[int]) -> int:
    with session_scope() as session:
        made = accounts.create_team(session=session, name=name)
        accounts.set_members(session=session, team=made, user_ids=members)
        return int(made.id)  # type: ignore[arg-type]


def schedule(label: str, opens_on: date, closes_on: date) -> int:
    with session_scope() as session:
        body = RoundCreate(label=label, opens_on=opens_on, closes_on=closes_on)
        return int(service.schedule(session=session, body=body).id)  # type: ignore[arg-type]


def open_today(label: str = "Runde i dag") -> int:
    """A round open today (a wide one: the days around are free for other rounds)."""
    today = datetime.now(COPENHAGEN).date()
    return schedule(label, today, today)


def statement_count(round_id: int) -> int:
    with session_scope() as session:
        return len(service.statements(session=session, round_id=round_id))


def answer(user_id: int, round_id: int, values: list[int], on: date | None = None) -> None:
    """The person's answers, as if sent on `on` (the municipality's day; default today)."""
    moment = datetime.combine(on, time(12), COPENHAGEN) if on else datetime.now(UTC)
    with clock_at(moment), session_scope() as session:
        user = session.exec(select(User).where(User.id == user_id)).one()
        service.answer(session=session, subject=Subject.of(user), round_id=round_id, values=values)


def open_with_one_statement(label: str = "Matrixrunde") -> int:
    """A round open today that asks VIVE's statement alone (the access matrix's: its form
    is one field, `s0`)."""
    round_id = open_today(label)
    with session_scope() as session:
        for statement in session.exec(
            select(SelfAssessmentStatement).where(
                SelfAssessmentStatement.round_id == round_id,
                SelfAssessmentStatement.position > 0,
            )
        ):
            session.delete(statement)
    return round_id
