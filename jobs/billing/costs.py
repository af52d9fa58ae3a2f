"""Money from measurements: rates come from settings, usage from the pipeline's timings.

The pipeline reports, per stage, wall and CPU seconds and the device it ran on, and for
the whole run the CPU seconds of the process and its ffmpeg children (stages overlap on
threads, so summing the stages would count the same second twice). A job is billed:

- CPU: the run's CPU seconds x ``COST_CPU_SECOND``;
- GPU: the wall seconds of stages that ran on CUDA x ``COST_GPU_SECOND``;
- storage: the recording and its results, one month, x ``COST_GB_MONTH``.

An estimate, made from the recording's length before anything runs, uses the same rates
with ``COST_ESTIMATE_*_PER_MEDIA_S`` in place of measured seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

GB = 1024**3
_MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class Usage:
    """What one job used. Attributes:
    cpu_s: CPU seconds of the analysis process and its ffmpeg children.
    gpu_s: Wall seconds of stages that ran on a GPU.
    stored_bytes: Bytes kept in storage for the job (recording, result, clips).
    """

    cpu_s: float = 0.0
    gpu_s: float = 0.0
    stored_bytes: int = 0


@dataclass(frozen=True)
class Line:
    kind: str  # CostEntry.Kind value
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(_MICRO, rounding=ROUND_HALF_UP)


def rates() -> dict[str, Decimal]:
    return {
        "cpu": Decimal(str(settings.COST_CPU_SECOND)),
        "gpu": Decimal(str(settings.COST_GPU_SECOND)),
        "storage": Decimal(str(settings.COST_GB_MONTH)),
    }


def usage_from_timings(timings: dict, *, stored_bytes: int = 0) -> Usage:
    """Usage of a finished run from ``result.timings``.

    Args:
      timings: ``{"stage": {"wall_s", "cpu_s", "device"}, ..., "total": {"wall_s", "cpu_s"}}``.
      stored_bytes: Bytes the job keeps in storage.
    """
    stages = {name: t for name, t in timings.items() if name != "total"}
    total = timings.get("total", {})
    cpu_s = total.get("cpu_s")
    if cpu_s is None:  # results from before the total was measured: the stages, overlapping
        cpu_s = sum(t.get("cpu_s", 0.0) for t in stages.values())
    gpu_s = sum(t.get("wall_s", 0.0) for t in stages.values() if str(t.get("device", "")).startswith("cuda"))
    return Usage(cpu_s=float(cpu_s), gpu_s=float(gpu_s), stored_bytes=int(stored_bytes))


def lines(usage: Usage) -> list[Line]:
    """The ledger lines for a usage: one per kind that cost anything."""
    rate = rates()
    quantities = {
        "cpu": Decimal(str(round(usage.cpu_s, 3))),
        "gpu": Decimal(str(round(usage.gpu_s, 3))),
        "storage": Decimal(usage.stored_bytes) / GB,
    }
    out = []
    for kind, quantity in quantities.items():
        if quantity > 0:
            out.append(Line(kind, money(quantity), rate[kind], money(quantity * rate[kind])))
    return out


def total(usage: Usage) -> Decimal:
    return money(sum((line.amount for line in lines(usage)), Decimal(0)))


def estimate(*, duration_s: float | None, size_bytes: int = 0) -> Decimal:
    """What a job on a recording of this length and size is expected to cost."""
    duration = float(duration_s or 0)
    return total(
        Usage(
            cpu_s=duration * settings.COST_ESTIMATE_CPU_S_PER_MEDIA_S,
            gpu_s=duration * settings.COST_ESTIMATE_GPU_S_PER_MEDIA_S,
            stored_bytes=size_bytes,
        )
    )


def per_minute() -> Decimal:
    """Estimated cost of one minute of recording, storage aside (for the upload page)."""
    return estimate(duration_s=60)
