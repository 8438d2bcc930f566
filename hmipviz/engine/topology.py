"""The network graph: nodes, links with delay and loss, routes (networkx) and hop counts.

The links are kept in plain dictionaries; networkx, which costs about 150 ms to import,
is imported only when two routes are equally short and it has to choose between them
as it always did (:mod:`hmipviz.engine.routes`): the window's first frame needs routes
(issue 13).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv6Address, IPv6Network
from typing import TYPE_CHECKING

from .routes import AMBIGUOUS, unique_shortest_path

if TYPE_CHECKING:
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
        # node -> neighbour -> (link, route weight)
        self._adjacent: dict[str, dict[str, tuple[Link, float]]] = {}
        self._graph: nx.Graph[str] | None = None  # for routing, built when first asked
        self._next_hop: dict[tuple[str, str], str | None] = {}
        self._routes: list[tuple[IPv6Network, str]] = []
        # the routes as (network, mask, node) integers, and the owners found so far by
        # destination octets: every hop of every packet asks (see owner_of)
        self._int_routes: list[tuple[int, int, str]] = []
        self._owners: dict[bytes, str | None] = {}

    def add_node(self, name: str, prefixes: list[IPv6Network]) -> None:
        self._adjacent.setdefault(name, {})
        self._graph = None
        for prefix in prefixes:
            self._routes.append((prefix, name))
        # longest prefix first, so the first match is the best one
        self._routes.sort(key=lambda r: -r[0].prefixlen)
        self._int_routes = [(int(p.network_address), int(p.netmask), n)
                            for p, n in self._routes]
        self._owners.clear()

    def add_link(self, link: Link) -> None:
        entry = (link, link.delay_ms)
        self._adjacent.setdefault(link.a, {})[link.b] = entry
        self._adjacent.setdefault(link.b, {})[link.a] = entry
        self._graph = None
        self._next_hop.clear()

    def add_access_link(self, link: Link, weight: float) -> None:
        """The MN's radio link to its AR (``link.b`` the MN): weighed ``weight`` so no
        route passes through an MN; the routes found so far stay (a move is frequent)."""
        entry = (link, weight)
        self._adjacent.setdefault(link.a, {})[link.b] = entry
        self._adjacent.setdefault(link.b, {})[link.a] = entry
        if self._graph is not None:
            self._graph.add_edge(link.a, link.b, weight=weight)

    def remove_access_link(self, a: str, b: str) -> None:
        del self._adjacent[a][b]
        del self._adjacent[b][a]
        if self._graph is not None:
            self._graph.remove_edge(a, b)

    def link(self, a: str, b: str) -> Link | None:
        neighbours = self._adjacent.get(a)
        entry = neighbours.get(b) if neighbours is not None else None
        return entry[0] if entry else None

    def set_link(self, a: str, b: str, delay_ms: float | None = None,
                 loss: float | None = None) -> None:
        old = self.link(a, b)
        if old is None:
            raise KeyError(f"no link {a}-{b}")
        new = Link(old.a, old.b, old.delay_ms if delay_ms is None else delay_ms,
                   old.loss if loss is None else loss)
        self.add_link(new)

    def links(self) -> list[Link]:
        seen: set[int] = set()
        out = []
        for neighbours in self._adjacent.values():
            for link, _weight in neighbours.values():
                if id(link) not in seen:
                    seen.add(id(link))
                    out.append(link)
        return out

    def _routing_graph(self) -> nx.Graph[str]:
        if self._graph is None:
            import networkx as nx
            graph: nx.Graph[str] = nx.Graph()
            graph.add_nodes_from(self._adjacent)
            for a, neighbours in self._adjacent.items():
                for b, (_link, weight) in neighbours.items():
                    graph.add_edge(a, b, weight=weight)
            self._graph = graph
        return self._graph

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
        try:
            return self._next_hop[key]  # found before: every hop but the first asks this
        except KeyError:
            pass
        path = unique_shortest_path(self._weighted_neighbours, self._adjacent, here, target)
        if path is AMBIGUOUS:  # networkx chooses among equal paths, as it always did
            import networkx as nx
            try:
                path = nx.shortest_path(self._routing_graph(), here, target, weight="weight")
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                path = ()
        nxt = path[1] if len(path) > 1 else None
        self._next_hop[key] = nxt
        return nxt

    def _weighted_neighbours(self, node: str) -> list[tuple[str, float]]:
        return [(there, weight) for there, (_link, weight) in self._adjacent[node].items()]

    def hop_count(self, a: str, b: str) -> int:
        """Router hops between two nodes (for the MAP option's Dist, RFC 5380 s.5); 0
        when one is unknown or unreachable. A breadth-first walk: the network is built
        before the first route is needed, and networkx is not imported for this."""
        if a not in self._adjacent or b not in self._adjacent:
            return 0
        hops = {a: 0}
        queue = deque([a])
        while queue:
            here = queue.popleft()
            if here == b:
                return hops[here]
            for there in self._adjacent[here]:
                if there not in hops:
                    hops[there] = hops[here] + 1
                    queue.append(there)
        return 0
