"""Hypothesis fuzzers over mutated scenario and lesson files (issue 9).

The built-in scenarios and lessons are mutated line by line (values, keys, structure,
truncation, nesting); loading must then either succeed or raise the loader's own error
with ``path...`` messages of one line each: never another exception, never a hang. A
scenario that loads is saved and read back unchanged. A third fuzzer draws ``[protocol]``
tables: whatever the loader accepts must run on the engine without an error.

The number of examples comes from ``HMIPVIZ_FUZZ_EXAMPLES`` (default 50, so CI stays
fast); a long run: ``HMIPVIZ_FUZZ_EXAMPLES=5000 pytest tests/robustness/test_fuzz_inputs.py``.
The protocol fuzzer runs the engine, so it takes a fifth of that count.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hmipviz.engine.config import ProtocolConfig
from hmipviz.lesson import LessonError, load_lesson
from hmipviz.resources import builtin_scenarios_dir, lessons_dir
from hmipviz.scenario import (
    Scenario,
    ScenarioError,
    dump_scenario,
    load_scenario,
)
from hmipviz.scenario.limits import PROTOCOL_ORDER, PROTOCOL_RANGES
from hmipviz.scenario.load import _protocol_kinds
from hmipviz.sim import Simulation

EXAMPLES = int(os.environ.get("HMIPVIZ_FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STEP_BUDGET = 2_000_000  # engine steps of one protocol run; a few thousand are usual
SLOW_S = 20.0  # one load of a mutated file; a hang shows as much more (the loads take ms)

SCENARIO_TEXTS = {p.name: p.read_text("utf-8") for p in
                  sorted(builtin_scenarios_dir().glob("*.toml"))
                  + sorted((lessons_dir() / "scenarios").glob("*.toml"))}
LESSON_TEXTS = {p.name: p.read_text("utf-8") for p in sorted(lessons_dir().glob("*.md"))}

KEYS = sorted({line.split(" = ")[0].strip() for text in SCENARIO_TEXTS.values()
               for line in text.splitlines() if " = " in line and not line.startswith("#")}
              | set(ProtocolConfig.field_names())
              | {"interface_id", "duplicate_addresses", "stop_s", "use_rcoa", "loss", "r",
                 "pref", "lifetime_s", "dist", "time_limit_s", "run_for_s", "run_until_s",
                 "within_s", "check", "solution", "setup", "question"})
HEADERS = ["[scenario]", "[protocol]", "[[node]]", "[[link]]", "[[move]]", "[[fail]]",
           "[[restore]]", "[[flow]]", "[[inject]]", "[[node.map_options]]", "[node]",
           "[scenario.x]", "+++", "## Step: fuzz", "```toml", "```", "[[question]]"]


# --- TOML values ------------------------------------------------------------------------------


def toml_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(x)
    return text if any(c in text for c in ".en") else text + ".0"


def toml_string(s: str) -> str:
    return json.dumps(s)  # JSON's escapes are TOML's; what TOML refuses is a fine input too


scalars = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["0", "-1", "1", "3", "4", "15", "16", "255", "256", "1280", "65000",
                     "65535", "65536", "70000", "1_000_000_000", "4294967296", "1" + "0" * 400]),
    st.floats(allow_nan=True, allow_infinity=True).map(toml_float),
    st.sampled_from(["0.0", "-0.0", "0.01", "0.5", "0.99", "1.0", "1e-300", "1e300", "nan",
                     "inf", "-inf"]),
    st.text(max_size=12).map(toml_string),
    st.sampled_from(['"2001:db8::1"', '"2001:db8:1::/64"', '"2001:db8:2::/48"', '"::a"',
                     '"::1"', '"fe80::1"', '"::"', '"MAP1"', '"MN"', '"AR1"', '"AR2"', '"HA"',
                     '"CN"', '"none"', '"map"', '"ar"', '"mn"', '"echo"', '"hmipv6"', '"esp"',
                     '""', "true", "false", "1979-05-27T07:32:00Z", "07:32:00"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3).map(
            lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"),
    ),
    max_leaves=6,
)
depths = st.integers(0, 40) | st.sampled_from([31, 32, 33, 100, 600])  # 600: RecursionError once
values = values | depths.map(lambda depth: "[" * depth + "1" + "]" * depth) \
    | depths.map(lambda depth: "{ a = " * depth + "1" + " }" * depth)


# --- mutations of a text, line by line -------------------------------------------------------

lines_to_insert = st.one_of(
    st.sampled_from(HEADERS),
    st.tuples(st.sampled_from(KEYS), values).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    st.text(max_size=30).map(lambda s: s.replace("\r", "")),
)
mutations = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10**6), values),
    st.tuples(st.just("rename"), st.integers(0, 10**6), st.sampled_from(KEYS)),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6)),
    st.tuples(st.just("swap"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), lines_to_insert),
    st.tuples(st.just("truncate"), st.floats(0.0, 1.0)),
)


def mutate(text: str, edits: list[tuple]) -> str:
    lines = text.split("\n")
    for edit in edits:
        kind = edit[0]
        if kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[: int(len(joined) * edit[1])].split("\n")
            continue
        if not lines:
            lines = [""]
        i = edit[1] % len(lines)
        if kind in ("set", "rename"):
            key, sep, value = lines[i].partition(" = ")
            if not sep:
                key, value = "x", "1"
            lines[i] = f"{key} = {edit[2]}" if kind == "set" else f"{edit[2]} = {value}"
        elif kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = edit[2] % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, edit[2])
    return "\n".join(lines)


def assert_own_messages(messages: list[str], path: Path) -> None:
    assert messages, "an error without messages"
    for message in messages:
        assert message.startswith(str(path)), message
        assert "\n" not in message and "Traceback" not in message, message


# --- the fuzzers ----------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from(sorted(SCENARIO_TEXTS)), st.lists(mutations, min_size=1, max_size=4))
def test_a_mutated_scenario_loads_or_gives_scenario_errors(source, edits):
    text = mutate(SCENARIO_TEXTS[source], edits)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.monotonic()
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            assert_own_messages(error.messages, path)
        else:
            assert isinstance(scenario, Scenario)
            again = Path(folder) / "again.toml"
            again.write_text(dump_scenario(scenario), encoding="utf-8")
            assert load_scenario(again) == scenario
        assert time.monotonic() - started < SLOW_S


@FUZZ
@given(st.sampled_from(sorted(LESSON_TEXTS)), st.lists(mutations, min_size=1, max_size=4))
def test_a_mutated_lesson_loads_or_gives_lesson_errors(source, edits):
    text = mutate(LESSON_TEXTS[source], edits)
    with tempfile.TemporaryDirectory() as folder:
        os.symlink(lessons_dir() / "scenarios", Path(folder) / "scenarios")
        path = Path(folder) / source
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.monotonic()
        try:
            load_lesson(path)
        except LessonError as error:
            assert_own_messages(error.messages, path)
        assert time.monotonic() - started < SLOW_S


KINDS = _protocol_kinds()


def protocol_value(key: str) -> st.SearchStrategy[float]:
    """Values of ``key`` in its range (its ends most often), and some outside it."""
    span = PROTOCOL_RANGES[key]
    ends = [span.lo, span.hi] + ([span.off] if span.off is not None else [])
    if KINDS[key] == "int":
        inside = st.integers(int(span.lo), int(span.hi))
        outside = st.sampled_from([int(span.lo) - 1, int(span.hi) + 1])
        ends = [int(e) for e in ends]
    else:
        inside = st.floats(span.lo, span.hi)
        outside = st.sampled_from([span.lo / 2 if span.lo > 0 else -1.0, span.hi * 2,
                                   math.nan, math.inf])
    return st.one_of(st.sampled_from(ends), inside, outside)


protocol_tables = st.lists(st.sampled_from(sorted(ProtocolConfig.field_names())), max_size=6,
                           unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: protocol_value(k) for k in keys}))


@settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
# found by this fuzzer: a BU held back by MAX_UPDATE_RATE was deferred to the instant it
# was already at (a float rounding), for ever; the HA's short lifetime makes BRRs and BUs
@example({"brr_fraction": 0.01, "ha_max_lifetime_s": 4}, "two-domains.toml")
@given(protocol_tables, st.sampled_from(["two-domains.toml", "route-optimisation.toml",
                                         "map-failure.toml", "several-maps.toml"]))
def test_protocol_values_the_loader_accepts_run_without_errors(table, source):
    lines = [f"{k} = {toml_float(v) if isinstance(v, float) else v}" for k, v in table.items()]
    text = SCENARIO_TEXTS[source] + "\n[protocol]\n" + "\n".join(lines) + "\n"
    defaults = dataclasses.asdict(ProtocolConfig())
    effective = {**defaults, **table}
    in_range = all(PROTOCOL_RANGES[k].holds(v) for k, v in table.items())
    in_order = all(effective[a] <= effective[b] for a, b, _ in PROTOCOL_ORDER
                   if a in table or b in table)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "protocol.toml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            assert not (in_range and in_order), error.messages
            assert_own_messages(error.messages, path)
            assert all("[protocol]" in m for m in error.messages), error.messages
            return
    assert in_range and in_order, table
    until = min(scenario.duration_s, 16.0)
    sim = Simulation(dataclasses.replace(scenario, duration_s=until))
    steps = 0
    last = (0.0, 0)  # (time, steps taken at that same instant): a loop that stands still
    while (t := sim.next_time()) is not None and t <= until:
        sim.step()
        steps += 1
        last = (t, last[1] + 1) if t == last[0] else (t, 1)
        assert last[1] < 10_000, f"{last[1]} steps at t = {t} s without time passing"
        assert steps < STEP_BUDGET, f"more than {STEP_BUDGET} steps in {until} s"
    assert sim.internal_errors == 0
