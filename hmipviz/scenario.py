"""Scenario model: the topology, the time line and the settings of one simulation.

This module holds the frozen dataclasses. Loading, validating and saving TOML live in
the functions below them (``load_scenario``, ``dump_scenario``); ``docs/scenarios.md``
documents the file format.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path
from typing import Any

import networkx as nx

from hmipviz import scenario_limits as limits
from hmipviz.engine.config import ProtocolConfig
from hmipviz.fileio import atomic_write
from hmipviz.resources import builtin_scenarios_dir
from hmipviz.address_plan import care_of_clashes, overlapping_prefixes
from hmipviz.toml_lines import KeyPath, LineIndex

ROLES = ("mn", "ar", "map", "ha", "cn", "router", "host")
MODES = ("hmipv6", "mipv6")
SECURITIES = ("none", "esp")  # RFC 5380 s.12.1: ESP on the MN-MAP and MN-HA signalling
FLOW_KINDS = ("echo", "udp")


@dataclass(frozen=True)
class MapOptionSpec:
    """One MAP option an AR advertises (RFC 5380 s.5)."""

    map: str
    pref: int = 10
    lifetime_s: int = 600
    r: bool = True
    dist: int | None = None  # None: hop count from AR to MAP plus one
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class NodeSpec:
    name: str
    role: str
    address: IPv6Address | None = None
    prefix: IPv6Network | None = None
    position: tuple[float, float] | None = None
    # MAP
    valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None
    max_lifetime_s: int | None = None
    # AR
    radius: float = 120.0
    map_options: tuple[MapOptionSpec, ...] = ()
    # An AR with a MAP function of its own (flat architecture, RFC 5380 s.9.2) has a
    # MAP address, from whose /64 its RCoAs are formed.
    map_address: IPv6Address | None = None
    # AR: find MAP failures by probing the MAPs it advertises (RFC 5380 s.10)
    probe_maps: bool = False
    # HA: addresses already in use on the home link, found by DAD (RFC 6275 s.10.3.1)
    duplicate_addresses: tuple[IPv6Address, ...] = ()
    # MN
    home_agent: str | None = None
    home_address: IPv6Address | None = None
    interface_id: int = 0
    attach: str | None = None
    route_optimization: bool = False  # return routability with CNs (RFC 6275 s.5.2)
    # further MAPs the MN also registers with whenever advertised (RFC 5380 s.7.1 MAY)
    extra_maps: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)  # where it was read; not part of equality

    @property
    def is_map(self) -> bool:
        return self.role == "map" or (self.role == "ar" and self.map_address is not None)


@dataclass(frozen=True)
class LinkSpec:
    a: str
    b: str
    delay_ms: float = 1.0
    loss: float = 0.0
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class MoveSpec:
    at_s: float
    to: str | None  # an AR, or None to detach
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class NodeActionSpec:
    """``[[fail]]`` / ``[[restore]]``: a node goes down or comes back."""

    at_s: float
    node: str
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class FlowSpec:
    source: str  # `from` in the file
    destination: str  # `to` in the file
    kind: str  # "echo" | "udp"
    start_s: float
    interval_ms: float
    stop_s: float | None = None
    # MN flows: send from the RCoA without a Home Address option (RFC 5380 s.6.5)
    use_rcoa: bool = False
    # one of the MN's extra_maps: the MN uses that MAP's RCoA with this flow's
    # correspondent (RFC 5380 s.7.1), with use_rcoa or route optimisation
    map: str | None = None
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class InjectSpec:
    at_s: float
    source: str  # `from` in the file
    data: bytes
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    mode: str = "hmipv6"
    seed: int = 1
    duration_s: float = 30.0
    security: str = "none"
    nodes: tuple[NodeSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    moves: tuple[MoveSpec, ...] = ()
    fails: tuple[NodeActionSpec, ...] = ()
    restores: tuple[NodeActionSpec, ...] = ()
    flows: tuple[FlowSpec, ...] = ()
    injects: tuple[InjectSpec, ...] = ()
    # [protocol] overrides; compared (a different protocol is a different scenario) but
    # left out of the hash because a dict has none.
    protocol: dict = field(default_factory=dict, hash=False)
    source: str = field(default="<memory>", compare=False)  # path as given, or builtin:NAME

    def node(self, name: str) -> NodeSpec:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def nodes_with_role(self, role: str) -> list[NodeSpec]:
        return [n for n in self.nodes if n.role == role]


# =====================================================================================
# Loading and validating
# =====================================================================================

Convert = Callable[[Any], Any]

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
# The Lifetime of a BU/BA is 16 bits in units of 4 s (RFC 6275 s.6.1.7, s.6.1.8).
_MAX_BINDING_LIFETIME_S = 0xFFFF * 4
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_BUILTIN_PREFIX = "builtin:"
_ROLE_A = {
    "mn": "an MN",
    "ar": "an AR",
    "map": "a MAP",
    "ha": "an HA",
    "cn": "a CN",
    "router": "a router",
    "host": "a host",
}


class ScenarioError(Exception):
    """Everything wrong with one scenario, one ``path:line: what`` message per problem.

    All problems are collected before raising, so a file can be fixed in one pass.
    Problems with the file itself (missing, unreadable) have no line: ``path: what``.
    """

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages: list[str] = list(messages)
        super().__init__(*self.messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)


# --- collecting problems ----------------------------------------------------------------


class _Report:
    """Problems found so far, each with its line; raised together, in line order."""

    def __init__(self, label: str, lines: LineIndex) -> None:
        self.label = label
        self._lines = lines
        self._found: list[tuple[int, str]] = []

    def line(self, path: KeyPath) -> int:
        return self._lines.line(path)

    def has(self, path: KeyPath) -> bool:
        """Whether ``path`` was written in the file (not a default)."""
        return path in self._lines.lines

    def add(self, path: KeyPath, what: str) -> None:
        self._found.append((self._lines.line(path), what))

    def raise_if_any(self) -> None:
        if self._found:
            ordered = sorted(self._found, key=lambda found: found[0])
            messages = [f"{self.label}:{line}: {what}" for line, what in ordered]
            raise ScenarioError(dict.fromkeys(messages))


def _suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest option, or nothing."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _fmt(x: float) -> str:
    """A number as a person writes it: 5, 0.25."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


