"""The audit log: append-only, each entry carrying the hash of the one before it."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class AuditEntry(SQLModel, table=True):
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
    """The chain's last link, so that removing the newest entries shows too."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)
