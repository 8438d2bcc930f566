"""What happened, as frozen dataclasses: the one trace every view reads.

The simulator appends these in order; the GUI, the ladder diagram, lesson checks,
the pcapng writer and the JSON Lines trace all read the same list (architecture
rule 5). Times are simulated seconds.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, fields
from ipaddress import IPv6Address
from typing import Any

from .frozen import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Event:
    t: float
    node: str

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: addresses as text, bytes as hex."""
        out: dict[str, Any] = {"t": round(self.t, 9), "type": self.type}
        for f in fields(self):
            if f.name == "t":
                continue
            value = getattr(self, f.name)
            if isinstance(value, bytes):
                value = value.hex()
            elif isinstance(value, IPv6Address):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


@fast_init
@dataclass(frozen=True, slots=True)
class PacketSent(Event):
    """One hop of one packet: ``node`` puts ``data`` on ``link`` towards ``to_node``."""

    to_node: str
    link: str
    packet_id: int
    data: bytes
    arrive_t: float
    kind: str
    tunnel_depth: int
    summary: str
    rfc: str
    origin: bool  # True on the first hop (the node built or encapsulated it)


@fast_init
@dataclass(frozen=True, slots=True)
class PacketReceived(Event):
    """``node`` processed the packet as its destination (or tunnel end point)."""

    packet_id: int
    kind: str


@fast_init
@dataclass(frozen=True, slots=True)
class PacketDropped(Event):
    packet_id: int
    kind: str
    reason: str


@fast_init
@dataclass(frozen=True, slots=True)
class BindingChanged(Event):
    """A binding cache (MAP, HA, CN) or binding update list (MN) entry changed."""

    table: str  # "binding cache" | "binding update list"
    peer: str  # for a BUL: the node the binding is with; for a cache: the MN's node
    home_address: str
    care_of_address: str
    lifetime_s: int
    sequence: int
    change: str  # added | refreshed | updated | deleted | expired | lost | pending
    flags: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class MapSelected(Event):
    map_address: str
    rcoa: str
    dist: int
    pref: int
    reason: str


@fast_init
@dataclass(frozen=True, slots=True)
class LinkChanged(Event):
    """The MN's layer 2 attachment: ``ar`` is None when it detached."""

    ar: str | None
    up: bool


@fast_init
@dataclass(frozen=True, slots=True)
class MovementDetected(Event):
    """The MN saw a new prefix in an RA (RFC 6275 s.11.5.1)."""

    old_lcoa: str
    new_lcoa: str
    ar: str


@fast_init
@dataclass(frozen=True, slots=True)
class HandoverStarted(Event):
    kind: str  # initial | intra-MAP | inter-MAP | mipv6 | MAP change
    from_ar: str | None
    to_ar: str | None


@fast_init
@dataclass(frozen=True, slots=True)
class HandoverCompleted(Event):
    kind: str
    started_t: float
    latency_s: float


@fast_init
@dataclass(frozen=True, slots=True)
class StateChanged(Event):
    old: str
    new: str
    input: str


@fast_init
@dataclass(frozen=True, slots=True)
class RouteOptimizationChanged(Event):
    """The MN's route optimisation state with one correspondent node changed; the
    states and inputs are those of ``nodes.route_optimization.RO_TRANSITIONS``."""

    peer: str
    old: str
    new: str
    input: str


@fast_init
@dataclass(frozen=True, slots=True)
class SecurityAssociationEstablished(Event):
    """An SA pair between the MN and a MAP or its HA came into being (RFC 5380 s.12.1).
    IKEv2 is out of scope: this one event stands for the whole negotiation."""

    peer: str
    spi_out: int  # MN -> peer
    spi_in: int  # peer -> MN
    protected_address: str  # the RCoA (MAP) or the home address (HA)
    algorithm: str


@fast_init
@dataclass(frozen=True, slots=True)
class MapProbeChanged(Event):
    """An AR's view of a MAP it probes changed (RFC 5380 s.10); the states and inputs
    are those of ``nodes.access_router.PROBE_TRANSITIONS``."""

    map_address: str
    old: str
    new: str
    input: str


@fast_init
@dataclass(frozen=True, slots=True)
class NodeStatus(Event):
    up: bool
    reason: str


