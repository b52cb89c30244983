"""A sparring session: who takes part, on which recording or clip, its round and its close."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.ids import DbId, Numbered
from app.core.timeutil import utcnow

QUESTION_MAX = 4000  # room for the last session's learning points as the agenda
SUMMARY_MAX = 8000
LEARNING_MAX = 4000
CASE_MAX = 8000  # a joint reflection's case, told in words
PARTICIPANTS_MAX = 60


class SessionKind(StrEnum):
    individual = "individual"  # a caseworker and a supervisor (or a colleague)
    team = "team"  # a team watches a clip together
    # Fælles faglig refleksion: a case told in words, no recording or clip; a round and
    # learning points as in the others.
    reflection = "reflection"


class SessionState(StrEnum):
    planned = "planned"
    running = "running"  # the round has begun
    closed = "closed"


class RoundPhase(StrEnum):
    """Each participant in turn: a strength first, then development points, then questions."""

    strength = "strength"
    development_point = "development_point"
    question = "question"


PHASES = list(RoundPhase)


class ParticipantRole(StrEnum):
    caseworker = "caseworker"  # the recording's owner: the session is about their work
    participant = "participant"


class SparringSession(Numbered, table=True):
    __tablename__ = "sparringsession"
    kind: SessionKind = Field(max_length=16)
    # The recording's owner (a reflection's presenter); the session goes with the recording
    # (retention, deletion), and with this account.
    caseworker_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    # The facilitator: moves the round along. Kept as None if their account goes.
    planned_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    # None for a reflection: its case is told in `case_text`, and it is deleted by
    # app.sessions.retention (the retention policy's default days after it closed).
    recording_id: str | None = Field(
        default=None, foreign_key="recording.id", index=True, max_length=32, ondelete="CASCADE"
    )
    # A session on a clip shows the clip alone. If the clip is deleted the session stays
    # (its learning points are the caseworker's) but shows no media: `on_clip` remembers
    # that it never showed the whole recording.
    clip_id: int | None = Field(
        default=None, foreign_key="clip.id", index=True, ondelete="SET NULL"
    )
    on_clip: bool = False
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    starts_at: datetime
    question: str = Field(default="", max_length=QUESTION_MAX)  # "what I want help with"
    state: SessionState = Field(default=SessionState.planned, max_length=16)
    # The round: whose turn (a participant's user id) and which phase; None before it starts.
    round_user_id: int | None = None
    round_phase: RoundPhase | None = Field(default=None, max_length=24)
    summary: str = Field(default="", max_length=SUMMARY_MAX)
    learning_points: str = Field(default="", max_length=LEARNING_MAX)  # the caseworker's own
    case_text: str = Field(default="", max_length=CASE_MAX)  # a reflection's case, in words
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class SessionParticipant(SQLModel, table=True):
    session_id: int = Field(foreign_key="sparringsession.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True, ondelete="CASCADE")
    role: ParticipantRole = Field(default=ParticipantRole.participant, max_length=16)
    position: int = 0  # order in the round
    # When the facilitator added them (or added them again): a place given before the person
    # set their password through an administrator's link is held (app.access.policy).
    added_at: datetime = Field(default_factory=utcnow)

    @property
    def is_caseworker(self) -> bool:
        return self.role == ParticipantRole.caseworker


class SessionCriterion(SQLModel, table=True):
    """A criterion the caseworker tagged the session's learning points with, at the wording
    it had then (as app.feedback's FeedbackCriterion)."""

    session_id: int = Field(foreign_key="sparringsession.id", primary_key=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", primary_key=True, index=True)
    criterion_version_id: int = Field(foreign_key="criterionversion.id")


# What the API takes and gives ----------------------------------------------------------


class SessionCreate(SQLModel):
    # Lengths and times are checked in the service, with a message of our own.
    kind: SessionKind
    recording_id: str = Field(default="", max_length=64)  # none for a reflection
    clip_id: DbId | None = None
    user_ids: list[DbId] = Field(default_factory=list, max_length=PARTICIPANTS_MAX)
    team_id: DbId | None = None
    starts_at: datetime
    question: str = ""
    case_text: str = ""  # a reflection's case: no names, no CPR numbers
    # The caseworker shares the recording or clip with the participants who do not see it
    # yet, in the same step (a team session's team as a team share).
    share: bool = False


class SessionUpdate(SQLModel):
    """Fields left out stay."""

    kind: SessionKind | None = None
    starts_at: datetime | None = None
    question: str | None = None
    case_text: str | None = None  # a reflection's


class ParticipantAdd(SQLModel):
    user_id: DbId | None = None
    team_id: DbId | None = None


class RoundMove(SQLModel):
    """`next`/`previous` step through the round; `to` jumps to a participant and phase."""

    action: str = Field(max_length=16)  # "next", "previous", "to", "end"
    user_id: DbId | None = None
    phase: RoundPhase | None = None


class SummaryUpdate(SQLModel):
    summary: str | None = None
    learning_points: str | None = None
    # The criteria the learning points are about (the caseworker's); None leaves them.
    criterion_ids: list[DbId] | None = Field(default=None, max_length=50)


class ParticipantPublic(SQLModel):
    user_id: int
    name: str
    role: ParticipantRole
    sees_media: bool  # the owner has shared the recording or clip with them
    held: bool  # set their password through an administrator's link since being added


class SessionPublic(SQLModel):
    id: int
    kind: SessionKind
    recording_id: str | None
    clip_id: int | None
    on_clip: bool
    caseworker_id: int
    planned_by_id: int | None
    team_id: int | None
    starts_at: datetime
    question: str
    state: SessionState
    round_user_id: int | None
    round_phase: RoundPhase | None
    # What is said in the session follows the rule of its recording or clip: empty for a
    # participant who may not see that (`sees_media` false).
    summary: str
    learning_points: str
    case_text: str
    criterion_ids: list[int] = []  # what the learning points are tagged with
    closed_at: datetime | None
    participants: list[ParticipantPublic] = []
    sees_media: bool  # the reader may see the recording or clip
