"""Checks across the tables of a scenario: references between nodes, addressing,
the MN's settings, links and connectivity, and times inside the run.

Each problem is reported with the line of the key it is about; all are collected."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from ipaddress import IPv6Address, IPv6Network

from hmipviz import convert as cv
from hmipviz.address_plan import care_of_clashes, overlapping_prefixes
from hmipviz.scenario.model import (
    ROLES,
    FlowSpec,
    InjectSpec,
    LinkSpec,
    MoveSpec,
    NodeActionSpec,
    NodeSpec,
)
from hmipviz.scenario.tables import _Read, _Report
from hmipviz.tomlpos import KeyPath

_ROLE_A = {
    "mn": "an MN",
    "ar": "an AR",
    "map": "a MAP",
    "ha": "an HA",
    "cn": "a CN",
    "router": "a router",
    "host": "a host",
}


def _ref(
    report: _Report,
    path: KeyPath,
    context: str,
    key: str,
    name: str,
    by_name: dict[str, NodeSpec],
    kind: str = "node",
    accept: Callable[[NodeSpec], bool] = lambda node: True,
) -> NodeSpec | None:
    """The node ``name`` refers to, if it exists and ``accept`` it; else report why not."""
    target = by_name.get(name)
    if target is None:
        candidates = [n for n, node in by_name.items() if accept(node)]
        report.add(
            path,
            f'{context}: {key} refers to unknown {kind} "{name}"'
            f"{cv.suggest(name, candidates)}",
        )
        return None
    if target.role not in ROLES:
        return None  # its bad role is reported already
    if not accept(target):
        what = _ROLE_A[target.role]
        if kind == "MAP" and target.role == "ar":
            what += " without a map_address"
        wanted = {"AR": "an AR", "HA": "an HA", "MN": "an MN"}.get(kind, "a " + kind)
        report.add(path, f'{context}: {key} refers to "{name}", which is {what}, not {wanted}')
        return None
    return target


def _check_names(report: _Report, read: _Read) -> dict[str, NodeSpec]:
    """Node names are unique; returns name -> the first node of that name."""
    by_name: dict[str, NodeSpec] = {}
    for node in read.nodes:
        first = by_name.setdefault(node.name, node)
        if first is not node:
            report.add(
                read.path(node, "name"),
                f'node "{node.name}": name already used by the node on line {first.line}',
            )
    return by_name


def _node_prefixes(node: NodeSpec) -> list[tuple[str, IPv6Network]]:
    """The prefixes a node owns: its link's, and for a flat AR the /64 of its MAP address."""
    found = [("prefix", node.prefix)] if node.prefix is not None else []
    if node.map_address is not None:
        found.append(("map_address", IPv6Network((node.map_address, 64), strict=False)))
    return found


def _node_addresses(node: NodeSpec) -> list[tuple[str, IPv6Address]]:
    keys = ("address", "map_address", "home_address")
    return [(key, getattr(node, key)) for key in keys if getattr(node, key) is not None]


def _check_node_addressing(report: _Report, read: _Read, node: NodeSpec) -> None:
    """One node's own addresses fit its prefix; AR and MAP prefixes are /64s."""
    context = f'node "{node.name}"'
    if node.address is not None and node.prefix is not None and node.address not in node.prefix:
        report.add(
            read.path(node, "address"),
            f"{context}: address {node.address} is not inside its prefix {node.prefix}",
        )
    if node.role in ("ar", "map") and node.prefix is not None and node.prefix.prefixlen != 64:
        report.add(
            read.path(node, "prefix"),
            f"{context}: prefix {node.prefix} must be a /64: "
            "the MN forms its care-of addresses from it and its 64-bit interface id",
        )
    if node.role == "ar":
        _check_ar_map_function(report, read, node)


def _check_ar_map_function(report: _Report, read: _Read, node: NodeSpec) -> None:
    """MAP keys on an AR need its map_address, whose /64 must differ from the AR's prefix."""
    context = f'node "{node.name}"'
    if node.map_address is None:
        for key in ("valid_onlink_prefixes", "max_lifetime_s"):
            if getattr(node, key) is not None:
                report.add(
                    read.path(node, key),
                    f"{context}: {key} applies only to an AR with a map_address "
                    "(the MAP function of a flat architecture, RFC 5380 s.9.2)",
                )
    if node.map_address is not None and node.prefix is not None and node.map_address in node.prefix:
        report.add(
            read.path(node, "map_address"),
            f"{context}: map_address {node.map_address} must lie outside the AR's prefix "
            f"{node.prefix}, or the RCoA would equal the LCoA",
        )


