"""Percentiles of latency samples (linear interpolation between closest ranks)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) of ``values``; None when there are none."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high or math.isinf(ordered[high]):
        return ordered[high]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float | None]:
    """``{"count", "p50", "p95", "p99", "max"}`` (count as a float for a uniform mapping)."""
    out: dict[str, float | None] = {"count": float(len(values))}
    for q in qs:
        out[f"p{q:g}"] = percentile(values, q)
    out["max"] = max(values) if values else None
    return out
