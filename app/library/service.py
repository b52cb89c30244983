"""What a person does with a recording they can see: follow its status, watch it, retry or
delete their own."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from app.access import policy
from app.accounts.subject import Subject
from app.audit.service import Action, audit_on_commit, audit_viewing
from app.audit.viewing import Kind
from app.core.errors import NotFound
from app.core.i18n import N_, translate, translate_plural
from app.core.timeutil import utcnow
from app.jobs import presence, reasons
from app.jobs import service as job_service
from app.jobs.models import Job, JobStatus
from app.media import objects as media_objects
from app.media.objects import Readable
from app.media.store import object_key
from app.recordings import service as recording_service
from app.recordings.models import Recording, RecordingStatus
from app.transcripts.service import model_words

log = logging.getLogger(__name__)


def delete_owned(*, session: Session, subject: Subject, recording_id: str, reason: str) -> None:
    """Delete a recording its caseworker asked to delete (directly or by consent withdrawn)."""
    recording = policy.owned_recording(session, subject, recording_id)
    journaled = "consent" if reason == "consent_withdrawn" else "deleted"
    recording_service.delete(session=session, recording=recording, reason=journaled)
    audit_on_commit(session, subject, reason, recording_id)


def viewed_file(
    session: Session, subject: Subject, recording_id: str, part: Literal["media", "poster"]
) -> Readable:
    """The playable file or the poster of a ready recording this person may see, with its
    type; the viewing is audited first (once per viewing: range requests and seeks add none).
    While the worker works, an original that plays as it is can already be watched."""
    recording = recording_service.require_started(policy.recording(session, subject, recording_id))
    if part == "media":
        name, mime = recording.playable_name, recording.playable_mime
    else:
        name, mime = recording.poster_name, "image/png"
    if not name or not mime:
        if part == "media":
            raise NotFound(
                N_("The recording has not finished processing yet."), code="recording.not_ready"
            )
        raise NotFound(N_("The recording does not exist."), code="recording.not_found")
    # The still shows with the page (players ask for no media before play): it is part of
    # the page's viewing; the media is asked for when someone plays it.
    if part == "media":
        audit_viewing(session, subject, Action.playback, recording.id, Kind.media, part)
    else:
        audit_viewing(session, subject, Action.view, recording.id, Kind.transcript, part)
    return media_objects.require(
        session=session, key=object_key(recording.id, name), content_type=mime
    )


# Status a person understands: the stage in words, how far, how long, what went wrong.
# The worker's stages, in the words a reader sees.
STAGE_WORDS = {
    "probe": N_("Checking the file"),
    "audio": N_("Extracting the sound"),
    "transcribe": N_("Transcribing"),
    "rendition": N_("Making a playable copy"),
    "poster": N_("Making a still"),
}
# The time left is only guessed once transcription has begun and the rate can be seen.
_ETA_FROM_PROGRESS = 0.06
_ETA_AFTER_SECONDS = 3.0


@dataclass(frozen=True)
class StatusView:
    """One recording's state in the reader's language: what pages and status.js show."""

    id: str
    title: str
    status: str
    stage: str | None
    percent: int
    label: str
    eta: str | None = None
    waiting: bool = False
    reason: str | None = None
    reason_key: str | None = None

    @property
    def busy(self) -> bool:
        return self.status in (RecordingStatus.queued, RecordingStatus.processing)


def time_left(*, progress: float, started_at: datetime | None, now: datetime) -> float | None:
    """Seconds left at the rate seen since the attempt began; None until it can be told."""
    if started_at is None or progress < _ETA_FROM_PROGRESS or progress >= 1.0:
        return None
    elapsed = (now - started_at).total_seconds()
    if elapsed < _ETA_AFTER_SECONDS:
        return None
    return elapsed * (1.0 - progress) / progress


def eta_words(seconds: float | None, lang: str) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return translate(N_("less than a minute left"), lang)
    minutes = max(1, round(seconds / 60))
    return translate_plural(
        "about %(num)d minute left", "about %(num)d minutes left", minutes, lang
    )


def status_view(
    recording: Recording, job: Job | None, lang: str, missing_model: str | None = None
) -> StatusView:
    """What the recording's state means to a reader; `missing_model`: the speech model its
    queued job waits for, which no live worker offers."""
    status, stage = recording.status, recording.stage
    percent = 100 if status == RecordingStatus.ready else round((recording.progress or 0.0) * 100)
    label, eta, reason = "", None, None
    if status == RecordingStatus.ready:
        label = translate(N_("Ready"), lang)
    elif status == RecordingStatus.failed:
        label = translate(N_("Failed"), lang)
        reason = reasons.describe(recording.failure_reason, lang)
    elif status == RecordingStatus.queued and stage == "retrying":
        label = translate(N_("Queued – an attempt failed and will be tried again shortly"), lang)
        reason = reasons.describe(recording.failure_reason, lang)
    elif status == RecordingStatus.queued and missing_model:
        label = translate(
            N_("Waiting for a worker with the speech model %(model)s"),
            lang,
            model=model_words(missing_model),
        )
        reason = translate(
            N_(
                "No running worker has this speech model. The recording starts as soon as "
                "one that has it runs; IT can start one."
            ),
            lang,
        )
    elif status == RecordingStatus.queued:  # no worker has it (yet, or since one died)
        label = translate(N_("Queued – waiting for a free worker"), lang)
    else:
        label = translate(STAGE_WORDS.get(stage or "", N_("Starting")), lang)
        seconds = time_left(
            progress=recording.progress or 0.0,
            started_at=job.started_at if job is not None else None,
            now=utcnow(),
        )
        eta = eta_words(seconds, lang)
    return StatusView(
        id=recording.id,
        title=recording.title,
        status=status,
        stage=stage,
        percent=percent,
        label=label,
        eta=eta,
        # For a free worker: one waiting for a model says so in its own words.
        waiting=status == RecordingStatus.queued and stage != "retrying" and not missing_model,
        reason=reason,
        reason_key=reasons.key_of(recording.failure_reason) if reason else None,
    )


def status_views(
    *, session: Session, recordings: list[Recording], lang: str
) -> dict[str, StatusView]:
    """Each recording's status view, by id (one query for their jobs)."""
    jobs = job_service.latest(session=session, recording_ids=[r.id for r in recordings])
    waiting = {j.model for j in jobs.values() if j.status == JobStatus.queued and j.model}
    # No worker heard from at all (None): the plain waiting words.
    live = presence.live_models(session=session) if waiting else None
    missing = waiting - live if live is not None else set()

    def missing_model(job: Job | None) -> str | None:
        if job is None or job.status != JobStatus.queued or job.model not in missing:
            return None
        return job.model

    return {
        r.id: status_view(r, jobs.get(r.id), lang, missing_model(jobs.get(r.id)))
        for r in recordings
    }


def retry_owned(*, session: Session, subject: Subject, recording_id: str) -> None:
    """The caseworker tries their failed recording again: a new job, sent once committed."""
    recording = policy.owned_recording(session, subject, recording_id)
    job_id = recording_service.retry(session=session, recording=recording)
    job_service.send_after_commit(session, job_id)
    audit_on_commit(session, subject, Action.retry, recording_id)
