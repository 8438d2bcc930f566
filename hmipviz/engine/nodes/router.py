"""Plain router and host: own an address, forward (the simulator does the routing)."""

from __future__ import annotations

from ipaddress import IPv6Address

from ..messages import EchoReply, EchoRequest, Packet
from .base import Node


class Router(Node):
    role = "router"

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        answer_echo(self, packet)


class Host(Node):
    """A plain host. Scenario ``[[inject]]`` entries send crafted bytes as this node."""

    role = "host"

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        answer_echo(self, packet)


def answer_echo(node: Node, packet: Packet) -> bool:
    """RFC 4443 s.4.2: every node answers an Echo Request."""
    if not isinstance(packet.payload, EchoRequest):
        return False
    m = packet.payload
    reply = Packet(src=packet.dst, dst=packet.home_source,
                   payload=EchoReply(m.ident, m.seq, m.data),
                   hop_limit=node.config.default_hop_limit)
    node.send(reply, f"{node.name} answers echo request seq {m.seq} from {packet.home_source}",
              "RFC 4443 s.4.2")
    return True


def own_addresses(*addresses: IPv6Address | None) -> frozenset[IPv6Address]:
    return frozenset(a for a in addresses if a is not None)
