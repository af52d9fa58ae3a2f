"""Faces, centring, motion and the renders, on videos with a real face on a known path."""

import json
import subprocess

import numpy as np
import pytest

from analysis import media, qa, render, run, visual
from analysis.highlights import Highlight
from analysis.pipeline import PipelineOptions
from tests.dialogue import lesson_turns
from tests.dialogue import render as render_dialogue
from tests.visual_media import make_face_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def face_video(tmp_path_factory):
    d = tmp_path_factory.mktemp("visual")
    render_dialogue(lesson_turns(), d / "lesson.wav")
    make_face_video(d / "face.mp4", d / "lesson.wav", duration=40)
    return d / "face.mp4"


@pytest.fixture(scope="module")
def analysed(face_video, tmp_path_factory):
    out = tmp_path_factory.mktemp("clips")
    options = PipelineOptions(render_dir=str(out))
    return run(face_video, options).to_dict(), out


def truth_by_time(face_video):
    frames = json.loads(face_video.with_suffix(".json").read_text())["frames"]
    return {round(f["t"], 2): f["centre"] for f in frames}


def test_it_finds_the_face_where_it_is(face_video):
    info = media.probe(face_video)
    result = visual.analyse(face_video, info.display_size)
    truth = truth_by_time(face_video)
    diagonal = np.hypot(*info.display_size)
    present = [(s, truth[round(s.t, 2)]) for s in result.samples if truth.get(round(s.t, 2))]
    absent = [s for s in result.samples if truth.get(round(s.t, 2)) is None]
    found = [(s, c) for s, c in present if s.faces]
    assert len(found) / len(present) >= 0.9  # recall
    for s, (cx, cy) in found:
        face = max(s.faces, key=lambda f: f.w * f.h)
        assert np.hypot(face.x + face.w / 2 - cx, face.y + face.h / 2 - cy) / diagonal <= 0.05
    assert sum(bool(s.faces) for s in absent) <= 1  # few false positives while the face is away
    assert all(s.motion >= 0 for s in result.samples)
    assert any(s.gesture > 0 for s in result.samples)


def test_highlights_follow_the_rules(analysed):
    result, _ = analysed
    highlights = result["highlights"]
    assert 1 <= len(highlights) <= 5
    spans = sorted((h["start"], h["end"]) for h in highlights)
    for (_, a1), (b0, _) in zip(spans, spans[1:], strict=False):
        assert a1 <= b0  # no overlap
    for h in highlights:
        assert 15 <= h["end"] - h["start"] <= 60
        assert 0 <= h["start"] and h["end"] <= result["media"]["duration_s"]
        assert h["title"] and h["reason"] and h["score"] > 0


def test_renders_pass_qa(analysed):
    result, out = analysed
    assert result["qa"]["passed"], [c for c in result["qa"]["checks"] if not c["passed"]]
    for h in result["highlights"]:
        stem = out / h["clip"][:2]
        assert (out / h["clip"]).exists() and stem.with_suffix(".jpg").exists()
        assert stem.with_suffix(".vtt").read_text().startswith("WEBVTT")
    clip = result["qa"]["clips"][0]
    assert (clip["profile"], clip["level"], clip["pix_fmt"], clip["color_primaries"]) == (
        "High",
        40,
        "yuv420p",
        "bt709",
    )
    assert clip["centred_share"] >= 0.95 and clip["decode_errors"] == 0
    assert abs(clip["loudness_lufs"] - (-16.0)) <= 1.0


def test_qa_fails_a_bad_render(face_video, tmp_path):
    # Wrong level, no colour tags, and one clip 6 dB quieter than the other.
    for name, gain in (("a.mp4", 0), ("b.mp4", -6)):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-t", "12", "-i", str(face_video), "-c:v", "libx264", "-preset", "ultrafast",
             "-profile:v", "high", "-level:v", "3.1", "-pix_fmt", "yuv420p", "-af", f"volume={gain}dB",
             "-c:a", "aac", str(tmp_path / name)],
            check=True,
        )  # fmt: skip
    report = qa.check([tmp_path / "a.mp4", tmp_path / "b.mp4"])
    failed = {c["name"] for c in report["checks"] if not c["passed"]}
    assert report["passed"] is False
    assert {"level", "color primaries", "color space", "loudness spread"} <= failed
    assert report["loudness_spread_lu"] >= 5


