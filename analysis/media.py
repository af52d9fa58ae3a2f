"""Probe, validate and decode media with ffmpeg.

``probe`` reads container and stream facts with ffprobe and turns every way an upload can be
unusable into an ``AnalysisError`` with a specific code. ``decode_audio`` decodes the first
audio stream once, to 16 kHz mono float32, which every audio stage then shares.

Every file is opened through ``ffmpeg_input`` (only the demuxer of its extension, only local
files). The length is not taken on the header's word: ``probe`` measures it by copying the
packets (no decoding; about half a second for a 45-minute lesson) and stops at the limit,
and ``decode_audio`` stops too if more audio arrives than was measured. Frames larger than
``MediaOptions.max_video_side``/``max_video_pixels`` are refused at the probe.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from analysis import ffmpeg_input
from analysis.errors import AnalysisError

SAMPLE_RATE = 16_000
# A source frame larger than this is refused (``too_large_frame``): 8K DCI.
MAX_VIDEO_SIDE = 8192
MAX_VIDEO_PIXELS = 8192 * 4320


@dataclass
class MediaOptions:
    """Attributes:
    max_duration_s: Longest media accepted, as measured from the packets (not the header);
      longer files fail with ``too_long``.
    require_audio: Fail with ``no_audio`` when the file has no audio stream.
    threads: ffmpeg decoder threads (0 lets ffmpeg choose).
    max_video_side: Widest or tallest video frame accepted, pixels; ``too_large_frame`` above.
    max_video_pixels: Largest video frame accepted (width x height); ``too_large_frame`` above.
    """

    max_duration_s: float = 4 * 3600
    require_audio: bool = True
    threads: int = 0
    max_video_side: int = MAX_VIDEO_SIDE
    max_video_pixels: int = MAX_VIDEO_PIXELS


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
    header_duration_s: float | None = None  # what the container's header claimed (duration_s is measured)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as shown to people: a phone video rotated 90 degrees swaps them."""
        if not self.has_video or not self.width or not self.height:
            return None
        return (self.height, self.width) if self.rotation % 180 else (self.width, self.height)


def probe(path: str | os.PathLike, options: MediaOptions | None = None, *, name: str | None = None) -> MediaInfo:
    """Read and validate a media file.

    Args:
      path: Local file path.
      options: Limits to enforce; defaults to ``MediaOptions()``.
      name: The name the file was given, whose extension decides the one demuxer that may
        open it (default: ``path``'s own name; a chunked upload's part file has none).
    Returns:
      The file's facts; ``duration_s`` is measured from the packets.
    Raises:
      AnalysisError: ``missing_file``, ``empty_file``, ``not_media``, ``corrupt``,
        ``no_audio``, ``zero_duration``, ``too_long`` or ``too_large_frame``; all permanent.
    """
    options = options or MediaOptions()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AnalysisError("missing_file", f"File not found: {os.path.basename(path)}.")
    size = os.path.getsize(path)
    if size == 0:
        raise AnalysisError("empty_file", "The file is empty (0 bytes).")

    name = name or path
    demuxer = ffmpeg_input.family(name)
    data = ffmpeg_input.probe_streams(path, demuxer=demuxer, name=name)
    fmt = data.get("format", {})
    ffmpeg_input.check_format(fmt.get("format_name", ""), demuxer, name)
    streams = [s for s in data.get("streams", []) if not _is_cover_art(s)]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise AnalysisError("not_media", "This file has no audio or video in it; upload a video or audio recording.")

    info = MediaInfo(
        duration_s=0.0,
        format_name=fmt.get("format_name", ""),
        size_bytes=size,
        bit_rate=_int(fmt.get("bit_rate")),
        header_duration_s=_duration(fmt, streams),
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
    _check_frame(info, options)
    stream = "0:a:0" if info.has_audio else "0:v:0"
    info.duration_s = _measured_duration(path, demuxer, stream, info.header_duration_s, options.max_duration_s)
    if info.duration_s <= 0:
        raise AnalysisError("zero_duration", "The recording has no length (0 seconds).")
    if info.duration_s > options.max_duration_s:
        # The measurement stops a second past the limit: past that, the true length is unknown.
        stopped = info.duration_s >= options.max_duration_s + 0.5
        length = f"longer than {_minutes(options.max_duration_s)}" if stopped else f"{_minutes(info.duration_s)} long"
        raise AnalysisError("too_long", f"The recording is {length}; the limit is {_minutes(options.max_duration_s)}.")
    return info


def _check_frame(info: MediaInfo, options: MediaOptions) -> None:
    """Refuse a frame too large to decode safely, whatever the rest of the file is like."""
    if not info.has_video or not info.width or not info.height:
        return
    side = max(info.width, info.height)
    if side > options.max_video_side or info.width * info.height > options.max_video_pixels:
        raise AnalysisError(
            "too_large_frame",
            f"The video's frames are {info.width}x{info.height} pixels; the limit is "
            f"{options.max_video_side} pixels a side and {options.max_video_pixels / 1e6:.1f} megapixels a frame.",
        )


def _measured_duration(path: str, demuxer: str, stream: str, header_s: float, max_duration_s: float) -> float:
    """The length of the file: the longer of what the packets and what the header say.

    The packets of ``stream`` (the audio that is analysed, or the video of a silent file) are
    copied (read, never decoded) to a null output, up to just past the limit, and the last
    output time is the packets' length: a header that claims 2 s for 20 minutes of audio
    cannot pass the limit or set the price and the timeout. The copy stops at
    ``max_duration_s`` + 1 s, so a huge file costs no more than the limit's worth of reading
    (about half a second for a 45-minute lesson). A header longer than the packets (a file
    cut off during upload) is kept: it only overstates the cost, and the decode compares
    against it to report the damage.
    """
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-t", f"{max_duration_s + 1:.3f}", *ffmpeg_input.input_args(path, demuxer=demuxer),
        "-map", stream, "-c", "copy", "-f", "null", "-progress", "pipe:1", "-",
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=max(120.0, max_duration_s / 20), check=False)
    except subprocess.TimeoutExpired:
        raise AnalysisError("unreadable", "The file could not be read as media (reading it took too long).") from None
    times = [line.split(b"=", 1)[1] for line in proc.stdout.splitlines() if line.startswith(b"out_time_us=")]
    measured = max((_int(t.decode()) or 0 for t in times), default=0) / 1e6
    # The copy reports the last packet's start, a frame short of the end: a header up to a
    # second (or 1 %) shorter than the packets is rounding, and more exact.
    if measured <= header_s + max(1.0, 0.01 * measured):
        return header_s
    return round(measured, 3)


