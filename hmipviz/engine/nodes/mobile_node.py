"""The mobile node: movement detection, MAP selection, local and home registration.

RFC 5380 s.6.1 (MN operation), s.7.1 (MAP discovery), s.8 (previous MAP), s.9.1 (MAP
selection), s.10 (MAP failure); RFC 6275 s.11 for everything Mobile IPv6 underneath.
The MN's registration progress is a state machine kept as data in
:data:`MN_TRANSITIONS`, so lessons can draw it and tests can walk it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
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
    StateChanged,
)
from ..messages import (
    ALL_ROUTERS,
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BindingAck,
    BindingRefreshRequest,
    BindingUpdate,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    MapOption,
    Packet,
    RouterAdvertisement,
    RouterSolicitation,
    Tunnelled,
    UdpDatagram,
    encapsulate,
)
from .base import Node

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
class Handover:
    kind: str
    started_t: float
    from_ar: str | None
    to_ar: str | None


class MobileNode(Node):
    role = "mn"

    def __init__(self, *args, home_address: IPv6Address, home_agent: IPv6Address,
                 interface_id: int, mode: str = "hmipv6",
                 names: dict[IPv6Address, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
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
        return address in (self.home_address, self.lcoa, self.rcoa, self.link_local)

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
        elif isinstance(m, EchoRequest) and packet.final_destination == self.home_address:
            self.send_data(EchoReply(m.ident, m.seq, m.data), packet.src, now,
                           f"MN answers echo request #{m.seq} from its home address")
        elif isinstance(m, (EchoReply, UdpDatagram, EchoRequest)):
            pass  # data delivered; the simulator records the receipt
        elif isinstance(m, BindingRefreshRequest):
            self._refresh_home(now, "the HA sent a Binding Refresh Request")
        else:
            self.drop(f"MN does not handle {type(m).__name__}")

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
            self._check_map_options(now)

    def _start_handover(self, kind: str, now: float) -> None:
        started = self.last_detach_t if self.last_detach_t is not None else now
        self.handover = Handover(kind, started, self.last_ar, self.ar)
        self.emit(HandoverStarted(now, self.name, kind, self.last_ar, self.ar))
        self.last_detach_t = None

    def _finish_handover(self, now: float) -> None:
        h = self.handover
        if h is None:
            return
        self.emit(HandoverCompleted(now, self.name, h.kind, h.started_t, now - h.started_t))
        self.handover = None

    def _on_new_lcoa(self, now: float, ar: str) -> None:
        first = self.current_map is None and not self.bul
        if self.mode == "mipv6":
            self._start_handover("initial" if first else "mipv6", now)
            self._go("Mobile IPv6 mode", now)
            self._register_home(self.lcoa, now, "new LCoA (Mobile IPv6 mode)")
            return
        choice = select_map(self.link_options, frozenset(self.rejected_maps))
        if choice is None:
            self._start_handover("initial" if first else "mipv6", now)
            self._fall_back(now, "no usable MAP option on this link")
            return
        if choice.map_address == self.current_map and self.rcoa is not None:
            self._start_handover("intra-MAP", now)
            self._go("new LCoA, same MAP", now)
            self.home_pending = False
            self._send_local_bu(choice.map_address, self.rcoa, now,
                                f"new LCoA {self.lcoa} under the same MAP")
            return
        self._start_handover("initial" if first else "inter-MAP", now)
        self._switch_map(choice, now, moved=True)

    def _check_map_options(self, now: float) -> None:
        """Same link, but the MAP options may have changed (s.7.1, s.9, s.10)."""
        if self.mode == "mipv6" or self.lcoa is None:
            return
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
        self._send_local_bu(choice.map_address, self.rcoa, now,
                            f"new MAP {self._name(choice.map_address)}, new RCoA {self.rcoa}")
        if moved and prev_map is not None and prev_rcoa is not None:
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
        while times and times[0] <= now - 1.0:
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
        kind = describe.LOCAL_BU if entry.map_registration else describe.HOME_BU
        packet = Packet(src=entry.care_of_address, dst=entry.peer_address,
                        hao=HomeAddressOption(entry.home_address), payload=bu,
                        hop_limit=self.config.default_hop_limit)
        if entry.care_of_address == self.rcoa and self.current_map is not None \
                and entry.peer_address != self.current_map and self.lcoa is not None:
            # RFC 5380 s.6.1: everything the MN sends from its RCoA goes through the MAP tunnel
            packet = encapsulate(self.lcoa, self.current_map, packet)
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
            return
        granted = ba.lifetime_s
        done = entry.with_(acknowledged=True, granted_lifetime_s=granted, acked_at_s=now)
        self.bul[key] = done
        if granted == 0:
            self.bul.pop(key, None)
            self._bul_changed(now, done, "deleted")
            return
        self._bul_changed(now, done, "added")
        if ("no-refresh",) + key not in self.deadlines:
            self.deadlines[("refresh",) + key] = now + granted * self.config.refresh_fraction
        self.deadlines[("expire",) + key] = now + granted
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
        elif entry.home_registration:
            if self.state == HOME_REGISTRATION:
                self._go("home BA", now)
                self._finish_handover(now)
            else:
                self._go("refresh acknowledged", now)

    def _bul_changed(self, now: float, e: BindingUpdateListEntry, change: str) -> None:
        flags = "AM" if e.map_registration else ("AH" if e.home_registration else "A")
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

    def _retransmit(self, entry: BindingUpdateListEntry, now: float) -> None:
        key = (entry.peer_address, entry.home_address)
        if entry.retransmissions >= self.config.max_bu_retransmissions:
            self.emit(Note(now, self.name, f"no BA from {entry.peer} after "
                           f"{entry.retransmissions} retransmissions: giving up",
                           "RFC 6275 s.11.8"))
            self.bul.pop(key, None)
            self._clear_deadlines(key)
            self._bul_changed(now, entry, "deleted")
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
            if entry.peer_address != self.current_map or entry.care_of_address != self.lcoa:
                return  # lazy release (s.9): let bindings with old MAPs run out
            self._send_local_bu(entry.peer_address, entry.home_address, now,
                                "refresh before the binding expires")
        elif entry.home_registration:
            self._refresh_home(now, "refresh before the binding expires")

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
        """Send from the home address, reverse-tunnelled (RFC 6275 s.11.3.1, RFC 5380 s.6.1)."""
        inner = Packet(src=self.home_address, dst=peer, payload=body,
                       hop_limit=self.config.default_hop_limit)
        home = next((e for e in self.bul.values() if e.home_registration and e.acknowledged),
                    None)
        if self.ar is None or self.lcoa is None or home is None:
            self.drop("the MN has no registered care-of address yet: it cannot send from "
                      "its home address")
            return
        if home.care_of_address == self.rcoa and self.current_map is not None:
            local = self.bul.get((self.current_map, self.rcoa))
            if local is None or not local.acknowledged or local.care_of_address != self.lcoa:
                self.drop("waiting for the MAP's BA before tunnelling from the new LCoA "
                          "(RFC 5380 s.6.1)")
                return
            middle = encapsulate(self.rcoa, self.home_agent, inner)
            packet = encapsulate(self.lcoa, self.current_map, middle)
            text = f"{why}: reverse tunnel via {self._name(self.current_map)} and the HA"
            rfc = "RFC 5380 s.6.1"
        elif home.care_of_address == self.lcoa:
            packet = encapsulate(self.lcoa, self.home_agent, inner)
            text, rfc = f"{why}: reverse tunnel to the HA", "RFC 6275 s.11.3.1"
        else:
            self.drop("the home binding does not match the current care-of address yet")
            return
        self.send(packet, text, rfc, kind=describe.DATA)

    def send_flow_packet(self, kind: str, peer: IPv6Address, ident: int, seq: int,
                         payload: bytes, now: float) -> None:
        body = EchoRequest(ident, seq, payload) if kind == "echo" else \
            UdpDatagram(40000 + ident, 9, payload)
        self.send_data(body, peer, now, f"MN sends {kind} #{seq} to {self._name(peer)}")
