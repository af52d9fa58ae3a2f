"""The video converter: every format from a generated clip, measured back from the file."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import animated, convert, media
from analysis.errors import AnalysisError, Cancelled

ROOT = Path(__file__).resolve().parents[2]
DURATION, FPS, WIDTH = 3.0, 10, 160  # the conversions: 3 s at 10 fps, 160 wide


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A 3 s 320x240 25 fps H.264+AAC clip, a 40 s one (for the length limit) and a WAV."""
    d = tmp_path_factory.mktemp("convert")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3", "-f", "lavfi",
            "-i", "sine=frequency=440:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(d / "clip.mp4"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5:duration=40", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(d / "long.mp4"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(d / "tone.wav"))
    return d


def _decode_errors(path: Path, fmt: str) -> str:
    """What a decoder says about every frame of the file ('' when it decodes cleanly)."""
    if fmt == "webp":  # ffmpeg 5.1 cannot decode animated WebP; Pillow (libwebp) can
        Image = pytest.importorskip("PIL.Image")
        with Image.open(path) as im:
            for i in range(im.n_frames):
                im.seek(i)
                im.load()
        return ""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return proc.stderr.strip() or ("" if proc.returncode == 0 else f"exit {proc.returncode}")


def _probe_streams(path: Path) -> list[dict]:
    proc = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,profile,pix_fmt",
                           "-of", "json", str(path)], capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout)["streams"]


@pytest.mark.parametrize("fmt", convert.FORMATS)
def test_each_format_has_the_asked_frames_and_size_and_decodes(clips, tmp_path, fmt):
    out = tmp_path / f"out{convert.EXTENSIONS[fmt]}"
    seen = []
    result = convert.convert(
        clips / "clip.mp4",
        out,
        convert.ConvertOptions(format=fmt, fps=FPS, width=WIDTH),
        on_progress=lambda stage, fraction: seen.append((stage, fraction)),
    )
    assert result.path == str(out) and out.exists() and result.size_bytes == out.stat().st_size > 0
    assert abs(result.frames - FPS * DURATION) <= 1
    assert (result.width, result.height) == (160, 120)  # the height follows the 4:3 aspect
    assert result.fps == pytest.approx(FPS, abs=0.05)
    assert result.duration_s == pytest.approx(DURATION, abs=1 / FPS + 0.02)
    assert seen and all(stage == "converting" and 0 <= f <= 1 for stage, f in seen)
    assert seen[-1] == ("converting", 1.0)
    assert json.loads(json.dumps(result.to_dict()))["format"] == fmt
    if fmt == "lottie":
        return  # structure checked below
    assert _decode_errors(out, fmt) == ""
    if fmt != "webp":  # ffprobe's own count agrees with the result
        info = media.probe(out, media.MediaOptions(require_audio=False))
        assert (info.width, info.height) == (160, 120)


def test_mp4_is_web_ready_h264_with_the_audio(clips, tmp_path):
    out = tmp_path / "out.mp4"
    convert.convert(clips / "clip.mp4", out, convert.ConvertOptions(format="mp4", width=WIDTH))
    streams = {s["codec_type"]: s for s in _probe_streams(out)}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["profile"] == "High"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["audio"]["codec_name"] == "aac"
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart: the index first


def test_webm_is_vp9_with_opus(clips, tmp_path):
    out = tmp_path / "out.webm"
    convert.convert(clips / "clip.mp4", out, convert.ConvertOptions(format="webm", fps=FPS, width=WIDTH))
    assert {s["codec_type"]: s["codec_name"] for s in _probe_streams(out)} == {"video": "vp9", "audio": "opus"}


