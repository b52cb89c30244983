"""A self-assessment round, its statements as worded when scheduled, and the answers.

ANONYMITY. The answers are stored without the person: `SelfAssessmentTally` holds counts per
round, team, statement and value (how many answered 4 to statement 2 in team 7), never a row
per answer, and no time at all. Whether a person has answered a round (to refuse a second
answer) is in `SelfAssessmentAnswered`, which holds no answer, no team and no time. A row
per answer, even without a user column, could be joined back by its id or its time to the
"answered" row written in the same transaction; and a tally row made by the first answer
would say what that answer was, so a round's rows for a team are all made at once, at
count 0, in a fixed order, before the first of its answers is counted.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow

LABEL_MAX = 60
STATEMENT_MAX = 400
KEY_MAX = 32


class SelfAssessmentRound(Numbered, table=True):
    """A period in which caseworkers answer (the days are the municipality's, both included)."""

    __tablename__ = "self_assessment_round"

    label: str = Field(max_length=LABEL_MAX)  # "2027 Q1"
    opens_on: date
    closes_on: date
    created_at: datetime = Field(default_factory=utcnow)


class SelfAssessmentStatement(SQLModel, table=True):
    """One statement of a round, worded as it was when the round was scheduled: a later
    change to the rubric does not change what was answered."""

    __tablename__ = "self_assessment_statement"

    round_id: int = Field(
        foreign_key="self_assessment_round.id", primary_key=True, ondelete="CASCADE"
    )
    position: int = Field(primary_key=True)  # 0: VIVE's statement
    key: str = Field(max_length=KEY_MAX)  # "vive", "area:<group id>", "criterion:<id>"
    text_da: str = Field(max_length=STATEMENT_MAX)
    text_en: str = Field(max_length=STATEMENT_MAX)


class SelfAssessmentTally(Numbered, table=True):
    """How many in a team (None: the whole municipality) gave `value` to one statement.

    No user, no time: see the module's docstring."""

    __tablename__ = "self_assessment_tally"
    __table_args__ = (  # type: ignore[assignment]
        sa.Index("ix_self_assessment_tally_round_team", "round_id", "team_id"),
        Numbered.__table_args__,
    )

    round_id: int = Field(foreign_key="self_assessment_round.id", ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    position: int  # the statement's
    value: int  # 1 strongly disagree ... 5 strongly agree
    count: int = 0


class SelfAssessmentAnswered(SQLModel, table=True):
    """That a person has answered a round: nothing of what, nor when."""

    __tablename__ = "self_assessment_answered"

    round_id: int = Field(
        foreign_key="self_assessment_round.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")


# What the pages take ------------------------------------------------------------------


class RoundCreate(SQLModel):
    label: str = Field(max_length=LABEL_MAX)
    opens_on: date
    closes_on: date
