"""What the scenario editor proposes for a new node or a new line between two nodes.

Names follow the built-ins (HA, CN, R, MAP1, AR1, MN, H1, then numbered), and addresses
their address plan inside the documentation prefix 2001:db8::/32 (RFC 3849): the home
link 2001:db8:1::/64, CNs from 2001:db8:50::/64, hosts from 2001:db8:60::/64, routers
from 2001:db8:ff::/64 downwards, MAPs from 2001:db8:100::/64, AR *n* on
2001:db8:(n+1)::/64; each node's address is ``::1`` of its /64, and an MN's home
address is ``::a`` (then ``::b``...) of its home agent's prefix. A proposal never
overlaps a prefix the document already has. The teacher can change all of it.
"""

from __future__ import annotations

import contextlib
import math
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from hmipviz.scenario.edit import (
    AddFlow,
    AddLink,
    AddNode,
    Edit,
    SetNodeKey,
    Value,
    number,
    read,
    tables,
)

DOCUMENTATION_PREFIX = IPv6Network("2001:db8::/32")
_NAME_STEM = {"ha": "HA", "cn": "CN", "router": "R", "map": "MAP", "ar": "AR", "mn": "MN",
              "host": "H"}
_NUMBERED_FROM_ONE = ("map", "ar", "host")  # MAP1, AR1, H1; the others: HA, HA2...
# the third group of 2001:db8:X::/64 each role starts from, and the step
_SUBNET_START = {"ha": (0x1, 1), "cn": (0x50, 1), "host": (0x60, 1), "router": (0xFF, -1),
                 "map": (0x100, 1), "ar": (0x2, 1)}


def _names(doc: Any) -> set[str]:
    found = {t.get("name") for t in tables(doc, "node")}
    for group in tables(doc, "mn_group"):
        name, count = group.get("name"), group.get("count")
        if isinstance(name, str) and isinstance(count, int):
            found.update(f"{name}{k}" for k in range(1, min(count, 10_000) + 1))
    return {n for n in found if isinstance(n, str)}


def propose_name(doc: Any, role: str) -> str:
    stem = _NAME_STEM.get(role, role.upper())
    taken = _names(doc)
    first = 1 if role in _NUMBERED_FROM_ONE else 0
    for k in range(first, 10_000):
        name = f"{stem}{k}" if k else stem
        if k == 1 and role not in _NUMBERED_FROM_ONE:
            continue  # HA, then HA2
        if name not in taken:
            return name
    raise ValueError(f"no free name for role {role}")


def _parse_network(value: Any, whole_64: bool = False) -> IPv6Network | None:
    if not isinstance(value, str):
        return None
    try:
        if whole_64:
            return IPv6Network(f"{IPv6Address(value)}/64", strict=False)
        return IPv6Network(value, strict=False)
    except ValueError:
        return None


def used_prefixes(doc: Any) -> list[IPv6Network]:
    """Every prefix the document holds: nodes' prefixes, /64s of MAP addresses, groups'
    home prefixes (unparsable values are the validator's business)."""
    found = []
    for table in tables(doc, "node"):
        found.append(_parse_network(table.get("prefix")))
        found.append(_parse_network(table.get("map_address"), whole_64=True))
    for group in tables(doc, "mn_group"):
        found.append(_parse_network(group.get("home_prefix")))
    return [p for p in found if p is not None]


def propose_prefix(doc: Any, role: str) -> IPv6Network:
    """A free /64 of 2001:db8::/32 in the role's part of the address plan."""
    start, step = _SUBNET_START.get(role, (0x200, 1))
    used = used_prefixes(doc)
    if role == "ar":  # AR n on 2001:db8:(n+1)::/64, as the built-ins
        start = 1 + sum(1 for t in tables(doc, "node") if t.get("role") == "ar") + 1
    k = start
    for _ in range(0x10000):
        candidate = IPv6Network((int(DOCUMENTATION_PREFIX.network_address) | (k << 80), 64))
        if candidate.subnet_of(DOCUMENTATION_PREFIX) and not any(
            candidate.overlaps(p) for p in used
        ):
            return candidate
        k = (k + step) % 0x10000
    raise ValueError("2001:db8::/32 is full")


