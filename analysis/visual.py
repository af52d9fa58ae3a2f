"""Visual signals from one streamed decode: faces, centring, motion, gesture, engagement.

ffmpeg decodes the video once at a low sample rate (1 fps, 384 px wide, RGB, by default;
frames no other frame refers to are not decoded at all) and hands frames over a pipe one at
a time, so memory stays flat whatever the length. Faces come from MediaPipe's BlazeFace
(``analysis.faces``: two square windows with the full-range model and the whole frame with
the short-range one, about 8 ms a frame on one core) and are tracked from sample to sample,
so the followed face (the teacher) stays the same person: it is listed first in a sample's
``faces`` and gives ``centre_offset``. Motion is dense optical flow between consecutive
samples, computed on gray frames 160 px wide. OpenCV's Haar cascade, the detector used
before, stays available as ``detector="haar"`` for comparison.

Engagement, in one sentence: the share of the last few seconds in which a face is visible,
weighted up by gesture activity (motion around and below the followed face), on a 0-1 scale.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np

from analysis import faces as face_detection
from analysis import ffmpeg_input
from analysis.errors import Cancelled
from analysis.face_tracking import Tracker, TrackOptions
from analysis.faces import Face, FaceOptions


@dataclass
class VisualOptions:
    """Attributes:
    sample_fps: Frames analysed per second of video.
    width: Width frames are scaled to for analysis (height keeps the aspect).
    detector: ``blazeface``, or ``haar`` (OpenCV's cascade, used before; for comparison).
    faces: BlazeFace options.
    tracking: How faces are followed from sample to sample.
    min_face_frac: Smallest face the Haar cascade looks for, as a share of the frame height.
    engagement_window_s: Window over which engagement averages presence and gesture.
    flow_width: Width at which optical flow is computed.
    threads: ffmpeg decoder threads (0 lets ffmpeg choose).
    """

    sample_fps: float = 1.0
    width: int = 384
    detector: str = "blazeface"
    faces: FaceOptions = field(default_factory=FaceOptions)
    tracking: TrackOptions = field(default_factory=TrackOptions)
    min_face_frac: float = 0.08
    engagement_window_s: float = 4.0
    flow_width: int = 160
    threads: int = 1


@dataclass
class Sample:
    t: float
    faces: list[Face] = field(default_factory=list)  # the followed face first, when seen
    centre_offset: float | None = None  # followed face centre from frame centre / half diagonal
    motion: float = 0.0  # mean optical-flow magnitude over the frame, px per sample at flow_width
    gesture: float = 0.0  # the same in the region around and below the followed face
    engagement: float = 0.0


@dataclass
class Visual:
    frame_size: tuple[int, int] | None
    sample_fps: float
    samples: list[Sample]
    notes: list[str] = field(default_factory=list)
    detector: str = field(default_factory=face_detection.detector_name)

    def to_dict(self) -> dict:
        faces = [s for s in self.samples if s.faces]
        return {
            "frame_size": list(self.frame_size) if self.frame_size else None,
            "sample_fps": self.sample_fps,
            "face_presence": round(len(faces) / len(self.samples), 3) if self.samples else None,
            "mean_engagement": round(float(np.mean([s.engagement for s in self.samples])), 3) if self.samples else None,
            "detector": self.detector,
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
    name = _detector_name(options)
    if frame_size is None:
        return Visual(None, options.sample_fps, [], ["No video stream: visual signals were skipped."], name)
    import cv2

    cv2.setNumThreads(1)  # leave the other core to ffmpeg and the audio branch
    width = min(options.width, frame_size[0]) // 2 * 2
    height = max(2, round(frame_size[1] * width / frame_size[0] / 2) * 2)
    flow_size = (options.flow_width, max(2, round(height * options.flow_width / width)))
    flow_scale = frame_size[0] / flow_size[0]
    samples: list[Sample] = []
    previous = None
    tracker = Tracker(options.tracking, options.sample_fps)
    for i, rgb in enumerate(_frames(path, width, height, options)):
        if should_cancel and i % 20 == 0 and should_cancel():
            raise Cancelled()
        found, main = tracker.update(detect_faces(rgb, frame_size, options))
        sample = Sample(t=round(i / options.sample_fps, 3), faces=found)
        sample.centre_offset = centre_offset(main, frame_size) if main else None
        small = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), flow_size, interpolation=cv2.INTER_AREA)
        if previous is not None:
            flow = cv2.calcOpticalFlowFarneback(previous, small, None, 0.5, 2, 9, 2, 5, 1.1, 0)
            magnitude = np.linalg.norm(flow, axis=2)
            sample.motion = round(float(magnitude.mean()), 3)
            if main:
                sample.gesture = round(float(_gesture_region(magnitude, main, flow_scale).mean()), 3)
        previous = small
        samples.append(sample)
    _engagement(samples, options)
    notes = [] if samples else ["The video could not be sampled: visual signals are empty."]
    if samples and not any(s.faces for s in samples):
        notes.append("No face was found in the video.")
    return Visual(frame_size, options.sample_fps, samples, notes, name)


def _detector_name(options: VisualOptions) -> str:
    return "opencv-haar-frontalface-alt2" if options.detector == "haar" else face_detection.detector_name(options.faces)


def model_info(options: VisualOptions | None = None) -> dict:
    """Name, weights, engine and device of the face detector, for the result's ``models``."""
    options = options or VisualOptions()
    if options.detector == "haar":
        return {
            "name": _detector_name(options),
            "weights": "opencv-python-headless",
            "engine": "opencv",
            "device": "cpu",
        }
    return face_detection.model_info(options.faces)


def _frames(path, width: int, height: int, options: VisualOptions) -> Iterator[np.ndarray]:
    """RGB frames (height, width, 3) at ``options.sample_fps``; ffmpeg honours rotation
    metadata by default. One frame is in memory at a time (about 250 kB at 384 x 216).

    Frames no other frame refers to (most B-frames) are not decoded at all: sampling one
    frame a second does not need them, and skipping them cuts the decode by about 40 %.
    Sample i is the last decoded frame at or before i / sample_fps (``round=up``; the fps
    filter's default rounding takes the frame just before the next half interval, which put
    every face about 0.4 s late against its sample time).
    """
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-threads", str(options.threads), "-skip_frame", "noref",
        *ffmpeg_input.input_args(path, demuxer=ffmpeg_input.family(path)),
        "-map", "0:v:0", "-vf", f"fps={options.sample_fps}:round=up,scale={width}:{height}",
        "-pix_fmt", "rgb24", "-f", "rawvideo", "-",
    ]  # fmt: skip
    size = width * height * 3
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield np.frombuffer(buf, np.uint8).reshape(height, width, 3)
    finally:
        proc.kill()
        proc.wait()


