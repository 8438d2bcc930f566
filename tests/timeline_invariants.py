"""What must hold after any time line (issue 8), judged from the trace's bytes and the
final binding caches, never from what the engine says about itself.

:func:`check_trace` walks the whole trace once; :func:`check_settled` looks at the
state once the network is whole again and the MN had time to register;
:func:`check_ping` follows the final echo request. Each returns
:class:`Violation` records; the test raises the first one, in the order of
:data:`PRIORITY`, and lists the others.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from dataclasses import dataclass
from ipaddress import IPv6Address
from pathlib import Path

from timeline_model import HOA, PING_IDENT, World

from hmipviz.engine.events import (
    BindingChanged,
    LinkChanged,
    PacketDropped,
    PacketReceived,
    PacketSent,
    StateChanged,
)
from hmipviz.engine.messages import (
    AlternateCareOfAddress,
    BindingAck,
    BindingUpdate,
    EchoReply,
    EchoRequest,
    Packet,
    RouterAdvertisement,
    Tunnelled,
)
from hmipviz.sim import Simulation
from hmipviz.wire.codec import DecodeError, decode

# RFC 2473 s.4, s.6.6: the default Tunnel Encapsulation Limit, how many further
# encapsulations a tunnel packet may get after its first: 1 + 4 nested tunnels at most.
# HMIPv6 itself needs two (LCoA -> MAP [RCoA -> HA [HoA -> CN]], RFC 5380 s.6.1, s.12.2).
TUNNEL_ENCAPSULATION_LIMIT = 4
EPSILON_S = 1e-6

PRIORITY = ("node-raised", "storm", "tunnel-depth", "mn-source", "privacy", "hop-limit",
            "lifetime-cap", "registered-without-bindings", "first-registration-timer",
            "deregistration-status", "settled", "ping", "bul-lifetime", "tshark")


@dataclass(frozen=True)
class Violation:
    invariant: str  # one of PRIORITY
    cause: str  # short and stable: two violations with the same key are the same bug
    t: float
    detail: str

    @property
    def key(self) -> str:
        return f"{self.invariant}: {self.cause}"

    def __str__(self) -> str:
        return f"[{self.key}] at {self.t:.6f} s: {self.detail}"


def layers(p: Packet) -> list[Packet]:
    """The packet and every packet tunnelled inside it, outermost first."""
    out = [p]
    while isinstance(p.payload, Tunnelled):
        p = p.payload.inner
        out.append(p)
    return out


class _LayerKey:
    """A layer without its hop limit as a dictionary key, its hash computed once (a
    packet's hash walks every nested field, and each layer is looked up three times)."""

    __slots__ = ("_hash", "packet")

    def __init__(self, packet: Packet) -> None:
        self.packet = packet
        self._hash = hash(packet)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LayerKey) and self._hash == other._hash and \
            self.packet == other.packet


def _decoded(e: PacketSent) -> Packet | None:
    try:
        return decode(e.data)
    except DecodeError:
        return None


def _state_name(value) -> str:
    return str(getattr(value, "value", value)).lower()


@dataclass
class _LocalBinding:
    """A MAP binding as the MN must count it: from when it sent the BU (RFC 6275 s.11.1)."""

    care_of: IPv6Address
    valid_until: float
    granted_s: int = 0


