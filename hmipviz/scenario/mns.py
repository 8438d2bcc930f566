"""Several MNs in a scenario file: ``[[mn_group]]``, ``mobility = {...}`` and ``mn`` keys.

A ``[[mn_group]]`` is read into ordinary MN ``NodeSpec``s (and a ``FlowSpec`` each when
it has a flow template), marked with the group's name so the writer puts the group
back instead of its members; every later check then treats them as any MN, and names
the group's line. Mobility models are documented in ``hmipviz/mobility.py`` and
docs/scenarios.md; positions and radii are in metres.
"""

from __future__ import annotations

from ipaddress import IPv6Address
from typing import Any

from hmipviz.convert import Convert
from hmipviz.convert import boolean as _boolean
from hmipviz.convert import choice as _choice
from hmipviz.convert import fmt as _fmt
from hmipviz.convert import integer as _integer
from hmipviz.convert import number as _number
from hmipviz.convert import text as _text
from hmipviz.mobility import MODELS, MobilitySpec
from hmipviz.scenario import limits
from hmipviz.scenario.checks import _check_time, _ref
from hmipviz.scenario.model import FLOW_KINDS, FlowSpec, GroupFlowSpec, MnGroupSpec, NodeSpec
from hmipviz.scenario.tables import _Read, _Report, _Table
from hmipviz.scenario.values import (
    _U64_MAX,
    _area,
    _interface_id,
    _node_name,
    _points,
    _prefix,
    _span,
)
from hmipviz.tomlpos import KeyPath

#: the most MNs one group generates (the benchmarks go to 1000)
MAX_GROUP_COUNT = 10_000

# The keys of each table, with their converters: the reader uses them, and
# hmipviz.scenario.schema writes the JSON Schema from them.
MODEL_CONVERT: dict[str, dict[str, Convert]] = {
    "still": {},
    "waypoints": {"points": _points(), "speed_mps": _number(0, above=True), "loop": _boolean},
    "random_waypoint": {"area": _area(), "speed_mps": _span("speed_mps", positive=True),
                        "pause_s": _span("pause_s", positive=False)},
}
_MODEL_KEYS = {model: tuple(keys) for model, keys in MODEL_CONVERT.items()}
MODEL_REQUIRED = {"waypoints": ("points", "speed_mps"),
                  "random_waypoint": ("area", "speed_mps")}
GROUP_CONVERT: dict[str, Convert] = {
    "name": _node_name, "count": _integer(1, MAX_GROUP_COUNT), "home_agent": _text,
    "home_prefix": _prefix, "interface_id": _interface_id, "attach": _text,
    "route_optimization": _boolean,
}
GROUP_REQUIRED = ("name", "count", "home_agent", "home_prefix")
GROUP_KEYS = ("name", "count", "home_agent", "home_prefix", "interface_id", "attach",
              "mobility", "flow", "route_optimization")
FLOW_TEMPLATE_CONVERT: dict[str, Convert] = {
    "kind": _choice(FLOW_KINDS), "interval_ms": _number(limits.MIN_FLOW_INTERVAL_MS),
    "to": _text, "from": _text, "start_s": _number(0), "stop_s": _number(0),
}
FLOW_TEMPLATE_KEYS = tuple(FLOW_TEMPLATE_CONVERT)


# --- reading ----------------------------------------------------------------------------


def read_mobility(table: _Table, key: str = "mobility") -> MobilitySpec | None:
    """``mobility = { model = ..., ... }`` of a node or group table; problems reported."""
    raw = table.raw.get(key)
    if raw is None:
        return None
    path = table.path + (key,)
    if not isinstance(raw, dict):
        table.problem(key, f'{key} must be a table, e.g. {{ model = "random_waypoint", ... }}')
        table.bad.add(key)
        return None
    sub = _Table(table.report, raw, path, f"{table.context}: {key}")
    model = sub.get("model", _choice(MODELS), required=True)
    if model is None:
        sub.check_keys(("model",) + tuple(k for keys in _MODEL_KEYS.values() for k in keys))
        table.bad.add(key)
        return None
    allowed = ("model",) + _MODEL_KEYS[model]
    others = {k for keys in _MODEL_KEYS.values() for k in keys}
    sub.check_keys(allowed, others, f'model "{model}"')
    for name in MODEL_REQUIRED.get(model, ()):
        if name not in raw:
            sub.problem(None, f'model "{model}" needs "{name}"')
            sub.bad.add(name)
    values: dict[str, Any] = {name: sub.get(name, convert)
                              for name, convert in MODEL_CONVERT[model].items()}
    if model == "waypoints" and values["speed_mps"] is not None:
        values["speed_mps"] = (values["speed_mps"],) * 2
    if sub.bad:
        table.bad.add(key)
        return None
    return MobilitySpec(model, line=table.report.line(path),
                        **{k: v for k, v in values.items() if v is not None})


