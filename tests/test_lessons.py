"""Lessons: every built-in lesson verified on the engine, the check language, broken
files, the player's API, progress files and the CLI commands."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmipviz.cli import main
from hmipviz.engine import describe
from hmipviz.lesson import (
    STATE_VERBS,
    Lesson,
    LessonError,
    LessonRun,
    Progress,
    ProgressStore,
    SimDriver,
    builtin_lessons,
    load_lesson,
    parse_lesson,
    verify_lesson,
)
from hmipviz.lesson import checks as lc
from hmipviz.lesson import fields as lf
from hmipviz.lesson import predict as lp_
from hmipviz.lesson.run import fork
from hmipviz.resources import lessons_dir

ROOT = Path(__file__).resolve().parent.parent
BUILTINS = [name for name, _, _ in builtin_lessons()]
TSHARK = shutil.which("tshark")


@functools.cache
def _lesson(name: str) -> Lesson:
    """A built-in lesson, loaded once per process (lessons are immutable data)."""
    return load_lesson(name)


def all_steps():
    return [(name, i) for name in BUILTINS for i in range(len(_lesson(name).steps))]


def predictions():
    out = []
    for name in BUILTINS:
        for step in _lesson(name).steps:
            out += [(name, step.index, q.id) for q in step.questions if q.is_prediction]
    return out


@functools.cache
def _step_starts(name: str) -> tuple[tuple[object, tuple, frozenset[int]], ...]:
    """One play of a lesson on its solutions, as ``LessonRun.goto`` replays it: for each
    step, (the engine, the driver's actions, the steps passed) at the step's start,
    before its set-up. Played once per process and shared by the per-step tests (each
    replayed every earlier step before); never run: :func:`_at_step` forks it.
    test_one_play_per_lesson_is_what_goto_replays checks it against ``goto``."""
    lesson = _lesson(name)
    run = LessonRun(lesson, start=False)
    run.driver.reset(lesson.mode)
    starts = []
    for i in range(len(lesson.steps)):
        starts.append((fork(run.sim), tuple(run.driver.demo_actions()),
                       frozenset(run.passed)))
        run.start_step(i, setup=False)
        run.apply_setup()
        assert run.apply_solution(settle=True).passed, (name, i)
    return tuple(starts)


@pytest.fixture(scope="module", autouse=True)
def _forget_the_plays():
    """The shared plays hold some 100,000 objects: let them go with this module, so
    that the garbage collector does not walk them through the rest of the run (the
    CPU-time ratio tests of other modules would pay for it)."""
    yield
    _step_starts.cache_clear()


def _at_step(name: str, index: int, setup: bool = True) -> LessonRun:
    """A run at the start of step ``index`` as ``run.goto(index)`` leaves it (with
    ``setup``: the step's set-up applied), on a copy of the shared play."""
    lesson = _lesson(name)
    sim, actions, passed = _step_starts(name)[index]
    driver = SimDriver(lesson.scenario, fork(sim))  # type: ignore[arg-type]
    driver.actions = list(actions)
    run = LessonRun(lesson, driver, start=False)
    run.passed = set(passed)
    run.start_step(index, setup=setup)
    return run


# --- the built-in lessons -----------------------------------------------------------------


def test_the_lessons_of_the_issue_are_there_in_order():
    numbers = [int(name.split("-")[0]) for name in BUILTINS]
    assert numbers == list(range(1, 19))


@pytest.mark.parametrize("name", BUILTINS)
def test_lesson_shape(name):
    lesson = load_lesson(name)
    assert 5 <= len(lesson.steps) <= 12
    assert lesson.title and lesson.summary and lesson.goals
    assert lesson.intro.strip()
    assert any(step.questions for step in lesson.steps)
    for step in lesson.steps:
        assert step.text.strip(), f"step {step.index + 1} has no text for the learner"
        assert "```toml" not in step.text  # the data block is not shown to learners
        assert step.solution
    # every explanation cites the RFC somewhere in the lesson
    assert re.search(r"RFC \d{4}", lesson.intro + "".join(s.text for s in lesson.steps))


@pytest.mark.parametrize("name, index", all_steps())
def test_step_solution_satisfies_its_check_and_nothing_else_does(name, index):
    """Played from the start: the step's check is false before its actions (at its start
    and after its set-up), and true once its solution has been applied."""
    run = _at_step(name, index)  # the earlier steps' solutions played, this set-up applied
    step = run.step
    fresh = _at_step(name, index)
    fresh.start_step(index, setup=False)
    assert not fresh.check().passed, "the check holds at the start of its step"
    assert not run.check().passed, "the check holds right after the set-up"
    if any(a.verb in STATE_VERBS for a in step.solution):
        idle = _at_step(name, index)
        assert not idle.settle().passed, "the check holds without the learner's action"
    result = run.apply_solution(settle=True)
    assert result.passed, result.detail
    assert result.detail.startswith("done: ")
    assert run.can_advance()


@pytest.mark.parametrize("name", BUILTINS)
def test_one_play_per_lesson_is_what_goto_replays(name):
    """The shared play the per-step tests start from (forks of the engine at each
    step's start) is the state ``goto`` rebuilds by replaying from the start: the same
    time, trace, caches and lists at the last step, and the same check outcome."""
    lesson = _lesson(name)
    last = len(lesson.steps) - 1
    shared = _at_step(name, last)
    replayed = LessonRun(lesson, start=False)
    replayed.goto(last)
    a, b = shared.sim, replayed.sim
    assert (a.now, a.mode, a.security) == (b.now, b.mode, b.security)
    assert [(type(e), e.t, getattr(e, "data", None)) for e in a.trace] == \
        [(type(e), e.t, getattr(e, "data", None)) for e in b.trace]
    assert a.binding_caches() == b.binding_caches()
    assert a.binding_update_list() == b.binding_update_list()
    assert a.next_time() == b.next_time()
    assert shared.mark == replayed.mark and shared.passed == replayed.passed
    assert shared.driver.demo_actions() == replayed.driver.demo_actions()
    assert shared.apply_solution().passed and replayed.apply_solution().passed
    assert len(shared.sim.trace) == len(replayed.sim.trace)


@pytest.mark.parametrize("name", BUILTINS)
def test_verify_lesson_finds_no_problem(name):
    assert verify_lesson(load_lesson(name)) == []


# the answers of the predictions of a destination, a status and a field, when the learner
# does what the step says
SOLUTION_ANSWERS = {"predict-first-bu": "MAP1", "predict-status": "129",
                    "predict-ha-lifetime": "120"}


@pytest.mark.parametrize("name, index, qid", predictions())
def test_prediction_answer_is_what_the_engine_sends(name, index, qid):
    """Locked in at the step's start and graded on the run itself: once the solution
    is done, the reveal names the message the trace holds, it is one of the choices,
    and only that first attempt counts (a second is refused)."""
    lesson = _lesson(name)
    _, question = lesson.question(qid)
    run = _at_step(name, index)  # as run.goto(index) leaves it
    commit = run.predict(qid, 0)
    run.apply_solution(settle=True)
    if run.revealed(qid) is None:  # the message may come after the check holds
        run.driver.run_until(commit.t + question.within_s + 1e-6)
        run.watch_predictions()
    got = run.revealed(qid)
    assert got is not None and got.choice == 0
    book = lf.AddressBook(run.sim)
    assert any(lp_.choice_matches(question, c, got.answer, book) for c in question.choices)
    if got.index is not None:  # the message is in the trace, after the commitment
        e = run.sim.trace[got.index]
        assert got.index >= commit.mark and lp_.answer_of(question, e, book) == got.answer
    assert run.answers[qid] == (0, got.correct)
    if qid in SOLUTION_ANSWERS:  # what the lesson's text teaches, on its solution's path
        assert got.answer == SOLUTION_ANSWERS[qid]
    with pytest.raises(lp_.PredictionRefused):
        run.predict(qid, 1)


def test_some_predictions_teach_what_the_rfc_says():
    """Spot checks that the answers on the solution's path are the ones the lesson
    texts explain."""
    def answer(name: str, qid: str) -> str | None:
        lesson = load_lesson(name)
        step, _ = lesson.question(qid)
        run = LessonRun(lesson, start=False)
        run.goto(step.index)
        run.predict(qid, 0)
        run.apply_solution(settle=True)
        run.reveal_ahead(qid)  # its message may come after the step is done
        return run.prediction(qid)

    assert answer("03-first-registration", "predict-after-ba") == describe.HOME_BU
    assert answer("04-intra-map", "predict-first-bu") == "MAP1"
    assert answer("01-why-local-anchor", "predict-mip") == describe.HOME_BU
    assert answer("02-map-discovery", "predict-rs") == describe.RS


def test_multiple_choice_feedback_and_score():
    lesson = load_lesson("04-intra-map")
    clock = iter(range(0, 1000, 10))
    run = LessonRun(lesson, clock=lambda: float(next(clock)))
    q = lesson.steps[0].questions[0]
    right = next(i for i, c in enumerate(q.choices) if c.correct)
    wrong = (right + 1) % len(q.choices)
    fb = run.answer(q.id, wrong)
    assert not fb.correct and fb.first_try
    assert fb.explanation == q.choices[wrong].explain
    assert fb.answer == q.choices[right].text
    assert run.answer(q.id, right).correct  # a second try is right but does not count
    summary = run.summary()
    assert (summary.questions_right, summary.questions_answered) == (0, 1)
    assert summary.questions_total == sum(len(s.questions) for s in lesson.steps)
    assert summary.elapsed_s > 0
    with pytest.raises(IndexError):
        run.answer(q.id, 99)


def test_next_only_after_the_check_holds_and_hints_in_order():
    lesson = load_lesson("04-intra-map")
    run = LessonRun(lesson)
    assert not run.can_advance() and not run.advance()
    hints = lesson.steps[0].hints
    assert [run.next_hint() for _ in hints] == list(hints)
    assert run.next_hint() is None and run.hints_used == len(hints)
    run.apply_solution()
    assert run.advance() and run.index == 1
    assert not run.check().passed
    run.driver.move("AR2")  # what the learner does by dragging
    for _ in range(2000):
        run.driver.step()
        if run.check().passed:
            break
    assert run.can_advance()
    assert run.summary().steps_passed == 2


def test_the_player_only_acts_through_its_driver():
    """The GUI passes its own driver; every action of a lesson goes through it."""
    lesson = load_lesson("07-map-failure")

    class Recording(SimDriver):
        def __init__(self, scenario):
            super().__init__(scenario)
            self.calls: list[str] = []

        def fail(self, node):
            self.calls.append(f"fail {node}")
            super().fail(node)

        def play(self):
            self.calls.append("play")

    driver = Recording(lesson.scenario)
    run = LessonRun(lesson, driver)
    run.apply_solution()
    run.advance()
    run.apply_solution()
    assert driver.calls == ["play", "fail MAP1"]
    assert run.sim is driver.sim


def test_inject_and_security_go_through_the_driver():
    lesson = load_lesson("09-security")

    class Recording(SimDriver):
        def __init__(self, scenario):
            super().__init__(scenario)
            self.calls: list[tuple] = []

        def inject(self, node, data):
            self.calls.append(("inject", node, len(data)))
            super().inject(node, data)

        def reset(self, mode, security=None):
            self.calls.append(("reset", mode, security))
            super().reset(mode, security)

    driver = Recording(lesson.scenario)
    run = LessonRun(lesson, driver)
    for _ in range(len(lesson.steps) - 1):
        assert run.apply_solution().passed
        run.advance()
    assert run.apply_solution().passed
    assert driver.calls == [("inject", "EVE", 80), ("reset", "hmipv6", "esp"),
                            ("inject", "EVE", 80)]
    assert run.sim.security == "esp"


def test_reset_in_a_step_starts_the_window_again():
    lesson = load_lesson("08-tunnels")
    run = LessonRun(lesson, start=False)
    step = next(s for s in lesson.steps if any(a.verb == "reset" for a in s.solution))
    run.goto(step.index)
    before = run.sim
    assert run.apply_solution().passed
    assert run.sim is not before and run.mark == 0


def test_resume_rebuilds_the_same_engine_state(tmp_path):
    lesson = load_lesson("05-inter-map")
    run = LessonRun(lesson)
    for _ in range(3):
        run.apply_solution()
        run.advance()
    q = lesson.steps[2].questions[1]
    run.answer(q.id, 0)
    store = ProgressStore(tmp_path / "progress")
    store.save(run.progress())
    saved = json.loads(store.path_for(lesson.name).read_text())
    assert saved["step"] == 3 and saved["lesson"] == lesson.name
    assert not list((tmp_path / "progress").glob("*.tmp"))

    again = LessonRun(lesson, start=False)
    again.resume(store.load(lesson.name))
    assert again.index == 3 and again.passed == {0, 1, 2}
    assert again.sim.now == pytest.approx(run.sim.now)
    assert again.sim.binding_caches() == run.sim.binding_caches()
    assert again.summary().questions_answered == 1


def test_progress_from_a_newer_version_is_kept_with_a_warning(tmp_path, caplog):
    store = ProgressStore(tmp_path)
    newer = json.dumps({"version": 2, "lesson": "04-intra-map", "step": 5, "badges": ["x"]})
    store.path_for("04-intra-map").write_text(newer)
    assert store.load("04-intra-map") is None
    backup = tmp_path / "04-intra-map.json.v2.bak"
    assert backup.read_text() == newer
    assert not store.path_for("04-intra-map").exists()
    assert len(store.warnings) == 1 and "kept as 04-intra-map.json.v2.bak" in store.warnings[0]
    assert "written by a newer hmipviz (format 2, this one reads 1)" in caplog.text
    # a newer file that appears later is set aside by save too, under a free name
    store.path_for("04-intra-map").write_text(newer)
    store.save(Progress("04-intra-map", 1))
    assert (tmp_path / "04-intra-map.json.v2-2.bak").read_text() == newer
    assert backup.read_text() == newer
    assert store.load("04-intra-map") == Progress("04-intra-map", 1)
    assert len(store.warnings) == 2


def test_progress_store_tolerates_bad_files(tmp_path):
    store = ProgressStore(tmp_path)
    assert store.load("04-intra-map") is None
    store.path_for("04-intra-map").write_text("{ not json")
    assert store.load("04-intra-map") is None
    store.path_for("04-intra-map").write_text(json.dumps({"version": 1, "lesson": "x"}))
    assert store.load("04-intra-map") is None
    store.save(Progress("04-intra-map", 2, (0, 1), (("q", 1, True),), 3, 12.5))
    assert store.load("04-intra-map") == Progress("04-intra-map", 2, (0, 1),
                                                  (("q", 1, True),), 3, 12.5)


def test_lesson_modules_import_no_qt():
    code = textwrap.dedent("""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "pyqtgraph"):
                    raise ImportError(name + " must not be imported here")
        sys.meta_path.insert(0, Block())
        from hmipviz.lesson import LessonRun, load_lesson
        run = LessonRun(load_lesson("4"))
        print(run.apply_solution().passed)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "True"


def test_lessons_are_found_where_a_wheel_installs_them(tmp_path):
    """In a wheel, lessons/ is the namespace package hmipviz.lessons (no __init__.py)."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "hmipviz", site / "hmipviz",
                    ignore=shutil.ignore_patterns("__pycache__", "gui"))
    shutil.copytree(ROOT / "lessons", site / "hmipviz" / "lessons")
    shutil.copytree(ROOT / "assets", site / "hmipviz" / "assets")
    code = ("from hmipviz.lesson import builtin_lessons, load_lesson, verify_lesson; "
            "from hmipviz.resources import lessons_dir; print(lessons_dir()); "
            "print(len(builtin_lessons())); print(verify_lesson(load_lesson('3')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin"},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    folder, count, problems = proc.stdout.splitlines()
    assert Path(folder) == site / "hmipviz" / "lessons"
    assert int(count) == len(BUILTINS) and problems == "[]"


def test_lesson_scenarios_ship_with_the_lessons():
    for name in BUILTINS:
        lesson = load_lesson(name)
        assert lesson.scenario.nodes
    assert sorted(p.name for p in (lessons_dir() / "scenarios").glob("*.toml"))
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"hmipviz.lessons.scenarios" = ["*.toml"]' in pyproject


# --- the check language ------------------------------------------------------------------

HEADER = """+++
title = "T"
summary = "S"
goals = ["g"]
scenario = "figure1"
+++

Intro, RFC 5380.
"""


def lesson_from(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "x.md"
    path.write_text(header + textwrap.dedent(body))
    return path


def one_step(check: str, solution: str = '[{ play = true }]', extra: str = "") -> str:
    return f"""
## Step: s

Text.

```toml
check = {check}
solution = {solution}
{extra}
```
"""


def run_one(tmp_path: Path, check: str, solution: str = '[{ play = true }]',
            limit: float = 3.0) -> bool:
    path = lesson_from(tmp_path, one_step(check, solution, f"time_limit_s = {limit}"))
    return LessonRun(load_lesson(path)).apply_solution().passed


def test_then_needs_the_events_in_order(tmp_path):
    assert run_one(tmp_path, '{ then = [{ sent = "local BU", from = "MN" }, '
                             '{ sent = "BU to HA", from = "MN" }] }')
    assert not run_one(tmp_path, '{ then = [{ sent = "BU to HA", from = "MN" }, '
                                 '{ sent = "local BU", from = "MN" }] }')


def test_from_means_the_node_that_built_the_message(tmp_path):
    # MAP1 forwards the MN's BU to the HA after decapsulating it: not "from MAP1"
    assert not run_one(tmp_path, '{ sent = "BU to HA", from = "MAP1" }')
    assert run_one(tmp_path, '{ hop = "BU to HA", node = "MAP1", to_node = "R" }')
    # the HA's BA goes to the MN (its routing header names the home address)
    assert run_one(tmp_path, '{ sent = "BA from HA", from = "HA", to = "MN" }')
    assert not run_one(tmp_path, '{ sent = "BA from HA", from = "HA", to = "MAP1" }')


def test_acknowledged_status_and_counts(tmp_path):
    assert run_one(tmp_path, '{ sent = "local BU", to = "MAP1", acknowledged = true }')
    assert run_one(tmp_path, '{ sent = "local BU", to = "MAP1", status = 0 }')
    assert not run_one(tmp_path, '{ sent = "local BU", to = "MAP1", status = 129 }')
    assert not run_one(tmp_path, '{ sent = "local BU", from = "MN", at_least = 2 }')


def test_where_compares_fields_with_addresses_and_numbers(tmp_path):
    assert run_one(tmp_path, '{ sent = "local BU", where = { "dstopt.hao.address" = "rcoa", '
                             '"mip6.bu.lifetime" = { at_most = 600 }, '
                             '"ipv6.src" = { in_prefix_of = "AR1" } } }')
    assert not run_one(tmp_path, '{ sent = "local BU", where = { "dstopt.hao.address" = '
                                 '"hoa" } }')
    assert run_one(tmp_path, '{ sent = "RA", where = { "icmpv6.opt_prefix.prefix" = "AR1", '
                             '"routing.type" = { present = false } } }')


def test_not_and_any(tmp_path):
    assert run_one(tmp_path, '{ all = [{ handover = "initial" }, '
                             '{ not = { sent = "BU to CN" } }] }')
    assert run_one(tmp_path, '{ any = [{ handover = "mipv6" }, { handover = "initial" }] }')
    assert not run_one(tmp_path, '{ any = [{ handover = "mipv6" }, '
                                 '{ handover = "inter-MAP" }] }', limit=1)


def test_state_checks_read_the_engine_now(tmp_path):
    assert run_one(tmp_path, '{ all = [{ mn_state = "registered" }, '
                             '{ bul = "HA", acknowledged = true, care_of = "rcoa" }, '
                             '{ current_map = "MAP1" }, { mn_attached = "AR1" }] }')
    assert run_one(tmp_path, '{ binding = "MAP1", home = "rcoa", care_of = "lcoa", '
                             'lifetime_s = 600 }')
    assert not run_one(tmp_path, '{ all = [{ handover = "initial" }, '
                                 '{ binding = "HA", absent = true, home = "hoa" }] }', limit=1)
    assert run_one(tmp_path, '{ all = [{ handover = "initial" }, '
                             '{ binding = "HA", absent = true, care_of = "lcoa" }] }', limit=1)


def test_since_step_false_reads_the_whole_run(tmp_path):
    body = one_step('{ handover = "initial" }') + one_step(
        '{ all = [{ sent = "RS", from = "MN", since_step = false }, '
        '{ sent = "RA", from = "AR1" }] }')
    run = LessonRun(load_lesson(lesson_from(tmp_path, body)))
    run.apply_solution()
    run.advance()
    assert run.apply_solution().passed
    body = one_step('{ handover = "initial" }') + one_step(
        '{ all = [{ sent = "RS", from = "MN" }, { sent = "RA", from = "AR1" }] }',
        extra="time_limit_s = 4")
    run = LessonRun(load_lesson(lesson_from(tmp_path, body)))
    run.apply_solution()
    run.advance()
    assert not run.apply_solution().passed


def test_the_docs_list_every_check_field_and_action():
    docs = (ROOT / "docs" / "lessons.md").read_text()
    from hmipviz.lesson import ACTION_VERBS, QUESTION_KEYS, STEP_KEYS
    def in_code(word: str) -> bool:  # `word`, `word = ...`, `{ word = ... }`
        return re.search(rf"`(\{{ )?{re.escape(word)}( = [^`\n]*)?`", docs) is not None

    for name, d in lc.CHECKS.items():
        assert in_code(name), name
        for param in d.params:
            assert in_code(param), (name, param)
    for name in list(lf.FIELDS) + list(ACTION_VERBS) + list(STEP_KEYS) + list(QUESTION_KEYS):
        assert in_code(name), name


def test_the_example_in_the_docs_is_a_valid_lesson(tmp_path):
    docs = (ROOT / "docs" / "lessons.md").read_text()
    example = re.search(r"^````markdown\n(.*?)^````", docs, re.S | re.M).group(1)
    path = tmp_path / "example.md"
    path.write_text(example)
    lesson = load_lesson(path)
    assert len(lesson.steps) == 2
    assert verify_lesson(lesson) == []


# --- broken files ------------------------------------------------------------------------

GOOD_STEP = one_step('{ handover = "initial" }')

BROKEN = [
    ("front matter syntax", '+++\ntitle = "T\n+++\n' + GOOD_STEP,
     r'x\.md:2: front matter: TOML syntax error: .*\(column \d+\)'),
    ("no front matter", GOOD_STEP, r'x\.md:2: a lesson starts with a front matter block'),
    ("front matter not closed", '+++\ntitle = "T"\n',
     r'x\.md:1: front matter: no closing "\+\+\+" line'),
    ("unknown front key", HEADER.replace('goals', 'goal') + GOOD_STEP,
     r'x\.md:4: front matter: unknown key "goal" \(did you mean "goals"\?\)$'),
    ("unknown step key", HEADER + one_step('{ handover = "initial" }', extra="time_limt_s = 5"),
     r'x\.md:17: step 1 "s": unknown key "time_limt_s" \(did you mean "time_limit_s"\?\)$'),
    ("run_until_s inf", HEADER + one_step('{ handover = "initial" }', '[{ run_until_s = inf }]'),
     r'x\.md:16: step 1 "s": solution: run_until_s must be a finite number, not inf$'),
    ("run_for_s nan", HEADER + one_step('{ handover = "initial" }', '[{ run_for_s = nan }]'),
     r'x\.md:16: step 1 "s": solution: run_for_s must be a finite number, not nan$'),
    ("run_for_s beyond the scenario", HEADER + one_step('{ handover = "initial" }',
                                                         '[{ run_for_s = 1e9 }]'),
     r"x\.md:16: step 1 \"s\": solution: run_for_s must be at most the scenario's duration_s "
     r"\(20 s\), not 1e\+09; set a longer duration_s in the front matter$"),
    ("run_until_s beyond the scenario in the set-up", HEADER + one_step(
        '{ handover = "initial" }', extra="setup = [{ run_until_s = 21 }]"),
     r"x\.md:17: step 1 \"s\": setup: run_until_s must be at most the scenario's duration_s "
     r"\(20 s\), not 21"),
    ("time_limit_s inf", HEADER + one_step('{ handover = "initial" }', extra="time_limit_s = inf"),
     r'x\.md:17: step 1 "s": time_limit_s must be a finite number, not inf$'),
    ("time_limit_s beyond the scenario", HEADER + one_step('{ handover = "initial" }',
                                                            extra="time_limit_s = 600"),
     r"x\.md:17: step 1 \"s\": time_limit_s must be at most the scenario's duration_s \(20 s\)"),
    ("within_s nan", HEADER + one_step('{ handover = "initial" }', extra=(
        '[[question]]\npredict = "MN"\nwithin_s = nan\nask = "?"\n'
        'choices = [{ kind = "RS", explain = "x" }, { kind = "local BU", explain = "y" }]')),
     r'x\.md:19: step 1 "s": within_s must be a finite number, not nan$'),
    ("latency nan", HEADER + one_step('{ handover = "initial", latency_ms_at_most = nan }'),
     r'x\.md:15: step 1 "s": handover: latency_ms_at_most must be a finite number, not nan$'),
    ("front duration inf", HEADER.replace('goals', 'duration_s = inf\ngoals') + GOOD_STEP,
     r'x\.md:4: front matter: duration_s must be a finite number, not inf$'),
    ("front duration too long", HEADER.replace('goals', 'duration_s = 1e9\ngoals') + GOOD_STEP,
     r'x\.md:4: front matter: duration_s must be at most 86400, not 1e\+09$'),
    ("deep nesting in a step", HEADER + one_step("[" * 500 + "]" * 500),
     r'x\.md:15: step 1 "s": arrays and tables nested more than 32 deep'),
    ("deep nesting in the front matter", HEADER.replace('goals', 'x = ' + "[" * 500 + "\ngoals")
     + GOOD_STEP, r'x\.md:4: front matter: arrays and tables nested more than 32 deep'),
    ("unknown scenario", HEADER.replace('"figure1"', '"figur1"') + GOOD_STEP,
     r'x\.md:5: front matter: scenario "figur1": no such file or built-in scenario '
     r'\(did you mean "figure1"\?\)'),
    ("missing scenario file", HEADER.replace('"figure1"', '"nowhere/x.toml"') + GOOD_STEP,
     r'x\.md:5: front matter: scenario "nowhere/x.toml": .*nowhere/x\.toml: no such file'),
    ("step syntax", HEADER + one_step('{ handover = "initial"'),
     r'x\.md:15: step 1 "s": TOML syntax error: .*\(column \d+\)'),
    ("unknown check", HEADER + one_step('{ handovr = "initial" }'),
     r'x\.md:15: step 1 "s": unknown check "handovr" \(did you mean "handover"\?\)'),
    ("bad check value", HEADER + one_step('{ handover = "sideways" }'),
     r'x\.md:15: step 1 "s": handover: must be one of .* not \'sideways\''),
    ("unknown node", HEADER + one_step('{ sent = "local BU", to = "MAP7" }'),
     r'x\.md:15: step 1 "s": sent: to "MAP7" is not a node of the scenario '
     r'\(did you mean "MAP1"\?\)'),
    ("wrong role", HEADER + one_step('{ map_selected = "AR1" }'),
     r'x\.md:15: step 1 "s": map_selected: must name a MAP of the scenario, not \'AR1\''),
    ("unknown parameter", HEADER + one_step('{ sent = "RA", form = "AR1" }'),
     r'x\.md:15: step 1 "s": check "sent" has no parameter "form" \(did you mean "from"\?\)'),
    ("bad parameter type", HEADER + one_step('{ sent = "RA", at_least = "two" }'),
     r'x\.md:15: step 1 "s": sent: at_least must be an integer, not a string'),
    ("unknown kind", HEADER + one_step('{ sent = "local BUU" }'),
     r'did you mean "local BU"\?'),
    ("unknown field", HEADER + one_step('{ sent = "RA", where = { "mip6.bu.flag_q" = true } }'),
     r'x\.md:15: step 1 "s": sent: where unknown packet field "mip6\.bu\.flag_q"'),
    ("then with a state check", HEADER + one_step('{ then = [{ mn_attached = "AR1" }] }'),
     r'then: "mn_attached" reads state, not events'),
    ("two check names", HEADER + one_step('{ sent = "RA", handover = "initial" }'),
     r'one check per table'),
    ("missing check", HEADER + "\n## Step: s\n\nT.\n\n```toml\nsolution = [{ play = true }]\n```\n",
     r'x\.md:15: step 1 "s": missing "check"'),
    ("missing solution",
     HEADER + "\n## Step: s\n\nT.\n\n```toml\ncheck = { handover = \"initial\" }\n```\n",
     r'x\.md:15: step 1 "s": missing "solution"'),
    ("unknown action", HEADER + one_step('{ handover = "initial" }', '[{ mvoe = "AR2" }]'),
     r'x\.md:16: step 1 "s": solution: unknown action "mvoe" \(did you mean "move"\?\)'),
    ("action on the MN", HEADER + one_step('{ handover = "initial" }', '[{ fail = "MN" }]'),
     r'fail "MN" is the MN'),
    ("bad hex", HEADER + one_step('{ handover = "initial" }',
                                  '[{ inject = "CN", hex = "60 00 zz" }]'),
     r'x\.md:16: step 1 "s": solution: inject: hex is not hexadecimal'),
    ("short packet", HEADER + one_step('{ handover = "initial" }',
                                       '[{ inject = "CN", hex = "6000 0000" }]'),
     r'hex is 4 bytes, shorter than an IPv6 header'),
    ("inject without bytes", HEADER + one_step('{ handover = "initial" }',
                                               '[{ inject = "CN" }]'),
     r'inject: missing "hex"'),
    ("unknown security", HEADER + one_step('{ handover = "initial" }',
                                           '[{ reset = true, security = "tls" }]'),
     r'reset: security must be one of "none", "esp"'),
    ("map option not advertised", HEADER + one_step(
        '{ handover = "initial" }', '[{ set_map_option = "AR1", map = "AR2", pref = 0 }]'),
     r'map must name a MAP'),
    ("no toml block", HEADER + "\n## Step: s\n\nText only.\n",
     r'x\.md:10: step 1 "s": no ```toml block'),
    ("two toml blocks", HEADER + GOOD_STEP + "\n```toml\na = 1\n```\n",
     r'x\.md:20: step 1 "s": a second ```toml block'),
    ("bad heading", HEADER + "\n## Summary\n" + GOOD_STEP,
     r'x\.md:10: a level-2 heading must be "## Step: TITLE"'),
    ("no steps", HEADER, r'x\.md:2: no steps'),
    ("two right answers", HEADER + one_step('{ handover = "initial" }', extra=(
        '[[question]]\nask = "?"\nchoices = [{ text = "a", correct = true, explain = "x" }, '
        '{ text = "b", correct = true, explain = "y" }]')),
     r'x\.md:19: step 1 "s": exactly one choice must have correct = true, not 2'),
    ("prediction of an unknown kind", HEADER + one_step('{ handover = "initial" }', extra=(
        '[[question]]\npredict = "MN"\nask = "?"\nchoices = [{ kind = "BU", explain = "x" },'
        ' { kind = "RS", explain = "y" }]')),
     r'kind must be one of'),
    ("missing explanation", HEADER + one_step('{ handover = "initial" }', extra=(
        '[[question]]\nask = "?"\nchoices = [{ text = "a", correct = true }, '
        '{ text = "b", explain = "y" }]')),
     r'missing "explain"'),
]


@pytest.mark.parametrize("what, text, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_lesson_files_give_file_line_messages(tmp_path, what, text, message):
    path = tmp_path / "x.md"
    path.write_text(text)
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert any(re.search(message, m) for m in caught.value.messages), caught.value.messages
    assert str(caught.value) == "\n".join(caught.value.messages)


def test_all_problems_are_reported_together_in_line_order(tmp_path):
    path = lesson_from(tmp_path, one_step('{ handovr = "initial" }') +
                       one_step('{ sent = "RA", to = "MAP7" }', '[{ move = "AR9" }]'))
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    lines = [int(m.split(":")[1]) for m in caught.value.messages]
    assert len(lines) == 3 and lines == sorted(lines)


def test_file_problems_without_lines(tmp_path):
    with pytest.raises(LessonError, match=r"missing\.md: no such file"):
        load_lesson(tmp_path / "missing.md")
    with pytest.raises(LessonError, match="is a directory"):
        load_lesson(tmp_path)
    bad = tmp_path / "bad.md"
    bad.write_bytes(HEADER.encode() + b"\n\xff\xfe\n")
    with pytest.raises(LessonError, match=r"bad\.md:10: not UTF-8"):
        load_lesson(bad)
    with pytest.raises(LessonError, match=r'no such lesson file or built-in lesson '
                                          r'\(did you mean "04-intra-map"\?\)'):
        load_lesson("04-intra-mop")


def test_scenario_problems_are_reported_with_both_files(tmp_path):
    (tmp_path / "net.toml").write_text('[scenario]\nduraton_s = 5\n')
    path = lesson_from(tmp_path, GOOD_STEP, HEADER.replace('"figure1"', '"net.toml"'))
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert any(re.search(r'x\.md:5: front matter: scenario "net\.toml": .*net\.toml:2: '
                         r'\[scenario\]: unknown key "duraton_s"', m)
               for m in caught.value.messages), caught.value.messages


def test_lesson_files_are_data_not_code(tmp_path):
    """Nothing in a lesson is evaluated: Python in a value is just a wrong value."""
    marker = tmp_path / "pwned"
    path = lesson_from(tmp_path, one_step(
        f'{{ sent = "__import__(\'os\').system(\'touch {marker}\')" }}'))
    with pytest.raises(LessonError, match="sent: must be one of"):
        load_lesson(path)
    assert not marker.exists()


VERIFY = [
    ("vacuous", one_step('{ mn_attached = "AR1" }', '[{ move = "AR2" }]'),
     "the check holds without the solution"),
    ("holds at once", one_step('{ handover = "initial" }') +
     one_step('{ mode = "hmipv6" }'), "the check holds before the step's actions"),
    ("never holds", one_step('{ handover = "inter-MAP" }', extra="time_limit_s = 2"),
     r"x\.md:15: step 1 \"s\": the check did not hold within 2 s after the solution "
     r"\(waiting for: a completed inter-MAP handover\)"),
    ("prediction not offered", one_step('{ handover = "initial" }', extra=(
        '[[question]]\nid = "p"\npredict = "MN"\nask = "?"\n'
        'choices = [{ kind = "BU to HA", explain = "x" }, { kind = "RA", explain = "y" }]')),
     r'x\.md:17: question p: the engine\'s answer "RS" is not among the choices'),
    ("destination not offered", one_step('{ handover = "initial" }', extra=(
        '[[question]]\nid = "p"\npredict = "MN"\nmessage = ["local BU", "BU to HA"]\n'
        'ask = "?"\nchoices = [{ to = "HA", explain = "x" }, { to = "CN", explain = "y" }]')),
     r'x\.md:17: question p: the engine\'s answer "MAP1" is not among the choices'),
]


@pytest.mark.parametrize("what, body, message", VERIFY, ids=[v[0] for v in VERIFY])
def test_verify_reports_lessons_that_do_not_check_anything(tmp_path, what, body, message):
    problems = verify_lesson(load_lesson(lesson_from(tmp_path, body)))
    assert any(re.search(message, p) for p in problems), problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40)), max_size=4),
       junk=st.text(alphabet='+=[]{}"#`\n abc-', max_size=6))
