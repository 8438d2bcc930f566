"""Path MTU accounting per flow (RFC 5380 s.11), measured on the bytes that crossed the links.

Every IPv6-in-IPv6 layer costs 40 octets, a Home Address option 24 and a type 2 routing
header 24 (RFC 6275 s.6.3, s.6.4): in a MAP domain a packet to the MN through its HA
carries two tunnel headers, so the room left for the upper layer on a 1500-octet link
is 1500 - 3 x 40 = 1380 octets. For each ``[[flow]]`` and direction this module reports
the largest header overhead seen on any hop and what it leaves for the upper layer
(the ICMPv6 or UDP message). The MN's own view of the same figure, which it must use
when it sizes packets (s.11), is :meth:`MobileNode.upper_layer_mtu`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .engine import describe
from .engine.events import Event, PacketSent
from .engine.messages import (
    EchoReply,
    EchoRequest,
    Packet,
    RawPayload,
    Tunnelled,
    UdpDatagram,
)
from .sim import Simulation
from .wire.codec import DecodeError, decode, encode


@dataclass(frozen=True)
class FlowMtu:
    """One direction of one flow."""

    flow: int  # index in the scenario's [[flow]] list
    direction: str  # "CN -> MN"
    hops: int  # link crossings measured
    max_layers: int  # IPv6 headers on the worst hop (1 = no tunnel)
    max_overhead_octets: int  # all headers before the upper-layer message
    upper_layer_mtu: int  # link MTU minus that overhead (RFC 5380 s.11)
    worst_link: str
    worst_path: str  # the worst hop's addresses, outermost last


def overhead_octets(packet: Packet) -> tuple[int, int]:
    """(header octets in front of the upper-layer message, IPv6 layers) of a datagram."""
    layers, p = 1, packet
    while isinstance(p.payload, Tunnelled):
        layers, p = layers + 1, p.payload.inner
    total = len(encode(packet))
    headers_only = len(encode(replace(p, payload=RawPayload(59, b""), esp=None)))
    upper = len(encode(replace(p, esp=None))) - headers_only
    return total - upper, layers


def _flow_of(sim: Simulation, p: Packet) -> tuple[int, bool] | None:
    """(flow index, True for the flow's own direction) of an innermost packet."""
    m = p.payload
    if isinstance(m, (EchoRequest, EchoReply)):
        index, forward = m.ident - 1, isinstance(m, EchoRequest)
    elif isinstance(m, UdpDatagram):
        index, forward = (m.sport - 40000 - 1, True) if m.sport > 40000 else (
            m.dport - 40000 - 1, False)
    else:
        return None
    if not 0 <= index < len(sim.scenario.flows):
        return None
    return index, forward


class FlowMtuFold:
    """:func:`flow_mtu` folded one event at a time, so the CLI can feed it as a
    simulation listener and keep no trace: it holds one record per flow direction."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._worst: dict[tuple[int, bool], tuple[int, int, str, str]] = {}
        self._hops: dict[tuple[int, bool], int] = {}

    def __call__(self, e: Event) -> None:
        if not isinstance(e, PacketSent) or e.kind != describe.DATA:
            return
        try:
            packet = decode(e.data)
        except DecodeError:
            return
        key = _flow_of(self.sim, packet.innermost())
        if key is None:
            return
        overhead, layers = overhead_octets(packet)
        self._hops[key] = self._hops.get(key, 0) + 1
        if key not in self._worst or overhead > self._worst[key][0]:
            self._worst[key] = (overhead, layers, e.link, describe.tunnel_summary(packet))

    def rows(self) -> list[FlowMtu]:
        sim, out = self.sim, []
        for (index, forward), (overhead, layers, link, path) in sorted(self._worst.items()):
            flow = sim.scenario.flows[index]
            a, b = (flow.source, flow.destination) if forward else (flow.destination,
                                                                     flow.source)
            out.append(FlowMtu(index, f"{a} -> {b}", self._hops[(index, forward)], layers,
                               overhead, sim.config.link_mtu - overhead, link, path))
        return out


def flow_mtu(sim: Simulation) -> list[FlowMtu]:
    """Per flow and direction, the worst overhead seen on any hop of any data packet."""
    fold = FlowMtuFold(sim)
    for e in sim.trace:
        fold(e)
    return fold.rows()


def format_flow_mtu(rows: list[FlowMtu], link_mtu: int) -> str:
    lines = [f"Path MTU per flow (link MTU {link_mtu}; RFC 5380 s.11):"]
    for r in rows:
        lines.append(f"  flow {r.flow + 1} {r.direction}: up to {r.max_layers} IPv6 header"
                     f"{'s' if r.max_layers > 1 else ''}, {r.max_overhead_octets} octets of "
                     f"headers, {r.upper_layer_mtu} left for the upper layer (worst on "
                     f"{r.worst_link})")
    return "\n".join(lines)
