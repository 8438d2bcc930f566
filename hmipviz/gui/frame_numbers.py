"""Capture frame numbers of packet hops: File > Export capture writes one pcapng frame per
PacketSent in trace order (hmipviz.outputs.capture_records), so hop ``j`` of the trace is
frame "PacketSent events up to j". The inspector shows it beside the packet number, so a
student finds the same packet in Wireshark (issue 13)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

from hmipviz.engine.events import Event, PacketSent


class FrameNumbers:
    """Frame numbers over a growing trace, counted once; counted again when the trace is
    another list, shrinks, or its last counted event changed (a branch replayed it)."""

    def __init__(self, trace: Callable[[], Sequence[Event]]) -> None:
        self._trace = trace
        self._sent: list[int] = []  # trace indices of the PacketSent events, in order
        self._counted = 0
        self._last: Event | None = None
        self._list_id = 0

    def forget(self) -> None:
        """Drop what was counted (a new history: the old one's indices and its last
        event would otherwise stay in memory until the next frame number is asked)."""
        self._sent, self._counted, self._last, self._list_id = [], 0, None, 0

    def of(self, j: int) -> int | None:
        """The frame number (from 1) of trace[j], a PacketSent; None for other events."""
        trace = self._trace()
        if not 0 <= j < len(trace) or not isinstance(trace[j], PacketSent):
            return None
        stale = (id(trace) != self._list_id or len(trace) < self._counted
                 or (self._counted and trace[self._counted - 1] is not self._last))
        if stale:
            self._sent, self._counted, self._list_id = [], 0, id(trace)
        for k in range(self._counted, len(trace)):
            if isinstance(trace[k], PacketSent):
                self._sent.append(k)
        self._counted = len(trace)
        self._last = trace[-1] if trace else None
        return bisect_right(self._sent, j)


__all__ = ["FrameNumbers"]
