"""Probe, validate and decode media with ffmpeg.

``probe`` reads container and stream facts with ffprobe and turns every way an upload can be
unusable into an ``AnalysisError`` with a specific code. ``decode_audio`` decodes the first
audio stream once, to 16 kHz mono float32, which every audio stage then shares.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from analysis.errors import AnalysisError

SAMPLE_RATE = 16_000

# ffprobe stderr fragments that mean "this is not a media file at all".
_NOT_MEDIA_HINTS = (
    "Invalid data found when processing input",
    "could not find codec parameters",
    "Failed to find",
    "unknown format",
)
# ...and fragments that mean "a media file, but damaged".
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
_CORRUPT_HINTS = ("moov atom not found", "Truncated", "truncated", "EBML header parsing failed")


@dataclass
class MediaOptions:
    """Attributes:
    max_duration_s: Longest media accepted; longer files fail with ``too_long``.
    require_audio: Fail with ``no_audio`` when the file has no audio stream.
    threads: ffmpeg decoder threads (0 lets ffmpeg choose).
    """

    max_duration_s: float = 4 * 3600
    require_audio: bool = True
    threads: int = 0


@dataclass
class MediaInfo:
    """Facts about one media file, as read by ffprobe."""

    duration_s: float
    format_name: str
    size_bytes: int
    bit_rate: int | None = None
    has_video: bool = False
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    rotation: int = 0  # degrees, from the stream's display matrix or rotate tag
    pix_fmt: str | None = None
    color_space: str | None = None  # the YUV matrix tag (bt709, smpte170m, ...); None when untagged
    color_range: str | None = None  # "tv" (limited) or "pc" (full); None when untagged
    has_audio: bool = False
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as shown to people: a phone video rotated 90 degrees swaps them."""
        if not self.has_video or not self.width or not self.height:
            return None
        return (self.height, self.width) if self.rotation % 180 else (self.width, self.height)


def probe(path: str | os.PathLike, options: MediaOptions | None = None) -> MediaInfo:
    """Read and validate a media file.

    Args:
      path: Local file path.
      options: Limits to enforce; defaults to ``MediaOptions()``.
    Returns:
      The file's facts.
    Raises:
      AnalysisError: ``missing_file``, ``empty_file``, ``not_media``, ``corrupt``,
        ``no_audio``, ``zero_duration`` or ``too_long``; all permanent.
    """
    options = options or MediaOptions()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AnalysisError("missing_file", f"File not found: {os.path.basename(path)}.")
    size = os.path.getsize(path)
    if size == 0:
        raise AnalysisError("empty_file", "The file is empty (0 bytes).")

    data = _ffprobe(path)
    streams = [s for s in data.get("streams", []) if not _is_cover_art(s)]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt = data.get("format", {})
    if video is None and audio is None:
        raise AnalysisError("not_media", "This file has no audio or video in it; upload a video or audio recording.")

    info = MediaInfo(
        duration_s=_duration(fmt, streams),
        format_name=fmt.get("format_name", ""),
        size_bytes=size,
        bit_rate=_int(fmt.get("bit_rate")),
    )
    if video is not None:
        info.has_video = True
        info.width = _int(video.get("width"))
        info.height = _int(video.get("height"))
        info.fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
        info.video_codec = video.get("codec_name")
        info.rotation = _rotation(video)
        info.pix_fmt = video.get("pix_fmt")
        info.color_space = _tag(video.get("color_space"))
        info.color_range = _tag(video.get("color_range"))
    if audio is not None:
        info.has_audio = True
        info.audio_codec = audio.get("codec_name")
        info.sample_rate = _int(audio.get("sample_rate"))
        info.channels = _int(audio.get("channels"))

    if options.require_audio and not info.has_audio:
        raise AnalysisError(
            "no_audio",
            "This video has no audio track, so there is no speech to analyse. Upload a recording with sound.",
        )
    if info.duration_s <= 0:
        raise AnalysisError("zero_duration", "The recording has no length (0 seconds).")
    if info.duration_s > options.max_duration_s:
        raise AnalysisError(
            "too_long",
            f"The recording is {_minutes(info.duration_s)} long; the limit is {_minutes(options.max_duration_s)}.",
        )
    return info


