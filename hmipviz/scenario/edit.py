"""Edits of a scenario document: what the scenario editor does, without Qt.

The editor's document is the TOML text of the scenario, edited through tomlkit so that a
teacher's comments, key order and layout survive. An edit is a frozen dataclass; its
``apply`` changes a parsed tomlkit document in place, and :func:`apply_edit` takes a
text to the next text. Texts are immutable, so undo keeps the text before an edit and
redo the text after it. Items are found by name (nodes) or by their index in their
``[[...]]`` array (links, flows, MAP options), as the validator's key paths name them.

An edit never refuses a value: whatever the teacher types goes into the document and
the validator (:mod:`hmipviz.scenario.edit_check`) says what is wrong with it, in the
same words as ``hmipviz check``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table


@dataclass(frozen=True)
class Inline:
    """An inline table (``mobility = { model = "waypoints", ... }``), as key-value pairs."""

    pairs: tuple[tuple[str, Any], ...]


#: a value the editor writes: a TOML scalar, a tuple (an array) or an inline table
Value = str | int | float | bool | tuple[Any, ...] | Inline

#: node keys that name another node, and (for arrays) whether the value is a list of names
_NODE_REFERENCES = {"home_agent": False, "attach": False, "extra_maps": True}
#: array tables whose keys name nodes
_ARRAY_REFERENCES = {
    "link": ("a", "b"),
    "move": ("to", "mn"),
    "fail": ("node",),
    "restore": ("node",),
    "flow": ("from", "to", "map", "mn"),
    "inject": ("from", "mn"),
    "mn_group": ("home_agent", "attach"),
}


def number(x: float) -> int | float:
    """``x`` as an integer when it is one (``160`` rather than ``160.0`` in the file)."""
    return int(x) if float(x).is_integer() else round(float(x), 3)


def _item(value: Value) -> Any:
    """A tomlkit item for ``value``: tuples become arrays, multi-line text a multi-line
    string."""
    if isinstance(value, Inline):
        inline = tomlkit.inline_table()
        for k, v in value.pairs:
            inline[k] = _item(v)
        return inline
    if isinstance(value, tuple):
        array = tomlkit.array()
        array.extend(_item(v) for v in value)
        return array
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return value


def tables(doc: Any, key: str) -> list[Any]:
    """The tables of the ``[[key]]`` array (or an inline array of tables), possibly none."""
    value = doc.get(key)
    if isinstance(value, (AoT, Array, list)):
        return [t for t in value if isinstance(t, (Table, InlineTable, dict))]
    return []


def array_of_tables(doc: Any, key: str) -> Any:
    """The ``[[key]]`` array, created at the end of the document when missing."""
    value = doc.get(key)
    if value is None:
        if doc.as_string() and not doc.as_string().endswith("\n\n"):
            doc.add(tomlkit.nl())  # a blank line before the new array's first table
        value = tomlkit.aot()
        doc[key] = value
    return value


def _append_table(doc: Any, key: str, pairs: Iterator[tuple[str, Value]]) -> None:
    table = tomlkit.table()
    for k, v in pairs:
        table[k] = _item(v)
    table.add(tomlkit.nl())  # a blank line before whatever follows, as the built-ins
    array = array_of_tables(doc, key)
    if isinstance(array, AoT):
        array.append(table)
    else:  # written as an inline array of tables: one more inline table
        array.append({k: v for k, v in table.items()})


def _remove_at(doc: Any, key: str, index: int) -> None:
    array = doc.get(key)
    if array is None:
        return
    del array[index]
    if len(array) == 0:
        del doc[key]


def _set(table: Any, key: str, value: Value | None) -> None:
    """Set ``key`` (keeping its place and comment), or remove it when ``value`` is None."""
    if value is None:
        if key in table:
            del table[key]
        return
    table[key] = _item(value)


def _shown(value: Any) -> str:
    """A value as TOML text (an item keeps the text it was written with)."""
    return str(value.as_string() if hasattr(value, "as_string") else
               tomlkit.item(value).as_string())


def set_in_inline(array: Any, index: int, key: str, value: Any) -> None:
    """Set (None: remove) ``key`` of the inline table ``array[index]``, written again as
    ``{ a = 1, b = 2 }`` like the built-ins (tomlkit would write ``b = 2}``)."""
    old = array[index]
    pairs = [(str(k), _shown(old[k])) for k in old]
    text = None if value is None else _shown(_item(value))
    keys = [k for k, _ in pairs]
    if key in keys:
        i = keys.index(key)
        if text is None:
            del pairs[i]
        else:
            pairs[i] = (key, text)
    elif text is not None:
        pairs.append((key, text))
    body = ", ".join(f"{tomlkit.key(k).as_string()} = {v}" for k, v in pairs)
    array[index] = tomlkit.parse(f"o = {{ {body} }}" if body else "o = {}")["o"]


def node_table(doc: Any, name: str) -> Any:
    """The first ``[[node]]`` table named ``name``; KeyError when there is none."""
    for table in tables(doc, "node"):
        if table.get("name") == name:
            return table
    raise KeyError(name)


def node_index(doc: Any, name: str) -> int:
    for i, table in enumerate(tables(doc, "node")):
        if table.get("name") == name:
            return i
    raise KeyError(name)


class Edit:
    """One change of the document; subclasses are frozen dataclasses."""

    def apply(self, doc: Any) -> None:
        raise NotImplementedError

    @property
    def text(self) -> str:
        """What the edit does, for the Undo/Redo menu entries."""
        raise NotImplementedError


@dataclass(frozen=True)
class SetScenarioKey(Edit):
    """A key of ``[scenario]`` (name, description, mode, seed, duration_s, security)."""

    key: str
    value: Value | None

    def apply(self, doc: Any) -> None:
        if "scenario" not in doc:  # a file without one: TOML takes it anywhere
            doc["scenario"] = tomlkit.table()
        _set(doc["scenario"], self.key, self.value)

    @property
    def text(self) -> str:
        return f"Set {self.key}"


@dataclass(frozen=True)
class AddNode(Edit):
    name: str
    role: str
    position: tuple[float, float]
    values: tuple[tuple[str, Value], ...] = ()  # the other keys, in file order

    def apply(self, doc: Any) -> None:
        pairs: list[tuple[str, Value]] = [("name", self.name), ("role", self.role)]
        pairs += list(self.values)
        pairs.append(("position", (number(self.position[0]), number(self.position[1]))))
        _append_table(doc, "node", iter(pairs))

    @property
    def text(self) -> str:
        return f"Add {self.role.upper()} {self.name}"


@dataclass(frozen=True)
class RemoveNode(Edit):
    """Remove a node and what only makes sense with it: its links, the MAP options that
    advertise it, the flows, moves, failures and injections naming it, and MN keys
    pointing at it (a home agent stays: the validator then says the MN lacks one)."""

    name: str

    def apply(self, doc: Any) -> None:
        index = node_index(doc, self.name)
        _remove_at(doc, "node", index)
        for table in tables(doc, "node"):
            options = table.get("map_options")
            if isinstance(options, (list, Array, AoT)):
                for i in reversed(range(len(options))):
                    if options[i].get("map") == self.name:
                        del options[i]
                if len(options) == 0:
                    del table["map_options"]
            if table.get("attach") == self.name:
                del table["attach"]
            extra = table.get("extra_maps")
            if isinstance(extra, (list, Array)) and self.name in extra:
                kept = tuple(m for m in extra if m != self.name)
                _set(table, "extra_maps", kept or None)
        for key, refs in _ARRAY_REFERENCES.items():
            if key == "mn_group":
                continue
            for i in reversed(range(len(tables(doc, key)))):
                table = tables(doc, key)[i]
                if any(table.get(ref) == self.name for ref in refs if ref != "map"):
                    _remove_at(doc, key, i)

    @property
    def text(self) -> str:
        return f"Remove {self.name}"


@dataclass(frozen=True)
class MoveNode(Edit):
    name: str
    position: tuple[float, float]

    def apply(self, doc: Any) -> None:
        _set(node_table(doc, self.name), "position",
             (number(self.position[0]), number(self.position[1])))

    @property
    def text(self) -> str:
        return f"Move {self.name}"


@dataclass(frozen=True)
class SetNodeKey(Edit):
    """A key of one node (None removes it). ``name`` is renamed with :class:`RenameNode`."""

    node: str
    key: str
    value: Value | None

    def apply(self, doc: Any) -> None:
        _set(node_table(doc, self.node), self.key, self.value)

    @property
    def text(self) -> str:
        return f"Set {self.key} of {self.node}"


@dataclass(frozen=True)
class RenameNode(Edit):
    """A new name, and every reference to the old one (links, MAP options, the MN's
    home agent and AR, moves, flows, ...) follows."""

    old: str
    new: str

    def apply(self, doc: Any) -> None:
        node_table(doc, self.old)["name"] = self.new
        for table in tables(doc, "node"):
            for key, listed in _NODE_REFERENCES.items():
                value = table.get(key)
                if listed and isinstance(value, (list, Array)) and self.old in value:
                    table[key] = _item(tuple(self.new if v == self.old else v for v in value))
                elif value == self.old:
                    table[key] = self.new
            for option in tables(table, "map_options"):
                if option.get("map") == self.old:
                    option["map"] = self.new
        for key, refs in _ARRAY_REFERENCES.items():
            for table in tables(doc, key):
                for ref in refs:
                    if table.get(ref) == self.old:
                        table[ref] = self.new

    @property
    def text(self) -> str:
        return f"Rename {self.old} to {self.new}"


@dataclass(frozen=True)
class AddLink(Edit):
    a: str
    b: str
    delay_ms: float = 1.0

    def apply(self, doc: Any) -> None:
        _append_table(doc, "link", iter([("a", self.a), ("b", self.b),
                                         ("delay_ms", number(self.delay_ms))]))

    @property
    def text(self) -> str:
        return f"Link {self.a}\u2013{self.b}"


@dataclass(frozen=True)
class RemoveItem(Edit):
    """Remove the ``index``-th table of ``[[kind]]`` (a link, a flow, a move...)."""

    kind: str
    index: int

    def apply(self, doc: Any) -> None:
        _remove_at(doc, self.kind, self.index)

    @property
    def text(self) -> str:
        return f"Remove {self.kind} {self.index + 1}"


@dataclass(frozen=True)
class SetItemKey(Edit):
    """A key of the ``index``-th table of ``[[kind]]`` (a link's delay_ms, a flow's
    start_s...); None removes the key."""

    kind: str
    index: int
    key: str
    value: Value | None

    def apply(self, doc: Any) -> None:
        _set(tables(doc, self.kind)[self.index], self.key, self.value)

    @property
    def text(self) -> str:
        return f"Set {self.key} of {self.kind} {self.index + 1}"


@dataclass(frozen=True)
class AddFlow(Edit):
    """An echo flow between an MN and a CN or host (docs/scenarios.md ``[[flow]]``)."""

    source: str
    destination: str
    start_s: float = 2.0
    interval_ms: float = 250.0

    def apply(self, doc: Any) -> None:
        _append_table(doc, "flow", iter([
            ("from", self.source), ("to", self.destination), ("kind", "echo"),
            ("start_s", number(self.start_s)), ("interval_ms", number(self.interval_ms))]))

    @property
    def text(self) -> str:
        return f"Flow {self.source} \u2192 {self.destination}"


def _options(doc: Any, ar: str) -> Any:
    table = node_table(doc, ar)
    if "map_options" not in table:
        array = tomlkit.array()
        array.multiline(True)
        table["map_options"] = array
    return table["map_options"]


@dataclass(frozen=True)
class AddMapOption(Edit):
    """An AR advertises one more MAP (RFC 5380 s.5): Pref 10 and the other fields at
    their defaults until set."""

    ar: str
    map: str
    pref: int = 10

    def apply(self, doc: Any) -> None:
        # parsed, so it is written with spaces inside its braces like the built-ins
        option = tomlkit.parse(f"o = {{ map = {json.dumps(self.map)}, pref = {self.pref} }}")["o"]
        _options(doc, self.ar).append(option)

    @property
    def text(self) -> str:
        return f"{self.ar} advertises {self.map}"


@dataclass(frozen=True)
class RemoveMapOption(Edit):
    ar: str
    index: int

    def apply(self, doc: Any) -> None:
        table = node_table(doc, self.ar)
        options = table["map_options"]
        del options[self.index]
        if len(options) == 0:
            del table["map_options"]

    @property
    def text(self) -> str:
        return f"Remove MAP option {self.index + 1} of {self.ar}"


@dataclass(frozen=True)
class SetMapOptionKey(Edit):
    """One field of an AR's MAP option: map, pref, lifetime_s, r or dist (None: the
    default)."""

    ar: str
    index: int
    key: str
    value: Value | None

    def apply(self, doc: Any) -> None:
        options = node_table(doc, self.ar)["map_options"]
        if isinstance(options[self.index], InlineTable):
            set_in_inline(options, self.index, self.key, self.value)
        else:  # written as [[node.map_options]] sub-tables
            _set(options[self.index], self.key, self.value)

    @property
    def text(self) -> str:
        return f"Set {self.key} of {self.ar}'s MAP option {self.index + 1}"


@dataclass(frozen=True)
class Batch(Edit):
    """Several edits as one undo step (Delete with several items selected)."""

    edits: tuple[Edit, ...]
    label: str = ""

    def apply(self, doc: Any) -> None:
        for edit in self.edits:
            edit.apply(doc)

    @property
    def text(self) -> str:
        return self.label or "; ".join(e.text for e in self.edits)


@lru_cache(maxsize=8)
def read(text: str) -> dict[str, Any]:
    """The document as plain values, for reading only (tomllib is many times faster than
    tomlkit, and the canvas, the panel and the proposals read each text several times).
    The result is shared: do not change it."""
    return tomllib.loads(text)


def apply_edit(text: str, edit: Edit) -> str:
    """The document text after ``edit``."""
    doc = tomlkit.parse(text)
    edit.apply(doc)
    return doc.as_string()


EMPTY_DOCUMENT = (
    "# hmipviz scenario, drawn in the scenario editor. Format: docs/scenarios.md\n"
    "[scenario]\n"
    'description = ""\n'
    "duration_s = 30\n"
)


__all__ = [
    "EMPTY_DOCUMENT", "Inline", "Value", "Edit", "SetScenarioKey", "AddNode", "RemoveNode",
    "MoveNode", "SetNodeKey", "RenameNode", "AddLink", "RemoveItem", "SetItemKey", "AddFlow",
    "AddMapOption", "RemoveMapOption", "SetMapOptionKey", "Batch", "apply_edit", "node_index",
    "node_table", "number", "read", "tables",
]
