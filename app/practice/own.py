"""What the caseworker's own page draws from sessions: their learning points."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.accounts.subject import Subject
from app.sessions.models import SparringSession


@dataclass(frozen=True)
class LearningPoints:
    session_id: int
    closed_at: datetime
    text: str


def learning_points(*, session: Session, subject: Subject, most: int = 20) -> list[LearningPoints]:
    """The caseworker's own learning points from their closed sessions, newest first."""
    query = (
        select(SparringSession.id, SparringSession.closed_at, SparringSession.learning_points)
        .where(
            SparringSession.caseworker_id == subject.id,
            col(SparringSession.closed_at).is_not(None),
            SparringSession.learning_points != "",
        )
        .order_by(col(SparringSession.closed_at).desc())
        .limit(most)
    )
    return [LearningPoints(i, at, text) for i, at, text in session.exec(query).all()]  # type: ignore[arg-type]
