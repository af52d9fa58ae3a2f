"""Recordings that are not a lesson: a result with sensible empty fields and a note, never a crash."""

import subprocess

import pytest

from analysis import run
from analysis.pipeline import PipelineOptions
from analysis.speakers import DiarizeOptions
from tests.dialogue import Turn, lesson_turns, render

pytestmark = pytest.mark.slow


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def test_silence_gives_an_empty_result_with_a_note(tmp_path):
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "20", str(tmp_path / "silence.wav"))
    result = run(tmp_path / "silence.wav").to_dict()
    assert result["segments"] == [] and result["speakers"] == [] and result["questions"] == []
    assert result["metrics"]["oeq_share"] is None and result["metrics"]["mean_wait_time_s"] is None
    assert any("No speech" in n for n in result["notes"])


def test_music_gives_no_questions(tmp_path):
    # A chord progression with a beat: tonal, loud, and not speech.
    ffmpeg(
        "-f", "lavfi", "-i",
        "aevalsrc='0.3*sin(2*PI*(220+110*floor(mod(t,4)))*t)+0.2*sin(2*PI*330*t)*gt(mod(t,0.5),0.25)':s=16000:d=30",
        str(tmp_path / "music.wav"),
    )  # fmt: skip
    result = run(tmp_path / "music.wav").to_dict()
    assert result["questions"] == []
    assert len(result["speakers"]) <= 2
    for s in result["speakers"]:
        assert 0 <= s["talk_share"] <= 1


def test_one_speaker_asked_for_two_gets_a_note_to_check_the_speakers(tmp_path):
    """A count given is trusted (on real voices no measure tells one voice from two reliably),
    but a note says the voices were hard to tell apart; with ``auto`` it is one voice."""
    turns = [Turn("teacher", t.text, t.label, t.pause_after) for t in lesson_turns()[:8]]
    render(turns, tmp_path / "solo.wav")
    result = run(tmp_path / "solo.wav").to_dict()  # 2 speakers by default
    assert any("hard to tell apart" in n for n in result["notes"])
    result = run(tmp_path / "solo.wav", PipelineOptions(speakers=DiarizeOptions(speakers="auto"))).to_dict()
    assert len(result["speakers"]) == 1
    assert any("one voice" in n for n in result["notes"])


def test_speech_in_another_language_is_flagged(tmp_path):
    text = "Bonjour les enfants. Aujourd'hui nous allons planter des graines dans le jardin de l'école."
    subprocess.run(["espeak-ng", "-v", "fr", "-w", str(tmp_path / "fr.wav"), text * 3], check=True)
    result = run(tmp_path / "fr.wav").to_dict()
    assert result["schema"] == "cultivate.result/1"
    assert any("English" in n for n in result["notes"]), result["notes"]