def test_qa_counts_decode_errors_in_a_damaged_clip(analysed, tmp_path):
    result, out = analysed
    data = bytearray((out / result["highlights"][0]["clip"]).read_bytes())
    rng = np.random.default_rng(1)
    for at in np.linspace(len(data) // 3, 2 * len(data) // 3, 20).astype(int):
        data[at : at + 200] = rng.integers(0, 256, 200, dtype=np.uint8).tobytes()
    (tmp_path / "damaged.mp4").write_bytes(bytes(data))
    report = qa.check([tmp_path / "damaged.mp4"])
    assert report["clips"][0]["decode_errors"] > 0
    assert report["passed"] is False


def test_the_camera_holds_still_when_the_face_does():
    samples = [visual.Sample(t=float(t), faces=[visual.Face(600, 300, 100, 100, 0.9)]) for t in range(20)]
    path = render.camera_path(samples, 2.0, 250, 25.0, (1280, 720), (896, 504), render.RenderOptions())
    assert len(set(path)) == 1


def test_audio_only_files_get_no_visuals_and_no_clips(media_dir, tmp_path):
    result = run(media_dir / "lesson.flac", PipelineOptions(render_dir=str(tmp_path / "clips"))).to_dict()
    assert result["visual"]["samples"] == [] and result["visual"]["frame_size"] is None
    assert not list((tmp_path / "clips").glob("*.mp4")) if (tmp_path / "clips").exists() else True
    assert any("No video" in n for n in result["notes"])


def test_a_rotated_phone_video_is_seen_upright(face_video, tmp_path):
    # Coded sideways (as a phone stores it) with rotation metadata that turns it upright.
    coded = tmp_path / "coded.mp4"
    sideways = tmp_path / "sideways.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(face_video), "-vf", "transpose=1", "-c:a", "copy",
                    str(coded)], check=True)  # fmt: skip
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(coded), "-c", "copy", "-metadata:s:v:0", "rotate=90",
                    str(sideways)], check=True)  # fmt: skip
    info = media.probe(sideways)
    assert info.rotation == 90 and info.display_size == (640, 360)
    result = visual.analyse(sideways, info.display_size)
    assert sum(bool(s.faces) for s in result.samples) / len(result.samples) >= 0.8


@pytest.mark.parametrize("size", ["96x54", "3840x2160"])
def test_odd_sizes_and_variable_frame_rates_do_not_crash(face_video, tmp_path, size):
    odd = tmp_path / "odd.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(face_video), "-t", "20", "-vf", f"scale={size}",
                    "-fps_mode", "vfr", "-r", "7", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(odd)],
                   check=True)  # fmt: skip
    result = run(odd, PipelineOptions(render_dir=str(tmp_path / "clips"))).to_dict()
    assert result["visual"]["frame_size"] == [int(v) for v in size.split("x")]
    assert result["schema"] == "cultivate.result/1"


def test_bt709_planes_convert_to_the_right_colours():
    def plane(v, shape):
        return np.full(shape, v, np.uint8)

    def colour(y, u, v):
        return render.bt709_to_bgr(plane(y, (4, 4)), plane(u, (2, 2)), plane(v, (2, 2)))[0, 0].tolist()

    assert colour(235, 128, 128) == [255, 255, 255]
    assert colour(16, 128, 128) == [0, 0, 0]
    assert all(abs(a - b) <= 2 for a, b in zip(colour(63, 102, 240), [0, 0, 255], strict=True))  # BT.709 red


@pytest.mark.parametrize(
    ("size", "matrix", "tags"),
    [
        ("1280x720", "bt601", ["-pix_fmt", "yuvj420p", "-colorspace", "smpte170m", "-color_range", "pc"]),  # phone
        ("640x360", "bt601", ["-pix_fmt", "yuv420p"]),  # untagged SD: BT.601 assumed
        ("1280x720", "bt709", ["-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_range", "tv"]),  # as is
    ],
)
def test_renders_keep_colours_whatever_the_source_tags(tmp_path, size, matrix, tags):
    # An orange skin tone: reading full-range BT.601 as limited BT.709 would be 19 levels off in red.
    source = tmp_path / "tone.mp4"
    full = ":out_range=pc" if "pc" in tags else ""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=0xC08040:s={size}:r=25:d=18",
                    "-f", "lavfi", "-i", "sine=f=440:d=18", "-vf", f"scale=out_color_matrix={matrix}{full}",
                    *tags, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(source)], check=True)  # fmt: skip
    out = tmp_path / "clips"
    render.render(source, media.probe(source), [Highlight(1.0, 17.0, "tone", 1.0)], [], [], out)
    rgb = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out / "01.mp4"), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout  # fmt: skip
    assert np.abs(np.frombuffer(rgb, np.uint8).reshape(-1, 3).mean(axis=0) - (192, 128, 64)).max() <= 4
    thumb = cv2_imread(out / "01.jpg")
    assert np.abs(thumb.reshape(-1, 3).mean(axis=0) - (64, 128, 192)).max() <= 4  # BGR
    facts = qa.probe_clip(out / "01.mp4")
    assert (facts["color_space"], facts["pix_fmt"]) == ("bt709", "yuv420p")


def cv2_imread(path):
    import cv2

    return cv2.imread(str(path))


def test_blur_others_blurs_every_face_but_the_followed_one():
    rng = np.random.default_rng(0)
    planes = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((360, 640), (180, 320), (180, 320))]
    teacher, child = visual.Face(100, 100, 120, 120, 0.9), visual.Face(420, 150, 60, 60, 0.8)
    blurred = render._blur_others(planes, [visual.Sample(t=5.0, faces=[teacher, child])], 5.2)
    for k, (before, after) in enumerate(zip(planes, blurred, strict=True)):
        s = 2 if k else 1  # chroma planes are half size
        assert np.array_equal(before[_box(teacher, s)], after[_box(teacher, s)])
        assert after[_box(child, s)].std() < before[_box(child, s)].std() / 4
    assert render._blur_others(planes, [visual.Sample(t=5.0, faces=[teacher, child])], 9.0) is planes  # too far


def _box(face, step):
    return slice(face.y // step, (face.y + face.h) // step), slice(face.x // step, (face.x + face.w) // step)
