"""The simulated network: carries BYTES between sans-I/O nodes (architecture rule 3).

Every packet a node sends is encoded by the wire codec; it then travels hop by hop
along networkx shortest paths, each hop a :class:`PacketSent` event carrying the exact
bytes on that link (routers decrement the hop limit in those bytes). Only at the node
that processes it is the packet decoded, and the node acts on what was decoded.
Same scenario + same inputs + same seed = the same trace, byte for byte.
"""

from __future__ import annotations

import copy
import itertools
import random
from dataclasses import dataclass, field
from ipaddress import IPv6Address

from .engine import describe
from .engine.addresses import interface_id_of
from .engine.binding_cache import BindingCacheEntry, BindingUpdateListEntry
from .engine.config import ProtocolConfig
from .engine.events import (
    Event,
    NodeStatus,
    Note,
    PacketDropped,
    PacketReceived,
    PacketSent,
)
from .engine.messages import Packet
from .engine.nodes.access_router import AccessRouter, AdvertisedMap
from .engine.nodes.base import Drop, Node, Send
from .engine.nodes.correspondent import CorrespondentNode
from .engine.nodes.home_agent import HomeAgent
from .engine.nodes.map import MobilityAnchorPoint
from .engine.nodes.mobile_node import MobileNode
from .engine.nodes.router import Host, Router
from .engine.topology import Link, Topology
from .scenario import FlowSpec, NodeSpec, Scenario
from .wire.codec import DecodeError, decode, encode

# scheduler priorities: packets land before timers fire at the same instant
_P_ARRIVAL, _P_ACTION, _P_TIMER = 1, 2, 3


@dataclass(frozen=True)
class Arrival:
    link: str
    sender: str
    receiver: str
    packet_id: int
    data: bytes
    kind: str
    depth: int
    summary: str
    rfc: str
    lost: bool = False


@dataclass(frozen=True)
class TimerDue:
    node: str


@dataclass(frozen=True)
class Action:
    """A time-line entry or a user's action (move, fail, restore, inject, flow tick)."""

    verb: str
    target: str | None = None
    data: bytes = b""
    index: int = 0
    seq: int = 0


@dataclass
class _Context:
    packet_id: int = 0
    kind: str = describe.OTHER


@dataclass(frozen=True)
class Snapshot:
    trace_len: int
    state: dict = field(repr=False)


