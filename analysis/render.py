"""Render highlights as shareable clips: a face-centred crop on a smoothed camera path,
two-pass EBU R128 loudness normalisation to one target for every clip, H.264 High@4.0
yuv420p tagged BT.709, AAC, +faststart; plus a thumbnail and WebVTT captions.

Frames go source -> ffmpeg (decode, rotation honoured, BT.709 4:2:0) -> numpy (crop of the
Y, U and V planes, optional blur of other faces) -> ffmpeg (encode), one frame in memory at
a time. Staying in YUV avoids two colour conversions per frame.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import ffmpeg_input
from analysis.errors import AnalysisError, Cancelled
from analysis.highlights import Highlight
from analysis.media import MediaInfo
from analysis.speech import Segment
from analysis.visual import Face, Sample, followed_face


@dataclass
class RenderOptions:
    """Attributes:
    zoom: Crop size as a share of the source frame (keeps its aspect ratio).
    max_width: Output width limit (720p for 1280 x 720 and larger sources).
    fps: Output frame rate (variable-rate sources are made constant).
    loudness_lufs, true_peak_db, lra_lu: Loudness target for every clip.
    crf, preset: x264 quality and speed.
    blur_others: Blur every face but the followed one.
    smooth_s: Camera path smoothing window.
    dead_zone: The camera holds still until the face moves this share of the crop width.
    threads: x264 threads (0 lets it choose).
    parallel: Clips rendered at the same time.
    """

    zoom: float = 0.7
    max_width: int = 1280
    fps: float = 25.0
    loudness_lufs: float = -16.0
    true_peak_db: float = -1.5
    lra_lu: float = 11.0
    crf: int = 22
    preset: str = "superfast"
    blur_others: bool = False
    smooth_s: float = 2.0
    dead_zone: float = 0.06
    threads: int = 0
    parallel: int = 2


@dataclass
class RenderedClip:
    video: str
    thumbnail: str
    captions: str


def render(
    source: str | os.PathLike,
    info: MediaInfo,
    highlights: list[Highlight],
    samples: list[Sample],
    segments: list[Segment],
    out_dir: str | os.PathLike,
    options: RenderOptions | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[RenderedClip]:
    """Render each highlight into ``out_dir`` as NN.mp4, NN.jpg and NN.vtt (NN from 01).

    Sets each highlight's ``clip`` to its file name. Audio-only sources get no clips.
    ``should_cancel`` is polled once a second of output; True raises ``Cancelled``.
    """
    options = options or RenderOptions()
    size = info.display_size
    if size is None or not highlights:
        return []
    import cv2  # noqa: F401  (import once here: OpenCV's module loader is not thread-safe)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def one(n: int, h: Highlight) -> RenderedClip:
        clip = _render_one(source, info, size, h, samples, segments, out / f"{n:02d}", options, should_cancel)
        h.clip = clip.video
        return clip

    # Two at a time fill the gaps where one render waits between decoding and encoding
    # (about 5 % faster on 2 cores; more where there are more).
    with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
        return list(pool.map(one, range(1, len(highlights) + 1), highlights))


def _render_one(source, info, size, h: Highlight, samples, segments, stem: Path, options: RenderOptions, should_cancel):
    import cv2

    duration = h.end - h.start
    crop_w = int(size[0] * options.zoom) // 2 * 2
    crop_h = int(size[1] * options.zoom) // 2 * 2
    out_w = min(crop_w, options.max_width) // 2 * 2
    out_h = round(crop_h * out_w / crop_w / 2) * 2
    n_frames = max(1, int(round(duration * options.fps)))
    path = camera_path(samples, h.start, n_frames, options.fps, size, (crop_w, crop_h), options)
    audio_filter = _loudnorm_filter(source, h.start, duration, info, options)
    source_input = ffmpeg_input.input_args(source, demuxer=ffmpeg_input.family(source))

    decode = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{h.start:.3f}", "-t", f"{duration:.3f}", *source_input,
         "-map", "0:v:0", "-vf", decode_filter(info, options.fps), "-f", "rawvideo", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    encode_cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{out_w}x{out_h}", "-r", str(options.fps), "-i", "-",
        "-ss", f"{h.start:.3f}", "-t", f"{duration:.3f}", *source_input,
        "-map", "0:v:0", "-map", "1:a:0?", "-shortest",
        "-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf), "-threads", str(options.threads),
        "-profile:v", "high", "-level:v", "4.0", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-af", audio_filter, "-c:a", "aac", "-b:a", "128k",
        "-movflags", "+faststart", "-f", "mp4", ffmpeg_input.output_path(f"{stem}.mp4"),
    ]  # fmt: skip
    encode = subprocess.Popen(encode_cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    width, height = size
    chroma = ((width + 1) // 2, (height + 1) // 2)
    frame_bytes = width * height + 2 * chroma[0] * chroma[1]
    thumbnail = None
    nearby = [s for s in samples if h.start - 2 <= s.t <= h.end + 2]  # what blurring looks at
    try:
        for i in range(n_frames):
            if should_cancel and i % int(options.fps) == 0 and should_cancel():
                raise Cancelled()
            buf = decode.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            planes = _planes(buf, size, chroma)
            if options.blur_others:
                planes = _blur_others(planes, nearby, h.start + i / options.fps)
            x, y = path[min(i, len(path) - 1)]
            crop = [
                planes[0][y : y + crop_h, x : x + crop_w],
                planes[1][y // 2 : (y + crop_h) // 2, x // 2 : (x + crop_w) // 2],
                planes[2][y // 2 : (y + crop_h) // 2, x // 2 : (x + crop_w) // 2],
            ]
            if (out_w, out_h) != (crop_w, crop_h):
                crop = [
                    cv2.resize(p, (out_w >> (k > 0), out_h >> (k > 0)), interpolation=cv2.INTER_AREA)
                    for k, p in enumerate(crop)
                ]
            if i == n_frames // 2:
                thumbnail = bt709_to_bgr(*crop)
            encode.stdin.write(np.concatenate([p.ravel() for p in crop]).data)
    except BrokenPipeError:
        pass
    finally:
        decode.kill()
        decode.wait()
        encode.stdin.close()
        err = encode.stderr.read().decode("utf-8", "replace")
        code = encode.wait()
    if code != 0:
        raise AnalysisError(
            "render_failed", f"A highlight clip could not be encoded: {err.strip()[:200]}", permanent=False
        )
    if thumbnail is None:
        thumbnail = np.zeros((out_h, out_w, 3), np.uint8)
    cv2.imwrite(f"{stem}.jpg", thumbnail, [cv2.IMWRITE_JPEG_QUALITY, 85])
    Path(f"{stem}.vtt").write_text(captions(segments, h.start, h.end))
    return RenderedClip(f"{stem.name}.mp4", f"{stem.name}.jpg", f"{stem.name}.vtt")


def camera_path(samples, start, n_frames, fps, size, crop, options: RenderOptions) -> list[tuple[int, int]]:
    """Top-left crop corner per output frame: follows the followed face (``visual.followed_face``:
    the same person throughout), smoothed, with a dead zone.

    Between samples that see it the camera glides from one position to the next; where it is
    not seen (even if other faces are) the camera holds its last position (the frame centre at first).
    """
    times = start + np.arange(n_frames) / fps
    seen = [(s.t, followed_face(s)) for s in samples if start - 5 <= s.t <= times[-1] + 5]
    known = [(t, (f.x + f.w / 2, f.y + f.h / 2)) for t, f in seen if f is not None]
    if known:
        ts = np.array([t for t, _ in known])
        xs = np.interp(times, ts, [c[0] for _, c in known])
        ys = np.interp(times, ts, [c[1] for _, c in known])
    else:
        xs = np.full(n_frames, size[0] / 2)
        ys = np.full(n_frames, size[1] / 2)
    k = max(1, int(options.smooth_s * fps))
    xs, ys = _moving_average(xs, k), _moving_average(ys, k)
    hold_x, hold_y = xs[0], ys[0]
    path = []
    for x, y in zip(xs, ys, strict=True):
        if abs(x - hold_x) > options.dead_zone * crop[0] or abs(y - hold_y) > options.dead_zone * crop[1]:
            # Glide towards the face rather than jump: a tenth of the way per frame.
            hold_x += (x - hold_x) * 0.1
            hold_y += (y - hold_y) * 0.1
        left = int(np.clip(hold_x - crop[0] / 2, 0, size[0] - crop[0])) // 2 * 2
        top = int(np.clip(hold_y - crop[1] / 2, 0, size[1] - crop[1])) // 2 * 2
        path.append((left, top))
    return path


def captions(segments: list[Segment], start: float, end: float) -> str:
    """WebVTT for [start, end), times relative to the clip, one cue per segment piece."""
    lines = ["WEBVTT", ""]
    for seg in segments:
        words = [w for w in seg.words if start <= w.start < end]
        if not words:
            continue
        a, b = max(words[0].start - start, 0), min(words[-1].end, end) - start
        lines += [f"{_vtt_time(a)} --> {_vtt_time(max(b, a + 0.2))}", " ".join(w.text for w in words), ""]
    return "\n".join(lines)


def _loudnorm_filter(source, start: float, duration: float, info: MediaInfo, options: RenderOptions) -> str:
    """Second-pass loudnorm with the first pass's measurements (EBU R128, linear)."""
    target = f"I={options.loudness_lufs}:TP={options.true_peak_db}:LRA={options.lra_lu}"
    layout = "mono" if (info.channels or 1) == 1 else "stereo"
    tail = f"aresample=48000,aformat=channel_layouts={layout}"  # loudnorm runs at 192 kHz inside
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-ss", f"{start:.3f}", "-t", f"{duration:.3f}",
         *ffmpeg_input.input_args(source, demuxer=ffmpeg_input.family(source)), "-map", "0:a:0", "-af", f"loudnorm={target}:print_format=json", "-f", "null", "-"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", proc.stderr)
    if not match:
        return f"loudnorm={target},{tail}"  # no measurement (silent clip): one pass
    m = json.loads(match.group(0))
    if m["input_i"] in ("-inf", "inf"):
        return tail
    measured = (
        f"measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}"
        f":measured_thresh={m['input_thresh']}:offset={m['target_offset']}"
    )
    return f"loudnorm={target}:{measured}:linear=true,{tail}"


