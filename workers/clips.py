"""A clip's path through the worker (`cut_clip` jobs), in two steps: cut [start, end] of
the recording's playable file into a file of its own (re-encoded: a byte range of an MP4 is
not a playable clip), and a poster.

WebM stays WebM (VP8/Opus: what the source plays in already); everything else becomes
H.264/AAC MP4 with faststart (AAC in MP4 for sound alone). Files are made at this claim's
scratch paths and kept in the media store when done; the result is the clip's only if the
job is still ours and the newest for the clip (otherwise its objects are deleted).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from app.clips import cutting, protection
from app.clips.models import Clip
from app.core.db import session_scope
from app.jobs.models import CUT_CLIP
from app.media.probe import MediaError, MediaInfo, probe
from app.media.store import Stored
from workers import kinds, media
from workers.failures import PermanentFailure, media_failure
from workers.kinds import Hold, Progress, Work
from workers.pipeline import MediaWork, poster_or_none
from workers.steps import Step, StepProgress, run_steps

_EVEN_1080 = "scale='trunc(min(iw,iw*1080/ih)/2)*2':'trunc(min(ih,1080)/2)*2'"


def output_format(source: cutting.Source) -> tuple[str, str, dict[str, Any]]:
    """(extension, MIME type, ffmpeg output options) for the clip of this source."""
    webm = source.mime.endswith("/webm")
    if webm:
        opts: dict[str, Any] = {"format": "webm", "acodec": "libopus", "b:a": "96k"}
        if source.has_video:
            # Realtime settings: a ten-minute clip is cut in about its own length or less.
            opts.update(
                {"vcodec": "libvpx", "b:v": "1M", "crf": 10, "deadline": "realtime"},
                **{"cpu-used": 8, "vf": _EVEN_1080},
            )
        return "webm", "video/webm" if source.has_video else "audio/webm", opts
    opts = {"format": "mp4", "movflags": "+faststart", "acodec": "aac", "b:a": "128k", "ac": 2}
    if source.has_video:
        opts.update(vcodec="libx264", preset="veryfast", crf=23, pix_fmt="yuv420p", vf=_EVEN_1080)
    return "mp4", "video/mp4" if source.has_video else "audio/mp4", opts


def cut(
    source: cutting.Source, source_path: Path, target: Path, opts: dict[str, Any],
    progress: StepProgress,
) -> None:  # fmt: skip
    """Re-encode [start, end]: seeking on the input while transcoding is frame-accurate."""
    length = source.end - source.start
    src = ffmpeg.input(str(source_path), ss=f"{source.start:.3f}", t=f"{length:.3f}")
    streams = [src["v:0"], src["a:0"]] if source.has_video else [src["a:0"]]
    out = ffmpeg.output(*streams, str(target), **opts).overwrite_output()
    media.run_ffmpeg(out, length, progress)


@dataclass
class ClipRun:
    """One run of a clip's job: what it cuts, where to, and what its steps made so far."""

    clip_id: int
    source: cutting.Source
    source_path: Path
    opts: dict[str, Any]
    files: MediaWork
    clip_name: str
    poster_name: str
    mime: str
    info: MediaInfo | None = None  # the cut file's, once cut
    clip: Stored | None = None
    poster: Stored | None = None


def _cut(run: ClipRun, progress: StepProgress) -> None:
    made = run.files.scratch(run.clip_name)
    try:
        cut(run.source, run.source_path, made, run.opts, progress)
        run.info = probe(made)
    except MediaError as exc:
        key = None if exc.kind == "timeout" else "failure.rendition"
        raise media_failure(exc, "clip", key) from exc
    run.clip = run.files.keep(run.clip_name, run.mime)


def _poster(run: ClipRun, progress: StepProgress) -> None:
    assert run.info is not None and run.clip is not None, "the cut runs first"
    made = poster_or_none(
        run.files.input(run.clip_name),
        run.files.scratch(run.poster_name),
        run.info,
        progress=progress,
        what=f"clip {run.clip_id}",
    )
    if made:
        run.poster = run.files.keep(run.poster_name, "image/png")


STEPS: list[Step[ClipRun]] = [Step("cut", 9, _cut), Step("poster", 1, _poster)]


def process(*, clip_id: int, job_id: int, report: Progress, hold: Hold, tag: str) -> None:
    """Cut one clip; `report(stage, fraction)` records progress and `hold(session)` raises if
    the job is no longer ours."""
    with session_scope() as session:
        source = cutting.source_of(session=session, clip_id=clip_id)
    if source is None:
        raise PermanentFailure("failure.deleted")
    ext, mime, opts = output_format(source)
    clip_name, poster_name = cutting.file_names(clip_id, job_id, ext)
    kept = False
    # No sweep of other claims' scratch files: the recording's own job may be working.
    with MediaWork.of(source.recording_id, tag, clean_stale=False) as files:
        try:
            try:
                source_path = files.input(source.playable_name)
            except FileNotFoundError as exc:
                raise PermanentFailure("failure.deleted") from exc
            run = ClipRun(clip_id, source, source_path, opts, files, clip_name, poster_name, mime)
            run_steps(STEPS, run, report)
            assert run.clip is not None
            with session_scope() as session:
                hold(session)
                kept = cutting.set_media(
                    session=session,
                    clip_id=clip_id,
                    job_id=job_id,
                    media=run.clip,
                    media_mime=mime,
                    poster=run.poster,
                )
                clip = session.get(Clip, clip_id) if kept else None
                if clip is not None:  # what a team will see is made from the new cut
                    protection.queue(session, clip)
            if not kept:
                with session_scope() as session:
                    if cutting.source_of(session=session, clip_id=clip_id) is None:
                        raise PermanentFailure("failure.deleted")
        finally:
            if not kept:  # a newer job's files, or none at all, are the clip's
                files.store.delete(files.key(clip_name), files.key(poster_name))


def _run_job(work: Work) -> None:
    assert work.claim.clip_id is not None, "a clip's job names its clip"
    process(
        clip_id=work.claim.clip_id,
        job_id=work.claim.job_id,
        report=work.report,
        hold=work.hold,
        tag=work.claim.tag,
    )


kinds.register(kinds.Kind(CUT_CLIP, run=_run_job, follow=cutting.follow_job))
