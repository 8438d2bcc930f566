"""Loading a scenario: find the file (a path or a built-in), read it with bounds, parse
it, read every table into specs, check them across tables, and raise one ScenarioError
listing every problem, each as ``path:line: what``."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from hmipviz import convert as cv
from hmipviz.engine.config import ProtocolConfig
from hmipviz.resources import builtin_scenarios_dir
from hmipviz.scenario import limits, mns
from hmipviz.scenario.checks import _cross_check
from hmipviz.scenario.model import (
    _ALL_NODE_KEYS,
    _ROLE_KEYS,
    _SCENARIO_KEYS,
    _TOP_KEYS,
    DEFAULT_DURATION_S,
    FLOW_KINDS,
    MODES,
    ROLES,
    SECURITIES,
    FlowSpec,
    InjectSpec,
    LinkSpec,
    MapOptionSpec,
    MoveSpec,
    NodeActionSpec,
    NodeSpec,
    Scenario,
    ScenarioError,
)
from hmipviz.scenario.tables import _kwargs, _Read, _Report, _Table, _tables
from hmipviz.scenario.values import (
    _MAX_BINDING_LIFETIME_S,
    _U32_MAX,
    _U64_MAX,
    _address,
    _addresses,
    _hex,
    _interface_id,
    _names,
    _node_name,
    _position,
    _prefix,
    _prefixes,
)
from hmipviz.tomlpos import KeyPath, LineIndex

_BUILTIN_PREFIX = "builtin:"
NODE_CONVERT: dict[str, cv.Convert] = {
    "position": _position,
    "address": _address,
    "prefix": _prefix,
    "map_address": _address,
    "radius": cv.number(0, above=True),
    "valid_onlink_prefixes": _prefixes,
    "max_lifetime_s": cv.integer(1, _MAX_BINDING_LIFETIME_S),
    "home_agent": cv.text,
    "home_address": _address,
    "interface_id": _interface_id,
    "attach": cv.text,
    "route_optimization": cv.boolean,
    "extra_maps": _names,
    "probe_maps": cv.boolean,
    "duplicate_addresses": _addresses,
}
# The keys of each table with their converters: the readers below use them, and
# hmipviz.scenario.schema writes the JSON Schema from them (required keys listed apart).
OPTION_CONVERT: dict[str, cv.Convert] = {
    "map": cv.text,
    "pref": cv.integer(0, 15),
    "lifetime_s": cv.integer(0, _U32_MAX),
    "r": cv.boolean,
    "dist": cv.integer(1, 15),  # s.5: zero MUST NOT be used
}
_OPTION_KEYS = tuple(OPTION_CONVERT)
LINK_CONVERT: dict[str, cv.Convert] = {
    "a": cv.text, "b": cv.text, "delay_ms": cv.number(0), "loss": cv.number(0, below=1)}
_AT_S = cv.number(0)
MOVE_CONVERT: dict[str, cv.Convert] = {"at_s": _AT_S, "to": cv.text, "mn": cv.text}
ACTION_CONVERT: dict[str, cv.Convert] = {"at_s": _AT_S, "node": cv.text}
FLOW_CONVERT: dict[str, cv.Convert] = {
    "from": cv.text,
    "to": cv.text,
    "kind": cv.choice(FLOW_KINDS),
    "start_s": cv.number(0),
    "interval_ms": cv.number(limits.MIN_FLOW_INTERVAL_MS),
    "stop_s": cv.number(0),
    "use_rcoa": cv.boolean,
    "map": cv.text,
    "mn": cv.text,
}
INJECT_CONVERT: dict[str, cv.Convert] = {
    "at_s": _AT_S, "from": cv.text, "hex": _hex, "mn": cv.text}
SCENARIO_CONVERT: dict[str, cv.Convert] = {
    "name": cv.text,
    "description": cv.any_text,
    "mode": cv.choice(MODES),
    "seed": cv.integer(0, _U64_MAX),
    "duration_s": cv.number(0, above=True, at_most=limits.MAX_DURATION_S),
    "security": cv.choice(SECURITIES),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "map_options": ("map",), "link": ("a", "b"), "move": ("at_s", "to"),
    "fail": ("at_s", "node"), "restore": ("at_s", "node"), "flow": ("from", "to"),
    "inject": ("at_s", "from", "hex"),
}


def _read_node(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    raw_name = raw.get("name")
    named = isinstance(raw_name, str) and raw_name.strip()
    context = f'node "{raw_name}"' if named else f"node #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    name = table.get("name", _node_name, required=True)
    role = table.get("role", cv.choice(ROLES), required=True)
    keys = _ROLE_KEYS.get(role or "")
    if keys is None:  # role missing or wrong: only misspelt keys can be told
        table.check_keys(_ALL_NODE_KEYS)
        values: dict[str, Any] = {}
    else:
        table.check_keys(keys.all, _ALL_NODE_KEYS, f'role "{role}"')
        values = {
            key: table.get(key, NODE_CONVERT[key], required=key in keys.required)
            for key in ("position",) + keys.required + keys.optional
            if key not in ("map_options", "mobility")
        }
        if role == "mn":
            values["mobility"] = mns.read_mobility(table)
    if role == "mn" and "interface_id" not in table.raw and values.get("home_address"):
        values["interface_id"] = int(values["home_address"]) & _U64_MAX  # as SLAAC at home
    options = _read_map_options(report, read, table) if role == "ar" else ()
    if name is None:
        return
    node = NodeSpec(
        name=name,
        role=role or "",  # "" marks a bad role (reported); checks skip such nodes
        map_options=options,
        line=report.line(path),
        **_kwargs(**values),
    )
    read.keep(read.nodes, node, path)
    read.unusable.update((id(node), key) for key in table.bad)


def _read_map_options(report: _Report, read: _Read, node: _Table) -> tuple[MapOptionSpec, ...]:
    """An AR's MAP options (RFC 5380 s.5), inline tables or [[node.map_options]]."""
    raw = node.raw.get("map_options")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        node.problem(
            "map_options", 'map_options must be an array of tables, e.g. [{ map = "MAP1" }]'
        )
        return ()
    options = []
    for i, item in enumerate(raw):
        path = node.path + ("map_options", i)
        label = (
            f'map option "{item["map"]}"'
            if isinstance(item.get("map"), str)
            else f"map option {i + 1}"
        )
        table = _Table(report, item, path, f"{node.context}: {label}")
        table.check_keys(_OPTION_KEYS)
        values = {key: table.get(key, convert, required=key in REQUIRED["map_options"])
                  for key, convert in OPTION_CONVERT.items()}
        if values["map"] is not None:
            option = MapOptionSpec(line=report.line(path), **_kwargs(**values))
            read.where[id(option)] = path
            options.append(option)
    return tuple(options)


