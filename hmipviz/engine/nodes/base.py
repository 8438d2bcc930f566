"""The sans-I/O node interface every role implements.

A node never reads a clock and never sends anything itself: it is handed decoded
packets and the current time, and it queues what it wants sent (:class:`Send`) and
what it wants recorded (events). The simulator pulls both (architecture rule 2).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from .. import describe
from ..addresses import address
from ..config import ProtocolConfig
from ..events import Event, PacketDropped
from ..frozen import fast_init
from ..ipsec import SecurityAssociation, SecurityAssociationDatabase
from ..messages import (
    BE_STATUS_TEXT,
    BindingError,
    MalformedMobilityHeader,
    Packet,
    ParameterProblem,
)

# RFC 4443 s.2.4(c): an ICMPv6 error quotes as much of the invoking packet as fits in
# the minimum IPv6 MTU (1280) after its own IPv6 (40) and ICMPv6 (8) headers.
ICMP_ERROR_QUOTE_OCTETS = 1280 - 40 - 8
UNSPECIFIED = address("::")


@fast_init
@dataclass(frozen=True, slots=True)
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


@fast_init
@dataclass(frozen=True, slots=True)
class Drop:
    """The node discards the packet it was handed, for this reason."""

    reason: str


@fast_init
@dataclass(frozen=True, slots=True)
class InstallSecurityAssociations:
    """Ask the network to give the node at ``peer_address`` its half of an SA pair: the
    stand-in for IKEv2 (RFC 5380 s.12.1), which is out of scope. ``outbound`` is the
    peer's SA towards the MN, ``inbound`` the MN's towards the peer; the peer keys its
    outbound SA by ``protected_address``."""

    peer_address: IPv6Address
    outbound: SecurityAssociation
    inbound: SecurityAssociation
    protected_address: IPv6Address


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
        self._out: list[Send | Drop | Event | InstallSecurityAssociations] = []
        self._last_binding_error: dict[IPv6Address, float] = {}
        # IPsec (RFC 5380 s.12.1): with require_esp, BUs and BAs must travel in ESP
        self.sad = SecurityAssociationDatabase()
        self.require_esp = False
        # what the node discarded for security reasons, by reason (shown and reported)
        self.counters: dict[str, int] = {}
        # Given by the simulator: the wire encoder (the engine imports no wire code), for
        # what needs a packet's octets (its size at a tunnel entry, ICMPv6 quotes), and
        # node names by address, for the trace's words. Without them (bare engine tests)
        # sizes go unchecked and addresses are shown as they are.
        self.encode_packet: Callable[[Packet], bytes] | None = None
        self.names: dict[IPv6Address, str] = {}

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

    def pull(self) -> list[Send | Drop | Event | InstallSecurityAssociations]:
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

    def count(self, what: str) -> None:
        self.counters[what] = self.counters.get(what, 0) + 1

    def security_drop(self, what: str, reason: str) -> None:
        """Discard silently (no answer goes out) and count it (RFC 5380 s.12.1)."""
        self.count(what)
        self.drop(f"{reason}: silently discarded ({what}: {self.counters[what]} so far)")

    # --- RFC 6275 s.9.2 / s.9.3.3 error answers (HA, MAP, CN) -------------------------
    def refuse_mobility_header(self, packet: Packet, m: MalformedMobilityHeader) -> None:
        """s.9.2: a bad checksum is discarded silently; a Payload Proto other than 59 or
        a Header Len below the type's minimum earn an ICMPv6 Parameter Problem, code 0,
        sent straight to the packet's source (no binding cache is used)."""
        if m.pointer is None:
            self.drop(f"malformed Mobility Header ({m.problem}): silently discarded "
                      "(RFC 6275 s.9.2)")
            return
        self.drop(f"malformed Mobility Header ({m.problem}): discarded, ICMPv6 Parameter "
                  f"Problem sent to {packet.src} (RFC 6275 s.9.2)")
        mh_at = len(m.invoking) - len(m.data)  # the MH is the packet's last header
        field = "Payload Proto" if m.pointer == mh_at else "Header Len"
        error = Packet(src=packet.dst, dst=packet.src,
                       payload=ParameterProblem(0, m.pointer,
                                                m.invoking[:ICMP_ERROR_QUOTE_OCTETS]),
                       hop_limit=self.config.default_hop_limit)
        self.send(error, f"{self.name}: ICMPv6 Parameter Problem, code 0, pointer {m.pointer} "
                  f"(the {field} field) for the Mobility Header from {packet.src}",
                  "RFC 6275 s.9.2, RFC 4443 s.3.4", kind=describe.ICMP_ERROR)

    def send_binding_error(self, packet: Packet, status: int, now: float, why: str) -> None:
        """s.9.3.3: a Binding Error goes straight to the offending packet's source, names
        the home address from its Home Address option (unspecified without one), and is
        rate limited (the RFC sets no number: ``binding_error_interval_s``)."""
        to = packet.src
        last = self._last_binding_error.get(to)
        if last is not None and now - last < self.config.binding_error_interval_s:
            self.drop(f"{why}; no Binding Error: one went to {to} less than "
                      f"{self.config.binding_error_interval_s:g} s ago (RFC 6275 s.9.3.3)")
            return
        self._last_binding_error[to] = now
        home = packet.hao.home_address if packet.hao is not None else UNSPECIFIED
        self.drop(why)
        be = Packet(src=packet.dst, dst=to, payload=BindingError(status, home),
                    hop_limit=self.config.default_hop_limit)
        self.send(be, f"{self.name}: Binding Error status {status} "
                  f"({BE_STATUS_TEXT[status]}) to {to}", "RFC 6275 s.9.3.3", kind=describe.BE)

    def describe(self) -> dict[str, str]:
        """Role and addresses, for hover text and the inspector."""
        info = {"role": self.role}
        if self.address is not None:
            info["address"] = str(self.address)
        if self.prefix is not None:
            info["prefix"] = str(self.prefix)
        return info


__all__ = ["Node", "Send", "Drop", "InstallSecurityAssociations", "PacketDropped"]
