"""The scenario validator, with the key path of every problem kept.

``hmipviz check`` and ``load_scenario`` print each problem as ``path:line: what``; the
editor needs to know which node, link or flow a problem is about, to outline that item.
:func:`validate` runs exactly the steps of ``load_scenario`` (parse, read every table,
the cross-table checks, the MN checks) on a text, with a report that also records the
key path each problem was filed under.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmipviz.scenario import mns
from hmipviz.scenario.checks import _cross_check
from hmipviz.scenario.load import _parse_toml, _read_all
from hmipviz.scenario.model import Scenario, ScenarioError
from hmipviz.scenario.tables import _Report
from hmipviz.tomlpos import KeyPath, LineIndex


@dataclass(frozen=True)
class Problem:
    """One problem the validator found: where (key path and line) and what, in its words."""

    path: KeyPath
    line: int
    what: str
    label: str = "<editor>"

    @property
    def message(self) -> str:
        """As ``hmipviz check`` prints it: ``label:line: what``."""
        return f"{self.label}:{self.line}: {self.what}"

    def item(self) -> tuple[str, int] | None:
        """The array table the problem belongs to, like ``("node", 2)``; None for the
        file as a whole or ``[scenario]``/``[protocol]``."""
        if len(self.path) >= 2 and isinstance(self.path[0], str) and isinstance(self.path[1], int):
            return (self.path[0], self.path[1])
        return None


class _PathReport(_Report):
    """The loader's report, also keeping each problem's key path."""

    def __init__(self, label: str, lines: LineIndex) -> None:
        super().__init__(label, lines)
        self.found: list[Problem] = []

    def add(self, path: KeyPath, what: str) -> None:
        super().add(path, what)
        self.found.append(Problem(path, self.line(path), what, self.label))


@dataclass(frozen=True)
class Validation:
    """The validator's verdict on a text: the scenario when it is valid, else problems."""

    scenario: Scenario | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.scenario is not None

    def for_item(self, kind: str, index: int) -> list[Problem]:
        return [p for p in self.problems if p.item() == (kind, index)]


def validate(
    text: str, label: str = "<editor>", default_name: str = "untitled", source: str = "<editor>"
) -> Validation:
    """Check ``text`` as ``load_scenario`` does; every problem keeps its key path."""
    try:
        raw = _parse_toml(text, label)
    except ScenarioError as error:  # syntax: one message "label:line: ..."
        problems = []
        for message in error.messages:
            rest = message.removeprefix(f"{label}:")
            line, _, what = rest.partition(": ")
            problems.append(Problem((), int(line) if line.isdigit() else 1, what, label))
        return Validation(None, tuple(problems))
    report = _PathReport(label, LineIndex(text))
    read = _read_all(report, raw)
    _cross_check(report, read)
    mns.cross_check(report, read)
    if report.found:
        ordered = sorted(dict.fromkeys(report.found), key=lambda p: p.line)
        return Validation(None, tuple(ordered))
    return Validation(read.scenario(default_name=default_name, source=source), ())


__all__ = ["Problem", "Validation", "validate"]