def test_lottie_has_the_schemas_required_fields_and_embedded_frames(clips, tmp_path):
    out = tmp_path / "out.json"
    result = convert.convert(clips / "clip.mp4", out, convert.ConvertOptions(format="lottie", fps=FPS, width=WIDTH))
    doc = json.loads(out.read_text())
    # lottie-spec 1.0 schema: animation requires w, h, fr, ip, op, layers; v and assets for images.
    for key in ("v", "fr", "ip", "op", "w", "h", "layers", "assets"):
        assert key in doc, key
    assert doc["v"] == animated.LOTTIE_VERSION
    assert (doc["w"], doc["h"], doc["fr"], doc["ip"]) == (160, 120, FPS, 0)
    assert doc["op"] == result.frames == len(doc["layers"]) == len(doc["assets"])
    assert abs(doc["op"] - FPS * DURATION) <= 1
    ids = set()
    for asset in doc["assets"]:
        assert {"id", "w", "h", "p"} <= asset.keys() and asset["e"] == 1 and asset["u"] == ""
        assert (asset["w"], asset["h"]) == (160, 120)
        prefix, _, data = asset["p"].partition(",")
        assert prefix == "data:image/jpeg;base64"
        image = base64.b64decode(data, validate=True)
        assert image[:3] == b"\xff\xd8\xff" and image[-2:] == b"\xff\xd9"  # a whole JPEG
        ids.add(asset["id"])
    for i, layer in enumerate(doc["layers"]):
        assert layer["ty"] == 2 and layer["refId"] in ids  # image layer: ty, refId, ks; layer: ip, op
        assert (layer["ip"], layer["op"], layer["st"]) == (i, i + 1, 0)
        assert {"o", "r", "p", "a", "s"} <= layer["ks"].keys()
    assert len({layer["refId"] for layer in doc["layers"]}) == len(doc["layers"])  # each frame once


def test_a_frame_decodes_to_the_source_picture(clips, tmp_path):
    """The first embedded JPEG is a real picture of the clip, not a blank frame."""
    out = tmp_path / "out.json"
    convert.convert(clips / "clip.mp4", out, convert.ConvertOptions(format="lottie", fps=FPS, width=WIDTH))
    first = base64.b64decode(json.loads(out.read_text())["assets"][0]["p"].partition(",")[2])
    jpeg = tmp_path / "first.jpg"
    jpeg.write_bytes(first)
    assert _decode_errors(jpeg, "jpeg") == ""
    assert len(first) > 2000  # testsrc2 is busy: a blank frame would be a few hundred bytes


def test_one_side_keeps_the_aspect_and_mp4_sides_are_even(clips, tmp_path):
    info = media.probe(clips / "clip.mp4")
    assert convert.validate(info, convert.ConvertOptions(format="mp4", height=101)).width == 134  # 134.67 -> even
    assert convert.validate(info, convert.ConvertOptions(format="gif", height=101)).width == 135
    both = convert.validate(info, convert.ConvertOptions(format="webp", width=100, height=100))
    assert (both.width, both.height) == (100, 100)


def test_defaults_are_filled_in(clips):
    info = media.probe(clips / "clip.mp4")
    mp4 = convert.validate(info, convert.ConvertOptions())
    assert (mp4.fps, mp4.width, mp4.height, mp4.end_s) == (25.0, 320, 240, pytest.approx(info.duration_s, abs=1e-3))
    gif = convert.validate(info, convert.ConvertOptions(format="gif", end_s=99))
    assert gif.fps == convert.ANIMATED_DEFAULT_FPS and gif.end_s == pytest.approx(info.duration_s, abs=1e-3)


def test_start_and_end_trim(clips, tmp_path):
    out = tmp_path / "trim.gif"
    result = convert.convert(
        clips / "clip.mp4", out, convert.ConvertOptions(format="gif", fps=FPS, width=80, start_s=1.0, end_s=2.5)
    )
    assert abs(result.frames - FPS * 1.5) <= 1
    assert result.duration_s == pytest.approx(1.5, abs=0.15)
    assert (result.width, result.height) == (80, 60)


def test_gif_plays_once_without_loop(clips, tmp_path):
    looped, once = tmp_path / "loop.gif", tmp_path / "once.gif"
    short = {"format": "gif", "fps": 5, "width": 32, "end_s": 1.0}
    convert.convert(clips / "clip.mp4", looped, convert.ConvertOptions(**short))
    convert.convert(clips / "clip.mp4", once, convert.ConvertOptions(**short, loop=False))
    assert b"NETSCAPE2.0" in looped.read_bytes()  # the loop-forever extension
    assert b"NETSCAPE2.0" not in once.read_bytes()


