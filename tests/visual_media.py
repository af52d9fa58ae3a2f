"""Test videos with a real photographed face (skimage's astronaut) moving on a known path
over a textured background, with a soundtrack. Ground truth is known for every frame."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np

# The face in skimage's astronaut() (512 x 512), x, y, w, h: eyebrows to chin, cheek to cheek,
# read off the image by hand (not by a detector under test).
ASTRONAUT_FACE = (178, 80, 95, 97)
# The crop we paste is astronaut()[30:230, 130:330]; where the face's centre sits in it.
_CROP = (30, 230, 130, 330)
_FACE_IN_CROP = (
    ASTRONAUT_FACE[0] - _CROP[2] + ASTRONAUT_FACE[2] / 2,
    ASTRONAUT_FACE[1] - _CROP[0] + ASTRONAUT_FACE[3] / 2,
)


def face_patch(side: int) -> np.ndarray:
    import cv2
    from skimage import data

    y0, y1, x0, x1 = _CROP
    crop = cv2.cvtColor(data.astronaut()[y0:y1, x0:x1], cv2.COLOR_RGB2BGR)
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def background(width: int, height: int) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(7)
    noise = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    tex = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    ramp = np.linspace(40, 140, width, dtype=np.float32)[None, :, None]
    return np.clip(tex * 0.5 + ramp, 0, 255).astype(np.uint8)


def face_position(t: float, width: int, height: int, side: int) -> tuple[int, int] | None:
    """Top-left of the patch at time t, or None while the face is off screen (8-10 s)."""
    if 8.0 <= t < 10.0:
        return None
    cx = width / 2 + 0.22 * width * math.sin(2 * math.pi * t / 14)
    cy = height / 2 + 0.08 * height * math.sin(2 * math.pi * t / 9)
    return int(cx - side / 2), int(cy - side / 2)


def make_face_video(out: Path, audio: Path, duration: float, width: int = 640, height: int = 360, fps: int = 10):
    """Write ``out`` (H.264/AAC) and ``out``.json with the true face centre per frame."""
    side = int(height * 0.55)
    patch = face_patch(side)
    bg = background(width, height)
    fx, fy = _FACE_IN_CROP[0] * side / 200, _FACE_IN_CROP[1] * side / 200
    truth = []
    cmd = [
        "ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}",
        "-r", str(fps), "-i", "-", "-i", str(audio), "-t", str(duration), "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    for i in range(int(duration * fps)):
        t = i / fps
        frame = bg.copy()
        pos = face_position(t, width, height, side)
        if pos:
            x, y = pos
            x0, y0 = max(x, 0), max(y, 0)
            x1, y1 = min(x + side, width), min(y + side, height)
            frame[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
            truth.append({"t": t, "centre": [x + fx, y + fy]})
        else:
            truth.append({"t": t, "centre": None})
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    out.with_suffix(".json").write_text(json.dumps({"size": [width, height], "frames": truth}))
    return truth


def make_lesson_video(folder: Path) -> Path:
    """A 40 s teacher/child lesson with a face: long enough for a worker to be caught running it."""
    from tests.dialogue import lesson_turns
    from tests.dialogue import render as render_dialogue

    render_dialogue(lesson_turns(), folder / "lesson.wav")
    make_face_video(folder / "lesson.mp4", folder / "lesson.wav", duration=40)
    return folder / "lesson.mp4"
