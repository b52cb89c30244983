"""A clip's protected copy: every face blurred so that it cannot be undone, the sound silenced
over the words that identify someone. What a team watching a child's clip gets.

One ffmpeg decodes the clip to raw RGB frames through a pipe; faces are found on every
`frame_step`-th frame (workers.faces) and carried to the frames between
(workers.face_tracks), which wait in a short queue until the detections after them are
in; a second ffmpeg encodes the frames from its stdin with the clip's own sound, muted over
`Protection.mute`. Sound alone is one ffmpeg run.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import ffmpeg
import numpy as np

from app.media.probe import MediaError, probe
from workers import media
from workers.face_tracks import blur_faces, blur_whole, boxes_at
from workers.faces import Box, FaceDetector
from workers.ffmpeg_pipes import Piped

# Faces are looked for on every FRAME_STEP-th frame: bench/blur.py measured steps 1 to 6
# (bench/results/blur.md).
FRAME_STEP = 3
# A face found on a detection frame is blurred this many detection steps before and after
# (and interpolated between detections twice as far apart: workers.face_tracks).
HOLD_STEPS = 2
_PROGRESS_SECONDS = 0.5


@dataclass(frozen=True)
class Protection:
    """What to hide besides the faces found, in seconds from the clip's start."""

    # Spans where every frame is blurred whole: a face the detector missed.
    whole_frame: tuple[tuple[float, float], ...] = ()
    # Spans where the sound is silenced (already padded by the caller).
    mute: tuple[tuple[float, float], ...] = ()


@dataclass
class BlurReport:
    """What protecting one clip did, and where its time went (seconds)."""

    frames: int = 0
    frames_with_faces: int = 0  # frames with at least one box blurred
    frames_whole: int = 0  # frames blurred whole (Protection.whole_frame)
    detections: int = 0  # frames the detector ran on
    seconds: float = 0.0  # wall time of the whole run
    detect_seconds: float = 0.0  # the detector (this process)
    blur_seconds: float = 0.0  # the mosaics (this process)
    decode_wait_seconds: float = 0.0  # waiting for the decoder's next frame
    encode_wait_seconds: float = 0.0  # waiting for the encoder to take a frame, and to finish
    # CPU seconds of each ffmpeg: its own cores' share of the work (Linux; else 0).
    decode_cpu_seconds: float = 0.0
    encode_cpu_seconds: float = 0.0


@dataclass(frozen=True)
class _Video:
    width: int  # even, as displayed
    height: int
    rate: Fraction
    duration: float


def protect(
    source: Path,
    target: Path,
    *,
    protection: Protection,
    progress: Callable[[float], None] | None = None,
    frame_step: int = FRAME_STEP,
    threads: int = 2,
    detector: FaceDetector | None = None,
) -> BlurReport:
    """Write `source`'s protected copy to `target`: MP4 (H.264 yuv420p, AAC, faststart) when
    it has video, M4A (AAC in MP4) when it is sound alone. Raises MediaError if ffmpeg
    fails or takes too long; `progress` gets the fraction done as frames go (it may raise to
    stop the run: the ffmpeg processes are killed)."""
    if frame_step < 1 or threads < 1:
        raise ValueError("frame_step and threads must be at least 1")
    started = time.perf_counter()
    info = probe(source)
    with tempfile.TemporaryDirectory(prefix="protect-") as scratch:
        audio = _audio_options(protection.mute, Path(scratch), copy=info.audio_codec == "aac")
        if info.has_video:
            video = _video_of(source, info.duration)
            run = _Run(video, threads, progress)
            report = run.protect(
                _decoder(source, video, threads),
                _encoder(source, target, video, audio, threads),
                detector or FaceDetector(threads=threads),
                _merged(protection.whole_frame),
                frame_step,
            )
        else:
            report = BlurReport()
            opts = {"format": "mp4", "movflags": "+faststart", "threads": threads, **audio}
            out = ffmpeg.input(str(source))["a:0"].output(str(target), **opts)
            media.run_ffmpeg(out.overwrite_output(), info.duration, progress)
    report.seconds = time.perf_counter() - started
    return report


# Sound --------------------------------------------------------------------------------------