def _read_link(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    a, b = raw.get("a"), raw.get("b")
    named = isinstance(a, str) and isinstance(b, str)
    table = _Table(report, raw, path, f'link "{a}"-"{b}"' if named else f"link #{int(path[1]) + 1}")
    table.check_keys(LINK_CONVERT)
    a, b, delay_ms, loss = (table.get(key, convert, required=key in REQUIRED["link"])
                            for key, convert in LINK_CONVERT.items())
    if a is not None and b is not None:
        link = LinkSpec(a, b, line=report.line(path), **_kwargs(delay_ms=delay_ms, loss=loss))
        read.keep(read.links, link, path)


def _timed(
    report: _Report, path: KeyPath, raw: dict[str, Any], what: str, keys: tuple[str, ...]
) -> tuple[_Table, float | None]:
    """The table of a timed action (``at_s``), named by its time when it has one."""
    at = cv.finite_or_none(raw.get("at_s"))
    context = f"{what} at {cv.fmt(at)} s" if at is not None else f"{what} #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    table.check_keys(keys)  # at_s among them
    return table, table.get("at_s", _AT_S, required=True)


def _read_move(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    table, at_s = _timed(report, path, raw, "move", tuple(MOVE_CONVERT))
    to = table.get("to", MOVE_CONVERT["to"], required="to" in REQUIRED["move"])
    mn = table.get("mn", MOVE_CONVERT["mn"])
    if at_s is not None and to is not None:
        move = MoveSpec(at_s, None if to == "none" else to, line=report.line(path), mn=mn)
        read.keep(read.moves, move, path)


def _read_node_action(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    kind = str(path[0])
    table, at_s = _timed(report, path, raw, kind, tuple(ACTION_CONVERT))
    node = table.get("node", ACTION_CONVERT["node"], required="node" in REQUIRED[kind])
    if at_s is not None and node is not None:
        action = NodeActionSpec(at_s, node, line=report.line(path))
        read.keep(read.fails if kind == "fail" else read.restores, action, path)


def _read_flow(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    source, destination = raw.get("from"), raw.get("to")
    named = isinstance(source, str) and isinstance(destination, str)
    context = f'flow "{source}" -> "{destination}"' if named else f"flow #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    table.check_keys(FLOW_CONVERT)
    got = {key: table.get(key, convert, required=key in REQUIRED["flow"])
           for key, convert in FLOW_CONVERT.items()}
    values = {
        "source": got["from"],
        "destination": got["to"],
        "kind": got["kind"] or "echo",
        "start_s": got["start_s"] or 0.0,
        "interval_ms": got["interval_ms"] or 1000.0,
        "stop_s": got["stop_s"],
        "use_rcoa": got["use_rcoa"] or False,
        "map": got["map"],
        "mn": got["mn"],
    }
    if values["source"] is not None and values["destination"] is not None:
        read.keep(read.flows, FlowSpec(line=report.line(path), **values), path)


def _read_inject(report: _Report, read: _Read, path: KeyPath, raw: dict[str, Any]) -> None:
    table, at_s = _timed(report, path, raw, "inject", tuple(INJECT_CONVERT))
    source = table.get("from", INJECT_CONVERT["from"], required="from" in REQUIRED["inject"])
    mn = table.get("mn", INJECT_CONVERT["mn"])
    data = table.get("hex", INJECT_CONVERT["hex"], required="hex" in REQUIRED["inject"])
    if data is not None and len(data) < 40:
        table.problem(
            "hex",
            f"hex holds {len(data)} bytes; an IPv6 packet needs at least 40 (its fixed header)",
        )
        data = None
    if at_s is not None and source is not None and data is not None:
        read.keep(read.injects, InjectSpec(at_s, source, data, line=report.line(path), mn=mn),
                  path)


def _protocol_kinds() -> dict[str, str]:
    """ProtocolConfig field name -> "int" or "float" (annotations are strings here)."""
    return {
        f.name: f.type if isinstance(f.type, str) else f.type.__name__
        for f in fields(ProtocolConfig)
    }


def _in_range(span: limits.Range, integer: bool) -> cv.Convert:
    """A ``[protocol]`` value: its field's type, within its range in PROTOCOL_RANGES."""

    def convert(value: Any) -> float:
        if integer:
            cv.need(value, "an integer", cv.is_int(value))
        else:
            cv.need(value, "a number", cv.is_int(value) or isinstance(value, float))
        number = cv.finite_or_none(value)
        if number is None or not span.holds(number):
            digits = len(str(abs(value))) if cv.is_int(value) else 0
            shown = f"a {digits}-digit number" if digits > 20 else cv.fmt(value)
            raise cv.Bad(f"must be {span.wanted()}, not {shown} ({span.why})")
        return value if integer else number

    return convert


def _read_protocol(report: _Report, raw: dict[str, Any]) -> dict[str, float]:
    """``[protocol]``: overrides of ProtocolConfig fields, each within its documented
    range (limits.PROTOCOL_RANGES) and in order with related fields."""
    value = raw.get("protocol", {})
    if not isinstance(value, dict):
        report.add(("protocol",), "protocol must be a table, written [protocol]")
        return {}
    kinds = _protocol_kinds()
    table = _Table(report, value, ("protocol",), "[protocol]")
    table.check_keys(kinds)
    overrides = {}
    for key in value:
        if key in kinds:
            span = limits.PROTOCOL_RANGES.get(key, limits.Range(0, math.inf, "not negative"))
            number = table.get(key, _in_range(span, kinds[key] == "int"))
            if number is not None:
                overrides[key] = number
    defaults = ProtocolConfig()
    for small, large, source in limits.PROTOCOL_ORDER:
        if (small in overrides or large in overrides) and not table.bad & {small, large}:
            low = overrides.get(small, getattr(defaults, small))
            high = overrides.get(large, getattr(defaults, large))
            if low > high:
                given = {k: "" if k in overrides else " (default)" for k in (small, large)}
                table.problem(
                    small if small in overrides else large,
                    f"{small} {cv.fmt(low)}{given[small]} must not be above {large} "
                    f"{cv.fmt(high)}{given[large]} ({source})",
                )
    return overrides


_ARRAY_READERS: dict[str, Callable[[_Report, _Read, KeyPath, dict[str, Any]], None]] = {
    "node": _read_node,
    "link": _read_link,
    "move": _read_move,
    "fail": _read_node_action,
    "restore": _read_node_action,
    "flow": _read_flow,
    "inject": _read_inject,
    # last: a group's flows come after the [[flow]]s, whose numbers (the echo
    # identifiers) stay as they were
    "mn_group": lambda report, read, path, raw: mns.read_mn_group(report, read, path, raw),
}


def _read_all(report: _Report, raw: dict[str, Any]) -> _Read:
    read = _Read()
    outer = _Table(report, raw, (), "")
    outer.check_keys(_TOP_KEYS + tuple(_ARRAY_READERS))
    section = raw.get("scenario", {})
    if not isinstance(section, dict):
        report.add(("scenario",), "scenario must be a table, written [scenario]")
        section = {}
    top = _Table(report, section, ("scenario",), "[scenario]")
    top.check_keys(_SCENARIO_KEYS)
    read.top = {key: top.get(key, convert) for key, convert in SCENARIO_CONVERT.items()}
    read.duration_s = read.top["duration_s"]
    if "duration_s" not in top.bad and read.duration_s is None:
        read.duration_s = DEFAULT_DURATION_S
    read.protocol = _read_protocol(report, raw)
    for key, reader in _ARRAY_READERS.items():
        for path, item in _tables(report, raw, key):
            reader(report, read, path, item)
    return read


# --- the file -----------------------------------------------------------------------------

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")
_TOML_END = re.compile(r"\s*\(at end of document\)\Z")


def _locate(source: str | os.PathLike[str]) -> tuple[Path, str, str]:
    """(file to read, path shown in messages, ``Scenario.source``) for a path or built-in.

    A bare word without a ``.toml`` suffix or a directory part (``figure1``) names a
    built-in; ``builtin:NAME`` always does; anything else is a path.
    """
    if not isinstance(source, str):
        text = os.fspath(source)
        return Path(text), text, text
    if not source.strip():
        raise ScenarioError(["no scenario given: name a .toml file or a built-in scenario"])
    name = source.removeprefix(_BUILTIN_PREFIX)
    bare = not source.endswith(".toml") and "/" not in source and os.sep not in source
    if source.startswith(_BUILTIN_PREFIX) or bare:
        path = builtin_scenarios_dir() / f"{name}.toml"
        plain = bool(name) and not ({"/", os.sep} & set(name)) and not name.startswith(".")
        if plain and path.is_file():  # found without reading every built-in (start-up)
            return path, str(path), _BUILTIN_PREFIX + name
        builtins = builtin_scenarios()
        if source.startswith(_BUILTIN_PREFIX) or not Path(source).exists():
            listed = ", ".join(builtins) or "none installed"
            raise ScenarioError(
                [
                    f"{source}: no such file or built-in scenario{cv.suggest(name, builtins)} "
                    f"(built-ins: {listed})"
                ]
            )
    return Path(source), source, source


def _read_text(path: Path, label: str) -> str:
    """The file's text, read with a bound; a directory, a device, a missing, unreadable or
    too large file, or bad UTF-8 is reported."""
    try:
        data = limits.read_limited(path, label, "scenario")
    except limits.InputError as error:
        raise ScenarioError([str(error)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioError(
            [
                f"{label}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
                "save the file as UTF-8"
            ]
        ) from None


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    """tomllib's result, or its complaint as ``path:line: TOML syntax error: ...``.

    Nesting deeper than a scenario needs is refused first: tomllib recurses per level.
    """
    deep = limits.nesting_problem(text)
    if deep is not None:
        raise ScenarioError([f"{label}:{deep[0]}: {deep[1]}"])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        at = _TOML_AT.search(message)
        if at:
            what = f"{message[: at.start()]} (column {at.group(2)})"
            line = int(at.group(1))
        else:
            what = _TOML_END.sub("", message) + " (at the end of the file)"
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        raise ScenarioError([f"{label}:{line}: TOML syntax error: {what}"]) from None


def load_scenario(source: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file or built-in; ScenarioError lists every problem."""
    path, label, stored = _locate(source)
    text = _read_text(path, label)
    raw = _parse_toml(text, label)
    report = _Report(label, LineIndex(text))
    read = _read_all(report, raw)
    _cross_check(report, read)
    mns.cross_check(report, read)
    report.raise_if_any()
    return read.scenario(default_name=path.stem, source=stored)


def builtin_scenarios() -> dict[str, str]:
    """Name -> description of each scenario shipped in assets/scenarios/, by name."""
    found: dict[str, str] = {}
    for path in sorted(builtin_scenarios_dir().glob("*.toml")):
        try:
            section = tomllib.loads(path.read_text("utf-8-sig")).get("scenario", {})
            description = section.get("description", "") if isinstance(section, dict) else ""
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            description = f"(cannot be read: {error})"
        found[path.stem] = description.strip() if isinstance(description, str) else ""
    return found

