"""The child's own rating of a conversation, and the caseworker's browser held on the
child's page while the child gives it."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.ids import Numbered
from app.core.timeutil import utcnow


class ChildRating(Numbered, table=True):
    """What the child said about the conversation, kept with the recording (it goes with
    the recording's deletion). Nothing here names the child: a smiley per question and, if
    the child wants, a word."""

    __tablename__ = "child_rating"

    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    # "How was it to talk with me today?" and "Did you feel that I listened to you?": 1
    # (the saddest face) to 5 (the happiest); None: the child left it out.
    talk: int | None = None
    heard: int | None = None
    word: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ChildPage(SQLModel, table=True):
    """A login held on the child's page: every other page of the app sends this browser
    back to it until the caseworker unlocks it with their password or a code. It ends with
    the login (or the recording)."""

    __tablename__ = "child_page"

    token_hash: str = Field(
        primary_key=True, max_length=64, foreign_key="authsession.token_hash", ondelete="CASCADE"
    )
    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    opened_at: datetime = Field(default_factory=utcnow)
    # The child has answered: the page thanks them (still held).
    rated_at: datetime | None = None