def _audio_options(
    spans: tuple[tuple[float, float], ...], scratch: Path, *, copy: bool
) -> dict[str, str]:
    """ffmpeg's output options for the sound: copied (AAC, nothing to mute) or AAC silenced
    over the spans. The filter is read from a file: a clip may have any number of spans."""
    merged = _merged(spans)
    if not merged:
        return {"c:a": "copy"} if copy else dict(_AAC)
    # `t` is the start of a chunk of 10 ms at 48 kHz (at most 30 ms at 16 kHz): a span
    # starts a chunk early so that none of it is heard.
    terms = [f"between(t,{max(0.0, a - 0.03):.3f},{b + 0.0005:.3f})" for a, b in merged]
    script = scratch / "mute.af"
    script.write_text(f"asetnsamples=n=480:p=0,volume=volume=0:enable='{_any(terms)}'\n")
    return {"filter_script:a": str(script), **_AAC}


_AAC = {"c:a": "aac", "b:a": "128k", "ac": "2"}


def _merged(spans: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    """The spans in order, overlapping ones joined, empty ones gone."""
    out: list[tuple[float, float]] = []
    for start, end in sorted((max(0.0, a), b) for a, b in spans if b > max(0.0, a)):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _any(terms: list[str]) -> str:
    """The terms' sum nested in halves: ffmpeg evaluates a sum recursively, so a flat sum of
    thousands of spans would go thousands of calls deep."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_any(terms[:half])}+{_any(terms[half:])})"


# Video --------------------------------------------------------------------------------------


def _video_of(source: Path, duration: float) -> _Video:
    """Size as displayed (a phone's rotation applied; even) and frame rate of the video."""
    args = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
            "stream=width,height,avg_frame_rate,r_frame_rate:stream_side_data=rotation",
            "-of", "json", str(source)]  # fmt: skip
    try:
        done = subprocess.run(args, capture_output=True, timeout=60, check=True)
        stream = json.loads(done.stdout)["streams"][0]
        width, height = int(stream["width"]), int(stream["height"])
    except (subprocess.SubprocessError, OSError, ValueError, LookupError) as exc:
        raise MediaError("corrupt", f"ffprobe: {type(exc).__name__}") from exc
    turns = [side.get("rotation") or 0 for side in stream.get("side_data_list", [])]
    if any(abs(int(turn)) % 180 == 90 for turn in turns):
        width, height = height, width
    return _Video(max(2, width // 2 * 2), max(2, height // 2 * 2), _frame_rate(stream), duration)


def _frame_rate(stream: dict[str, str]) -> Fraction:
    """The mean rate, else the base rate, else 25 (a browser's WebM may give 1000/1, its
    time base, as its base rate)."""
    for key in ("avg_frame_rate", "r_frame_rate"):
        with contextlib.suppress(ValueError, ZeroDivisionError):
            rate = Fraction(stream.get(key) or "0/1")
            if 1 <= rate <= 120:
                return rate
    return Fraction(25)


def _decoder(source: Path, video: _Video, threads: int) -> list[str]:
    """Raw RGB frames at a constant rate from the clip's start, sized as `video` says."""
    return ["ffmpeg", "-nostdin", "-v", "error", "-threads", str(threads), "-i", str(source),
            "-map", "0:v:0", "-vf", f"scale={video.width}:{video.height}",
            "-fps_mode", "cfr", "-r", str(video.rate), "-f", "rawvideo", "-pix_fmt", "rgb24",
            "pipe:1"]  # fmt: skip


def _encoder(
    source: Path, target: Path, video: _Video, audio: dict[str, str], threads: int
) -> list[str]:
    """H.264 from raw frames on stdin, with the clip's (muted) sound, as the clips are made."""
    sound = [arg for key, value in audio.items() for arg in (f"-{key}", value)]
    return ["ffmpeg", "-nostdin", "-v", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{video.width}x{video.height}",
            "-framerate", str(video.rate), "-i", "pipe:0", "-i", str(source),
            "-map", "0:v:0", "-map", "1:a:0", *_H264, "-threads", str(threads), *sound,
            "-movflags", "+faststart", "-f", "mp4", str(target)]  # fmt: skip


_H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]


class _Run:
    """One video's frames from the decoder, through the detector and the mosaics, into the
    encoder; both ffmpeg processes killed if anything goes wrong."""

    def __init__(
        self, video: _Video, threads: int, progress: Callable[[float], None] | None
    ) -> None:
        self.video = video
        self.progress = progress
        self.report = BlurReport()
        self.limit = media.ffmpeg_timeout(video.duration)
        self.deadline = time.monotonic() + self.limit
        self.frame_bytes = video.width * video.height * 3
        self.timed_out = False

    def protect(
        self,
        decoder: list[str],
        encoder: list[str],
        detector: FaceDetector,
        whole: list[tuple[float, float]],
        step: int,
    ) -> BlurReport:
        self.decoder = Piped(decoder, reads=True)
        self.encoder = Piped(encoder, reads=False)
        # Past the deadline both are killed: a pipe that never ends cannot hold the job.
        watchdog = threading.Timer(self.limit, self._time_out)
        watchdog.daemon = True
        watchdog.start()
        try:
            self._frames(detector, whole, step)
            assert self.encoder.proc.stdin is not None
            waited = time.perf_counter()
            self.encoder.proc.stdin.close()
            self.report.encode_cpu_seconds = self.encoder.finish(self.deadline)
            self.report.encode_wait_seconds += time.perf_counter() - waited
            self.report.decode_cpu_seconds = self.decoder.finish(self.deadline)
        except BaseException:
            self.decoder.kill()
            self.encoder.kill()
            if self.timed_out:
                raise MediaError("timeout", f"protecting over {self.limit:.0f} s") from None
            raise
        finally:
            watchdog.cancel()
        if self.report.frames == 0:
            raise MediaError("corrupt", "no video frame could be decoded")
        return self.report

    def _time_out(self) -> None:
        self.timed_out = True
        self.decoder.kill()
        self.encoder.kill()

    def _frames(self, detector: FaceDetector, whole: list[tuple[float, float]], step: int) -> None:
        found: dict[int, list[Box]] = {}
        waiting: deque[tuple[int, np.ndarray]] = deque()
        hold = step * HOLD_STEPS
        expected = max(1.0, self.video.duration * float(self.video.rate))
        reported = -math.inf  # the first frame reports: a caller may stop the run at once
        for index, frame in self._decoded():
            if index % step == 0:
                found[index] = self._detect(detector, frame)
            waiting.append((index, frame))
            # A frame goes once every detection within `2 * hold` of it is in.
            while waiting and waiting[0][0] + 2 * hold <= max(found):
                self._send(*waiting.popleft(), found, hold, whole)
            oldest = (waiting[0][0] if waiting else index + 1) - 2 * hold  # still needed
            for old in [at for at in found if at < oldest]:
                del found[old]
            if self.progress is not None and time.monotonic() - reported > _PROGRESS_SECONDS:
                reported = time.monotonic()
                self.progress(min(index / expected, 1.0))
        if waiting and waiting[-1][0] not in found:  # the last frame: a face coming in
            found[waiting[-1][0]] = self._detect(detector, waiting[-1][1])
        while waiting:
            self._send(*waiting.popleft(), found, hold, whole)

    def _detect(self, detector: FaceDetector, frame: np.ndarray) -> list[Box]:
        began = time.perf_counter()
        boxes = detector.detect(frame)
        self.report.detect_seconds += time.perf_counter() - began
        self.report.detections += 1
        return boxes

    def _send(
        self,
        index: int,
        frame: np.ndarray,
        found: dict[int, list[Box]],
        hold: int,
        whole: list[tuple[float, float]],
    ) -> None:
        began = time.perf_counter()
        start, end = index / float(self.video.rate), (index + 1) / float(self.video.rate)
        if any(a < end - 1e-6 and start <= b + 1e-6 for a, b in whole):
            blur_whole(frame)
            self.report.frames_whole += 1
        elif boxes := boxes_at(index, found, hold):
            blur_faces(frame, boxes)
            self.report.frames_with_faces += 1
        sent = time.perf_counter()
        self.report.blur_seconds += sent - began
        assert self.encoder.proc.stdin is not None
        try:
            self.encoder.proc.stdin.write(frame.data)
        except BrokenPipeError:
            self.encoder.finish(self.deadline)
            raise MediaError("corrupt", "the encoder stopped") from None
        self.report.encode_wait_seconds += time.perf_counter() - sent
        self.report.frames += 1

    def _decoded(self) -> Iterator[tuple[int, np.ndarray]]:
        """Each whole frame the decoder gives, numbered from 0, writable."""
        stdout = cast(io.FileIO, self.decoder.proc.stdout)  # unbuffered: bufsize=0
        for index in range(sys.maxsize):
            began = time.perf_counter()
            buffer = bytearray(self.frame_bytes)
            view, got = memoryview(buffer), 0
            while got < self.frame_bytes and (n := stdout.readinto(view[got:])):
                got += n
            self.report.decode_wait_seconds += time.perf_counter() - began
            if got < self.frame_bytes:
                return
            shape = (self.video.height, self.video.width, 3)
            yield index, np.frombuffer(buffer, dtype=np.uint8).reshape(shape)
