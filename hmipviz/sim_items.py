"""What the simulator schedules (a hop's arrival, a node's timer, a time-line action),
their priorities, and the flows' payloads; kept apart from :mod:`hmipviz.sim`, which
runs them."""

from __future__ import annotations

from dataclasses import dataclass

from .engine.events import PacketSent
from .engine.frozen import fast_init

# scheduler priorities: packets land before timers fire at the same instant
_P_ARRIVAL, _P_ACTION, _P_TIMER = 1, 2, 3
# a flow packet's payload after its 8-octet ICMPv6 or UDP header (RFC 8200 s.3: the
# Payload Length is 16 bits)
_MAX_FLOW_PAYLOAD = 0xFFFF - 8


def _flow_payload(seq: int, size: int) -> bytes:
    """``size`` octets counting up from ``seq`` (mod 256): each packet of a flow differs."""
    start = seq % 256
    return (_RAMP * (size // 256 + 2))[start:start + size]


_RAMP = bytes(range(256))


@fast_init
@dataclass(frozen=True, slots=True)
class Arrival:
    """A hop's packet reaching the far end of its link: the hop's own event (its
    fields say link, sender, receiver, bytes, ...) and whether the link lost it.

    Only a lost packet is scheduled as an Arrival: a packet that arrives is scheduled
    as its :class:`PacketSent` itself (one object less for every hop of a run)."""

    sent: PacketSent
    lost: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class TimerDue:
    node: str


@fast_init
@dataclass(frozen=True, slots=True)
class Action:
    """A time-line entry or a user's action (move, fail, restore, inject, flow tick)."""

    verb: str
    target: str | None = None
    data: bytes = b""
    index: int = 0
    seq: int = 0
    mn: str = ""  # the MN an attach, move or position check concerns ("": the first)


def _target(a: Action) -> str:
    """The node a fail, restore or inject action is for (the time line always names it)."""
    if a.target is None:
        raise ValueError(f"a {a.verb!r} action at the time line names no node")
    return a.target
