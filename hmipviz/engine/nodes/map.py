"""The Mobility Anchor Point: a local home agent for RCoAs (RFC 5380 s.6.2)."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network
from typing import Any

from ..addresses import prefix64
from ..messages import Packet
from .base import Node
from .home_agent_function import AgentProfile, HomeAgentFunction


def map_profile(rcoa_prefix: IPv6Network, max_lifetime_s: int,
                valid_onlink_prefixes: tuple[IPv6Network, ...] | None) -> AgentProfile:
    return AgentProfile(label="MAP", flag="map_registration", served_prefix=rcoa_prefix,
                        max_lifetime_s=max_lifetime_s,
                        valid_onlink_prefixes=valid_onlink_prefixes,
                        rfc_bu="RFC 5380 s.6.2", rfc_tunnel="RFC 5380 s.6.2")


class MapFunction:
    """The MAP behaviour, usable by a MAP node or by an AR in a flat network (s.9.2)."""

    def __init__(self, owner: Node, map_address: IPv6Address, max_lifetime_s: int,
                 valid_onlink_prefixes: tuple[IPv6Network, ...] | None) -> None:
        self.map_address = map_address
        self.rcoa_prefix = prefix64(map_address)
        self.agent = HomeAgentFunction(owner, map_address, map_profile(
            self.rcoa_prefix, max_lifetime_s, valid_onlink_prefixes))
        self.owner = owner

    def handles(self, packet: Packet) -> bool:
        return packet.dst == self.map_address or self.agent.intercepts(packet.dst)

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        self.agent.serve(packet, now, from_node, "RFC 5380 s.6.2")


class MobilityAnchorPoint(Node):
    role = "map"

    def __init__(self, *args: Any, max_lifetime_s: int | None = None,
                 valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.address is not None
        self.map = MapFunction(self, self.address,
                               max_lifetime_s or self.config.map_max_lifetime_s,
                               valid_onlink_prefixes)

    @property
    def agent(self) -> HomeAgentFunction:
        return self.map.agent

    def prefixes(self) -> list[IPv6Network]:
        own = super().prefixes()
        return own if self.map.rcoa_prefix in own else own + [self.map.rcoa_prefix]

    def intercepts(self, address: IPv6Address) -> bool:
        return self.map.agent.intercepts(address)

    def receive(self, packet: Packet, now: float, from_node: str) -> None:
        self.map.receive(packet, now, from_node)

    def next_timer(self) -> float | None:
        return self.map.agent.next_timer()

    def on_timer(self, now: float) -> None:
        self.map.agent.on_timer(now)

    def fail(self, now: float) -> None:
        super().fail(now)
        self.map.agent.lose_state(now)
