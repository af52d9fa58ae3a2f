"""Test scenes for the face benchmark, built from the boxed real photographs.

Faces are cut out of the photographs (with a feathered edge), pasted over a textured
background and moved along simple paths, and written as H.264 videos with the true box of
every face in every frame. ``bench/faces.py`` measures the detectors on them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
Box = tuple[float, float, float, float]  # x, y, w, h


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(a[2] * a[3] + b[2] * b[3] - inter, 1e-9)


@dataclass
class Cutout:
    """A face cut out of a photograph: BGR pixels, a feathered alpha, the face box inside."""

    image: np.ndarray
    alpha: np.ndarray
    box: Box
    source: str


def cut_faces(truth: list[dict], margin: float = 0.6) -> list[Cutout]:
    """Faces of 40 px or more whose surroundings (margin x width each side) hold no other box,
    largest first."""
    import cv2

    cutouts = []
    for item in truth:
        if "boxes" not in item:
            continue
        bgr = cv2.imread(str(REALDATA / item["file"]))
        boxes = [(b["x"], b["y"], b["w"], b["h"]) for b in item["boxes"]]
        for k, (x, y, w, h) in enumerate(boxes):
            m = int(margin * w)
            x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(bgr.shape[1], x + w + m), min(bgr.shape[0], y + h + m)
            region = (x0, y0, x1 - x0, y1 - y0)
            crowded = any(iou(region, b) > 0 for j, b in enumerate(boxes) if j != k)
            if w < 40 or crowded:
                continue
            patch = bgr[y0:y1, x0:x1]
            yy, xx = np.mgrid[0 : patch.shape[0], 0 : patch.shape[1]].astype(np.float32)
            cx, cy = x - x0 + w / 2, y - y0 + h / 2
            r = ((xx - cx) / (0.5 * w + 0.8 * m)) ** 2 + ((yy - cy) / (0.5 * h + 0.8 * m)) ** 2
            alpha = np.clip((1.0 - r) / 0.35, 0, 1)  # a soft ellipse: no hard patch edges
            cutouts.append(Cutout(patch, alpha, (x - x0, y - y0, w, h), item["file"]))
    return sorted(cutouts, key=lambda c: -c.box[2])  # largest first: big actors are scaled up least


def background(width: int, height: int, seed: int = 7) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (height // 16, width // 16, 3), dtype=np.uint8)
    texture = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    ramp = np.linspace(30, 120, width, dtype=np.float32)[None, :, None]
    return np.clip(texture * 0.45 + ramp, 0, 255).astype(np.uint8)


@dataclass
class Actor:
    cutout: Cutout
    height: float  # face height in the frame, px
    path: Callable[[float], tuple[float, float] | None]  # face centre at t, None while away
    squeeze: float = 1.0  # horizontal scale (a turned face)

    def placed(self):
        import cv2

        c = self.cutout
        s = self.height / c.box[3]
        size = (max(1, round(c.image.shape[1] * s * self.squeeze)), max(1, round(c.image.shape[0] * s)))
        image = cv2.resize(c.image, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        alpha = cv2.resize(c.alpha, size, interpolation=cv2.INTER_LINEAR)
        box = (c.box[0] * s * self.squeeze, c.box[1] * s, c.box[2] * s * self.squeeze, c.box[3] * s)
        return image, alpha, box


def paste(frame: np.ndarray, placed, centre: tuple[float, float]) -> Box:
    """Blend a placed cutout so its face centre lands on ``centre``; returns the face box."""
    image, alpha, box = placed
    x = int(round(centre[0] - box[0] - box[2] / 2))
    y = int(round(centre[1] - box[1] - box[3] / 2))
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(frame.shape[1], x + w), min(frame.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
        region = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = (region * (1 - a) + image[y0 - y : y1 - y, x0 - x : x1 - x] * a).astype(np.uint8)
    return (x + box[0], y + box[1], box[2], box[3])


def write_video(path: Path, actors: list[Actor], seconds: float, fps: int, size=(640, 360), dark: bool = False):
    """Encode the scene (H.264, with a tone); returns per frame the true face boxes by actor."""
    width, height = size
    bg = background(width, height)
    placed = [a.placed() for a in actors]
    rng = np.random.default_rng(3)
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}",
           "-r", str(fps), "-i", "-", "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
           "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    truth = []
    for i in range(int(seconds * fps)):
        t = i / fps
        frame = bg.copy()
        boxes = []
        for actor, p in zip(actors, placed, strict=True):
            centre = actor.path(t)
            boxes.append(paste(frame, p, centre) if centre else None)
        if dark:
            frame = np.clip(frame * 0.25 + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
        proc.stdin.write(frame.tobytes())
        truth.append(boxes)
    proc.stdin.close()
    assert proc.wait() == 0
    return truth


def mover(cx: float, cy: float, ax: float, ay: float, period: float, phase: float = 0.0, away=None):
    """A centre swinging around (cx, cy) by (ax, ay) px; None during ``away`` (start, end) s."""

    def at(t: float):
        if away and away[0] <= t < away[1]:
            return None
        return (cx + ax * np.sin(2 * np.pi * (t / period + phase)), cy + ay * np.sin(2 * np.pi * (t / (1.6 * period))))

    return at


def walker(start: float, end: float, x0: float, x1: float, y: float):
    """A centre crossing from x0 to x1 at height y between ``start`` and ``end`` s."""
    return lambda t: (x0 + (x1 - x0) * (t - start) / (end - start), y) if start <= t < end else None


def scenes(c: list[Cutout], seconds: float) -> dict[str, tuple[list[Actor], bool]]:
    """Scene name -> (actors, the teacher first; dark). Positions in a 640x360 frame; the
    cutouts are largest first, so small faces come from small sources (scaled down)."""
    return {
        "one face": ([Actor(c[0], 110, mover(320, 180, 170, 50, 14))], False),
        "three faces": (
            [
                Actor(c[1], 100, mover(170, 170, 80, 40, 11)),
                Actor(c[2], 70, mover(470, 110, 70, 20, 9)),
                Actor(c[3], 55, mover(480, 270, 90, 20, 13, 0.3)),
            ],
            False,
        ),  # fmt: skip
        "small faces": (
            [
                Actor(c[8], 40, mover(120, 110, 50, 30, 12)),
                Actor(c[9], 34, mover(320, 240, 70, 30, 10)),
                Actor(c[10], 30, mover(520, 120, 50, 40, 15)),
            ],
            False,
        ),  # fmt: skip
        "turned (70 % width)": (
            [Actor(c[4], 100, mover(220, 180, 100, 40, 12), 0.7), Actor(c[5], 70, mover(480, 170, 60, 60, 10), 0.7)],
            False,
        ),  # fmt: skip
        "low light": (
            [Actor(c[6], 100, mover(230, 180, 120, 40, 12)), Actor(c[7], 60, mover(480, 150, 60, 40, 9))],
            True,
        ),  # fmt: skip
        "teacher and child": teacher_and_child(c, seconds),
    }


def teacher_and_child(c: list[Cutout], seconds: float) -> tuple[list[Actor], bool]:
    """The teacher moves about; a child walks past in front of the board, from left to right,
    and another sits low on the right for the second half."""
    teacher = Actor(c[0], 100, mover(300, 170, 110, 30, 16))
    child = Actor(c[2], 64, walker(0.15 * seconds, 0.85 * seconds, 40, 600, 290))
    sitting = Actor(c[3], 56, lambda t: (560, 300) if t >= seconds / 2 else None)
    return [teacher, child, sitting], False