# --- typed values -------------------------------------------------------------------------


class _Bad(Exception):
    """A value that cannot be used; its text completes ``<key> ...``."""


def _type_name(value: Any) -> str:
    for kind, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
    ):
        if isinstance(value, kind):
            return name
    return "a date/time"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (not a number, inf, nan, or too large)."""
    if not (_is_int(value) or isinstance(value, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # TOML integers are unbounded
        return None
    return number if math.isfinite(number) else None


def _need(value: Any, wanted: str, ok: bool) -> None:
    if not ok:
        raise _Bad(f"must be {wanted}, not {_type_name(value)}")


def _text(value: Any) -> str:
    _need(value, "a string", isinstance(value, str))
    if not value.strip():
        raise _Bad("must not be empty")
    return value


def _any_text(value: Any) -> str:
    _need(value, "a string", isinstance(value, str))
    return value


def _boolean(value: Any) -> bool:
    _need(value, "true or false", isinstance(value, bool))
    return value


def _integer(lo: int, hi: int | None = None) -> Convert:
    """An integer in lo..hi (inclusive)."""
    span = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"

    def convert(value: Any) -> int:
        _need(value, "an integer", _is_int(value))
        if value < lo or (hi is not None and value > hi):
            raise _Bad(f"must be {span}, not {value}")
        return value

    return convert


def _number(
    lo: float, *, above: bool = False, below: float | None = None, at_most: float | None = None
) -> Convert:
    """A finite number, at least ``lo`` (or above it), and below ``below`` or at most
    ``at_most`` if given."""
    bounds = [f"above {_fmt(lo)}" if above else f"at least {_fmt(lo)}"]
    if below is not None:
        bounds.append(f"below {_fmt(below)}")
    if at_most is not None:
        bounds.append(f"at most {_fmt(at_most)}")
        below = math.nextafter(at_most, math.inf)
    wanted = " and ".join(bounds)

    def convert(value: Any) -> float:
        _need(value, "a number", _is_int(value) or isinstance(value, float))
        number = _finite(value)
        if number is None:
            raise _Bad(f"must be a finite number, not {value}")
        if not (number > lo if above else number >= lo) or (below is not None and number >= below):
            raise _Bad(f"must be {wanted}, not {_fmt(number)}")
        return number

    return convert


def _choice(options: tuple[str, ...]) -> Convert:
    def convert(value: Any) -> str:
        _need(value, "a string", isinstance(value, str))
        if value not in options:
            raise _Bad(
                f'must be one of {", ".join(options)}, not "{value}"{_suggest(value, options)}'
            )
        return value

    return convert


def _node_name(value: Any) -> str:
    value = _text(value)
    if not _NAME_RE.match(value):
        raise _Bad(
            f'"{value}" must start with a letter and hold only letters, digits, "_", "-" and "."'
        )
    if value.lower() == "none":
        raise _Bad('must not be "none": a move uses to = "none" to detach the MN')
    return value


def _address(value: Any) -> IPv6Address:
    _need(value, "a string holding an IPv6 address", isinstance(value, str))
    try:
        address = IPv6Address(value)
    except ValueError:
        raise _Bad(f'"{value}" is not a valid IPv6 address') from None
    special = address.is_multicast or address.is_unspecified or address.is_loopback
    if special or address.is_link_local or address.scope_id:
        raise _Bad(f'"{value}" must be a global unicast address')
    return address


def _prefix(value: Any) -> IPv6Network:
    _need(value, 'a string holding an IPv6 prefix like "2001:db8:1::/64"', isinstance(value, str))
    if "/" not in value:
        raise _Bad(f'"{value}" needs a prefix length, e.g. "{value}/64"')
    try:
        return IPv6Network(value)  # strict: host bits must be zero
    except ValueError as error:
        raise _Bad(f'"{value}" is not a valid IPv6 prefix ({error})') from None


def _array_of(item: Convert, what: str) -> Convert:
    """A converter for a TOML array whose items ``item`` converts; names a bad item."""
    def convert(value: Any) -> tuple:
        _need(value, what, isinstance(value, list))
        found = []
        for i, raw in enumerate(value, start=1):
            try:
                found.append(item(raw))
            except _Bad as bad:
                raise _Bad(f"item {i}: {bad}") from None
        return tuple(found)
    return convert


_addresses = _array_of(_address, "an array of IPv6 addresses")
_prefixes = _array_of(_prefix, "an array of IPv6 prefixes")
_names = _array_of(_text, 'an array of node names like ["MAP2"]')


def _position(value: Any) -> tuple[float, float]:
    numbers = [_finite(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != 2 or None in numbers:
        raise _Bad("must be [x, y], two numbers")
    return (numbers[0], numbers[1])


def _interface_id(value: Any) -> int:
    """The MN's 64-bit interface id, as an integer or as an address like "::a"."""
    if _is_int(value):
        if not 0 <= value <= _U64_MAX:
            raise _Bad(f"must fit in 64 bits, not {value}")
        iid = value
    elif isinstance(value, str):
        try:
            iid = int(IPv6Address(value)) & _U64_MAX
        except ValueError:
            raise _Bad(f'"{value}" is not an interface id like "::a"') from None
    else:
        raise _Bad(f'must be an integer or a string like "::a", not {_type_name(value)}')
    if iid == 0:
        raise _Bad(
            "must not be 0 (RFC 4291 s.2.6.1 reserves it for the Subnet-Router anycast address)"
        )
    return iid