def test_any_damaged_lesson_gives_lesson_error_or_a_lesson(cuts, junk):
    text = (lessons_dir() / "04-intra-map.md").read_text()
    for at, length in cuts:
        at %= max(1, len(text))
        text = text[:at] + junk + text[at + length:]
    try:
        lesson = parse_lesson(text, "x.md", lessons_dir() / "x.md")
    except LessonError as error:
        assert error.messages and all(m.startswith("x.md") for m in error.messages)
    else:
        assert isinstance(lesson, Lesson)


# --- CLI ----------------------------------------------------------------------------------


def test_cli_lessons_lists_every_lesson(capsys):
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(BUILTINS)
    for line, (name, title, summary) in zip(out, builtin_lessons(), strict=True):
        assert line.startswith(name) and title in line and summary in line


def test_cli_check_validates_lessons_and_scenarios(capsys):
    files = [str(lessons_dir() / "04-intra-map.md"), "assets/scenarios/figure1.toml"]
    assert main(["check", "--no-mutations", *files]) == 0  # mutations: test_lesson_mutations
    out = capsys.readouterr().out
    assert f"{files[0]}: ok" in out and f"{files[1]}: ok" in out


def test_cli_check_reports_a_broken_lesson(tmp_path, capsys):
    path = lesson_from(tmp_path, one_step('{ sent = "RA", form = "AR1" }'))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f'{path}:15: step 1 "s": check "sent" has no parameter "form"' in err


