"""Consent and retention: why a recording may exist, and until when."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class Consent(SQLModel, table=True):
    recording_id: str = Field(foreign_key="recording.id", primary_key=True, ondelete="CASCADE")
    child_consented: bool
    custody_holders_consented: bool
    consented_on: date
    purpose: str = Field(default="sparring", max_length=32)
    recorded_by_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class RetentionPolicy(SQLModel, table=True):
    """Set by the administrator: one row."""

    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: int = Field(default=1, primary_key=True)
    default_days: int = 90
    max_days: int = 365
    warn_days: int = 14
    updated_at: datetime = Field(default_factory=utcnow)
