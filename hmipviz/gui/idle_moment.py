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


def registering_at(trace: Sequence[Event], i: int, mobile_nodes: Collection[str]) -> bool:
    """Whether some MN is registering after event ``i``: its last state change at or
    before ``i`` entered a transient state."""
    left = set(mobile_nodes)
    k = min(i, len(trace) - 1)
    stop = max(-1, k - _MAX_LOOK_BACK)
    while k > stop and left:
        e = trace[k]
        if isinstance(e, StateChanged) and e.node in left:
            if e.new in TRANSIENT:
                return True
            left.discard(e.node)
        k -= 1
    return False


__all__ = ["TRANSIENT", "registering_at"]
