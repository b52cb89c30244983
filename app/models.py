"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.jobs.models import Job
from app.recordings.models import Recording
from app.transcripts.models import Segment, Transcript, Word

__all__ = ["Job", "Recording", "Segment", "Transcript", "Word"]
