"""Faces, centring, motion and the renders, on videos with a real face on a known path."""

import json
import subprocess

import numpy as np
import pytest

from analysis import media, qa, render, run, visual
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
