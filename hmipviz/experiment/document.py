"""A scenario as a TOML document (plain dicts and lists): written back to TOML text,
edited by dotted parameter paths, and validated by the scenario loader.

Experiments vary "any scenario setting by a dotted path", so they work on the document
the scenario loader reads rather than on the frozen dataclasses: a path such as
``link."HA-R".delay_ms`` names a key in the file, and the loader's own validation
judges the edited file. When the scenario format grows (``[[mn_group]]``), paths into
it become valid with no change here.
"""

from __future__ import annotations

import copy
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hmipviz.scenario import Scenario, ScenarioError, load_scenario

# keys of [scenario] that a path may name without the "scenario." prefix
SCENARIO_SHORTHAND = ("name", "description", "mode", "duration_s", "security")

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


class PathError(Exception):
    """A parameter path that names nothing in the document; the text says why."""


# --- writing ---------------------------------------------------------------------------

def _key(key: str) -> str:
    return key if _BARE.match(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def inline(value: Any) -> str:
    """One TOML value on one line; tomllib reads it back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {inline(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(doc: dict[str, Any]) -> str:
    """TOML text for a document: top-level tables as ``[name]``, arrays of tables as
    ``[[name]]``, everything below them inline."""
    scalars = [f"{_key(k)} = {inline(v)}" for k, v in doc.items()
               if not isinstance(v, dict) and not _is_table_array(v)]
    sections = ["\n".join(scalars)] if scalars else []
    for k, v in doc.items():
        if isinstance(v, dict):
            sections.append("\n".join([f"[{_key(k)}]"] + [f"{_key(a)} = {inline(b)}"
                                                           for a, b in v.items()]))
        elif _is_table_array(v):
            for item in v:
                sections.append("\n".join([f"[[{_key(k)}]]"] + [f"{_key(a)} = {inline(b)}"
                                                                 for a, b in item.items()]))
    return "\n\n".join(sections) + "\n"


# --- paths ------------------------------------------------------------------------------

def path_text(path: tuple[str, ...]) -> str:
    """A path as written in an experiment file: ``link."HA-R".delay_ms``."""
    return ".".join(_key(p) for p in path)


def _select(items: list, array: str, selector: str) -> dict:
    """The table of ``[[array]]`` a path segment names: a node by name, a link by
    ``A-B`` (either order), any table by its 1-based number."""
    if selector.isdigit():
        n = int(selector)
        if 1 <= n <= len(items) and isinstance(items[n - 1], dict):
            return items[n - 1]
        raise PathError(f"there is no [[{array}]] #{n} (the base scenario has {len(items)})")
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("name") == selector:
            return item
        a, b = item.get("a"), item.get("b")
        if isinstance(a, str) and isinstance(b, str) and selector in (f"{a}-{b}", f"{b}-{a}"):
            return item
    names = [str(i.get("name")) for i in items if isinstance(i, dict) and "name" in i] + \
            [f"{i['a']}-{i['b']}" for i in items if isinstance(i, dict) and "a" in i and "b" in i]
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    raise PathError(f'no [[{array}]] named "{selector}" in the base scenario'
                    + (f" (there are: {shown})" if shown else ""))


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set the key ``path`` names in ``doc`` to ``value`` (the last key may be new; a
    missing top-level table such as ``[protocol]`` is created)."""
    if len(path) == 1 and path[0] in SCENARIO_SHORTHAND:
        path = ("scenario",) + path
    here: Any = doc
    i = 0
    while i < len(path) - 1:
        key = path[i]
        nxt = here.get(key) if isinstance(here, dict) else None
        if nxt is None and here is doc:
            nxt = here[key] = {}
        if isinstance(nxt, list):
            tables = [t for t in nxt if isinstance(t, dict)]
            if i + 2 < len(path) or (i + 1 < len(path) and len(tables) != 1):
                here = _select(nxt, key, path[i + 1])
                i += 2
                continue
            if len(tables) != 1:
                raise PathError(f"[[{key}]] has {len(tables)} tables: name one, "
                                f'as in {key}."NAME".{path[-1]}')
            here = tables[0]  # the only table of its array may go unnamed
            i += 1
            continue
        if not isinstance(nxt, dict):
            where = path_text(path[: i + 1])
            raise PathError(f"{where} is not a table of the base scenario")
        here = nxt
        i += 1
    if not isinstance(here, dict):
        raise PathError(f"{path_text(path)} does not name a key")
    here[path[-1]] = copy.deepcopy(value)


# --- validating ---------------------------------------------------------------------------

def load_document(doc: dict[str, Any]) -> Scenario:
    """Validate ``doc`` with the scenario loader; ScenarioError's messages name the
    problem (their ``file:line`` is of a temporary file and callers strip it)."""
    text = to_toml(doc)
    with tempfile.TemporaryDirectory(prefix="hmipviz-exp-") as tmp:
        path = Path(tmp) / "scenario.toml"
        path.write_text(text, "utf-8")
        return load_scenario(path)


def problems(error: ScenarioError) -> list[str]:
    """A ScenarioError's messages without their ``file:line:`` prefix."""
    out = []
    for message in error.messages:
        head, sep, rest = message.partition(": ")
        out.append(rest if sep and (os.sep in head or head.endswith(".toml") or
                                    head.split(":")[-1].isdigit()) else message)
    return out