def detect_faces(rgb: np.ndarray, frame_size: tuple[int, int], options: VisualOptions | None = None) -> list[Face]:
    """Faces in one RGB frame scaled down from ``frame_size``; boxes in source pixels, untracked.

    With ``options.detector == "haar"`` the frame is turned gray for OpenCV's cascade.
    """
    options = options or VisualOptions()
    if options.detector == "haar":
        import cv2

        return detect_haar(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), frame_size, options.min_face_frac)
    if options.detector != "blazeface":
        raise ValueError(f"detector must be blazeface or haar, not {options.detector!r}")
    return face_detection.detect(rgb, frame_size, options.faces)


def followed_face(sample: Sample) -> Face | None:
    """The face the camera follows in ``sample`` (the teacher), or None where it is not seen.

    ``analyse`` lists it first and gives its ``centre_offset``; where the followed face is
    missed but others are seen, ``centre_offset`` is None and so is the answer. Faces that
    carry no track ids (samples built by hand) fall back to the largest face.
    """
    if not sample.faces:
        return None
    if all(f.track is None for f in sample.faces):
        return max(sample.faces, key=lambda f: f.w * f.h)
    return sample.faces[0] if sample.centre_offset is not None else None


_haar = threading.local()


def detect_haar(gray: np.ndarray, frame_size: tuple[int, int], min_face_frac: float = 0.08) -> list[Face]:
    """Faces by OpenCV's Haar cascade ``frontalface_alt2``, the detector used before BlazeFace.

    ``gray`` is a frame scaled down from ``frame_size``; faces under ``min_face_frac`` of its
    height are not looked for. The score maps how many overlapping raw detections back a box
    (5 at least), n, to 1 - e^(-n/10).
    """
    import cv2

    if not hasattr(_haar, "cascade"):  # a cascade classifier must not be shared across threads
        _haar.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
    min_side = max(12, int(min_face_frac * gray.shape[0]))
    boxes, neighbours = _haar.cascade.detectMultiScale2(
        gray, scaleFactor=1.3, minNeighbors=5, minSize=(min_side, min_side)
    )
    scale = frame_size[0] / gray.shape[1]
    found = []
    for (x, y, w, h), n in zip(boxes, np.ravel(neighbours), strict=False):
        score = round(1 - float(np.exp(-float(n) / 10)), 3)
        found.append(Face(int(x * scale), int(y * scale), int(w * scale), int(h * scale), score))
    return found


def centre_offset(face: Face, frame_size: tuple[int, int]) -> float:
    """Distance of the face's centre from the frame's centre over half the diagonal (0-1)."""
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    half_diagonal = np.hypot(*frame_size) / 2
    return round(float(np.hypot(cx - frame_size[0] / 2, cy - frame_size[1] / 2) / half_diagonal), 4)


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