def decode_audio(
    path: str | os.PathLike,
    *,
    expected_duration_s: float | None = None,
    threads: int = 0,
) -> np.ndarray:
    """Decode the first audio stream to 16 kHz mono float32.

    Args:
      path: Local file path, already validated by ``probe``.
      expected_duration_s: The probed duration; a decode that falls well short of it with
        decoder errors means the file is damaged.
      threads: ffmpeg threads (0 lets ffmpeg choose).
    Returns:
      float32 samples in [-1, 1].
    Raises:
      AnalysisError: ``corrupt`` when ffmpeg cannot decode the audio.
    """
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-threads", str(threads),
        "-i", os.fspath(path), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as err, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc:
        audio = _read_samples(proc.stdout, expected_duration_s)
        returncode = proc.wait()
        err.seek(0)
        errors = err.read().decode("utf-8", "replace").strip()
    if returncode != 0 and audio.size == 0:
        raise AnalysisError("corrupt", "The audio could not be decoded; the file looks damaged.")
    decoded_s = audio.size / SAMPLE_RATE
    if errors and expected_duration_s and decoded_s < 0.9 * expected_duration_s - 1.0:
        raise AnalysisError(
            "corrupt",
            f"The file is damaged or incomplete: only {decoded_s:.0f} s of {expected_duration_s:.0f} s could be decoded.",
        )
    return audio


def _read_samples(stream, expected_duration_s: float | None) -> np.ndarray:
    """float32 samples from a pipe into one buffer, sized from the probed duration.

    Reading ``communicate()``'s bytes and copying them would hold the audio twice; a long
    lesson is 170 MB of samples, so the buffer is filled in place and grown only if the
    stream runs past the estimate.
    """
    size = int(((expected_duration_s or 60.0) + 2.0) * SAMPLE_RATE)
    buf = np.empty(size, np.float32)
    view = memoryview(buf).cast("B")
    filled = 0
    while True:
        if filled == len(view):  # ran past the estimate: grow by half
            del view
            buf = np.resize(buf, buf.size * 3 // 2 + 60 * SAMPLE_RATE)
            view = memoryview(buf).cast("B")
        n = stream.readinto(view[filled:])
        if not n:
            break
        filled += n
    del view
    samples = buf[: filled // 4]
    return samples.copy() if buf.size > samples.size * 1.1 + SAMPLE_RATE else samples


def quiet_pieces(audio: np.ndarray, chunk_s: float):
    """``(offset_s, samples)`` pieces of about ``chunk_s``, each cut at the quietest 0.5 s
    shortly before the nominal boundary (views, not copies). Stages that would otherwise
    build whole-file arrays (spectrograms, VAD batches) work a piece at a time."""
    step, frame = int(chunk_s * SAMPLE_RATE), SAMPLE_RATE // 2
    search, margin = int(min(30, chunk_s / 4) * SAMPLE_RATE), int(min(60, chunk_s / 2) * SAMPLE_RATE)
    start = 0
    while audio.size - start > step + margin:
        lo, hi = start + step - search, start + step
        window = audio[lo:hi]
        energy = np.add.reduceat(window.astype(np.float32) ** 2, np.arange(0, window.size, frame))
        cut = lo + int(np.argmin(energy)) * frame + frame // 2
        yield start / SAMPLE_RATE, audio[start:cut]
        start = cut
    yield start / SAMPLE_RATE, audio[start:]


def _ffprobe(path: str) -> dict:
    import ffmpeg

    try:
        return ffmpeg.probe(path)
    except ffmpeg.Error as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
        # ffprobe picks the demuxer from the extension too, so a text file named .mp4 also
        # reports "moov atom not found": only a file that starts like an MP4 is "damaged".
        if "moov atom not found" in stderr and not _starts_like_mp4(path):
            raise AnalysisError("not_media", "This is not a video or audio file we can read.") from None
        if any(h in stderr for h in _CORRUPT_HINTS):
            raise AnalysisError(
                "corrupt", "The file is damaged or incomplete (it may have been cut off during upload)."
            ) from None
        if any(h in stderr for h in _NOT_MEDIA_HINTS):
            raise AnalysisError("not_media", "This is not a video or audio file we can read.") from None
        raise AnalysisError("unreadable", "The file could not be read as media.") from None
    except FileNotFoundError:
        raise AnalysisError("ffmpeg_missing", "ffprobe is not installed on this machine.", permanent=False) from None


def _starts_like_mp4(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return len(head) >= 8 and head[4:8] in _MP4_BOXES


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []):
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    return (_int(stream.get("tags", {}).get("rotate")) or 0) % 360


def _is_cover_art(stream: dict) -> bool:
    return stream.get("codec_type") == "video" and stream.get("disposition", {}).get("attached_pic") == 1


def _duration(fmt: dict, streams: list[dict]) -> float:
    candidates = [_float(fmt.get("duration"))] + [_float(s.get("duration")) for s in streams]
    return max((c for c in candidates if c), default=0.0)


def _rate(value: str | None) -> float | None:
    if not value or value in ("0/0", "0"):
        return None
    try:
        return round(float(Fraction(value)), 3)
    except (ValueError, ZeroDivisionError):
        return None


def _tag(value) -> str | None:
    return None if value in (None, "", "unknown", "unspecified", "reserved") else value


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes >= 10 else f"{minutes:.1f} min"
