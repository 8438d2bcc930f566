"""Bounded snapshots for the window's history.

The controller snapshots the engine every few hundred steps so that stepping back and
acting in the past re-simulate only from the nearest older snapshot. Kept as taken,
their number grows with simulated time without bound (each is a deep copy of the
engine). :func:`thin` keeps at most ``MAX_SNAPSHOTS``: the first (the loaded state,
so any moment can be rebuilt), the ``RECENT_SNAPSHOTS`` newest as taken (scrubbing near
the present stays cheap), and of those between, every other one each time the limit
is reached, so the spacing of old snapshots grows as the history does. Going back far
costs re-simulating at most that spacing; the engine is deterministic, so the events
come back identical.
"""

from __future__ import annotations

MAX_SNAPSHOTS = 64
RECENT_SNAPSHOTS = 16


def thin(snapshots: list, max_count: int | None = None, recent: int | None = None) -> int:
    """Drop snapshots in place when there are more than ``max_count``; return how many
    were dropped. The list is ordered oldest first."""
    max_count = MAX_SNAPSHOTS if max_count is None else max_count
    recent = RECENT_SNAPSHOTS if recent is None else recent
    recent = max(0, min(recent, max_count - 2))
    dropped = 0
    while len(snapshots) > max(2, max_count):
        end = len(snapshots) - recent
        middle = snapshots[1:end]
        kept = middle[1::2]  # every other one, the newest of each pair
        snapshots[1:end] = kept
        dropped += len(middle) - len(kept)
    return dropped


__all__ = ["thin", "MAX_SNAPSHOTS", "RECENT_SNAPSHOTS"]
