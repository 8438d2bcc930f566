"""The correspondent node: answers echoes, sources flows. HMIPv6 is transparent to it
(RFC 5380 s.6.4)."""

from __future__ import annotations

from ipaddress import IPv6Address

from ..messages import EchoReply, EchoRequest, Packet, UdpDatagram
from .base import Node
from .router import answer_echo


class CorrespondentNode(Node):
    role = "cn"

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        if answer_echo(self, packet):
            return
        if not isinstance(packet.payload, (EchoReply, UdpDatagram)):
            self.drop(f"CN does not handle {type(packet.payload).__name__}")

    def send_flow_packet(self, kind: str, peer: IPv6Address, ident: int, seq: int,
                         payload: bytes) -> None:
        """One packet of a ``[[flow]]``, addressed to the MN's home address."""
        if kind == "echo":
            body = EchoRequest(ident, seq, payload)
        else:
            body = UdpDatagram(sport=40000 + ident, dport=9, data=payload)
        packet = Packet(src=self.address, dst=peer, payload=body,
                        hop_limit=self.config.default_hop_limit)
        self.send(packet, f"{self.name} sends {kind} #{seq} to the MN's home address {peer}",
                  "RFC 6275 s.5")
