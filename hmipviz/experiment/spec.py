"""Experiment files: a base scenario, a grid of settings to vary, seeds, a duration and
metrics (docs/experiments.md). Every problem is reported as ``file:line: what``, all at
once, like scenario files (it reuses hmipviz/tomlpos.py's line index).

```toml
[experiment]
name = "ha-distance"
base = { generator = "grid", maps = 2, ars_per_map = 2 }   # or "figure1", or "my.toml"
seeds = [1, 2, 3]          # or a count: seeds = 3 means 1, 2, 3
duration_s = 30            # optional: overrides the scenario's

[set]                      # optional: the same setting for every run
protocol.max_ra_delay_s = 0

[grid]                     # every combination of these, by dotted path
mode = ["mipv6", "hmipv6"]
link."HA-R".delay_ms = [5, 50, 200]
```
"""

from __future__ import annotations

import copy
import itertools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmipviz.convert import suggest as _suggest
from hmipviz.resources import assets_dir
from hmipviz.scenario import ScenarioError
from hmipviz.scenario.load import _parse_toml, _read_text
from hmipviz.tomlpos import LineIndex as _LineIndex

from .document import PathError, inline, load_document, path_text, problems, set_path
from .generate import GeneratorError, check_settings, generate
from .measure import METRICS

_EXPERIMENT_KEYS = ("name", "description", "base", "seeds", "duration_s", "metrics")
_TOP_KEYS = ("experiment", "set", "grid")
_MAX_RUNS = 100_000
_MAX_VALIDATED = 2000  # combinations checked against the scenario loader up front


class ExperimentError(Exception):
    """Everything wrong with one experiment file, one ``path:line: what`` per problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(dict.fromkeys(messages))
        super().__init__(*self.messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)


def experiments_dir() -> Path:
    return assets_dir() / "experiments"


def builtin_experiments() -> dict[str, str]:
    """Name -> description of each experiment shipped in assets/experiments/."""
    found = {}
    for path in sorted(experiments_dir().glob("*.toml")):
        try:
            section = tomllib.loads(path.read_text("utf-8")).get("experiment", {})
            text = section.get("description", "") if isinstance(section, dict) else ""
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            text = f"(cannot be read: {error})"
        found[path.stem] = text.strip() if isinstance(text, str) else ""
    return found


@dataclass(frozen=True)
class Base:
    """The scenario every run starts from: a document read from a file or a built-in,
    or a generator and its settings."""

    label: str  # "figure1", "path/to/x.toml" or "grid"
    document: dict | None = field(default=None, hash=False)
    generator: str | None = None
    settings: dict = field(default_factory=dict, hash=False)

    def build(self, generator_overrides: dict[str, Any]) -> dict[str, Any]:
        if self.generator is not None:
            return generate(self.generator, {**self.settings, **generator_overrides})
        assert self.document is not None
        return copy.deepcopy(self.document)


@dataclass(frozen=True)
class Axis:
    path: tuple[str, ...]
    values: tuple
    line: int

    @property
    def name(self) -> str:
        return path_text(self.path)


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    description: str
    base: Base
    fixed: tuple[tuple[tuple[str, ...], Any], ...]
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...]
    duration_s: float | None
    metrics: tuple[str, ...]
    source: str

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values, in file order, as {path text: value}."""
        names = [a.name for a in self.axes]
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(a.values for a in self.axes))]

    def overrides(self, point: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
        """The settings of one run, fixed ones first, as (path, value)."""
        by_name = {a.name: a.path for a in self.axes}
        out = list(self.fixed)
        if self.duration_s is not None:
            out.insert(0, (("scenario", "duration_s"), self.duration_s))
        return out + [(by_name[name], value) for name, value in point.items()]


def scenario_document(base: Base, overrides: list[tuple[tuple[str, ...], Any]]) -> dict:
    """The base document with ``overrides`` applied (``generator.*`` ones first).

    With a generator base, ``mn_group.count`` is the generator's ``mns``: the generator
    writes each member's scripted tour, which a count changed afterwards would leave
    short or dangling."""
    overrides = [(GENERATED_ALIASES.get(p, p) if base.generator is not None else p, v)
                 for p, v in overrides]
    gen = {p[1]: v for p, v in overrides if p[0] == "generator" and len(p) == 2}
    doc = base.build(gen)
    for path, value in overrides:
        if path[0] != "generator":
            set_path(doc, path, value)
    return doc


# scenario paths that mean a generator setting when the base is a generator
GENERATED_ALIASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("mn_group", "count"): ("generator", "mns")}


# --- reading ------------------------------------------------------------------------------

class _Reader:
    def __init__(self, label: str, text: str, folder: Path) -> None:
        self.label = label
        self.lines = _LineIndex(text)
        self.folder = folder
        self.found: list[tuple[int, str]] = []

    def add(self, path: tuple, what: str) -> None:
        self.found.append((self.lines.line(path), what))

    def raise_if_any(self) -> None:
        if self.found:
            ordered = sorted(self.found, key=lambda f: f[0])
            raise ExperimentError([f"{self.label}:{line}: {what}" for line, what in ordered])