class Simulation:
    def __init__(self, scenario: Scenario, *, seed: int | None = None,
                 mode: str | None = None, config: ProtocolConfig | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.mode = mode or scenario.mode
        self.config = config or ProtocolConfig().with_overrides(**scenario.protocol)
        self.now = 0.0
        self.trace: list[Event] = []
        self.internal_errors = 0
        self._ids = itertools.count(1)
        self._loss_rng = random.Random(f"{self.seed}/loss")
        self._timer_at: dict[str, float] = {}
        from .engine.scheduler import Scheduler
        self.scheduler = Scheduler()
        self.topology = Topology()
        self.nodes: dict[str, Node] = {}
        self.mn_name = ""
        self._build()
        self._schedule_time_line()

    # --- construction --------------------------------------------------------------
    def _rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}/{name}")

    def _build(self) -> None:
        s = self.scenario
        for link in s.links:
            self.topology.add_link(Link(link.a, link.b, link.delay_ms, link.loss))
        names: dict[IPv6Address, str] = {}
        for spec in s.nodes:
            if spec.address is not None:
                names[spec.address] = spec.name
            if spec.map_address is not None:
                names[spec.map_address] = spec.name
        for spec in s.nodes:
            node = self._make_node(spec, names)
            self.nodes[spec.name] = node
            self.topology.add_node(spec.name, node.prefixes())
        for node in self.nodes.values():
            for agent in self._agents(node):
                agent.mobile_name = self.mn_name or "MN"
            self._reschedule_timer(node)

    @staticmethod
    def _agents(node: Node) -> list:
        """The home-agent functions a node carries (a HA, a MAP, an AR with a MAP)."""
        agent = getattr(node, "agent", None)
        if agent is None and getattr(node, "map", None) is not None:
            agent = node.map.agent  # type: ignore[union-attr]
        return [agent] if agent is not None else []

    def _make_node(self, spec: NodeSpec, names: dict[IPv6Address, str]) -> Node:
        common = dict(config=self.config, rng=self._rng(spec.name))
        args = (spec.name, spec.address, spec.prefix)
        if spec.role == "mn":
            self.mn_name = spec.name
            ha = self.scenario.node(spec.home_agent)
            return MobileNode(*args, home_address=spec.home_address, home_agent=ha.address,
                              interface_id=interface_id_of(spec.interface_id),
                              mode=self.mode, names=names, **common)
        if spec.role == "ar":
            return AccessRouter(*args, advertised=self._advertised(spec),
                                map_address=spec.map_address,
                                max_lifetime_s=spec.max_lifetime_s,
                                valid_onlink_prefixes=spec.valid_onlink_prefixes, **common)
        if spec.role == "map":
            return MobilityAnchorPoint(*args, max_lifetime_s=spec.max_lifetime_s,
                                       valid_onlink_prefixes=spec.valid_onlink_prefixes,
                                       **common)
        cls = {"ha": HomeAgent, "cn": CorrespondentNode, "router": Router, "host": Host}
        return cls[spec.role](*args, **common)

    def _advertised(self, spec: NodeSpec) -> tuple[AdvertisedMap, ...]:
        out = []
        for opt in spec.map_options:
            m = self.scenario.node(opt.map)
            address = m.address if m.role == "map" else m.map_address
            dist = opt.dist if opt.dist is not None else \
                self.topology.hop_count(spec.name, m.name) + 1
            out.append(AdvertisedMap(m.name, address, dist, opt.pref, opt.r, opt.lifetime_s))
        return tuple(out)

    def _schedule_time_line(self) -> None:
        s = self.scenario
        mn = s.node(self.mn_name) if self.mn_name else None
        if mn is not None and mn.attach:
            self.scheduler.push(0.0, Action("attach", mn.attach), _P_ACTION)
        for move in s.moves:
            self.scheduler.push(move.at_s, Action("move", move.to), _P_ACTION)
        for fail in s.fails:
            self.scheduler.push(fail.at_s, Action("fail", fail.node), _P_ACTION)
        for restore in s.restores:
            self.scheduler.push(restore.at_s, Action("restore", restore.node), _P_ACTION)
        for inject in s.injects:
            self.scheduler.push(inject.at_s, Action("inject", inject.source, inject.data),
                                _P_ACTION)
        for i, flow in enumerate(s.flows):
            self.scheduler.push(flow.start_s, Action("flow", None, b"", i, 1), _P_ACTION)

    # --- public API -------------------------------------------------------------------
    @property
    def mn(self) -> MobileNode:
        return self.nodes[self.mn_name]  # type: ignore[return-value]

    @property
    def duration_s(self) -> float:
        return self.scenario.duration_s

    def next_time(self) -> float | None:
        return self.scheduler.peek_time()

    def step(self) -> list[Event]:
        """Run the next scheduled item; return the events it produced."""
        if not len(self.scheduler):
            return []
        start = len(self.trace)
        t, item = self.scheduler.pop()
        self.now = max(self.now, t)
        if isinstance(item, Arrival):
            self._arrive(item)
        elif isinstance(item, TimerDue):
            self._timer(item.node)
        else:
            self._action(item)
        return self.trace[start:]

    def run(self, until_s: float | None = None) -> None:
        end = self.duration_s if until_s is None else until_s
        while (t := self.next_time()) is not None and t <= end:
            self.step()
        self.now = max(self.now, end)

    def move(self, to_ar: str | None, at_s: float | None = None) -> None:
        """Schedule the MN's move to ``to_ar`` (None: detach) at ``at_s`` (default now)."""
        self.scheduler.push(self.now if at_s is None else at_s, Action("move", to_ar),
                            _P_ACTION)

    def fail(self, node: str, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s, Action("fail", node), _P_ACTION)

    def restore(self, node: str, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s, Action("restore", node),
                            _P_ACTION)

    def inject(self, source: str, data: bytes, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s,
                            Action("inject", source, bytes(data)), _P_ACTION)

    def binding_caches(self) -> dict[str, list[BindingCacheEntry]]:
        """Every binding cache (MAPs, HAs, ARs with a MAP function), by node name."""
        out: dict[str, list[BindingCacheEntry]] = {}
        for name, node in self.nodes.items():
            for agent in self._agents(node):
                out[name] = agent.cache.entries()
        return out

    def binding_update_list(self) -> list[BindingUpdateListEntry]:
        return list(self.mn.bul.values()) if self.mn_name else []

    def snapshot(self) -> Snapshot:
        """Full state for step-back; the append-only trace is only measured, not copied."""
        trace, self.trace = self.trace, []
        try:
            state = copy.deepcopy(self.__dict__)
        finally:
            self.trace = trace
        return Snapshot(len(trace), state)

    def restore_snapshot(self, snap: Snapshot) -> None:
        trace = self.trace[:snap.trace_len]
        self.__dict__.update(copy.deepcopy(snap.state))
        self.trace = trace

    # --- time-line actions ---------------------------------------------------------
    def _action(self, a: Action) -> None:
        if a.verb == "attach":
            self._attach(a.target)
        elif a.verb == "move":
            self._move(a.target)
        elif a.verb == "fail":
            self._set_up(a.target, False)
        elif a.verb == "restore":
            self._set_up(a.target, True)
        elif a.verb == "inject":
            self._inject(a.target, a.data)
        elif a.verb == "flow":
            self._flow_tick(a)

    def _move(self, to_ar: str | None) -> None:
        mn = self.mn
        if to_ar is not None and mn.ar == to_ar:
            self._record(Note(self.now, mn.name, f"MN is already on {to_ar}: nothing to do"))
            return
        if mn.ar is not None:
            old = self.nodes[mn.ar]
            assert isinstance(old, AccessRouter)
            old.on_attach(None)
            self.topology.graph.remove_edge(mn.name, old.name)
            mn.detach(self.now)
            self._drain(mn, _Context())
        if to_ar is not None:
            self.scheduler.push(self.now + self.config.l2_switch_ms / 1000.0,
                                Action("attach", to_ar), _P_ACTION)

    def _attach(self, ar_name: str | None) -> None:
        if ar_name is None:
            return
        mn = self.mn
        if mn.ar is not None:  # a later move overtook this attach
            return
        ar = self.nodes[ar_name]
        assert isinstance(ar, AccessRouter)
        ar.on_attach(mn.name)
        self.topology.graph.add_edge(ar.name, mn.name, link=Link(
            ar.name, mn.name, self.config.access_link_delay_ms), weight=1e9)
        mn.attach(ar_name, self.now)
        self._drain(mn, _Context())
        self._reschedule_timer(ar)

    def _set_up(self, name: str | None, up: bool) -> None:
        node = self.nodes[name]
        if node.up == up:
            return
        if up:
            node.restore(self.now)
        else:
            node.fail(self.now)
        self._record(NodeStatus(self.now, name, up, "restored by the time line" if up
                                else "failed by the time line"))
        self._drain(node, _Context())
        map_address = getattr(getattr(node, "map", None), "map_address", None)
        if map_address is not None:
            # RFC 5380 s.10: the ARs are told (manual intervention) and advertise
            # the option with valid lifetime 0 until the MAP is back.
            for ar in self.nodes.values():
                if isinstance(ar, AccessRouter) and ar.name != name:
                    ar.set_map_failed(map_address, not up, self.now)
                    self._drain(ar, _Context())
        self._reschedule_timer(node)

    def _inject(self, source: str | None, data: bytes) -> None:
        pid = next(self._ids)
        try:
            kind = describe.classify(decode(data))
        except DecodeError:
            kind = describe.OTHER
        if len(data) < 40:
            self._record(PacketDropped(self.now, source, pid, kind, "injected packet is shorter "
                                       "than an IPv6 header"))
            return
        self._forward(source, data, pid, kind, 0, f"crafted packet injected by {source}",
                      "", origin=True)

    def _flow_tick(self, a: Action) -> None:
        flow: FlowSpec = self.scenario.flows[a.index]
        stop = flow.stop_s if flow.stop_s is not None else self.duration_s
        if self.now > stop:
            return
        payload = bytes((a.seq + i) % 256 for i in range(self.config.flow_payload_bytes))
        source = self.nodes[flow.source]
        if isinstance(source, MobileNode):
            peer = self.nodes[flow.destination].address
            source.send_flow_packet(flow.kind, peer, a.index + 1, a.seq, payload, self.now)
        elif isinstance(source, CorrespondentNode):
            source.send_flow_packet(flow.kind, self.mn.home_address, a.index + 1, a.seq, payload)
        self._drain(source, _Context(kind=describe.DATA))
        nxt = self.now + flow.interval_ms / 1000.0
        if nxt <= stop:
            self.scheduler.push(nxt, Action("flow", None, b"", a.index, a.seq + 1), _P_ACTION)

    # --- moving bytes ---------------------------------------------------------------
    def _record(self, event: Event) -> None:
        self.trace.append(event)

    def _drain(self, node: Node, ctx: _Context) -> None:
        for out in node.pull():
            if isinstance(out, Send):
                self._originate(node, out, ctx)
            elif isinstance(out, Drop):
                self._record(PacketDropped(self.now, node.name, ctx.packet_id, ctx.kind,
                                           out.reason))
            else:
                self._record(out)
        self._reschedule_timer(node)

    def _originate(self, node: Node, send: Send, ctx: _Context) -> None:
        kind = send.kind or (ctx.kind if ctx.packet_id else describe.classify(send.packet))
        data = encode(send.packet)
        pid = next(self._ids)
        self._forward(node.name, data, pid, kind, send.packet.tunnel_depth(), send.why,
                      send.rfc, origin=True, link_peer=send.link_peer)

    def _next_hop(self, here: str, data: bytes) -> tuple[str | None, str]:
        """Where ``here`` sends these bytes next, or (None, reason)."""
        node = self.nodes[here]
        if isinstance(node, MobileNode):
            return (node.ar, "") if node.ar else (None, "the MN has no link")
        dst = IPv6Address(data[24:40])
        if dst.is_multicast or dst.is_link_local:
            return None, f"{dst} is not routable beyond the link"
        owner = self.topology.owner_of(dst)
        if owner is None:
            return None, f"no route to {dst}"
        if owner == here:
            if isinstance(node, AccessRouter) and node.attached and \
                    self.nodes[node.attached].owns(dst):
                return node.attached, ""
            return None, f"{dst} is unreachable: no neighbour with that address on {here}'s link"
        nxt = self.topology.next_hop(here, owner)
        return (nxt, "") if nxt else (None, f"no path from {here} to {owner}")

    def _forward(self, here: str, data: bytes, pid: int, kind: str, depth: int, why: str,
                 rfc: str, origin: bool, link_peer: str | None = None) -> None:
        if link_peer is not None:
            nxt, reason = link_peer, ""
        else:
            nxt, reason = self._next_hop(here, data)
        link = self.topology.link(here, nxt) if nxt else None
        if link is None:
            self._record(PacketDropped(self.now, here, pid, kind, reason or
                                       f"{here} has no link to {nxt}"))
            return
        arrive = self.now + link.delay_ms / 1000.0
        self._record(PacketSent(self.now, here, nxt, link.name, pid, data, arrive, kind, depth,
                                why, rfc, origin))
        lost = link.loss > 0 and self._loss_rng.random() < link.loss
        self.scheduler.push(arrive, Arrival(link.name, here, nxt, pid, data, kind, depth, why,
                                            rfc, lost), _P_ARRIVAL)

    def _arrive(self, a: Arrival) -> None:
        node = self.nodes[a.receiver]
        if a.lost:
            self._record(PacketDropped(self.now, a.receiver, a.packet_id, a.kind,
                                       f"lost on link {a.link}"))
            return
        if not node.up:
            self._record(PacketDropped(self.now, a.receiver, a.packet_id, a.kind,
                                       f"{a.receiver} is down"))
            return
        if isinstance(node, MobileNode) and node.ar != a.sender:
            self._record(PacketDropped(self.now, a.receiver, a.packet_id, a.kind,
                                       f"the MN has left {a.sender}'s link"))
            return
        if isinstance(node, AccessRouter) and a.sender == self.mn_name and \
                node.attached != a.sender:
            self._record(PacketDropped(self.now, a.receiver, a.packet_id, a.kind,
                                       f"the MN is no longer on {a.receiver}'s link"))
            return
        dst = IPv6Address(a.data[24:40])
        local = node.owns(dst) or node.intercepts(dst) or (
            dst.is_multicast and a.link.endswith(f"-{self.mn_name}"))
        if local:
            self._deliver(node, a)
            return
        hop_limit = a.data[7]
        if hop_limit <= 1:
            self._record(PacketDropped(self.now, node.name, a.packet_id, a.kind,
                                       "hop limit exceeded"))
            return
        data = a.data[:7] + bytes([hop_limit - 1]) + a.data[8:]
        self._forward(node.name, data, a.packet_id, a.kind, a.depth, a.summary, a.rfc,
                      origin=False)

    def _deliver(self, node: Node, a: Arrival) -> None:
        try:
            packet: Packet = decode(a.data)
        except DecodeError as exc:
            self._record(PacketDropped(self.now, node.name, a.packet_id, a.kind,
                                       f"malformed packet: {exc}"))
            return
        self._record(PacketReceived(self.now, node.name, a.packet_id, a.kind))
        ctx = _Context(a.packet_id, a.kind)
        try:
            node.receive(packet, self.now, a.sender)
        except Exception as exc:  # a bug must not take the whole simulation down
            self.internal_errors += 1
            node.pull()
            self._record(PacketDropped(self.now, node.name, a.packet_id, a.kind,
                                       f"internal error while processing: {exc!r}"))
            return
        self._drain(node, ctx)

    # --- timers ------------------------------------------------------------------------
    def _reschedule_timer(self, node: Node) -> None:
        t = node.next_timer() if node.up else None
        if t is None:
            self._timer_at.pop(node.name, None)
            return
        t = max(t, self.now)
        if self._timer_at.get(node.name) != t:
            self._timer_at[node.name] = t
            self.scheduler.push(t, TimerDue(node.name), _P_TIMER)

    def _timer(self, name: str) -> None:
        node = self.nodes[name]
        if self._timer_at.get(name) != self.now:
            return  # superseded by a later reschedule
        del self._timer_at[name]
        if not node.up:
            return
        node.on_timer(self.now)
        self._drain(node, _Context())
