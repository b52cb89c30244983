"""Clips: the caseworker makes, changes and removes them; the worker cuts them. Who sees a
clip is decided in app.access.policy; its shares are app.access's."""

import math

from sqlmodel import Session, col, select

from app.access import policy
from app.accounts.subject import Subject
from app.clips import cutting, protection
from app.clips.models import REQUEST_MAX, TITLE_MAX, Clip, ClipCreate, ClipStatus, ClipUpdate
from app.core.errors import BadInput
from app.core.i18n import N_, Tenths
from app.core.text import free_text
from app.core.timeutil import utcnow
from app.jobs import service as job_service
from app.jobs.models import CUT_CLIP
from app.recordings import service as recording_service
from app.recordings.models import Recording

# Shorter than this is not a moment a team can talk about.
MIN_SECONDS = 1.0


TITLE_REQUIRED = (N_("Give the clip a title."), "clip.title_required")


def _text(value: str, *, field: str, max_length: int, required: bool) -> str:
    needed = TITLE_REQUIRED if required else None
    return free_text(value, field=field, limit=max_length, prefix="clip.", required=needed)


def check_span(recording: Recording, start: float, end: float) -> tuple[float, float]:
    """A stretch inside the recording, at least a second long, that ends after it starts."""
    duration = round(recording.duration_seconds, 3)
    if not (math.isfinite(start) and math.isfinite(end)):
        start, end = -1.0, -1.0  # refused below as outside
    start, end = round(start, 3), round(end, 3)
    if start < 0 or end < 0 or start > duration or end > duration:
        raise BadInput(
            N_("The clip must lie within the recording, which lasts %(duration)s seconds."),
            code="clip.outside_recording",
            duration=Tenths(duration),
        )
    if end < start:
        raise BadInput(
            N_("The clip ends before it starts. Choose an end after the start."),
            code="clip.end_before_start",
        )
    if end == start:
        raise BadInput(
            N_("The clip has no length: its start and end are the same moment."),
            code="clip.zero_length",
        )
    if end - start < MIN_SECONDS:
        raise BadInput(N_("A clip must last at least one second."), code="clip.too_short")
    return start, end


def _queue_cut(session: Session, clip: Clip) -> None:
    """A new job cuts the clip (again); sent to the queue once committed."""
    assert clip.id is not None
    job = job_service.create(
        session=session, recording_id=clip.recording_id, kind=CUT_CLIP, clip_id=clip.id
    )
    cutting.follow_job(session=session, state=job_service.queued_state(job))
    assert job.id is not None
    job_service.send_after_commit(session, job.id)


def clips_of(*, session: Session, recording_id: str) -> list[Clip]:
    """A recording's clips, in the order they run."""
    query = (
        select(Clip)
        .where(Clip.recording_id == recording_id)
        .order_by(col(Clip.start_seconds), col(Clip.id))
    )
    return list(session.exec(query).all())


def shared_with(*, session: Session, subject: Subject) -> list[Clip]:
    """The clips others shared with this person, newest first."""
    if not subject.sees_content:
        return []
    shared = policy.shared_clip_ids(subject)
    query = (
        select(Clip)
        .where(col(Clip.id).in_(select(shared.c.clip_id)), col(Clip.owner_id) != subject.id)
        .order_by(col(Clip.created_at).desc())
    )
    return list(session.exec(query).all())


def create(*, session: Session, recording: Recording, body: ClipCreate) -> Clip:
    """A clip of the caller's own ready recording (the route checked ownership)."""
    recording_service.require_ready(recording)
    start, end = check_span(recording, body.start_seconds, body.end_seconds)
    clip = Clip(
        recording_id=recording.id,
        owner_id=recording.owner_id,
        title=_text(body.title, field="title", max_length=TITLE_MAX, required=True),
        request_text=_text(
            body.request_text, field="request_text", max_length=REQUEST_MAX, required=False
        ),
        start_seconds=start,
        end_seconds=end,
    )
    session.add(clip)
    session.flush()
    _queue_cut(session, clip)
    return clip


def update(*, session: Session, clip: Clip, body: ClipUpdate) -> Clip:
    """Change the words, or the times (the clip is cut again)."""
    if body.title is not None:
        clip.title = _text(body.title, field="title", max_length=TITLE_MAX, required=True)
    if body.request_text is not None:
        clip.request_text = _text(
            body.request_text, field="request_text", max_length=REQUEST_MAX, required=False
        )
    if body.start_seconds is not None or body.end_seconds is not None:
        recording = session.get(Recording, clip.recording_id)
        assert recording is not None
        start = clip.start_seconds if body.start_seconds is None else body.start_seconds
        end = clip.end_seconds if body.end_seconds is None else body.end_seconds
        start, end = check_span(recording, start, end)
        if (start, end) != (clip.start_seconds, clip.end_seconds):
            clip.start_seconds, clip.end_seconds = start, end
            # The old cut no longer shows these times: nobody sees it while the new one is made.
            cutting.remove_files_after_commit(
                session, clip.recording_id, clip.media_name, clip.poster_name
            )
            clip.media_name = clip.media_mime = clip.poster_name = None
            protection.forget(session, clip)
            clip.status = ClipStatus.queued
            session.add(clip)
            session.flush()
            _queue_cut(session, clip)
    clip.updated_at = utcnow()
    session.add(clip)
    session.flush()
    return clip


def remove(*, session: Session, clip: Clip) -> None:
    """The clip, its shares and (once committed) its files; a job still cutting it ends
    without keeping anything."""
    cutting.remove_files_after_commit(
        session,
        clip.recording_id,
        clip.media_name,
        clip.poster_name,
        clip.protected_media_name,
        clip.protected_poster_name,
    )
    session.delete(clip)
    session.flush()
