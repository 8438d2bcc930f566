"""The network graph: nodes, links with delay and loss, routes and hop counts (networkx)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv6Address, IPv6Network

import networkx as nx

_MAX_REMEMBERED = 1 << 16


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    delay_ms: float
    loss: float = 0.0

    @cached_property
    def name(self) -> str:  # every hop of every packet asks: formatted once
        return f"{self.a}-{self.b}"


class Topology:
    """Wired links between fixed nodes; the MN's access link is added and removed on moves."""

    def __init__(self) -> None:
        self.graph: nx.Graph[str] = nx.Graph()
        self._next_hop: dict[tuple[str, str], str | None] = {}
        self._routes: list[tuple[IPv6Network, str]] = []
        # the routes as (network, mask, node) integers, and the owners found so far by
        # destination octets: every hop of every packet asks (see owner_of)
        self._int_routes: list[tuple[int, int, str]] = []
        self._owners: dict[bytes, str | None] = {}

    def add_node(self, name: str, prefixes: list[IPv6Network]) -> None:
        self.graph.add_node(name)
        for prefix in prefixes:
            self._routes.append((prefix, name))
        # longest prefix first, so the first match is the best one
        self._routes.sort(key=lambda r: -r[0].prefixlen)
        self._int_routes = [(int(p.network_address), int(p.netmask), n)
                            for p, n in self._routes]
        self._owners.clear()

    def add_link(self, link: Link) -> None:
        self.graph.add_edge(link.a, link.b, link=link, weight=link.delay_ms)
        self._next_hop.clear()

    def link(self, a: str, b: str) -> Link | None:
        data = self.graph.get_edge_data(a, b)
        return data["link"] if data else None

    def set_link(self, a: str, b: str, delay_ms: float | None = None,
                 loss: float | None = None) -> None:
        old = self.link(a, b)
        if old is None:
            raise KeyError(f"no link {a}-{b}")
        new = Link(old.a, old.b, old.delay_ms if delay_ms is None else delay_ms,
                   old.loss if loss is None else loss)
        self.add_link(new)

    def links(self) -> list[Link]:
        return [d["link"] for _, _, d in self.graph.edges(data=True)]

    def owner_of(self, address: IPv6Address | bytes) -> str | None:
        """The node a destination address (or its 16 octets) routes to (longest prefix
        match)."""
        key = address if isinstance(address, bytes) else address.packed
        try:
            return self._owners[key]
        except KeyError:
            pass
        value = int.from_bytes(key, "big")
        owner = next((name for network, mask, name in self._int_routes
                      if value & mask == network), None)
        if len(self._owners) >= _MAX_REMEMBERED:
            self._owners.clear()  # crafted packets may bring any number of addresses
        self._owners[key] = owner
        return owner

    def next_hop(self, here: str, target: str) -> str | None:
        key = (here, target)
        if key not in self._next_hop:
            try:
                path = nx.shortest_path(self.graph, here, target, weight="weight")
                self._next_hop[key] = path[1] if len(path) > 1 else None
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                self._next_hop[key] = None
        return self._next_hop[key]

    def hop_count(self, a: str, b: str) -> int:
        """Router hops between two nodes (for the MAP option's Dist, RFC 5380 s.5)."""
        try:
            return int(nx.shortest_path_length(self.graph, a, b))  # unweighted: an int
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return 0