# --- the teacher's changes (the window's controls, a lesson's actions) -----------------
# Recorded where they happen, so a view folding the trace knows each setting at any
# index, and a saved trace says what the operator did.
@fast_init
@dataclass(frozen=True, slots=True)
class MapOptionChanged(Event):
    """The operator changed the MAP option access router ``node`` advertises for the MAP
    ``map_name`` (RFC 5380 s.7: its Pref and Valid Lifetime); the AR re-advertises at
    once. The values are those now advertised; ``pref`` and ``lifetime_s`` are None when
    the AR no longer advertises this MAP."""

    map_name: str
    map_address: str  # the MAP's global address ("" when the node has none)
    pref: int | None
    lifetime_s: int | None  # the option's Valid Lifetime


@fast_init
@dataclass(frozen=True, slots=True)
class LinkParamsChanged(Event):
    """The operator changed the link between ``node`` and ``peer``: its one-way delay
    and the fraction of packets it loses, from now on. (Not :class:`LinkChanged`, which
    is an MN's layer 2 attachment.)"""

    peer: str
    link: str  # the link's name, as PacketSent.link gives it
    delay_ms: float
    loss: float  # 0..1


@fast_init
@dataclass(frozen=True, slots=True)
class FlowToggled(Event):
    """The operator started or stopped the data flow from ``node`` to ``destination``
    (an ICMPv6 echo or UDP flow); ``flows_running`` counts the scenario's flows that
    are switched on after this change."""

    destination: str
    flow_kind: str  # "echo" | "udp"
    running: bool
    flows_running: int


@fast_init
@dataclass(frozen=True, slots=True)
class Note(Event):
    """A plain-words remark (e.g. MAP option changed, flow started)."""

    text: str
    rfc: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class InternalError(Note):
    """A node (or the simulator on its behalf) raised an exception: a bug, never a
    protocol outcome. In a normal run it is recorded and the run goes on; in strict mode
    (``Simulation(strict=True)``, what the tests use) the exception propagates instead,
    as simpy's ``step()`` re-raises a failed process's exception (architecture rule 9).
    ``where`` says what the node was doing (receive, timer, move, flow, encode, ...),
    ``error`` is the exception's type and text. A Note, so every view that shows notes
    shows it."""

    where: str = ""
    error: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class TunnelRefused(Note):
    """A tunnel entry point (HA or MAP) would not encapsulate a packet (RFC 2473 s.4.1.1,
    s.7.1): ``problem`` is "tunnel loop" or "nesting limit" (Parameter Problem sent),
    "packet too big" (Packet Too Big sent) or "hop limit" (Time Exceeded sent).
    ``tunnel_depth`` is the nesting the packet already had; ``size`` its length in octets
    (0 when not measured)."""

    problem: str = ""
    tunnel_depth: int = 0
    size: int = 0


def _event_classes() -> dict[str, type[Event]]:
    out: dict[str, type[Event]] = {}
    todo = list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # dataclass(slots=True) replaces the class it is given; the class it replaced
        # stays among the subclasses until the garbage collector finds it
        module = sys.modules.get(cls.__module__)
        if getattr(module, cls.__name__, cls) is not cls:
            continue
        out[cls.__name__] = cls
    return out


def event_from_json(obj: dict[str, Any]) -> Event:
    """Rebuild an event from :meth:`Event.to_json` (used by trace tests and replay)."""
    classes = _event_classes()
    cls = classes[obj["type"]]
    kwargs = {}
    for f in fields(cls):
        value = obj[f.name]
        if f.type == "bytes":
            value = bytes.fromhex(value)
        kwargs[f.name] = value
    event: Event = cls(**kwargs)
    return event


__all__ = [
    "Event",
    "PacketSent",
    "PacketReceived",
    "PacketDropped",
    "BindingChanged",
    "MapSelected",
    "LinkChanged",
    "MovementDetected",
    "HandoverStarted",
    "HandoverCompleted",
    "StateChanged",
    "RouteOptimizationChanged",
    "MapProbeChanged",
    "SecurityAssociationEstablished",
    "NodeStatus",
    "MapOptionChanged",
    "LinkParamsChanged",
    "FlowToggled",
    "Note",
    "InternalError",
    "TunnelRefused",
    "event_from_json",
    "asdict",
]