def read_mn_group(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    """One ``[[mn_group]]``: validated, then expanded into its members."""
    read.mn_group_tables += 1
    raw_name = raw.get("name")
    context = (f'mn_group "{raw_name}"' if isinstance(raw_name, str) and raw_name.strip()
               else f"mn_group #{int(path[1]) + 1}")
    table = _Table(report, raw, path, context)
    table.check_keys(GROUP_KEYS)
    got = {key: table.get(key, convert, required=key in GROUP_REQUIRED)
           for key, convert in GROUP_CONVERT.items()}
    name, count, home_agent, home_prefix = (got[key] for key in GROUP_REQUIRED)
    iid, attach, ro = got["interface_id"], got["attach"], got["route_optimization"]
    mobility = read_mobility(table)
    flow = _read_flow_template(report, table)
    if None in (name, count, home_agent, home_prefix) or table.bad:
        return
    group = MnGroupSpec(name, count, home_agent, home_prefix, iid or 1, attach, mobility,
                        flow, bool(ro), line=report.line(path))
    last = group.interface_id + count - 1
    host_bits = home_prefix.max_prefixlen - home_prefix.prefixlen
    if last > _U64_MAX or last >= 2 ** min(host_bits, 64):
        table.problem("count", f"count {count} from interface_id "
                      f"{IPv6Address(group.interface_id)} runs out of the 64-bit interface "
                      f"ids of home_prefix {home_prefix}")
        return
    read.mn_groups.append(group)
    read.where[id(group)] = path
    for k, member in enumerate(group.member_names(), start=1):
        node = NodeSpec(member, "mn", home_agent=home_agent,
                        home_address=group.member_address(k),
                        interface_id=group.interface_id + k - 1, attach=attach,
                        route_optimization=group.route_optimization, mobility=mobility,
                        group=name, line=group.line)
        read.keep(read.nodes, node, path)
        if flow is not None:
            ends = (member, flow.peer) if flow.to_peer else (flow.peer, member)
            spec = FlowSpec(*ends, flow.kind, group.flow_start_s(k), flow.interval_ms,
                            flow.stop_s, group=name, line=group.line)
            read.keep(read.flows, spec, path + ("flow",))


def _read_flow_template(report: _Report, table: _Table) -> GroupFlowSpec | None:
    raw = table.raw.get("flow")
    if raw is None:
        return None
    path = table.path + ("flow",)
    if not isinstance(raw, dict):
        table.problem("flow", 'flow must be a table, e.g. { kind = "echo", interval_ms = '
                      '100, to = "CN" }')
        table.bad.add("flow")
        return None
    sub = _Table(report, raw, path, f"{table.context}: flow")
    sub.check_keys(FLOW_TEMPLATE_KEYS)
    to = sub.get("to", FLOW_TEMPLATE_CONVERT["to"])
    source = sub.get("from", FLOW_TEMPLATE_CONVERT["from"])
    if (to is None) == (source is None) and not sub.bad:
        sub.problem(None, 'name the correspondent with exactly one of "to" (each MN sends '
                    'to it) or "from" (it sends to each MN)')
        sub.bad.add("to")
    values = {key: sub.get(key, FLOW_TEMPLATE_CONVERT[key])
              for key in ("kind", "interval_ms", "start_s", "stop_s")}
    if sub.bad:
        table.bad.add("flow")
        return None
    return GroupFlowSpec(to or source, to is not None,
                         **{k: v for k, v in values.items() if v is not None})


# --- checks across tables ---------------------------------------------------------------


def cross_check(report: _Report, read: _Read) -> None:
    """The checks several MNs add, after the scenario's own (checks._cross_check)."""
    by_name: dict[str, NodeSpec] = {}
    for node in read.nodes:
        by_name.setdefault(node.name, node)
    check_groups(report, read, by_name)
    check_interface_ids(report, read)
    check_mobility(report, read)
    check_mn_keys(report, read, by_name)


def check_groups(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> None:
    """A group's HA is an HA whose prefix holds the home prefix; its flow's peer is a
    CN or host; its attach is an AR. Checked once per group, not once per member."""
    for group in read.mn_groups:
        context = f'mn_group "{group.name}"'
        ha = _ref(report, read.path(group, "home_agent"), context, "home_agent",
                    group.home_agent, by_name, "HA", lambda n: n.role == "ha")
        if ha is not None and ha.prefix is not None and not group.home_prefix.subnet_of(
                ha.prefix):
            report.add(read.path(group, "home_prefix"),
                       f"{context}: home_prefix {group.home_prefix} is not inside the prefix "
                       f'{ha.prefix} of its home agent "{ha.name}"')
        if group.attach is not None:
            _ref(report, read.path(group, "attach"), context, "attach", group.attach,
                   by_name, "AR", lambda n: n.role == "ar")
        if group.flow is not None:
            _ref(report, read.path(group, "flow"), context, "flow peer", group.flow.peer,
                   by_name, "CN or host", lambda n: n.role in ("cn", "host"))
            for key in ("start_s", "stop_s"):
                _check_time(report, read.path(group, "flow"), f"{context}: flow", key,
                              getattr(group.flow, key), read.duration_s)
            stop = group.flow.stop_s
            if stop is not None and stop <= group.flow_start_s(group.count):
                report.add(read.path(group, "flow"),
                           f"{context}: flow: stop_s {_fmt(stop)} must be after the last "
                           f"member's start ({_fmt(group.flow_start_s(group.count))} s)")


def check_interface_ids(report: _Report, read: _Read) -> None:
    """Two MNs with one interface id would form the same LCoA on an AR and the same
    RCoA (RFC 4862 s.5.4: DAD would fail)."""
    first: dict[int, Any] = {}
    for mn in (n for n in read.nodes if n.role == "mn" and n.interface_id):
        other = first.setdefault(mn.interface_id, mn)
        if other is not mn:
            report.add(read.path(mn, "interface_id"),
                       f'node "{mn.name}": interface_id {IPv6Address(mn.interface_id)} is '
                       f'also node "{other.name}"\'s (line {other.line}): both would form '
                       "the same care-of addresses")


def check_mobility(report: _Report, read: _Read) -> None:
    """An MN that moves by itself needs every AR's position (its cell), and an area or
    points it can reach."""
    moving = [n for n in read.nodes if n.role == "mn" and n.mobility is not None
              and n.mobility.moves]
    if not moving:
        return
    unplaced = [n.name for n in read.nodes if n.role == "ar" and n.position is None]
    if unplaced:
        mn = moving[0]
        assert mn.mobility is not None  # moving: the MNs with a mobility model that moves
        report.add(read.path(mn, "mobility"),
                   f'node "{mn.name}": mobility model "{mn.mobility.model}" needs a position '
                   f"(metres) for every AR, for its radio cell; none for "
                   f"{', '.join(unplaced)}")


def check_mn_keys(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> None:
    """``mn`` on a move, flow or inject names an MN; a move needs it with several MNs;
    a flow's ``mn`` is its MN end."""
    mns = [n.name for n in read.nodes if n.role == "mn"]
    several = len(mns) > 1
    for move in read.moves:
        context = f"move at {_fmt(move.at_s)} s"
        if move.mn is None:
            if several:
                report.add(read.path(move), f'{context}: the scenario has {len(mns)} MNs; '
                           f'name the one that moves, e.g. mn = "{mns[1]}"')
            continue
        _ref(report, read.path(move, "mn"), context, "mn", move.mn, by_name, "MN",
               lambda n: n.role == "mn")
    for inject in read.injects:
        if inject.mn is not None:
            _ref(report, read.path(inject, "mn"), f"inject at {_fmt(inject.at_s)} s",
                   "mn", inject.mn, by_name, "MN", lambda n: n.role == "mn")
    for flow in read.flows:
        if flow.mn is not None and flow.mn not in (flow.source, flow.destination):
            target = _ref(report, read.path(flow, "mn"),
                            f'flow "{flow.source}" -> "{flow.destination}"', "mn", flow.mn,
                            by_name, "MN", lambda n: n.role == "mn")
            if target is not None:
                report.add(read.path(flow, "mn"), f'flow "{flow.source}" -> '
                           f'"{flow.destination}": mn "{flow.mn}" is neither end of the flow')


# --- writing ----------------------------------------------------------------------------


def mobility_table(m: MobilitySpec) -> dict[str, Any]:
    """The inline table the writer puts back for ``m``."""
    out: dict[str, Any] = {"model": m.model}
    if m.model == "waypoints":
        out["points"] = [list(p) for p in m.points]
        out["speed_mps"] = m.speed_mps[0]
        if m.loop:
            out["loop"] = True
    elif m.model == "random_waypoint":
        out["area"] = list(m.area or ())
        out["speed_mps"] = list(m.speed_mps)
        out["pause_s"] = list(m.pause_s)
    return out


def group_pairs(g: MnGroupSpec) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("name", g.name), ("count", g.count), ("home_agent", g.home_agent),
        ("home_prefix", str(g.home_prefix)), ("interface_id", str(IPv6Address(g.interface_id))),
        ("attach", g.attach), ("route_optimization", g.route_optimization or None)]
    if g.mobility is not None:
        pairs.append(("mobility", mobility_table(g.mobility)))
    if g.flow is not None:
        f = g.flow
        flow: dict[str, Any] = {"kind": f.kind, "interval_ms": f.interval_ms,
                                ("to" if f.to_peer else "from"): f.peer, "start_s": f.start_s}
        if f.stop_s is not None:
            flow["stop_s"] = f.stop_s
        pairs.append(("flow", flow))
    return pairs