def _check_addresses(report: _Report, read: _Read) -> None:
    """No address is used twice and no two prefixes overlap, so routing is unambiguous."""
    owners: dict[IPv6Address, NodeSpec] = {}
    prefixes: list[tuple[IPv6Network, int]] = []  # (prefix, owner's index) for overlaps
    keyed: list[tuple[NodeSpec, str]] = []
    for index, node in enumerate(read.nodes):
        _check_node_addressing(report, read, node)
        context = f'node "{node.name}"'
        for key, address in _node_addresses(node):
            owner = owners.setdefault(address, node)
            if owner is not node:
                report.add(
                    read.path(node, key),
                    f'{context}: {key} {address} is already used by node "{owner.name}"',
                )
        for key, prefix in _node_prefixes(node):
            prefixes.append((prefix, index))
            keyed.append((node, key))
    for i, j in overlapping_prefixes(prefixes):
        (node, key), other = keyed[i], keyed[j][0]
        what = "prefix" if key == "prefix" else f"the /64 of {key}"
        report.add(
            read.path(node, key),
            f'node "{node.name}": {what} {prefixes[i][0]} overlaps prefix {prefixes[j][0]} '
            f'of node "{other.name}"',
        )
    _check_care_of_addresses(report, read)


def _check_care_of_addresses(report: _Report, read: _Read) -> None:
    """The MN's interface id must not form an LCoA or RCoA that a node already has."""
    owners = {a: (n.name, k) for n in read.nodes for k, a in _node_addresses(n) if n.role != "mn"}
    ars = [(n.name, n.prefix) for n in read.nodes if n.role == "ar" and n.prefix is not None]
    maps = [
        (n.name, address)
        for n in read.nodes
        if n.is_map and (address := n.map_address or n.address) is not None
    ]
    for mn in (n for n in read.nodes if n.role == "mn"):
        path = read.path(mn, "interface_id")
        if (id(mn), "interface_id") in read.unusable or not mn.interface_id:
            continue  # reported already, or no home address to take it from (reported)
        given = "" if report.has(path) else " (taken from home_address)"
        for clash in care_of_clashes(mn.interface_id, ars, maps, owners):
            report.add(
                path,
                f'node "{mn.name}": interface_id {IPv6Address(mn.interface_id)}{given} makes the '
                f"{clash.kind} on {clash.via} {clash.address}, which is the {clash.owner_key} "
                f'of node "{clash.owner}"; choose another interface_id (DAD would fail, '
                "RFC 4862 s.5.4)",
            )


def _check_mn(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> None:
    """At least one MN; each one's home agent is an HA holding its home address; it
    attaches to an AR. A group's MNs are checked once, as their group (mns.py)."""
    mns = [node for node in read.nodes if node.role == "mn"]
    if not mns and not read.mn_group_tables:  # a broken group is reported already
        report.add((), 'no node has role "mn" and no [[mn_group]]: a scenario needs at '
                   "least one MN")
    for mn in mns:
        if mn.group:
            continue
        context = f'node "{mn.name}"'
        if mn.home_agent is not None:
            path = read.path(mn, "home_agent")
            ha = _ref(
                report,
                path,
                context,
                "home_agent",
                mn.home_agent,
                by_name,
                "HA",
                lambda n: n.role == "ha",
            )
            if (
                ha is not None
                and ha.prefix is not None
                and mn.home_address is not None
                and mn.home_address not in ha.prefix
            ):
                report.add(
                    read.path(mn, "home_address"),
                    f"{context}: home_address {mn.home_address} is not inside "
                    f"the prefix {ha.prefix} "
                    f'of its home agent "{ha.name}"',
                )
        if mn.attach is not None:
            path = read.path(mn, "attach")
            _ref(
                report, path, context, "attach", mn.attach, by_name, "AR", lambda n: n.role == "ar"
            )
        _check_extra_maps(report, read, by_name, mn)


def _check_extra_maps(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], mn: NodeSpec
) -> None:
    """Each extra MAP is a MAP, listed once, that some AR advertises (RFC 5380 s.7.1)."""
    context = f'node "{mn.name}"'
    advertised = {o.map for node in read.nodes for o in node.map_options}
    seen: set[str] = set()
    for i, name in enumerate(mn.extra_maps):
        path = read.path(mn, "extra_maps") + (i,)
        if name in seen:
            report.add(path, f'{context}: extra_maps lists MAP "{name}" twice')
            continue
        seen.add(name)
        target = _ref(
            report, path, context, "extra_maps", name, by_name, "MAP", lambda n: n.is_map
        )
        if target is not None and name not in advertised:
            report.add(
                path,
                f'{context}: extra_maps names MAP "{name}", which no AR advertises in its '
                "map_options, so the MN could never register with it",
            )


