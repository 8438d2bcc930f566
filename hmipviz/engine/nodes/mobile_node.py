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

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from .. import describe
from ..addresses import address_in, link_local, mac_address, prefix64
from ..binding_update_list import BindingUpdateList, TimerAction, TimerKey
from ..events import (
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
    BE_STATUS_TEXT,
    BE_UNKNOWN_HAO,
    BindingAck,
    BindingError,
    BindingRefreshRequest,
    CareofTest,
    EchoReply,
    EchoRequest,
    HomeTest,
    MalformedMobilityHeader,
    MapOption,
    Packet,
    PacketTooBig,
    ParameterProblem,
    RouterAdvertisement,
    RouterSolicitation,
    TimeExceeded,
    Tunnelled,
    UdpDatagram,
)
from .base import InstallSecurityAssociations, Node
from .mn_data import DataSending
from .mn_extra_maps import ExtraMap, ExtraMaps
from .mn_registration import Registration
from .mn_states import MN_STATES, MN_TABLE, MN_TRANSITIONS, MNInput, MNState, next_state
from .route_optimization import RouteOptimization

__all__ = ["HANDOVER_KINDS", "MN_STATES", "MN_TRANSITIONS", "MNInput", "MNState", "MobileNode",
           "next_state", "select_map"]

# --- registration state machine (architecture rule 6): the table is in mn_states -------

DETACHED = MNState.DETACHED
AWAITING_RA = MNState.AWAITING_RA
LOCAL_REGISTRATION = MNState.LOCAL_REGISTRATION
HOME_REGISTRATION = MNState.HOME_REGISTRATION
REGISTERED = MNState.REGISTERED


def select_map(options: tuple[MapOption, ...] | list[MapOption],
               exclude: frozenset[IPv6Address] = frozenset()) -> MapOption | None:
    """RFC 5380 s.9.1 default: furthest first, skip Pref 0 or lifetime 0, Pref breaks ties."""
    ranked = sorted(options, key=lambda o: (-o.dist, -o.pref, int(o.map_address)))
    for option in ranked:
        if option.pref == 0 or option.valid_lifetime_s == 0 or option.map_address in exclude:
            continue
        return option
    return None


INITIAL = "initial"
INTRA_MAP = "intra-MAP"
INTER_MAP = "inter-MAP"
MIPV6 = "mipv6"  # a move in Mobile IPv6 (mode mipv6, or while fallen back)
TO_MIPV6 = "to Mobile IPv6"  # no usable MAP (left, refused): falls back (s.7.1)
BACK_TO_MAP = "back to a MAP"  # from a Mobile IPv6 fallback to a MAP again (s.9)
MAP_CHANGE = "MAP change"  # same link, the MAP options changed (s.7.1, s.10)
HANDOVER_KINDS = (INITIAL, INTRA_MAP, INTER_MAP, MIPV6, MAP_CHANGE, TO_MIPV6, BACK_TO_MAP)


@dataclass
class Handover:
    kind: str
    started_t: float
    from_ar: str | None
    to_ar: str | None


