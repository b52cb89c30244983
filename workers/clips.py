"""A clip's path through the worker (`cut_clip` jobs), in two steps: cut [start, end] of
the recording's playable file into a file of its own (re-encoded: a byte range of an MP4 is
not a playable clip), and a poster.

WebM stays WebM (VP8/Opus: what the source plays in already); everything else becomes
H.264/AAC MP4 with faststart (AAC in MP4 for sound alone). Files are written under this
claim's temporary names and renamed when done; the result is kept only if the job is still
ours and the newest for the clip.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from app.clips import cutting
from app.core.db import session_scope
from app.jobs.models import CUT_CLIP
from app.media.probe import MediaError, MediaInfo, probe
from app.recordings import storage
from workers import kinds, media
from workers.failures import PermanentFailure, media_failure
from workers.kinds import Hold, Progress, Work
from workers.pipeline import poster_or_none, temporary_names
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


def cut(source: cutting.Source, target: Path, opts: dict[str, Any], progress: StepProgress) -> None:
    """Re-encode [start, end]: seeking on the input while transcoding is frame-accurate."""
    length = source.end - source.start
    src = ffmpeg.input(str(source.path), ss=f"{source.start:.3f}", t=f"{length:.3f}")
    streams = [src["v:0"], src["a:0"]] if source.has_video else [src["a:0"]]
    out = ffmpeg.output(*streams, str(target), **opts).overwrite_output()
    media.run_ffmpeg(out, length, progress)


@dataclass
class ClipRun:
    """One run of a clip's job: what it cuts, where to, and what its steps made so far."""

    clip_id: int
    source: cutting.Source
    opts: dict[str, Any]
    tmp: Callable[[Path], Path]
    clip_file: Path
    poster_file: Path
    info: MediaInfo | None = None  # the cut file's, once cut
    poster_name: str | None = None


def _cut(run: ClipRun, progress: StepProgress) -> None:
    try:
        cut(run.source, run.tmp(run.clip_file), run.opts, progress)
        run.info = probe(run.tmp(run.clip_file))
    except MediaError as exc:
        key = None if exc.kind == "timeout" else "failure.rendition"
        raise media_failure(exc, "clip", key) from exc
    run.tmp(run.clip_file).replace(run.clip_file)


def _poster(run: ClipRun, progress: StepProgress) -> None:
    assert run.info is not None, "the cut runs first"
    run.poster_name = poster_or_none(
        run.clip_file,
        run.poster_file,
        run.info,
        run.tmp,
        progress=progress,
        what=f"clip {run.clip_id}",
    )


STEPS: list[Step[ClipRun]] = [Step("cut", 9, _cut), Step("poster", 1, _poster)]


def process(*, clip_id: int, job_id: int, report: Progress, hold: Hold, tag: str) -> None:
    """Cut one clip; `report(stage, fraction)` records progress and `hold(session)` raises if
    the job is no longer ours."""
    with session_scope() as session:
        source = cutting.source_of(session=session, clip_id=clip_id)
    if source is None:
        raise PermanentFailure("failure.deleted")
    ext, mime, opts = output_format(source)
    folder = storage.recording_dir(source.recording_id)
    clip_file, poster_file = (folder / name for name in cutting.file_names(clip_id, job_id, ext))
    kept = False
    try:
        with temporary_names(tag) as tmp:
            run = ClipRun(clip_id, source, opts, tmp, clip_file, poster_file)
            run_steps(STEPS, run, report)
            with session_scope() as session:
                hold(session)
                kept = cutting.set_media(
                    session=session,
                    clip_id=clip_id,
                    job_id=job_id,
                    media_name=clip_file.name,
                    media_mime=mime,
                    poster_name=run.poster_name,
                )
            if not kept:
                with session_scope() as session:
                    if cutting.source_of(session=session, clip_id=clip_id) is None:
                        raise PermanentFailure("failure.deleted")
    finally:
        if not kept:  # a newer job's files, or none at all, are the clip's
            for path in (clip_file, poster_file):
                path.unlink(missing_ok=True)


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
