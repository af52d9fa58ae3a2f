"""Speaker separation on real voices: dialogues laid out from real utterances (tests/data/realvoice)
with exact truth, scored the way bench/diarization.py scores them."""

from pathlib import Path

import numpy as np
import pytest

from analysis import speaker_clusters, speakers, vad
from analysis.speakers import DiarizeOptions, Overlap, Turn
from bench import der, realvoice

pytestmark = pytest.mark.slow

VOICES = Path(__file__).resolve().parents[1] / "data" / "realvoice"


@pytest.fixture(scope="module")
def dialogues():
    """Woman and boy of 7, woman and girl of 11 (close in pitch), two men: each once, with VAD."""
    out = {}
    for name in ("teacher_boy", "woman_girl_close", "two_men"):
        d = realvoice.build(name, VOICES)
        out[name] = (d, vad.detect_speech(d.audio))
    return out


def hypothesis(found: speakers.Diarization) -> list[tuple[float, float, str]]:
    return [(t.start, t.end, t.speaker) for t in found.turns]


@pytest.mark.parametrize("name", ["teacher_boy", "woman_girl_close", "two_men"])
def test_two_real_voices_are_told_apart_when_the_count_is_given(dialogues, name):
    d, spans = dialogues[name]
    found = speakers.diarize(d.audio, spans, DiarizeOptions(speakers=2))
    score = der.score(d.turns, hypothesis(found))
    # The wrong-speaker share counts speech the VAD missed (0.01-0.06 of these dialogues) as wrong.
    assert score.wrong_share <= 0.10, score
    assert score.talk_share_error <= 0.05, score.shares
    assert found.speakers == ["S1", "S2"]


@pytest.mark.parametrize("name", ["teacher_boy", "woman_girl_close", "two_men"])
def test_auto_never_hears_two_real_voices_as_one(dialogues, name):
    d, spans = dialogues[name]
    found = speakers.diarize(d.audio, spans, DiarizeOptions(speakers="auto"))
    assert len(found.speakers) == 2
    assert "Only one voice was found." not in found.notes
    assert der.score(d.turns, hypothesis(found)).wrong_share <= 0.10


def test_two_female_voices_teacher_and_child_with_two_speakers_asked(tmp_path):
    """The case the first clustering got wrong: a woman teacher and a girl (synthetic female
    voices), two speakers asked. Average linkage gave a stray piece of the teacher's voice a
    cluster of its own and merged the girl into the teacher (0.34 of speech wrong)."""
    from analysis import media
    from tests.dialogue import lesson_turns, render

    turns = lesson_turns("woman_teacher", "girl")
    render(turns, tmp_path / "lesson.wav")
    audio = media.decode_audio(tmp_path / "lesson.wav")
    spans = vad.detect_speech(audio)
    truth = [(t.start, t.end, t.speaker) for t in turns]
    old = speakers.diarize(audio, spans, DiarizeOptions(speakers=2, method="resemblyzer", clustering="agglomerative"))
    new = speakers.diarize(audio, spans, DiarizeOptions(speakers=2))
    assert der.score(truth, hypothesis(new)).wrong_share <= 0.06
    assert der.score(truth, hypothesis(new)).talk_share_error <= 0.05
    assert der.score(truth, hypothesis(old)).wrong_share > 0.2


def test_flagged_overlaps_are_mostly_near_real_ones(dialogues):
    """Overlaps are flagged only inside speech, name two different speakers, and at least one
    flagged second in three lies within a second of a real overlap."""
    flagged, near = 0.0, 0.0
    for d, spans in dialogues.values():
        found = speakers.diarize(d.audio, spans, DiarizeOptions(speakers=2))
        truth = [(a, b) for a, b, _ in d.turns]
        real = [(max(a1, a2), min(b1, b2)) for i, (a1, b1) in enumerate(truth) for a2, b2 in truth[i + 1 :] if a2 < b1]
        for o in found.overlaps:
            assert len(set(o.speakers)) == 2 and set(o.speakers) <= set(found.speakers)
            assert any(s.start - 1e-6 <= o.start and o.end <= s.end + 1e-6 for s in spans)
            flagged += o.end - o.start
            if any(o.start < b + 1.0 and o.end > a - 1.0 for a, b in real):
                near += o.end - o.start
    assert flagged > 0
    assert near / flagged >= 1 / 3


def test_overlapped_time_is_cut_out_of_the_turns():
    turns = [Turn(0.0, 4.0, "S1"), Turn(4.0, 6.0, "S2")]
    solo = speakers.without_overlaps(turns, [Overlap(3.5, 4.5, ["S1", "S2"]), Overlap(1.0, 1.5, ["S1", "S2"])])
    assert [(t.start, t.end, t.speaker) for t in solo] == [
        (0.0, 1.0, "S1"),
        (1.5, 3.5, "S1"),
        (4.5, 6.0, "S2"),
    ]