@pytest.mark.parametrize(
    ("source", "options", "code", "words"),
    [
        ("clip.mp4", {"fps": 0}, "bad_option", "Frames per second must be above 0"),
        ("clip.mp4", {"fps": 120}, "bad_option", "at most 60"),
        ("clip.mp4", {"width": 1281}, "bad_option", "more than 4x the source's 320 px"),
        ("clip.mp4", {"height": 8}, "bad_option", "at least 16 px"),
        ("clip.mp4", {"start_s": 2.0, "end_s": 2.0}, "bad_option", "must be after the start time"),
        ("clip.mp4", {"start_s": 5.0}, "bad_option", "past the end of the video"),
        ("clip.mp4", {"start_s": -1.0}, "bad_option", "cannot be negative"),
        ("clip.mp4", {"format": "avi"}, "bad_option", "Unknown format 'avi'; choose one of mp4, webm, gif"),
        ("clip.mp4", {"quality": 0}, "bad_option", "Quality must be between 1 and 100"),
        ("long.mp4", {"format": "gif"}, "bad_option", "A gif may be at most 30 s long (asked for 40.0 s)"),
        ("long.mp4", {"format": "webp", "max_gif_s": 10}, "bad_option", "at most 10 s long"),
        ("long.mp4", {"format": "lottie", "fps": 30, "max_gif_s": 60}, "bad_option", "at most 600 frames"),
        ("tone.wav", {}, "no_video", "no video to convert"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(clips, tmp_path, source, options, code, words):
    out = tmp_path / "out.bin"
    with pytest.raises(AnalysisError) as caught:
        convert.convert(clips / source, out, convert.ConvertOptions(**options))
    assert caught.value.code == code and caught.value.permanent
    assert words in caught.value.message
    assert str(tmp_path) not in caught.value.message
    assert not out.exists()


def test_long_mp4_is_fine(clips):
    info = media.probe(clips / "long.mp4", media.MediaOptions(require_audio=False))
    assert convert.validate(info, convert.ConvertOptions(format="mp4")).end_s == pytest.approx(40, abs=0.1)


@pytest.mark.parametrize("fmt", ["mp4", "lottie"])
def test_cancelling_removes_the_partial_output(clips, tmp_path, fmt):
    out = tmp_path / f"out{convert.EXTENSIONS[fmt]}"
    calls = []

    def should_cancel():
        calls.append(1)
        return len(calls) >= 2  # not before starting; at ffmpeg's first progress report

    with pytest.raises(Cancelled):
        convert.convert(
            clips / "long.mp4",
            out,
            convert.ConvertOptions(format=fmt, fps=15, width=256, max_gif_s=60),
            should_cancel=should_cancel,
        )
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []  # no output, no part file, no frames folder


def _command(*args: str):
    return subprocess.run(
        [sys.executable, "manage.py", "convert", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_command_converts_and_prints_one_line(clips, tmp_path):
    out = tmp_path / "c.webp"
    proc = _command(str(clips / "clip.mp4"), "--to", "webp", "--fps", "5", "--width", "64", "--end", "1",
                    "--no-loop", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith(f"wrote {out} (webp, 64x48, 5 frames")
    assert animated.webp_frames(out)[:3] == (64, 48, 5)


def test_the_command_exits_1_with_one_line_on_bad_input(clips, tmp_path):
    proc = _command(str(clips / "clip.mp4"), "--to", "gif", "--fps", "0", "--out", str(tmp_path / "c.gif"))
    assert proc.returncode == 1
    assert proc.stderr == "error: Frames per second must be above 0 and at most 60 (got 0). (bad_option)\n"
    assert proc.stdout == ""
    proc = _command(str(clips / "tone.wav"), "--to", "mp4", "--out", str(tmp_path / "c.mp4"))
    assert proc.returncode == 1 and proc.stderr.startswith("error: ") and proc.stderr.endswith("(no_video)\n")
    assert proc.stderr.count("\n") == 1
