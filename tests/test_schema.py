"""`hmipviz schema`: the JSON Schema of scenario files agrees with the loader.

Every built-in (assets/scenarios and lessons/scenarios) validates; a corpus made by
mutating the built-ins (an unknown key, a wrong type, a number out of range, a missing
required key, and values at the edge of their range) is judged the same way by the
schema and by ``load_scenario``, except where the loader's message is one of the checks
the schema cannot express (``schema.LOADER_ONLY``, listed in docs/scenarios.md).
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hmipviz.cli import main
from hmipviz.resources import builtin_scenarios_dir, lessons_dir
from hmipviz.scenario import ScenarioError, load_scenario
from hmipviz.scenario import schema as scenario_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")

BUILTIN_FILES = sorted(builtin_scenarios_dir().glob("*.toml")) + sorted(
    (lessons_dir() / "scenarios").glob("*.toml"))
SCHEMA = scenario_schema.scenario_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
ROOT = Path(__file__).resolve().parent.parent


def _schema_ok(doc: dict[str, Any]) -> bool:
    return VALIDATOR.is_valid(doc)


# --- a TOML writer for the mutated documents (inline tables: every value on one line) ---

def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")) \
            if not math.isfinite(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _loader_messages(doc: dict[str, Any], path: Path) -> list[str]:
    path.write_text("".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in doc.items()),
                    encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as error:
        return error.messages
    return []


# --- the corpus: every table of every built-in, mutated one way at a time --------------

def _tables(doc: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, table) for each table a scenario file has, nested ones included."""
    for key, value in doc.items():
        if isinstance(value, dict):
            yield (key,), value
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                yield (key, i), item
                for sub, inner in item.items():
                    if isinstance(inner, dict):
                        yield (key, i, sub), inner
                    elif isinstance(inner, list) and inner and isinstance(inner[0], dict):
                        for j, option in enumerate(inner):
                            yield (key, i, sub, j), option


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _subschema(path: tuple[Any, ...], table: dict[str, Any]) -> dict[str, Any]:
    """The properties the schema gives the table at ``path`` (role and model resolved)."""
    schema = SCHEMA["properties"][path[0]]
    if schema.get("type") == "array":
        schema = schema["items"]
    for part in path[2:]:
        schema = schema["items"] if isinstance(part, int) else schema["properties"][part]
    props = dict(schema.get("properties", {}))
    for case in schema.get("allOf", []):
        key, const = next(iter(case["if"]["properties"].items()))
        if table.get(key) == const["const"]:
            props.update(case["then"].get("properties", {}))
            schema = {**schema, "required": schema.get("required", []) +
                      case["then"].get("required", [])}
    return {"properties": props, "required": schema.get("required", [])}


def _wrong_type(schema: dict[str, Any]) -> Any:
    """A value of a type the key does not take: a boolean for text, text for the rest."""
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "string" in kinds or "enum" in schema:
        return True
    return "x" if kinds - {None} else None


def _out_of_range(schema: dict[str, Any]) -> Any:
    if "minimum" in schema:
        return schema["minimum"] - 1
    if "exclusiveMinimum" in schema:
        return schema["exclusiveMinimum"]
    if "maximum" in schema:
        return schema["maximum"] + 1
    return None


def _edges(schema: dict[str, Any]) -> list[Any]:
    """Values at the edge of a numeric range, which both must accept."""
    found = []
    for bound in ("minimum", "maximum"):
        if bound in schema:
            found.append(schema[bound])
    return found


def _kind(path: tuple[Any, ...], doc: dict[str, Any]) -> tuple[Any, ...]:
    """Which kind of table ``path`` is: its keys without indexes, with the node's role
    and the mobility model (the schema's cases)."""
    kind: list[Any] = [p for p in path if not isinstance(p, int)]
    if path[0] == "node" and len(path) > 1:
        kind.insert(1, _get(doc, path[:2]).get("role"))
    return (*kind, _get(doc, path).get("model"))


