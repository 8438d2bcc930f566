"""What "idle" means for End (jump to the next idle moment): no packet in flight, and no
mobile node in the middle of a registration. A packet-free pause inside an exchange
(the access router's random delay before its Router Advertisement, RFC 4861 s.6.2.6) is
not a resting point: without this End from t = 0 stopped after the first hop (issue 13).
Qt-free: it reads the trace."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hmipviz.engine.events import Event, StateChanged
from hmipviz.engine.nodes.mn_states import MNState

# the MN's states between a movement and the end of its registrations
TRANSIENT = frozenset({MNState.AWAITING_RA.value, MNState.LOCAL_REGISTRATION.value,
                       MNState.HOME_REGISTRATION.value})
_MAX_LOOK_BACK = 200_000


def _state(e: StateChanged) -> str:
    """The new state's text (an MNState member hashes by its name, not its value)."""
    return str(getattr(e.new, "value", e.new))


class RegistrationWatch:
    """Which MNs are registering, followed forward from a trace index: the states at
    the start are found once by looking back, then each event read once."""

    def __init__(self, trace: Sequence[Event], start: int,
                 mobile_nodes: Collection[str]) -> None:
        self.trace = trace
        self.registering: set[str] = set()
        left = set(mobile_nodes)
        self._names = frozenset(mobile_nodes)
        k = min(start, len(trace) - 1)
        stop = max(-1, k - _MAX_LOOK_BACK)
        while k > stop and left:
            e = trace[k]
            if isinstance(e, StateChanged) and e.node in left:
                if _state(e) in TRANSIENT:
                    self.registering.add(e.node)
                left.discard(e.node)
            k -= 1
        self._read = start

    def at(self, i: int) -> bool:
        """Whether some MN is registering after event ``i`` (``i`` not before the last
        index asked about)."""
        for k in range(self._read + 1, min(i, len(self.trace) - 1) + 1):
            e = self.trace[k]
            if isinstance(e, StateChanged) and e.node in self._names:
                if _state(e) in TRANSIENT:
                    self.registering.add(e.node)
                else:
                    self.registering.discard(e.node)
        self._read = max(self._read, i)
        return bool(self.registering)


def registering_at(trace: Sequence[Event], i: int, mobile_nodes: Collection[str]) -> bool:
    """Whether some MN is registering after event ``i``."""
    return RegistrationWatch(trace, i, mobile_nodes).at(i)


__all__ = ["TRANSIENT", "RegistrationWatch", "registering_at"]