def _hex(value: Any) -> bytes:
    _need(value, "a string of hex digits", isinstance(value, str))
    digits = "".join(value.split())
    for i, c in enumerate(digits):
        if c not in "0123456789abcdefABCDEF":
            raise _Bad(f'is not hexadecimal: "{c}" at digit {i + 1}')
    if len(digits) % 2:
        raise _Bad(f"has an odd number of hex digits ({len(digits)})")
    return bytes.fromhex(digits)


# --- reading tables ------------------------------------------------------------------------


class _Table:
    """One TOML table being read: typed look-ups that report problems instead of raising."""

    def __init__(self, report: _Report, raw: dict, path: KeyPath, context: str) -> None:
        self.report = report
        self.raw = raw
        self.path = path
        self.context = context
        self.bad: set[str] = set()  # keys missing or unusable (already reported)

    def problem(self, key: str | None, what: str) -> None:
        path = self.path + (key,) if key is not None else self.path
        self.report.add(path, f"{self.context}: {what}" if self.context else what)

    def get(self, key: str, convert: Convert, *, required: bool = False) -> Any:
        """The converted value; None when absent or unusable (and then reported)."""
        if key not in self.raw:
            if required:
                self.bad.add(key)
                self.problem(None, f'missing required key "{key}"')
            return None
        try:
            return convert(self.raw[key])
        except _Bad as bad:
            self.bad.add(key)
            self.problem(key, f"{key} {bad}")
            return None

    def check_keys(
        self, allowed: Iterable[str], elsewhere: Iterable[str] = (), note: str = ""
    ) -> None:
        """Report keys outside ``allowed``; ``elsewhere`` keys exist but not in ``note``."""
        allowed = list(allowed)
        elsewhere = set(elsewhere)
        for key in self.raw:
            if key in allowed:
                continue
            hint = _scenario_key_hint(key) if not self.path else ""
            what = "table" if isinstance(self.raw[key], dict) else "key"
            if key in elsewhere:
                self.problem(key, f'{what} "{key}" does not apply to {note}')
            else:
                self.problem(key, f'unknown {what} "{key}"{_suggest(key, allowed)}{hint}')


