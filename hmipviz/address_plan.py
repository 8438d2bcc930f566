"""Checks of a scenario's address plan that must stay fast on large files.

Pure functions over addresses and prefixes; the scenario loader turns what they find
into messages with file, line and key. Care-of addresses are formed with the engine's
own helpers (:mod:`hmipviz.engine.addresses`), so the check sees what the MN will use.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from hmipviz.engine.addresses import address_in, prefix64

# The two earliest entries of a set of prefixes with different owners: the earliest, and
# the earliest whose owner differs from its owner. Enough to name, for any owner, the
# earliest entry of another owner; merging two such summaries gives the summary of the
# union, so the containment forest can be summed up in one pass.
_Summary = tuple[tuple[int, Hashable], ...]


def _merge(a: _Summary, b: _Summary) -> _Summary:
    ordered = sorted(a + b)
    if not ordered:
        return ()
    first = ordered[0]
    other = next((e for e in ordered if e[1] != first[1]), None)
    return (first,) if other is None else (first, other)


def _earliest_other(summary: _Summary, owner: Hashable) -> int | None:
    return next((index for index, o in summary if o != owner), None)


def overlapping_prefixes(
    prefixes: Sequence[tuple[IPv6Network, Hashable]]
) -> list[tuple[int, int]]:
    """(i, j) for each prefix ``i`` that overlaps an earlier prefix ``j`` of another
    owner, ``j`` the earliest such one: what comparing every pair would report.

    Two CIDR prefixes overlap only when one contains the other, so the distinct prefixes
    form a containment forest (at most 129 deep). Sorted by (first address, length), a
    stack walks it in one pass and sums up every subtree; each prefix then reads the
    earliest entries among its ancestors, its own group and its subtree. O(n log n).
    """
    groups: dict[IPv6Network, list[int]] = {}
    for i, (network, _) in enumerate(prefixes):
        groups.setdefault(network, []).append(i)
    nets = sorted(groups, key=lambda n: (int(n.network_address), n.prefixlen))
    own: list[_Summary] = []
    for network in nets:
        summary: _Summary = ()
        for i in groups[network]:
            summary = _merge(summary, ((i, prefixes[i][1]),))
        own.append(summary)
    above: list[_Summary] = [()] * len(nets)  # summary of the strict ancestors
    subtree = list(own)  # summary of the prefix and everything inside it
    stack: list[int] = []

    def close() -> None:
        done = stack.pop()
        if stack:
            subtree[stack[-1]] = _merge(subtree[stack[-1]], subtree[done])

    for g, network in enumerate(nets):
        start = int(network.network_address)
        while stack and int(nets[stack[-1]].broadcast_address) < start:
            close()
        if stack:
            above[g] = _merge(above[stack[-1]], own[stack[-1]])
        stack.append(g)
    while stack:
        close()
    found = []
    for g, network in enumerate(nets):
        overlapping = _merge(above[g], subtree[g])
        for i in groups[network]:
            j = _earliest_other(overlapping, prefixes[i][1])
            if j is not None and j < i:
                found.append((i, j))
    return sorted(found)


@dataclass(frozen=True)
class Clash:
    """A care-of address the MN would form that some node already owns."""

    kind: str  # "LCoA" or "RCoA"
    via: str  # the AR (LCoA) or MAP (RCoA) whose prefix forms it
    address: IPv6Address
    owner: str  # node that has the address
    owner_key: str  # its key holding it: address, map_address, home_address


def care_of_clashes(
    interface_id: int,
    ars: Iterable[tuple[str, IPv6Network]],
    maps: Iterable[tuple[str, IPv6Address]],
    owners: dict[IPv6Address, tuple[str, str]],
) -> list[Clash]:
    """LCoAs (AR prefix + interface id, RFC 5380 s.6.1) and RCoAs (the /64 of a MAP's
    address + interface id, s.6) that equal an address in ``owners``: the MN would
    take a router's address, and the MAP would bind its own (no DAD is modelled)."""
    found = []
    for kind, formed in (
        ("LCoA", ((name, address_in(prefix, interface_id)) for name, prefix in ars)),
        ("RCoA", ((name, address_in(prefix64(a), interface_id)) for name, a in maps)),
    ):
        for via, address in formed:
            if address in owners:
                owner, key = owners[address]
                found.append(Clash(kind, via, address, owner, key))
    return found
