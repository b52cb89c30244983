"""Feedback at a moment of a recording: items, replies, their criteria, and notifications."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AllowInfNan
from sqlmodel import Field, SQLModel

from app.core.ids import DbId, Numbered
from app.core.timeutil import utcnow

TEXT_MAX = 4000
# Longer than any recording: a bound that keeps a float a float (no inf, no 1e309).
SECONDS_MAX = 10_000_000


class FeedbackKind(StrEnum):
    strength = "strength"  # styrke: this worked, keep doing it
    development_point = "development_point"  # udviklingspunkt
    question = "question"  # spørgsmål / refleksion


class Place(StrEnum):
    """Where an item was given, which decides who sees it (individual supervision is
    confidential): on the recording (individual sparring), or through a clip or a team
    session (what the team sees). Replies follow their item."""

    recording = "recording"
    clip = "clip"
    session = "session"


# Strengths first wherever items are grouped (Video Interaction Guidance, Marte Meo).
KIND_ORDER = {FeedbackKind.strength: 0, FeedbackKind.development_point: 1, FeedbackKind.question: 2}


class Feedback(Numbered, table=True):
    """An item at a moment (a point, or a range), or a reply in an item's thread."""

    recording_id: str = Field(
        foreign_key="recording.id", index=True, max_length=32, ondelete="CASCADE"
    )
    # A person's feedback outlives their account: shown without a name.
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    parent_id: int | None = Field(
        default=None, foreign_key="feedback.id", index=True, ondelete="CASCADE"
    )
    kind: FeedbackKind | None = Field(default=None, max_length=24)  # None on replies
    start_seconds: float | None = None  # None on replies (they follow their item's moment)
    end_seconds: float | None = None  # None for a point in time
    text: str = Field(max_length=TEXT_MAX)
    # Where it was given; items from before places were kept are individual. The clip or
    # session it was given through: if that goes, the item stays its caseworker's alone.
    place: Place = Field(default=Place.recording, max_length=16)
    clip_id: int | None = Field(default=None, foreign_key="clip.id", ondelete="SET NULL")
    session_id: int | None = Field(
        default=None, foreign_key="sparringsession.id", ondelete="SET NULL"
    )
    # A draft is seen by its author alone until published (a supervisor preparing the
    # sparring; a caseworker's self-reflection).
    draft: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    edited_at: datetime | None = None  # set when a published item changes: the "edited" mark
    deleted_at: datetime | None = None  # kept (text removed) so that replies stay readable


