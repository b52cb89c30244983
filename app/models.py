"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.access.models import Share, ShareMember
from app.accounts.models import AuthSession, Team, TeamMember, User
from app.audit.models import AuditEntry, AuditHead
from app.childvoice.models import ChildPage, ChildRating
from app.clips.models import Clip
from app.criteria.models import Criterion, CriterionGroup, CriterionVersion, RubricSettings
from app.feedback.models import Brought, Feedback, FeedbackCriterion, Notification
from app.identity.models import ProviderIdentity
from app.insight.models import ConversationAnalysis, ConversationVoice
from app.jobs.models import Job, WorkerPresence
from app.media.models import MediaObject
from app.recordings.models import Consent, Recording
from app.retention.models import RetentionPolicy
from app.scores.models import ScoreLevel, Scoring
from app.selfassessment.models import (
    SelfAssessmentAnswered,
    SelfAssessmentRound,
    SelfAssessmentStatement,
    SelfAssessmentTally,
)
from app.sessions.models import SessionCriterion, SessionParticipant, SparringSession
from app.transcripts.models import Segment, Transcript, Word
from app.uploads.models import ResumableUpload

__all__ = [
    "AuditEntry",
    "AuditHead",
    "AuthSession",
    "ChildPage",
    "ChildRating",
    "Brought",
    "Clip",
    "Consent",
    "ConversationAnalysis",
    "ConversationVoice",
    "Criterion",
    "CriterionGroup",
    "CriterionVersion",
    "Feedback",
    "FeedbackCriterion",
    "Notification",
    "ProviderIdentity",
    "RubricSettings",
    "Job",
    "MediaObject",
    "Recording",
    "ResumableUpload",
    "RetentionPolicy",
    "ScoreLevel",
    "Scoring",
    "Segment",
    "SelfAssessmentAnswered",
    "SelfAssessmentRound",
    "SelfAssessmentStatement",
    "SelfAssessmentTally",
    "SessionCriterion",
    "SessionParticipant",
    "Share",
    "ShareMember",
    "SparringSession",
    "Team",
    "TeamMember",
    "Transcript",
    "User",
    "Word",
    "WorkerPresence",
]
