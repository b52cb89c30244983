"""What a media file holds, read with ffprobe: shared by the upload check and the worker."""

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg

from app.core.config import settings

MP4_FAMILY = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}


class MediaError(Exception):
    """ffmpeg could not do what was asked; `kind` says which user message fits. `detail` is
    ffmpeg's own words, for the log: never shown to a reader."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # "not_media", "corrupt", "no_audio", "unindexed"
        self.detail = detail


@dataclass
class MediaInfo:
    duration: float
    format_names: set[str]
    has_video: bool
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    streams: list[dict[str, Any]] = field(default_factory=list)

    @property
    def container(self) -> str:
        return ",".join(sorted(self.format_names))


# ffmpeg prefixes messages with the file's path: a server detail no user should see.
_PATH_PREFIX = re.compile(r"^(?:\S*/)+\S*:\s*")


def last_line(stderr: bytes | None) -> str:
    lines = [ln for ln in (stderr or b"").decode(errors="replace").splitlines() if ln.strip()]
    return _PATH_PREFIX.sub("", lines[-1].strip())[:200] if lines else "unknown error"


def _ffprobe(path: Path | str) -> dict[str, Any]:
    """ffmpeg-python's probe, under the base deadline (it waits for ever)."""
    args = ["ffprobe", "-show_format", "-show_streams", "-of", "json", str(path)]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        try:
            out, err = proc.communicate(timeout=settings.ffmpeg_timeout_base_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    if proc.returncode != 0:
        raise ffmpeg.Error("ffprobe", out, err)
    return dict(json.loads(out.decode("utf-8")))


def probe(path: Path | str) -> MediaInfo:
    """Read a file's streams with ffprobe; raise MediaError for anything unusable."""
    try:
        data = _ffprobe(path)
    except subprocess.TimeoutExpired as exc:
        raise MediaError("timeout", "ffprobe") from exc
    except ffmpeg.Error as exc:
        stderr = (exc.stderr or b"").decode(errors="replace")
        kind = "corrupt" if "moov atom not found" in stderr or "truncat" in stderr else "not_media"
        raise MediaError(kind, last_line(exc.stderr)) from exc
    streams = data.get("streams", [])
    fmt = data.get("format", {})
    names = set(str(fmt.get("format_name", "")).split(","))
    # Still images (a JPEG renamed .mp4) probe as one-frame "video": not a recording.
    if names & {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "tty"}:
        raise MediaError("not_media", f"format {fmt.get('format_name')}")
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video and not audio:
        raise MediaError("not_media", "no audio or video stream")
    if not audio:
        raise MediaError("no_audio", "no audio stream")
    duration = _duration(fmt, audio + video)
    if duration <= 0:
        if names & {"matroska", "webm"}:  # as a browser's MediaRecorder sends it: no index
            raise MediaError("unindexed", "Matroska/WebM without duration or cues")
        raise MediaError("corrupt", "no duration")
    first_video = video[0] if video else None
    return MediaInfo(
        duration=duration,
        format_names=names,
        has_video=first_video is not None,
        video_codec=first_video.get("codec_name") if first_video else None,
        audio_codec=audio[0].get("codec_name"),
        width=first_video.get("width") if first_video else None,
        height=first_video.get("height") if first_video else None,
        streams=[
            {k: s.get(k) for k in ("index", "codec_type", "codec_name", "duration")}
            for s in streams
        ],
    )


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _duration(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> float:
    for candidate in [fmt.get("duration")] + [s.get("duration") for s in streams]:
        try:
            value = float(candidate)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return 0.0


def check_decodes(path: Path | str, info: MediaInfo, seconds: float = 2.0) -> None:
    """Decode a little audio at the start and at the end: catches truncated files cheaply."""
    starts = [0.0]
    if info.duration > seconds * 3:
        starts.append(max(info.duration - seconds * 2, 0.0))
    for start in starts:
        stream = ffmpeg.input(str(path), ss=start, t=seconds)
        out = ffmpeg.output(stream["a:0"], "pipe:", format="s16le", ac=1, ar=8000)
        try:
            pcm, _ = out.run(capture_stdout=True, capture_stderr=True, quiet=True)
        except ffmpeg.Error as exc:
            raise MediaError("corrupt", last_line(exc.stderr)) from exc
        if len(pcm) < 800:  # under 50 ms of audio decoded
            where = "end" if start > 0 else "start"
            raise MediaError("corrupt", f"no audio could be decoded at the {where}")


def remux_indexed(source: Path, target: Path) -> None:
    """Write a WebM recorded in a browser again, streams unchanged, with its duration and
    an index (cues), so that it seeks; a few hundred milliseconds for an hour."""
    stream = ffmpeg.input(str(source), fflags="+genpts")
    out = ffmpeg.output(stream, str(target), c="copy", map="0", format="webm")
    try:
        out.overwrite_output().run(capture_stdout=True, capture_stderr=True, quiet=True)
    except ffmpeg.Error as exc:
        raise MediaError("corrupt", last_line(exc.stderr)) from exc