class TraceChecker:
    """One pass over the trace, in the order the simulator recorded it."""

    def __init__(self, world: World, mn: str = "MN",
                 encapsulation_limit: int = TUNNEL_ENCAPSULATION_LIMIT) -> None:
        self.w, self.mn = world, mn
        self.max_tunnels = 1 + encapsulation_limit
        t = world.topology
        self.lcoas, self.rcoas = world.lcoas, world.rcoas
        self.map_by_address = {t.map_address(m): m for m in t.maps}
        self.agents = {"HA": world.address_of("HA")} | {
            m: t.map_address(m) for m in t.maps}
        self.out: list[Violation] = []
        self.first: dict[int, PacketSent] = {}  # packet id -> its first hop
        self.last: dict[int, tuple[PacketSent, Packet | None]] = {}
        self.mn_ar: str | None = None
        self.ra_log: dict[str, list[tuple[float, tuple]]] = {}  # AR -> [(t, options)]
        self.heard: dict[IPv6Address, tuple[float, int]] = {}  # MAP -> (t, valid lifetime)
        self.bu_sent: dict[tuple[IPv6Address, int], tuple[float, Packet]] = {}
        self.local: dict[tuple[IPv6Address, IPv6Address], _LocalBinding] = {}
        self.home: _LocalBinding | None = None
        self.home_ever_acked = False
        self.last_home_bu: tuple[float, IPv6Address] | None = None
        self.link_changed_t = -1.0
        self.layer_hl: dict[_LayerKey, tuple[str, int]] = {}  # layer w/o hop limit -> (creator, hl)
        self.twins: set[_LayerKey] = set()  # layers made more than once: not judged
        self.bound: dict[str, set[IPv6Address]] = {a: set() for a in self.agents}
        self.pending_dereg: dict[tuple[str, int], float] = {}

    def add(self, invariant: str, cause: str, t: float, detail: str) -> None:
        v = Violation(invariant, cause, t, detail)
        if sum(1 for x in self.out if x.key == v.key) < 3:  # the first few say it all
            self.out.append(v)

    # --- the pass -----------------------------------------------------------------
    def run(self, trace) -> list[Violation]:
        for e in trace:
            if isinstance(e, PacketSent):
                self._sent(e)
            elif isinstance(e, PacketReceived):
                self._received(e)
            elif isinstance(e, PacketDropped) and e.reason.startswith("internal error"):
                self.add("node-raised", "internal error event", e.t, f"{e.node}: {e.reason}")
            elif isinstance(e, LinkChanged) and e.node == self.mn:
                self.mn_ar = e.ar
                self.link_changed_t = e.t
            elif isinstance(e, BindingChanged) and e.table == "binding cache" \
                    and e.node in self.bound:
                addr = IPv6Address(e.home_address)
                if e.change in ("added", "refreshed", "updated"):
                    self.bound[e.node].add(addr)
                else:
                    self.bound[e.node].discard(addr)
            elif isinstance(e, StateChanged) and e.node == self.mn \
                    and _state_name(e.new) == "registered":
                self._registered(e)
        return self.out

    def _sent(self, e: PacketSent) -> None:
        p = _decoded(e)
        self.first.setdefault(e.packet_id, e)
        if p is None:
            if e.node == self.mn:
                self.add("mn-source", "undecodable packet", e.t, f"{e.kind}: {e.summary}")
            self.last[e.packet_id] = (e, None)
            return
        ls = layers(p)
        if len(ls) - 1 > self.max_tunnels:
            self.add("tunnel-depth", f"{len(ls) - 1} nested tunnels", e.t,
                     f"{e.node} -> {e.to_node} on {e.link}: {e.kind}, {e.summary}")
        self._hop_limits(e, ls)
        if e.node == self.mn:
            self._mn_sent(e, ls)
        if e.to_node in ("HA", "CN"):
            self._agent_sees(e, ls)
        if e.origin and e.node in self.agents:
            self._agent_answers(e, ls)
        self.last[e.packet_id] = (e, p)

    # --- hop limits -------------------------------------------------------------------
    def _hop_limits(self, e: PacketSent, ls: list[Packet]) -> None:
        """RFC 8200 s.3: every forwarding node decrements the hop limit; a tunnel entry
        or exit point forwards the packet it carries (RFC 2473 s.3: one virtual hop).
        A layer's first sender is its creator; whoever else sends it on must have
        decremented it, and no layer's hop limit ever grows."""
        prev = self.last.get(e.packet_id)
        if prev is not None and prev[1] is not None and ls[0].hop_limit >= prev[1].hop_limit:
            self.add("hop-limit", "router did not decrement", e.t,
                     f"{e.node} forwarded {e.kind} with hop limit {ls[0].hop_limit}")
        forwarded_checked = False
        for depth, layer in enumerate(ls):
            key = _LayerKey(layer.with_hop_limit(0))
            seen = self.layer_hl.get(key)
            if seen is None or (e.origin and seen[0] == e.node):
                if seen is not None:
                    # the same bytes made twice (a crafted BU sent again, its answer):
                    # copies in flight cannot be told apart, so they are not judged
                    self.twins.add(key)
                self.layer_hl[key] = (e.node, layer.hop_limit)  # a new instance
                continue
            if key in self.twins:
                continue
            creator, hl = seen
            if e.origin and creator != e.node and not forwarded_checked:
                forwarded_checked = True  # the outermost layer this node did not create
                if layer.hop_limit >= hl:
                    where = "into" if depth else "out of"
                    role = "HA" if e.node == "HA" else "MAP" if e.node in self.agents \
                        else e.node
                    self.add("hop-limit", f"{role} forwards {where} a tunnel without "
                             "decrementing", e.t,
                             f"{e.node} sent {layer.src} -> {layer.dst} ({e.kind}) with hop "
                             f"limit {layer.hop_limit}, it arrived with {hl}")
            elif layer.hop_limit > hl:
                self.add("hop-limit", "hop limit grew", e.t,
                         f"{layer.src} -> {layer.dst} ({e.kind}) hop limit {hl} -> "
                         f"{layer.hop_limit} at {e.node}")
            self.layer_hl[key] = (creator, min(hl, layer.hop_limit))

    # --- what the MN puts on its link -------------------------------------------------------
    def _mn_sent(self, e: PacketSent, ls: list[Packet]) -> None:
        """RFC 5380 s.6.1, s.3.1: an outer source that is link-local or the LCoA formed on
        this link; an RCoA only inside the tunnel from that LCoA to that RCoA's MAP."""
        lcoa = self.w.topology.lcoa(e.to_node) if e.to_node in self.w.topology.ars else None
        outer = ls[0].src
        if not (outer.is_link_local or outer.is_unspecified or outer == lcoa):
            what = ("an LCoA of " + self.lcoas[outer] if outer in self.lcoas else
                    "the RCoA of " + self.rcoas[outer] if outer in self.rcoas else
                    "the home address" if outer == HOA else str(outer))
            self.add("mn-source", f"{e.kind} leaves from {what.split(' of ')[0]} "
                     "not formed on the MN's link", e.t,
                     f"MN on {e.to_node} (LCoA {lcoa}) sent {outer} -> {ls[0].dst} "
                     f"[{e.kind}: {e.summary}]")
            return
        for depth, layer in enumerate(ls):
            if layer.src in self.lcoas and layer.src != lcoa:
                self.add("mn-source", f"{e.kind} carries an LCoA of another link", e.t,
                         f"MN on {e.to_node} sent a layer from {layer.src} "
                         f"({self.lcoas[layer.src]}'s LCoA) [{e.summary}]")
            if layer.src in self.rcoas:
                m = self.rcoas[layer.src]
                outer_layer = ls[depth - 1] if depth else None
                if outer_layer is None or outer_layer.src != lcoa or \
                        outer_layer.dst != self.w.topology.map_address(m):
                    self.add("mn-source", f"{e.kind} from an RCoA outside the tunnel to "
                             "its MAP", e.t, f"{layer.src} -> {layer.dst} inside "
                             f"{outer_layer.src if outer_layer else '-'} -> "
                             f"{outer_layer.dst if outer_layer else '-'} [{e.summary}]")
        inner = ls[-1]
        if isinstance(inner.payload, BindingUpdate):
            for o in inner.payload.options:
                if isinstance(o, AlternateCareOfAddress) and o.address in self.lcoas \
                        and o.address != lcoa:
                    self.add("mn-source", f"{e.kind} names an LCoA of another link", e.t,
                             f"Alternate Care-of Address {o.address} while on {e.to_node}")
            self._mn_bu(e, inner, inner.payload)

    def _mn_bu(self, e: PacketSent, p: Packet, bu: BindingUpdate) -> None:
        self.bu_sent[(p.dst, bu.sequence)] = (e.t, p)
        if bu.home_registration:
            prev = self.last_home_bu
            if prev is not None and not self.home_ever_acked and prev[1] == p.src \
                    and self.link_changed_t <= prev[0] and e.t - prev[0] < 1.5 - EPSILON_S:
                self.add("first-registration-timer", "first home BU retransmitted before "
                         "InitialBindackTimeoutFirstReg", e.t,
                         f"home BU for care-of {p.src} again after {e.t - prev[0]:.3f} s "
                         "(RFC 6275 s.11.8, s.13: 1.5 s)")
            self.last_home_bu = (e.t, p.src)
        if bu.lifetime_s == 0:
            return
        what = "local BU" if bu.map_registration else ("home BU" if bu.home_registration
                                                       else "CN BU")
        rcoa = p.hao.home_address if bu.map_registration and p.hao else p.src
        m = self.rcoas.get(rcoa)
        if m is None:
            return  # care-of is an LCoA: its prefix lives for days
        map_address = self.w.topology.map_address(m)
        heard = self.heard.get(map_address)
        tolerance = 4.0 + 3.0  # one BU lifetime unit, one RA interval (RFC 6275 s.11.7.1)
        if heard is not None and bu.lifetime_s > heard[1] - (e.t - heard[0]) + tolerance:
            self.add("lifetime-cap", f"{what} lifetime above the RCoA's valid lifetime", e.t,
                     f"{what} asks {bu.lifetime_s} s for {rcoa}; {m}'s MAP option said "
                     f"{heard[1]} s at {heard[0]:.3f} s (RFC 6275 s.11.7.1, RFC 5380 s.5)")
        if not bu.map_registration:
            local = self.local.get((map_address, rcoa))
            left = local.valid_until - e.t if local is not None else 0.0
            # RFC 5380 s.6.1 caps it with "the mobile node's binding lifetime with the
            # MAP, which is received in the binding acknowledgement": the granted value
            granted_now = local.granted_s if local is not None else 0
            if (local is None or left <= 0 or bu.lifetime_s > granted_now) and \
                    bu.lifetime_s > left + EPSILON_S:
                granted = local.granted_s if local is not None else 0
                how = ("with no live binding with the MAP" if local is None or left <= 0 else
                       "above the MAP's granted lifetime" if bu.lifetime_s > granted else
                       "above what is left of the MAP binding")
                self.add("lifetime-cap", f"{what} lifetime {how}",
                         e.t, f"{what} asks {bu.lifetime_s} s for care-of {rcoa}; {m} granted "
                         f"{granted} s, {max(left, 0):.3f} s of it left, counted from the "
                         "local BU (RFC 5380 s.6.1, RFC 6275 s.11.1)")

    # --- what the MN receives -----------------------------------------------------
    def _received(self, e: PacketReceived) -> None:
        if e.node != self.mn:
            self._agent_received(e)
            return
        sent = self.last.get(e.packet_id)
        if sent is None or sent[1] is None:
            return
        ls = layers(sent[1])
        inner = ls[-1]
        if isinstance(inner.payload, RouterAdvertisement):
            ra = inner.payload
            self.ra_log.setdefault(sent[0].node, []).append((e.t, ra.map_options))
            for o in ra.map_options:
                self.heard[o.map_address] = (e.t, o.valid_lifetime_s)
        elif isinstance(inner.payload, BindingAck):
            self._mn_ba(e, inner, inner.payload)

    def _mn_ba(self, e: PacketReceived, p: Packet, ba: BindingAck) -> None:
        if p.src == self.agents["HA"]:
            self.last_home_bu = None  # an answer: the next home BU is no retransmission
        sent = self.bu_sent.get((p.src, ba.sequence))
        if sent is None or ba.status >= 128:
            return
        t_sent, bu_packet = sent
        bu = bu_packet.payload
        assert isinstance(bu, BindingUpdate)
        binding = _LocalBinding(bu_packet.src, t_sent + ba.lifetime_s, ba.lifetime_s)
        if bu.map_registration and bu_packet.hao is not None:
            self.local[(p.src, bu_packet.hao.home_address)] = binding
        elif bu.home_registration:
            self.home = binding if ba.lifetime_s > 0 else None
            self.home_ever_acked = self.home_ever_acked or ba.lifetime_s > 0

    def _registered(self, e: StateChanged) -> None:
        """Never "registered" without acknowledged bindings (RFC 6275 s.11.7.1, s.11.8):
        a home binding, and for an RCoA the MAP's binding of it to this link's LCoA."""
        lcoa = self.w.topology.lcoa(self.mn_ar) if self.mn_ar in self.w.topology.ars else None
        home = self.home
        if home is None or home.valid_until <= e.t:
            self.add("registered-without-bindings", "no live home binding", e.t,
                     f"MN entered registered ({e.input}) with no acknowledged, unexpired "
                     "home binding")
            return
        m = self.rcoas.get(home.care_of)
        if m is None:
            if home.care_of != lcoa:
                self.add("registered-without-bindings", "home binding for another care-of",
                         e.t, f"home binding names {home.care_of}, LCoA is {lcoa}")
            return
        local = self.local.get((self.w.topology.map_address(m), home.care_of))
        if local is None or local.valid_until <= e.t or local.care_of != lcoa:
            self.add("registered-without-bindings", "no live MAP binding for this LCoA", e.t,
                     f"MN entered registered ({e.input}); {m} binds {home.care_of} to "
                     f"{local.care_of if local else 'nothing'} (LCoA {lcoa})")

    # --- what the HA and the CN get to see (RFC 5380 s.6.6) ------------------------------
    def fallback_allowed(self, lcoa: IPv6Address, t: float) -> bool:
        """An LCoA may reach the HA or a CN only in Mobile IPv6: the mode, or no usable MAP
        in the last RA the MN heard on that link before sending (s.7.1)."""
        if not self.w.hmipv6:
            return True
        ar = self.lcoas[lcoa]
        log = self.ra_log.get(ar, [])
        i = bisect.bisect_right([x[0] for x in log], t)
        if i == 0:
            return False
        heard_t, options = log[i - 1]
        # an option no RA renewed within its Valid Lifetime has run out (RFC 5380 s.5)
        live = tuple(o for o in options if heard_t + o.valid_lifetime_s > t)
        return not self.w.usable_on(ar, live)

    def _agent_sees(self, e: PacketSent, ls: list[Packet]) -> None:
        origin = self.first.get(e.packet_id)
        if origin is None or origin.node != self.mn:
            return
        named = [layer.src for layer in ls] + [
            o.address for o in getattr(ls[-1].payload, "options", ())
            if isinstance(o, AlternateCareOfAddress)]
        for address in named:
            if address in self.lcoas and not self.fallback_allowed(address, origin.t):
                self.add("privacy", f"{e.to_node} sees an LCoA ({origin.kind})", e.t,
                         f"{address} reaches {e.to_node} in {ls[0].src} -> {ls[0].dst}, sent "
                         f"by the MN at {origin.t:.6f} s on {self.lcoas[address]} with a "
                         f"usable MAP [{origin.summary}]")
                return

    # --- status 133 for deregistering an unknown binding (RFC 6275 s.10.3.2) ----------------
    def _agent_received(self, e: PacketReceived) -> None:
        sent = self.last.get(e.packet_id)
        if e.node not in self.agents or sent is None or sent[1] is None:
            return
        inner = layers(sent[1])[-1]
        bu = inner.payload
        if isinstance(bu, BindingUpdate) and bu.lifetime_s == 0 and inner.hao is not None \
                and inner.dst == self.agents[e.node] \
                and inner.hao.home_address not in self.bound[e.node]:
            self.pending_dereg[(e.node, bu.sequence)] = e.t

    def _agent_answers(self, e: PacketSent, ls: list[Packet]) -> None:
        inner = ls[-1]
        if not isinstance(inner.payload, BindingAck):
            return
        t = self.pending_dereg.pop((e.node, inner.payload.sequence), None)
        if t is not None and inner.payload.status < 128:
            self.add("deregistration-status", f"{'HA' if e.node == 'HA' else 'MAP'} accepts "
                     "deregistering an unknown binding", e.t,
                     f"{e.node} answered a lifetime-0 BU for an address it has no binding for "
                     f"with status {inner.payload.status}, not 133 (RFC 6275 s.10.3.2)")


