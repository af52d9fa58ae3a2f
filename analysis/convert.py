"""Convert a video to a web format: MP4, WebM, GIF, animated WebP or Lottie JSON.

One ffmpeg process per conversion (trim, frame rate, scale and encode in one filter graph),
watched through ``-progress pipe:1`` so the caller sees frames processed and can cancel.

- ``mp4``: H.264 High, yuv420p, ``+faststart`` (plays while it downloads); the source's first
  audio stream is re-encoded to AAC 128 kb/s when there is one.
- ``webm``: VP9 (``libvpx-vp9``, constant quality, realtime speed 8, row multithreading:
  about 6x faster than ``good`` speed 5 for files about a quarter larger); Opus 96 kb/s audio
  when the source has audio.
- ``gif``: a palette made for this clip (``palettegen``/``paletteuse`` in one graph via
  ``split``); no audio.
- ``webp``: animated WebP (``libwebp_anim``, lossy); no audio.
- ``lottie``: Lottie JSON, format version ``animated.LOTTIE_VERSION`` (5.7.4, the Bodymovin schema
  lottie-web, lottie-android/ios and the lottie-spec 1.0 players read): an image-sequence
  animation, one JPEG per frame embedded as a base64 data URI image asset and shown by one
  image layer (``ty`` 2) for exactly one frame. No audio. See docs/convert.md.

Every output is silent except mp4/webm from a source with audio. Animated formats (gif, webp,
lottie) are limited in length (``max_gif_s``) and default to 15 fps and 480 px wide, because
every frame is stored nearly whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from analysis import animated, ffmpeg_input, media
from analysis.errors import AnalysisError, Cancelled

FORMATS = ("mp4", "webm", "gif", "webp", "lottie")
EXTENSIONS = {"mp4": ".mp4", "webm": ".webm", "gif": ".gif", "webp": ".webp", "lottie": ".json"}
ANIMATED = ("gif", "webp", "lottie")  # every frame stored nearly whole: short, small, slow
MAX_FPS = 60.0
ANIMATED_DEFAULT_FPS = 15.0  # fps=None on gif/webp/lottie: the source's, at most this
ANIMATED_DEFAULT_WIDTH = 480  # no size on gif/webp/lottie: the source's, at most this wide
MAX_LOTTIE_FRAMES = 600
MAX_UPSCALE = 4  # an output side may be at most this many times the source's
MIN_SIDE = 16
# Absolute caps on what a conversion may write, whatever the source (ConvertOptions' defaults).
MAX_SIDE = 4096
MAX_PIXELS = 4096 * 2160
MAX_ANIMATED_SIDE = 1280
MAX_ANIMATED_PIXELS = 200_000_000  # width x height x frames of a gif, webp or lottie
_X264_PRESET = "veryfast"


@dataclass
class ConvertOptions:
    """Attributes:
    format: One of ``FORMATS``.
    fps: Output frame rate, above 0 and at most 60. None: the source's (for gif, webp and
      lottie the source's but at most 15).
    width, height: Output size in pixels, at least 16 and at most 4x the source's side.
      One given: the other follows the source's aspect ratio. Neither: the source's size
      (for gif, webp and lottie at most 480 wide). mp4 and webm sizes are rounded to even.
    start_s: Where the output starts in the source, seconds.
    end_s: Where it ends; None (or past the end) means the end of the source.
    loop: gif and webp loop forever; False plays once. Lottie has no loop field (the player
      decides), mp4 and webm neither.
    quality: 1 (smallest) to 100 (best), mapped per format: x264 CRF 40..16, VP9 CRF 58..18,
      GIF palette 16..256 colours, WebP quality 1..100, Lottie JPEG q 31..2.
    threads: Encoder threads (0 lets ffmpeg choose).
    max_gif_s: Longest gif, webp or lottie accepted; longer ones fail with ``bad_option``.
    max_side, max_pixels: Largest output side and frame (width x height) of any format.
    max_animated_side: Largest side of a gif, webp or lottie.
    max_animated_pixels: Largest width x height x frames of a gif, webp or lottie (every frame
      is stored nearly whole, so this bounds the file and the encoder's work).
    """

    format: str = "mp4"
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    start_s: float = 0.0
    end_s: float | None = None
    loop: bool = True
    quality: int = 75
    threads: int = 0
    max_gif_s: float = 30.0
    max_side: int = MAX_SIDE
    max_pixels: int = MAX_PIXELS
    max_animated_side: int = MAX_ANIMATED_SIDE
    max_animated_pixels: int = MAX_ANIMATED_PIXELS


@dataclass
class ConvertResult:
    """The output as measured after writing it (ffprobe, or the JSON for lottie)."""

    path: str
    format: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    size_bytes: int

    def to_dict(self) -> dict:
        return asdict(self)


def validate(info: media.MediaInfo, options: ConvertOptions) -> ConvertOptions:
    """Check options against the source and fill in what was left to it.

    Args:
      info: The source's facts from ``media.probe``.
      options: What the caller asked for.
    Returns:
      A copy with ``fps``, ``width``, ``height`` and ``end_s`` set.
    Raises:
      AnalysisError: ``no_video`` for a source without video; ``bad_option`` with a message
        naming the option and the allowed range otherwise.
    """
    size = info.display_size
    if size is None:
        raise AnalysisError("no_video", "This file has no video to convert (it is audio only).")
    fmt = options.format
    if fmt not in FORMATS:
        raise AnalysisError("bad_option", f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    animated = fmt in ANIMATED
    if not 1 <= options.quality <= 100:
        raise AnalysisError("bad_option", f"Quality must be between 1 and 100 (got {options.quality}).")
    if options.threads < 0:
        raise AnalysisError("bad_option", f"Threads must be 0 (automatic) or more (got {options.threads}).")

    fps = options.fps
    if fps is None:
        fps = info.fps or 25.0
        if animated:
            fps = min(fps, ANIMATED_DEFAULT_FPS)
    elif not 0 < fps <= MAX_FPS:
        raise AnalysisError("bad_option", f"Frames per second must be above 0 and at most {MAX_FPS:g} (got {fps:g}).")

    start, end = options.start_s, options.end_s
    if start < 0:
        raise AnalysisError("bad_option", f"Start time cannot be negative (got {start:g} s).")
    if start >= info.duration_s:
        raise AnalysisError(
            "bad_option", f"Start time {start:g} s is past the end of the video ({info.duration_s:.2f} s long)."
        )
    if end is not None and end <= start:
        raise AnalysisError("bad_option", f"End time ({end:g} s) must be after the start time ({start:g} s).")
    end = info.duration_s if end is None else min(end, info.duration_s)
    duration = end - start
    if animated and duration > options.max_gif_s:
        raise AnalysisError(
            "bad_option",
            f"A {fmt} may be at most {options.max_gif_s:g} s long (asked for {duration:.1f} s); "
            "set a start and end time, or choose mp4 or webm.",
        )
    frames = _frame_count(duration, fps)
    if fmt == "lottie" and frames > MAX_LOTTIE_FRAMES:
        raise AnalysisError(
            "bad_option",
            f"A Lottie file may have at most {MAX_LOTTIE_FRAMES} frames ({duration:.1f} s at {fps:g} fps "
            f"is {frames}); lower the frame rate or shorten the clip.",
        )

    width, height = _size(size, options.width, options.height, fmt)
    _check_output_size(options, width, height, frames)
    return replace(options, fps=round(fps, 3), width=width, height=height, end_s=round(end, 3))


def convert(
    source: str | os.PathLike,
    out_path: str | os.PathLike,
    options: ConvertOptions | None = None,
    on_progress: Callable[[str, float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    media_options: media.MediaOptions | None = None,
) -> ConvertResult:
    """Convert ``source`` to ``out_path`` in ``options.format``.

    Args:
      source: Local video file.
      out_path: Where to write; its folder must exist. Replaced if present.
      options: Format and limits; defaults to ``ConvertOptions()`` (mp4).
      on_progress: Called as ``on_progress("converting", fraction)`` with fraction 0..1 by
        frames written.
      should_cancel: Polled about twice a second; True stops ffmpeg, removes the partial
        output and raises ``Cancelled``.
      media_options: Limits for the source (length, frame size); audio is never required.
    Returns:
      The output as measured: size, frame rate, frames, duration, bytes.
    Raises:
      AnalysisError: from ``media.probe``; ``no_video`` or ``bad_option`` from ``validate``;
        ``convert_failed`` (not permanent) when ffmpeg fails.
      Cancelled: when ``should_cancel`` returned True.
    """
    options = options or ConvertOptions()
    limits = media_options or media.MediaOptions()
    info = media.probe(source, replace(limits, require_audio=False, threads=options.threads))
    opts = validate(info, options)
    out = Path(out_path)
    total = _frame_count(opts.end_s - opts.start_s, opts.fps)
    if should_cancel and should_cancel():
        raise Cancelled()
    if opts.format == "lottie":
        with tempfile.TemporaryDirectory(prefix="lottie-", dir=out.parent) as tmp:
            pattern = Path(tmp) / "%06d.jpg"
            _run(_command(source, pattern, info, opts, total), pattern.parent, total, on_progress, should_cancel)
            tmp_json = out.with_name(out.name + ".part")
            try:
                animated.write_lottie(
                    sorted(Path(tmp).glob("*.jpg")), tmp_json, opts.width, opts.height, opts.fps, out.stem
                )
                tmp_json.replace(out)
            finally:
                tmp_json.unlink(missing_ok=True)
    else:
        _run(_command(source, out, info, opts, total), out, total, on_progress, should_cancel)
    if on_progress:
        on_progress("converting", 1.0)
    return measure(out, opts.format)


def measure(path: str | os.PathLike, fmt: str) -> ConvertResult:
    """Read an output's size, frame rate, frame count and duration back from the file."""
    path = os.fspath(path)
    if fmt == "lottie":
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        frames = int(doc["op"] - doc["ip"])
        return ConvertResult(
            path, fmt, doc["w"], doc["h"], doc["fr"], frames, round(frames / doc["fr"], 3), os.path.getsize(path)
        )
    if fmt == "webp":  # ffmpeg 5 cannot decode animated WebP: read the RIFF chunks
        w, h, frames, duration_s = animated.webp_frames(path)
        fps = round(frames / duration_s, 3) if duration_s else 0.0
        return ConvertResult(path, fmt, w, h, fps, frames, round(duration_s, 3), os.path.getsize(path))
    try:
        data = ffmpeg_input.ffprobe(
            path, "-select_streams", "v:0", "-count_packets", "-show_entries",
            "stream=width,height,avg_frame_rate,r_frame_rate,nb_read_packets,duration:format=duration",
            demuxer=ffmpeg_input.FAMILIES[fmt],
        )  # fmt: skip
    except ffmpeg_input.ProbeFailed:
        raise AnalysisError("convert_failed", "The converted file could not be read back.", permanent=False) from None
    stream = data["streams"][0]
    frames = int(stream.get("nb_read_packets") or 0)
    fps = media._rate(stream.get("avg_frame_rate")) or media._rate(stream.get("r_frame_rate")) or 0.0
    duration = media._float(stream.get("duration")) or media._float(data.get("format", {}).get("duration")) or 0.0
    if fmt == "gif" and frames and duration:  # GIF delays are whole centiseconds
        fps = round(frames / duration, 3)
    return ConvertResult(
        path, fmt, stream["width"], stream["height"], fps, frames, round(duration, 3), os.path.getsize(path)
    )


def _check_output_size(options: ConvertOptions, width: int, height: int, frames: int) -> None:
    """Refuse an output larger than the absolute caps (a 16000-px GIF from a 4000-px source)."""
    animated = options.format in ANIMATED
    side = options.max_animated_side if animated else options.max_side
    if max(width, height) > side or width * height > options.max_pixels:
        raise AnalysisError(
            "bad_option",
            f"A {options.format} may be at most {side} px a side and {options.max_pixels / 1e6:.1f} megapixels "
            f"a frame (asked for {width}x{height}); choose a smaller width or height.",
        )
    if animated and width * height * frames > options.max_animated_pixels:
        raise AnalysisError(
            "bad_option",
            f"This {options.format} would hold {width}x{height} pixels x {frames} frames, more than the "
            f"{options.max_animated_pixels / 1e6:.0f} million pixels allowed; make it smaller, shorter or "
            "lower the frame rate.",
        )


def _frame_count(duration_s: float, fps: float) -> int:
    return max(1, int(round(duration_s * fps)))


def _size(source: tuple[int, int], width: int | None, height: int | None, fmt: str) -> tuple[int, int]:
    sw, sh = source
    for name, value, side in (("Width", width, sw), ("Height", height, sh)):
        if value is None:
            continue
        if value < MIN_SIDE:
            raise AnalysisError("bad_option", f"{name} must be at least {MIN_SIDE} px (got {value}).")
        if value > MAX_UPSCALE * side:
            raise AnalysisError(
                "bad_option",
                f"{name} {value} px is more than {MAX_UPSCALE}x the source's {side} px; "
                f"at most {MAX_UPSCALE * side} px.",
            )
    if width is None and height is None:
        width = min(sw, ANIMATED_DEFAULT_WIDTH) if fmt in ANIMATED else sw
    if height is None:
        height = width * sh / sw
    elif width is None:
        width = height * sw / sh
    even = fmt in ("mp4", "webm")  # 4:2:0 needs even sides
    if even:
        return max(2, int(round(width / 2)) * 2), max(2, int(round(height / 2)) * 2)
    return max(1, int(round(width))), max(1, int(round(height)))


def _scale(opts: ConvertOptions, rest: str = "") -> str:
    # Rotation is applied by ffmpeg's autorotate before the filter graph, so sizes are display sizes.
    chain = f"fps={opts.fps:g},scale={opts.width}:{opts.height}:flags=lanczos,setsar=1"
    return chain + rest


def _command(source, out: Path, info: media.MediaInfo, opts: ConvertOptions, total: int) -> list[str]:
    q = opts.quality
    duration = opts.end_s - opts.start_s
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-progress", "pipe:1", "-stats_period", "0.5",
        "-ss", f"{opts.start_s:.3f}", "-t", f"{duration:.3f}",
        *ffmpeg_input.input_args(source, demuxer=ffmpeg_input.family(source)),
        "-frames:v", str(total), "-threads", str(opts.threads),
    ]  # fmt: skip
    if opts.format != "gif":  # the gif's filter graph names its input itself
        cmd += ["-map", "0:v:0"]
    audio = info.has_audio
    fmt = opts.format
    if fmt == "mp4":
        crf = round(40 - (q - 1) * 24 / 99)
        cmd += ["-vf", _scale(opts, ",format=yuv420p"), "-c:v", "libx264", "-preset", _X264_PRESET,
                "-crf", str(crf), "-profile:v", "high", "-pix_fmt", "yuv420p"]  # fmt: skip
        cmd += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"] if audio else ["-an"]
        cmd += ["-movflags", "+faststart", "-f", "mp4"]
    elif fmt == "webm":
        crf = round(58 - (q - 1) * 40 / 99)
        cmd += ["-vf", _scale(opts, ",format=yuv420p"), "-c:v", "libvpx-vp9", "-crf", str(crf), "-b:v", "0",
                "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-pix_fmt", "yuv420p"]  # fmt: skip
        cmd += ["-map", "0:a:0", "-c:a", "libopus", "-b:a", "96k"] if audio else ["-an"]
        cmd += ["-f", "webm"]
    elif fmt == "gif":
        colours = round(16 + (q - 1) * 240 / 99)
        dither = "sierra2_4a" if q >= 50 else "bayer:bayer_scale=3"
        graph = _scale(
            opts,
            f",split[a][b];[a]palettegen=max_colors={colours}:stats_mode=diff[p];"
            f"[b][p]paletteuse=dither={dither}:diff_mode=rectangle",
        )
        cmd += ["-filter_complex", f"[0:v:0]{graph}", "-an", "-loop", "0" if opts.loop else "-1", "-f", "gif"]
    elif fmt == "webp":
        cmd += ["-vf", _scale(opts, ",format=yuv420p"), "-c:v", "libwebp_anim", "-lossless", "0",
                "-quality", str(q), "-an", "-loop", "0" if opts.loop else "1", "-f", "webp"]  # fmt: skip
    else:  # lottie: a JPEG per frame into a folder
        jpeg_q = round(31 - (q - 1) * 29 / 99)
        cmd += ["-vf", _scale(opts, ",format=yuvj420p"), "-c:v", "mjpeg", "-q:v", str(jpeg_q), "-an",
                "-f", "image2"]  # fmt: skip
    return [*cmd, ffmpeg_input.output_path(out)]


def _run(cmd: list[str], out: Path, total: int, on_progress, should_cancel) -> None:
    """Run ffmpeg, reporting frames written; on cancel or failure remove what it wrote."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        cancelled = False
        try:
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key == "frame" and on_progress:
                    on_progress("converting", min(1.0, int(value or 0) / total))
                elif key == "progress" and should_cancel and should_cancel():
                    cancelled = True
                    break
        except BaseException:
            proc.kill()
            proc.wait()
            _remove(out)
            raise
        finally:
            if cancelled:
                proc.kill()
            code = proc.wait()
            proc.stdout.close()
        err.seek(0)
        errors = err.read().decode("utf-8", "replace").strip()
    if cancelled or code != 0:
        _remove(out)
    if cancelled:
        raise Cancelled()
    if code != 0:
        last = errors.splitlines()[-1] if errors else f"ffmpeg exited with {code}"
        raise AnalysisError("convert_failed", f"The video could not be converted: {last[:200]}", permanent=False)


def _remove(out: Path) -> None:
    """Remove a partial output: a file, or the frames in a folder (the folder stays)."""
    if out.is_dir():
        for child in out.iterdir():
            child.unlink(missing_ok=True)
    else:
        out.unlink(missing_ok=True)
