"""The audit log: append-only, each entry carrying the keyed hash of the one before it."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class AuditEntry(SQLModel, table=True):
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int = Field(primary_key=True)  # 1, 2, 3, … with no gaps: a removed entry shows
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)  # no foreign key: outlives users
    actor_email: str | None = Field(default=None, max_length=254)
    action: str = Field(max_length=40, index=True)
    recording_id: str | None = Field(default=None, max_length=32, index=True)
    detail: str = Field(default="", max_length=500)
    ip: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """The chain's last link: where the next entry goes (the data folder keeps a copy)."""

    __table_args__ = {"sqlite_autoincrement": True}

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class AuditViewing(SQLModel, table=True):
    """When a person's current viewing of one kind of a recording's content began.

    One row per person, recording and kind; a request in the window finds it and writes
    no entry. The upsert that starts a new viewing is atomic, so several server processes
    agree on which request was the first.
    """

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    recording_id: str = Field(
        foreign_key="recording.id", primary_key=True, max_length=32, ondelete="CASCADE"
    )
    kind: str = Field(primary_key=True, max_length=16)
    started_at: datetime = Field(default_factory=utcnow)
