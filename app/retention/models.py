"""The retention policy: how long recordings are kept, set by the administrator."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class RetentionPolicy(SQLModel, table=True):
    """Set by the administrator: one row."""

    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: int = Field(default=1, primary_key=True)
    default_days: int = 90
    max_days: int = 365
    warn_days: int = 14
    updated_at: datetime = Field(default_factory=utcnow)
