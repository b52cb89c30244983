"""Which parts of a frame to blur, and the blur: faces found on every n-th frame, carried to
the frames between, each made a smooth coarse mosaic.

A face found on one detection frame is blurred on every frame within `hold` frames of it,
before and after, and a face found on two detection frames up to `2 * hold` apart is also
blurred where it is between them (its box interpolated), also when a detection between
them missed it, and where it is going next (or came from) when no later (or earlier)
detection found it. So a face is never left sharp between two detections of it, nor when
the detector misses it now and then; a stale box over a wall for a fraction of a second
costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from workers.faces import Box

# Each side of a face's box grows by this share of its size: hair, ears, chin, and the
# face's movement between detections.
GROW = 0.4
# Two boxes on two detection frames are one face moving if their centres moved at most this
# many face sizes a frame (half a face a frame: a head turned quickly, a camera swung).
SPEED = 0.5
# A face's grown box becomes a smooth mosaic of this many blocks across (about one across
# the face itself), each at least MIN_BLOCK pixels; the whole frame (a face the detector
# missed) one of WHOLE_BLOCKS across (about 2 across a face a tenth of the frame's width).
# With 3 to 6 blocks a blurred head keeps its light face between darker hair and collar,
# which scikit-image's LBP face cascade still took for a face now and then (bench/blur.py).
BLOCKS = 2
MIN_BLOCK = 8
WHOLE_BLOCKS = 16


def boxes_at(frame: int, found: dict[int, list[Box]], hold: int) -> list[Box]:
    """The boxes to blur on `frame`, from the detections in `found` (detection frame -> the
    faces found there, for frames up to `2 * hold` either side): every face found within
    `hold` frames; and each face found on two detection frames within `2 * hold`, where it
    is now: interpolated between them (also across a detection that missed it), or carried
    on along its way for up to `hold` frames (where no later or earlier one found it, as at
    a clip's start)."""
    near = [b for at, boxes in found.items() if abs(at - frame) <= hold for b in boxes]
    window = sorted(at for at in found if abs(at - frame) <= 2 * hold)
    for i, first in enumerate(window):
        for then in window[i + 1 :]:
            if first - hold <= frame <= then + hold and frame not in (first, then):
                share = (frame - first) / (then - first)
                twins = pairs(found[first], found[then], then - first)
                near += [_between(a, b, share) for a, b in twins]
    return near


def _between(a: Box, b: Box, share: float) -> Box:
    return Box(*(u + (v - u) * share for u, v in zip(_coords(a), _coords(b), strict=True)))


def _coords(box: Box) -> tuple[float, float, float, float]:
    return box.x1, box.y1, box.x2, box.y2


def pairs(first: list[Box], second: list[Box], frames: int) -> list[tuple[Box, Box]]:
    """The same face on two detection frames `frames` apart: nearest centres first, if they
    moved no more than SPEED face sizes a frame (at least one) and kept about their size."""
    reach = max(1.0, SPEED * frames)
    scored = sorted(
        (_distance(a, b), i, j) for i, a in enumerate(first) for j, b in enumerate(second)
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for distance, i, j in scored:
        if distance > reach:
            break
        if i not in used_a and j not in used_b and _alike(first[i], second[j]):
            used_a.add(i)
            used_b.add(j)
            out.append((first[i], second[j]))
    return out


def _distance(a: Box, b: Box) -> float:
    """Centre to centre, in the larger box's size."""
    dx = (a.x1 + a.x2 - b.x1 - b.x2) / 2
    dy = (a.y1 + a.y2 - b.y1 - b.y2) / 2
    return math.hypot(dx, dy) / max(a.width, a.height, b.width, b.height, 1.0)


def _alike(a: Box, b: Box) -> bool:
    return 0.5 <= (a.width * a.height) / max(b.width * b.height, 1.0) <= 2.0


def blur_faces(frame: np.ndarray, boxes: Iterable[Box]) -> None:
    """Each box, grown (overlapping ones as one), as a smooth coarse mosaic, in place."""
    for x1, y1, x2, y2 in regions(boxes, frame.shape[1], frame.shape[0]):
        block = max(MIN_BLOCK, math.ceil(max(x2 - x1, y2 - y1) / BLOCKS))
        mosaic(frame[y1:y2, x1:x2], block)


def blur_whole(frame: np.ndarray) -> None:
    mosaic(frame, max(MIN_BLOCK, math.ceil(max(frame.shape[:2]) / WHOLE_BLOCKS)))


def regions(boxes: Iterable[Box], width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The grown boxes in whole pixels inside the frame, those that overlap joined into the
    rectangle around them (the boxes of one face held from several detections)."""
    out: list[tuple[int, int, int, int]] = []
    for box in boxes:
        grown = box.grown(GROW)
        rect = (max(0, math.floor(grown.x1)), max(0, math.floor(grown.y1)),
                min(width, math.ceil(grown.x2)), min(height, math.ceil(grown.y2)))  # fmt: skip
        if rect[2] <= rect[0] or rect[3] <= rect[1]:
            continue
        while overlapping := [r for r in out if _overlap(r, rect)]:
            out = [r for r in out if r not in overlapping]
            joined = [*overlapping, rect]
            rect = (min(r[0] for r in joined), min(r[1] for r in joined),
                    max(r[2] for r in joined), max(r[3] for r in joined))  # fmt: skip
        out.append(rect)
    return out


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def mosaic(region: np.ndarray, block: int) -> None:
    """The region (a view into the frame) replaced, in place, by the mean of each block of
    `block` x `block` pixels, spread smoothly (bilinear) over the region. Only those means
    are left of what was there: nothing to sharpen back."""
    height, width = region.shape[:2]
    rows, cols = np.arange(0, height, block), np.arange(0, width, block)
    sums = np.add.reduceat(np.add.reduceat(region, rows, axis=0, dtype=np.float32), cols, axis=1)
    counts = np.outer(np.diff(rows, append=height), np.diff(cols, append=width))
    means = (sums / counts[..., None]).astype(np.float32)
    # Bilinear between the block means: rows first, then columns (elementwise: no BLAS,
    # whose threads only get in the way on pieces this small).
    low, high, share = _spread(height, len(rows), block)
    rows_done = means[low] * (1 - share)[:, None, None] + means[high] * share[:, None, None]
    low, high, share = _spread(width, len(cols), block)
    smooth = rows_done[:, low] * (1 - share)[:, None] + rows_done[:, high] * share[:, None]
    region[:] = np.clip(smooth + 0.5, 0, 255)


def _spread(size: int, cells: int, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pixel along one side: the block means before and after it, and how far
    it is from the first to the second (0 to 1)."""
    at = np.clip((np.arange(size, dtype=np.float32) + 0.5) / block - 0.5, 0, cells - 1)
    low = at.astype(np.intp)
    return low, np.minimum(low + 1, cells - 1), at - low
