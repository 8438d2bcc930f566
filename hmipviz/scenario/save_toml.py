"""Saving a scenario into the teacher's own file: comments, key order and layout kept.

``dump_scenario`` writes a fixed layout. When the scenario came from a file (or from the
editor's document), :func:`scenario_text` instead parses that text with tomlkit and
changes only what differs: a table whose spec is unchanged is left byte for byte, a
changed one gets only its changed keys set (in their place, with their comments) or
removed, new tables are appended to their array and dropped ones removed. A scenario
saved unchanged is the very same text. If the result would not read back to the
scenario (it always should), the fixed layout is written instead: a save never writes
a file that means something else.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from ipaddress import IPv6Address
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array

from hmipviz.fileio import atomic_write
from hmipviz.scenario.dump import _option_table, dump_scenario
from hmipviz.scenario.edit import _item, array_of_tables, tables
from hmipviz.scenario.edit_check import validate
from hmipviz.scenario.mns import group_pairs, mobility_table
from hmipviz.scenario.model import (
    _ROLE_KEYS,
    FlowSpec,
    InjectSpec,
    LinkSpec,
    MnGroupSpec,
    MoveSpec,
    NodeActionSpec,
    NodeSpec,
    Scenario,
    ScenarioError,
)

Canon = dict[str, Any]


def _plain(value: Any) -> Any:
    """Addresses, prefixes and tuples as the plain TOML values a file holds."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def node_canon(node: NodeSpec) -> Canon:
    """A node's keys as a file would hold them; defaults (off, none) left out."""
    keys = _ROLE_KEYS.get(node.role)
    out: Canon = {"name": node.name, "role": node.role}
    for key in keys.all if keys else ():
        if key in ("name", "role"):
            continue
        value = getattr(node, key)
        if value is None or value is False or value == ():
            continue
        if key == "radius" and value == 120.0:
            continue
        if key == "interface_id":
            if node.home_address is not None and value == int(node.home_address) & (2**64 - 1):
                continue  # the default: taken from the home address
            value = str(IPv6Address(value))
        elif key == "mobility":
            if value.model == "still":
                continue
            value = mobility_table(value)
        elif key == "map_options":
            value = [_option_table(o) for o in value]
        out[key] = _plain(value)
    return out


def link_canon(link: LinkSpec) -> Canon:
    out: Canon = {"a": link.a, "b": link.b, "delay_ms": link.delay_ms}
    if link.loss:
        out["loss"] = link.loss
    return out


def move_canon(move: MoveSpec) -> Canon:
    out: Canon = {"at_s": move.at_s, "to": move.to or "none"}
    if move.mn is not None:
        out["mn"] = move.mn
    return out


def action_canon(action: NodeActionSpec) -> Canon:
    return {"at_s": action.at_s, "node": action.node}


def flow_canon(flow: FlowSpec) -> Canon:
    out: Canon = {"from": flow.source, "to": flow.destination, "kind": flow.kind,
                  "start_s": flow.start_s, "interval_ms": flow.interval_ms}
    for key, value in (("stop_s", flow.stop_s), ("use_rcoa", flow.use_rcoa or None),
                       ("map", flow.map), ("mn", flow.mn)):
        if value is not None:
            out[key] = value
    return out


def inject_canon(inject: InjectSpec) -> Canon:
    out: Canon = {"at_s": inject.at_s, "from": inject.source}
    if inject.mn is not None:
        out["mn"] = inject.mn
    out["hex"] = inject.data.hex()
    return out


def group_canon(group: MnGroupSpec) -> Canon:
    return {k: _plain(v) for k, v in group_pairs(group) if v is not None}


_ARRAYS: list[tuple[str, Callable[[Scenario], Sequence[Any]], Callable[[Any], Canon]]] = [
    ("node", lambda s: [n for n in s.nodes if not n.group], node_canon),
    ("link", lambda s: s.links, link_canon),
    ("move", lambda s: s.moves, move_canon),
    ("fail", lambda s: s.fails, action_canon),
    ("restore", lambda s: s.restores, action_canon),
    ("flow", lambda s: [f for f in s.flows if not f.group], flow_canon),
    ("inject", lambda s: s.injects, inject_canon),
    ("mn_group", lambda s: s.mn_groups, group_canon),
]
_TOP = ("name", "description", "mode", "seed", "duration_s", "security")