def _blur_others(planes: list[np.ndarray], samples: list[Sample], t: float) -> list[np.ndarray]:
    """Blur every face but the followed one around ``t`` (Y, U and V planes); see ``others_at``."""
    import cv2

    others = others_at(samples, t)
    if not others:
        return planes
    planes = [p.copy() for p in planes]
    for f in others:
        pad = int(0.3 * f.w)
        for k, plane in enumerate(planes):
            shift = 1 if k else 0  # chroma planes are half size
            x0, y0 = max(0, f.x - pad) >> shift, max(0, f.y - pad) >> shift
            x1 = min(plane.shape[1], (f.x + f.w + pad) >> shift)
            y1 = min(plane.shape[0], (f.y + f.h + pad) >> shift)
            if x1 > x0 and y1 > y0:
                sigma = max(8, f.w / 6) / (1 + shift)
                plane[y0:y1, x0:x1] = cv2.GaussianBlur(plane[y0:y1, x0:x1], (0, 0), sigmaX=sigma)
    return planes


def others_at(samples: list[Sample], t: float, reach_s: float = 1.5) -> list[Face]:
    """Where the faces other than the followed one are at ``t`` (to blur them).

    Samples more than ``reach_s`` from ``t`` are not used. The face spared is the followed
    face of the nearest sample that sees it (a teacher missed in one sample stays unblurred);
    where no sample in reach sees it, no face is spared. A tracked face seen on both sides of
    ``t`` is placed by linear interpolation between its two sightings (a face walking past is
    covered between samples, and through one missed detection); around one seen on one side
    only the region grows by half its width a second away from the sighting. Untracked faces
    (samples built by hand) are those of the nearest sample.
    """
    before = [s for s in samples if t - reach_s <= s.t <= t]
    after = [s for s in samples if t < s.t <= t + reach_s]
    by_distance = sorted(before + after, key=lambda s: abs(s.t - t))
    if not by_distance:
        return []
    if all(f.track is None for s in by_distance for f in s.faces):  # built by hand, or no face at all
        main = followed_face(by_distance[0])
        return [f for f in by_distance[0].faces if f is not main]
    followed = next((f for s in by_distance if (f := followed_face(s)) is not None), None)
    spared = followed.track if followed else None
    last = {f.track: (s.t, f) for s in before for f in s.faces}  # the latest sighting wins
    first = {f.track: (s.t, f) for s in reversed(after) for f in s.faces}  # the earliest wins
    others = []
    for track in (set(last) | set(first)) - {spared, None}:
        if track in last and track in first:
            (ta, a), (tb, b) = last[track], first[track]
            k = (t - ta) / (tb - ta) if tb > ta else 0.0
            x, y, w, h = (round(u + (v - u) * k) for u, v in ((a.x, b.x), (a.y, b.y), (a.w, b.w), (a.h, b.h)))
            others.append(Face(x, y, w, h, min(a.score, b.score), track))
        else:  # seen on one side only: it may have moved since, so the region grows with time
            ts, f = last.get(track) or first[track]
            grow = round(0.5 * f.w * abs(t - ts))
            others.append(Face(f.x - grow, f.y - grow, f.w + 2 * grow, f.h + 2 * grow, f.score, track))
    return others


