"""A deterministic event heap: ties break on priority, then on insertion order."""

from __future__ import annotations

import heapq
import itertools
from typing import Any

_heappush = heapq.heappush
_heappop = heapq.heappop


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, Any]] = []
        self._seq = itertools.count()

    def push(self, t: float, item: Any, priority: int = 5) -> None:
        _heappush(self._heap, (t, priority, next(self._seq), item))

    def pop(self) -> tuple[float, Any]:
        t, _, _, item = _heappop(self._heap)
        return t, item

    def pop_any(self) -> tuple[float, Any] | None:
        """The next item and its time, or None when nothing is left."""
        heap = self._heap
        if not heap:
            return None
        t, _, _, item = _heappop(heap)
        return t, item

    def pop_due(self, until: float) -> tuple[float, Any] | None:
        """The next item and its time if it is due at or before ``until``, else None
        (one call where a run loop would peek, test and pop)."""
        heap = self._heap
        if not heap or not heap[0][0] <= until:
            return None
        t, _, _, item = _heappop(heap)
        return t, item

    def peek_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def items(self) -> list[tuple[float, Any]]:
        """Pending items in the order they will run (for snapshots and the GUI)."""
        return [(t, item) for t, _, _, item in sorted(self._heap)]