def decode_audio(
    path: str | os.PathLike,
    *,
    expected_duration_s: float | None = None,
    threads: int = 0,
    max_duration_s: float | None = None,
    name: str | None = None,
) -> np.ndarray:
    """Decode the first audio stream to 16 kHz mono float32.

    Args:
      path: Local file path, already validated by ``probe``.
      expected_duration_s: The probed (measured) duration; a decode that falls well short of
        it with decoder errors means the file is damaged, and one that runs well past it
        means the file is not the one that was measured (refused, ``too_long``).
      threads: ffmpeg threads (0 lets ffmpeg choose).
      max_duration_s: The length limit; the decode stops there whatever the file says.
        Default: ``expected_duration_s`` with a margin, else ``MediaOptions.max_duration_s``.
      name: The file's name, for its demuxer (default: ``path``).
    Returns:
      float32 samples in [-1, 1].
    Raises:
      AnalysisError: ``corrupt`` when ffmpeg cannot decode the audio; ``too_long`` when more
        audio arrives than the limit allows.
    """
    cap_s = _decode_cap(expected_duration_s, max_duration_s)
    demuxer = ffmpeg_input.family(name or path)
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-threads", str(threads),
        *ffmpeg_input.input_args(path, demuxer=demuxer), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(SAMPLE_RATE), "-t", f"{cap_s + 1:.3f}", "-f", "f32le", "-",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as err, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc:
        audio = _read_samples(proc.stdout, expected_duration_s, limit=int(cap_s * SAMPLE_RATE))
        if audio is None:
            proc.kill()  # it would go on writing into a pipe nobody reads
        returncode = proc.wait()
        err.seek(0)
        errors = err.read().decode("utf-8", "replace").strip()
    if audio is None:
        raise AnalysisError(
            "too_long",
            f"The recording holds more audio than the {_minutes(cap_s)} it was measured or allowed at; "
            "it was stopped there.",
        )
    if returncode != 0 and audio.size == 0:
        raise AnalysisError("corrupt", "The audio could not be decoded; the file looks damaged.")
    decoded_s = audio.size / SAMPLE_RATE
    if errors and expected_duration_s and decoded_s < 0.9 * expected_duration_s - 1.0:
        raise AnalysisError(
            "corrupt",
            f"The file is damaged or incomplete: only {decoded_s:.0f} s of {expected_duration_s:.0f} s could be decoded.",
        )
    return audio


def _decode_cap(expected_duration_s: float | None, max_duration_s: float | None) -> float:
    """Seconds of audio a decode may yield: the limit, and no more than the measured length
    allows (a tenth and half a minute of slack: decoders pad, headers round)."""
    caps = [c for c in (max_duration_s,) if c]
    if expected_duration_s:
        caps.append(expected_duration_s * 1.1 + 30.0)
    return min(caps) if caps else MediaOptions().max_duration_s


def _read_samples(stream, expected_duration_s: float | None, limit: int | None = None) -> np.ndarray | None:
    """float32 samples from a pipe into one buffer, sized from the probed duration.

    Reading ``communicate()``'s bytes and copying them would hold the audio twice; a long
    lesson is 170 MB of samples, so the buffer is filled in place and grown only if the
    stream runs past the estimate. Past ``limit`` samples it stops reading and returns None
    (samples count, not timestamps: a file whose timestamps lie cannot run on).
    """
    size = int(((expected_duration_s or 60.0) + 2.0) * SAMPLE_RATE)
    if limit is not None:
        size = min(size, limit + SAMPLE_RATE)
    buf = np.empty(size, np.float32)
    view = memoryview(buf).cast("B")
    filled = 0
    while True:
        if limit is not None and filled > limit * 4:
            del view
            return None
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
