"""Who a caseworker has shared a recording with: a person or a whole team."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.timeutil import utcnow


class Share(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="CASCADE")
    shared_by_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
