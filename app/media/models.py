"""A stored media object: which recording (and clip) it belongs to, what it is, where it is.

One row per object in the media store, written by `app.media.objects` when the object is
kept, so the sweep can tell an object with no row (left by a crash) from one in use, and a
move can check every object's length and SHA-256.
"""

from datetime import datetime
from enum import StrEnum, auto

from sqlmodel import Field

from app.core.db import BIG_INT
from app.core.ids import Numbered
from app.core.timeutil import utcnow


class Variant(StrEnum):
    """What an object is to its recording. New renditions (a blurred playable for a team, a
    redacted clip) are new variants, beside these."""

    original = auto()
    audio = auto()
    playable = auto()
    poster = auto()
    clip = auto()
    clip_poster = auto()
    team_clip = auto()  # a clip's protected variant: faces blurred, redacted words muted
    team_poster = auto()  # its still, taken from the blurred file


class MediaObject(Numbered, table=True):
    __tablename__ = "media_object"

    recording_id: str = Field(
        foreign_key="recording.id", index=True, max_length=32, ondelete="CASCADE"
    )
    clip_id: int | None = Field(default=None, foreign_key="clip.id", ondelete="CASCADE")
    variant: Variant = Field(max_length=16)
    key: str = Field(max_length=160, unique=True)
    size: int = Field(sa_type=BIG_INT)
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
