"""A check's sentence is built once per check, and kept no longer than the check (issue
9 soak: a module-level table kept every check of every lesson opened, up to 4,096
entries, so each lesson opened in the window added live objects for the session)."""

from __future__ import annotations

import gc

from hmipviz.lesson import checks, evaluate
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


def _live_checks() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is checks.Check)


def test_a_dropped_check_and_its_sentence_are_freed(monkeypatch):
    built: list[str] = []
    real = evaluate.describe_check

    def counting(check):
        built.append(check.name)
        return real(check)

    monkeypatch.setattr(evaluate, "describe_check", counting)
    w = checks.Window(Simulation(load_scenario("figure1")), 0)
    before = _live_checks()
    for k in range(20):  # a lesson opened again and again parses its checks anew
        check = checks.Check("sent", "local BU", (("from", f"MN{k}"),))
        first = evaluate.evaluate(check, w)
        assert evaluate.evaluate(check, w) == first  # asked again: the same sentence
        assert "local BU" in first.detail and not first.passed
    assert built == ["sent"] * 20  # built once per check
    del check
    assert _live_checks() == before  # 20 more before the fix: a module table kept them
