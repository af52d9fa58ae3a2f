"""Visual signals from one streamed decode: faces, centring, motion, gesture, engagement.

ffmpeg decodes the video once at a low sample rate (1 fps, 384 px wide, gray, by default;
frames no other frame refers to are not decoded at all) and hands frames over a pipe, so
memory stays flat whatever the length. Faces come from OpenCV's Haar cascade
``frontalface_alt2`` (weights ship with opencv-python-headless; a few tens of milliseconds a
frame on one core, about as much as the decode); motion is dense optical flow between
consecutive samples, computed at 160 px wide.

Engagement, in one sentence: the share of the last few seconds in which a face is visible,
weighted up by gesture activity (motion around and below the face), on a 0-1 scale.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np

from analysis import ffmpeg_input
from analysis.errors import Cancelled


@dataclass
class VisualOptions:
    """Attributes:
    sample_fps: Frames analysed per second of video.
    width: Width frames are scaled to for analysis (height keeps the aspect).
    min_face_frac: Smallest face to detect, as a share of the frame height.
    engagement_window_s: Window over which engagement averages presence and gesture.
    flow_width: Width at which optical flow is computed.
    threads: ffmpeg decoder threads (0 lets ffmpeg choose).
    """

    sample_fps: float = 1.0
    width: int = 384
    min_face_frac: float = 0.08
    engagement_window_s: float = 4.0
    flow_width: int = 160
    threads: int = 1


@dataclass
class Face:
    x: int  # source-frame pixels, top-left origin
    y: int
    w: int
    h: int
    score: float


@dataclass
class Sample:
    t: float
    faces: list[Face] = field(default_factory=list)
    centre_offset: float | None = None  # main face centre from frame centre / half diagonal
    motion: float = 0.0  # mean optical-flow magnitude over the frame, px per sample at flow_width
    gesture: float = 0.0  # the same in the region around and below the main face
    engagement: float = 0.0


@dataclass
class Visual:
    frame_size: tuple[int, int] | None
    sample_fps: float
    samples: list[Sample]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        faces = [s for s in self.samples if s.faces]
        return {
            "frame_size": list(self.frame_size) if self.frame_size else None,
            "sample_fps": self.sample_fps,
            "face_presence": round(len(faces) / len(self.samples), 3) if self.samples else None,
            "mean_engagement": round(float(np.mean([s.engagement for s in self.samples])), 3) if self.samples else None,
            "detector": "opencv-haar-frontalface-alt2",
            "engagement": "share of the last few seconds with a face visible, weighted up by gesture activity (0-1)",
            "samples": [asdict(s) for s in self.samples],
        }


def analyse(
    path: str | os.PathLike,
    frame_size: tuple[int, int] | None,
    options: VisualOptions | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Visual:
    """Sample the video and measure faces and motion.

    Args:
      path: Local media file.
      frame_size: Display size (width, height) of the source after rotation, or None for audio.
    Returns:
      Samples in time order; empty with a note when there is no video.
    """
    options = options or VisualOptions()
    if frame_size is None:
        return Visual(None, options.sample_fps, [], ["No video stream: visual signals were skipped."])
    import cv2

    cv2.setNumThreads(1)  # leave the other core to ffmpeg and the audio branch
    width = min(options.width, frame_size[0]) // 2 * 2
    height = max(2, round(frame_size[1] * width / frame_size[0] / 2) * 2)
    flow_size = (options.flow_width, max(2, round(height * options.flow_width / width)))
    flow_scale = frame_size[0] / flow_size[0]
    samples: list[Sample] = []
    previous = None
    for i, gray in enumerate(_frames(path, width, height, options)):
        if should_cancel and i % 20 == 0 and should_cancel():
            raise Cancelled()
        faces = detect_faces(gray, frame_size, options)
        sample = Sample(t=round(i / options.sample_fps, 3), faces=faces)
        sample.centre_offset = main_face_offset(faces, frame_size)
        small = cv2.resize(gray, flow_size, interpolation=cv2.INTER_AREA)
        if previous is not None:
            flow = cv2.calcOpticalFlowFarneback(previous, small, None, 0.5, 2, 9, 2, 5, 1.1, 0)
            magnitude = np.linalg.norm(flow, axis=2)
            sample.motion = round(float(magnitude.mean()), 3)
            if faces:
                main = max(faces, key=lambda f: f.w * f.h)
                sample.gesture = round(float(_gesture_region(magnitude, main, flow_scale).mean()), 3)
        previous = small
        samples.append(sample)
    _engagement(samples, options)
    notes = [] if samples else ["The video could not be sampled: visual signals are empty."]
    if samples and not any(s.faces for s in samples):
        notes.append("No face was found in the video.")
    return Visual(frame_size, options.sample_fps, samples, notes)


_per_thread = threading.local()


def _cascade():
    """One detector per thread: a cascade classifier must not be shared across threads."""
    if not hasattr(_per_thread, "cascade"):
        import cv2

        _per_thread.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
    return _per_thread.cascade


def _frames(path, width: int, height: int, options: VisualOptions) -> Iterator[np.ndarray]:
    """Grayscale frames at ``options.sample_fps``; ffmpeg honours rotation metadata by default.

    Frames no other frame refers to (most B-frames) are not decoded at all: sampling one
    frame a second does not need them, and skipping them cuts the decode by about 40 %.
    """
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-threads", str(options.threads), "-skip_frame", "noref",
        *ffmpeg_input.input_args(path, demuxer=ffmpeg_input.family(path)),
        "-map", "0:v:0", "-vf", f"fps={options.sample_fps},scale={width}:{height}",
        "-pix_fmt", "gray", "-f", "rawvideo", "-",
    ]  # fmt: skip
    size = width * height
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield np.frombuffer(buf, np.uint8).reshape(height, width)
    finally:
        proc.kill()
        proc.wait()


def detect_faces(gray: np.ndarray, frame_size: tuple[int, int], options: VisualOptions | None = None) -> list[Face]:
    """Faces in one grayscale frame scaled down from ``frame_size``; boxes in source pixels."""
    options = options or VisualOptions()
    min_side = max(12, int(options.min_face_frac * gray.shape[0]))
    return _faces(_cascade(), gray, min_side, frame_size[0] / gray.shape[1])


def main_face_offset(faces: list[Face], frame_size: tuple[int, int]) -> float | None:
    """Centre offset of the largest face, or None when there is none."""
    if not faces:
        return None
    return round(_offset(max(faces, key=lambda f: f.w * f.h), frame_size), 4)


def _faces(detector, gray: np.ndarray, min_side: int, scale: float) -> list[Face]:
    boxes, neighbours = detector.detectMultiScale2(gray, scaleFactor=1.3, minNeighbors=5, minSize=(min_side, min_side))
    faces = []
    for (x, y, w, h), n in zip(boxes, np.ravel(neighbours), strict=False):
        # Score: how many overlapping raw detections back the box (5 at least), mapped to 0-1.
        score = 1 - np.exp(-float(n) / 10)
        faces.append(Face(int(x * scale), int(y * scale), int(w * scale), int(h * scale), round(score, 3)))
    return faces


def _offset(face: Face, frame_size: tuple[int, int]) -> float:
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    half_diagonal = np.hypot(*frame_size) / 2
    return float(np.hypot(cx - frame_size[0] / 2, cy - frame_size[1] / 2) / half_diagonal)


def _gesture_region(magnitude: np.ndarray, face: Face, scale: float) -> np.ndarray:
    """Flow around and below the face: hands and arms while talking."""
    x, y, w, h = (int(v / scale) for v in (face.x, face.y, face.w, face.h))
    x0, x1 = max(0, x - w), min(magnitude.shape[1], x + 2 * w)
    y0, y1 = max(0, y), min(magnitude.shape[0], y + 3 * h)
    region = magnitude[y0:y1, x0:x1]
    return region if region.size else np.zeros(1)


def _engagement(samples: list[Sample], options: VisualOptions) -> None:
    if not samples:
        return
    n = max(1, int(options.engagement_window_s * options.sample_fps))
    present = np.array([1.0 if s.faces else 0.0 for s in samples])
    gesture = np.array([s.gesture for s in samples])
    scale = np.percentile(gesture[gesture > 0], 90) if np.any(gesture > 0) else 1.0
    activity = np.clip(gesture / max(scale, 1e-6), 0, 1)
    kernel = np.ones(n) / n
    presence = np.convolve(present, kernel)[: len(samples)]
    active = np.convolve(activity, kernel)[: len(samples)]
    for s, p, a in zip(samples, presence, active, strict=True):
        s.engagement = round(float(p * (0.6 + 0.4 * a)), 3)


def summarise(samples: list[Sample], start: float, end: float) -> dict:
    """Mean motion, gesture and engagement in [start, end) (for questions and highlights)."""
    inside = [s for s in samples if start <= s.t < end]
    if not inside:
        return {"motion": None, "gesture": None, "engagement": None, "face_presence": None}
    return {
        "motion": round(float(np.mean([s.motion for s in inside])), 3),
        "gesture": round(float(np.mean([s.gesture for s in inside])), 3),
        "engagement": round(float(np.mean([s.engagement for s in inside])), 3),
        "face_presence": round(sum(bool(s.faces) for s in inside) / len(inside), 3),
    }
