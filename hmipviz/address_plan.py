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


def overlapping_prefixes(
    prefixes: Sequence[tuple[IPv6Network, Hashable]]
) -> list[tuple[int, int]]:
    """(i, j) for prefixes that overlap a prefix of another owner: ``prefixes[i]``
    overlaps ``prefixes[j]``, ``j < i`` (the later one is named); each i at most once.

    Two CIDR prefixes overlap only when one contains the other, so after sorting by
    (first address, length) every prefix that contains the current one is still on a
    stack of open prefixes: O(n log n) instead of comparing every pair.
    """
    order = sorted(
        range(len(prefixes)),
        key=lambda i: (int(prefixes[i][0].network_address), prefixes[i][0].prefixlen, i),
    )
    open_: list[int] = []  # indexes of prefixes containing the current one, outermost first
    found: dict[int, int] = {}
    for i in order:
        network, owner = prefixes[i]
        start = int(network.network_address)
        while open_ and int(prefixes[open_[-1]][0].broadcast_address) < start:
            open_.pop()
        container = next((j for j in reversed(open_) if prefixes[j][1] != owner), None)
        if container is not None:
            later, earlier = max(i, container), min(i, container)
            found.setdefault(later, earlier)
        open_.append(i)
    return sorted(found.items())


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
