"""One person's scores on one recording: a sheet of levels, one per criterion that has a
scale, at the criterion's wording then (so the level descriptions keep their meaning)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class Scoring(Numbered, table=True):
    """A caseworker's self-score on their own recording (`own`), or a supervisor's score.
    A draft until published; published, it is final: a supervisor who has seen a colleague's
    scores cannot then move their own towards them (calibration stays honest)."""

    __table_args__ = (  # type: ignore[assignment]
        UniqueConstraint("recording_id", "scorer_id"),
        {"sqlite_autoincrement": True},
    )

    recording_id: str = Field(
        foreign_key="recording.id", index=True, max_length=32, ondelete="CASCADE"
    )
    # Scores are about learning, not a record of the person: they go with the account.
    scorer_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    own: bool = False  # the recording's caseworker scoring themselves
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None


class ScoreLevel(SQLModel, table=True):
    scoring_id: int = Field(foreign_key="scoring.id", primary_key=True, ondelete="CASCADE")
    criterion_id: int = Field(
        foreign_key="criterion.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    criterion_version_id: int = Field(foreign_key="criterionversion.id", ondelete="CASCADE")
    level: int  # 1 .. the scale's number of levels at that version
