"""Reading TOML tables: problems collected with their lines, typed look-ups that report
instead of raising, and the specs read so far (with their key paths for later checks)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hmipviz import convert as cv
from hmipviz.scenario.model import (
    _SCENARIO_KEYS,
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
from hmipviz.tomlpos import KeyPath, LineIndex


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


class _Table:
    """One TOML table being read: typed look-ups that report problems instead of raising."""

    def __init__(self, report: _Report, raw: dict[str, Any], path: KeyPath, context: str) -> None:
        self.report = report
        self.raw = raw
        self.path = path
        self.context = context
        self.bad: set[str] = set()  # keys missing or unusable (already reported)

    def problem(self, key: str | None, what: str) -> None:
        path = self.path + (key,) if key is not None else self.path
        self.report.add(path, f"{self.context}: {what}" if self.context else what)

    def get(self, key: str, convert: cv.Convert, *, required: bool = False) -> Any:
        """The converted value; None when absent or unusable (and then reported)."""
        if key not in self.raw:
            if required:
                self.bad.add(key)
                self.problem(None, f'missing required key "{key}"')
            return None
        try:
            return convert(self.raw[key])
        except cv.Bad as bad:
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
                self.problem(key, f'unknown {what} "{key}"{cv.suggest(key, allowed)}{hint}')


def _scenario_key_hint(key: str) -> str:
    if key in _SCENARIO_KEYS:
        return f'; write {key} in the [scenario] table'
    return ""


def _kwargs(**values: Any) -> dict[str, Any]:
    """Drop None values so the dataclass defaults apply."""
    return {key: value for key, value in values.items() if value is not None}


def _tables(
    report: _Report, raw: dict[str, Any], key: str
) -> list[tuple[KeyPath, dict[str, Any]]]:
    """The tables of a ``[[key]]`` array, each with its path."""
    value = raw.get(key, [])
    if not isinstance(value, list):
        report.add((key,), f"{key} must be an array of tables, written [[{key}]]")
        return []
    found: list[tuple[KeyPath, dict[str, Any]]] = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            found.append(((key, i), item))
        else:
            report.add((key, i), f"{key} #{i + 1} must be a table, not {cv.type_name(item)}")
    return found


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
    mn_groups: list[MnGroupSpec] = field(default_factory=list)
    mn_group_tables: int = 0  # [[mn_group]] tables read, usable or not
    protocol: dict[str, float] = field(default_factory=dict)
    where: dict[int, KeyPath] = field(default_factory=dict)  # id(spec) -> path
    unusable: set[tuple[int, str]] = field(default_factory=set)  # (id(spec), key) reported
    duration_s: float | None = None  # for time checks; None when unusable (reported)

    def keep(self, bucket: list[Any], spec: Any, path: KeyPath) -> None:
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
            mn_groups=tuple(self.mn_groups),
            protocol=dict(self.protocol),
            source=source,
        )
