"""Reflection first (issue 25): where the administrator requires it, the caseworker sees a
supervisor's feedback and scores on their recording only once they have published a
reflection of their own: an item on the recording, or their self-score."""

from sqlmodel import Session, col, select

from app.accounts.subject import Subject
from app.criteria import service as criteria
from app.feedback.models import Feedback
from app.recordings.models import Recording
from app.scores import service as scores


def reflected(session: Session, recording: Recording) -> bool:
    item = select(Feedback.id).where(
        Feedback.recording_id == recording.id,
        Feedback.author_id == recording.owner_id,
        col(Feedback.draft).is_(False),
        col(Feedback.parent_id).is_(None),
        col(Feedback.deleted_at).is_(None),
    )
    if session.exec(item.limit(1)).first() is not None:
        return True
    return scores.self_scored(session, recording)


def waits_for_reflection(session: Session, subject: Subject, recording: Recording) -> bool:
    """The reader is the caseworker, the administrator requires a reflection first, and
    theirs is not published yet: the supervisors' feedback and scores wait."""
    if subject.id != recording.owner_id:
        return False
    if not criteria.rubric_settings(session=session).reflection_required:
        return False
    return not reflected(session, recording)


def invites_reflection(session: Session, subject: Subject, recording: Recording) -> bool:
    """Not required, but offered: the caseworker has feedback from someone else on their
    recording and no reflection of their own yet (the page invites them to reflect first)."""
    if subject.id != recording.owner_id or reflected(session, recording):
        return False
    if criteria.rubric_settings(session=session).reflection_required:
        return False
    others = select(Feedback.id).where(
        Feedback.recording_id == recording.id,
        Feedback.author_id != recording.owner_id,
        col(Feedback.draft).is_(False),
        col(Feedback.parent_id).is_(None),
        col(Feedback.deleted_at).is_(None),
    )
    return session.exec(others.limit(1)).first() is not None
