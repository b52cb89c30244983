"""A clip's cutting job as the clip sees it: its state follows its newest job, and the
files that job made replace the earlier ones.

A clip whose times change gets a new job; an older job still running may finish later, so
each file carries its job's id and only the newest job's results are kept.
"""

from dataclasses import dataclass

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from app.clips.models import Clip, ClipStatus
from app.core.db import after_commit
from app.core.timeutil import utcnow
from app.jobs.models import CUT_CLIP, Job, JobStatus
from app.jobs.service import JobState
from app.media import objects as media_objects
from app.media import store as media_store
from app.media.models import Variant
from app.media.store import Stored, object_key
from app.recordings.models import Recording

STATUS_OF_JOB = {  # a clip's state (and its protected variant's) by its job's
    JobStatus.queued: ClipStatus.queued,
    JobStatus.running: ClipStatus.processing,
    JobStatus.succeeded: ClipStatus.ready,
    JobStatus.failed: ClipStatus.failed,
}


def _newer_job(clip_id: int, job_id: int):  # type: ignore[no-untyped-def]
    return exists().where(
        col(Job.clip_id) == clip_id, col(Job.kind) == CUT_CLIP, col(Job.id) > job_id
    )


def is_current(*, session: Session, clip_id: int, job_id: int) -> bool:
    """True if no newer job for the clip exists (its times did not change since)."""
    newer = session.exec(
        select(Job.id).where(Job.clip_id == clip_id, Job.kind == CUT_CLIP, col(Job.id) > job_id)
    )
    return newer.first() is None


def follow_job(*, session: Session, state: JobState) -> None:
    """The one place a clip's state changes: it mirrors its newest cutting job's, in the
    same transaction as the job's change (its protected variant follows its own jobs)."""
    assert state.clip_id is not None
    values: dict[str, object] = {"status": STATUS_OF_JOB[state.status], "updated_at": utcnow()}
    if state.status == JobStatus.running:
        if state.stage is None:
            values["failure_reason"] = None
        elif state.progress is not None:
            values["progress"] = state.progress
    elif state.status == JobStatus.succeeded:
        values.update(progress=1.0, failure_reason=None)
    else:
        values["failure_reason"] = state.reason
        if state.status == JobStatus.queued and state.stage is None:
            values["progress"] = 0.0
    session.execute(
        update(Clip)
        .where(col(Clip.id) == state.clip_id, ~_newer_job(state.clip_id, state.job_id))
        .values(**values)
    )


@dataclass(frozen=True)
class Source:
    """What the worker cuts a clip from: the recording's playable file."""

    recording_id: str
    playable_name: str
    mime: str
    has_video: bool
    start: float
    end: float


def source_of(*, session: Session, clip_id: int) -> Source | None:
    """None if the clip or its recording's playable file is gone."""
    clip = session.get(Clip, clip_id)
    recording = session.get(Recording, clip.recording_id) if clip else None
    if clip is None or recording is None or not recording.playable_name:
        return None
    return Source(
        recording_id=recording.id,
        playable_name=recording.playable_name,
        mime=recording.playable_mime or "video/mp4",
        has_video=recording.has_video,
        start=clip.start_seconds,
        end=clip.end_seconds,
    )


def file_names(clip_id: int, job_id: int, ext: str) -> tuple[str, str]:
    """The media and poster names one job writes (in the recording's folder)."""
    return f"clip-{clip_id}-{job_id}.{ext}", f"clip-{clip_id}-{job_id}.png"


def remove_files_after_commit(session: Session, recording_id: str, *names: str | None) -> None:
    """The rows of these objects go now, the objects once that is committed."""
    keys = [object_key(recording_id, name) for name in names if name]
    media_objects.forget(session=session, keys=keys)
    after_commit(session, lambda: media_store.current().delete(*keys))


def set_media(
    *,
    session: Session,
    clip_id: int,
    job_id: int,
    media: Stored,
    media_mime: str,
    poster: Stored | None,
) -> bool:
    """Keep the files this job made, if the clip still exists and the job is its newest;
    the earlier files go once committed. False: nothing kept (the caller removes its files)."""
    clip = session.get(Clip, clip_id)
    if clip is None or not is_current(session=session, clip_id=clip_id, job_id=job_id):
        return False
    media_name = media.key.partition("/")[2]
    poster_name = poster.key.partition("/")[2] if poster else None
    # A later attempt of the same job wrote the same names: those stay.
    old = {clip.media_name, clip.poster_name} - {media_name, poster_name}
    remove_files_after_commit(session, clip.recording_id, *old)
    for stored, variant, mime in ((media, Variant.clip, media_mime),
                                  (poster, Variant.clip_poster, "image/png")):  # fmt: skip
        if stored is not None:
            media_objects.record(session=session, recording_id=clip.recording_id,
                                 variant=variant, stored=stored, content_type=mime,
                                 clip_id=clip_id)  # fmt: skip
    clip.media_name, clip.media_mime, clip.poster_name = media_name, media_mime, poster_name
    session.add(clip)
    return True
