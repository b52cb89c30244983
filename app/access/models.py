"""Who a caseworker has shared a recording, or one clip of it, with: a person or a team.

One share model for both, so that the rules of a grant (the link-password hold, team
membership, disabled accounts) are written once, in `app.access.policy`.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKeyConstraint
from sqlmodel import Field, SQLModel

from app.core.ids import DbId, Numbered
from app.core.timeutil import utcnow


class Status(StrEnum):
    access = "access"  # can see the recording now
    pending = "pending"  # joined the team after the share: waits for the owner to confirm
    held = "held"  # password set through an administrator's link since: owner to confirm again
    inactive = "inactive"  # the account is disabled
    never = "never"  # a leader: never sees a recording


class Share(Numbered, table=True):
    recording_id: str = Field(foreign_key="recording.id", index=True, ondelete="CASCADE")
    # A clip share reaches that clip alone (its file, transcript and the feedback given
    # through it); None: the whole recording.
    clip_id: int | None = Field(default=None, foreign_key="clip.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="CASCADE")
    shared_by_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    # When the owner last granted this person access (the share, or confirming again after
    # the person set their password through an administrator's link).
    granted_at: datetime = Field(default_factory=utcnow)
    # What the share reaches: the protected variant of a clip (faces blurred, names and
    # numbers hidden), as a team always does; False only for a clip (or a whole recording)
    # shared with one named person for individual sparring.
    protected: bool = False


class ShareMember(SQLModel, table=True):
    """A team member a team share covers: a member when it was made, or confirmed by the owner.

    The row hangs on the team membership: when the person leaves the team it goes too, so
    rejoining later needs the owner again.
    """

    __table_args__ = (
        ForeignKeyConstraint(
            ["team_id", "user_id"],
            ["teammember.team_id", "teammember.user_id"],
            ondelete="CASCADE",
        ),
    )

    share_id: int = Field(foreign_key="share.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(primary_key=True, index=True)
    team_id: int
    granted_at: datetime = Field(default_factory=utcnow)


# What the API takes and gives ----------------------------------------------------------


class ShareCreate(SQLModel):
    user_id: DbId | None = None
    team_id: DbId | None = None
    # A person may be given the clip as a team sees it; a team always is.
    protected: bool = False


class ShareConfirm(SQLModel):
    user_id: int = Field(ge=1, le=2**62)


class ViewerPublic(SQLModel):
    user_id: int
    name: str
    status: Status  # access, pending (owner to confirm), held (owner to confirm again), ...


class SharePublic(SQLModel):
    id: int
    recording_id: str | None  # None on a clip's share: the clip's viewers learn no recording
    clip_id: int | None
    user_id: int | None
    team_id: int | None
    protected: bool
    label: str
    # Who the share reaches: the person, or each member of the team now.
    viewers: list[ViewerPublic] = []
