"""Loudness agrees with ffmpeg's EBU R128 meter; pauses and overlaps are counted right."""

import re
import subprocess

import pytest

from analysis import media, prosody


def ffmpeg_r128(path):
    err = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=framelog=verbose",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1]), float(re.findall(r"LRA:\s+([\d.]+) LU", err)[-1])


def test_loudness_matches_ffmpeg_ebur128_on_a_mono_file(media_dir):
    path = media_dir / "lesson.wav"
    integrated, lra = ffmpeg_r128(path)
    audio = media.decode_audio(path)
    assert prosody.integrated_loudness(audio) == pytest.approx(integrated, abs=0.5)
    assert prosody.loudness_range(audio) == pytest.approx(lra, abs=1.0)


def test_silence_has_no_loudness():
    import numpy as np

    assert prosody.integrated_loudness(np.zeros(16000 * 5, np.float32)) is None


def test_pauses_and_overlaps():
    turns = [(0.0, 2.0, "S1"), (3.5, 5.0, "S2"), (5.1, 6.0, "S2"), (7.0, 8.0, "S1")]
    p = prosody.pauses(turns)
    assert (p.count, p.between_speakers, p.within_speaker) == (2, 2, 0)  # 0.1 s is not a pause
    assert p.total_s == pytest.approx(2.5)
    words = [(0.0, 1.0, "S1"), (0.8, 1.5, "S2"), (2.0, 2.5, "S2")]
    o = prosody.overlaps(words)
    assert (o.count, o.total_s) == (1, pytest.approx(0.2))