def test_a_long_recording_is_over_split_on_a_sample_and_every_window_labelled():
    """Past the spectral step's size limit the windows are sampled, then all of them assigned."""
    rng = np.random.default_rng(0)
    voices = speaker_clusters.unit(rng.standard_normal((2, 64)))
    truth = rng.integers(0, 2, speaker_clusters._SPECTRAL_MAX + 500)
    x = speaker_clusters.unit(voices[truth] + 0.2 * rng.standard_normal((truth.size, 64)))
    labels, k, heard = speaker_clusters.spectral_merge(x, "auto", 6, 8, 0.04, 0.86)
    assert k == heard == 2 and labels.size == truth.size
    agree = max(np.mean(labels == truth), np.mean(labels != truth))
    assert agree > 0.99


def test_the_whole_pipeline_on_real_voices_gives_the_lead_the_teacher_role(tmp_path):
    """A woman teacher and a boy of 7 (real voices): the teacher role, talk shares and every
    word's speaker come out right through the whole pipeline."""
    import soundfile

    from analysis import run

    d = realvoice.build("teacher_boy", VOICES)
    soundfile.write(tmp_path / "lesson.wav", d.audio, 16000)
    doc = run(tmp_path / "lesson.wav").to_dict()
    lead = d.speakers[0]
    lead_time = {}
    for s in doc["segments"]:
        for w in s["words"]:
            said = sum(max(0.0, min(b, w["end"]) - max(a, w["start"])) for a, b, who in d.turns if who == lead)
            lead_time[w["speaker"]] = lead_time.get(w["speaker"], 0.0) + said
    teacher = max(lead_time, key=lead_time.get)
    roles = {s["id"]: s for s in doc["speakers"]}
    assert roles[teacher]["role"] == "teacher"
    assert {s["role"] for s in doc["speakers"]} == {"teacher", "child"}
    true_share = sum(b - a for a, b, who in d.turns if who == lead) / sum(b - a for a, b, _ in d.turns)
    assert abs(roles[teacher]["talk_share"] - true_share) <= 0.05
    assert all(w["speaker"] == s["speaker"] for s in doc["segments"] for w in s["words"])


def test_one_real_voice_alone_is_heard_as_one():
    """Each test speaker's utterances joined, every one recorded in its own session (more
    varied than one person in one room): ``auto`` hears one voice, with no note to check."""
    heard = {}
    for speaker in realvoice.speakers_with_utterances(VOICES):
        d = realvoice.alone(speaker, VOICES)
        found = speakers.diarize(d.audio, vad.detect_speech(d.audio), DiarizeOptions(speakers="auto"))
        heard[speaker] = len(found.speakers)
    assert len(heard) >= 4
    assert all(n == 1 for n in heard.values()), heard


@pytest.mark.parametrize("voices", [1, 2, 3, 4])
def test_the_alike_rule_counts_the_voices_less_alike_than_the_line(voices):
    """Windows of ``voices`` people whose mean voices are far apart (cosine near 0) and scatter
    around them (a window is about 0.7 alike its own mean): the count is ``voices``, each voice
    in a cluster of its own. (``min_drop`` 99 would make the drop rule hear one voice.)"""
    rng = np.random.default_rng(voices)
    means = speaker_clusters.unit(rng.standard_normal((voices, 64)))
    truth = rng.integers(0, voices, 240)
    x = speaker_clusters.unit(means[truth] + 0.12 * rng.standard_normal((truth.size, 64)))
    labels, k, heard = speaker_clusters.spectral_merge(x, "auto", 6, 8, 99.0, 0.45, rule="alike")
    assert k == heard == voices
    if voices > 1:
        agree = min(np.mean(labels[truth == t] == np.bincount(labels[truth == t]).argmax()) for t in range(voices))
        assert agree > 0.95


def test_the_alike_rule_does_not_count_a_few_stray_windows_as_a_voice():
    """One voice over 120 windows and 3 stray windows unlike it (a cough, a shout): counted as
    one voice when a voice needs 4 windows of its own, as two when any piece counts; a second
    voice of 6 windows is still counted."""
    rng = np.random.default_rng(11)
    means = speaker_clusters.unit(rng.standard_normal((3, 64)))
    truth = np.r_[np.zeros(120, int), np.full(3, 1)]
    x = speaker_clusters.unit(means[truth] + 0.12 * rng.standard_normal((truth.size, 64)))

    def heard(x, min_windows):
        return speaker_clusters.spectral_merge(x, "auto", 6, 8, 99.0, 0.45, "alike", min_windows=min_windows)[2]

    assert heard(x, 1) == 2
    assert heard(x, 4) == 1
    second = speaker_clusters.unit(means[np.full(6, 2)] + 0.12 * rng.standard_normal((6, 64)))
    assert heard(np.vstack([x[:120], second]), 4) == 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_four_voices_asked_three_who_say_little_each_get_their_own_speaker(seed):
    """A teacher over 200 windows, speaking in several moods (pieces of one voice about 0.7
    alike), and three children with 6 windows each, far from her and from each other: asked
    for four, every child is a speaker of their own, not folded into the teacher's pieces."""
    rng = np.random.default_rng(seed)
    means = speaker_clusters.unit(rng.standard_normal((4, 64)))
    moods = speaker_clusters.unit(means[0] + 0.6 * speaker_clusters.unit(rng.standard_normal((6, 64))))
    teacher = moods[rng.integers(0, 6, 200)] + 0.1 * rng.standard_normal((200, 64))
    children = [means[i] + 0.12 * rng.standard_normal((6, 64)) for i in (1, 2, 3)]
    x = speaker_clusters.unit(np.vstack([teacher, *children]))
    truth = np.r_[np.zeros(200, int), np.repeat([1, 2, 3], 6)]
    labels, k, _ = speaker_clusters.spectral_merge(x, 4, 6, 8, 99.0, 0.45, "alike")
    assert k == 4
    for child in (1, 2, 3):
        mine = set(labels[truth == child].tolist())
        assert len(mine) == 1 and mine.isdisjoint(labels[truth != child].tolist()), child