def decode_filter(info: MediaInfo, fps: float) -> str:
    """ffmpeg filter giving constant-rate BT.709 limited-range 4:2:0 frames.

    An untagged source is taken as BT.709 when it is HD (shorter side 720 or more) and as
    BT.601 otherwise, as players do. A source that already is BT.709 limited-range 4:2:0
    passes through unconverted.
    """
    size = info.display_size or (0, 0)
    matrix = info.color_space or ("bt709" if min(size) >= 720 else "smpte170m")
    full = info.color_range == "pc" or (info.pix_fmt or "").startswith("yuvj")
    if matrix == "bt709" and not full and info.pix_fmt == "yuv420p":
        return f"fps={fps}"
    return (
        f"fps={fps},scale=in_color_matrix={_SWS_MATRIX.get(matrix, 'bt601')}:out_color_matrix=bt709"
        f":in_range={'pc' if full else 'tv'}:out_range=tv,format=yuv420p"
    )


# ffprobe's colour matrix names -> swscale's.
_SWS_MATRIX = {"bt709": "bt709", "smpte170m": "smpte170m", "bt470bg": "bt470", "fcc": "fcc",
               "smpte240m": "smpte240m", "bt2020nc": "bt2020", "bt2020c": "bt2020"}  # fmt: skip


