import pytest

from analysis import SCHEMA, Cancelled, run
from analysis.errors import AnalysisError
from tests.conftest import CHILD_LINE, TEACHER_LINE, overlap

pytestmark = pytest.mark.slow


def test_it_transcribes_a_two_speaker_video_with_word_times(media_dir):
    calls = []
    result = run(media_dir / "lesson.mp4", on_progress=lambda stage, f: calls.append((stage, f)))
    doc = result.to_dict()
    assert doc["schema"] == SCHEMA
    assert doc["media"]["width"] == 1280
    text = " ".join(s["text"] for s in doc["segments"])
    assert overlap(TEACHER_LINE, text) >= 0.8
    assert overlap(CHILD_LINE, text) >= 0.6
    for seg in doc["segments"]:
        assert seg["start"] <= seg["end"]
        assert seg["words"], "every segment carries its words"
        for w in seg["words"]:
            assert seg["start"] - 0.5 <= w["start"] <= w["end"] <= seg["end"] + 0.5
    # The child's line comes after the teacher's and the one-second pause.
    last_words = doc["segments"][-1]["words"]
    assert last_words[-1]["end"] > 6
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert [s for s, _ in calls][0] == "probing"
    assert [s for s, _ in calls][-1] == "checking"
    assert {"probe", "decode_audio", "transcribe", "vad", "speakers", "discourse", "prosody", "total"} <= set(
        doc["timings"]
    )
    assert doc["models"]["whisper"]["name"] == "tiny.en"
    assert [s["role"] for s in doc["speakers"]] == ["teacher", "child"]
    assert {seg["speaker"] for seg in doc["segments"]} == {"S1", "S2"}
    # Every word carries its speaker, the segment's (segments split where the speaker changes).
    assert all(w["speaker"] == seg["speaker"] for seg in doc["segments"] for w in seg["words"])
    assert doc["metrics"]["overlap_count"] == len(doc["overlaps"])
    talk = sum(s["talk_s"] for s in doc["speakers"])
    assert sum(s["talk_share"] for s in doc["speakers"]) == pytest.approx(1.0, abs=0.01) and talk > 0


def test_it_reads_audio_only_files(media_dir):
    doc = run(media_dir / "lesson.flac").to_dict()
    assert doc["media"]["has_video"] is False
    assert overlap(TEACHER_LINE, " ".join(s["text"] for s in doc["segments"])) >= 0.8


def test_it_stops_when_asked(media_dir):
    with pytest.raises(Cancelled):
        run(media_dir / "lesson.wav", should_cancel=lambda: True)


def test_a_cancel_during_transcription_stops_every_branch(media_dir):
    import threading

    seen = []

    def cancel_once_transcribing():
        seen.append(threading.current_thread().name)
        return len(seen) > 3  # after the probe and decode checks: inside transcription

    with pytest.raises(Cancelled):
        run(media_dir / "lesson.mp4", should_cancel=cancel_once_transcribing)
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("visual", "speakers"))]


def test_diarization_stops_when_asked(media_dir):
    from analysis import media, speakers, vad

    audio = media.decode_audio(media_dir / "lesson.wav")
    with pytest.raises(Cancelled):
        speakers.diarize(audio, vad.detect_speech(audio), should_stop=lambda: True)


def test_it_fails_cleanly_on_a_video_without_sound(media_dir):
    with pytest.raises(AnalysisError) as caught:
        run(media_dir / "silent-video.mp4")
    assert caught.value.code == "no_audio"


def test_long_audio_is_transcribed_in_pieces_with_true_times(tmp_path):
    from analysis import media, speech
    from tests.dialogue import lesson_turns, render

    truth = render(lesson_turns(), tmp_path / "lesson.wav")
    audio = media.decode_audio(tmp_path / "lesson.wav")
    pieces = list(media.quiet_pieces(audio, 12.0))
    assert len(pieces) >= 3 and sum(p.size for _, p in pieces) == audio.size
    whole = speech.transcribe(audio)
    chunked = speech.transcribe(audio, speech.TranscribeOptions(chunk_s=12.0))
    words = [w for s in chunked.segments for w in s.words]
    assert [w.start for w in words] == sorted(w.start for w in words)
    text = " ".join(s.text for s in chunked.segments)
    assert overlap(" ".join(t.text for t in truth), text) >= 0.8
    assert abs(words[-1].end - [w for s in whole.segments for w in s.words][-1].end) < 0.5