def test_the_alike_rule_with_pitch_counts_two_alike_voices_far_apart_in_pitch_as_two():
    """Two voices the encoder hears as close (mean voices about 0.8 alike, above the line):
    one voice without pitch; two when their pitches are 6 semitones apart and the pitch line is
    4; still one when the line is 8."""
    rng = np.random.default_rng(7)
    base = speaker_clusters.unit(rng.standard_normal((1, 64)))
    means = speaker_clusters.unit(base + 0.5 * speaker_clusters.unit(rng.standard_normal((2, 64))))
    assert means[0] @ means[1] > 0.6
    truth = rng.integers(0, 2, 240)
    x = speaker_clusters.unit(means[truth] + 0.06 * rng.standard_normal((truth.size, 64)))

    def pitch_of(mask):  # semitones: the first voice at 57 (about 220 Hz), the second 6 higher
        return 57.0 + 6.0 * float(np.median(truth[mask]))

    def count(apart):
        return speaker_clusters.spectral_merge(x, "auto", 6, 8, 99.0, 0.45, "alike", pitch_of, apart)[2]

    assert speaker_clusters.spectral_merge(x, "auto", 6, 8, 99.0, 0.45, rule="alike")[2] == 1
    assert count(4.0) == 2
    assert count(8.0) == 1


def test_the_pitch_reader_gives_each_stretch_its_median_pitch_in_semitones():
    """Windows over a 150 Hz tone, then a 300 Hz one (an octave higher): 12 semitones apart;
    windows of silence give no pitch."""
    rate = 16000
    t = np.arange(3 * rate) / rate
    audio = np.concatenate([0.3 * np.sin(2 * np.pi * 150 * t), 0.3 * np.sin(2 * np.pi * 300 * t), np.zeros(3 * rate)])
    windows = speakers.speech_windows([vad.Span(0.0, 9.0)], 1.5, 0.5)
    pitch_of = speakers.pitch_reader(audio.astype(np.float32), windows)
    starts = np.array([w.start for w in windows])
    low, high = pitch_of((starts + 1.5) <= 3.0), pitch_of((starts >= 3.0) & (starts + 1.5 <= 6.0))
    assert abs(low - 12 * np.log2(150)) < 0.3
    assert abs(high - low - 12.0) < 0.3
    assert np.isnan(pitch_of(starts >= 6.0))


def test_telephone_sound_is_heard_as_narrowband_and_full_band_sound_is_not(dialogues):
    d, spans = dialogues["teacher_boy"]
    assert not speakers.narrowband(d.audio, spans)
    phone = realvoice.telephone(d.audio)
    assert speakers.narrowband(phone, vad.detect_speech(phone))
    assert speakers.same_voice_line("campplus", phone, vad.detect_speech(phone)) > speakers.SAME_VOICE["campplus"]


@pytest.mark.parametrize("name", ["teacher_boy", "woman_girl_close", "two_men"])
def test_auto_never_hears_two_real_voices_as_one_on_a_telephone_line(dialogues, name):
    """Telephone sound makes every voice more alike: with the full-band line each of these was
    heard as one voice."""
    d, _ = dialogues[name]
    phone = realvoice.telephone(d.audio)
    found = speakers.diarize(phone, vad.detect_speech(phone), DiarizeOptions(speakers="auto"))
    assert len(found.speakers) == 2
    assert der.score(d.turns, hypothesis(found)).talk_share_error <= 0.10


def test_one_real_voice_alone_on_a_telephone_line_is_heard_as_one():
    heard = {}
    for speaker in realvoice.speakers_with_utterances(VOICES):
        phone = realvoice.telephone(realvoice.alone(speaker, VOICES).audio)
        found = speakers.diarize(phone, vad.detect_speech(phone), DiarizeOptions(speakers="auto"))
        heard[speaker] = len(found.speakers)
    assert len(heard) >= 4
    assert all(n == 1 for n in heard.values()), heard