def test_cli_check_reports_a_lesson_whose_solution_fails(tmp_path, capsys):
    path = lesson_from(tmp_path, one_step('{ handover = "inter-MAP" }', extra="time_limit_s = 1"))
    assert main(["check", str(path)]) == 2
    assert "the check did not hold within 1 s" in capsys.readouterr().err


def test_cli_lesson_hands_the_lesson_to_the_window(monkeypatch, capsys):
    import hmipviz.gui.launch as gui_launch
    seen = {}

    def launch(scenario, present=False, lesson=None):
        seen.update(scenario=scenario, present=present, lesson=lesson)
        return 0

    monkeypatch.setattr(gui_launch, "launch", launch)
    assert main(["lesson", "4", "--present"]) == 0
    assert seen["lesson"].name == "04-intra-map" and seen["present"] is True
    assert seen["scenario"] == seen["lesson"].scenario
    assert main(["--present", "lesson", "intra-map"]) == 0 and seen["present"] is True
    assert main(["lesson", "04-intra-map"]) == 0 and seen["present"] is False


def test_cli_lesson_says_so_when_the_window_cannot_play_lessons(monkeypatch, capsys):
    import hmipviz.gui.launch as gui_launch
    monkeypatch.setattr(gui_launch, "launch", lambda scenario, present=False: 0)
    assert main(["lesson", "4"]) == 2
    assert "cannot play lessons yet" in capsys.readouterr().err
    assert main(["lesson", "nosuch"]) == 2
    assert "no such lesson file or built-in lesson" in capsys.readouterr().err


