"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.accounts.models import AuthSession, Team, TeamMember, User
from app.audit.models import AuditEntry, AuditHead
from app.clips.models import Clip, ClipShare, ClipShareMember
from app.criteria.models import Criterion, CriterionGroup, CriterionVersion, RubricSettings
from app.feedback.models import Feedback, FeedbackCriterion, Notification
from app.jobs.models import Job
from app.recordings.models import Consent, Recording
from app.retention.models import RetentionPolicy
from app.sessions.models import SessionParticipant, SparringSession
from app.sharing.models import Share
from app.transcripts.models import Segment, Transcript, Word

__all__ = [
    "AuditEntry",
    "AuditHead",
    "AuthSession",
    "Clip",
    "ClipShare",
    "ClipShareMember",
    "Consent",
    "Criterion",
    "CriterionGroup",
    "CriterionVersion",
    "Feedback",
    "FeedbackCriterion",
    "Notification",
    "RubricSettings",
    "Job",
    "Recording",
    "RetentionPolicy",
    "Segment",
    "SessionParticipant",
    "Share",
    "SparringSession",
    "Team",
    "TeamMember",
    "Transcript",
    "User",
    "Word",
]