def _scenario_key_hint(key: str) -> str:
    if key in _SCENARIO_KEYS:
        return f'; write {key} in the [scenario] table'
    return ""


def _kwargs(**values: Any) -> dict[str, Any]:
    """Drop None values so the dataclass defaults apply."""
    return {key: value for key, value in values.items() if value is not None}


def _tables(report: _Report, raw: dict, key: str) -> list[tuple[KeyPath, dict]]:
    """The tables of a ``[[key]]`` array, each with its path."""
    value = raw.get(key, [])
    if not isinstance(value, list):
        report.add((key,), f"{key} must be an array of tables, written [[{key}]]")
        return []
    found = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            found.append(((key, i), item))
        else:
            report.add((key, i), f"{key} #{i + 1} must be a table, not {_type_name(item)}")
    return found


@dataclass(frozen=True)
class _RoleKeys:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return _NODE_COMMON + self.required + self.optional


_NODE_COMMON = ("name", "role", "position")
_ROLE_KEYS = {
    "mn": _RoleKeys(("home_agent", "home_address"),
                    ("interface_id", "attach", "route_optimization", "extra_maps")),
    "ar": _RoleKeys(
        ("address", "prefix"),
        ("map_address", "valid_onlink_prefixes", "max_lifetime_s", "radius", "map_options",
         "probe_maps"),
    ),
    "map": _RoleKeys(("address", "prefix"), ("valid_onlink_prefixes", "max_lifetime_s")),
    "ha": _RoleKeys(("address", "prefix"), ("duplicate_addresses",)),
    "cn": _RoleKeys(("address", "prefix")),
    "router": _RoleKeys(("address", "prefix")),
    "host": _RoleKeys(("address", "prefix")),
}
_ALL_NODE_KEYS = tuple(dict.fromkeys(k for keys in _ROLE_KEYS.values() for k in keys.all))
_NODE_CONVERT: dict[str, Convert] = {
    "position": _position,
    "address": _address,
    "prefix": _prefix,
    "map_address": _address,
    "radius": _number(0, above=True),
    "valid_onlink_prefixes": _prefixes,
    "max_lifetime_s": _integer(1, _MAX_BINDING_LIFETIME_S),
    "home_agent": _text,
    "home_address": _address,
    "interface_id": _interface_id,
    "attach": _text,
    "route_optimization": _boolean,
    "extra_maps": _names,
    "probe_maps": _boolean,
    "duplicate_addresses": _addresses,
}
_OPTION_KEYS = ("map", "pref", "lifetime_s", "r", "dist")


