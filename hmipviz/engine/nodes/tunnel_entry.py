"""What a HA or MAP checks before it forwards a packet into its tunnel, and after it
takes one out (RFC 2473 s.3, s.4.1.1, s.7.1; RFC 8200 s.3; RFC 4443 s.3).

- The tunnel is one hop (RFC 2473 s.3): the entry point decrements the hop limit of the
  packet it forwards into the tunnel, the exit point that of the packet it forwards on;
  a packet that would reach 0 is dropped with ICMPv6 Time Exceeded, code 0.
- Nesting is limited as RFC 2473's Tunnel Encapsulation Limit does (s.4.1.1, s.6.6): at
  most ``tunnel_encapsulation_limit`` (4) encapsulations after a packet's first, so at
  most 5 tunnel headers. The engine counts the headers instead of carrying the option
  (docs/protocol.md says why); a packet over the limit is dropped with ICMPv6 Parameter
  Problem, code 0, to its source, the previous tunnel entry point. When this node's own
  address is among the packet's tunnel sources the packet has gone round: the trace
  names the loop.
- A packet that does not fit the tunnel gets ICMPv6 Packet Too Big with the tunnel MTU
  (RFC 2473 s.7.1, RFC 8201), instead of an encapsulation IPv6 cannot carry.
"""

from __future__ import annotations

from ipaddress import IPv6Address

from .. import describe
from ..events import TunnelRefused
from ..messages import (
    NH_IPV6,
    Packet,
    PacketTooBig,
    ParameterProblem,
    TimeExceeded,
    Tunnelled,
)
from .base import ICMP_ERROR_QUOTE_OCTETS, Node

IPV6_HEADER_OCTETS = 40
IPV6_MIN_MTU = 1280  # RFC 8200 s.5
IPV6_MAX_PACKET = 0xFFFF + IPV6_HEADER_OCTETS  # without jumbograms
_ICMP_ERRORS = (ParameterProblem, PacketTooBig, TimeExceeded)
_ERROR_NAMES = {ParameterProblem: "Parameter Problem", PacketTooBig: "Packet Too Big",
                TimeExceeded: "Time Exceeded"}
_EXTENSION_HEADERS = (0, 43, 60)  # hop-by-hop, routing, destination options


def icmp_error_allowed(packet: Packet) -> bool:
    """RFC 4443 s.2.4(e): never about an ICMPv6 error, nor to a source that is not a
    unicast address of one node."""
    src = packet.src
    return not (isinstance(packet.payload, _ICMP_ERRORS) or src.is_multicast
                or src.is_unspecified or src.is_loopback)


def next_header_offset(data: bytes, wanted: int = NH_IPV6) -> int:
    """Offset of the Next Header field that announces ``wanted`` in the outermost header
    chain of ``data`` (6 with no extension headers)."""
    at, nh, pos = 6, data[6], IPV6_HEADER_OCTETS
    while nh != wanted and nh in _EXTENSION_HEADERS and pos + 2 <= len(data):
        at, nh, pos = pos, data[pos], pos + 8 * (data[pos + 1] + 1)
    return at


def tunnel_layers(packet: Packet) -> list[tuple[IPv6Address, IPv6Address, IPv6Address]]:
    """(entry point, address tunnelled for, exit point) of each tunnel header, outermost
    first."""
    out: list[tuple[IPv6Address, IPv6Address, IPv6Address]] = []
    p = packet
    while isinstance(p.payload, Tunnelled):
        inner = p.payload.inner
        out.append((p.src, inner.dst, p.dst))
        p = inner
    return out


def take_icmp_error(node: Node, packet: Packet) -> bool:
    """An ICMPv6 error addressed to ``node`` (a HA, MAP or CN): dropped with a note of
    what it says. The engine models no reaction (no path MTU discovery, RFC 8201)."""
    m = packet.payload
    if not isinstance(m, _ICMP_ERRORS):
        return False
    if isinstance(m, ParameterProblem):
        detail = f"code {m.code}, pointer {m.pointer}"
    elif isinstance(m, PacketTooBig):
        detail = (f"MTU {m.mtu}; path MTU discovery (RFC 8201) is not modelled, packets keep "
                  "their size")
    else:
        detail = f"code {m.code}"
    node.drop(f"{node.name} takes note of the ICMPv6 {_ERROR_NAMES[type(m)]} from "
              f"{node.names.get(packet.src, str(packet.src))} ({detail})")
    return True


