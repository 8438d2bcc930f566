"""The simulated network: carries BYTES between sans-I/O nodes (architecture rule 3).

Every packet a node sends is encoded by the wire codec; it then travels hop by hop
along networkx shortest paths, each hop a :class:`PacketSent` event carrying the exact
bytes on that link (routers decrement the hop limit in those bytes). Only at the node
that processes it is the packet decoded, and the node acts on what was decoded.
Same scenario + same inputs + same seed = the same trace, byte for byte.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .engine import describe
from .engine.addresses import address
from .engine.binding_cache import BindingCacheEntry
from .engine.config import ProtocolConfig
from .engine.events import (
    Event,
    FlowToggled,
    InternalError,
    LinkParamsChanged,
    MapOptionChanged,
    NodeStatus,
    Note,
    PacketDropped,
    PacketReceived,
    PacketSent,
)
from .engine.messages import Packet
from .engine.nodes.access_router import AccessRouter
from .engine.nodes.base import Drop, InstallSecurityAssociations, Node, Send
from .engine.nodes.correspondent import CorrespondentNode
from .engine.nodes.mobile_node import MobileNode
from .engine.topology import Link, Topology
from .scenario import FlowSpec, Scenario
from .sim_esp import open_esp
from .sim_items import (
    _MAX_FLOW_PAYLOAD,
    _P_ACTION,
    _P_ARRIVAL,
    _P_TIMER,
    Action,
    Arrival,
    TimerDue,
    _flow_payload,
    _target,
)
from .sim_mns import MobileIndex, SeveralMobileNodes
from .sim_mobility import Mobility
from .sim_nodes import agents_of, build_network
from .sim_snapshot import Snapshot, SnapshotRandom, freeze, thaw
from .wire.codec import DecodeError, decode, encode

# a node's timer firing more often than this at one instant never moves on: an error
_MAX_TIMER_SPINS = 1000
_NO_LIMIT = sys.maxsize  # run(): no step budget
# the Hop Limit octet a forwarding hop writes, by value
_HOP_LIMIT_OCTET = tuple(bytes((n,)) for n in range(256))


@dataclass
class _Context:
    packet_id: int = 0
    kind: str = describe.OTHER


class _Listeners(list):
    """Callables that receive every event as it is recorded (the CLI's streaming
    outputs). Snapshots share them: they are where the run goes, not its state."""

    def __deepcopy__(self, memo: dict) -> _Listeners:
        return self


class Simulation(SeveralMobileNodes):
    #: what ``strict=None`` means; the test suite's conftest sets it to True
    default_strict = False

    def __init__(self, scenario: Scenario, *, seed: int | None = None,
                 mode: str | None = None, config: ProtocolConfig | None = None,
                 security: str | None = None, strict: bool | None = None,
                 keep_trace: bool = True) -> None:
        self.scenario = scenario
        # strict: an exception from a node propagates (tests); otherwise it becomes an
        # InternalError event and the run goes on (architecture rule 9)
        self.strict = self.default_strict if strict is None else strict
        self.seed = scenario.seed if seed is None else seed
        self.mode = mode or scenario.mode
        # "none" | "esp": ESP on the MN-MAP and MN-HA signalling (RFC 5380 s.12.1)
        self.security = security or scenario.security
        self.config = config or ProtocolConfig().with_overrides(**scenario.protocol)
        self.now = 0.0
        self.trace: list[Event] = []
        # False: events only go to the listeners and step()'s result, so a long
        # headless run holds no history (memory independent of simulated time)
        self.keep_trace = keep_trace
        self._listeners = _Listeners()
        self._step_events: list[Event] = []
        self.internal_errors = 0
        self._ids = itertools.count(1)
        self._loss_rng = SnapshotRandom(f"{self.seed}/loss")
        self._timer_at: dict[str, float] = {}
        # node -> (no retry before, back-off s) after its on_timer raised (normal mode)
        self._timer_retry: dict[str, tuple[float, float]] = {}
        # node -> (instant, how many times its timer fired at that instant)
        self._timer_spins: dict[str, tuple[float, int]] = {}
        from .engine.scheduler import Scheduler
        self.scheduler = Scheduler()
        self.topology = Topology()
        self.nodes: dict[str, Node] = {}
        self.mn_name = ""  # the first MN (the window's and the lessons' MN)
        self.mn_names: list[str] = []  # every MN, in scenario order
        self.mobiles: MobileIndex  # address or packet -> its MN (set by build_network)
        self._flow_on = [True] * len(scenario.flows)  # set_flows switches them
        self._flow_gen = [0] * len(scenario.flows)
        self._build()
        # MN -> the AR its link layer is heading for (None: detached)
        self._attach_target: dict[str, str | None] = {}
        self.mobility = Mobility(self)
        self._schedule_time_line()

    # --- construction --------------------------------------------------------------
    def _rng(self, name: str) -> random.Random:
        return SnapshotRandom(f"{self.seed}/{name}")

    def _build(self) -> None:
        """Nodes, links and the routing graph from the scenario (sim_nodes)."""
        self.mn_names = build_network(self)
        self.mn_name = self.mn_names[0] if self.mn_names else ""
        self._mn_set = frozenset(self.mn_names)
        for node in self.nodes.values():
            self._reschedule_timer(node)

    @staticmethod
    def _agents(node: Node) -> list:
        return agents_of(node)

    def _schedule_time_line(self) -> None:
        s = self.scenario
        for name in self.mn_names:
            attach = s.node(name).attach
            if attach is None and name in self.mobility.trajectories:
                attach = self.mobility.initial_cell(name)
            if attach:
                self._attach_target[name] = attach
                self.scheduler.push(0.0, Action("attach", attach, mn=name), _P_ACTION)
        for move in s.moves:
            self.scheduler.push(move.at_s, Action("move", move.to,
                                                  mn=move.mn or ""),
                                _P_ACTION)
        for fail in s.fails:
            self.scheduler.push(fail.at_s, Action("fail", fail.node), _P_ACTION)
        for restore in s.restores:
            self.scheduler.push(restore.at_s, Action("restore", restore.node), _P_ACTION)
        for inject in s.injects:
            self.scheduler.push(inject.at_s, Action("inject", inject.source, inject.data),
                                _P_ACTION)
        for i, flow in enumerate(s.flows):
            self.scheduler.push(flow.start_s, Action("flow", None, b"", i, 1), _P_ACTION)
        for name in self.mobility.moving():
            self.scheduler.push(0.0, Action("where", mn=name), _P_ACTION)

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
        due = self.scheduler.pop_any()
        if due is None:
            return []
        start = len(self.trace)
        if not self.keep_trace:
            self._step_events = []
        self._dispatch(*due)
        return self.trace[start:] if self.keep_trace else self._step_events

    def run_steps(self, until_s: float, max_steps: int) -> int:
        """Run the items scheduled at or before ``until_s``, at most ``max_steps`` of
        them (what a caller with a step budget needs, in one loop); how many ran."""
        n = 0
        keep = self.keep_trace
        while n < max_steps:
            due = self.scheduler.pop_due(until_s)
            if due is None:
                break
            if not keep:
                self._step_events = []
            self._dispatch(*due)
            n += 1
        return n

    def _dispatch(self, t: float, item: object) -> None:
        """Run one scheduled item (dispatched on its exact type: a subclass is not one)."""
        if t > self.now:
            self.now = t
        kind = type(item)
        if kind is PacketSent:  # _arrive(item, False), written out: one call per hop less
            try:
                self._do_arrive(item, False)  # type: ignore[arg-type]
            except Exception as exc:
                self._internal_error(item.to_node, "receive", exc,  # type: ignore[attr-defined]
                                     item.packet_id, item.kind)  # type: ignore[attr-defined]
        elif kind is TimerDue:
            self._timer(item.node)  # type: ignore[attr-defined]
        elif kind is Arrival:
            self._arrive(item.sent, item.lost)  # type: ignore[attr-defined]
        else:
            self._action(item)  # type: ignore[arg-type]

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener`` with every event from now on, in trace order."""
        self._listeners.append(listener)

    def run(self, until_s: float | None = None) -> None:
        end = self.duration_s if until_s is None else until_s
        self.run_steps(end, _NO_LIMIT)  # step() without collecting its events
        self.now = max(self.now, end)

    def move(self, to_ar: str | None, at_s: float | None = None, mn: str | None = None) -> None:
        """Schedule ``mn``'s (default: the first MN's) move to ``to_ar`` (None: detach)
        at ``at_s`` (default now)."""
        self.scheduler.push(self.now if at_s is None else at_s,
                            Action("move", to_ar, mn=mn or ""), _P_ACTION)

    def fail(self, node: str, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s, Action("fail", node), _P_ACTION)

    def restore(self, node: str, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s, Action("restore", node),
                            _P_ACTION)

    def inject(self, source: str, data: bytes, at_s: float | None = None) -> None:
        self.scheduler.push(self.now if at_s is None else at_s,
                            Action("inject", source, bytes(data)), _P_ACTION)

    # --- teacher's controls (used by the GUI's properties panel) ----------------------
    def set_link(self, a: str, b: str, delay_ms: float | None = None,
                 loss: float | None = None) -> None:
        """Change a link's delay and/or loss from now on (a LinkParamsChanged event)."""
        self.topology.set_link(a, b, delay_ms, loss)
        link = self.topology.link(a, b)
        assert link is not None  # set_link raises KeyError for a link that does not exist
        self._record(LinkParamsChanged(self.now, link.a, link.b, link.name, link.delay_ms,
                                       link.loss))

    def set_map_option(self, ar: str, map_name: str, pref: int | None = None,
                       lifetime_s: int | None = None) -> None:
        """Change the MAP option ``ar`` advertises for ``map_name``; the AR re-advertises
        at once (RFC 4861 s.6.2.4 lets a router do so when its information changes)."""
        node = self.nodes[ar]
        if not isinstance(node, AccessRouter):
            raise ValueError(f"{ar} is not an access router")
        spec = self.scenario.node(map_name)
        address = spec.address if spec.role == "map" else spec.map_address
        if address is not None:  # an AR without a MAP function advertises nothing for it
            node.set_map_option(address, pref=pref, lifetime_s=lifetime_s)
        now_adv = [a for a in node.advertised if a.map_address == address]
        self._record(MapOptionChanged(
            self.now, ar, map_name, "" if address is None else str(address),
            now_adv[0].pref if now_adv else None, now_adv[0].lifetime_s if now_adv else None))
        node._advertise(f"{ar} re-advertises: its MAP option for {map_name} changed")
        self._drain(node, _Context())

    def flow_running(self) -> bool:
        """Whether any data flow is switched on (it may not have started yet)."""
        return any(self._flow_on)

    def set_flows(self, running: bool) -> None:
        """Start or stop the scenario's data flows from now on. Starting with no flow in
        the scenario adds an echo flow from the first CN to the MN every 250 ms."""
        flows = list(self.scenario.flows)
        if running and not flows:
            cns = self.scenario.nodes_with_role("cn")
            if not cns or not self.mn_name:
                self._record(Note(self.now, self.mn_name or "-", "no correspondent node to "
                                  "send data: the scenario has no CN"))
                return
            flows.append(FlowSpec(cns[0].name, self.mn_name, "echo", self.now, 250.0))
            self._flow_on.append(False)
            self._flow_gen.append(0)
        for i, flow in enumerate(flows):
            if self._flow_on[i] == running:
                continue
            self._flow_on[i] = running
            self._flow_gen[i] += 1
            if running:
                flows[i] = dataclasses.replace(flow, start_s=self.now, stop_s=None)
                self.scheduler.push(self.now, Action("flow", self._flow_tag(i), b"", i,
                                                     self._flow_seq(i)), _P_ACTION)
            self._record(FlowToggled(self.now, flow.source, flow.destination, flow.kind,
                                     running, sum(self._flow_on)))
        self.scenario = dataclasses.replace(self.scenario, flows=tuple(flows))

    def _flow_tag(self, index: int) -> str | None:
        gen = self._flow_gen[index]
        return None if gen == 0 else f"gen{gen}"

    def _flow_seq(self, index: int) -> int:
        """First sequence number after a restart: 1000 apart, so the runs are told apart."""
        return (1000 * self._flow_gen[index]) % 60000 + 1

    def binding_caches(self) -> dict[str, list[BindingCacheEntry]]:
        """Every binding cache (MAPs, HAs, ARs with a MAP function, CNs), by node name."""
        out: dict[str, list[BindingCacheEntry]] = {}
        for name, node in self.nodes.items():
            for agent in self._agents(node):
                out[name] = agent.cache.entries()
        return out

    def snapshot(self) -> Snapshot:
        """Full state for step-back (:mod:`hmipviz.sim_snapshot`); the append-only trace
        is only measured, and the listeners are where the run goes, not its state."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("trace", "_listeners")}
        return Snapshot(len(self.trace), freeze(state))

    def restore_snapshot(self, snap: Snapshot) -> None:
        trace = self.trace[:snap.trace_len]
        self.__dict__.update(thaw(snap.frozen))
        self.trace = trace

    # --- time-line actions ---------------------------------------------------------
    def _action(self, a: Action) -> None:
        try:
            self._do_action(a)
        except Exception as exc:
            who = a.target if a.verb in ("fail", "restore", "inject") and a.target \
                else (a.mn or self.mn_name or "-")
            if a.verb == "flow" and a.index < len(self.scenario.flows):
                who = self.scenario.flows[a.index].source
            self._internal_error(who, a.verb, exc)

    def _do_action(self, a: Action) -> None:
        if a.verb == "attach":
            self._attach(a.target, a.mn or self.mn_name)
        elif a.verb == "move":
            self._move(a.target, a.mn or self.mn_name)
        elif a.verb == "where":
            self._where(a.mn)
        elif a.verb == "fail":
            self._set_up(_target(a), False)
        elif a.verb == "restore":
            self._set_up(_target(a), True)
        elif a.verb == "inject":
            self._inject(_target(a), a.data)
        elif a.verb == "flow":
            self._flow_tick(a)

    def _where(self, name: str) -> None:
        """A position check of a moving MN (sim_mobility): follow its cell, then check
        again when the answer can next change."""
        target, nxt = self.mobility.check(name, self.now, self._attach_target.get(name))
        if target != self._attach_target.get(name):
            self._move(target, name)
        if nxt <= self.duration_s:
            self.scheduler.push(nxt, Action("where", mn=name), _P_ACTION)

    def _move(self, to_ar: str | None, name: str) -> None:
        mn = self.mobile_node(name)
        if to_ar is not None and mn.ar == to_ar:
            self._record(Note(self.now, mn.name, f"MN is already on {to_ar}: nothing to do"))
            return
        if mn.ar is not None:
            old = self.nodes[mn.ar]
            assert isinstance(old, AccessRouter)
            old.on_detach(mn.name)
            self.topology.remove_access_link(mn.name, old.name)
            mn.detach(self.now)
            self._drain(mn, _Context())
        # the latest move decides where the link layer ends up, even mid-switch
        self._attach_target[name] = to_ar
        if to_ar is not None:
            self.scheduler.push(self.now + self.config.l2_switch_ms / 1000.0,
                                Action("attach", to_ar, mn=name), _P_ACTION)

    def _attach(self, ar_name: str | None, name: str) -> None:
        if ar_name is None or ar_name != self._attach_target.get(name):
            return  # a later move overtook this attach
        mn = self.mobile_node(name)
        if mn.ar is not None:
            return
        ar = self.nodes[ar_name]
        assert isinstance(ar, AccessRouter)
        ar.on_attach(mn.name)
        self.topology.add_access_link(
            Link(ar.name, mn.name, self.config.access_link_delay_ms), weight=1e9)
        mn.attach(ar_name, self.now)
        self._drain(mn, _Context())
        self._reschedule_timer(ar)

    def _set_up(self, name: str, up: bool) -> None:
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
            # RFC 5380 s.10: ARs that do not probe their MAPs are told (manual
            # intervention) and advertise the option with valid lifetime 0 until the MAP
            # is back; ARs with probe_maps find out for themselves.
            for ar in self.nodes.values():
                if isinstance(ar, AccessRouter) and ar.name != name and not ar.probe_maps:
                    ar.set_map_failed(map_address, not up, self.now)
                    self._drain(ar, _Context())
        self._reschedule_timer(node)

    def _inject(self, source: str, data: bytes) -> None:
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
        if self.now > stop or not self._flow_on[a.index] or \
                a.target != self._flow_tag(a.index):
            return  # stopped, or superseded by a restart (set_flows)
        size = self.config.flow_payload_bytes
        if not flow.interval_ms > 0:
            raise ValueError(f"flow {flow.source} -> {flow.destination}: interval_ms = "
                             f"{flow.interval_ms} would send without end at one instant: "
                             "the flow stops")
        if not 0 <= size <= _MAX_FLOW_PAYLOAD:
            raise ValueError(f"flow_payload_bytes = {size} does not fit an IPv6 packet (0 to "
                             f"{_MAX_FLOW_PAYLOAD} octets after the ICMPv6 or UDP header): "
                             f"flow {flow.source} -> {flow.destination} stops")
        payload = _flow_payload(a.seq, size)
        # RFC 4443 s.4.1: the echo Sequence Number is 16 bits; it wraps
        seq = a.seq & 0xFFFF
        source = self.nodes[flow.source]
        if isinstance(source, MobileNode):
            peer = self.nodes[flow.destination].address
            # the scenario's checks: an MN's flow peer is a CN or host, which has an address
            assert peer is not None
            source.send_flow_packet(flow.kind, peer, a.index + 1, seq, payload, self.now,
                                    use_rcoa=flow.use_rcoa)
        elif isinstance(source, CorrespondentNode):
            mn = self.nodes[flow.destination]
            source.send_flow_packet(flow.kind, mn.home_address,  # type: ignore[attr-defined]
                                    a.index + 1, seq, payload, self.now)
        self._drain(source, _Context(kind=describe.DATA))
        nxt = self.now + flow.interval_ms / 1000.0
        if nxt <= stop:
            self.scheduler.push(nxt, Action("flow", a.target, b"", a.index, a.seq + 1),
                                _P_ACTION)

    # --- moving bytes ---------------------------------------------------------------
    def _record(self, event: Event) -> None:
        if self.keep_trace:
            self.trace.append(event)
        else:
            self._step_events.append(event)
        for listener in self._listeners:
            listener(event)

    def _internal_error(self, node: str, where: str, exc: Exception, packet_id: int = 0,
                        kind: str = describe.OTHER) -> None:
        """Strict mode: re-raise. Otherwise count it, forget what the node queued while
        failing, and record an InternalError (and the packet's drop) instead."""
        if self.strict:
            raise exc
        self.internal_errors += 1
        if node in self.nodes:
            self.nodes[node].pull()
        error = f"{type(exc).__name__}: {exc}"
        self._record(InternalError(self.now, node, f"internal error in {node} ({where}): "
                                   f"{error}; the run goes on", "", where, error))
        if packet_id:
            self._record(PacketDropped(self.now, node, packet_id, kind,
                                       f"internal error while processing: {error}"))

    def _drain(self, node: Node, ctx: _Context) -> None:
        for out in node.pull():
            if isinstance(out, Send):
                try:
                    self._originate(node, out, ctx)
                except Exception as exc:  # e.g. EncodeError: a field that does not fit
                    self._internal_error(node.name, "encode", exc)
            elif isinstance(out, Drop):
                self._record(PacketDropped(self.now, node.name, ctx.packet_id, ctx.kind,
                                           out.reason))
            elif isinstance(out, InstallSecurityAssociations):
                self._install_sas(node, out)
            else:
                self._record(out)
        self._reschedule_timer(node)

    def _install_sas(self, node: Node, out: InstallSecurityAssociations) -> None:
        """The stand-in for IKEv2 (out of scope): the peer gets its half of the SA pair."""
        name = self.topology.owner_of(out.peer_address)
        peer = self.nodes.get(name) if name is not None else None
        if peer is None or not (peer.owns(out.peer_address) or peer.intercepts(out.peer_address)):
            self._record(Note(self.now, node.name, f"no node owns {out.peer_address}: no "
                              "security association could be set up", "RFC 5380 s.12.1"))
            return
        peer.sad.install(out.outbound, out.inbound, out.protected_address)

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
        packed = data[24:40]
        if packed[0] == 0xFF or (packed[0] == 0xFE and packed[1] & 0xC0 == 0x80):
            # multicast (ff00::/8) or link-local (fe80::/10)
            return None, f"{address(packed)} is not routable beyond the link"
        owner = self.topology.owner_of(packed)
        if owner is None:
            return None, f"no route to {address(packed)}"
        if owner == here:
            dst = address(packed)
            if isinstance(node, AccessRouter) and node.attached_mns:
                on_link = self._on_link(node, dst)
                if on_link is not None:
                    return on_link, ""
            return None, f"{dst} is unreachable: no neighbour with that address on {here}'s link"
        nxt = self.topology.next_hop(here, owner)
        return (nxt, "") if nxt else (None, f"no path from {here} to {owner}")

    def _forward(self, here: str, data: bytes, pid: int, kind: str, depth: int, why: str,
                 rfc: str, origin: bool, link_peer: str | None = None) -> None:
        nxt: str | None
        if link_peer is not None:
            nxt, reason = link_peer, ""
        else:
            nxt, reason = self._next_hop(here, data)
        link = self.topology.link(here, nxt) if nxt else None
        if nxt is None or link is None:
            self._record(PacketDropped(self.now, here, pid, kind, reason or
                                       f"{here} has no link to {nxt}"))
            return
        now = self.now
        arrive = now + link.delay_ms / 1000.0
        sent = PacketSent(now, here, nxt, link.name, pid, data, arrive, kind, depth,
                          why, rfc, origin)
        # _record(sent), written out: this runs for every hop of every packet
        if self.keep_trace:
            self.trace.append(sent)
        else:
            self._step_events.append(sent)
        for listener in self._listeners:
            listener(sent)
        if link.loss > 0 and self._loss_rng.random() < link.loss:
            self.scheduler.push(arrive, Arrival(sent, True), _P_ARRIVAL)
        else:
            self.scheduler.push(arrive, sent, _P_ARRIVAL)  # arrives: see Arrival

    def _arrive(self, a: PacketSent, lost: bool) -> None:
        try:
            self._do_arrive(a, lost)
        except Exception as exc:
            self._internal_error(a.to_node, "receive", exc, a.packet_id, a.kind)

    def _do_arrive(self, a: PacketSent, lost: bool) -> None:
        node = self.nodes[a.to_node]
        if lost:
            self._record(PacketDropped(self.now, a.to_node, a.packet_id, a.kind,
                                       f"lost on link {a.link}"))
            return
        if not node.up:
            self._record(PacketDropped(self.now, a.to_node, a.packet_id, a.kind,
                                       f"{a.to_node} is down"))
            return
        if isinstance(node, MobileNode) and node.ar != a.node:
            self._record(PacketDropped(self.now, a.to_node, a.packet_id, a.kind,
                                       f"the MN has left {a.node}'s link"))
            return
        if isinstance(node, AccessRouter) and a.node in self._mn_set and \
                a.node not in node.attached_mns:
            self._record(PacketDropped(self.now, a.to_node, a.packet_id, a.kind,
                                       f"the MN is no longer on {a.to_node}'s link"))
            return
        data = a.data
        dst = address(data[24:40])
        local = node.owns(dst) or node.intercepts(dst) or (
            data[24] == 0xFF  # dst.is_multicast (ff00::/8), read off the octet
            and (a.node in self._mn_set or a.to_node in self._mn_set))
        if local:
            self._deliver(node, a)
            return
        hop_limit = data[7]
        if hop_limit <= 1:
            self._record(PacketDropped(self.now, node.name, a.packet_id, a.kind,
                                       "hop limit exceeded"))
            return
        data = data[:7] + _HOP_LIMIT_OCTET[hop_limit - 1] + data[8:]
        self._forward(node.name, data, a.packet_id, a.kind, a.tunnel_depth, a.summary, a.rfc,
                      origin=False)

    def _deliver(self, node: Node, a: PacketSent) -> None:
        try:
            packet: Packet = decode(a.data, mobility_refusals=True)
        except DecodeError as exc:
            self._record(PacketDropped(self.now, node.name, a.packet_id, a.kind,
                                       f"malformed packet: {exc}"))
            return
        ctx = _Context(a.packet_id, a.kind)
        opened = open_esp(node, packet)
        if opened is None:
            self._drain(node, ctx)  # dropped for a security reason, and counted
            return
        packet = opened
        self._record(PacketReceived(self.now, node.name, a.packet_id, a.kind))
        node.receive(packet, self.now, a.node)  # _arrive contains what it raises
        self._drain(node, ctx)

    # --- timers ------------------------------------------------------------------------
    def _reschedule_timer(self, node: Node) -> None:
        try:
            t = node.next_timer() if node.up else None
        except Exception as exc:
            self._timer_at.pop(node.name, None)
            self._internal_error(node.name, "next_timer", exc)
            return
        if t is None:
            self._timer_at.pop(node.name, None)
            return
        t = max(t, self.now)
        retry = self._timer_retry.get(node.name)
        if retry is not None:
            t = max(t, retry[0])  # its on_timer raised: no retry in a tight loop
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
        try:
            spin_at, spins = self._timer_spins.get(name, (None, 0))
            spins = spins + 1 if spin_at == self.now else 1
            self._timer_spins[name] = (self.now, spins)
            if spins > _MAX_TIMER_SPINS:
                raise RuntimeError(f"{name}'s timer fired {spins - 1} times at t = "
                                   f"{self.now:g} s and is still due: a timer that never "
                                   "moves on (livelock)")
            node.on_timer(self.now)
        except Exception as exc:
            self._internal_error(name, "timer", exc)
            # retry after 1 s, doubling up to 64 s while it keeps raising
            back_off = min(2 * self._timer_retry.get(name, (0.0, 0.5))[1], 64.0)
            self._timer_retry[name] = (self.now + back_off, back_off)
        else:
            self._timer_retry.pop(name, None)
        self._drain(node, _Context())
