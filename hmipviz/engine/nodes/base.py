"""The sans-I/O node interface every role implements.

A node never reads a clock and never sends anything itself: it is handed decoded
packets and the current time, and it queues what it wants sent (:class:`Send`) and
what it wants recorded (events). The simulator pulls both (architecture rule 2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from ..config import ProtocolConfig
from ..events import Event, PacketDropped
from ..messages import Packet


@dataclass(frozen=True)
class Send:
    """Ask the network to carry ``packet`` from this node.

    ``kind`` None means "the kind of the packet being handled" (tunnel end points).
    ``link_peer`` forces the first hop (an AR sending on its access link).
    """

    packet: Packet
    why: str
    rfc: str = ""
    kind: str | None = None
    link_peer: str | None = None


@dataclass(frozen=True)
class Drop:
    """The node discards the packet it was handed, for this reason."""

    reason: str


class Node:
    role = "node"

    def __init__(self, name: str, address: IPv6Address | None, prefix: IPv6Network | None,
                 config: ProtocolConfig, rng: random.Random) -> None:
        self.name = name
        self.address = address
        self.prefix = prefix
        self.config = config
        self.rng = rng
        self.up = True
        self._out: list[Send | Drop | Event] = []

    # --- what the simulator asks -------------------------------------------------
    def owns(self, address: IPv6Address) -> bool:
        """Packets to ``address`` are processed by this node itself."""
        return address == self.address

    def prefixes(self) -> list[IPv6Network]:
        """Prefixes routed towards this node (longest match wins in the simulator)."""
        return [self.prefix] if self.prefix is not None else []

    def intercepts(self, address: IPv6Address) -> bool:
        """Proxy ND: the node takes packets for an address it does not own (HA, MAP)."""
        return False

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        """Process a packet addressed to (or intercepted by) this node."""

    def next_timer(self) -> float | None:
        return None

    def on_timer(self, now: float) -> None:
        """Run whatever timers are due at ``now``."""

    def pull(self) -> list[Send | Drop | Event]:
        out, self._out = self._out, []
        return out

    def fail(self, now: float) -> None:
        self.up = False

    def restore(self, now: float) -> None:
        self.up = True

    # --- helpers for subclasses ------------------------------------------------------
    def send(self, packet: Packet, why: str, rfc: str = "", kind: str | None = None,
             link_peer: str | None = None) -> None:
        self._out.append(Send(packet, why, rfc, kind, link_peer))

    def drop(self, reason: str) -> None:
        self._out.append(Drop(reason))

    def emit(self, event: Event) -> None:
        self._out.append(event)

    def describe(self) -> dict[str, str]:
        """Role and addresses, for hover text and the inspector."""
        info = {"role": self.role}
        if self.address is not None:
            info["address"] = str(self.address)
        if self.prefix is not None:
            info["prefix"] = str(self.prefix)
        return info


__all__ = ["Node", "Send", "Drop", "PacketDropped"]
