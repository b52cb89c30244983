"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.accounts.models import AuthSession, Team, TeamMember, User
from app.audit.models import AuditEntry, AuditHead
from app.jobs.models import Job
from app.recordings.models import Consent, Recording
from app.retention.models import RetentionPolicy
from app.sharing.models import Share
from app.transcripts.models import Segment, Transcript, Word

__all__ = [
    "AuditEntry",
    "AuditHead",
    "AuthSession",
    "Consent",
    "Job",
    "Recording",
    "RetentionPolicy",
    "Segment",
    "Share",
    "Team",
    "TeamMember",
    "Transcript",
    "User",
    "Word",
]
