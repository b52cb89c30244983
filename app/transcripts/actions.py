"""What a person does with a transcript: check (app.access.policy), change, audit."""

from sqlmodel import Session

from app.access import policy
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.core.config import settings
from app.core.errors import BadInput
from app.core.i18n import N_
from app.jobs import service as job_service
from app.jobs.models import ANALYSE_CONVERSATION
from app.recordings import service as recording_service
from app.recordings.service import WHISPER_LANGUAGES
from app.transcripts import again, service
from app.transcripts.models import (
    AgainQueued,
    BatchCreate,
    BatchPublic,
    Segment,
    SegmentUpdate,
    Transcript,
)


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
    if service.changes_words(update):  # the words or who speaks: label the lines again
        job_service.request_once(
            session=session, recording_id=recording.id, kind=ANALYSE_CONVERSATION
        )
    if update.checked is not None:
        action = Action.transcript_checked if update.checked else Action.transcript_unchecked
        audit_on_commit(session, subject, action, recording.id, detail)
    return segment


def decide_offer(
    session: Session, subject: Subject, recording_id: str, segment_id: int, keep: bool
) -> Segment:
    """The caseworker keeps their earlier words for a line of a new version, or takes the
    new line; audited as an edit of the line."""
    owned = policy.owned_recording(session, subject, recording_id)
    recording = recording_service.require_ready(owned)
    segment = service.decide_offer(
        session=session, recording_id=recording.id, segment_id=segment_id, keep=keep
    )
    choice = "earlier words kept" if keep else "new line taken"
    detail = f"segment {segment_id}: {choice}"
    audit_on_commit(session, subject, Action.transcript_edit, recording.id, detail)
    return segment


def transcribe_again(session: Session, subject: Subject, recording_id: str) -> AgainQueued:
    """The caseworker asks for their recording to be heard again with the model its
    language has now; audited with that model."""
    recording = policy.owned_recording(session, subject, recording_id)
    job = again.queue_one(session=session, recording=recording)
    model = settings.whisper_model_for(recording.language)
    audit_on_commit(session, subject, Action.transcribe_again, recording.id, f"model {model}")
    assert job.id is not None
    return AgainQueued(job_id=job.id, model=service.model_words(model))


def audit_new_version(session: Session, earlier: Transcript, new: Transcript) -> None:
    """The worker's entry when a new version takes over: how it was heard, and what it
    replaced (the server acts: no person)."""
    how = " ".join(
        f"{name}={value}"
        for name, value in (
            ("model", new.model_name),
            ("sha256", new.model_sha256),
            ("device", new.device),
            ("compute_type", new.compute_type),
            ("pipeline", new.pipeline),
            ("beam", new.beam_size),
            ("engine", (new.engine or "").replace(" ", "-") or None),
            ("fallback_from", new.fallback_from),
        )
        if value is not None
    )
    detail = f"version {new.version} replaces {earlier.version}: {how}"
    audit_on_commit(session, None, Action.transcript_version, new.recording_id, detail[:500])


def transcribe_many_again(session: Session, admin: Subject, form: BatchCreate) -> BatchPublic:
    """An administrator's batch: checked, made, fed to the queue while it is idle; audited
    with the language, the days and the model."""
    language = form.language.strip().lower()
    if language not in WHISPER_LANGUAGES:
        raise BadInput(
            N_("The language '%(value)s' is unknown. Use a language code such as 'da' or 'en'."),
            code="field.bad_language",
            value=language[:16],
        )
    batch = again.queue_batch(session=session, form=form, language=language, by=admin.id)
    made = again.progress(session=session, batch=batch)
    detail = (
        f"batch {batch.id}: {made.total} recordings, {language} uploaded "
        f"{form.uploaded_from}..{form.uploaded_to}, model {batch.model_name}"
    )
    audit_on_commit(session, admin, Action.transcribe_again, None, detail)
    return batch_public(made)


def batch_public(progress: again.BatchProgress) -> BatchPublic:
    batch = progress.batch
    return BatchPublic.model_validate(
        batch,
        update={
            "model": service.model_words(batch.model_name),
            "total": progress.total,
            "done": progress.done,
            "failed": progress.failed,
            "running": progress.running,
        },
    )