def _read_node(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    raw_name = raw.get("name")
    named = isinstance(raw_name, str) and raw_name.strip()
    context = f'node "{raw_name}"' if named else f"node #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    name = table.get("name", _node_name, required=True)
    role = table.get("role", _choice(ROLES), required=True)
    keys = _ROLE_KEYS.get(role or "")
    if keys is None:  # role missing or wrong: only misspelt keys can be told
        table.check_keys(_ALL_NODE_KEYS)
        values: dict[str, Any] = {}
    else:
        table.check_keys(keys.all, _ALL_NODE_KEYS, f'role "{role}"')
        values = {
            key: table.get(key, _NODE_CONVERT[key], required=key in keys.required)
            for key in ("position",) + keys.required + keys.optional
            if key != "map_options"
        }
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
        values = {
            "map": table.get("map", _text, required=True),
            "pref": table.get("pref", _integer(0, 15)),
            "lifetime_s": table.get("lifetime_s", _integer(0, _U32_MAX)),
            "r": table.get("r", _boolean),
            "dist": table.get("dist", _integer(1, 15)),  # s.5: zero MUST NOT be used
        }
        if values["map"] is not None:
            option = MapOptionSpec(line=report.line(path), **_kwargs(**values))
            read.where[id(option)] = path
            options.append(option)
    return tuple(options)


def _read_link(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    a, b = raw.get("a"), raw.get("b")
    named = isinstance(a, str) and isinstance(b, str)
    table = _Table(report, raw, path, f'link "{a}"-"{b}"' if named else f"link #{int(path[1]) + 1}")
    table.check_keys(("a", "b", "delay_ms", "loss"))
    a = table.get("a", _text, required=True)
    b = table.get("b", _text, required=True)
    delay_ms = table.get("delay_ms", _number(0))
    loss = table.get("loss", _number(0, below=1))
    if a is not None and b is not None:
        link = LinkSpec(a, b, line=report.line(path), **_kwargs(delay_ms=delay_ms, loss=loss))
        read.keep(read.links, link, path)


def _timed(
    report: _Report, path: KeyPath, raw: dict, what: str, keys: tuple[str, ...]
) -> tuple[_Table, float | None]:
    """The table of a timed action (``at_s``), named by its time when it has one."""
    at = _finite(raw.get("at_s"))
    context = f"{what} at {_fmt(at)} s" if at is not None else f"{what} #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    table.check_keys(("at_s",) + keys)
    return table, table.get("at_s", _number(0), required=True)


def _read_move(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    table, at_s = _timed(report, path, raw, "move", ("to",))
    to = table.get("to", _text, required=True)
    if at_s is not None and to is not None:
        move = MoveSpec(at_s, None if to == "none" else to, line=report.line(path))
        read.keep(read.moves, move, path)


def _read_node_action(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    kind = str(path[0])
    table, at_s = _timed(report, path, raw, kind, ("node",))
    node = table.get("node", _text, required=True)
    if at_s is not None and node is not None:
        action = NodeActionSpec(at_s, node, line=report.line(path))
        read.keep(read.fails if kind == "fail" else read.restores, action, path)


def _read_flow(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    source, destination = raw.get("from"), raw.get("to")
    named = isinstance(source, str) and isinstance(destination, str)
    context = f'flow "{source}" -> "{destination}"' if named else f"flow #{int(path[1]) + 1}"
    table = _Table(report, raw, path, context)
    table.check_keys(
        ("from", "to", "kind", "start_s", "interval_ms", "stop_s", "use_rcoa", "map")
    )
    values = {
        "source": table.get("from", _text, required=True),
        "destination": table.get("to", _text, required=True),
        "kind": table.get("kind", _choice(FLOW_KINDS)) or "echo",
        "start_s": table.get("start_s", _number(0)) or 0.0,
        "interval_ms": table.get("interval_ms", _number(limits.MIN_FLOW_INTERVAL_MS))
        or 1000.0,
        "stop_s": table.get("stop_s", _number(0)),
        "use_rcoa": table.get("use_rcoa", _boolean) or False,
        "map": table.get("map", _text),
    }
    if values["source"] is not None and values["destination"] is not None:
        read.keep(read.flows, FlowSpec(line=report.line(path), **values), path)


def _read_inject(report: _Report, read: _Read, path: KeyPath, raw: dict) -> None:
    table, at_s = _timed(report, path, raw, "inject", ("from", "hex"))
    source = table.get("from", _text, required=True)
    data = table.get("hex", _hex, required=True)
    if data is not None and len(data) < 40:
        table.problem(
            "hex",
            f"hex holds {len(data)} bytes; an IPv6 packet needs at least 40 (its fixed header)",
        )
        data = None
    if at_s is not None and source is not None and data is not None:
        read.keep(read.injects, InjectSpec(at_s, source, data, line=report.line(path)), path)


def _protocol_kinds() -> dict[str, str]:
    """ProtocolConfig field name -> "int" or "float" (annotations are strings here)."""
    return {
        f.name: f.type if isinstance(f.type, str) else f.type.__name__
        for f in fields(ProtocolConfig)
    }


def _in_range(span: limits.Range, integer: bool) -> Convert:
    """A ``[protocol]`` value: its field's type, within its range in PROTOCOL_RANGES."""

    def convert(value: Any) -> float:
        if integer:
            _need(value, "an integer", _is_int(value))
        else:
            _need(value, "a number", _is_int(value) or isinstance(value, float))
        number = _finite(value)
        if number is None or not span.holds(number):
            digits = len(str(abs(value))) if _is_int(value) else 0
            shown = f"a {digits}-digit number" if digits > 20 else _fmt(value)
            raise _Bad(f"must be {span.wanted()}, not {shown} ({span.why})")
        return value if integer else number

    return convert


def _read_protocol(report: _Report, raw: dict) -> dict[str, float]:
    """``[protocol]``: overrides of ProtocolConfig fields, each within its documented
    range (scenario_limits.PROTOCOL_RANGES) and in order with related fields."""
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
                    f"{small} {_fmt(low)}{given[small]} must not be above {large} "
                    f"{_fmt(high)}{given[large]} ({source})",
                )
    return overrides


_SCENARIO_KEYS = ("name", "description", "mode", "seed", "duration_s", "security")
_TOP_KEYS = ("scenario", "protocol")
_ARRAY_READERS: dict[str, Callable[[_Report, _Read, KeyPath, dict], None]] = {
    "node": _read_node,
    "link": _read_link,
    "move": _read_move,
    "fail": _read_node_action,
    "restore": _read_node_action,
    "flow": _read_flow,
    "inject": _read_inject,
}


@dataclass
class _Read:
    """The specs read so far, and the key path of each, for line numbers in later checks."""

    top: dict[str, Any] = field(default_factory=dict)
    nodes: list[NodeSpec] = field(default_factory=list)
    links: list[LinkSpec] = field(default_factory=list)
    moves: list[MoveSpec] = field(default_factory=list)
    fails: list[NodeActionSpec] = field(default_factory=list)
    restores: list[NodeActionSpec] = field(default_factory=list)
    flows: list[FlowSpec] = field(default_factory=list)
    injects: list[InjectSpec] = field(default_factory=list)
    protocol: dict[str, float] = field(default_factory=dict)
    where: dict[int, KeyPath] = field(default_factory=dict)  # id(spec) -> path
    unusable: set[tuple[int, str]] = field(default_factory=set)  # (id(spec), key) reported
    duration_s: float | None = None  # for time checks; None when unusable (reported)

    def keep(self, bucket: list, spec: Any, path: KeyPath) -> None:
        bucket.append(spec)
        self.where[id(spec)] = path

    def path(self, spec: Any, *keys: str) -> KeyPath:
        return self.where.get(id(spec), ()) + keys

    def scenario(self, default_name: str, source: str) -> Scenario:
        top = _kwargs(**self.top)
        top.setdefault("name", default_name)
        return Scenario(
            **top,
            nodes=tuple(self.nodes),
            links=tuple(self.links),
            moves=tuple(self.moves),
            fails=tuple(self.fails),
            restores=tuple(self.restores),
            flows=tuple(self.flows),
            injects=tuple(self.injects),
            protocol=dict(self.protocol),
            source=source,
        )


def _read_all(report: _Report, raw: dict) -> _Read:
    read = _Read()
    outer = _Table(report, raw, (), "")
    outer.check_keys(_TOP_KEYS + tuple(_ARRAY_READERS))
    section = raw.get("scenario", {})
    if not isinstance(section, dict):
        report.add(("scenario",), "scenario must be a table, written [scenario]")
        section = {}
    top = _Table(report, section, ("scenario",), "[scenario]")
    top.check_keys(_SCENARIO_KEYS)
    read.top = {
        "name": top.get("name", _text),
        "description": top.get("description", _any_text),
        "mode": top.get("mode", _choice(MODES)),
        "seed": top.get("seed", _integer(0, _U64_MAX)),
        "duration_s": top.get(
            "duration_s", _number(0, above=True, at_most=limits.MAX_DURATION_S)
        ),
        "security": top.get("security", _choice(SECURITIES)),
    }
    read.duration_s = read.top["duration_s"]
    if "duration_s" not in top.bad and read.duration_s is None:
        read.duration_s = Scenario.__dataclass_fields__["duration_s"].default
    read.protocol = _read_protocol(report, raw)
    for key, reader in _ARRAY_READERS.items():
        for path, item in _tables(report, raw, key):
            reader(report, read, path, item)
    return read


# --- checks across tables ------------------------------------------------------------------


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
            path, f'{context}: {key} refers to unknown {kind} "{name}"{_suggest(name, candidates)}'
        )
        return None
    if target.role not in ROLES:
        return None  # its bad role is reported already
    if not accept(target):
        what = _ROLE_A[target.role]
        if kind == "MAP" and target.role == "ar":
            what += " without a map_address"
        wanted = {"AR": "an AR", "HA": "an HA"}.get(kind, "a " + kind)
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
    maps = [(n.name, n.map_address or n.address) for n in read.nodes if n.is_map]
    for mn in (n for n in read.nodes if n.role == "mn"):
        path = read.path(mn, "interface_id")
        if (id(mn), "interface_id") in read.unusable or not mn.interface_id:
            continue  # reported already, or no home address to take it from (reported)
        given = "" if report.has(path) else " (taken from home_address)"
        for clash in care_of_clashes(mn.interface_id, ars, [m for m in maps if m[1]], owners):
            report.add(
                path,
                f'node "{mn.name}": interface_id {IPv6Address(mn.interface_id)}{given} makes the '
                f"{clash.kind} on {clash.via} {clash.address}, which is the {clash.owner_key} "
                f'of node "{clash.owner}"; choose another interface_id (DAD would fail, '
                "RFC 4862 s.5.4)",
            )


def _check_mn(report: _Report, read: _Read, by_name: dict[str, NodeSpec]) -> None:
    """Exactly one MN; its home agent is an HA holding its home address; it attaches to an AR."""
    mns = [node for node in read.nodes if node.role == "mn"]
    if not mns:
        report.add((), 'no node has role "mn": a scenario needs exactly one MN')
    for extra in mns[1:]:
        report.add(
            read.path(extra, "role"),
            f'node "{extra.name}": a second MN (the first is "{mns[0].name}"); '
            "a scenario has exactly one MN",
        )
    for mn in mns:
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
            if ha is not None and ha.prefix is not None and mn.home_address is not None:
                if mn.home_address not in ha.prefix:
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


def _check_connected(report: _Report, read: _Read) -> None:
    """Every fixed node can reach every other (the MN aside, which joins by radio)."""
    fixed = [node for node in read.nodes if node.role != "mn"]
    order = {node.name: i for i, node in reversed(list(enumerate(fixed)))}
    graph = nx.Graph()
    graph.add_nodes_from(order)
    graph.add_edges_from(
        (link.a, link.b) for link in read.links if link.a in order and link.b in order
    )
    parts = sorted(nx.connected_components(graph), key=lambda part: min(order[n] for n in part))
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
            f"{context}: {key} {_fmt(t)} is after the end of the scenario "
            f"(duration_s = {_fmt(duration)})",
        )


def _check_moves(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """Moves go to an AR (or "none"), inside the run, one at a time."""
    times: dict[float, MoveSpec] = {}
    for move in read.moves:
        context = f"move at {_fmt(move.at_s)} s"
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
        first = times.setdefault(move.at_s, move)
        if first is not move:
            report.add(
                read.path(move, "at_s"),
                f"{context}: another move is at the same time (line {first.line})",
            )


def _check_actions(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """``[[fail]]``, ``[[restore]]`` and ``[[inject]]`` name existing nodes, inside the run."""
    actions = [("fail", a, "node", a.node) for a in read.fails]
    actions += [("restore", a, "node", a.node) for a in read.restores]
    actions += [("inject", a, "from", a.source) for a in read.injects]
    for what, action, key, name in actions:
        context = f"{what} at {_fmt(action.at_s)} s"
        _check_time(report, read.path(action), context, "at_s", action.at_s, duration)
        _ref(report, read.path(action, key), context, key, name, by_name)


def _check_flows(
    report: _Report, read: _Read, by_name: dict[str, NodeSpec], duration: float | None
) -> None:
    """A flow runs between the MN and a CN or host, inside the run."""
    chosen: dict[str, FlowSpec] = {}  # correspondent -> the first flow naming a map
    for flow in read.flows:
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
                f"{context}: stop_s {_fmt(flow.stop_s)} must be after start_s {_fmt(flow.start_s)}",
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
        builtins = builtin_scenarios()
        if name in builtins:
            path = builtin_scenarios_dir() / f"{name}.toml"
            return path, str(path), _BUILTIN_PREFIX + name
        if source.startswith(_BUILTIN_PREFIX) or not Path(source).exists():
            listed = ", ".join(builtins) or "none installed"
            raise ScenarioError(
                [
                    f"{source}: no such file or built-in scenario{_suggest(name, builtins)} "
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


# =====================================================================================
# Writing
# =====================================================================================
# tomllib only reads TOML, and the project takes no TOML-writing dependency for a format
# this small, so the writer is hand-written: a fixed layout with the same keys the
# loader reads, values written so that tomllib gives back exactly what was stored.

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _escape(text: str, keep: str = "") -> str:
    """Escape for a basic string; characters in ``keep`` stay literal."""
    out = []
    for c in text:
        if c in keep:
            out.append(c)
        elif c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return _fmt(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + _escape(str(value)) + '"'


def _toml_text(text: str) -> str:
    """A string, as a multi-line string when it holds line breaks (descriptions)."""
    if "\n" not in text:
        return _toml_value(text)
    return '"""\n' + _escape(text, keep="\n") + '"""'


def _toml_hex(data: bytes) -> str:
    """Packet bytes as hex in 16-byte lines of 2-byte groups, like a hex dump."""
    rows = []
    for start in range(0, len(data), 16):
        row = data[start : start + 16].hex()
        rows.append(" ".join(row[i : i + 4] for i in range(0, len(row), 4)))
    return "'''\n" + "\n".join(rows) + "\n'''"


def _table_text(header: str, pairs: Iterable[tuple[str, Any]]) -> str:
    lines = [header] + [
        f"{key} = {_toml_value(value)}" for key, value in pairs if value is not None
    ]
    return "\n".join(lines)


def _option_table(option: MapOptionSpec) -> dict[str, Any]:
    table = {"map": option.map, "pref": option.pref, "lifetime_s": option.lifetime_s, "r": option.r}
    if option.dist is not None:
        table["dist"] = option.dist
    return table


_NODE_DUMP_ORDER = (
    "name",
    "role",
    "address",
    "prefix",
    "map_address",
    "valid_onlink_prefixes",
    "max_lifetime_s",
    "home_agent",
    "home_address",
    "interface_id",
    "attach",
    "route_optimization",
    "extra_maps",
    "probe_maps",
    "duplicate_addresses",
    "radius",
    "position",
)


def _node_text(node: NodeSpec) -> str:
    keys = _ROLE_KEYS.get(node.role)
    allowed = keys.all if keys else _ALL_NODE_KEYS
    pairs: list[tuple[str, Any]] = []
    for key in _NODE_DUMP_ORDER:
        if key not in allowed:
            continue
        value = getattr(node, key)
        if key == "map_options" or value is None or value is False or value == ():
            continue  # defaults (off, none) are left out
        if key == "interface_id":
            value = str(IPv6Address(value)) if value else None
        pairs.append((key, value))
    text = _table_text("[[node]]", pairs)
    if node.map_options:
        rows = "".join(f"    {_toml_value(_option_table(o))},\n" for o in node.map_options)
        text += f"\nmap_options = [\n{rows}]"
    return text


def _sections(s: Scenario) -> list[str]:
    """The tables after the top-level keys, one string each."""
    sections = []
    if s.protocol:
        sections.append(_table_text("[protocol]", s.protocol.items()))
    sections += [_node_text(node) for node in s.nodes]
    sections += [
        _table_text(
            "[[link]]", [("a", l.a), ("b", l.b), ("delay_ms", l.delay_ms), ("loss", l.loss or None)]
        )
        for l in s.links
    ]
    sections += [
        _table_text("[[move]]", [("at_s", m.at_s), ("to", m.to or "none")]) for m in s.moves
    ]
    sections += [_table_text("[[fail]]", [("at_s", a.at_s), ("node", a.node)]) for a in s.fails]
    sections += [
        _table_text("[[restore]]", [("at_s", a.at_s), ("node", a.node)]) for a in s.restores
    ]
    sections += [
        _table_text(
            "[[flow]]",
            [
                ("from", f.source),
                ("to", f.destination),
                ("kind", f.kind),
                ("start_s", f.start_s),
                ("interval_ms", f.interval_ms),
                ("stop_s", f.stop_s),
                ("use_rcoa", f.use_rcoa or None),
                ("map", f.map),
            ],
        )
        for f in s.flows
    ]
    sections += [
        _table_text("[[inject]]", [("at_s", i.at_s), ("from", i.source)])
        + f"\nhex = {_toml_hex(i.data)}"
        for i in s.injects
    ]
    return sections


def dump_scenario(s: Scenario) -> str:
    """TOML text that load_scenario reads back to a Scenario equal to ``s``."""
    head = "\n".join(
        [
            "# hmipviz scenario: Hierarchical Mobile IPv6 (RFC 5380). Format: docs/scenarios.md",
            "[scenario]",
            f"name = {_toml_value(s.name)}",
            f"description = {_toml_text(s.description)}",
            f"mode = {_toml_value(s.mode)}",
            f"seed = {_toml_value(s.seed)}",
            f"duration_s = {_toml_value(s.duration_s)}",
        ]
        + ([f"security = {_toml_value(s.security)}"] if s.security != "none" else [])
    )
    return "\n\n".join([head] + _sections(s)) + "\n"


def save_scenario(s: Scenario, path: str | os.PathLike[str]) -> None:
    """Write ``s`` to ``path`` atomically: readers see the old file or the new, never half.

    The text goes to a temporary file in the same directory (same file system), which
    then replaces the target in one step; on any failure the temporary file is removed
    and the old file is left as it was.
    """
    target = Path(path)
    try:
        atomic_write(target, dump_scenario(s))
    except (OSError, UnicodeError) as error:
        raise ScenarioError(
            [f"{target}: cannot save: {getattr(error, 'strerror', None) or error}"]
        ) from None

