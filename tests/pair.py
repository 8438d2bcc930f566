"""Two engine nodes wired back to back, with a clock the test turns (h11's idea of a
connection pair, for a sans-I/O engine).

Many questions about a node's state machine and timers need no topology: "does the MN
send its local BU again 1 s after a lost BA?", "does the MAP drop a binding nobody
refreshed?". :class:`NodePair` answers them without a :class:`~hmipviz.sim.Simulation`:
what one node sends goes straight to the other when the other owns (or intercepts) the
destination, after a trip through the wire codec (encode, then the strict decode the
simulator uses), so the bytes are real. Anything else a node sends (an RS to all
routers, a BU the MAP forwards to the HA) is recorded as ``stray`` and goes nowhere.
The link has no delay: a packet delivered arrives at the time it was sent.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from nets import HA_ADDR, HOA, MAP1_ADDR

from hmipviz.engine import describe
from hmipviz.engine.addresses import address
from hmipviz.engine.config import ProtocolConfig
from hmipviz.engine.events import Event
from hmipviz.engine.messages import (
    ALL_NODES,
    MapOption,
    Packet,
    PrefixInformation,
    RouterAdvertisement,
    Tunnelled,
)
from hmipviz.engine.nodes.base import Drop, InstallSecurityAssociations, Node, Send
from hmipviz.engine.nodes.home_agent import HomeAgent
from hmipviz.engine.nodes.map import MobilityAnchorPoint
from hmipviz.engine.nodes.mobile_node import MobileNode
from hmipviz.wire.codec import decode, encode

AR_NAME = "AR1"
AR_PREFIX = IPv6Network("2001:db8:2::/64")  # LCoA 2001:db8:2::a (nets.LCOA1)
AR_LINK_LOCAL = address("fe80::1")
MAX_TIMER_SPINS = 100  # timer firings at one instant before advance() calls it a livelock


@dataclass(frozen=True)
class Hop:
    """One packet a node sent, and what became of it."""

    t: float
    node: str  # the sender
    kind: str  # the trace's kind ("local BU", "BA from HA", ...)
    packet: Packet  # as the receiver decoded it (as sent, for a stray)
    why: str
    fate: str  # "in flight", "delivered", "lost" or "stray"


class NodePair:
    """Two nodes, a clock and the packets between them.

    ``codec`` (default on) sends each packet through encode/decode, as the network
    carries bytes; off, the receiver gets the sender's object (for a message the codec
    cannot carry).
    """

    def __init__(self, a: Node, b: Node, *, now: float = 0.0, codec: bool = True) -> None:
        self.nodes = {a.name: a, b.name: b}
        self.now = now
        self.codec = codec
        self.hops: list[Hop] = []
        self.events: list[Event] = []
        self.drops: list[tuple[str, str]] = []  # (node, reason)
        self._flight: deque[int] = deque()  # indexes into hops, oldest first
        self._lose: dict[str, int] = {}  # kind -> how many more to lose
        for node in (a, b):
            node.encode_packet = encode if codec else None

    # --- what the test does ----------------------------------------------------------
    def peer_of(self, name: str) -> Node:
        return next(n for n in self.nodes.values() if n.name != name)

    def drop_next(self, kind: str, count: int = 1) -> None:
        """Lose the next ``count`` packets of ``kind`` on their way (a lossy link)."""
        self._lose[kind] = self._lose.get(kind, 0) + count

    def inject(self, to: str, packet: Packet, from_node: str) -> None:
        """Hand ``to`` a packet from outside the pair (an AR's RA), through the codec."""
        node = self.nodes[to]
        node.receive(decode(encode(packet), mobility_refusals=True) if self.codec else packet,
                     self.now, from_node)
        self._drain(node, describe.classify(packet))

    def collect(self, name: str) -> None:
        """Take what ``name`` queued after the test called one of its methods directly
        (``mn.attach(...)``, ``mn.detach(...)``)."""
        self._drain(self.nodes[name], "")

    def deliver(self, limit: int = 100) -> int:
        """Move packets across until none is in flight (answers included); how many."""
        moved = 0
        while self._flight:
            if moved >= limit:
                raise AssertionError(f"more than {limit} packets in a row at t={self.now:g}: "
                                     "the two nodes keep answering each other")
            self._deliver_one()
            moved += 1
        return moved

    def step(self) -> str:
        """One thing happens: the oldest packet in flight arrives, else the clock moves to
        the next timer and it fires. Returns what happened, for messages."""
        if self._flight:
            return self._deliver_one()
        due = self.next_timer()
        if due is None:
            return "nothing is due"
        self.now = max(self.now, due)
        fired = self._fire_timers()
        return f"t={self.now:g}: timers of {', '.join(fired)}"

    def advance(self, seconds: float, deliver: bool = True) -> None:
        """Turn the clock ``seconds`` on, firing every timer due meanwhile in time order
        (and, with ``deliver``, carrying what each sends before the next one fires)."""
        until = self.now + seconds
        if deliver:
            self.deliver()
        spins = 0
        while True:
            due = self.next_timer()
            if due is None or due > until:
                break
            spins = spins + 1 if due <= self.now else 0
            if spins > MAX_TIMER_SPINS:
                raise AssertionError(f"a timer due at t={due:g} is still due after firing "
                                     f"{MAX_TIMER_SPINS} times: it never moves on")
            self.now = max(self.now, due)
            self._fire_timers()
            if deliver:
                self.deliver()
        self.now = until

    def next_timer(self) -> float | None:
        times = [t for n in self.nodes.values() if n.up and (t := n.next_timer()) is not None]
        return min(times, default=None)

    # --- what the test reads ------------------------------------------------------------
    def sent(self, node: str | None = None, kind: str | None = None) -> list[Hop]:
        """Packets sent, oldest first, by ``node`` and of ``kind`` (either may be None)."""
        return [h for h in self.hops if (node is None or h.node == node)
                and (kind is None or h.kind == kind)]

    def times(self, kind: str, node: str | None = None) -> list[float]:
        return [h.t for h in self.sent(node, kind)]

    def kinds(self, node: str | None = None, since_t: float = 0.0) -> list[tuple[str, str]]:
        """(sender, kind) of every packet sent from ``since_t`` on, in order."""
        return [(h.node, h.kind) for h in self.sent(node) if h.t >= since_t]

    def emitted(self, event_type: type[Event], node: str | None = None) -> list[Event]:
        return [e for e in self.events if isinstance(e, event_type)
                and (node is None or getattr(e, "node", None) == node)]

    # --- the machinery --------------------------------------------------------------
    def _fire_timers(self) -> list[str]:
        fired = []
        for node in self.nodes.values():
            t = node.next_timer() if node.up else None
            if t is not None and t <= self.now:
                node.on_timer(self.now)
                self._drain(node, "")
                fired.append(node.name)
        return fired

    def _drain(self, node: Node, handling: str) -> None:
        for out in node.pull():
            if isinstance(out, Send):
                self._send(node, out, handling)
            elif isinstance(out, Drop):
                self.drops.append((node.name, out.reason))
            elif isinstance(out, InstallSecurityAssociations):
                peer = self.peer_of(node.name)
                peer.sad.install(out.outbound, out.inbound, out.protected_address)
            else:
                self.events.append(out)

    def _send(self, node: Node, send: Send, handling: str) -> None:
        kind = send.kind or handling or describe.classify(send.packet)
        peer = self.peer_of(node.name)
        dst = send.packet.dst
        reaches = send.link_peer in (None, peer.name) and (peer.owns(dst) or peer.intercepts(dst))
        fate = "in flight" if reaches else "stray"
        packet = send.packet
        if self.codec:
            data = encode(packet)  # a stray must encode too: the network carries bytes
            packet = decode(data, mobility_refusals=True) if reaches else packet
        self.hops.append(Hop(self.now, node.name, kind, packet, send.why, fate))
        if reaches:
            self._flight.append(len(self.hops) - 1)

    def _deliver_one(self) -> str:
        i = self._flight.popleft()
        hop = self.hops[i]
        if self._lose.get(hop.kind, 0) > 0:
            self._lose[hop.kind] -= 1
            self.hops[i] = _with_fate(hop, "lost")
            return f"t={self.now:g}: {hop.kind} from {hop.node} lost"
        self.hops[i] = _with_fate(hop, "delivered")
        sender = self.nodes[hop.node]
        to = self.peer_of(hop.node)
        if not to.up or (isinstance(to, MobileNode) and to.ar is None):
            # as in the simulator: a node that is down, or an MN off every link, gets nothing
            self.hops[i] = _with_fate(hop, "lost")
            return f"t={self.now:g}: {hop.kind} from {hop.node} lost: {to.name} unreachable"
        # an MN hears everything through the AR it is attached to
        from_node = getattr(to, "ar", None) or sender.name
        to.receive(hop.packet, self.now, from_node)
        self._drain(to, hop.kind)
        return f"t={self.now:g}: {hop.kind} from {hop.node} delivered"


def _with_fate(hop: Hop, fate: str) -> Hop:
    return Hop(hop.t, hop.node, hop.kind, hop.packet, hop.why, fate)


# --- nodes as the simulator makes them, with nets.py's addresses ----------------------

def config(**overrides: float) -> ProtocolConfig:
    return ProtocolConfig().with_overrides(**overrides)


def mobile_node(cfg: ProtocolConfig, mode: str = "hmipv6") -> MobileNode:
    """The MN of nets.figure1: home address 2001:db8:1::a, interface identifier ::a."""
    return MobileNode("MN", None, None, config=cfg, rng=random.Random("pair/MN"),
                      home_address=address(HOA), home_agent=address(HA_ADDR),
                      interface_id=0xA, mode=mode,
                      names={address(MAP1_ADDR): "MAP1", address(HA_ADDR): "HA"})


def map_node(cfg: ProtocolConfig, max_lifetime_s: int | None = None,
             valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None
             ) -> MobilityAnchorPoint:
    return MobilityAnchorPoint("MAP1", address(MAP1_ADDR), IPv6Network("2001:db8:100::/64"),
                               config=cfg, rng=random.Random("pair/MAP1"),
                               max_lifetime_s=max_lifetime_s,
                               valid_onlink_prefixes=valid_onlink_prefixes)


def home_agent(cfg: ProtocolConfig) -> HomeAgent:
    return HomeAgent("HA", address(HA_ADDR), IPv6Network("2001:db8:1::/64"), config=cfg,
                     rng=random.Random("pair/HA"))


def router_advertisement(*options: MapOption, prefix: IPv6Network = AR_PREFIX) -> Packet:
    """What AR1 would advertise: its /64 for the LCoA and the given MAP options."""
    return Packet(AR_LINK_LOCAL, ALL_NODES,
                  RouterAdvertisement((PrefixInformation(prefix),), tuple(options)),
                  hop_limit=255)


def map1_option(dist: int = 1, pref: int = 10, valid_lifetime_s: int = 3600) -> MapOption:
    return MapOption(dist, pref, False, valid_lifetime_s, address(MAP1_ADDR))


def attach(pair: NodePair, *options: MapOption, mn: str = "MN") -> None:
    """Play AR1's part: the MN's link comes up on AR1 (it sends an RS, which goes
    nowhere) and hears an RA with AR1's prefix and ``options`` (MAP1's by default, unless
    the MN is in Mobile IPv6 mode)."""
    node = pair.nodes[mn]
    assert isinstance(node, MobileNode)
    node.attach(AR_NAME, pair.now)
    pair.collect(mn)
    if not options and node.mode != "mipv6":
        options = (map1_option(),)
    pair.inject(mn, router_advertisement(*options), AR_NAME)


def mn_and_map(cfg: ProtocolConfig | None = None, max_lifetime_s: int | None = None,
               valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None
               ) -> tuple[NodePair, MobileNode, MobilityAnchorPoint]:
    """The MN of nets.figure1 and MAP1, not yet attached (see :func:`attach`)."""
    cfg = cfg or config()
    mn, m = mobile_node(cfg), map_node(cfg, max_lifetime_s, valid_onlink_prefixes)
    return NodePair(mn, m), mn, m


def mn_and_ha(cfg: ProtocolConfig | None = None) -> tuple[NodePair, MobileNode, HomeAgent]:
    """A Mobile IPv6 MN and its HA: the home registration with nothing in between."""
    cfg = cfg or config()
    mn, ha = mobile_node(cfg, mode="mipv6"), home_agent(cfg)
    return NodePair(mn, ha), mn, ha


def binding_cache(node: MobilityAnchorPoint | HomeAgent) -> dict[IPv6Address, tuple]:
    """A MAP's or HA's binding cache: home address -> (care-of, sequence, lifetime_s),
    the form test_registration's ``cache`` gives for a simulation."""
    return {e.home_address: (e.care_of_address, e.sequence, e.lifetime_s)
            for e in node.agent.cache.entries()}


def payloads(hops: list[Hop]) -> Iterator[object]:
    """The mobility message of each hop, through a tunnel if there is one."""
    for h in hops:
        p = h.packet
        while isinstance(p.payload, Tunnelled):
            p = p.payload.inner
        yield p.payload


__all__ = ["NodePair", "Hop", "attach", "config", "mn_and_map", "mn_and_ha", "map1_option",
           "router_advertisement", "mobile_node", "map_node", "home_agent", "payloads",
           "binding_cache"]
