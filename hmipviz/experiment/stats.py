"""Small statistics over lists that may be empty (None then), without numpy."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between closest ranks (numpy's
    default), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 6)


def median(values: list[float]) -> float | None:
    return percentile(values, 50)


def mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None
