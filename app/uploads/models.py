"""A resumable upload on its way in (the tus protocol): who sends it, the recording it will
become, how many bytes have arrived, and where the store keeps them meanwhile.

The row is the upload's truth across requests, app processes and restarts: `offset` moves
only once the bytes below it are durable (written and synced to the data folder, or kept as
parts and segments in the bucket), and only by the request that holds the lease.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.db import BIG_INT
from app.core.timeutil import utcnow


class ResumableUpload(SQLModel, table=True):
    __tablename__ = "resumable_upload"

    id: str = Field(primary_key=True, max_length=32)
    owner_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    # The recording's id, chosen when the upload is created: the store keeps the bytes
    # under it, so the finished upload needs no copy.
    recording_id: str = Field(max_length=32, unique=True)
    filename: str = Field(max_length=255)
    # The form's fields as they were checked at creation (JSON), and the header as sent
    # (a HEAD answers with it, as tus asks).
    fields: str
    metadata_header: str
    length: int | None = Field(default=None, sa_type=BIG_INT)
    offset: int = Field(default=0, sa_type=BIG_INT)
    # What the bucket holds so far (JSON: the multipart upload, its parts, the segments).
    store_state: str = "{}"
    lease_token: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    # Set once the recording exists: a HEAD then still answers "all there" (a client that
    # lost the last answer learns it is done) until the row expires.
    finished_at: datetime | None = None