def _check_keys(r: _Reader, table: dict, path: tuple, allowed: tuple[str, ...],
                context: str) -> None:
    for key in table:
        if key not in allowed:
            r.add(path + (key,), f'{context}unknown key "{key}"{_suggest(key, allowed)}')


def _read_base(r: _Reader, value: Any) -> Base | None:
    where = ("experiment", "base")
    if isinstance(value, str):
        if not value.strip():
            r.add(where, "[experiment]: base must name a scenario file or a built-in scenario")
            return None
        is_file = value.endswith(".toml") or "/" in value or os.sep in value
        if is_file:
            path = Path(value) if Path(value).is_absolute() else r.folder / value
        else:
            from hmipviz.resources import builtin_scenarios_dir
            path = builtin_scenarios_dir() / f"{value}.toml"
            if not path.exists():
                from hmipviz.scenario import builtin_scenarios
                names = builtin_scenarios()
                r.add(where, f'[experiment]: base "{value}" is no built-in scenario'
                      f"{_suggest(value, names)} (built-ins: {', '.join(names)}; a file "
                      "needs a .toml suffix)")
                return None
        try:
            text = _read_text(path, str(path))
            document = _parse_toml(text, str(path))
            load_document(document)
        except ScenarioError as error:
            if is_file and not path.exists():
                r.add(where, f"[experiment]: base: no such scenario file {path}")
            else:
                for message in error.messages:
                    r.add(where, f"[experiment]: base {value}: {message}")
            return None
        return Base(value, document=document)
    if isinstance(value, dict):
        settings = dict(value)
        name = settings.pop("generator", None)
        if not isinstance(name, str):
            r.add(where, '[experiment]: base as a table needs generator = "grid"')
            return None
        try:
            check_settings(name, settings)
        except GeneratorError as error:
            key = error.key if error.key in value else None
            r.add(where + ((key,) if key else ()), f"[experiment]: base: {error}")
            return None
        return Base(name, generator=name, settings=settings)
    r.add(where, "[experiment]: base must be a scenario name or file (a string) or a "
          'generator (a table such as { generator = "grid", maps = 2 })')
    return None


def _read_seeds(r: _Reader, value: Any) -> tuple[int, ...]:
    where = ("experiment", "seeds")
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 10_000:
            return tuple(range(1, value + 1))
        r.add(where, f"[experiment]: seeds as a count must be 1 to 10000, not {value}")
        return ()
    if isinstance(value, list) and value and all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63 for v in value):
        if len(set(value)) != len(value):
            r.add(where, "[experiment]: seeds must not repeat a seed")
            return ()
        return tuple(value)
    r.add(where, "[experiment]: seeds must be a count (seeds = 5) or a non-empty array of "
          "non-negative integers (seeds = [1, 2, 3])")
    return ()