class FeedbackCriterion(SQLModel, table=True):
    """A criterion an item was given under, at the wording it had then."""

    feedback_id: int = Field(foreign_key="feedback.id", primary_key=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", primary_key=True, index=True)
    criterion_version_id: int = Field(foreign_key="criterionversion.id")


class Brought(Numbered, table=True):
    """An item the caseworker brought to a clip or a team session, one by one: seen there
    too, with its replies, until they take it back."""

    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    place: Place = Field(max_length=16)  # clip or session
    clip_id: int | None = Field(default=None, foreign_key="clip.id", ondelete="CASCADE")
    session_id: int | None = Field(
        default=None, foreign_key="sparringsession.id", ondelete="CASCADE"
    )
    brought_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    brought_at: datetime = Field(default_factory=utcnow)


class NotificationReason(StrEnum):
    published = "published"  # feedback published on your recording (one per publishing)
    reply = "reply"  # a reply on your recording or to your item
    reflection = "reflection"  # the caseworker's self-reflection, to the supervisors who see it
    shared = "shared"  # a recording shared with you (or you were given access through a share)
    clip_shared = "clip_shared"  # a clip shared with you
    invited = "invited"  # you were added to a sparring session
    moved = "moved"  # a sparring session you take part in has a new time
    scored = "scored"  # a supervisor published their scores on your recording


# About an item: the notification opens it at its moment.
FEEDBACK_REASONS = (
    NotificationReason.published,
    NotificationReason.reply,
    NotificationReason.reflection,
)


class Notification(Numbered, table=True):
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    # None for an invitation to a joint reflection (a session without a recording).
    recording_id: str | None = Field(
        default=None, foreign_key="recording.id", max_length=32, ondelete="CASCADE"
    )
    # The moment it links to: the first item published, or the reply.
    feedback_id: int | None = Field(default=None, foreign_key="feedback.id", ondelete="CASCADE")
    # The clip shared, or the session one was invited to: the notification goes with it.
    clip_id: int | None = Field(default=None, foreign_key="clip.id", ondelete="CASCADE")
    session_id: int | None = Field(
        default=None, foreign_key="sparringsession.id", ondelete="CASCADE"
    )
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: NotificationReason = Field(max_length=16)
    count: int = 1  # items published in one step
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


# What the API takes and gives ----------------------------------------------------------

Seconds = Annotated[float, Ge(0), Le(SECONDS_MAX), AllowInfNan(False)]


class FeedbackCreate(SQLModel):
    kind: FeedbackKind
    start_seconds: Seconds
    end_seconds: Seconds | None = None
    criterion_ids: list[DbId] = Field(default_factory=list, max_length=50)
    text: str = Field(max_length=TEXT_MAX)
    # False: a draft, seen by its author alone until published.
    publish: bool = False


class ReplyCreate(SQLModel):
    text: str = Field(max_length=TEXT_MAX)


class FeedbackUpdate(SQLModel):
    """Fields left out stay. Giving start_seconds sets the moment: end_seconds with it (none
    for a point in time)."""

    kind: FeedbackKind | None = None
    start_seconds: Seconds | None = None
    end_seconds: Seconds | None = None
    criterion_ids: list[DbId] | None = Field(default=None, max_length=50)
    text: str | None = Field(default=None, max_length=TEXT_MAX)


class CriterionRef(SQLModel):
    """A criterion as an item was given under it."""

    id: int
    version: int
    name_da: str
    name_en: str
    retired: bool


class FeedbackPublic(SQLModel):
    """An item or reply as the reader sees it where they read it: times from the start of
    what they watch (the recording, or a clip), nothing that names the recording."""

    id: int
    parent_id: int | None
    author_id: int | None
    author_name: str | None
    own: bool  # the reader wrote it
    self_reflection: bool  # written by the recording's caseworker
    kind: FeedbackKind | None
    start_seconds: float | None
    end_seconds: float | None
    criteria: list[CriterionRef]
    text: str
    draft: bool
    created_at: datetime
    published_at: datetime | None
    edited: bool
    edited_at: datetime | None
    deleted: bool
    place: Place  # where it was given
    brought: bool  # the caseworker brought it here from where it was given
    replies: list["FeedbackPublic"] = []


class FeedbackList(SQLModel):
    """A page of threads in time order, each with its replies; the reader's own drafts
    among them. `count` and `drafts` are of all the threads, not only this page's."""

    items: list[FeedbackPublic]
    count: int
    drafts: int
    offset: int = 0
    next_offset: int | None = None  # where the next page starts; None after the last


class KindCounts(SQLModel):
    strength: int = 0
    development_point: int = 0
    question: int = 0


class CriterionGroupPublic(SQLModel):
    """One criterion's items, strengths first."""

    criterion: CriterionRef | None  # None: items given without a criterion
    counts: KindCounts
    items: list[FeedbackPublic]


class FeedbackGrouped(SQLModel):
    groups: list[CriterionGroupPublic]
    counts: KindCounts


class PublishResult(SQLModel):
    published: int
    ids: list[int] = []  # what was published: the room hears of each (app/static/live.js)


class NotificationPublic(SQLModel):
    id: int
    recording_id: str | None  # None where the reader sees the item only through a clip
    feedback_id: int | None
    start_seconds: float | None  # the moment the link opens at, in what the reader sees
    reason: NotificationReason
    count: int
    actor_name: str | None
    created_at: datetime
    read: bool
    title: str = ""  # the recording's, or the clip's the reader sees it through
    starts_at: datetime | None = None  # a session's time (an invitation)


class NotificationList(SQLModel):
    items: list[NotificationPublic]
    unread: int