class MobileNode(Registration, ExtraMaps, DataSending, Node):
    role = "mn"

    def __init__(self, *args: Any, home_address: IPv6Address, home_agent: IPv6Address,
                 interface_id: int, mode: str = "hmipv6",
                 names: dict[IPv6Address, str] | None = None,
                 route_optimization: bool = False,
                 mobility_data: Callable[[Packet], bytes] | None = None,
                 extra_maps: tuple[IPv6Address, ...] = (),
                 cn_maps: dict[IPv6Address, IPv6Address] | None = None, **kwargs: Any) -> None:
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
        # the LCoA is usable only once an RA on the current link confirmed its prefix
        # (RFC 5380 s.3.1, s.6.1): from detach until then the MN sends nothing from it
        self.lcoa_on_link = False
        self.prefix_heard: tuple[int, float] | None = None  # (valid lifetime, when)
        self.state = DETACHED
        self.heard: dict[IPv6Address, tuple[MapOption, str, float]] = {}
        self.link_options: tuple[MapOption, ...] = ()
        self.current_map: IPv6Address | None = None
        self.rcoa: IPv6Address | None = None
        # (MAP, LCoA) pairs a MAP refused: a refusal concerns that LCoA (s.6.2), so on
        # another link the MN tries that MAP again (s.7.1, s.9)
        self.rejected: set[tuple[IPv6Address, IPv6Address]] = set()
        # the binding update list with what is kept for each binding and every
        # deadline of the MN (RFC 6275 s.11.1)
        self.bul = BindingUpdateList()
        self.handover: Handover | None = None
        self.last_detach_t: float | None = None
        self.last_ar: str | None = None

    # --- addressing ----------------------------------------------------------------
    def owns(self, address: IPv6Address) -> bool:
        return address in (self.home_address, self.lcoa, self.rcoa, self.link_local) or \
            (bool(self.extra) and any(x.rcoa == address for x in self.extra.values()))

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

    def prefixes(self) -> list[IPv6Network]:
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

    def name_of(self, address: IPv6Address) -> str:
        """A node's name for an address, for the trace's words (the address itself if
        no node has it)."""
        return self.names.get(address, str(address))

    def _go(self, event: MNInput, now: float) -> None:
        """Take one transition of :data:`MN_TABLE`; an input the table does not allow
        here raises (the simulator contains it in a normal run, strict mode fails)."""
        new = MN_TABLE.next(self.state, event)
        if new != self.state or event == MNInput.REFRESH_ACKNOWLEDGED:
            self.emit(StateChanged(now, self.name, self.state.value, new.value, event.value))
        self.state = new

    # --- layer 2 ---------------------------------------------------------------------
    def detach(self, now: float) -> None:
        """The link layer leaves the current AR (a move starts here)."""
        if self.ar is None:
            return
        self.last_ar = self.ar
        self.emit(LinkChanged(now, self.name, None, False))
        self.ar = None
        self.lcoa_on_link = False
        self.last_detach_t = now
        self._go(MNInput.LINK_DOWN, now)

    def attach(self, ar: str, now: float) -> None:
        """The link layer is up on ``ar``: solicit a Router Advertisement at once."""
        self.ar = ar
        self.emit(LinkChanged(now, self.name, ar, True))
        self._go(MNInput.LINK_UP, now)
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
                (rcoa_map := self.map_of(packet.dst)) is not None:
            self.send_from_care_of(EchoReply(m.ident, m.seq, m.data), packet.src,
                                   f"MN answers echo request #{m.seq} to the RCoA "
                                   f"{packet.dst} of {self._name(rcoa_map)}",
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
        elif isinstance(m, PacketTooBig):
            # the MN's own sizes stay within the path MTU accounting (s.11); the upper
            # layer would lower its packet size (RFC 8201 s.4)
            self.emit(Note(now, self.name, f"ICMPv6 Packet Too Big from "
                           f"{self._name(packet.src)}: a packet the MN sent does not fit a "
                           f"tunnel with MTU {m.mtu}", "RFC 8201 s.4, RFC 2473 s.7.1"))
        elif isinstance(m, TimeExceeded):
            self.emit(Note(now, self.name, f"ICMPv6 Time Exceeded from "
                           f"{self._name(packet.src)}: a packet the MN sent ran out of hops",
                           "RFC 4443 s.3.3"))
        elif isinstance(m, MalformedMobilityHeader):
            self.drop(f"malformed Mobility Header ({m.problem}): discarded (RFC 6275 s.9.2)")
        else:
            self.drop(f"MN does not handle {type(m).__name__}")

    def _on_brr(self, packet: Packet, now: float) -> None:
        """RFC 6275 s.11.7.4: answer a Binding Refresh Request with a BU to its sender."""
        entry = next((b for b in (self.held_binding(k) for k in self.bul
                                  if k[0] == packet.src) if b is not None), None)
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
        for option in ra.map_options:
            if option.valid_lifetime_s > 0:
                self.bul.set_timer(TimerKey(TimerAction.OPTION, option.map_address),
                                   now + option.valid_lifetime_s)
        prefix = next((p.prefix for p in ra.prefixes if p.autonomous
                       and p.prefix.prefixlen == 64), None)
        if prefix is None:
            self.drop("RA without an autonomous /64 prefix: no LCoA can be formed")
            return
        new_lcoa = address_in(prefix, self.interface_id)
        info = next(p for p in ra.prefixes if p.prefix == prefix)
        self.prefix_heard = (info.valid_lifetime_s, now)
        if new_lcoa != self.lcoa:
            old = self.lcoa
            self.lcoa = new_lcoa
            self.lcoa_on_link = True
            self.emit(MovementDetected(now, self.name, str(old) if old else "-",
                                       str(new_lcoa), ar))
            self._on_new_lcoa(now, ar)
        else:
            self.lcoa_on_link = True
            if self.state != AWAITING_RA:
                self._check_map_options(now)
                return
            # back on the link it left: first what this link offers now (a MAP that
            # came back or failed meanwhile), then whatever registration is still due
            changed = self.mode != "mipv6" and self.lcoa is not None and \
                self._check_selected_map(now)
            if not changed:
                self._resume_on_same_link(now)
            if self.mode != "mipv6":
                self._sync_extra_maps(now, moved=False)

    def _resume_on_same_link(self, now: float) -> None:
        """The MN came back to the link it left: its LCoA is unchanged, but its bindings
        may have run out or be waiting for an answer. Only acknowledged bindings count
        as holding; whatever is missing is asked for again at once (RFC 6275 s.11.8)."""
        self.last_detach_t = None
        self._restart_pending(now)
        if self.mode != "mipv6" and self.current_map is not None and self.rcoa is not None \
                and not self._local_ready(self.current_map, self.rcoa):
            if not self._pending(self.current_map, self.rcoa):
                self._send_local_bu(self.current_map, self.rcoa, now,
                                    "back on the link, the binding with the MAP has run out")
            self._go(MNInput.SAME_LCOA_LOCAL_PENDING, now)
        elif not self._home_ready():
            home = self._home_entry()
            if home is None or home.acknowledged or home.care_of_address != self._primary_coa():
                self._register_home(self._primary_coa(), now,
                                    "back on the link, the home binding has run out")
            self._go(MNInput.SAME_LCOA_HOME_PENDING, now)
        else:
            self._go(MNInput.SAME_LCOA_BINDINGS_HOLD, now)

    def _start_handover(self, kind: str, now: float) -> None:
        started = self.last_detach_t if self.last_detach_t is not None else now
        # a MAP change happens on the link the MN is on; a move comes from the last one
        from_ar = self.ar if kind == MAP_CHANGE else self.last_ar
        unfinished = self.handover
        if unfinished is not None and kind == INTRA_MAP and unfinished.kind != INTRA_MAP:
            # moved on within the new domain before the registration it began was done:
            # still the same first, inter-MAP or back-to-a-MAP handover (the HA waits)
            kind, started, from_ar = unfinished.kind, unfinished.started_t, unfinished.from_ar
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
        first = self.current_map is None and self._home_entry() is None
        if self.mode == "mipv6":
            self._start_handover(INITIAL if first else MIPV6, now)
            self._go(MNInput.MIPV6_MODE, now)
            self._register_home(self.lcoa, now, "new LCoA (Mobile IPv6 mode)")
            return
        choice = select_map(self.link_options, self._excluded())
        keep_pref0 = choice is None and self._may_refresh_current()
        if keep_pref0 or (choice is not None and choice.map_address == self.current_map
                          and self.rcoa is not None):
            assert self.current_map is not None and self.rcoa is not None
            self._start_handover(INTRA_MAP, now)
            self._go(MNInput.NEW_LCOA_SAME_MAP, now)
            why = f"new LCoA {self.lcoa} under the same MAP"
            if keep_pref0:
                why += "; its Pref is 0, which still allows updating an existing binding"
            self._send_local_bu(self.current_map, self.rcoa, now, why,
                                rfc="RFC 5380 s.7.1" if keep_pref0 else "RFC 5380 s.6.1")
            return
        if choice is None:
            self._start_handover(INITIAL if first else (
                MIPV6 if self.current_map is None else TO_MIPV6), now)
            self._fall_back(now, "no usable MAP option on this link")
            return
        self._start_handover(INITIAL if first else (
            BACK_TO_MAP if self.current_map is None else INTER_MAP), now)
        self._switch_map(choice, now, moved=True)

    def option_expired(self, map_address: IPv6Address, now: float) -> None:
        """No RA renewed this MAP option within its Valid Lifetime: the MAP's address and
        the RCoA are no longer valid (RFC 5380 s.5), as if it were withdrawn (s.7.1)."""
        option = next((o for o in self.link_options if o.map_address == map_address), None)
        remaining = self._option_remaining_s(map_address, now)
        if option is None or (remaining is not None and remaining > 0):
            return
        self.link_options = tuple(o for o in self.link_options if o is not option)
        self.emit(Note(now, self.name, f"no RA renewed the MAP option of "
                       f"{self._name(map_address)} within its valid lifetime "
                       f"({option.valid_lifetime_s} s): its RCoA is no longer valid",
                       "RFC 5380 s.5, s.7.1"))
        if self.state not in (DETACHED, AWAITING_RA):
            self._check_map_options(now)

    def _excluded(self) -> frozenset[IPv6Address]:
        """MAPs that refused the current LCoA (s.6.2): not selected on this link."""
        return frozenset(m for m, lcoa in self.rejected if lcoa == self.lcoa)

    def _check_map_options(self, now: float) -> None:
        """Same link, but the MAP options may have changed (s.7.1, s.9, s.10)."""
        if self.mode == "mipv6" or self.lcoa is None:
            return
        self._check_selected_map(now)
        self._sync_extra_maps(now, moved=False)

    def _check_selected_map(self, now: float) -> bool:
        """Follow the MAP options of this link; True if the MN changed MAP or fell back."""
        current = next((o for o in self.link_options if o.map_address == self.current_map), None)
        choice = select_map(self.link_options, self._excluded())
        if self.current_map is not None and (current is None or current.valid_lifetime_s == 0):
            name = self._name(self.current_map)
            self.emit(Note(now, self.name, f"MAP {name} advertised with valid lifetime 0 "
                           "or withdrawn: its bindings are assumed lost", "RFC 5380 s.7.1, s.10"))
            self._forget_map(self.current_map, now)
            self.current_map, self.rcoa = None, None
            self._start_handover(MAP_CHANGE, now)
            if choice is None:
                self._fall_back(now, "no other MAP is available")
            else:
                self._switch_map(choice, now, moved=False)
            return True
        if choice is not None and choice.map_address != self.current_map:
            if self.current_map is None:
                # fell back to Mobile IPv6 earlier; a MAP is back: take it eagerly (s.9),
                # also while the Mobile IPv6 home BU is still outstanding
                self._start_handover(BACK_TO_MAP, now)
                self._switch_map(choice, now, moved=False)
                return True
            if current is not None and (current.pref == 0 or self._better(choice, current)):
                self._start_handover(MAP_CHANGE, now)
                self._switch_map(choice, now, moved=False)
                return True
        return False

    def _may_refresh_current(self) -> bool:
        """s.7.1: a MAP advertised with Pref 0 gets no new local BUs, but the MN may go on
        refreshing (and updating) a binding it already has with it."""
        option = next((o for o in self.link_options if o.map_address == self.current_map), None)
        if option is None or option.valid_lifetime_s == 0 or self.rcoa is None:
            return False
        assert self.current_map is not None
        return self.held_binding((self.current_map, self.rcoa)) is not None

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
        self._go(MNInput.NEW_MAP, now)
        if prev_map is not None and prev_rcoa is not None:
            stale = self.bul.get((prev_map, prev_rcoa))
            if stale is not None and self.held_binding((prev_map, prev_rcoa)) is None and \
                    not self._wants_extra(prev_map):
                # never acknowledged: nothing at the previous MAP to forward with
                self._abandon((prev_map, prev_rcoa), now)
        self._secure(choice.map_address, self.rcoa, now)
        self._send_local_bu(choice.map_address, self.rcoa, now,
                            f"new MAP {self._name(choice.map_address)}, new RCoA {self.rcoa}")
        self.extra.pop(choice.map_address, None)  # an extra MAP selected: one binding
        if moved and prev_map is not None and prev_rcoa is not None \
                and not self._wants_extra(prev_map) \
                and self.held_binding((prev_map, prev_rcoa)) is not None:
            # s.8 / s.6.1: ask the previous MAP to forward packets in flight.
            self._send_local_bu(prev_map, prev_rcoa, now,
                                f"previous MAP {self._name(prev_map)} forwards packets "
                                f"for {prev_rcoa} to the new LCoA", rfc="RFC 5380 s.8")

    def _choose_again(self, now: float, why: str) -> None:
        """The selected MAP refused this LCoA: the next best MAP, or Mobile IPv6."""
        choice = select_map(self.link_options, self._excluded())
        if choice is None:
            self._fall_back(now, why)
        else:
            self._switch_map(choice, now, moved=False)
        self._sync_extra_maps(now, moved=False)

    def _fall_back(self, now: float, why: str) -> None:
        """s.7.1: if no MAP is left, the MN MUST NOT use HMIPv6."""
        if self.handover is not None and self.handover.kind in (INTRA_MAP, INTER_MAP,
                                                                MAP_CHANGE, BACK_TO_MAP):
            self.handover.kind = TO_MIPV6  # what this handover turned out to be
        self.current_map, self.rcoa = None, None
        self.emit(Note(now, self.name, f"{why}: falling back to Mobile IPv6, binding the "
                       f"LCoA with the HA", "RFC 5380 s.7.1"))
        self._go(MNInput.NO_USABLE_MAP, now)
        self._register_home(self.lcoa, now, why)

    def _forget_map(self, map_address: IPv6Address, now: float) -> None:
        for key in [k for k in self.bul if k[0] == map_address]:
            entry = self.bul.remove(key)
            assert entry is not None
            self._bul_changed(now, entry, "lost")
        self.sad.forget(map_address)  # a failed MAP lost its SAs too: negotiate anew

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
