"""Lesson verification never hangs (issue 9): every run the verifier makes has a step
budget, and a lesson that asks for more says which line and why."""

from __future__ import annotations

import dataclasses
import time

from hmipviz import lesson as lesson_mod
from hmipviz.cli import main
from hmipviz.lesson import Action, BudgetExceeded, SimDriver, load_lesson, verify_lesson
from hmipviz.lesson import run as lesson_run
from hmipviz.scenario import load_scenario


def with_solution(name: str, index: int, *actions: Action):
    """A built-in lesson whose step ``index`` has this solution (built past the loader,
    which refuses such values itself: the runtime must be safe whatever gets through)."""
    lesson = load_lesson(name)
    steps = list(lesson.steps)
    steps[index] = dataclasses.replace(steps[index], solution=tuple(actions))
    return dataclasses.replace(lesson, steps=tuple(steps))


def test_a_huge_run_for_s_stops_at_the_budget_with_the_line(monkeypatch):
    # a tenth of the real budget: the same code path, and the time it takes, times ten,
    # bounds what `hmipviz check` spends on such a lesson with the real budget
    real_budget = lesson_run.STEP_BUDGET
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", real_budget // 10)
    lesson = with_solution("4", 0, Action("run_for_s", 1e9, (), 77))
    t0 = time.process_time()
    problems = verify_lesson(lesson)
    assert (time.process_time() - t0) * 10 < 60
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.startswith(f"{lesson.path}:77: step 1 ")
    assert (f"run_for_s = 1000000000.0: stopped after {real_budget // 10:,} simulator "
            "steps (the step budget)") in p


def test_an_infinite_run_until_is_refused_without_running():
    lesson = with_solution("4", 0, Action("run_until_s", float("inf"), (), 12))
    problems = verify_lesson(lesson)
    assert len(problems) == 1 and ":12: step 1 " in problems[0]
    assert "run_until_s = inf: stopped after 0 simulator steps" in problems[0]


def test_the_budget_is_read_when_the_run_happens(monkeypatch):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 500)
    lesson = with_solution("4", 0, Action("run_for_s", 1e6, (), 5))
    problems = verify_lesson(lesson)
    assert "stopped after 500 simulator steps (the step budget)" in problems[0]


def test_a_huge_time_limit_stops_at_the_budget(monkeypatch):
    """Waiting for a check that never holds is bounded too (time_limit_s = 1e9)."""
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 800)
    lesson = load_lesson("4")
    step = dataclasses.replace(lesson.steps[1], time_limit_s=1e9,
                               solution=(Action("play", True, (), 3),))
    lesson = dataclasses.replace(lesson, steps=(lesson.steps[0], step))
    problems = verify_lesson(lesson)
    assert any(f":{step.check_line}: step 2 " in p and "waiting up to 1e+09 s for the check: "
               "stopped after 800 simulator steps" in p for p in problems), problems


def test_sim_driver_run_until_is_bounded_and_exact_below_the_budget():
    sc = load_scenario("figure1")
    a, b = SimDriver(sc), SimDriver(sc)
    a.run_until(7.5)
    b.sim.run(7.5)
    assert a.sim.now == b.sim.now == 7.5 and len(a.sim.trace) == len(b.sim.trace)
    try:
        lesson_run.run_bounded(a.sim, 1e9, max_steps=100)
    except BudgetExceeded as exc:
        assert exc.steps == 100 and exc.target_s == 1e9 and exc.reached_s < 1e9
    else:
        raise AssertionError("no budget")


def test_cli_check_of_an_endless_lesson_ends(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 1000)
    lesson = with_solution("4", 0, Action("run_for_s", 1e9, (), 9))
    monkeypatch.setattr(lesson_mod, "load_lesson", lambda _path: lesson)
    path = tmp_path / "endless.md"
    path.write_text("x")
    assert main(["check", str(path)]) == 2
    assert "the step budget" in capsys.readouterr().err
