"""Check the rendered clips themselves: format tags, a clean decode, loudness, framing.

Each clip is probed once and decoded once; that one decode counts errors, measures
loudness and samples frames for the framing check.

Targets: H.264 High at level 4.0, yuv420p, BT.709 primaries/transfer/matrix, AAC audio;
0 decode errors; loudness spread across clips <= 1.0 LU; the followed face inside the centre
region in >= 95 % of sampled frames that show a face.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from analysis import ffmpeg_input

EXPECTED = {
    "codec": "h264",
    "profile": "High",
    "level": 40,
    "pix_fmt": "yuv420p",
    "color_primaries": "bt709",
    "color_transfer": "bt709",
    "color_space": "bt709",
    "audio_codec": "aac",
}


@dataclass
class QaOptions:
    """Attributes:
    max_spread_lu: Largest loudness difference allowed between clips.
    min_centred_share: Share of face frames whose face must sit in the centre region.
    centre_radius: The centre region: face centre within this share of the half diagonal.
    sample_fps: Frames per second checked for framing.
    """

    max_spread_lu: float = 1.0
    min_centred_share: float = 0.95
    centre_radius: float = 0.25
    sample_fps: float = 1.0


def check(clips: list[str | os.PathLike], options: QaOptions | None = None) -> dict:
    """QA every clip and the set; ``passed`` is True only when every check passes."""
    from concurrent.futures import ThreadPoolExecutor

    import cv2  # noqa: F401  (import once here: OpenCV's module loader is not thread-safe)

    options = options or QaOptions()
    # Each check is mostly ffmpeg processes and OpenCV, which release the GIL: two at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        per_clip = list(pool.map(lambda path: _check_clip(path, options), clips))
    loudness = [c["loudness_lufs"] for c in per_clip if c["loudness_lufs"] is not None]
    spread = round(max(loudness) - min(loudness), 2) if len(loudness) >= 2 else 0.0
    checks = [
        {"name": "loudness spread", "value": spread, "target": f"<= {options.max_spread_lu} LU",
         "passed": spread <= options.max_spread_lu},
    ]  # fmt: skip
    for c in per_clip:
        checks += [{**item, "clip": c["clip"]} for item in c["checks"]]
    return {
        "passed": all(item["passed"] for item in checks) if per_clip else None,
        "loudness_spread_lu": spread,
        "targets": {
            **EXPECTED,
            "decode_errors": 0,
            "max_spread_lu": options.max_spread_lu,
            "min_centred_share": options.min_centred_share,
        },
        "clips": per_clip,
        "checks": checks,
    }


def probe_clip(path: str | os.PathLike) -> dict:
    """Codec, profile, level and colour tags of a rendered clip (ffprobe)."""
    data = ffmpeg_input.ffprobe(path, "-show_format", "-show_streams", demuxer=ffmpeg_input.family(path))
    video = next((s for s in data["streams"] if s["codec_type"] == "video"), {})
    audio = next((s for s in data["streams"] if s["codec_type"] == "audio"), {})
    return {
        "codec": video.get("codec_name"),
        "profile": video.get("profile"),
        "level": video.get("level"),
        "pix_fmt": video.get("pix_fmt"),
        "color_primaries": video.get("color_primaries"),
        "color_transfer": video.get("color_transfer"),
        "color_space": video.get("color_space"),
        "audio_codec": audio.get("codec_name"),
        "width": video.get("width"),
        "height": video.get("height"),
        "duration_s": round(float(data["format"].get("duration", 0)), 3),
    }


def scan(path: str | os.PathLike, facts: dict, options: QaOptions) -> tuple[int, float | None, list[float]]:
    """One full decode of a clip (``-f null``-style) that also measures what QA needs.

    Returns:
      Decode errors (lines ffmpeg logs at error level or worse, plus 1 if it fails), the
      integrated loudness from ffmpeg's ``ebur128`` filter (None without audio or with silence),
      and the followed face's centre offset in each sampled frame that shows it (faces are
      tracked across the clip's samples as in ``visual.analyse``).
    """
    from analysis import visual
    from analysis.face_tracking import Tracker

    size = (facts["width"], facts["height"])
    width = min(visual.VisualOptions().width, size[0]) // 2 * 2
    height = max(2, round(size[1] * width / size[0] / 2) * 2)
    graph = f"[0:v:0]fps={options.sample_fps},scale={width}:{height},format=rgb24[v]"
    outputs = ["-map", "[v]", "-f", "rawvideo", "-"]
    if facts["audio_codec"]:
        # framelog=verbose keeps the per-frame lines out of an info-level log; the summary stays.
        graph += ";[0:a:0]ebur128=framelog=verbose[a]"
        outputs += ["-map", "[a]", "-f", "null", "-"]
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "repeat+level+info",
           *ffmpeg_input.input_args(path, demuxer=ffmpeg_input.family(path)),
           "-filter_complex", graph, *outputs]  # fmt: skip
    offsets = []
    tracker = Tracker(sample_fps=options.sample_fps)
    frame_bytes = width * height * 3
    with tempfile.TemporaryFile() as log:  # a file, so a flood of errors cannot block the pipe
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
        try:
            while len(buf := proc.stdout.read(frame_bytes)) == frame_bytes:
                rgb = np.frombuffer(buf, np.uint8).reshape(height, width, 3)
                _, main = tracker.update(visual.detect_faces(rgb, size))
                if main is not None:
                    offsets.append(visual.centre_offset(main, size))
        finally:
            proc.stdout.close()
            code = proc.wait()
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    errors = len(re.findall(r"\[(?:error|fatal|panic)\]", text)) + (code != 0)
    found = re.findall(r"I:\s+(-?[\d.]+|-inf) LUFS", text)
    level = float(found[-1]) if found and found[-1] != "-inf" else None
    return errors, level, offsets


def _check_clip(path, options: QaOptions) -> dict:
    facts = probe_clip(path)
    errors, level, offsets = scan(path, facts, options)
    face_frames = len(offsets)
    share = round(float(np.mean([o <= options.centre_radius for o in offsets])), 3) if offsets else None
    checks = [
        {"name": key.replace("_", " "), "value": facts[key], "target": expected, "passed": facts[key] == expected}
        for key, expected in EXPECTED.items()
    ]
    checks.append({"name": "decode errors", "value": errors, "target": 0, "passed": errors == 0})
    checks.append(
        {"name": "face centred", "value": share, "target": f">= {options.min_centred_share}",
         "passed": share is None or share >= options.min_centred_share}
    )  # fmt: skip
    return {
        "clip": os.path.basename(os.fspath(path)),
        **facts,
        "decode_errors": errors,
        "loudness_lufs": level,
        "centred_share": share,
        "face_frames": face_frames,
        "checks": checks,
    }
