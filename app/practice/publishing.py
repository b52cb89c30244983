"""Scores saved from the scores page, and the caseworker told when a supervisor publishes
theirs (a notification that opens the scores page; by e-mail with "feedback published").
Here, above both app.scores and app.feedback: neither knows the other."""

from collections.abc import Mapping

from sqlmodel import Session

from app.accounts.subject import Subject
from app.feedback import notifications
from app.feedback.models import Notification, NotificationReason
from app.feedback.notifications import Reach
from app.recordings.models import Recording
from app.scores import actions, service


def save(
    session: Session, subject: Subject, recording_id: str, levels: Mapping[int, int], publish: bool
) -> None:
    """Saved or published; a supervisor's publication tells the recording's caseworker."""
    actions.save(session, subject, recording_id, levels, publish)
    recording = session.get(Recording, recording_id)
    if not publish or recording is None or recording.owner_id == subject.id:
        return
    notifications.notify(
        session,
        to=[recording.owner_id],
        by=subject,
        reason=NotificationReason.scored,
        recording_id=recording.id,
    )


def open_scores(session: Session, subject: Subject, note: Notification) -> Reach | None:
    """The recording's scores page, while the reader may see it (the page itself says when
    the supervisors' scores wait for the caseworker's reflection)."""
    recording = session.get(Recording, note.recording_id) if note.recording_id else None
    if recording is None or not service.sees_scores(session, subject, recording):
        return None
    return Reach(f"/recordings/{recording.id}/scores", recording.title, recording.id, None)