def check_trace(world: World, sim: Simulation) -> list[Violation]:
    limit = getattr(sim.config, "tunnel_encapsulation_limit", TUNNEL_ENCAPSULATION_LIMIT)
    out = TraceChecker(world, sim.mn_name, limit).run(sim.trace)
    if sim.internal_errors:
        out.append(Violation("node-raised", "internal errors counted", sim.now,
                             f"sim.internal_errors == {sim.internal_errors}"))
    return out


# --- the settled state ---------------------------------------------------------------------

def _last_ra_options(sim: Simulation, ar: str) -> tuple | None:
    received = {e.packet_id for e in sim.trace if isinstance(e, PacketReceived)
                and e.node == sim.mn_name}
    for e in reversed(sim.trace):
        if isinstance(e, PacketSent) and e.node == ar and e.to_node == sim.mn_name \
                and e.packet_id in received:
            p = _decoded(e)
            if p is not None and isinstance(p.payload, RouterAdvertisement):
                return p.payload.map_options
    return None


def check_settled(world: World, sim: Simulation, delay_tolerance_s: float) -> list[Violation]:
    """Once the MN is attached, every path and MAP up and the retransmissions are over:
    registered with a usable MAP on its link (or, in Mobile IPv6, with its HA), the
    caches say exactly that, and no lifetime outlives the one it depends on."""
    t, now = world.topology, sim.now
    out: list[Violation] = []

    def bad(cause: str, detail: str) -> None:
        out.append(Violation("settled", cause, now, detail))

    ar = sim.mn.ar
    if ar is None:
        bad("MN not attached", "the time line left the MN detached")
        return out
    lcoa = t.lcoa(ar)
    caches = {name: {e.home_address: e for e in entries}
              for name, entries in sim.binding_caches().items()}
    options = _last_ra_options(sim, ar)
    if options is None:
        bad("no RA heard", f"the MN heard no RA on {ar}")
        return out
    usable = world.usable_on(ar, options)
    ha_entry = caches.get("HA", {}).get(HOA)
    expected_coa = lcoa
    map_entry = None
    bound = []  # (MAP name, its entry for its RCoA) where that names this LCoA
    for o in options if world.hmipv6 else ():
        name = _map_name(world, o.map_address)
        entry = caches.get(name, {}).get(t.rcoa(name))
        if o.valid_lifetime_s > 0 and entry is not None and entry.care_of_address == lcoa:
            bound.append((name, entry))
    # a MAP advertised with Pref 0 gets no new binding, but one the MN has may go on
    # (s.7.1): the MN may stay with it, or use Mobile IPv6 when no MAP is usable
    kept = [(n, e) for n, e in bound if ha_entry is not None
            and ha_entry.care_of_address == e.home_address]
    if world.hmipv6 and (usable or kept):
        if not bound:
            names = ", ".join(_map_name(world, o.map_address) for o in usable)
            bad("not registered with a MAP on its link",
                f"MN on {ar} (LCoA {lcoa}); usable MAPs {names}; no MAP advertised there binds "
                f"its RCoA to {lcoa}; HA binds {ha_entry.care_of_address if ha_entry else None}")
            return out
        by_rcoa = {e.home_address: (name, e) for name, e in bound}
        if ha_entry is not None and ha_entry.care_of_address in by_rcoa:
            _, map_entry = by_rcoa[ha_entry.care_of_address]
        else:
            _, map_entry = bound[0]
        expected_coa = map_entry.home_address
    if ha_entry is None or ha_entry.care_of_address != expected_coa:
        mode = "RCoA" if expected_coa != lcoa else "LCoA (Mobile IPv6)"
        bad(f"HA does not bind the home address to the current {mode}",
            f"HA binds {HOA} -> {ha_entry.care_of_address if ha_entry else None}, expected "
            f"{expected_coa}; MN on {ar}")
        return out
    # s.6.1's cap (the lifetime the MAP granted when the home BU left) is judged on each
    # BU as it is sent (lifetime-cap); a later, shorter MAP grant does not shorten it
    cn_entry = caches.get("CN", {}).get(HOA)
    if cn_entry is not None and cn_entry.care_of_address != expected_coa:
        bad("CN binds a stale care-of address",
            f"CN binds {HOA} -> {cn_entry.care_of_address}, current care-of "
            f"{expected_coa} (RFC 5380 s.3.1)")
    if _state_name(sim.mn.state) != "registered":
        bad("MN not in the registered state", f"MN state is {sim.mn.state!r}")
    out += _check_bul(world, sim, caches)
    return out


