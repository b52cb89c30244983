"""Test videos with a face in them, made from the astronaut photograph scikit-image ships,
and what the blurring's tests and bench look at in them (tests/test_blurring.py,
bench/blur.py).

A scene pastes the face (an oval cut out of the photograph, its edge feathered) onto a
brick wall, moved, scaled, turned, twice, in and out of the picture, in low light with
noise, swung fast, small and far, or going away, and knows where the face is in every frame
(`Video.truth`). The sound is a 440 Hz sine, so silence and sound are plain in the decoded
samples.

The checks: scikit-image's LBP cascade (OpenCV's frontal-face model) as a detector
independent of the one that blurs; the detail left in each true face (`face_detail`).
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Rect = tuple[float, float, float, float]  # left, top, right, bottom

# The astronaut's face in the photograph (CenterFace's box, rounded), and the piece cut out.
_CUT = (135, 5, 315, 230)
_FACE_IN_CUT: Rect = (181 - 135, 58 - 5, 270 - 135, 178 - 5)
TONE_HZ = 440
SAMPLE_RATE = 48000
SCENES = (
    "moving", "scaling", "turning", "two_faces", "in_and_out", "low_light", "fast", "far", "tiny",
)  # fmt: skip


@dataclass
class Video:
    path: Path
    size: tuple[int, int]  # width, height
    fps: int
    truth: list[list[Rect]]  # per frame, each face's box (may reach outside the picture)

    @property
    def frames(self) -> int:
        return len(self.truth)


@functools.cache
def _face() -> Image.Image:
    """The cut-out as RGBA: an oval around face and hair, its edge feathered."""
    from skimage import data

    x1, y1, x2, y2 = _CUT
    piece = Image.fromarray(data.astronaut()[y1:y2, x1:x2])
    mask = Image.new("L", piece.size, 0)
    ImageDraw.Draw(mask).ellipse((8, 4, piece.width - 8, piece.height - 4), fill=255)
    piece.putalpha(mask.filter(ImageFilter.GaussianBlur(6)))
    return piece


@functools.cache
def _wall(width: int, height: int) -> np.ndarray:
    """A warm brick wall, as a float RGB picture."""
    from skimage import data

    grey = np.asarray(Image.fromarray(data.brick()).resize((width, height)), dtype=np.float32)
    tint = np.array([1.0, 0.85, 0.7], dtype=np.float32)
    return 40 + grey[..., None] * tint * 0.7


def _place(
    frame: Image.Image, cx: float, cy: float, scale: float, angle: float, tint: bool
) -> Rect:
    """Paste the face centred on (cx, cy), `scale` times the cut-out's size, turned by
    `angle` degrees; returns the face's box (the turned box's bounding box)."""
    face = _face()
    if tint:  # a second person: mirrored and paler
        face = face.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        rgb = np.asarray(face.convert("RGB"), dtype=np.float32) * 0.8 + 45
        face = Image.fromarray(rgb.astype(np.uint8)).convert("RGBA")
        face.putalpha(_face().getchannel("A").transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    w, h = round(face.width * scale), round(face.height * scale)
    face = face.resize((w, h), Image.Resampling.LANCZOS)
    fx1, fy1, fx2, fy2 = (v * scale for v in _FACE_IN_CUT)
    if tint:
        fx1, fx2 = w - fx2, w - fx1
    corners = np.array([[fx1, fy1], [fx2, fy1], [fx1, fy2], [fx2, fy2]]) - [w / 2, h / 2]
    if angle:
        face = face.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        rad = np.radians(angle)  # PIL turns counter-clockwise; y points down
        turn = np.array([[np.cos(rad), np.sin(rad)], [-np.sin(rad), np.cos(rad)]])
        corners = corners @ turn.T
    left, top = round(cx - face.width / 2), round(cy - face.height / 2)
    layer = Image.new("RGBA", frame.size, (0, 0, 0, 0))  # pasted: it may stick out
    layer.paste(face, (left, top))
    frame.alpha_composite(layer)
    xs, ys = corners[:, 0] + cx, corners[:, 1] + cy
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _poses(scene: str, t: float, at: float, width: int, height: int) -> list[tuple[float, ...]]:
    """(cx, cy, scale, angle, tint) of each face `t` of the way through the scene (0 to 1),
    `at` seconds from its start."""
    base = height / 360
    wave = np.sin(2 * np.pi * t)
    if scene == "moving":
        return [(width * (0.2 + 0.6 * t), height * (0.5 + 0.12 * wave), 0.75 * base, 0, 0)]
    if scene == "scaling":
        return [
            (
                width * 0.5,
                height * 0.5,
                base * (0.4 + 0.9 * (0.5 - 0.5 * np.cos(2 * np.pi * t))),
                0,
                0,
            )
        ]
    if scene == "turning":
        return [(width * 0.5, height * 0.5, 0.8 * base, 30 * wave, 0)]
    if scene == "two_faces":
        return [
            (width * (0.28 + 0.06 * wave), height * 0.5, 0.7 * base, 0, 0),
            (width * (0.72 - 0.06 * wave), height * 0.55, 0.6 * base, 10 * wave, 1),
        ]
    if scene == "in_and_out":  # from beyond the left edge to beyond the right
        return [(width * (-0.15 + 1.3 * t), height * 0.5, 0.75 * base, 0, 0)]
    if scene == "low_light":
        return [(width * (0.3 + 0.4 * t), height * 0.5, 0.7 * base, 0, 0)]
    if scene == "fast":  # side to side every 1.5 s: up to 670 px/s (27 px a frame) at 360p
        return [
            (width * (0.5 + 0.25 * np.sin(2 * np.pi * at / 1.5)), height * 0.5, 0.7 * base, 0, 0)
        ]
    if scene == "far":  # two small faces (27x36 px at 360p) walking past each other
        return [
            (width * (0.2 + 0.6 * t), height * 0.4, 0.3 * base, 0, 0),
            (width * (0.8 - 0.6 * t), height * 0.6, 0.3 * base, 0, 1),
        ]
    if scene == "tiny":  # going away: from 32 to 14 px wide at 360p, past what is found
        return [(width * 0.5, height * 0.5, base * (0.36 - 0.2 * t), 0, 0)]
    raise ValueError(scene)


def frames_of(
    scene: str, width: int, height: int, count: int, fps: int = 25
) -> Iterator[tuple[np.ndarray, list[Rect]]]:
    """Each frame of the scene as RGB uint8 and the boxes of the faces in it."""
    wall = _wall(width, height)
    rng = np.random.default_rng(7)
    for i in range(count):
        frame = Image.fromarray(wall.astype(np.uint8)).convert("RGBA")
        boxes = [
            _place(frame, cx, cy, s, a, bool(tint))
            for cx, cy, s, a, tint in _poses(scene, i / count, i / fps, width, height)
        ]
        rgb = np.asarray(frame.convert("RGB"))
        if scene == "low_light":
            noisy = rgb * 0.35 + rng.normal(0, 10, rgb.shape)
            rgb = np.clip(noisy, 0, 255).astype(np.uint8)
        yield rgb, boxes


def make_video(
    path: Path, scene: str, *, seconds: float = 3.0, size: tuple[int, int] = (640, 360),
    fps: int = 25,
) -> Video:  # fmt: skip
    """An H.264/AAC MP4 (or VP8/Opus WebM, by the suffix) of the scene, with a sine tone."""
    width, height = size
    count = round(seconds * fps)
    webm = "-c:v libvpx -b:v 1M -deadline realtime -cpu-used 8 -c:a libopus"
    mp4 = "-c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac"
    args = [
        *_FFMPEG, "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
        "-r", str(fps), "-i", "pipe:0", "-f", "lavfi", "-i", _TONE, "-map", "0:v", "-map", "1:a",
        "-t", f"{count / fps:.3f}", *(webm if path.suffix == ".webm" else mp4).split(), str(path),
    ]  # fmt: skip
    truth = []
    with subprocess.Popen(args, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for rgb, boxes in frames_of(scene, width, height, count, fps):
            proc.stdin.write(rgb.tobytes())
            truth.append(boxes)
        proc.stdin.close()
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg could not make {path}")
    return Video(path, size, fps, truth)


_FFMPEG = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
_TONE = f"sine=frequency={TONE_HZ}:sample_rate={SAMPLE_RATE}"


def make_sound(path: Path, seconds: float = 3.0) -> None:
    """Sound alone: the sine tone as M4A/AAC."""
    args = [*_FFMPEG, "-f", "lavfi", "-i", _TONE, "-t", str(seconds), "-c:a", "aac", str(path)]
    subprocess.run(args, check=True)


# Reading back -------------------------------------------------------------------------------


def decoded_frames(path: Path, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """A video's frames as RGB uint8, one by one."""
    width, height = size
    args = [*_FFMPEG, "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    with subprocess.Popen(args, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(width * height * 3):
            yield np.frombuffer(chunk, dtype=np.uint8).reshape(height, width, 3)


def samples(path: Path) -> np.ndarray:
    """The sound as mono float samples at SAMPLE_RATE."""
    args = [*_FFMPEG, "-i", str(path), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le"]
    out = subprocess.run([*args, "pipe:1"], check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32)


def rms(sound: np.ndarray, start: float, end: float) -> float:
    """Root mean square of the samples from `start` to `end` seconds (a full-scale sine
    is 0.71; ffmpeg's default sine 0.088)."""
    part = sound[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(np.square(part, dtype=np.float64)))) if len(part) else 0.0


def streams(path: Path) -> dict[str, dict]:
    """ffprobe's streams by type (the first of each; frames counted) and its format."""
    args = ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format"]
    out = subprocess.run([*args, "-of", "json", str(path)], check=True, capture_output=True)
    data = json.loads(out.stdout)
    found = {"format": data["format"]}
    for stream in data["streams"]:
        found.setdefault(stream["codec_type"], stream)
    return found


# The checks ---------------------------------------------------------------------------------


@functools.cache
def _cascade() -> object:
    from skimage import data, feature

    return feature.Cascade(data.lbp_frontal_face_cascade_filename())


def cascade_finds(frame: np.ndarray, box: Rect) -> bool:
    """Whether the LBP cascade (its own model: nothing of CenterFace) finds this true face:
    a detection 0.6 to 1.6 times its width, centred in its box. It looks around the box
    only (the whole frame takes it ~150 ms), and it must be found at 3 neighbouring
    positions or scales: at 1 or 2 the cascade also takes a plain square on the brick wall
    for a face."""
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * 0.6, (y2 - y1) * 0.6
    left, top = max(0, round(x1 - dx)), max(0, round(y1 - dy))
    right, bottom = min(width, round(x2 + dx)), min(height, round(y2 + dy))
    if right - left < 40 or bottom - top < 40:
        return False
    piece = Image.fromarray(frame[top:bottom, left:right]).convert("L")
    smallest = max(24, round(0.6 * (x2 - x1)))
    largest = max(smallest, min(bottom - top, right - left, round(1.6 * (x2 - x1))))
    found = _cascade().detect_multi_scale(  # type: ignore[attr-defined]
        img=np.asarray(piece, dtype=np.float64) / 255, scale_factor=1.1, step_ratio=1,
        min_size=(smallest, smallest), max_size=(largest, largest), min_neighbor_number=3,
    )  # fmt: skip
    for hit in found:
        cx, cy = left + hit["c"] + hit["width"] / 2, top + hit["r"] + hit["height"] / 2
        if x1 <= cx <= x2 and y1 <= cy <= y2:
            return True
    return False


def _high_pass(grey: np.ndarray) -> np.ndarray:
    """Each pixel less its 5x5 neighbours' mean: the detail a blur takes away."""
    pad = np.pad(grey, 2, mode="edge")
    h, w = grey.shape
    return grey - sum(pad[dy : dy + h, dx : dx + w] for dy in range(5) for dx in range(5)) / 25


def face_detail(source: np.ndarray, output: np.ndarray, box: Rect, cells: int = 3) -> float | None:
    """How much of a face's detail the output kept, at most over its parts: the face's inner
    box (eyes, nose, mouth: 15 % off each side) in `cells` x `cells` parts; in each part
    with detail in the source, how much of the source's fine detail (high-pass) is in the
    output's: their product over the larger of the two energies (a correlation that also
    falls when the output has much less detail, or much more). Left sharp: about 0.8-1
    (the encoding loses some); blurred: about 0, whatever grain or mosaic edges the output
    has (they are not the face's). None if less than half the inner box is in the
    picture."""
    height, width = source.shape[:2]
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * 0.15, (y2 - y1) * 0.15
    ix1, iy1, ix2, iy2 = x1 + dx, y1 + dy, x2 - dx, y2 - dy
    cx1, cy1 = max(0, round(ix1)), max(0, round(iy1))
    cx2, cy2 = min(width, round(ix2)), min(height, round(iy2))
    inside = (cx2 - cx1) * (cy2 - cy1)
    if inside < 0.5 * (ix2 - ix1) * (iy2 - iy1) or min(cx2 - cx1, cy2 - cy1) < 8:
        return None
    cells = cells if min(cx2 - cx1, cy2 - cy1) >= 24 else 1  # a small face as one part
    luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    hp_src = _high_pass(source[cy1:cy2, cx1:cx2].astype(np.float32) @ luma)
    hp_out = _high_pass(output[cy1:cy2, cx1:cx2].astype(np.float32) @ luma)
    kept = 0.0
    for r in np.array_split(np.arange(hp_src.shape[0]), cells):
        for c in np.array_split(np.arange(hp_src.shape[1]), cells):
            src, out = hp_src[np.ix_(r, c)].ravel(), hp_out[np.ix_(r, c)].ravel()
            if float(np.mean(src * src)) > 4.0:  # some detail: 2 grey levels on average
                energy = max(float(np.sum(src * src)), float(np.sum(out * out)))
                kept = max(kept, float(np.sum(src * out)) / energy)
    return kept
