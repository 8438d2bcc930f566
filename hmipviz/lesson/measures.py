"""Numbers a learner reads off their own run, for numeric questions ("the latency of
your last handover, in ms"): each is computed from the engine's typed events when the
learner answers, so it is graded against what their run did, not the solution's.
"""

from __future__ import annotations

from collections.abc import Callable

from hmipviz.engine import describe
from hmipviz.engine.events import HandoverCompleted, PacketDropped, PacketReceived
from hmipviz.lesson.checks import Window


def _last_handover_ms(w: Window) -> float | None:
    last = None
    for _, e in w.events():  # this step's: the learner's own move
        if isinstance(e, HandoverCompleted) and e.node == w.book.mn:
            last = e
    return None if last is None else last.latency_s * 1000.0


def _data_dropped(w: Window) -> float:
    return float(sum(1 for _, e in w.events()
                     if isinstance(e, PacketDropped) and e.kind == describe.DATA))


def _data_received(w: Window) -> float:
    return float(sum(1 for _, e in w.events() if isinstance(e, PacketReceived)
                     and e.kind == describe.DATA and e.node == w.book.mn))


# name -> (what it is, in words; how to compute it, None when the run has none yet)
MEASURES: dict[str, tuple[str, Callable[[Window], float | None]]] = {
    "handover_latency_ms": ("the latency of the MN's last handover completed in this "
                            "step, in ms (from leaving its old link to the "
                            "acknowledgement)",
                            _last_handover_ms),
    "data_dropped": ("the data packets dropped anywhere since the step began",
                     _data_dropped),
    "data_received": ("the data packets the MN received since the step began",
                      _data_received),
}


def measure(name: str, w: Window) -> float | None:
    return MEASURES[name][1](w)


__all__ = ["MEASURES", "measure"]
