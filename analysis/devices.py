"""Pick the compute device and pin CPU threads for model stages.

Every model stage runs on CUDA when the machine has it and on the CPU otherwise. On the CPU
the thread count is pinned so the models and ffmpeg do not fight over a small machine.
"""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True when CTranslate2 can see at least one CUDA device."""
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except RuntimeError:
        return False


def resolve_device(requested: str = "auto") -> str:
    """Map ``auto`` to ``cuda`` or ``cpu``; pass an explicit choice through.

    Raises:
      ValueError: for anything other than auto, cpu or cuda.
    """
    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {requested!r}")
    if requested == "auto":
        return "cuda" if cuda_available() else "cpu"
    return requested


def cpu_threads(requested: int = 0) -> int:
    """Threads a CPU stage may use: ``requested`` when positive, else all cores."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def torch_device(requested: str = "auto") -> str:
    """Like ``resolve_device`` but asks torch, for the stages that run on torch."""
    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {requested!r}")
    if requested == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


@lru_cache(maxsize=1)
def bound_heap() -> bool:
    """Cap glibc's allocator at two arenas for this process.

    The pipeline makes large short-lived arrays on several threads at once (transcription,
    speaker embeddings, the video branch). glibc gives each thread an arena of its own, and
    memory freed in one is not reused by another, so the process keeps the sum of every
    thread's highest footprint. Two arenas keep it near what is in use: on a 10-minute lesson
    peak RSS fell from 1287 to 1157 MiB for about 3 % more time. (A fixed 1 MiB mmap threshold
    saved 140 MiB more but made transcription 35 % slower, so it is not used.) Returns False
    where the C library is not glibc; nothing changes there.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    m_arena_max = -8  # from glibc's malloc.h
    return bool(mallopt(m_arena_max, 2))
