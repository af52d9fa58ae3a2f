"""The two animated formats ffmpeg 5.1 cannot do alone: writing Lottie, reading animated WebP.

- ``write_lottie``: Lottie JSON, format version ``LOTTIE_VERSION`` (the Bodymovin schema that
  lottie-web, lottie-android/ios and the lottie-spec 1.0 players read), as an image-sequence
  animation: one JPEG per frame embedded as a base64 data URI image asset, shown by one image
  layer (``ty`` 2) for exactly one frame.
- ``webp_frames``: the canvas size, frame count and length of an animated WebP, read from its
  RIFF chunks (Debian's ffmpeg 5.1 cannot decode animated WebP).
"""

from __future__ import annotations

import base64
import json
import os
import struct
from pathlib import Path

from analysis.errors import AnalysisError

LOTTIE_VERSION = "5.7.4"


def webp_frames(path: str | os.PathLike) -> tuple[int, int, int, float]:
    """(canvas width, canvas height, frames, seconds) of an animated WebP, from its chunks."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AnalysisError("convert_failed", "The WebP output is not a WebP file.", permanent=False)
    width = height = frames = 0
    duration_ms = 0
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if tag == b"VP8X":
            width = 1 + int.from_bytes(body[4:7], "little")
            height = 1 + int.from_bytes(body[7:10], "little")
        elif tag == b"ANMF":
            frames += 1
            duration_ms += int.from_bytes(body[12:15], "little")
        pos += 8 + size + (size & 1)
    return width, height, frames, duration_ms / 1000


def write_lottie(frames: list[Path], target: Path, width: int, height: int, fps: float, name: str) -> None:
    """Write an image-sequence Lottie: one embedded JPEG asset and one image layer per frame."""
    if not frames:
        raise AnalysisError("convert_failed", "No frames could be extracted for the Lottie file.", permanent=False)
    w, h = width, height
    transform = {
        "o": {"a": 0, "k": 100},
        "r": {"a": 0, "k": 0},
        "p": {"a": 0, "k": [w / 2, h / 2, 0]},
        "a": {"a": 0, "k": [w / 2, h / 2, 0]},
        "s": {"a": 0, "k": [100, 100, 100]},
    }
    assets, layers = [], []
    for i, frame in enumerate(frames):
        data = base64.b64encode(frame.read_bytes()).decode("ascii")
        assets.append({"id": f"frame_{i}", "w": w, "h": h, "u": "", "p": f"data:image/jpeg;base64,{data}", "e": 1})
        layers.append(
            {"ddd": 0, "ind": i + 1, "ty": 2, "nm": f"frame {i}", "refId": f"frame_{i}", "sr": 1, "ks": transform,
             "ao": 0, "ip": i, "op": i + 1, "st": 0, "bm": 0}
        )  # fmt: skip
    doc = {
        "v": LOTTIE_VERSION,
        "fr": fps,
        "ip": 0,
        "op": len(frames),
        "w": w,
        "h": h,
        "nm": name,
        "ddd": 0,
        "assets": assets,
        "layers": layers,
        "markers": [],
        "meta": {"g": "Cultivate analysis.convert"},
    }
    with open(target, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
