"""What the MN sends from its home address and its care-of addresses (RFC 6275
s.11.3.1; RFC 5380 s.6.1, s.6.1.1, s.6.5, s.11): route-optimised, reverse-tunnelled
through the HA (inside a MAP domain, through the MAP too), or straight from an RCoA.
Every packet leaves from the LCoA confirmed on the current link as outer source."""

from __future__ import annotations

from ipaddress import IPv6Address

from .. import describe
from ..messages import (
    EchoRequest,
    HomeAddressOption,
    Packet,
    Payload,
    UdpDatagram,
    encapsulate,
)
from .mn_core import MobileNodeCore


class DataSending(MobileNodeCore):
    """Mixed into :class:`MobileNode`."""

    def send_data(self, body: Payload, peer: IPv6Address, now: float, why: str) -> None:
        """Send from the home address: route-optimised when ``peer`` holds a binding for
        the care-of address the MN uses now (RFC 5380 s.6.1.1), else reverse-tunnelled
        through the HA (RFC 6275 s.11.3.1, RFC 5380 s.6.1)."""
        coa = self.ro.care_of(peer)
        may, via = self.route_from(coa)
        if self.ro.usable(peer) and may:
            assert coa is not None and self.lcoa is not None
            packet = Packet(src=coa, dst=peer, hao=HomeAddressOption(self.home_address),
                            payload=body, hop_limit=self.config.default_hop_limit)
            text = f"{why}: route-optimised from {coa} with a Home Address option"
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

    def _map_tunnel_ready(self) -> bool:
        """Packets from the registered care-of address may leave now (from an RCoA only
        once the MAP binds it to this LCoA)."""
        home = self.home_binding()
        if home is None or home.care_of_address != self._primary_coa():
            return False
        return self.route_from(home.care_of_address)[0]

    def via_home_agent(self, inner: Packet, why: str, rfc: str, kind: str) -> bool:
        """Reverse-tunnel a packet from the home address to the HA: inside a MAP domain
        LCoA -> MAP [RCoA -> HA [inner]] (RFC 5380 s.6.1, s.12.2). False: dropped."""
        home = self.home_binding()
        lcoa = self.lcoa_here()
        if lcoa is None or home is None:
            self.drop("the MN has no registered care-of address yet: it cannot send from "
                      "its home address")
            return False
        may, via = self.route_from(home.care_of_address)
        if home.care_of_address != self._primary_coa() or not may:
            self.drop("waiting for the MAP's BA before tunnelling from the new LCoA "
                      "(RFC 5380 s.6.1)" if home.care_of_address == self.rcoa else
                      "the home binding does not match the current care-of address yet")
            return False
        if via is not None:
            middle = encapsulate(home.care_of_address, self.home_agent, inner)
            packet = encapsulate(lcoa, via, middle)
            text = f"{why}: reverse tunnel via {self._name(via)} and the HA"
            rfc = rfc or "RFC 5380 s.6.1"
        else:
            packet = encapsulate(lcoa, self.home_agent, inner)
            text, rfc = f"{why}: reverse tunnel to the HA", rfc or "RFC 6275 s.11.3.1"
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

    def send_from_care_of(self, body: Payload, peer: IPv6Address, why: str,
                          rcoa: IPv6Address | None = None) -> None:
        """RFC 5380 s.6.5: short-lived traffic straight from the RCoA, no Home Address
        option and no binding anywhere: near-optimal routing through the MAP, but it
        breaks when the RCoA changes. From ``rcoa`` if given, else from the RCoA of the
        MAP chosen for ``peer`` (an extra MAP, s.7.1) or of the selected MAP. Without a
        MAP, from the LCoA (RFC 6275 s.11.3.1)."""
        lcoa = self.lcoa_here()
        if lcoa is None:
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
            self.send(encapsulate(lcoa, via, inner), text,
                      "RFC 5380 s.6.5, s.7.1" if extra else "RFC 5380 s.6.5",
                      kind=describe.DATA)
            return
        packet = Packet(src=lcoa, dst=peer, payload=body,
                        hop_limit=self.config.default_hop_limit)
        self.send(packet, f"{why}: from the LCoA {lcoa}, no MAP to hide it",
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