class TunnelEntry:
    """The checks of one tunnel end point (a HA's or a MAP's)."""

    def __init__(self, owner: Node, address: IPv6Address, label: str) -> None:
        self.owner = owner
        self.address = address
        self.label = label
        self._now = 0.0  # the time of the packet being handled, for the trace events

    def _name(self, address: IPv6Address) -> str:
        return self.owner.names.get(address, str(address))

    # --- forwarding into the tunnel ------------------------------------------------
    def encapsulate(self, packet: Packet, care_of: IPv6Address, now: float, why: str,
                    rfc: str) -> None:
        """Forward ``packet`` (not addressed to this node) into the tunnel to ``care_of``,
        or refuse it with the ICMPv6 error RFC 2473 names."""
        self._now = now
        o = self.owner
        limit = o.config.tunnel_encapsulation_limit
        depth = packet.tunnel_depth()
        if depth > limit:
            self._refuse_nesting(packet, care_of, depth, limit)
            return
        if packet.hop_limit <= 1:
            self.time_exceeded(packet, f"{o.name} would forward it into the tunnel to "
                               f"{care_of}")
            return
        inner = packet.with_hop_limit(packet.hop_limit - 1)
        if o.encode_packet is not None:
            size = len(o.encode_packet(inner))
            tunnel_mtu = min(o.config.link_mtu, IPV6_MAX_PACKET) - IPV6_HEADER_OCTETS
            if size > tunnel_mtu and size > IPV6_MIN_MTU:
                self._too_big(packet, care_of, size, max(tunnel_mtu, IPV6_MIN_MTU), depth)
                return
        outer = Packet(src=self.address, dst=care_of, payload=Tunnelled(inner),
                       hop_limit=o.config.default_hop_limit)
        o.send(outer, why, rfc)

    def forward_decapsulated(self, inner: Packet, now: float, why: str, rfc: str) -> None:
        """The tunnel exit forwards the inner packet on: one hop more (RFC 2473 s.3)."""
        self._now = now
        if inner.hop_limit <= 1:
            self.time_exceeded(inner, f"{self.owner.name} would forward it on after "
                               "decapsulating it")
            return
        self.owner.send(inner.with_hop_limit(inner.hop_limit - 1), why, rfc)

    # --- the refusals ----------------------------------------------------------------
    def _quote(self, packet: Packet) -> bytes:
        encode = self.owner.encode_packet
        return encode(packet)[:ICMP_ERROR_QUOTE_OCTETS] if encode is not None else b""

    def _icmp(self, packet: Packet, payload: ParameterProblem | PacketTooBig | TimeExceeded,
              why: str, rfc: str) -> str:
        """Send an ICMPv6 error about ``packet`` to its source; what the trace says."""
        o = self.owner
        if not icmp_error_allowed(packet):
            return "no ICMPv6 error about it (RFC 4443 s.2.4(e))"
        error = Packet(src=self.address, dst=packet.src, payload=payload,
                       hop_limit=o.config.default_hop_limit)
        o.send(error, why, rfc, kind=describe.ICMP_ERROR)
        return f"ICMPv6 {_ERROR_NAMES[type(payload)]} to {self._name(packet.src)}"

    def time_exceeded(self, packet: Packet, where: str) -> None:
        o = self.owner
        sent = self._icmp(packet, TimeExceeded(0, self._quote(packet)),
                          f"{o.name}: ICMPv6 Time Exceeded, code 0 (hop limit exceeded in "
                          f"transit) to {packet.src}", "RFC 4443 s.3.3, RFC 2473 s.3")
        text = (f"hop limit: the packet {packet.src} -> {packet.dst} arrived with hop limit "
                f"{packet.hop_limit} and {where}: dropped, {sent}")
        o.emit(TunnelRefused(self._now, o.name, text, "RFC 8200 s.3, RFC 2473 s.3",
                             "hop limit", packet.tunnel_depth(), 0))
        o.drop(text)

    def _refuse_nesting(self, packet: Packet, care_of: IPv6Address, depth: int,
                        limit: int) -> None:
        o = self.owner
        pointer = 6
        quote = self._quote(packet)
        if quote:
            pointer = next_header_offset(quote)
        sent = self._icmp(packet, ParameterProblem(0, pointer, quote),
                          f"{o.name}: ICMPv6 Parameter Problem, code 0, pointer {pointer} "
                          "(the Next Header field that announces the tunnelled packet) to "
                          f"{packet.src}: "
                          "tunnel encapsulation limit reached", "RFC 2473 s.4.1.1, s.7.1")
        layers = tunnel_layers(packet) + [(self.address, packet.dst, care_of)]
        entries = [entry for entry, _, _ in layers[:-1]]
        if self.address in entries:
            problem, head = "tunnel loop", self._loop_text(layers)
        else:
            problem, head = "nesting limit", "tunnel nesting limit"
        text = (f"{head}: the packet for {packet.dst} already carries {depth} tunnel headers "
                f"and RFC 2473's Tunnel Encapsulation Limit allows {limit} encapsulations "
                f"after the first: {o.name} does not add another; dropped, {sent}")
        o.emit(TunnelRefused(self._now, o.name, text, "RFC 2473 s.4.1.1, s.6.6", problem,
                             depth, 0))
        o.drop(text)

    def _loop_text(self, layers: list[tuple[IPv6Address, IPv6Address, IPv6Address]]) -> str:
        """"tunnel loop: HA and MAP1 tunnel to each other (HA tunnels ... to ...)"."""
        seen: list[tuple[IPv6Address, IPv6Address, IPv6Address]] = []
        for layer in reversed(layers):  # this node's tunnel first
            if layer not in seen:
                seen.append(layer)
        names = []
        for entry, _, _ in seen:
            if self._name(entry) not in names:
                names.append(self._name(entry))
        who = (f"{names[0]} and {names[1]} tunnel to each other" if len(names) == 2
               else f"{', '.join(names[:-1])} and {names[-1]} tunnel in a circle"
               if len(names) > 2 else f"{names[0]} tunnels to itself")
        how = ", ".join(f"{self._name(entry)} tunnels packets for {for_} to {exit_}"
                        for entry, for_, exit_ in seen)
        return f"tunnel loop: {who} ({how})"

    def _too_big(self, packet: Packet, care_of: IPv6Address, size: int, mtu: int,
                 depth: int) -> None:
        o = self.owner
        sent = self._icmp(packet, PacketTooBig(mtu, self._quote(packet)),
                          f"{o.name}: ICMPv6 Packet Too Big, MTU {mtu}, to {packet.src}",
                          "RFC 2473 s.7.1, RFC 4443 s.3.2, RFC 8201")
        text = (f"packet too big: {size} octets for {packet.dst} do not fit the tunnel from "
                f"{o.name} to {care_of} (tunnel MTU {mtu}: link MTU "
                f"{o.config.link_mtu} less the 40-octet tunnel header): dropped, {sent}")
        o.emit(TunnelRefused(self._now, o.name, text, "RFC 2473 s.7.1, RFC 8201",
                             "packet too big", depth, size))
        o.drop(text)
