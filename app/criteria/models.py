"""The conversation-technique criteria feedback is tied to, and how the rubric is set.

A criterion's wording lives in versions: editing it adds a version, and a piece of feedback
keeps pointing at the version it was given under, so old feedback keeps its meaning.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.ids import DbId, Numbered
from app.core.timeutil import utcnow

NAME_MAX = 120
DESCRIPTION_MAX = 500
# A criterion's scale (for scores, issue 25): its levels' descriptions, lowest first, one per
# line, in each language; none, or between 2 and LEVELS_MOST levels.
LEVEL_MAX = 200
LEVELS_MOST = 7
LEVELS_MAX = LEVELS_MOST * (LEVEL_MAX + 1)


class CriterionGroup(Numbered, table=True):
    """A section of the rubric (a municipality may group its own criteria)."""

    name_da: str = Field(max_length=NAME_MAX)
    name_en: str = Field(max_length=NAME_MAX)
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Criterion(Numbered, table=True):
    # Order in the rubric (number keys pick by it); retired criteria keep theirs.
    position: int
    group_id: int | None = Field(
        default=None, foreign_key="criteriongroup.id", index=True, ondelete="SET NULL"
    )
    version: int = 1  # the current wording: CriterionVersion(criterion_id, version)
    retired_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CriterionVersion(SQLModel, table=True):
    """One wording of a criterion; never changed once feedback may point at it."""

    __table_args__ = (
        UniqueConstraint("criterion_id", "version"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    criterion_id: int = Field(foreign_key="criterion.id", index=True, ondelete="CASCADE")
    version: int
    name_da: str = Field(max_length=NAME_MAX)
    name_en: str = Field(max_length=NAME_MAX)
    description_da: str = Field(max_length=DESCRIPTION_MAX)
    description_en: str = Field(max_length=DESCRIPTION_MAX)
    # The scale's levels, lowest first, one per line ("" for a criterion without a scale):
    # versioned with the wording, so a score keeps the level descriptions it was given under.
    levels_da: str = Field(default="", max_length=LEVELS_MAX)
    levels_en: str = Field(default="", max_length=LEVELS_MAX)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def scale(self) -> int:
        """How many levels the scale has (0: the criterion is not scored)."""
        return len(level_lines(self.levels_da))


def level_lines(levels: str) -> list[str]:
    return [line for line in levels.split("\n") if line.strip()]


class RubricSettings(SQLModel, table=True):
    """Set by the administrator: one row (defaults until first saved)."""

    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: int = Field(default=1, primary_key=True)
    criteria_required: bool = True  # every item but replies names at least one criterion
    # The caseworker writes their own reflection (items or a self-score) before they see a
    # supervisor's feedback and scores on their recording.
    reflection_required: bool = False
    # The default rubric (its edition, `defaults.EDITION`) this installation started with, or
    # whose offer the administrator accepted or hid: the criteria page offers it until then.
    defaults_answered: str | None = Field(default=None, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)


# What the API takes and gives ----------------------------------------------------------


class CriterionCreate(SQLModel):
    name_da: str = Field(max_length=NAME_MAX)
    name_en: str = Field(max_length=NAME_MAX)
    description_da: str = Field(default="", max_length=DESCRIPTION_MAX)
    description_en: str = Field(default="", max_length=DESCRIPTION_MAX)
    levels_da: str = Field(default="", max_length=LEVELS_MAX)
    levels_en: str = Field(default="", max_length=LEVELS_MAX)
    group_id: DbId | None = None


class CriterionUpdate(SQLModel):
    """Fields left out stay; a new wording becomes a new version."""

    name_da: str | None = Field(default=None, max_length=NAME_MAX)
    name_en: str | None = Field(default=None, max_length=NAME_MAX)
    description_da: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    description_en: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    levels_da: str | None = Field(default=None, max_length=LEVELS_MAX)
    levels_en: str | None = Field(default=None, max_length=LEVELS_MAX)
    group_id: DbId | None = None
    clear_group: bool = False


class CriteriaOrder(SQLModel):
    """Every criterion's id, in the new order (retired ones included)."""

    criterion_ids: list[DbId] = Field(max_length=1000)


class GroupCreate(SQLModel):
    name_da: str = Field(max_length=NAME_MAX)
    name_en: str = Field(max_length=NAME_MAX)


class GroupUpdate(SQLModel):
    name_da: str | None = Field(default=None, max_length=NAME_MAX)
    name_en: str | None = Field(default=None, max_length=NAME_MAX)
    position: int | None = Field(default=None, ge=0, le=10_000)


class GroupPublic(SQLModel):
    id: int
    name_da: str
    name_en: str
    position: int


class CriterionPublic(SQLModel):
    id: int
    number: int  # 1-based place among the criteria that can be chosen (0 once retired)
    position: int
    group_id: int | None
    version: int
    name_da: str
    name_en: str
    description_da: str
    description_en: str
    levels_da: list[str] = []  # the scale, lowest level first (empty: not scored)
    levels_en: list[str] = []
    retired: bool


class CataloguePublic(SQLModel):
    criteria: list[CriterionPublic]
    groups: list[GroupPublic]
    criteria_required: bool
    reflection_required: bool = False


class RubricSettingsUpdate(SQLModel):
    criteria_required: bool
    reflection_required: bool | None = None
