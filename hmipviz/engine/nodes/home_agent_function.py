"""The home-agent function shared by a home agent and a MAP ("a local HA", RFC 5380 s.6.2).

It validates Binding Updates (RFC 6275 s.10.3.1), keeps the binding cache, answers
with Binding Acknowledgements carrying a type 2 routing header, intercepts packets for
bound addresses (proxy Neighbour Discovery) and tunnels them to the care-of address,
and decapsulates what mobile nodes reverse-tunnel to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from .. import describe
from ..addresses import seq_greater
from ..binding_cache import BindingCache, BindingCacheEntry
from ..events import BindingChanged
from ..messages import (
    BA_ACCEPTED,
    BA_ADMIN_PROHIBITED,
    BA_NOT_HOME_SUBNET,
    BA_REASON_UNSPECIFIED,
    BA_SEQ_OUT_OF_WINDOW,
    BA_STATUS_TEXT,
    BindingAck,
    BindingUpdate,
    Packet,
    Tunnelled,
    Type2RoutingHeader,
    encapsulate,
)
from .base import Node


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
    def __init__(self, owner: Node, address: IPv6Address, profile: AgentProfile) -> None:
        self.owner = owner
        self.address = address
        self.profile = profile
        self.cache = BindingCache()
        # the mobile node's name, for display in the binding cache only
        self.mobile_name = "MN"

    # --- Binding Updates ------------------------------------------------------------
    def handle_bu(self, packet: Packet, bu: BindingUpdate, now: float, from_name: str) -> None:
        o, prof = self.owner, self.profile
        if packet.hao is None:
            o.drop(f"BU without a Home Address option: silently discarded ({prof.rfc_bu})")
            return
        home = packet.hao.home_address
        care_of = packet.src
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
        elif existing is not None and not seq_greater(bu.sequence, existing.sequence):
            status = BA_SEQ_OUT_OF_WINDOW
            reason = f"sequence {bu.sequence} is not newer than {existing.sequence}"

        granted = 0
        ba_seq = bu.sequence
        peer = self.mobile_name
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
                        hop_limit=o.config.default_hop_limit)
            text = BA_STATUS_TEXT.get(status, str(status))
            kind = describe.LOCAL_BA if prof.flag == "map_registration" else describe.HOME_BA
            if status < 128:
                why = (f"BA from {o.name}: {text}, {home} -> {care_of} for {granted} s; "
                       f"type 2 routing header carries {home}")
            else:
                why = f"BA from {o.name}: status {status} {text}: {reason}"
            rfc = "RFC 5380 s.6.2" if prof.flag == "map_registration" else "RFC 6275 s.10.3.1"
            o.send(ba, why, rfc, kind=kind)

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
        outer = encapsulate(self.address, entry.care_of_address, packet)
        self.owner.send(outer, f"{self.owner.name} intercepts the packet for {packet.dst} and "
                        f"tunnels it to {entry.care_of_address}", self.profile.rfc_tunnel)

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
        return self.cache.next_expiry()

    def on_timer(self, now: float) -> None:
        for entry in self.cache.expire(now):
            self._changed(now, entry, "expired", self.mobile_name)

    def lose_state(self, now: float) -> None:
        for entry in self.cache.clear():
            self._changed(now, entry, "lost", self.mobile_name)