def _map_name(world: World, address: IPv6Address) -> str:
    return next(m for m in world.topology.maps if world.topology.map_address(m) == address)


def _check_bul(world: World, sim: Simulation, caches) -> list[Violation]:
    """RFC 6275 s.11.1: the MN counts a binding's lifetime from sending the BU, so it
    never believes a binding lasts longer than the peer keeps it."""
    out = []
    owner = {world.address_of("HA"): "HA", world.address_of("CN"): "CN"} | {
        world.topology.map_address(m): m for m in world.topology.maps}
    for b in sim.binding_update_list():
        if not b.acknowledged:
            continue
        entry = caches.get(owner.get(b.peer_address, ""), {}).get(b.home_address)
        if entry is None or entry.care_of_address != b.care_of_address:
            continue
        mn_expiry = sim.now + b.remaining_s(sim.now)
        if mn_expiry > entry.expires_at_s + EPSILON_S:
            out.append(Violation("bul-lifetime", "binding update list outlives the binding",
                                 sim.now, f"MN counts its binding with {b.peer} "
                                 f"({b.home_address} -> {b.care_of_address}) until "
                                 f"{mn_expiry:.3f} s, {b.peer} until {entry.expires_at_s:.3f} s"))
    return out


def check_ping(sim: Simulation, seq: int, sent_at_s: float) -> list[Violation]:
    """The echo request to the home address reached the MN, and its reply the CN."""
    reached_mn = answered = False
    last: dict[int, PacketSent] = {}
    for e in sim.trace:
        if e.t < sent_at_s:
            continue
        if isinstance(e, PacketSent):
            last[e.packet_id] = e
        elif isinstance(e, PacketReceived) and e.packet_id in last:
            p = _decoded(last[e.packet_id])
            inner = layers(p)[-1].payload if p is not None else None
            if getattr(inner, "ident", None) != PING_IDENT or inner.seq != seq:
                continue
            if e.node == sim.mn_name and isinstance(inner, EchoRequest):
                reached_mn = True
            elif e.node == "CN" and isinstance(inner, EchoReply):
                answered = True
    if not reached_mn:
        return [Violation("ping", "echo request to the home address does not reach the MN",
                          sent_at_s, f"echo request #{seq} from the CN to {HOA}")]
    if not answered:
        return [Violation("ping", "echo reply does not reach the CN", sent_at_s,
                          f"echo reply #{seq} from the MN")]
    return []


