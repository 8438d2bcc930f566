"""Writing a scenario as TOML that ``load_scenario`` reads back to an equal Scenario.

tomllib only reads TOML, and the project takes no TOML-writing dependency for a format
this small, so the writer is hand-written: a fixed layout with the same keys the
loader reads, values written so that tomllib gives back exactly what was stored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from ipaddress import IPv6Address
from pathlib import Path
from typing import Any

from hmipviz import convert as cv
from hmipviz.fileio import atomic_write
from hmipviz.scenario.mns import group_pairs, mobility_table
from hmipviz.scenario.model import (
    _ALL_NODE_KEYS,
    _ROLE_KEYS,
    MapOptionSpec,
    NodeSpec,
    Scenario,
    ScenarioError,
)

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
        return cv.fmt(value)
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
    "mobility",
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
        if key == "mobility":
            value = mobility_table(value)
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
    sections += [_node_text(node) for node in s.nodes if not node.group]
    sections += [
        _table_text(
            "[[link]]",
            [("a", k.a), ("b", k.b), ("delay_ms", k.delay_ms), ("loss", k.loss or None)],
        )
        for k in s.links
    ]
    sections += [
        _table_text("[[move]]", [("at_s", m.at_s), ("to", m.to or "none"), ("mn", m.mn)])
        for m in s.moves
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
                ("mn", f.mn),
            ],
        )
        for f in s.flows
        if not f.group
    ]
    sections += [
        _table_text("[[inject]]", [("at_s", i.at_s), ("from", i.source), ("mn", i.mn)])
        + f"\nhex = {_toml_hex(i.data)}"
        for i in s.injects
    ]
    sections += [_table_text("[[mn_group]]", group_pairs(g)) for g in s.mn_groups]
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

