"""What a person does with a transcript: check (app.access.policy), change, audit."""

from sqlmodel import Session

from app.access import policy
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.recordings import service as recording_service
from app.transcripts import service
from app.transcripts.models import Segment, SegmentUpdate


def correct(
    session: Session, subject: Subject, recording_id: str, segment_id: int, update: SegmentUpdate
) -> Segment:
    """The caseworker corrects a segment of their ready recording, and marks it checked (or
    not); audited: an edit, and a check or uncheck, each as its own entry."""
    owned = policy.owned_recording(session, subject, recording_id)
    recording = recording_service.require_ready(owned)
    segment = service.update_segment(
        session=session,
        recording_id=recording.id,
        segment_id=segment_id,
        update=update,
        by=subject.id,
    )
    detail = f"segment {segment_id}"
    if service.changes_words(update) or update.checked is None:
        audit_on_commit(session, subject, Action.transcript_edit, recording.id, detail)
    if update.checked is not None:
        action = Action.transcript_checked if update.checked else Action.transcript_unchecked
        audit_on_commit(session, subject, action, recording.id, detail)
    return segment
