"""What the worker does with ffmpeg: extract audio, render a playable copy, take a poster.

Inspecting a file lives in app.media.probe, which the upload check uses too."""

import contextlib
import ctypes
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import IO, Any

import ffmpeg

from app.core.config import settings
from app.media.probe import (
    MP4_FAMILY,
    MediaError,
    MediaInfo,
    last_line,
)

ProgressCallback = Callable[[float], None]

# How often a running ffmpeg is checked: its deadline, and the job's lease via on_progress.
_POLL_SECONDS = 0.5
# ffmpeg's last words are all a reason needs; a damaged file can make it write megabytes.
_STDERR_TAIL_BYTES = 16 * 1024


def ffmpeg_timeout(duration: float) -> float:
    """How long one ffmpeg run over a recording of this length may take."""
    per_second = settings.ffmpeg_timeout_per_media_second
    return settings.ffmpeg_timeout_base_seconds + per_second * max(duration, 0.0)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # A worker killed outright must not leave its ffmpeg running on: Linux kills the child
    # when the thread that started it goes.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _drain(stream: BufferedReader, keep: deque[bytes]) -> None:
    """Read a pipe to its end, keeping only its tail: ffmpeg never blocks on a full pipe."""
    size = 0
    for chunk in iter(lambda: stream.read1(8192), b""):
        keep.append(chunk)
        size += len(chunk)
        while size - len(keep[0]) > _STDERR_TAIL_BYTES and len(keep) > 1:
            size -= len(keep.popleft())


def _read_progress(stream: IO[bytes], latest: list[float], duration: float) -> None:
    for raw in stream:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and duration > 0 and value.isdigit():
            latest[0] = min(int(value) / 1e6 / duration, 1.0)


def run_ffmpeg(
    stream: Any,
    duration: float,
    on_progress: ProgressCallback | None = None,
    *,
    check: Callable[[], None] | None = None,
) -> None:
    """Run a compiled ffmpeg-python graph under a deadline that grows with the recording's
    duration. Both of ffmpeg's output streams are read at once, by threads, so neither pipe
    fills up. Every poll reports the fraction done (`on_progress`) or calls `check`; if
    either raises (the job's lease was lost), or the deadline passes, ffmpeg is killed."""
    args = stream.global_args("-nostdin", "-v", "error", "-progress", "pipe:1").compile()
    limit = ffmpeg_timeout(duration)
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    assert proc.stdout is not None and proc.stderr is not None
    latest = [0.0]
    tail: deque[bytes] = deque()
    readers = [
        threading.Thread(target=_read_progress, args=(proc.stdout, latest, duration), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + limit
    try:
        while True:
            try:
                code = proc.wait(timeout=_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() > deadline:
                raise MediaError("timeout", f"ffmpeg over {limit:.0f} s")
            if on_progress is not None:
                on_progress(latest[0])
            if check is not None:
                check()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        for reader in readers:
            reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    if code != 0:
        stderr = b"".join(tail)
        if b"No space left on device" in stderr or b"Disk quota exceeded" in stderr:
            raise MediaError("no_space", last_line(stderr))
        raise MediaError("corrupt", last_line(stderr))


def extract_audio(
    source: Path, target: Path, duration: float, on_progress: ProgressCallback | None = None
) -> None:
    """16 kHz mono PCM: what Whisper wants, decoded once."""
    stream = ffmpeg.input(str(source))["a:0"].output(
        str(target), ac=1, ar=16000, acodec="pcm_s16le", format="wav"
    )
    run_ffmpeg(stream.overwrite_output(), duration, on_progress)


def is_faststart(path: Path) -> bool:
    """True if the MP4 'moov' box comes before 'mdat' (browsers can start at once)."""
    with path.open("rb") as fh:
        offset = 0
        while True:
            fh.seek(offset)
            header = fh.read(16)
            if len(header) < 8:
                return False
            size = int.from_bytes(header[:4], "big")
            box = header[4:8]
            if box == b"moov":
                return True
            if box == b"mdat":
                return False
            if size == 1:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                return False
            if size < 8:
                return False
            offset += size


@dataclass
class RenditionPlan:
    """What to do to get a file every browser plays: nothing, remux, or transcode."""

    copy_original: bool
    copy_video: bool = False
    copy_audio: bool = False

    @property
    def needs_work(self) -> bool:
        return not self.copy_original


def plan_rendition(path: Path, info: MediaInfo) -> tuple[RenditionPlan, str]:
    """Decide the playable form and its MIME type."""
    in_mp4 = bool(info.format_names & MP4_FAMILY)
    if info.has_video:
        h264, aac = info.video_codec == "h264", info.audio_codec == "aac"
        if in_mp4 and h264 and aac and is_faststart(path):
            return RenditionPlan(copy_original=True), "video/mp4"
        return RenditionPlan(copy_original=False, copy_video=h264, copy_audio=aac), "video/mp4"
    if "mp3" in info.format_names and info.audio_codec == "mp3":
        return RenditionPlan(copy_original=True), "audio/mpeg"
    if in_mp4 and info.audio_codec == "aac" and is_faststart(path):
        return RenditionPlan(copy_original=True), "audio/mp4"
    return RenditionPlan(copy_original=False, copy_audio=info.audio_codec == "aac"), "audio/mp4"


def make_rendition(
    source: Path,
    target: Path,
    info: MediaInfo,
    plan: RenditionPlan,
    on_progress: ProgressCallback | None = None,
) -> None:
    """H.264/AAC MP4 with faststart; copies the streams that are already fine."""
    src = ffmpeg.input(str(source))
    streams = [src["a:0"]]
    kwargs: dict[str, Any] = {"movflags": "+faststart", "format": "mp4"}
    kwargs["acodec"] = "copy" if plan.copy_audio else "aac"
    if not plan.copy_audio:
        kwargs.update({"b:a": "128k", "ac": 2})
    if info.has_video:
        streams.insert(0, src["v:0"])
        if plan.copy_video:
            kwargs["vcodec"] = "copy"
        else:
            kwargs.update(
                {
                    "vcodec": "libx264",
                    "preset": "veryfast",
                    "crf": 23,
                    "pix_fmt": "yuv420p",
                    # Even dimensions, at most 1080 lines: plays on every tablet.
                    "vf": "scale='trunc(min(iw,iw*1080/ih)/2)*2':'trunc(min(ih,1080)/2)*2'",
                }
            )
    out = ffmpeg.output(*streams, str(target), **kwargs).overwrite_output()
    run_ffmpeg(out, info.duration, on_progress)


def make_poster(
    source: Path, target: Path, info: MediaInfo, check: Callable[[], None] | None = None
) -> None:
    """A still from the video, or a waveform picture for audio-only recordings."""
    if info.has_video:
        at = min(1.0, info.duration / 10)
        out = ffmpeg.input(str(source), ss=at)["v:0"].output(
            str(target), vframes=1, vf="scale=640:-2", format="image2", vcodec="png"
        )
    else:
        out = (
            ffmpeg.input(str(source))["a:0"]
            .filter("showwavespic", s="1280x240", colors="#1f5f8b", split_channels=0)
            .output(str(target), vframes=1, format="image2", vcodec="png")
        )
    # One frame: the base deadline alone (duration 0).
    run_ffmpeg(out.overwrite_output(), 0.0, check=check)