def _home_address(doc: Any, ha: Any) -> str | None:
    prefix = _parse_network(ha.get("prefix")) if ha is not None else None
    if prefix is None:
        return None
    taken: set[int] = set()
    for table in tables(doc, "node"):
        if table.get("role") == "mn":
            address = table.get("home_address")
            with contextlib.suppress(ValueError, TypeError):
                taken.add(int(IPv6Address(address)) & (2**64 - 1))
            iid = table.get("interface_id")
            if isinstance(iid, str):
                with contextlib.suppress(ValueError):
                    taken.add(int(IPv6Address(iid)) & (2**64 - 1))
    iid = 0xA
    while iid in taken:
        iid += 1
    return str(IPv6Address(int(prefix.network_address) | iid))


def _distance(table: Any, position: tuple[float, float]) -> float:
    p = table.get("position")
    if not isinstance(p, (list, tuple)) or len(p) != 2:
        return math.inf
    try:
        return math.hypot(float(p[0]) - position[0], float(p[1]) - position[1])
    except (TypeError, ValueError):
        return math.inf


def covering_ar(doc: Any, position: tuple[float, float]) -> str | None:
    """The nearest AR whose cell covers ``position`` (a new MN attaches to it)."""
    best: tuple[float, str] | None = None
    for table in tables(doc, "node"):
        if table.get("role") != "ar":
            continue
        radius = table.get("radius", 120)
        d = _distance(table, position)
        if isinstance(radius, (int, float)) and d <= radius and (best is None or d < best[0]):
            best = (d, str(table.get("name")))
    return best[1] if best else None


def propose_node(text: str, role: str, position: tuple[float, float]) -> AddNode:
    """A new node of ``role`` at ``position``, with a name and addresses of its own."""
    doc = read(text)
    name = propose_name(doc, role)
    values: list[tuple[str, Value]] = []
    if role == "mn":
        ha = next((t for t in tables(doc, "node") if t.get("role") == "ha"), None)
        if ha is not None:
            values.append(("home_agent", str(ha.get("name"))))
            home = _home_address(doc, ha)
            if home is not None:
                values.append(("home_address", home))
        ar = covering_ar(doc, position)
        if ar is not None:
            values.append(("attach", ar))
    else:
        prefix = propose_prefix(doc, role)
        values += [("address", str(prefix.network_address + 1)), ("prefix", str(prefix))]
    return AddNode(name, role, (number(position[0]), number(position[1])), tuple(values))


def _roles(doc: Any) -> dict[str, str]:
    return {str(t.get("name")): str(t.get("role")) for t in tables(doc, "node")}


def propose_connection(text: str, a: str, b: str) -> Edit | None:
    """What a line dragged from ``a`` to ``b`` means: an MN dragged to an AR attaches
    there, an MN and a CN or host get an echo flow (from where the drag started), any
    other pair a link (2 ms next to an AR, else 10 ms). None: nothing to do (the same
    node, or a link that is already there)."""
    if a == b:
        return None
    doc = read(text)
    roles = _roles(doc)
    ra, rb = roles.get(a), roles.get(b)
    if "mn" in (ra, rb):
        mn, other = (a, b) if ra == "mn" else (b, a)
        if roles.get(other) == "ar":
            return SetNodeKey(mn, "attach", other)
        if roles.get(other) in ("cn", "host"):
            return AddFlow(a, b)
    for link in tables(doc, "link"):
        if {link.get("a"), link.get("b")} == {a, b}:
            return None
    return AddLink(a, b, 2.0 if "ar" in (ra, rb) else 10.0)


__all__ = ["DOCUMENTATION_PREFIX", "covering_ar", "propose_connection", "propose_name",
           "propose_node", "propose_prefix", "used_prefixes"]
