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
from tomlkit.items import AoT, Array, InlineTable

from hmipviz.fileio import atomic_write
from hmipviz.scenario.dump import dump_scenario
from hmipviz.scenario.edit import _item, array_of_tables, set_in_inline, tables
from hmipviz.scenario.edit_check import validate
from hmipviz.scenario.mns import group_pairs, mobility_table
from hmipviz.scenario.model import (
    _ROLE_KEYS,
    FlowSpec,
    InjectSpec,
    LinkSpec,
    MapOptionSpec,
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
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def node_canon(node: NodeSpec) -> Canon:
    """Every key of the node's role, as a file holds it (None: not written)."""
    keys = _ROLE_KEYS.get(node.role)
    out: Canon = {"name": node.name, "role": node.role}
    for key in keys.all if keys else ():
        if key in ("name", "role"):
            continue
        value = getattr(node, key)
        if key == "interface_id":
            value = str(IPv6Address(value)) if value else None
        elif key == "mobility":
            value = mobility_table(value) if value is not None else None
        elif key == "map_options":
            value = [option_canon(o) for o in value]
        out[key] = _plain(value) if value is not None else None
    return out


def option_canon(option: MapOptionSpec) -> Canon:
    return {"map": option.map, "pref": option.pref, "lifetime_s": option.lifetime_s,
            "r": option.r, "dist": option.dist}


def link_canon(link: LinkSpec) -> Canon:
    return {"a": link.a, "b": link.b, "delay_ms": link.delay_ms, "loss": link.loss}


def move_canon(move: MoveSpec) -> Canon:
    return {"at_s": move.at_s, "to": move.to or "none", "mn": move.mn}


def action_canon(action: NodeActionSpec) -> Canon:
    return {"at_s": action.at_s, "node": action.node}


def flow_canon(flow: FlowSpec) -> Canon:
    return {"from": flow.source, "to": flow.destination, "kind": flow.kind,
            "start_s": flow.start_s, "interval_ms": flow.interval_ms, "stop_s": flow.stop_s,
            "use_rcoa": flow.use_rcoa, "map": flow.map, "mn": flow.mn}


def inject_canon(inject: InjectSpec) -> Canon:
    return {"at_s": inject.at_s, "from": inject.source, "mn": inject.mn,
            "hex": inject.data.hex()}


def group_canon(group: MnGroupSpec) -> Canon:
    return {k: _plain(v) if v is not None else None for k, v in group_pairs(group)}


def _written(canon: Canon) -> Canon:
    """The keys a new table gets: none of the absent, off or empty ones (a MAP option's
    R flag, on by default, is written either way)."""
    return {k: v for k, v in canon.items()
            if v is not None and v != [] and (v is not False or k == "r")}


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
    for i, (before, after) in enumerate(zip(old, new, strict=True)):
        if not isinstance(options[i], InlineTable):
            _update_table(options[i], before, after)
            continue
        for key, value in after.items():  # written again as { a = 1, b = 2 }
            if before.get(key) != value:
                set_in_inline(options, i, key, value)
    return True


def _update_table(table: Any, old: Canon, new: Canon) -> None:
    """Set the keys whose value changed (in their place, with their comments), remove
    the ones now absent and any the table may not hold; the rest stays as written."""
    for key, value in new.items():
        if key in old and old[key] == value:
            continue
        if value is None or value == []:
            if key in table:
                del table[key]
        elif not (key == "map_options" and _update_options(table, old.get(key) or [], value)):
            table[key] = _value_item(_written_deep(value))
    for key in list(table.keys()):
        if key not in new:
            del table[key]


def _written_deep(value: Any) -> Any:
    if isinstance(value, list):
        return [_written_deep(v) for v in value]
    if isinstance(value, dict):
        return _written(value)
    return value


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
        for i, (before, after) in enumerate(zip(old, new, strict=False)):
            if before != after:
                _update_table(existing[i], canon(before), canon(after))
        for spec in new[len(old):]:
            table = tomlkit.table()
            for k, v in _written(canon(spec)).items():
                table[k] = _value_item(_written_deep(v))
            table.add(tomlkit.nl())
            array_of_tables(doc, key).append(table)
        for i in reversed(range(len(new), len(old))):
            del doc[key][i]
        if key in doc and len(doc[key]) == 0:
            del doc[key]


def sync_text(scenario: Scenario, base: str) -> str | None:
    """``base`` changed where ``scenario`` differs from what it says, and only there;
    None when ``base`` is not a valid scenario or the result would not read back as
    ``scenario``."""
    current = validate(base, default_name=scenario.name).scenario
    if current is None:
        return None
    if current == scenario:
        return base
    doc = tomlkit.parse(base)
    _sync(doc, current, scenario)
    text = doc.as_string()
    if validate(text, default_name=scenario.name).scenario != scenario:
        return None  # never a file that means something else
    return text


def scenario_text(scenario: Scenario, base: str | None = None) -> str:
    """TOML for ``scenario``: ``base`` (the text it was opened from) with only what
    changed changed, or the fixed layout of ``dump_scenario`` when there is no base or
    it cannot be kept."""
    kept = sync_text(scenario, base) if base is not None else None
    return kept if kept is not None else dump_scenario(scenario)


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


__all__ = ["read_base", "save_keeping", "scenario_text", "sync_text"]
