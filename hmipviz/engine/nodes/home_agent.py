"""The home agent (RFC 6275 s.10). HMIPv6 changes nothing here (RFC 5380 s.6.3)."""

from __future__ import annotations

from ipaddress import IPv6Address
from typing import Any

from ..messages import Packet
from .base import Node
from .home_agent_function import AgentProfile, HomeAgentFunction


class HomeAgent(Node):
    role = "ha"

    def __init__(self, *args: Any, duplicate_addresses: frozenset[IPv6Address] = frozenset(),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.address is not None and self.prefix is not None
        self.agent = HomeAgentFunction(self, self.address, AgentProfile(
            label="HA", flag="home_registration", served_prefix=self.prefix,
            max_lifetime_s=self.config.ha_max_lifetime_s), duplicate_addresses)

    def intercepts(self, address: IPv6Address) -> bool:
        return self.agent.intercepts(address)

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        self.agent.serve(packet, now, from_node, "RFC 6275 s.10.4.5")

    def next_timer(self) -> float | None:
        return self.agent.next_timer()

    def on_timer(self, now: float) -> None:
        self.agent.on_timer(now)

    def fail(self, now: float) -> None:
        super().fail(now)
        self.agent.lose_state(now)