# --- lesson 11: the display filters it teaches find packets in the capture it describes ----


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian package tshark)")
def test_lesson_11_filters_match_the_capture_it_tells_you_to_make(tmp_path):
    text = (lessons_dir() / "11-wireshark.md").read_text()
    command = re.search(r"^hmipviz (run .*)$", text, re.M).group(1).split()
    pcap = tmp_path / "my-capture.pcapng"
    command[command.index("--pcap") + 1] = str(pcap)
    assert main(command + ["--quiet"]) == 0
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # drop code blocks
    filters = [f.replace("\n", " ") for f in re.findall(r"`([^`]+)`", prose)
               if re.match(r"(icmpv6|mip6|ipv6|frame)\.", f)]
    filters = [f for f in filters if "==" in f or "contains" in f or " " not in f]
    assert len(filters) >= 10
    assert not any("," in f for f in filters)  # io,stat separates its filters by commas
    # one tshark pass counts the frames of every filter (a run per filter took ~20 s)
    out = subprocess.run([TSHARK, "-r", str(pcap), "-q", "-z",
                          "io,stat,0," + ",".join(filters)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr  # a filter tshark does not know fails the run
    row = next(line for line in out.stdout.splitlines() if "<>" in line)
    frames = [int(c) for c in row.split("|")[2:-1][::2]]
    assert len(frames) == len(filters), out.stdout
    for f, n in zip(filters, frames, strict=True):
        assert n > 0, f"display filter {f!r} finds nothing"