def _leaves(table: dict, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) of every non-table value in a nested table, in file order."""
    out = []
    for key, value in table.items():
        if isinstance(value, dict):
            out += _leaves(value, prefix + (key,))
        else:
            out.append((prefix + (key,), value))
    return out


def _check_path(r: _Reader, where: tuple, path: tuple[str, ...], base: Base | None,
                context: str) -> bool:
    if path == ("seed",) or path == ("scenario", "seed"):
        r.add(where, f"{context}{path_text(path)}: the seed is set by [experiment] seeds")
        return False
    if path[0] == "generator":
        if base is not None and base.generator is None:
            r.add(where, f"{context}{path_text(path)}: the base is a scenario, not a "
                  "generator")
            return False
        if len(path) != 2:
            r.add(where, f"{context}{path_text(path)}: write generator.SETTING")
            return False
    return True


def _try(spec: ExperimentSpec, overrides: list) -> list[str]:
    """What is wrong with the scenario these settings make, or nothing."""
    try:
        load_document(scenario_document(spec.base, overrides))
    except PathError as error:
        return [str(error)]
    except GeneratorError as error:
        return [str(error)]
    except ScenarioError as error:
        return problems(error)
    return []


def _validate_runs(r: _Reader, spec: ExperimentSpec) -> None:
    """Build and validate the scenarios the settings make: each [set] setting and each
    grid value on its own first (a problem is reported at that setting's line, with the
    scenario loader's reason), then every combination (up to a limit)."""
    base_overrides = spec.overrides({})
    head = base_overrides[: len(base_overrides) - len(spec.fixed)]  # the duration
    known: set[str] = set(_try(spec, head))
    for what in sorted(known):
        r.add(("experiment", "duration_s") if head else ("experiment", "base"),
              f"[experiment]: {what}")
    if known:
        return
    clean = True
    for i, (path, value) in enumerate(spec.fixed):
        for what in _try(spec, head + list(spec.fixed[: i + 1])):
            if what not in known:
                known.add(what)
                clean = False
                r.add(("set",) + path, f"[set]: {path_text(path)} = {inline(value)}: {what}")
    for axis in spec.axes:
        for value in axis.values:
            for what in _try(spec, base_overrides + [(axis.path, value)]):
                if what not in known:  # a problem the [set] table has is reported there
                    known.add(what)
                    clean = False
                    r.add(("grid",) + axis.path, f"[grid]: {axis.name} = {inline(value)}: {what}")
    if not clean:
        return
    for point in spec.points()[:_MAX_VALIDATED]:
        for what in _try(spec, spec.overrides(point)):
            shown = ", ".join(f"{k} = {inline(v)}" for k, v in point.items())
            r.add(("grid",), f"[grid]: the combination {shown} is not valid: {what}")
            return


def load_experiment(source: str | os.PathLike[str]) -> ExperimentSpec:
    """Read and validate an experiment file or built-in; ExperimentError lists every
    problem with its file, line and key."""
    path, label = _locate(source)
    try:
        text = _read_text(path, label)
        raw = _parse_toml(text, label)
    except ScenarioError as error:
        raise ExperimentError(error.messages) from None
    r = _Reader(label, text, path.parent)
    _check_keys(r, raw, (), _TOP_KEYS, "")
    head = raw.get("experiment")
    if not isinstance(head, dict):
        r.add(("experiment",) if head is not None else (), "missing the [experiment] table")
        head = {}
    _check_keys(r, head, ("experiment",), _EXPERIMENT_KEYS, "[experiment]: ")
    name = head.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        r.add(("experiment", "name"), "[experiment]: name must be a non-empty string")
        name = path.stem
    description = head.get("description", "")
    if not isinstance(description, str):
        r.add(("experiment", "description"), "[experiment]: description must be a string")
        description = ""
    base = None
    if "base" not in head:
        r.add(("experiment",), '[experiment]: missing required key "base"')
    else:
        base = _read_base(r, head["base"])
    seeds = _read_seeds(r, head.get("seeds", 1))
    duration_s = head.get("duration_s")
    if duration_s is not None and (isinstance(duration_s, bool) or
                                   not isinstance(duration_s, (int, float))
                                   or not 0 < duration_s < 1e7):
        r.add(("experiment", "duration_s"), "[experiment]: duration_s must be a positive "
              "number of seconds")
        duration_s = None
    metrics = head.get("metrics", list(METRICS))
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        r.add(("experiment", "metrics"), "[experiment]: metrics must be an array of names")
        metrics = list(METRICS)
    for i, m in enumerate(metrics):
        if m not in METRICS:
            r.add(("experiment", "metrics", i), f'[experiment]: unknown metric "{m}"'
                  f"{_suggest(m, METRICS)} (metrics: {', '.join(METRICS)})")
    fixed = []
    for table_name in ("set", "grid"):
        if table_name in raw and not isinstance(raw[table_name], dict):
            r.add((table_name,), f"{table_name} must be a table, written [{table_name}]")
    for leaf_path, value in _leaves(raw.get("set", {}) if isinstance(raw.get("set"), dict)
                                    else {}):
        if _check_path(r, ("set",) + leaf_path, leaf_path, base, "[set]: "):
            fixed.append((leaf_path, value))
    axes = []
    for leaf_path, values in _leaves(raw.get("grid", {}) if isinstance(raw.get("grid"), dict)
                                     else {}):
        where = ("grid",) + leaf_path
        if not _check_path(r, where, leaf_path, base, "[grid]: "):
            continue
        if not isinstance(values, list) or not values:
            r.add(where, f"[grid]: {path_text(leaf_path)} must be a non-empty array of the "
                  "values to try")
            continue
        if len({repr(v) for v in values}) != len(values):
            r.add(where, f"[grid]: {path_text(leaf_path)} repeats a value")
            continue
        axes.append(Axis(leaf_path, tuple(values), r.lines.line(where)))
    spec = ExperimentSpec(name, description, base or Base("none"), tuple(fixed), tuple(axes),
                          seeds, float(duration_s) if duration_s is not None else None,
                          tuple(m for m in metrics if m in METRICS), str(source))
    total = len(spec.points()) * max(1, len(seeds))
    if total > _MAX_RUNS:
        r.add(("grid",), f"[grid]: {total} runs is more than {_MAX_RUNS}")
    if base is not None:
        _validate_runs(r, spec)
    r.raise_if_any()
    return spec


def _locate(source: str | os.PathLike[str]) -> tuple[Path, str]:
    if not isinstance(source, str):
        return Path(source), os.fspath(source)
    bare = not source.endswith(".toml") and "/" not in source and os.sep not in source
    if bare:
        names = builtin_experiments()
        if source in names:
            path = experiments_dir() / f"{source}.toml"
            return path, str(path)
        if not Path(source).exists():
            raise ExperimentError([f"{source}: no such file or built-in experiment"
                                   f"{_suggest(source, names)} "
                                   f"(built-ins: {', '.join(names) or 'none installed'})"])
    return Path(source), source
