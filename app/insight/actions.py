"""What a person does with a conversation's analysis: check (app.access.policy), correct,
audit, and have the lines labelled again."""

from sqlmodel import Session

from app.access import policy
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.core.errors import NotPermitted
from app.core.i18n import N_
from app.insight import service
from app.insight.models import VoiceRole
from app.recordings import service as recording_service
from app.recordings.models import Recording


def correctable(session: Session, subject: Subject, recording_id: str) -> Recording:
    """Whoever sees the ready recording may correct what the machine made of it: its
    caseworker and the supervisors it is shared with (a leader never sees it)."""
    recording = recording_service.require_ready(policy.recording(session, subject, recording_id))
    if subject.role not in policy.RECEIVING_ROLES:
        raise NotPermitted(
            N_("Your role does not give access to this."), code="account.not_permitted"
        )
    return recording


def _corrected(session: Session, subject: Subject, recording: Recording, detail: str) -> None:
    audit_on_commit(session, subject, Action.insight_corrected, recording.id, detail)
    # The roles decide which lines are the adult's questions: label them again.
    service.request(session=session, recording_id=recording.id)


def set_voice_role(
    session: Session, subject: Subject, recording_id: str, number: int, role: VoiceRole
) -> None:
    recording = correctable(session, subject, recording_id)
    service.set_voice_role(session=session, recording_id=recording.id, number=number, role=role)
    _corrected(session, subject, recording, f"voice {number}: {role.value}")


def swap_voices(
    session: Session, subject: Subject, recording_id: str, first: int, second: int
) -> None:
    recording = correctable(session, subject, recording_id)
    service.swap_voices(session=session, recording_id=recording.id, first=first, second=second)
    _corrected(session, subject, recording, f"voices {first} and {second} swapped")


def set_line_role(
    session: Session, subject: Subject, recording_id: str, segment_id: int, role: VoiceRole
) -> None:
    recording = correctable(session, subject, recording_id)
    service.set_line_role(
        session=session, recording_id=recording.id, segment_id=segment_id, role=role
    )
    _corrected(session, subject, recording, f"segment {segment_id}: {role.value}")


def set_question_type(
    session: Session, subject: Subject, recording_id: str, segment_id: int, question_type: str
) -> None:
    recording = correctable(session, subject, recording_id)
    service.set_question_type(
        session=session,
        recording_id=recording.id,
        segment_id=segment_id,
        question_type=question_type,
    )
    detail = f"segment {segment_id}: {question_type}"
    audit_on_commit(session, subject, Action.insight_corrected, recording.id, detail)
