"""Create, list and read recordings."""

import json
import logging
import mimetypes
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

from fastapi import Request
from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app.accounts.models import Role
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit
from app.core.config import settings
from app.core.csrf import CSRF_HEADER, expected_token, tokens_match
from app.core.db import after_commit, on_rollback
from app.core.errors import (
    BadInput,
    Conflict,
    NotFound,
    NotPermitted,
    Unavailable,
    UnsupportedMedia,
    VideosparringError,
)
from app.core.i18n import N_
from app.core.text import form_field
from app.core.timeutil import utcnow
from app.jobs import service as job_service
from app.jobs.models import PROCESS_RECORDING, Job, JobStatus
from app.jobs.service import JobState
from app.journal import deletions
from app.media import objects as media_objects
from app.media import probe as media
from app.media import store as media_store
from app.media.models import Variant
from app.media.store import object_key
from app.privacy.listing import listed_names
from app.recordings import storage
from app.recordings.consent import ConsentIn, validate_consent
from app.recordings.models import Consent, Recording, RecordingCreate, RecordingStatus
from app.recordings.upload import ReceivedUpload, disk_full, receive_upload

log = logging.getLogger(__name__)

# Languages the Whisper models transcribe that a conversation here may be held in.
# fmt: off
WHISPER_LANGUAGES = frozenset({
    "da", "en", "sv", "no", "nn", "de", "fr", "es", "it", "nl", "pl", "uk", "ru", "ar", "fa",
    "tr", "so", "ur", "pa", "ro", "lt", "lv", "et", "fi", "is", "fo", "hu", "cs", "sk", "sl",
    "hr", "sr", "bs", "sq", "el", "pt", "vi", "th", "ta", "zh", "ja", "ko", "hi", "bn", "ps",
})
# fmt: on
# Danish CPR numbers: DDMMYY-XXXX or ten digits. Case references must not carry them.
CPR_PATTERN = re.compile(r"(?<!\d)[0-3]\d[01]\d\d\d-?\d{4}(?!\d)")