def _check_map_options(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> None:
    """Each MAP option names a MAP: a role "map" node or an AR with a map_address (s.9.2)."""
    for node in read.nodes:
        seen: set[str] = set()
        context = f'node "{node.name}"'
        for option in node.map_options:
            path = read.path(option, "map")
            if option.map in seen:
                report.add(path, f'{context}: map_options lists MAP "{option.map}" twice')
            seen.add(option.map)
            _ref(
                report, path, context, "map_options", option.map, by_name, "MAP", lambda n: n.is_map
            )


def _check_links(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> bool:
    """Links join two different, existing, fixed nodes, once; True if all ends exist."""
    ends_ok = True
    seen: dict[frozenset[str], LinkSpec] = {}
    for link in read.links:
        context = f'link "{link.a}"-"{link.b}"'
        for key, end in (("a", link.a), ("b", link.b)):
            target = _ref(report, read.path(link, key), context, key, end, by_name)
            ends_ok = ends_ok and end in by_name
            if target is not None and target.role == "mn":
                report.add(
                    read.path(link, key),
                    f'{context}: the MN "{end}" has no links; '
                    "it attaches to an AR with attach and [[move]]",
                )
        if link.a == link.b:
            report.add(read.path(link), f"{context}: a link needs two different nodes")
            continue
        first = seen.setdefault(frozenset((link.a, link.b)), link)
        if first is not link:
            report.add(read.path(link), f"{context}: duplicate of the link on line {first.line}")
    return ends_ok


def _components(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    """The connected parts of a small graph (edges to unknown nodes ignored). A
    breadth-first walk rather than networkx: importing networkx costs the window about
    150 ms of start-up, and opening a scenario needs only this (issue 13)."""
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        if a in neighbours and b in neighbours:
            neighbours[a].add(b)
            neighbours[b].add(a)
    parts: list[set[str]] = []
    seen: set[str] = set()
    for start in neighbours:
        if start in seen:
            continue
        part = {start}
        queue = deque([start])
        while queue:
            for there in neighbours[queue.popleft()] - part:
                part.add(there)
                queue.append(there)
        seen |= part
        parts.append(part)
    return parts


def _check_connected(report: _Report, read: _Read) -> None:
    """Every fixed node can reach every other (the MN aside, which joins by radio)."""
    fixed = [node for node in read.nodes if node.role != "mn"]
    order = {node.name: i for i, node in reversed(list(enumerate(fixed)))}
    parts = sorted(_components(order, [(link.a, link.b) for link in read.links]),
                   key=lambda part: min(order[n] for n in part))
    if len(parts) < 2:
        return
    anchor = min(parts[0], key=order.__getitem__)
    for part in parts[1:]:
        names = sorted(part, key=order.__getitem__)
        listed = ", ".join(f'"{n}"' for n in names)
        verb = "is" if len(names) == 1 else "are"
        report.add(
            read.path(fixed[order[names[0]]]),
            f'node "{names[0]}": no path to node "{anchor}": {listed} {verb} cut off from the '
            "rest of the network (add a [[link]])",
        )


def _check_time(
    report: _Report, path: KeyPath, context: str, key: str, t: float | None, duration: float | None
) -> None:
    if t is not None and duration is not None and t > duration:
        report.add(
            path + (key,),
            f"{context}: {key} {cv.fmt(t)} is after the end of the scenario "
            f"(duration_s = {cv.fmt(duration)})",
        )


def _check_moves(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """Moves go to an AR (or "none"), inside the run, one at a time."""
    times: dict[tuple[str | None, float], MoveSpec] = {}
    for move in read.moves:
        context = f"move at {cv.fmt(move.at_s)} s"
        _check_time(report, read.path(move), context, "at_s", move.at_s, duration)
        if move.to is not None:
            _ref(
                report,
                read.path(move, "to"),
                context,
                "to",
                move.to,
                by_name,
                "AR",
                lambda n: n.role == "ar",
            )
        first = times.setdefault((move.mn, move.at_s), move)
        if first is not move:
            report.add(
                read.path(move, "at_s"),
                f"{context}: another move of the same MN is at the same time "
                f"(line {first.line})",
            )


def _check_actions(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """``[[fail]]``, ``[[restore]]`` and ``[[inject]]`` name existing nodes, inside the run."""
    actions: list[tuple[str, NodeActionSpec | InjectSpec, str, str]]
    actions = [("fail", a, "node", a.node) for a in read.fails]
    actions += [("restore", a, "node", a.node) for a in read.restores]
    actions += [("inject", a, "from", a.source) for a in read.injects]
    for what, action, key, name in actions:
        context = f"{what} at {cv.fmt(action.at_s)} s"
        _check_time(report, read.path(action), context, "at_s", action.at_s, duration)
        _ref(report, read.path(action, key), context, key, name, by_name)


def _check_flows(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """A flow runs between the MN and a CN or host, inside the run."""
    chosen: dict[str, FlowSpec] = {}  # correspondent -> the first flow naming a map
    for flow in read.flows:
        if flow.group:
            continue  # checked once, as its group's template (mns.check_groups)
        context = f'flow "{flow.source}" -> "{flow.destination}"'
        source = _ref(report, read.path(flow, "from"), context, "from", flow.source, by_name)
        destination = _ref(report, read.path(flow, "to"), context, "to", flow.destination, by_name)
        if source is not None and destination is not None:
            roles = (source.role, destination.role)
            if roles not in (("mn", "cn"), ("mn", "host"), ("cn", "mn"), ("host", "mn")):
                report.add(
                    read.path(flow),
                    f"{context}: one end must be the MN and the other a CN or host, "
                    f"not {_ROLE_A[roles[0]]} and {_ROLE_A[roles[1]]}",
                )
            elif flow.use_rcoa and source.role != "mn":
                report.add(
                    read.path(flow, "use_rcoa"),
                    f"{context}: use_rcoa is for flows from the MN (RFC 5380 s.6.5)",
                )
            elif flow.map is not None:
                peer = destination if source.role == "mn" else source
                mn = source if source.role == "mn" else destination
                _check_flow_map(report, read, by_name, flow, context, mn, peer, chosen)
        _check_time(report, read.path(flow), context, "start_s", flow.start_s, duration)
        _check_time(report, read.path(flow), context, "stop_s", flow.stop_s, duration)
        if flow.stop_s is not None and flow.stop_s <= flow.start_s:
            report.add(
                read.path(flow, "stop_s"),
                f"{context}: stop_s {cv.fmt(flow.stop_s)} must be after "
                f"start_s {cv.fmt(flow.start_s)}",
            )


def _check_flow_map(
    report: _Report,
    read: _Read,
    by_name: dict[str, NodeSpec],
    flow: FlowSpec,
    context: str,
    mn: NodeSpec,
    peer: NodeSpec,
    chosen: dict[str, FlowSpec],
) -> None:
    """``map``: one of the MN's extra_maps, with something that uses an RCoA, and one
    MAP per correspondent (RFC 5380 s.7.1)."""
    assert flow.map is not None
    path = read.path(flow, "map")
    target = _ref(report, path, context, "map", flow.map, by_name, "MAP", lambda n: n.is_map)
    if target is None:
        return
    if (id(mn), "extra_maps") in read.unusable:
        return  # the MN's extra_maps is reported already
    if flow.map not in mn.extra_maps:
        listed = ", ".join(f'"{m}"' for m in mn.extra_maps) or "none"
        report.add(
            path,
            f'{context}: map "{flow.map}" is not one of the MN\'s extra_maps ({listed}); '
            "a flow without map uses the MAP the MN selects (RFC 5380 s.9.1)",
        )
        return
    if not flow.use_rcoa and not (peer.role == "cn" and mn.route_optimization):
        report.add(
            path,
            f"{context}: map needs use_rcoa = true, or a CN and route_optimization = true "
            "on the MN: other packets go through the HA, registered with the selected "
            "MAP's RCoA (RFC 5380 s.6.1)",
        )
        return
    first = chosen.setdefault(peer.name, flow)
    if first.map != flow.map:
        report.add(
            path,
            f'{context}: map "{flow.map}" differs from map "{first.map}" of the flow on '
            f'line {first.line} with "{peer.name}"; the MN uses one MAP\'s RCoA per '
            "correspondent (RFC 5380 s.7.1)",
        )


def _cross_check(report: _Report, read: _Read) -> None:
    by_name = _check_names(report, read)
    _check_addresses(report, read)
    _check_mn(report, read, by_name)
    _check_map_options(report, read, by_name)
    if _check_links(report, read, by_name):
        _check_connected(report, read)
    duration = read.duration_s
    _check_moves(report, read, by_name, duration)
    _check_actions(report, read, by_name, duration)
    _check_flows(report, read, by_name, duration)