def bt709_to_bgr(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """BT.709 limited-range 4:2:0 planes -> 8-bit BGR (for the thumbnail)."""
    h, w = y.shape
    luma = (y.astype(np.float32) - 16) * (255 / 219)
    cb = (np.repeat(np.repeat(u, 2, 0), 2, 1)[:h, :w].astype(np.float32) - 128) * (255 / 224)
    cr = (np.repeat(np.repeat(v, 2, 0), 2, 1)[:h, :w].astype(np.float32) - 128) * (255 / 224)
    bgr = np.stack([luma + 1.8556 * cb, luma - 0.1873 * cb - 0.4681 * cr, luma + 1.5748 * cr], axis=2)
    return np.clip(bgr + 0.5, 0, 255).astype(np.uint8)


def _planes(buf: bytes, size: tuple[int, int], chroma: tuple[int, int]) -> list[np.ndarray]:
    """Split one raw yuv420p frame into its Y, U and V planes (views, no copy)."""
    width, height = size
    data = np.frombuffer(buf, np.uint8)
    luma = width * height
    c = chroma[0] * chroma[1]
    return [
        data[:luma].reshape(height, width),
        data[luma : luma + c].reshape(chroma[1], chroma[0]),
        data[luma + c : luma + 2 * c].reshape(chroma[1], chroma[0]),
    ]


def _moving_average(values: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or len(values) < 2:
        return values
    padded = np.pad(values, (k // 2, k - 1 - k // 2), mode="edge")
    return np.convolve(padded, np.ones(k) / k, mode="valid")


def _vtt_time(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