# --- Wireshark's view -------------------------------------------------------------------------

TSHARK = shutil.which("tshark")
PROBLEMS = "_ws.malformed || _ws.expert.severity >= warning"


def check_capture(sim: Simulation, directory: Path) -> list[Violation]:
    """The capture opens in Wireshark without malformed packets or warnings."""
    from hmipviz.outputs import write_capture
    if TSHARK is None:
        return []
    path = directory / "timeline.pcapng"
    write_capture(sim, path)
    args = [TSHARK, "-n", "-r", str(path), "-Y", PROBLEMS, "-T", "fields", "-e",
            "frame.number", "-e", "frame.time_relative", "-e", "_ws.expert.message",
            "-e", "frame.comment"]
    rows = subprocess.run(args, capture_output=True, text=True, check=True,
                          timeout=120).stdout.splitlines()
    if not rows:
        return []
    first = rows[0].split("\t")
    return [Violation("tshark", f"malformed or warned: {first[2][:60] if len(first) > 2 else ''}",
                      float(first[1]) if len(first) > 1 and first[1] else 0.0,
                      f"{len(rows)} frames flagged; first: {rows[0][:300]}")]


def excerpt(sim: Simulation, t: float, before_s: float = 0.3, after_s: float = 0.1,
            limit: int = 30) -> str:
    """The trace around ``t``: packets on the wire and state changes, one line each."""
    lines = []
    for e in sim.trace:
        if not t - before_s <= e.t <= t + after_s:
            continue
        if isinstance(e, PacketSent):
            if not e.origin and e.to_node not in (sim.mn_name, "HA", "CN"):
                continue
            p = _decoded(e)
            hdr = " / ".join(f"{x.src}->{x.dst} hl {x.hop_limit}" for x in layers(p)) \
                if p is not None else "?"
            lines.append(f"{e.t:10.6f} {e.node}->{e.to_node} #{e.packet_id} {e.kind}: {hdr}")
        elif isinstance(e, PacketDropped):
            lines.append(f"{e.t:10.6f} DROP at {e.node} #{e.packet_id} {e.kind}: {e.reason}")
        elif isinstance(e, (StateChanged, LinkChanged, BindingChanged)):
            fields = {k: v for k, v in e.to_json().items() if k not in ("t", "type")}
            lines.append(f"{e.t:10.6f} {e.type} {fields}")
    if len(lines) > limit:
        lines = lines[-limit:]
    return "\n".join(lines)