def _update_options(table: Any, old: list[Canon], new: list[Canon]) -> bool:
    """MAP options changed one field at a time in place (their layout kept); False when
    the array is not there to edit or the options were added or removed."""
    options = table.get("map_options")
    if not isinstance(options, (Array, AoT)) or len(options) != len(old) or len(old) != len(new):
        return False
    for item, before, after in zip(options, old, new, strict=True):
        _update_table(item, before, after)
    return True


def _update_table(table: Any, old: Canon, new: Canon) -> None:
    """Set the keys whose value changed, remove the ones gone; the rest stays as written."""
    for key, value in new.items():
        if key in old and old[key] == value:
            continue
        if key == "map_options" and key in old and _update_options(table, old[key], value):
            continue
        table[key] = _value_item(value)
    for key in old:
        if key not in new and key in table:
            del table[key]


def _value_item(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        array = tomlkit.array()
        array.multiline(True)
        for v in value:
            inline = tomlkit.inline_table()
            inline.update(v)
            array.append(inline)
        return array
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update(value)
        return inline
    if isinstance(value, list):
        return _item(tuple(_value_item(v) for v in value))
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # a file says 20, not 20.0; it reads back as the same number
    return _item(value)


def _sync(doc: Any, current: Scenario, target: Scenario) -> None:
    if any(getattr(current, k) != getattr(target, k) for k in _TOP):
        if "scenario" not in doc:
            doc["scenario"] = tomlkit.table()
        section = doc["scenario"]
        for key in _TOP:
            if getattr(current, key) != getattr(target, key):
                section[key] = _value_item(getattr(target, key))
    if current.protocol != target.protocol:
        if not target.protocol:
            del doc["protocol"]
        else:
            if "protocol" not in doc:
                doc["protocol"] = tomlkit.table()
            _update_table(doc["protocol"], dict(current.protocol), dict(target.protocol))
    for key, specs, canon in _ARRAYS:
        old, new = specs(current), specs(target)
        existing = tables(doc, key)
        for i, (before, after) in enumerate(zip(old, new)):
            if before != after:
                _update_table(existing[i], canon(before), canon(after))
        for spec in new[len(old):]:
            table = tomlkit.table()
            for k, v in canon(spec).items():
                table[k] = _value_item(v)
            table.add(tomlkit.nl())
            array_of_tables(doc, key).append(table)
        for i in reversed(range(len(new), len(old))):
            del doc[key][i]
        if key in doc and len(doc[key]) == 0:
            del doc[key]


def scenario_text(scenario: Scenario, base: str | None = None) -> str:
    """TOML for ``scenario``: ``base`` (the text it was opened from) with only what
    changed changed, or the fixed layout of ``dump_scenario`` when there is no base or
    the base is not a valid scenario."""
    if base is None:
        return dump_scenario(scenario)
    current = validate(base, default_name=scenario.name).scenario
    if current is None:
        return dump_scenario(scenario)
    if current == scenario:
        return base
    doc = tomlkit.parse(base)
    _sync(doc, current, scenario)
    text = doc.as_string()
    if validate(text, default_name=scenario.name).scenario != scenario:
        return dump_scenario(scenario)  # never a file that means something else
    return text


def read_base(scenario: Scenario) -> str | None:
    """The text ``scenario`` was read from (its file or built-in), if it can be read."""
    from hmipviz.resources import builtin_scenarios_dir

    source = scenario.source
    if source.startswith("builtin:"):
        path = builtin_scenarios_dir() / f"{source.removeprefix('builtin:')}.toml"
    elif source.startswith("<"):
        return None
    else:
        path = Path(source)
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeError):
        return None


def save_keeping(scenario: Scenario, path: str | os.PathLike[str],
                 base: str | None = None) -> None:
    """Write ``scenario`` to ``path`` atomically, keeping ``base``'s comments and
    layout (default: the text of the file it was opened from)."""
    target = Path(path)
    text = scenario_text(scenario, base if base is not None else read_base(scenario))
    try:
        atomic_write(target, text)
    except (OSError, UnicodeError) as error:
        raise ScenarioError(
            [f"{target}: cannot save: {getattr(error, 'strerror', None) or error}"]
        ) from None


__all__ = ["read_base", "save_keeping", "scenario_text"]