def _corpus() -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(name, document, expected valid): each mutation of each kind of table, on the
    first built-in that has it (the same mutation of a like table teaches nothing new,
    and each case costs a load)."""
    seen: set[tuple[Any, ...]] = set()

    def first(*signature: Any) -> bool:
        new = signature not in seen
        seen.add(signature)
        return new

    # the smallest files first: a mutation of a small file is as telling and loads faster
    for file in sorted(BUILTIN_FILES, key=lambda f: f.stat().st_size):
        base = tomllib.loads(file.read_text("utf-8"))
        for path, table in _tables(base):
            where = f"{file.stem}:{'.'.join(str(p) for p in path)}"
            kind = _kind(path, base)
            props = _subschema(path, table)
            if first(kind, "unknown key"):
                doc = copy.deepcopy(base)
                _get(doc, path)["colour"] = "blue"
                yield f"{where}:unknown key", doc, False
            for key in props["required"]:
                if key in table and first(kind, key, "missing"):
                    doc = copy.deepcopy(base)
                    del _get(doc, path)[key]
                    yield f"{where}.{key}:missing", doc, False
            for key, value in table.items():
                schema = props["properties"].get(key, {})
                if not isinstance(value, (int, float, str, bool, list)):
                    continue
                for label, new, valid in (
                        ("wrong type", _wrong_type(schema), False),
                        ("out of range", _out_of_range(schema), False),
                        *[("edge", edge, True) for edge in _edges(schema)]):
                    if new is None or not first(kind, key, label, new):
                        continue
                    doc = copy.deepcopy(base)
                    _get(doc, path)[key] = new
                    yield f"{where}.{key}:{label}={new!r}", doc, valid
        if first("top"):
            top = copy.deepcopy(base)
            top["colour"] = "blue"
            yield f"{file.stem}:top:unknown table", top, False


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_builtin_validates_against_the_schema(path):
    doc = tomllib.loads(path.read_text("utf-8"))
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert errors == []


def test_the_schema_is_draft_2020_12_and_well_formed():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    # generated from the loader's tables: a key the loader reads is in the schema
    node = SCHEMA["properties"]["node"]["items"]["properties"]
    assert node["radius"] == {"type": "number", "exclusiveMinimum": 0}
    option = node["map_options"]["items"]["properties"]
    assert option["dist"] == {"type": "integer", "minimum": 1, "maximum": 15}
    assert SCHEMA["properties"]["protocol"]["properties"]["brr_fraction"]["anyOf"][0] == {
        "const": 0.0}


def _loader_only(message: str) -> bool:
    return any(re.search(pattern, message) for _, pattern in scenario_schema.LOADER_ONLY)


def test_schema_and_loader_agree_on_a_corpus_of_mutated_builtins(tmp_path):
    corpus = list(_corpus())  # built here, not at collection (each worker collects)
    assert len(corpus) > 150  # every kind of table, several mutations each
    disagreements, loader_only = [], []
    for name, doc, expected in corpus:
        schema_ok = _schema_ok(doc)
        messages = _loader_messages(doc, tmp_path / "s.toml")
        if schema_ok != expected:
            disagreements.append(f"{name}: schema says {schema_ok}")
        elif not expected and not messages:
            disagreements.append(f"{name}: the loader accepts it")
        elif expected and messages:
            # at the edge of a range the loader may refuse only for a cross-check
            unexplained = [m for m in messages if not _loader_only(m)]
            if unexplained:
                disagreements.append(f"{name}: the loader refuses: {unexplained}")
            loader_only.append(name)
    assert disagreements == []
    print(f"{len(corpus)} files; loader-only refusals at the edge: {len(loader_only)}")


def test_loader_only_cross_checks_are_documented():
    text = " ".join((ROOT / "docs" / "scenarios.md").read_text("utf-8").split())
    for what, _ in scenario_schema.LOADER_ONLY:
        assert what in text, what


def test_hmipviz_schema_writes_the_file_and_prints_it(tmp_path, capsys):
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text("utf-8")) == SCHEMA
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA
