"""The mobile node: movement detection, MAP selection, local and home registration.

RFC 5380 s.6.1 (MN operation), s.7.1 (MAP discovery), s.8 (previous MAP), s.9.1 (MAP
selection), s.10 (MAP failure); RFC 6275 s.11 for everything Mobile IPv6 underneath.
The MN's registration progress is a state machine kept as data in
:data:`MN_TRANSITIONS`, so lessons can draw it and tests can walk it.

Besides the MAP it selects (s.9.1), which carries the home registration, the MN may
keep bindings with further MAPs at the same time and use each one's RCoA with a group of
correspondent nodes (s.3.1, s.6.1, s.7.1 MAY): :class:`ExtraMap`. Every such MAP gets
its own local BU from the on-link LCoA, never from another MAP's RCoA (s.6.1 MUST NOT),
and each MAP is used on its own, never as a hierarchy (s.9.1).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from ipaddress import IPv6Address

from .. import describe
from ..addresses import address_in, link_local, mac_address, prefix64, seq_next
from ..binding_cache import BindingUpdateListEntry
from ..events import (
    BindingChanged,
    HandoverCompleted,
    HandoverStarted,
    LinkChanged,
    MapSelected,
    MovementDetected,
    Note,
    SecurityAssociationEstablished,
    StateChanged,
)
from ..ipsec import ESP_ALGORITHM, new_pair
from ..messages import (
    ALL_ROUTERS,
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BE_STATUS_TEXT,
    BE_UNKNOWN_HAO,
    BindingAck,
    BindingError,
    BindingRefreshRequest,
    BindingUpdate,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    CareofTest,
    HomeTest,
    MalformedMobilityHeader,
    MapOption,
    Packet,
    ParameterProblem,
    RouterAdvertisement,
    RouterSolicitation,
    Tunnelled,
    UdpDatagram,
    encapsulate,
)
from .base import InstallSecurityAssociations, Node
from .route_optimization import RouteOptimization

# --- registration state machine (architecture rule 6) ---------------------------------

DETACHED = "detached"
AWAITING_RA = "awaiting RA"
LOCAL_REGISTRATION = "local registration"
HOME_REGISTRATION = "home registration"
REGISTERED = "registered"

MN_STATES = (DETACHED, AWAITING_RA, LOCAL_REGISTRATION, HOME_REGISTRATION, REGISTERED)

# (state, input) -> next state. "*" matches any state.
MN_TRANSITIONS: dict[tuple[str, str], str] = {
    ("*", "link down"): DETACHED,
    (DETACHED, "link up"): AWAITING_RA,
    ("*", "new LCoA, same MAP"): LOCAL_REGISTRATION,
    ("*", "new MAP"): LOCAL_REGISTRATION,
    ("*", "no usable MAP"): HOME_REGISTRATION,
    ("*", "Mobile IPv6 mode"): HOME_REGISTRATION,
    (LOCAL_REGISTRATION, "local BA, RCoA unchanged"): REGISTERED,
    (LOCAL_REGISTRATION, "local BA, new RCoA"): HOME_REGISTRATION,
    (HOME_REGISTRATION, "home BA"): REGISTERED,
    (REGISTERED, "refresh acknowledged"): REGISTERED,
    ("*", "registration rejected"): AWAITING_RA,
    # back on the link it left (no new prefix, so no movement, RFC 6275 s.11.5.1)
    (AWAITING_RA, "same LCoA, bindings hold"): REGISTERED,
    (AWAITING_RA, "same LCoA, local BU pending"): LOCAL_REGISTRATION,
    (AWAITING_RA, "same LCoA, home BU pending"): HOME_REGISTRATION,
}


def next_state(state: str, event: str) -> str | None:
    return MN_TRANSITIONS.get((state, event), MN_TRANSITIONS.get(("*", event)))


def select_map(options: tuple[MapOption, ...] | list[MapOption],
               exclude: frozenset[IPv6Address] = frozenset()) -> MapOption | None:
    """RFC 5380 s.9.1 default: furthest first, skip Pref 0 or lifetime 0, Pref breaks ties."""
    ranked = sorted(options, key=lambda o: (-o.dist, -o.pref, int(o.map_address)))
    for option in ranked:
        if option.pref == 0 or option.valid_lifetime_s == 0 or option.map_address in exclude:
            continue
        return option
    return None


@dataclass
class ExtraMap:
    """A binding with a MAP besides the selected one (RFC 5380 s.7.1 MAY): its RCoA is
    for the correspondents the scenario assigns to it (s.6.1, s.3.1)."""

    address: IPv6Address
    rcoa: IPv6Address
    bound: bool = False  # the MAP has acknowledged a binding for the RCoA


@dataclass
class Handover:
    kind: str
    started_t: float
    from_ar: str | None
    to_ar: str | None


class MobileNode(Node):
    role = "mn"

    def __init__(self, *args, home_address: IPv6Address, home_agent: IPv6Address,
                 interface_id: int, mode: str = "hmipv6",
                 names: dict[IPv6Address, str] | None = None,
                 route_optimization: bool = False,
                 mobility_data: Callable[[Packet], bytes] | None = None,
                 extra_maps: tuple[IPv6Address, ...] = (),
                 cn_maps: dict[IPv6Address, IPv6Address] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # RFC 5380 s.7.1 MAY: further MAPs to keep a binding with whenever advertised,
        # and which MAP's RCoA each correspondent gets (the others get the selected one)
        self.extra_maps = tuple(extra_maps)
        self.cn_maps = dict(cn_maps or {})
        self.extra: dict[IPv6Address, ExtraMap] = {}
        self.cns_stale = False  # CNs wait for the selected MAP before changing RCoA
        # RFC 6275 s.5.2 with the CNs the MN talks to; the wire layer supplies the MH
        # Data a BU's authenticator covers (RFC 6275 s.5.2.6)
        self.route_optimization = route_optimization
        self.mobility_data = mobility_data
        self.ro = RouteOptimization(self)
        self.home_address = home_address
        self.home_agent = home_agent
        self.interface_id = interface_id
        self.mode = mode
        self.names = names or {}
        self.link_local = link_local(interface_id)
        self.ar: str | None = None
        self.lcoa: IPv6Address | None = None
        self.state = DETACHED
        self.heard: dict[IPv6Address, tuple[MapOption, str, float]] = {}
        self.link_options: tuple[MapOption, ...] = ()
        self.current_map: IPv6Address | None = None
        self.rcoa: IPv6Address | None = None
        self.rejected_maps: set[IPv6Address] = set()
        self.bul: dict[tuple[IPv6Address, IPv6Address], BindingUpdateListEntry] = {}
        self.sequence: dict[IPv6Address, int] = {}
        self.deadlines: dict[tuple, float] = {}
        self.sent_times: dict[IPv6Address, deque[float]] = {}
        self.deferred_why: dict[tuple, tuple[str, str]] = {}  # rate-limited BUs
        self.handover: Handover | None = None
        self.home_pending = False
        self.last_detach_t: float | None = None
        self.last_ar: str | None = None

    # --- addressing ----------------------------------------------------------------
    def owns(self, address: IPv6Address) -> bool:
        return address in (self.home_address, self.lcoa, self.rcoa, self.link_local) or \
            any(x.rcoa == address for x in self.extra.values())

    def map_of(self, address: IPv6Address | None) -> IPv6Address | None:
        """The MAP whose RCoA ``address`` is (the selected MAP or an extra one), or None."""
        if address is None:
            return None
        if address == self.rcoa and self.current_map is not None:
            return self.current_map
        return next((x.address for x in self.extra.values() if x.rcoa == address), None)

    def extra_for(self, peer: IPv6Address) -> ExtraMap | None:
        """The extra MAP registration chosen for ``peer``, if the MN has one now."""
        chosen = self.cn_maps.get(peer)
        return self.extra.get(chosen) if chosen is not None else None

    def prefixes(self):
        return []

    def describe(self) -> dict[str, str]:
        info = {"role": "mn", "home address": str(self.home_address),
                "state": self.state}
        if self.lcoa:
            info["LCoA"] = str(self.lcoa)
        if self.rcoa:
            info["RCoA"] = str(self.rcoa)
        if self.current_map:
            info["MAP"] = self.names.get(self.current_map, str(self.current_map))
        if self.extra:
            info["extra MAPs"] = ", ".join(f"{self._name(x.address)} (RCoA {x.rcoa})"
                                           for x in self.extra.values())
        info["AR"] = self.ar or "none"
        return info

    def _name(self, address: IPv6Address) -> str:
        return self.names.get(address, str(address))

    def _go(self, event: str, now: float) -> None:
        new = next_state(self.state, event)
        if new is None:
            return
        if new != self.state or event == "refresh acknowledged":
            self.emit(StateChanged(now, self.name, self.state, new, event))
        self.state = new

    # --- layer 2 ---------------------------------------------------------------------
    def detach(self, now: float) -> None:
        """The link layer leaves the current AR (a move starts here)."""
        if self.ar is None:
            return
        self.last_ar = self.ar
        self.emit(LinkChanged(now, self.name, None, False))
        self.ar = None
        self.last_detach_t = now
        self._go("link down", now)

    def attach(self, ar: str, now: float) -> None:
        """The link layer is up on ``ar``: solicit a Router Advertisement at once."""
        self.ar = ar
        self.emit(LinkChanged(now, self.name, ar, True))
        self._go("link up", now)
        if self.last_detach_t is None:
            self.last_detach_t = now
        rs = Packet(src=self.link_local, dst=ALL_ROUTERS,
                    payload=RouterSolicitation(mac_address(self.name, f"{ar}-{self.name}")),
                    hop_limit=255)
        self.send(rs, f"MN attached to {ar}: Router Solicitation to find its prefix and MAPs",
                  "RFC 6275 s.11.5.1", kind=describe.RS, link_peer=ar)

    # --- receiving ---------------------------------------------------------------------
    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        m = packet.payload
        if isinstance(m, Tunnelled):
            if packet.src not in (self.current_map, self.home_agent) and not any(
                    e.peer_address == packet.src for e in self.bul.values()):
                self.drop(f"tunnelled packet from {packet.src}, which the MN has no binding with")
                return
            self.receive(m.inner, now, from_node)
            return
        if isinstance(m, RouterAdvertisement):
            self._on_ra(packet, m, now, from_node)
        elif isinstance(m, BindingAck):
            self._on_ba(packet, m, now)
        elif isinstance(m, EchoRequest) and self.rcoa is not None and packet.dst == self.rcoa \
                and packet.routing is None:
            self.send_from_care_of(EchoReply(m.ident, m.seq, m.data), packet.src,
                                   f"MN answers echo request #{m.seq} to its RCoA",
                                   rcoa=self.rcoa)
        elif isinstance(m, EchoRequest) and packet.routing is None and \
                self.map_of(packet.dst) is not None:
            self.send_from_care_of(EchoReply(m.ident, m.seq, m.data), packet.src,
                                   f"MN answers echo request #{m.seq} to the RCoA "
                                   f"{packet.dst} of {self._name(self.map_of(packet.dst))}",
                                   rcoa=packet.dst)
        elif isinstance(m, EchoRequest) and packet.final_destination == self.home_address:
            self.send_data(EchoReply(m.ident, m.seq, m.data), packet.src, now,
                           f"MN answers echo request #{m.seq} from its home address")
        elif isinstance(m, (EchoReply, UdpDatagram, EchoRequest)):
            # data delivered (the simulator records the receipt); a CN that reaches the
            # home address is worth a binding (RFC 6275 s.11.7.2)
            if packet.final_destination == self.home_address:
                self.ro.consider(packet.src, now)
        elif isinstance(m, HomeTest):
            self.ro.on_home_test(packet, m, now)
        elif isinstance(m, CareofTest):
            self.ro.on_careof_test(packet, m, now)
        elif isinstance(m, BindingRefreshRequest):
            self._on_brr(packet, now)
        elif isinstance(m, BindingError):
            text = BE_STATUS_TEXT.get(m.status, f"status {m.status}")
            self.emit(Note(now, self.name, f"Binding Error from {self._name(packet.src)}: "
                           f"{text} (home address {m.home_address})", "RFC 6275 s.11.3.6"))
            rec = self.ro.records.get(packet.src)
            if m.status == BE_UNKNOWN_HAO and m.home_address == self.home_address \
                    and rec is not None:
                # s.11.3.6: the CN lost the binding the MN relies on: bind again
                self.ro.start(rec, now, f"{self._name(packet.src)} has no binding for "
                              "the home address (Binding Error status 1)")
        elif isinstance(m, ParameterProblem):
            self.emit(Note(now, self.name, f"ICMPv6 Parameter Problem from "
                           f"{self._name(packet.src)}, pointer {m.pointer}: a Mobility Header "
                           "the MN sent was refused", "RFC 6275 s.9.2"))
        elif isinstance(m, MalformedMobilityHeader):
            self.drop(f"malformed Mobility Header ({m.problem}): discarded (RFC 6275 s.9.2)")
        else:
            self.drop(f"MN does not handle {type(m).__name__}")

    def _on_brr(self, packet: Packet, now: float) -> None:
        """RFC 6275 s.11.7.4: answer a Binding Refresh Request with a BU to its sender."""
        entry = next((e for e in self.bul.values() if e.peer_address == packet.src
                      and e.acknowledged), None)
        if entry is None:
            self.drop(f"Binding Refresh Request from {self._name(packet.src)}, with which "
                      "the MN has no binding (RFC 6275 s.11.7.4)")
            return
        why = f"{entry.peer} sent a Binding Refresh Request"
        if entry.map_registration:
            if not self._keeps(entry):
                self.drop(f"{why}, but the MN is letting that binding run out (RFC 5380 s.9)")
                return
            self._send_local_bu(entry.peer_address, entry.home_address, now, why,
                                rfc="RFC 6275 s.11.7.4")
        elif entry.home_registration:
            self._refresh_home(now, why)
        else:
            self.ro.refresh(entry, now, why)

    # --- Router Advertisements, movement detection, MAP selection ----------------------
    def _on_ra(self, packet: Packet, ra: RouterAdvertisement, now: float, ar: str) -> None:
        if packet.hop_limit != 255 or not packet.src.is_link_local:
            self.drop("RA not from a link-local source with hop limit 255 (RFC 4861 s.6.1.2)")
            return
        if ar != self.ar:
            self.drop("RA from a router the MN is no longer attached to")
            return
        for option in ra.map_options:  # s.7.1: MUST store the options
            self.heard[option.map_address] = (option, ar, now)
        self.link_options = ra.map_options
        prefix = next((p.prefix for p in ra.prefixes if p.autonomous
                       and p.prefix.prefixlen == 64), None)
        if prefix is None:
            self.drop("RA without an autonomous /64 prefix: no LCoA can be formed")
            return
        new_lcoa = address_in(prefix, self.interface_id)
        if new_lcoa != self.lcoa:
            old = self.lcoa
            self.lcoa = new_lcoa
            self.emit(MovementDetected(now, self.name, str(old) if old else "-",
                                       str(new_lcoa), ar))
            self._on_new_lcoa(now, ar)
        else:
            if self.state == AWAITING_RA:
                self._resume_on_same_link(now)
            self._check_map_options(now)

    def _resume_on_same_link(self, now: float) -> None:
        """The MN came back to the link it left: its LCoA and bindings are unchanged."""
        self.last_detach_t = None
        pending = [e for e in self.bul.values() if not e.acknowledged]
        if any(e.map_registration for e in pending):
            self._go("same LCoA, local BU pending", now)
        elif pending or self.home_pending:
            self._go("same LCoA, home BU pending", now)
        else:
            self._go("same LCoA, bindings hold", now)

    def _start_handover(self, kind: str, now: float) -> None:
        started = self.last_detach_t if self.last_detach_t is not None else now
        # a MAP change happens on the link the MN is on; a move comes from the last one
        from_ar = self.ar if kind == "MAP change" else self.last_ar
        self.handover = Handover(kind, started, from_ar, self.ar)
        self.emit(HandoverStarted(now, self.name, kind, from_ar, self.ar))
        self.last_detach_t = None

    def _finish_handover(self, now: float) -> None:
        h = self.handover
        if h is None:
            return
        self.emit(HandoverCompleted(now, self.name, h.kind, h.started_t, now - h.started_t))
        self.handover = None

    def _on_new_lcoa(self, now: float, ar: str) -> None:
        self._on_new_lcoa_selected(now, ar)
        self._sync_extra_maps(now)

    def _on_new_lcoa_selected(self, now: float, ar: str) -> None:
        first = self.current_map is None and not self.bul
        if self.mode == "mipv6":
            self._start_handover("initial" if first else "mipv6", now)
            self._go("Mobile IPv6 mode", now)
            self._register_home(self.lcoa, now, "new LCoA (Mobile IPv6 mode)")
            return
        choice = select_map(self.link_options, frozenset(self.rejected_maps))
        keep_pref0 = choice is None and self._may_refresh_current()
        if keep_pref0 or (choice is not None and choice.map_address == self.current_map
                          and self.rcoa is not None):
            assert self.current_map is not None and self.rcoa is not None
            self._start_handover("intra-MAP", now)
            self._go("new LCoA, same MAP", now)
            self.home_pending = False
            why = f"new LCoA {self.lcoa} under the same MAP"
            if keep_pref0:
                why += "; its Pref is 0, which still allows updating an existing binding"
            self._send_local_bu(self.current_map, self.rcoa, now, why,
                                rfc="RFC 5380 s.7.1" if keep_pref0 else "RFC 5380 s.6.1")
            return
        if choice is None:
            self._start_handover("initial" if first else "mipv6", now)
            self._fall_back(now, "no usable MAP option on this link")
            return
        self._start_handover("initial" if first else "inter-MAP", now)
        self._switch_map(choice, now, moved=True)

    def _check_map_options(self, now: float) -> None:
        """Same link, but the MAP options may have changed (s.7.1, s.9, s.10)."""
        if self.mode == "mipv6" or self.lcoa is None:
            return
        self._check_selected_map(now)
        self._sync_extra_maps(now, moved=False)

    def _check_selected_map(self, now: float) -> None:
        current = next((o for o in self.link_options if o.map_address == self.current_map), None)
        choice = select_map(self.link_options, frozenset(self.rejected_maps))
        if self.current_map is not None and (current is None or current.valid_lifetime_s == 0):
            name = self._name(self.current_map)
            self.emit(Note(now, self.name, f"MAP {name} advertised with valid lifetime 0 "
                           "or withdrawn: its bindings are assumed lost", "RFC 5380 s.7.1, s.10"))
            self._forget_map(self.current_map, now)
            self.current_map, self.rcoa = None, None
            self._start_handover("MAP change", now)
            if choice is None:
                self._fall_back(now, "no other MAP is available")
            else:
                self._switch_map(choice, now, moved=False)
        elif choice is not None and choice.map_address != self.current_map:
            if self.current_map is None and self.state == REGISTERED:
                # fell back to Mobile IPv6 earlier; a MAP is back (eager, s.9)
                self._start_handover("MAP change", now)
                self._switch_map(choice, now, moved=False)
            elif self.current_map is not None and current is not None and \
                    (current.pref == 0 or self._better(choice, current)):
                self._start_handover("MAP change", now)
                self._switch_map(choice, now, moved=False)

    def _may_refresh_current(self) -> bool:
        """s.7.1: a MAP advertised with Pref 0 gets no new local BUs, but the MN may go on
        refreshing (and updating) a binding it already has with it."""
        option = next((o for o in self.link_options if o.map_address == self.current_map), None)
        if option is None or option.valid_lifetime_s == 0 or self.rcoa is None:
            return False
        assert self.current_map is not None
        entry = self.bul.get((self.current_map, self.rcoa))
        return entry is not None and entry.acknowledged

    @staticmethod
    def _better(a: MapOption, b: MapOption) -> bool:
        return (a.dist, a.pref) > (b.dist, b.pref)

    def _switch_map(self, choice: MapOption, now: float, moved: bool) -> None:
        prev_map, prev_rcoa = self.current_map, self.rcoa
        self.current_map = choice.map_address
        self.rcoa = address_in(prefix64(choice.map_address), self.interface_id)
        self.emit(MapSelected(now, self.name, str(choice.map_address), str(self.rcoa),
                              choice.dist, choice.pref,
                              "largest Dist with non-zero Pref and lifetime (RFC 5380 s.9.1)"))
        self._go("new MAP", now)
        self.home_pending = True
        self._secure(choice.map_address, self.rcoa, now)
        self._send_local_bu(choice.map_address, self.rcoa, now,
                            f"new MAP {self._name(choice.map_address)}, new RCoA {self.rcoa}")
        self.extra.pop(choice.map_address, None)  # an extra MAP selected: one binding
        if moved and prev_map is not None and prev_rcoa is not None \
                and not self._wants_extra(prev_map):
            prev = self.bul.get((prev_map, prev_rcoa))
            if prev is not None and prev.acknowledged:
                # s.8 / s.6.1: ask the previous MAP to forward packets in flight.
                self._send_local_bu(prev_map, prev_rcoa, now,
                                    f"previous MAP {self._name(prev_map)} forwards packets "
                                    f"for {prev_rcoa} to the new LCoA", refresh=False,
                                    rfc="RFC 5380 s.8")

    def _fall_back(self, now: float, why: str) -> None:
        """s.7.1: if no MAP is left, the MN MUST NOT use HMIPv6."""
        self.current_map, self.rcoa = None, None
        self.emit(Note(now, self.name, f"{why}: falling back to Mobile IPv6, binding the "
                       f"LCoA with the HA", "RFC 5380 s.7.1"))
        self._go("no usable MAP", now)
        self._register_home(self.lcoa, now, why)

    def _forget_map(self, map_address: IPv6Address, now: float) -> None:
        for key in [k for k in self.bul if k[0] == map_address]:
            entry = self.bul.pop(key)
            self._clear_deadlines(key)
            self._bul_changed(now, entry, "lost")
        self.sad.forget(map_address)  # a failed MAP lost its SAs too: negotiate anew

    # --- further MAPs at the same time (RFC 5380 s.7.1 MAY, s.3.1, s.9.1) ----------------
    def _keeps(self, entry: BindingUpdateListEntry) -> bool:
        """A MAP binding the MN goes on refreshing: the selected MAP's or an extra MAP's,
        from the current LCoA. The others run out (lazy release, s.9)."""
        if entry.care_of_address != self.lcoa:
            return False
        if entry.peer_address == self.current_map:
            return True
        x = self.extra.get(entry.peer_address)
        return x is not None and x.rcoa == entry.home_address

    def _local_ready(self, map_address: IPv6Address, rcoa: IPv6Address) -> bool:
        """The MAP has acknowledged the binding of ``rcoa`` to the current LCoA."""
        local = self.bul.get((map_address, rcoa))
        return local is not None and local.acknowledged and local.care_of_address == self.lcoa

    def _extra_option(self, address: IPv6Address) -> MapOption | None:
        """This link's option for ``address`` if the MN may keep a binding with that MAP
        besides the selected one: advertised with a non-zero lifetime, never refused, and
        with a non-zero Pref unless the binding exists already (s.7.1, s.10)."""
        if self.mode == "mipv6" or self.current_map is None or self.lcoa is None \
                or address in self.rejected_maps:
            return None
        option = next((o for o in self.link_options if o.map_address == address), None)
        if option is None or option.valid_lifetime_s == 0:
            return None
        if option.pref == 0:
            x = self.extra.get(address)
            entry = self.bul.get((address, self._rcoa_with(address)))
            if not (x is not None and x.bound) and not (entry is not None and entry.acknowledged):
                return None
        return option

    def _rcoa_with(self, map_address: IPv6Address) -> IPv6Address:
        """The RCoA the MN forms with a MAP: the MAP's /64 and its interface id (s.6)."""
        return address_in(prefix64(map_address), self.interface_id)

    def _wants_extra(self, address: IPv6Address) -> bool:
        return address in self.extra_maps and self._extra_option(address) is not None

    def _sync_extra_maps(self, now: float, moved: bool = True) -> None:
        """One binding with each MAP of ``extra_maps`` this link advertises, besides the
        selected MAP: a local BU from the LCoA when the binding is new or the LCoA changed
        (s.6.1: never another MAP's RCoA as the care-of address). A MAP no longer usable
        is given up: lost when advertised with lifetime 0 or withdrawn (s.10), otherwise
        left to run out (s.9)."""
        if not self.extra_maps and not self.extra:
            return
        for address in self.extra_maps:
            x = self.extra.get(address)
            if address == self.current_map:
                self.extra.pop(address, None)
                continue
            option = self._extra_option(address)
            if option is None:
                if x is not None:
                    advertised = next((o for o in self.link_options
                                       if o.map_address == address), None)
                    lost = (advertised is None and not moved) or \
                        (advertised is not None and advertised.valid_lifetime_s == 0)
                    why = (f"{self._name(address)} advertised with valid lifetime 0 or "
                           "withdrawn, so its binding is assumed lost (s.10)" if lost else
                           f"{self._name(address)} is not usable on this link")
                    self._drop_extra(x, now, lost, why)
                continue
            fresh = x is None
            if x is None:
                rcoa = self._rcoa_with(address)
                entry = self.bul.get((address, rcoa))
                # a binding the MAP still holds for this LCoA (it was the selected MAP, or
                # the MN comes back to the link it left) serves at once; the BU renews it
                x = ExtraMap(address, rcoa, bound=entry is not None and entry.acknowledged
                             and entry.care_of_address == self.lcoa)
                self.extra[address] = x
                cns = [self._name(cn) for cn, m in self.cn_maps.items() if m == address]
                self.emit(Note(now, self.name, f"also registering with {self._name(address)} "
                               f"(RCoA {rcoa}) besides the selected "
                               f"{self._name(self.current_map)}"
                               + (f", for {', '.join(cns)}" if cns else "")
                               + ": each MAP used on its own, the HA keeps the selected "
                               "MAP's RCoA", "RFC 5380 s.7.1, s.9.1"))
                self._secure(address, rcoa, now)
            entry = self.bul.get((address, x.rcoa))
            if fresh or entry is None or entry.care_of_address != self.lcoa:
                self._send_local_bu(address, x.rcoa, now,
                                    f"extra MAP {self._name(address)}, kept besides the "
                                    f"selected {self._name(self.current_map)}",
                                    rfc="RFC 5380 s.7.1, s.6.1")
            if fresh and x.bound:
                self._cns_follow(now)

    def _drop_extra(self, x: ExtraMap, now: float, lost: bool, why: str) -> None:
        self.extra.pop(x.address, None)
        if lost:
            self._forget_map(x.address, now)
        self.emit(Note(now, self.name, f"{why}: the MN stops using {self._name(x.address)}'s "
                       f"RCoA {x.rcoa}; its correspondents get the selected MAP's",
                       "RFC 5380 s.7.1"))
        if x.bound:
            self._cns_follow(now)

    def _extra_gone(self, entry: BindingUpdateListEntry, now: float, why: str) -> None:
        x = self.extra.get(entry.peer_address) if entry.map_registration else None
        if x is not None and x.rcoa == entry.home_address:
            self._drop_extra(x, now, False, why)

    def _cns_follow(self, now: float) -> None:
        """Which RCoA a CN should see changed: tell the CNs now if the selected MAP's
        tunnel (which the home test needs) is ready, else after its BA."""
        if self.home_binding() is not None and self._map_tunnel_ready():
            self.cns_stale = False
            self.ro.care_of_changed(now)
        else:
            self.cns_stale = True

    def _secure(self, peer: IPv6Address, protected: IPv6Address, now: float) -> None:
        """RFC 5380 s.12.1: an SA pair with the MAP (for the RCoA) or the HA (for the home
        address) before the first BU. IKEv2 is out of scope: one event stands for it and
        the simulator hands the peer its half."""
        if not self.require_esp:
            return
        current = self.sad.outbound(peer)
        if current is not None and current.protected_address == protected:
            return
        out, back = new_pair(self.rng, protected, peer, protected)
        self.sad.forget(peer)
        self.sad.install(out, back, peer)
        self.emit(SecurityAssociationEstablished(now, self.name, self._name(peer), out.spi,
                                                 back.spi, str(protected), ESP_ALGORITHM))
        self._out.append(InstallSecurityAssociations(peer, back, out, protected))

    # --- what route optimisation asks of the MN ------------------------------------
    def home_binding(self) -> BindingUpdateListEntry | None:
        """The acknowledged home registration, if any."""
        return next((e for e in self.bul.values() if e.home_registration and e.acknowledged),
                    None)

    def map_grant(self, care_of: IPv6Address | None = None) -> int | None:
        """The lifetime the current MAP granted (the cap of RFC 5380 s.6.1); with
        ``care_of``, what the MAP whose RCoA that is granted (None for an LCoA)."""
        if care_of is not None:
            via = self.map_of(care_of)
            m = self.bul.get((via, care_of)) if via is not None else None
            return m.granted_lifetime_s if m is not None and m.acknowledged else None
        if self.current_map is None or self.rcoa is None:
            return None
        m = self.bul.get((self.current_map, self.rcoa))
        return m.granted_lifetime_s if m is not None and m.acknowledged else None

    def next_sequence(self, peer: IPv6Address) -> int:
        return self._next_seq(peer)

    def put_entry(self, entry: BindingUpdateListEntry, now: float) -> None:
        self._put_entry(entry, now, True)

    def transmit(self, entry: BindingUpdateListEntry, now: float, why: str, rfc: str) -> None:
        self._transmit(entry, now, why, rfc)

    # --- sending Binding Updates -----------------------------------------------------
    def _next_seq(self, peer: IPv6Address) -> int:
        seq = seq_next(self.sequence.get(peer, 0))
        self.sequence[peer] = seq
        return seq

    def _send_local_bu(self, map_address: IPv6Address, rcoa: IPv6Address, now: float,
                       why: str, refresh: bool = True, rfc: str = "RFC 5380 s.6.1") -> None:
        assert self.lcoa is not None
        lifetime = self.config.map_binding_lifetime_s // 4 * 4
        entry = BindingUpdateListEntry(
            peer=self._name(map_address), peer_address=map_address, home_address=rcoa,
            care_of_address=self.lcoa, sequence=self._next_seq(map_address),
            requested_lifetime_s=lifetime, sent_at_s=now, map_registration=True,
            home_registration=False, timeout_s=self.config.initial_bindack_timeout_s)
        self._put_entry(entry, now, refresh)
        self._transmit(entry, now, f"local BU to {entry.peer}: bind RCoA {rcoa} -> LCoA "
                       f"{self.lcoa} ({why})", rfc)

    def _register_home(self, care_of: IPv6Address | None, now: float, why: str,
                       lifetime_cap_s: int | None = None) -> None:
        if care_of is None:
            return
        self._secure(self.home_agent, self.home_address, now)
        lifetime = self.config.home_binding_lifetime_s
        if lifetime_cap_s is not None:
            lifetime = min(lifetime, lifetime_cap_s)  # RFC 5380 s.6.1
        lifetime = lifetime // 4 * 4
        entry = BindingUpdateListEntry(
            peer=self._name(self.home_agent), peer_address=self.home_agent,
            home_address=self.home_address, care_of_address=care_of,
            sequence=self._next_seq(self.home_agent), requested_lifetime_s=lifetime,
            sent_at_s=now, map_registration=False, home_registration=True,
            timeout_s=self.config.initial_bindack_timeout_s)
        self._put_entry(entry, now, True)
        cap = f", capped by the MAP's {lifetime_cap_s} s" if lifetime_cap_s is not None else ""
        self._transmit(entry, now, f"BU to HA: bind home address {self.home_address} -> "
                       f"{care_of} for {lifetime} s{cap} ({why})",
                       "RFC 5380 s.6.1" if care_of == self.rcoa else "RFC 6275 s.11.7.1")

    def _put_entry(self, entry: BindingUpdateListEntry, now: float, refresh: bool) -> None:
        key = (entry.peer_address, entry.home_address)
        if entry.home_registration:
            # one home registration at a time: drop the previous care-of address's entry
            for k in [k for k in self.bul if k[0] == entry.peer_address and k != key]:
                self.bul.pop(k)
                self._clear_deadlines(k)
        self.bul[key] = entry
        self._clear_deadlines(key)
        self.deadlines[("retransmit",) + key] = now + entry.timeout_s
        if not refresh:
            self.deadlines[("no-refresh",) + key] = float("inf")
        self._bul_changed(now, entry, "pending")

    def _transmit(self, entry: BindingUpdateListEntry, now: float, why: str, rfc: str) -> None:
        """Build and send the BU, respecting MAX_UPDATE_RATE (RFC 6275 s.11.8)."""
        times = self.sent_times.setdefault(entry.peer_address, deque())
        # the same sum as the deferral below: with "now - 1.0" a rounding can leave a
        # BU deferred to this very instant, again and again
        while times and times[0] + 1.0 <= now:
            times.popleft()
        if len(times) >= self.config.max_update_rate_per_s:
            key = (entry.peer_address, entry.home_address)
            self.deadlines[("deferred",) + key] = times[0] + 1.0
            self.deferred_why[key] = (f"{why}; held back by MAX_UPDATE_RATE", rfc)
            return
        times.append(now)
        bu = BindingUpdate(sequence=entry.sequence, lifetime_s=entry.requested_lifetime_s,
                           ack=True, home_registration=entry.home_registration,
                           map_registration=entry.map_registration)
        kind = describe.LOCAL_BU if entry.map_registration else (
            describe.HOME_BU if entry.home_registration else describe.CN_BU)
        packet = Packet(src=entry.care_of_address, dst=entry.peer_address,
                        hao=HomeAddressOption(entry.home_address), payload=bu,
                        hop_limit=self.config.default_hop_limit)
        if kind == describe.CN_BU:
            if self.ro.kbm(entry) is None:
                self.drop(f"no keygen tokens for {entry.peer}: BU not sent (RFC 6275 s.5.2)")
                return
            packet = self.ro.authorise(entry, packet)
        if self.require_esp and kind != describe.CN_BU:
            esp = self.sad.protect(entry.peer_address)
            if esp is None:
                self.drop(f"no security association with {entry.peer}: BU not sent "
                          "(RFC 5380 s.12.1)")
                return
            packet = replace(packet, esp=esp)
        via = self.map_of(entry.care_of_address)
        if via is not None and entry.peer_address != via and self.lcoa is not None:
            # RFC 5380 s.6.1: everything the MN sends from an RCoA goes through the tunnel
            # to that RCoA's MAP (an extra MAP's too, s.7.1), never through another MAP
            packet = encapsulate(self.lcoa, via, packet)
        self.send(packet, why, rfc, kind=kind)

    # --- Binding Acknowledgements ----------------------------------------------------
    def _on_ba(self, packet: Packet, ba: BindingAck, now: float) -> None:
        bound = {e.home_address for e in self.bul.values()}
        if packet.routing is None or packet.routing.home_address not in bound:
            # checked before anything else: a BA must name the RCoA or home address
            self.drop("BA without a type 2 routing header carrying the RCoA or home "
                      "address: silently ignored (RFC 5380 s.6.1)")
            return
        entry = next((e for e in self.bul.values() if e.peer_address == packet.src
                      and not e.acknowledged and e.sequence == ba.sequence), None)
        if entry is None and ba.status == BA_SEQ_OUT_OF_WINDOW:
            entry = next((e for e in self.bul.values() if e.peer_address == packet.src
                          and not e.acknowledged), None)
        if entry is None:
            self.drop(f"BA from {self._name(packet.src)} with sequence {ba.sequence} matches "
                      "no pending BU (RFC 6275 s.11.7.3)")
            return
        if packet.routing.home_address != entry.home_address:
            self.drop(f"BA's type 2 routing header carries {packet.routing.home_address}, "
                      f"not {entry.home_address}: silently ignored (RFC 5380 s.6.1)")
            return
        key = (entry.peer_address, entry.home_address)
        correspondent = not (entry.map_registration or entry.home_registration)
        if self.require_esp and not correspondent:
            sa = self.sad.inbound(packet.esp.spi) if packet.esp is not None else None
            if sa is None or sa.source != packet.src:
                self.security_drop("BA without ESP", f"BA from {entry.peer} not protected by "
                                   "its security association (RFC 5380 s.12.1)")
                return
        if correspondent and ba.status < 128 and not self.ro.ba_authentic(entry, ba):
            self.drop(f"BA from {entry.peer} whose Binding Authorization Data does not "
                      "verify with Kbm: silently discarded (RFC 6275 s.11.7.3)")
            return
        if ba.status == BA_SEQ_OUT_OF_WINDOW:
            # RFC 6275 s.11.7.3: resend with a sequence number above the one returned
            self.sequence[entry.peer_address] = ba.sequence
            fresh = entry.with_(sequence=self._next_seq(entry.peer_address), sent_at_s=now)
            self.bul[key] = fresh
            self._transmit(fresh, now, f"BU resent to {entry.peer} with sequence "
                           f"{fresh.sequence} after status 135", "RFC 6275 s.11.7.3")
            return
        self._clear_deadlines(key, keep_no_refresh=True)
        if ba.status >= 128:
            self.bul.pop(key, None)
            self._bul_changed(now, entry, "deleted")
            text = BA_STATUS_TEXT.get(ba.status, str(ba.status))
            self.emit(Note(now, self.name, f"{entry.peer} rejected the binding: status "
                           f"{ba.status} ({text})", "RFC 6275 s.11.7.3"))
            if entry.map_registration and entry.peer_address == self.current_map:
                self.rejected_maps.add(entry.peer_address)
                self.current_map, self.rcoa = None, None
                self._go("registration rejected", now)
                choice = select_map(self.link_options, frozenset(self.rejected_maps))
                if choice is None:
                    self._fall_back(now, f"MAP {entry.peer} rejected the local BU")
                else:
                    self._switch_map(choice, now, moved=False)
                self._sync_extra_maps(now, moved=False)
            elif entry.map_registration and entry.peer_address in self.extra:
                self.rejected_maps.add(entry.peer_address)
                self._extra_gone(entry, now, f"{entry.peer} rejected the local BU")
            if correspondent:
                self.ro.on_ba(entry, ba, now)
            return
        granted = ba.lifetime_s
        done = entry.with_(acknowledged=True, granted_lifetime_s=granted, acked_at_s=now)
        self.bul[key] = done
        if granted == 0:
            self.bul.pop(key, None)
            self._bul_changed(now, done, "deleted")
            return
        if correspondent:
            self.ro.on_ba(done, ba, now)
        self._bul_changed(now, done, "added")
        if ("no-refresh",) + key not in self.deadlines:
            self.deadlines[("refresh",) + key] = now + granted * self.config.refresh_fraction
        self.deadlines[("expire",) + key] = now + granted
        x = self.extra.get(entry.peer_address) if entry.map_registration else None
        if x is not None and x.rcoa == entry.home_address and not x.bound:
            x.bound = True  # its correspondents can move to this MAP's RCoA now
            self._cns_follow(now)
        if entry.map_registration and entry.peer_address == self.current_map \
                and entry.care_of_address == self.lcoa:
            if self.home_pending:
                self.home_pending = False
                self._go("local BA, new RCoA", now)
                self._register_home(self.rcoa, now, f"RCoA {self.rcoa} registered with "
                                    f"{entry.peer}", lifetime_cap_s=granted)
            elif self.state == LOCAL_REGISTRATION:
                self._go("local BA, RCoA unchanged", now)
                self._finish_handover(now)
            else:
                self._go("refresh acknowledged", now)
            if self.cns_stale:
                self._cns_follow(now)
        elif entry.home_registration:
            if self.state == HOME_REGISTRATION:
                self._go("home BA", now)
                self._finish_handover(now)
            else:
                self._go("refresh acknowledged", now)
            self.cns_stale = False
            self.ro.care_of_changed(now)  # CNs bound to an older care-of address

    def _bul_changed(self, now: float, e: BindingUpdateListEntry, change: str) -> None:
        flags = "AM" if e.map_registration else ("AH" if e.home_registration else "A")
        if change in ("expired", "lost") and not (e.map_registration or e.home_registration):
            self.ro.binding_gone(e, now, "binding expired")
        self.emit(BindingChanged(now, self.name, "binding update list", e.peer,
                                 str(e.home_address), str(e.care_of_address), e.lifetime_s,
                                 e.sequence, change, flags))

    # --- timers ------------------------------------------------------------------------
    def _clear_deadlines(self, key: tuple, keep_no_refresh: bool = False) -> None:
        for k in [k for k in self.deadlines if k[1:] == key]:
            if keep_no_refresh and k[0] == "no-refresh":
                continue
            del self.deadlines[k]

    def next_timer(self) -> float | None:
        finite = [t for t in self.deadlines.values() if t != float("inf")]
        return min(finite) if finite else None

    def on_timer(self, now: float) -> None:
        due = sorted((t, k) for k, t in self.deadlines.items() if t <= now)
        for _, key in due:
            if key not in self.deadlines:
                continue
            action, peer_key = key[0], key[1:]
            del self.deadlines[key]
            if action in ("hoti", "coti"):
                self.ro.on_timer(action, peer_key[0], now)
                continue
            entry = self.bul.get(peer_key)
            if entry is None:
                continue
            if action == "retransmit":
                self._retransmit(entry, now)
            elif action == "deferred":
                why, rfc = self.deferred_why.pop(peer_key, ("BU", "RFC 6275 s.11.8"))
                self._transmit(entry, now, why, rfc)
            elif action == "refresh":
                self._refresh(entry, now)
            elif action == "expire":
                self.bul.pop(peer_key, None)
                self._clear_deadlines(peer_key)
                self._bul_changed(now, entry, "expired")
                self._extra_gone(entry, now, f"the binding with {entry.peer} expired")

    def _retransmit(self, entry: BindingUpdateListEntry, now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        if entry.retransmissions >= self.config.max_bu_retransmissions:
            self.emit(Note(now, self.name, f"no BA from {entry.peer} after "
                           f"{entry.retransmissions} retransmissions: giving up",
                           "RFC 6275 s.11.8"))
            self.bul.pop(key, None)
            self._clear_deadlines(key)
            self._bul_changed(now, entry, "deleted")
            if not (entry.map_registration or entry.home_registration):
                self.ro.binding_gone(entry, now, "no answer")
            self._extra_gone(entry, now, f"no answer from {entry.peer}")
            return
        timeout = min(entry.timeout_s * 2, self.config.max_bindack_timeout_s)
        again = entry.with_(sequence=self._next_seq(entry.peer_address), sent_at_s=now,
                            retransmissions=entry.retransmissions + 1, timeout_s=timeout)
        self.bul[key] = again
        self.deadlines[("retransmit",) + key] = now + timeout
        self._transmit(again, now, f"no BA from {entry.peer} within {entry.timeout_s:g} s: "
                       f"BU retransmitted, next timeout {timeout:g} s", "RFC 6275 s.11.8")

    def _refresh(self, entry: BindingUpdateListEntry, now: float) -> None:
        if entry.map_registration:
            if not self._keeps(entry):
                return  # lazy release (s.9): let bindings with old MAPs run out
            self._send_local_bu(entry.peer_address, entry.home_address, now,
                                "refresh before the binding expires")
        elif entry.home_registration:
            self._refresh_home(now, "refresh before the binding expires")
        else:
            self.ro.refresh(entry, now, "refresh before the binding expires")

    def _refresh_home(self, now: float, why: str) -> None:
        current = next((e for e in self.bul.values() if e.home_registration), None)
        if current is None:
            return
        cap = None
        if current.care_of_address == self.rcoa and self.current_map is not None:
            m = self.bul.get((self.current_map, self.rcoa))
            cap = m.granted_lifetime_s if m is not None and m.acknowledged else None
        self._register_home(current.care_of_address, now, why, lifetime_cap_s=cap)

    # --- data ----------------------------------------------------------------------------
    def send_data(self, body, peer: IPv6Address, now: float, why: str) -> None:
        """Send from the home address: route-optimised when ``peer`` holds a binding for
        the current care-of address (RFC 5380 s.6.1.1), else reverse-tunnelled through
        the HA (RFC 6275 s.11.3.1, RFC 5380 s.6.1)."""
        if self.ro.usable(peer) and self._ro_tunnel_ready(peer):
            coa = self.ro.care_of(peer)
            assert coa is not None and self.lcoa is not None
            packet = Packet(src=coa, dst=peer, hao=HomeAddressOption(self.home_address),
                            payload=body, hop_limit=self.config.default_hop_limit)
            text = f"{why}: route-optimised from {coa} with a Home Address option"
            via = self.map_of(coa)
            if via is not None:
                packet = encapsulate(self.lcoa, via, packet)
                text += f", through the tunnel to {self._name(via)}"
            rfc = "RFC 5380 s.6.1.1, RFC 6275 s.11.3.1"
            if via is not None and via != self.current_map:
                rfc = "RFC 5380 s.6.1.1, s.7.1, RFC 6275 s.11.3.1"
            self.send(packet, text, rfc, kind=describe.DATA)
            return
        inner = Packet(src=self.home_address, dst=peer, payload=body,
                       hop_limit=self.config.default_hop_limit)
        if self.via_home_agent(inner, why, "", describe.DATA):
            self.ro.consider(peer, now)

    def _ro_tunnel_ready(self, peer: IPv6Address) -> bool:
        """Route-optimised packets to ``peer`` may leave: the MAP of the RCoA it is bound
        to has acknowledged the current LCoA."""
        x = self.extra_for(peer)
        if x is not None and self.ro.care_of(peer) == x.rcoa:
            return self._local_ready(x.address, x.rcoa)
        return self._map_tunnel_ready()

    def _map_tunnel_ready(self) -> bool:
        """Packets from the RCoA may leave only once the MAP binds it to this LCoA."""
        home = self.home_binding()
        if home is None or home.care_of_address != self.rcoa or self.current_map is None:
            return self.ar is not None and self.lcoa is not None
        local = self.bul.get((self.current_map, self.rcoa))
        return local is not None and local.acknowledged and local.care_of_address == self.lcoa

    def via_home_agent(self, inner: Packet, why: str, rfc: str, kind: str) -> bool:
        """Reverse-tunnel a packet from the home address to the HA: inside a MAP domain
        LCoA -> MAP [RCoA -> HA [inner]] (RFC 5380 s.6.1, s.12.2). False: dropped."""
        home = self.home_binding()
        if self.ar is None or self.lcoa is None or home is None:
            self.drop("the MN has no registered care-of address yet: it cannot send from "
                      "its home address")
            return False
        if home.care_of_address == self.rcoa and self.current_map is not None:
            if not self._map_tunnel_ready():
                self.drop("waiting for the MAP's BA before tunnelling from the new LCoA "
                          "(RFC 5380 s.6.1)")
                return False
            middle = encapsulate(self.rcoa, self.home_agent, inner)
            packet = encapsulate(self.lcoa, self.current_map, middle)
            text = f"{why}: reverse tunnel via {self._name(self.current_map)} and the HA"
            rfc = rfc or "RFC 5380 s.6.1"
        elif home.care_of_address == self.lcoa:
            packet = encapsulate(self.lcoa, self.home_agent, inner)
            text, rfc = f"{why}: reverse tunnel to the HA", rfc or "RFC 6275 s.11.3.1"
        else:
            self.drop("the home binding does not match the current care-of address yet")
            return False
        self.send(packet, text, rfc, kind=kind)
        return True

    def send_flow_packet(self, kind: str, peer: IPv6Address, ident: int, seq: int,
                         payload: bytes, now: float, use_rcoa: bool = False) -> None:
        body = EchoRequest(ident, seq, payload) if kind == "echo" else \
            UdpDatagram(40000 + ident, 9, payload)
        why = f"MN sends {kind} #{seq} to {self._name(peer)}"
        if use_rcoa:
            self.send_from_care_of(body, peer, why)
        else:
            self.send_data(body, peer, now, why)

    def send_from_care_of(self, body, peer: IPv6Address, why: str,
                          rcoa: IPv6Address | None = None) -> None:
        """RFC 5380 s.6.5: short-lived traffic straight from the RCoA, no Home Address
        option and no binding anywhere: near-optimal routing through the MAP, but it
        breaks when the RCoA changes. From ``rcoa`` if given, else from the RCoA of the
        MAP chosen for ``peer`` (an extra MAP, s.7.1) or of the selected MAP. Without a
        MAP, from the LCoA (RFC 6275 s.11.3.1)."""
        if self.ar is None or self.lcoa is None:
            self.drop("the MN has no care-of address to send from")
            return
        if rcoa is None:
            x = self.extra_for(peer)
            rcoa = x.rcoa if x is not None else self.rcoa
        via = self.map_of(rcoa)
        if rcoa is not None and via is not None:
            extra = via != self.current_map
            if not self._local_ready(via, rcoa):
                self.drop(f"waiting for {self._name(via)}'s BA before sending from its RCoA "
                          "(RFC 5380 s.6.1)" if extra else
                          "waiting for the MAP's BA before sending from the RCoA "
                          "(RFC 5380 s.6.1)")
                return
            inner = Packet(src=rcoa, dst=peer, payload=body,
                           hop_limit=self.config.default_hop_limit)
            text = f"{why}: from the RCoA {rcoa} without a Home Address option, " \
                f"through the tunnel to {self._name(via)}"
            if extra:
                text += f" (the extra MAP chosen for {self._name(peer)})"
            self.send(encapsulate(self.lcoa, via, inner), text,
                      "RFC 5380 s.6.5, s.7.1" if extra else "RFC 5380 s.6.5",
                      kind=describe.DATA)
            return
        packet = Packet(src=self.lcoa, dst=peer, payload=body,
                        hop_limit=self.config.default_hop_limit)
        self.send(packet, f"{why}: from the LCoA {self.lcoa}, no MAP to hide it",
                  "RFC 6275 s.11.3.1", kind=describe.DATA)

    # --- RFC 5380 s.11: what is left for the upper layer ---------------------------
    IPV6_HEADER_OCTETS = 40  # each IPv6-in-IPv6 layer (RFC 2473)
    HAO_HEADER_OCTETS = 24  # Destination Options header with the Home Address option

    def upper_layer_mtu(self, peer: IPv6Address) -> int | None:
        """Octets left for the upper-layer message of a packet the MN sends to ``peer``
        now: the link MTU less every header the MN adds (s.11 says it MUST count the
        tunnel to the MAP). None while it cannot send from its home address."""
        home = self.home_binding()
        if home is None or self.lcoa is None:
            return None
        via_map = home.care_of_address == self.rcoa and self.current_map is not None
        if self.ro.usable(peer):
            headers = self.IPV6_HEADER_OCTETS + self.HAO_HEADER_OCTETS
            via_map = self.map_of(self.ro.care_of(peer)) is not None  # maybe an extra MAP
        else:
            headers = 2 * self.IPV6_HEADER_OCTETS  # the packet and the tunnel to the HA
        if via_map:
            headers += self.IPV6_HEADER_OCTETS  # the tunnel to the MAP
        return self.config.link_mtu - headers
