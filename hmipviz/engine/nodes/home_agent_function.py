"""The home-agent function shared by a home agent and a MAP ("a local HA", RFC 5380 s.6.2).

It validates Binding Updates (RFC 6275 s.10.3.1), keeps the binding cache, answers
with Binding Acknowledgements carrying a type 2 routing header, intercepts packets for
bound addresses (proxy Neighbour Discovery) and tunnels them to the care-of address,
and decapsulates what mobile nodes reverse-tunnel to it. It also refuses what RFC 6275
s.9.2 / s.9.3 tell it to refuse (bad Mobility Headers, unknown MH Types, Home Address
options without a binding) and asks for a refresh before a binding runs out (s.9.5.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from .. import describe
from ..addresses import seq_greater
from ..binding_cache import BindingCache, BindingCacheEntry, RefreshTracker
from ..events import BindingChanged
from ..messages import (
    BA_ACCEPTED,
    BA_ADMIN_PROHIBITED,
    BA_DAD_FAILED,
    BA_INSUFFICIENT_RESOURCES,
    BA_NOT_HOME_AGENT,
    BA_NOT_HOME_SUBNET,
    BA_REASON_UNSPECIFIED,
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BE_UNKNOWN_HAO,
    BE_UNRECOGNIZED_MH,
    BindingAck,
    BindingRefreshRequest,
    BindingUpdate,
    MalformedMobilityHeader,
    Packet,
    Tunnelled,
    Type2RoutingHeader,
    UnknownMobility,
    encapsulate,
)
from .base import Node
from .router import answer_echo
from .tunnel_entry import TunnelEntry, take_icmp_error


@dataclass(frozen=True)
class AgentProfile:
    """What differs between a HA and a MAP: which flag marks a registration, the
    address space it serves, and the RFC text the trace cites."""

    label: str  # "MAP" or "HA"
    flag: str  # "map_registration" or "home_registration"
    served_prefix: IPv6Network  # RCoA prefix for a MAP, home prefix for a HA
    max_lifetime_s: int
    valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None
    rfc_bu: str = "RFC 6275 s.10.3.1"
    rfc_tunnel: str = "RFC 6275 s.10.4.1"


class HomeAgentFunction:
    def __init__(self, owner: Node, address: IPv6Address, profile: AgentProfile,
                 duplicate_addresses: frozenset[IPv6Address] = frozenset()) -> None:
        self.owner = owner
        self.address = address
        self.profile = profile
        self.cache = BindingCache(limit=owner.config.binding_cache_limit)
        # Addresses another node on the served link already uses: duplicate address
        # detection (RFC 4862) finds them, which the model reduces to a look-up.
        self.duplicate_addresses = duplicate_addresses
        # home addresses whose current registration has had its Binding Refresh Request
        self.refresh = RefreshTracker(self.cache, owner.config.brr_fraction)
        # the mobile node's name, for display in the binding cache only; with several
        # MNs the simulator sets ``mobile_names`` (bound address -> that MN's name)
        self.mobile_name = "MN"
        self.mobile_names: Callable[[IPv6Address], str] | None = None
        self.tunnel = TunnelEntry(owner, address, profile.label)

    # --- packets addressed to the agent itself ---------------------------------------
    def serve(self, packet: Packet, now: float, from_name: str, exit_rfc: str) -> None:
        """Everything a HA or MAP does with a packet it took: tunnel it to the care-of
        address, process mobility messages, or end a reverse tunnel (``exit_rfc``)."""
        o = self.owner
        if packet.dst != self.address:
            self.tunnel_to_care_of(packet, now)
            return
        if self.handle(packet, now, from_name):
            return
        if isinstance(packet.payload, Tunnelled):
            inner = self.decapsulate(packet, now)
            if inner is not None:
                self.tunnel.forward_decapsulated(
                    inner, now, f"{o.name} decapsulates the packet the MN tunnelled from "
                    f"{packet.src} and forwards {inner.src} -> {inner.dst}", exit_rfc)
        elif not answer_echo(o, packet) and not take_icmp_error(o, packet):
            o.drop(f"{o.name} does not handle {type(packet.payload).__name__}")

    def handle(self, packet: Packet, now: float, from_name: str) -> bool:
        """Mobility processing for a packet addressed to the agent; False: not mobility
        business (the caller decapsulates, answers echoes or drops it)."""
        o, m = self.owner, packet.payload
        if isinstance(m, MalformedMobilityHeader):
            o.refuse_mobility_header(packet, m)
        elif isinstance(m, UnknownMobility):
            o.send_binding_error(packet, BE_UNRECOGNIZED_MH, now,
                                 f"MH Type {m.mh_type} is unknown to {o.name}: discarded "
                                 "(RFC 6275 s.9.2)")
        elif isinstance(m, BindingUpdate):
            self.handle_bu(packet, m, now, from_name)
        elif packet.hao is not None and not self.hao_bound(packet):
            # s.9.3.1: only a BU may carry a Home Address option without a binding
            o.send_binding_error(packet, BE_UNKNOWN_HAO, now,
                                 f"Home Address option {packet.hao.home_address} from "
                                 f"{packet.src} has no binding at {o.name} (RFC 6275 s.9.3.1)")
        else:
            return False
        return True

    def hao_bound(self, packet: Packet) -> bool:
        """s.9.3.1: the HAO's address must be bound to exactly the packet's source."""
        assert packet.hao is not None
        entry = self.cache.get(packet.hao.home_address)
        return entry is not None and entry.care_of_address == packet.src

    # --- Binding Updates ------------------------------------------------------------
    def handle_bu(self, packet: Packet, bu: BindingUpdate, now: float, from_name: str) -> None:
        o, prof = self.owner, self.profile
        if packet.hao is None:
            o.drop(f"BU without a Home Address option: silently discarded ({prof.rfc_bu})")
            return
        home = packet.hao.home_address
        care_of = packet.src
        if o.require_esp:
            # RFC 5380 s.12.1 / RFC 6275 s.5.1: only a BU that came through the SA for the
            # address it binds counts; anything else is dropped without an answer
            sa = o.sad.inbound(packet.esp.spi) if packet.esp is not None else None
            if sa is None:
                o.security_drop("BU without ESP", f"BU for {home} from {care_of} is not "
                                f"protected by ESP ({prof.rfc_bu}, RFC 5380 s.12.1)")
                return
            if sa.protected_address != home:
                o.security_drop("BU through another address's SA",
                                f"BU for {home} came through the SA for "
                                f"{sa.protected_address} (RFC 4877 s.4.4)")
                return
        status = BA_ACCEPTED
        reason = ""
        existing = self.cache.get(home)
        if not getattr(bu, prof.flag):
            status = BA_REASON_UNSPECIFIED
            flag = "M" if prof.flag == "map_registration" else "H"
            reason = f"the {flag} flag is not set"
        elif home not in prof.served_prefix:
            status = BA_NOT_HOME_SUBNET
            reason = f"{home} is not in {prof.served_prefix}"
        elif (prof.valid_onlink_prefixes is not None and bu.lifetime_s > 0
              and not any(care_of in p for p in prof.valid_onlink_prefixes)):
            status = BA_ADMIN_PROHIBITED
            reason = f"LCoA {care_of} is outside the valid on-link prefixes (RFC 5380 s.6.2)"
        elif (bu.lifetime_s == 0 or care_of == home) and (
                existing is None or not getattr(existing, prof.flag)):
            # RFC 6275 s.10.3.2 (RFC 5380 s.6.2 for a MAP): a deregistration for an
            # address with no registration here is refused
            status = BA_NOT_HOME_AGENT
            reason = f"deregistration of {home}, which has no binding at {o.name}"
        elif existing is not None and not seq_greater(bu.sequence, existing.sequence):
            status = BA_SEQ_OUT_OF_WINDOW
            reason = f"sequence {bu.sequence} is not newer than {existing.sequence}"
        elif existing is None and bu.lifetime_s > 0 and care_of != home \
                and home in self.duplicate_addresses:
            # RFC 6275 s.10.3.1: DAD for the home address on a new home registration
            status = BA_DAD_FAILED
            reason = (f"duplicate address detection found {home} already in use on "
                      f"{prof.served_prefix}")
        elif existing is None and self.cache.full:
            # RFC 6275 s.6.1.8: no room for one more binding
            status = BA_INSUFFICIENT_RESOURCES
            reason = (f"the binding cache is full ({len(self.cache)} bindings, "
                      f"binding_cache_limit {self.cache.limit})")

        granted = 0
        ba_seq = bu.sequence
        peer = self.mobile_of(home)
        if status == BA_ACCEPTED:
            if bu.lifetime_s == 0 or care_of == home:
                gone = self.cache.remove(home)
                if gone is not None:
                    self._changed(now, gone, "deleted", peer)
            else:
                granted = min(bu.lifetime_s, prof.max_lifetime_s) // 4 * 4
                entry = BindingCacheEntry(home, care_of, granted, bu.sequence, now,
                                          map_registration=bu.map_registration,
                                          home_registration=bu.home_registration)
                self.cache.put(entry)
                self.refresh.forget(home)
                if existing is None:
                    change = "added"
                elif existing.care_of_address == care_of:
                    change = "refreshed"
                else:
                    change = "updated"
                self._changed(now, entry, change, peer)
        elif status == BA_SEQ_OUT_OF_WINDOW and existing is not None:
            ba_seq = existing.sequence

        if bu.ack or status >= 128:
            ba = Packet(src=self.address, dst=care_of,
                        routing=Type2RoutingHeader(home),
                        payload=BindingAck(status=status, sequence=ba_seq, lifetime_s=granted),
                        hop_limit=o.config.default_hop_limit,
                        esp=o.sad.protect(home) if o.require_esp else None)
            text = BA_STATUS_TEXT.get(status, str(status))
            kind = describe.LOCAL_BA if prof.flag == "map_registration" else describe.HOME_BA
            if status < 128:
                why = (f"BA from {o.name}: {text}, {home} -> {care_of} for {granted} s; "
                       f"type 2 routing header carries {home}")
            else:
                why = f"BA from {o.name}: status {status} {text}: {reason}"
            rfc = "RFC 5380 s.6.2" if prof.flag == "map_registration" else "RFC 6275 s.10.3.1"
            o.send(ba, why, rfc, kind=kind)

    def mobile_of(self, address: IPv6Address) -> str:
        """The name of the MN a binding for ``address`` belongs to (display only)."""
        return self.mobile_names(address) if self.mobile_names else self.mobile_name

    def _changed(self, now: float, entry: BindingCacheEntry, change: str, peer: str) -> None:
        flags = "M" if entry.map_registration else ("H" if entry.home_registration else "")
        self.owner.emit(BindingChanged(now, self.owner.name, "binding cache", peer,
                                       str(entry.home_address), str(entry.care_of_address),
                                       entry.lifetime_s, entry.sequence, change, flags))

    # --- interception and tunnels -------------------------------------------------
    def intercepts(self, address: IPv6Address) -> bool:
        return self.cache.get(address) is not None

    def tunnel_to_care_of(self, packet: Packet, now: float) -> None:
        """Encapsulate a packet for a bound address towards its care-of address."""
        entry = self.cache.get(packet.dst)
        if entry is None:
            self.owner.drop(f"{self.owner.name} has no binding for {packet.dst}")
            return
        self.tunnel.encapsulate(packet, entry.care_of_address, now,
                                f"{self.owner.name} intercepts the packet for {packet.dst} "
                                f"and tunnels it to {entry.care_of_address}",
                                self.profile.rfc_tunnel)

    def decapsulate(self, packet: Packet, now: float) -> Packet | None:
        """Reverse tunnel exit: the outer source must be the bound care-of address."""
        assert isinstance(packet.payload, Tunnelled)
        inner = packet.payload.inner
        entry = self.cache.get(inner.src)
        if entry is None or entry.care_of_address != packet.src:
            self.owner.drop(f"{self.owner.name}: tunnelled packet from {packet.src} whose inner "
                            f"source {inner.src} has no binding to it ({self.profile.rfc_tunnel})")
            return None
        return inner

    # --- timers and failure --------------------------------------------------------
    def next_timer(self) -> float | None:
        return self.refresh.next_time()

    def on_timer(self, now: float) -> None:
        for entry in self.refresh.expire(now):
            self._changed(now, entry, "expired", self.mobile_of(entry.home_address))
        for entry in self.refresh.due(now):
            self._request_refresh(entry, now)

    def _request_refresh(self, entry: BindingCacheEntry, now: float) -> None:
        """s.9.5.5: a BRR to the bound address, through the tunnel like any packet for it."""
        o = self.owner
        brr = Packet(src=self.address, dst=entry.home_address, payload=BindingRefreshRequest(),
                     hop_limit=o.config.default_hop_limit)
        left = entry.remaining_s(now)
        o.send(encapsulate(self.address, entry.care_of_address, brr),
               f"{o.name}: Binding Refresh Request for {entry.home_address}, whose binding "
               f"expires in {left:.0f} s without a refresh", "RFC 6275 s.9.5.5",
               kind=describe.BRR)

    def lose_state(self, now: float) -> None:
        self.refresh.clear()
        self.owner.sad.clear()  # the SAs die with the rest of the state
        for entry in self.cache.clear():
            self._changed(now, entry, "lost", self.mobile_of(entry.home_address))