def _clean_text(value: str | None, field: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    return form_field(text, field=field, limit=max_length)


UPLOAD_ROLES = (Role.caseworker, Role.supervisor)


def validate_form(fields: dict[str, str]) -> RecordingCreate:
    """Check the form's text fields; messages name the field a person must fix."""
    title = _clean_text(fields.get("title"), "title", settings.title_max_length)
    case_reference = _clean_text(
        fields.get("case_reference"), "case_reference", settings.case_reference_max_length
    )
    for name, value in (("title", title), ("case_reference", case_reference)):
        if CPR_PATTERN.search(value):
            raise BadInput(
                N_(
                    "Title and case reference must not contain a CPR number. Use "
                    "a reference of your own."
                ),
                code="field.cpr",
                field=name,
            )
    language = (fields.get("language") or settings.default_language).strip().lower()
    if language not in WHISPER_LANGUAGES:
        raise BadInput(
            N_("The language '%(value)s' is unknown. Use a language code such as 'da' or 'en'."),
            code="field.bad_language",
            value=language[:16],
        )
    return RecordingCreate(title=title, case_reference=case_reference, language=language)


def inspect_upload(upload: ReceivedUpload) -> media.MediaInfo:
    """Probe and test-decode the file; a refusal names what is wrong with it."""
    if upload.path is None:
        raise BadInput(N_("Choose a file to upload."), code="upload.no_file")
    return inspect_media(upload.path, upload.size)


def damaged(code: str = "upload.damaged") -> BadInput:
    """The refusal of a file that does not decode to its end."""
    return BadInput(
        N_(
            "The recording is damaged or incomplete and cannot be played. Choose the "
            "original file from the phone, tablet or computer."
        ),
        code=code,
    )


def inspect_media(source: Path | str, size: int) -> media.MediaInfo:
    """`inspect_upload` of a file, or of an object the store can be read from by address."""
    if size == 0:
        raise BadInput(
            N_("The file is empty. Choose the recording again and retry."), code="upload.empty"
        )
    try:
        info = media.probe(source)
        media.check_decodes(source, info)
    except media.MediaError as exc:
        if exc.kind == "no_audio":
            raise BadInput(
                N_("The recording has no audio track. Audio is needed for a transcript."),
                code="upload.no_audio",
            ) from exc
        if exc.kind == "unindexed":  # the upload's finish remuxes it, then asks again
            raise damaged("upload.unindexed") from exc
        if exc.kind == "corrupt":
            # ffmpeg's words are for the log; the reader is told what to do.
            log.info("upload refused as damaged: %s", exc.detail)
            raise damaged() from exc
        # ffprobe's own words help the operator, not the caseworker: logged, not shown.
        log.info("upload refused as not media: %s", exc.detail)
        raise UnsupportedMedia(
            N_(
                "The file is not an audio or video recording we can read. "
                "Choose the recording the phone, tablet or computer saved."
            ),
            code="upload.not_media",
        ) from exc
    return info


def require_upload_role(subject: Subject) -> None:
    """Caseworkers and supervisors upload and record; nobody else."""
    if subject.role not in UPLOAD_ROLES:
        raise NotPermitted(
            N_("Only caseworkers and supervisors can upload recordings."),
            code="recording.upload_role",
        )


@dataclass
class CheckedForm:
    """An upload's fields once checked: what the recording, its consent and its deletion
    date will be."""

    recording: RecordingCreate
    consent: ConsentIn
    delete_after: date | None
    # The people named at upload: hidden in what a team reads and hears (app.privacy).
    person_names: list[str] = field(default_factory=list)


def check_form(*, session: Session, fields: dict[str, str], owner: Subject) -> CheckedForm:
    """Everything about an upload but its file: who sends it, the fields, the consent."""
    from app.retention.service import check_delete_after

    require_upload_role(owner)
    return CheckedForm(
        recording=validate_form(fields),
        consent=validate_consent(fields),
        delete_after=check_delete_after(session=session, value=fields.get("delete_after")),
        person_names=listed_names(fields.get("person_names") or ""),
    )


def create_from_upload(*, session: Session, upload: ReceivedUpload, owner: Subject) -> Recording:
    """Turn a received upload into a stored recording with a queued job; or leave nothing."""
    try:
        form = check_form(session=session, fields=upload.fields, owner=owner)
        info = inspect_upload(upload)
    except BaseException:
        upload.discard()
        raise
    assert upload.path is not None and upload.filename is not None
    recording_id = new_recording_id()
    store = media_store.current()
    try:
        stored = store.keep(
            object_key(recording_id, storage.ORIGINAL),
            upload.path,
            content_type=original_type(upload.filename),
            sha256=upload.sha256,
        )
    except BaseException as exc:
        upload.discard()
        if isinstance(exc, media_store.StoreError):
            raise store_unavailable(exc) from exc
        raise
    original = Original(recording_id, upload.filename, stored, info)
    return add_recording(session=session, owner=owner, form=form, original=original)


def new_recording_id() -> str:
    return uuid.uuid4().hex


def store_unavailable(exc: Exception) -> Unavailable:
    log.error("could not store an upload: %s", exc)
    return Unavailable(
        N_("The media store cannot be reached just now. Nothing was kept; try again in a moment."),
        code="media.unavailable",
    )


class Original(NamedTuple):
    """An original now in the store, checked: the recording it is for, the name it came
    with, where it is kept, and what ffprobe found in it."""

    recording_id: str
    filename: str
    stored: media_store.Stored
    info: media.MediaInfo


def add_recording(
    *, session: Session, owner: Subject, form: CheckedForm, original: Original
) -> Recording:
    """The recording of an original now in the store: its row, consent and queued job.

    If anything here or the commit fails, the stored original goes too."""
    recording_id, filename, stored, info = original
    store = media_store.current()
    on_rollback(session, lambda: store.delete_prefix(recording_id))
    recording = Recording.model_validate(
        form.recording,
        update={
            "id": recording_id,
            "owner_id": owner.id,
            "delete_after": form.delete_after,
            "original_filename": filename,
            "stored_name": storage.ORIGINAL,
            "size_bytes": stored.size,
            "sha256": stored.sha256,
            "duration_seconds": round(info.duration, 3),
            "container": info.container[:64],
            "has_video": info.has_video,
            "video_codec": info.video_codec,
            "audio_codec": info.audio_codec,
            "width": info.width,
            "height": info.height,
            "streams": json.dumps(info.streams),
            "person_names": json.dumps(form.person_names, ensure_ascii=False),
        },
    )
    session.add(recording)
    session.flush()
    media_objects.record(
        session=session,
        recording_id=recording.id,
        variant=Variant.original,
        stored=stored,
        content_type=original_type(filename),
    )
    consent = form.consent
    session.add(
        Consent(
            recording_id=recording.id,
            child_consented=consent.child_consented,
            custody_holders_consented=consent.custody_holders_consented,
            given_by=consent.given_by,
            consented_on=consent.consented_on,
            for_individual=consent.for_individual,
            for_team=consent.for_team,
            for_teaching=consent.for_teaching,
            recorded_by_id=owner.id,  # type: ignore[arg-type]
        )
    )
    job = new_job(session=session, recording=recording)
    assert job.id is not None
    job_service.send_after_commit(session, job.id)
    return recording


def require_ready(recording: Recording) -> Recording:
    """Media and transcript exist only once the worker is done."""
    if recording.status != RecordingStatus.ready:
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    return recording


def require_started(recording: Recording) -> Recording:
    """What the worker has made so far can be read while it works: the original where it
    plays as it is, the transcript as it grows."""
    if recording.status not in (RecordingStatus.ready, RecordingStatus.processing):
        raise NotFound(
            N_("The recording has not finished processing yet."), code="recording.not_ready"
        )
    return recording


def owned_by(*, session: Session, user_id: int) -> list[Recording]:
    return list(session.exec(select(Recording).where(Recording.owner_id == user_id)).all())


def consent_of(*, session: Session, recording: Recording) -> Consent | None:
    return session.get(Consent, recording.id)


def delete(*, session: Session, recording: Recording, reason: str = "deleted") -> None:
    """Remove the rows now (transcript, feedback, shares and consent cascade) and the files
    once that is committed; a crash in between leaves an orphan folder the sweep removes.
    The deletion journal keeps the id, so that no restore brings it back."""
    recording_id = recording.id
    session.delete(recording)
    session.flush()
    after_commit(session, lambda: remove_media(recording_id))
    deletions.on_commit(session, "recording", recording_id, reason)


def remove_media(recording_id: str) -> None:
    """Every object of a recording, from the store (its rows went with the recording)."""
    media_store.current().delete_prefix(recording_id)


def original_type(filename: str) -> str:
    """The type an original is kept with (what its name says; played only where it plays
    as it is, with the type the worker found)."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def new_job(
    *,
    session: Session,
    recording: Recording,
    kind: str = PROCESS_RECORDING,
    batch_id: int | None = None,
) -> Job:
    """A queued job to process the recording (or of another kind that hears it), naming
    the speech model its language needs (so only a worker that offers that model takes
    it)."""
    return job_service.create(
        session=session,
        recording_id=recording.id,
        kind=kind,
        model=settings.whisper_model_for(recording.language),
        batch_id=batch_id,
    )


def retry(*, session: Session, recording: Recording) -> int:
    """A failed recording gets a new job and is queued again; returns the job's id (the
    caller sends it to the queue once committed)."""
    if recording.status != RecordingStatus.failed:
        raise Conflict(
            N_("Only a recording that could not be processed can be tried again."),
            code="status.not_failed",
        )
    job = new_job(session=session, recording=recording)
    follow_job(session=session, state=job_service.queued_state(job))
    assert job.id is not None
    return job.id


# What a recording shows for each state of its job.
_STATUS_OF_JOB = {
    JobStatus.queued: RecordingStatus.queued,
    JobStatus.running: RecordingStatus.processing,
    JobStatus.succeeded: RecordingStatus.ready,
    JobStatus.failed: RecordingStatus.failed,
}


def follow_job(*, session: Session, state: JobState) -> None:
    """The one place a recording's processing state changes: it mirrors its job's.

    Called in the transaction that changed the job, so the two never disagree."""
    values: dict[str, object] = {"status": _STATUS_OF_JOB[state.status], "updated_at": utcnow()}
    if state.status == JobStatus.running:
        if state.stage is None:  # just claimed: an earlier attempt's reason no longer holds
            values["failure_reason"] = None
        else:
            values.update(stage=state.stage, progress=state.progress)
    elif state.status == JobStatus.succeeded:
        values.update(stage=None, progress=1.0)
    else:
        values.update(stage=state.stage, failure_reason=state.reason)
        if state.status == JobStatus.queued and state.stage is None:  # a new job: from 0
            values["progress"] = 0.0
    session.execute(
        update(Recording).where(col(Recording.id) == state.recording_id).values(**values)
    )


def set_media(
    *,
    session: Session,
    recording_id: str,
    playable_name: str,
    playable_mime: str,
    poster_name: str | None,
) -> None:
    """The worker made the files a person plays: the original or a rendition, and a still."""
    recording = session.get(Recording, recording_id)
    if recording is None:
        raise NotFound(N_("The recording does not exist."), code="recording.not_found")
    recording.playable_name = playable_name
    recording.playable_mime = playable_mime
    recording.poster_name = poster_name
    session.add(recording)


async def receive(*, request: Request, session: Session, owner: Subject) -> Recording:
    """An upload from the API or the page form: stream, check, store, queue; audited."""
    header_ok = tokens_match(request.headers.get(CSRF_HEADER), request)
    # Without the header, the form's csrf_token field must carry the session's token.
    expected = None if header_ok else expected_token(request)
    upload = await receive_upload(
        request,
        tmp_dir=settings.upload_tmp_dir,
        max_bytes=settings.max_upload_bytes,
        csrf_expected=expected,
    )
    try:
        recording = await run_in_threadpool(
            create_from_upload, session=session, upload=upload, owner=owner
        )
    except OSError as exc:
        if not storage.is_disk_full(exc):
            raise
        raise disk_full(upload) from exc
    except VideosparringError as exc:
        exc.form_values = upload.shown_fields()
        raise
    finally:
        upload.release()  # stored or deleted by now: its lock may go
    audit_on_commit(session, owner, Action.upload, recording.id, f"{recording.size_bytes} bytes")
    return recording


def set_person_names(*, session: Session, recording: Recording, names: list[str]) -> None:
    """The people named on the recording (checked by app.privacy.listing): hidden in what
    a team reads and hears of its clips."""
    recording.person_names = json.dumps(names, ensure_ascii=False)
    recording.updated_at = utcnow()
    session.add(recording)
    session.flush()
