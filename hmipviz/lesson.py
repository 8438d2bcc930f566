"""Lessons: load them, play them on the engine, verify them, save progress.

:class:`LessonRun` plays a lesson on a :class:`~hmipviz.sim.Simulation` through a
:class:`LessonDriver`, so the window and the headless verifier share one
implementation; it imports no Qt. The file format and its loader are in
:mod:`hmipviz.lesson_format` (re-exported here); ``docs/lessons.md`` documents both.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import lesson_checks as lc
from . import lesson_fields as lf
from .fileio import atomic_write
from .lesson_format import (  # re-exported: hmipviz.lesson is the public API
    ACTION_VERBS,
    FRONT_KEYS,
    QUESTION_KEYS,
    STATE_VERBS,
    STEP_KEYS,
    Action,
    Choice,
    Lesson,
    LessonError,
    Question,
    Step,
    builtin_lessons,
    load_lesson,
    parse_lesson,
)
from .scenario import Scenario
from .sim import Simulation

__all__ = [
    "ACTION_VERBS", "FRONT_KEYS", "QUESTION_KEYS", "STATE_VERBS", "STEP_KEYS", "Action",
    "Choice", "Lesson", "LessonError", "Question", "Step", "builtin_lessons", "load_lesson",
    "parse_lesson", "LessonDriver", "SimDriver", "fork", "predict_answer", "CheckResult",
    "Feedback", "Summary", "Progress", "LessonRun", "ProgressStore", "verify_lesson",
    "STEP_BUDGET", "BudgetExceeded", "run_bounded", "run_target",
]


# =====================================================================================
# Driving the engine
# =====================================================================================

# No lesson action runs the engine without bound: a ``run_for_s = 1e9`` that slipped
# past the loader, a huge ``time_limit_s`` or ``within_s``, stops after this many
# simulator steps (a few seconds of work; the built-in lessons need a few thousand).
STEP_BUDGET = 200_000


class BudgetExceeded(RuntimeError):
    """One lesson action ran :data:`STEP_BUDGET` simulator steps without reaching its
    end: the lesson asks for more simulated time than can be shown or verified."""

    def __init__(self, what: str, steps: int, reached_s: float, target_s: float,
                 line: int = 0) -> None:
        self.what = what
        self.steps = steps
        self.reached_s = reached_s
        self.target_s = target_s
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        return (f"{self.what}: stopped after {self.steps:,} simulator steps (the step "
                f"budget) at t = {self.reached_s:.3f} s, short of t = {self.target_s:g} s")


def run_bounded(sim: Simulation, t: float, max_steps: int | None = None,
                what: str = "run") -> None:
    """``sim.run(t)`` with at most ``max_steps`` steps (default :data:`STEP_BUDGET`);
    :class:`BudgetExceeded` beyond."""
    max_steps = STEP_BUDGET if max_steps is None else max_steps
    if not math.isfinite(t):
        raise BudgetExceeded(what, 0, sim.now, t)
    n = 0
    while (nt := sim.next_time()) is not None and nt <= t:
        if n >= max_steps:
            raise BudgetExceeded(what, n, sim.now, t)
        sim.step()
        n += 1
    sim.run(t)  # nothing left at or before t: only sets the clock


def run_target(action: Action, now_s: float) -> float | None:
    """The simulated time a ``run_for_s`` / ``run_until_s`` action runs to from
    ``now_s`` (None: any other action, or a time already past)."""
    if action.verb == "run_for_s":
        return now_s + float(action.value)
    if action.verb == "run_until_s" and float(action.value) > now_s:
        return float(action.value)
    return None


class LessonDriver(Protocol):
    """What a lesson does to the simulation. :class:`SimDriver` acts on a Simulation
    directly; the GUI passes its own, so its controller records every action."""

    @property
    def sim(self) -> Simulation: ...

    # a fresh simulation of the lesson's scenario (security None: the scenario's)
    def reset(self, mode: str, security: str | None = None) -> None: ...

    def step(self) -> bool: ...  # run one scheduled item; False when nothing is left

    def run_until(self, t: float) -> None: ...

    def move(self, ar: str | None) -> None: ...

    def fail(self, node: str) -> None: ...

    def restore(self, node: str) -> None: ...

    def set_map_option(self, ar: str, map_name: str, pref: int | None,
                       lifetime_s: int | None) -> None: ...

    def set_flows(self, running: bool) -> None: ...

    def inject(self, node: str, data: bytes) -> None: ...

    def play(self) -> None: ...

    def pause(self) -> None: ...


class SimDriver:
    """Headless driver: actions go straight to a Simulation; play and pause do nothing
    (the caller runs the engine)."""

    def __init__(self, scenario: Scenario, sim: Simulation | None = None) -> None:
        self.scenario = scenario
        self._sim = sim if sim is not None else Simulation(scenario)

    @property
    def sim(self) -> Simulation:
        return self._sim

    def reset(self, mode: str, security: str | None = None) -> None:
        self._sim = Simulation(self.scenario, mode=mode, security=security)

    def step(self) -> bool:
        if self._sim.next_time() is None:
            return False
        self._sim.step()
        return True

    def run_until(self, t: float) -> None:
        run_bounded(self._sim, t)

    def move(self, ar: str | None) -> None:
        self._sim.move(ar)

    def fail(self, node: str) -> None:
        self._sim.fail(node)

    def restore(self, node: str) -> None:
        self._sim.restore(node)

    def set_map_option(self, ar: str, map_name: str, pref: int | None,
                       lifetime_s: int | None) -> None:
        self._sim.set_map_option(ar, map_name, pref=pref, lifetime_s=lifetime_s)

    def set_flows(self, running: bool) -> None:
        self._sim.set_flows(running)

    def inject(self, node: str, data: bytes) -> None:
        self._sim.inject(node, data)

    def play(self) -> None:
        pass

    def pause(self) -> None:
        pass


def fork(sim: Simulation) -> Simulation:
    """An independent copy of a simulation, for looking ahead without touching it."""
    snap = sim.snapshot()
    twin = copy.copy(sim)
    twin.trace = list(sim.trace)
    twin.restore_snapshot(snap)
    return twin


class _Evaluator:
    """Evaluates one check over the events since ``mark``, skipping the re-evaluation
    when only data packets arrived and the check ignores them (the trace is long)."""

    def __init__(self, check: lc.Check, mark: int) -> None:
        self.check = check
        self.mark = mark
        self._data = lc.watches_data(check)
        self._seen: tuple[int, int, object] | None = None  # (id of sim, length, last event)
        self._last = lc.Outcome(False, "")

    def __call__(self, sim: Simulation) -> lc.Outcome:
        trace = sim.trace
        n = len(trace)
        seen = self._seen
        if seen is not None and seen[0] == id(sim) and seen[1] <= n and \
                (seen[1] == 0 or trace[seen[1] - 1] is seen[2]):
            new = trace[seen[1]:]
            if not new or (not self._data and all(lc.is_data_event(e) for e in new)):
                self._seen = (id(sim), n, trace[-1] if n else None)
                return self._last
        self._last = lc.evaluate(self.check, lc.Window(sim, self.mark))
        self._seen = (id(sim), n, trace[-1] if n else None)
        return self._last

    def forget(self) -> None:
        self._seen = None


def _apply(action: Action, driver: LessonDriver, lesson: Lesson,
           on_reset: Callable[[], None]) -> None:
    try:
        _apply_unbounded(action, driver, lesson, on_reset)
    except BudgetExceeded as exc:
        if not exc.line:  # say which line of the lesson asked for it
            exc.what, exc.line = str(action), action.line
        raise


def _apply_unbounded(action: Action, driver: LessonDriver, lesson: Lesson,
                     on_reset: Callable[[], None]) -> None:
    v = action.verb
    if v == "move":
        driver.move(None if action.value == "none" else action.value)
    elif v == "fail":
        driver.fail(action.value)
    elif v == "restore":
        driver.restore(action.value)
    elif v == "reset":
        driver.reset(action.get("mode", lesson.mode), action.get("security"))
        on_reset()
    elif v in ("run_for_s", "run_until_s"):
        target = run_target(action, driver.sim.now)
        if target is not None:
            driver.run_until(target)
    elif v == "set_map_option":
        driver.set_map_option(action.value, action.get("map"), action.get("pref"),
                              action.get("lifetime_s"))
    elif v == "flows":
        driver.set_flows(action.value)
    elif v == "inject":
        driver.inject(action.value, action.get("hex"))
    elif v == "play":
        driver.play()
    elif v == "pause":
        driver.pause()


def _settle(driver: LessonDriver, evaluator: _Evaluator, limit_s: float,
            max_steps: int | None = None) -> lc.Outcome:
    """Run the engine until the check holds or ``limit_s`` of simulated time passed
    (:class:`BudgetExceeded` after ``max_steps`` steps, default :data:`STEP_BUDGET`)."""
    max_steps = STEP_BUDGET if max_steps is None else max_steps
    deadline = driver.sim.now + limit_s
    n = 0
    while True:
        outcome = evaluator(driver.sim)
        if outcome.passed:
            return outcome
        t = driver.sim.next_time()
        if t is None or t > deadline:
            return outcome
        if n >= max_steps:
            raise BudgetExceeded(f"waiting up to {limit_s:g} s for the check", n,
                                 driver.sim.now, deadline)
        driver.step()
        n += 1


def predict_answer(lesson: Lesson, step: Step, question: Question, sim: Simulation) -> str:
    """What the engine sends next when the step's solution is applied to ``sim`` (a
    fork is used; ``sim`` is untouched): a packet kind, or "nothing"."""
    twin = SimDriver(lesson.scenario, fork(sim))
    marks = [len(twin.sim.trace)]
    start_t = twin.sim.now
    for action in step.solution:
        _apply(action, twin, lesson, lambda: marks.append(0))
    until = start_t + question.within_s
    watch = lc.NextMessage(question.predict or lf.ANY, question.after, question.ignore)
    book = lf.AddressBook(twin.sim)
    pos = marks[-1]
    n = 0
    while True:
        trace = twin.sim.trace
        for e in trace[pos:]:
            if e.t > until:
                return lf.NOTHING
            found = watch.feed(e, book)
            if found is not None:
                return found
        pos = len(trace)
        t = twin.sim.next_time()
        if t is None or t > until:
            return lf.NOTHING
        if n >= STEP_BUDGET:
            raise BudgetExceeded(f"question {question.id}: looking {question.within_s:g} s "
                                 "ahead", n, twin.sim.now, until, question.line)
        twin.step()
        n += 1


# =====================================================================================
# Playing a lesson
# =====================================================================================


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    detail: str  # what the check waits for, or that it is done, in plain words


@dataclass(frozen=True)
class Feedback:
    correct: bool
    explanation: str  # of the chosen answer
    answer: str  # the right answer's text (for a prediction: the kind the engine sent)
    answer_explanation: str
    first_try: bool  # only first answers count towards the score


@dataclass(frozen=True)
class Summary:
    steps_passed: int
    steps_total: int
    questions_right: int  # right at the first try
    questions_answered: int
    questions_total: int
    hints_used: int
    elapsed_s: float


@dataclass(frozen=True)
class Progress:
    """What is saved between sessions."""

    lesson: str
    step: int
    passed: tuple[int, ...] = ()
    answers: tuple[tuple[str, int, bool], ...] = ()  # (question id, first choice, right)
    hints_used: int = 0
    elapsed_s: float = 0.0


class LessonRun:
    """Plays a lesson on the engine, step by step.

    ``start_step(i)`` marks where the step's events begin and applies its set-up;
    ``check()`` evaluates the step's check on the events since then and the state now
    (cheap to call after every engine step; a pass is remembered); ``apply_solution()``
    does what the learner should have done and, headless, runs the engine until the
    check holds; ``answer()`` grades a question. The GUI passes a driver of its own.
    """

    def __init__(self, lesson: Lesson, driver: LessonDriver | None = None,
                 clock: Callable[[], float] = time.monotonic, start: bool = True) -> None:
        self.lesson = lesson
        self.driver: LessonDriver = driver or SimDriver(lesson.scenario)
        self._clock = clock
        self._started = clock()
        self._elapsed_before = 0.0
        self.index = -1
        self.passed: set[int] = set()
        self._answers: dict[str, tuple[int, bool]] = {}
        self._predictions: dict[str, str] = {}
        self._hints_shown = 0
        self.hints_used = 0
        self._evaluator: _Evaluator | None = None
        if start:
            self.start_step(0)

    # --- where we are --------------------------------------------------------------
    @property
    def sim(self) -> Simulation:
        return self.driver.sim

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def mark(self) -> int:
        """Trace index where the current step's events begin."""
        return self._evaluator.mark if self._evaluator else 0

    @property
    def finished(self) -> bool:
        return len(self.passed) == len(self.lesson.steps)

    # --- steps -------------------------------------------------------------------------
    def start_step(self, index: int, setup: bool = True) -> None:
        """Begin step ``index``: its events start now; apply its set-up actions."""
        if not 0 <= index < len(self.lesson.steps):
            raise IndexError(f"lesson {self.lesson.name} has no step {index + 1}")
        self.index = index
        self._hints_shown = 0
        self._evaluator = _Evaluator(self.step.check, len(self.sim.trace))
        if setup:
            self.apply_setup()

    def apply_setup(self) -> None:
        for action in self.step.setup:
            self._do(action)
        self._predictions = {q.id: predict_answer(self.lesson, self.step, q, self.sim)
                             for q in self.step.questions if q.is_prediction}

    def do(self, action: Action) -> None:
        """Apply one action through the driver (the window's Show me plays a solution
        one action at a time, running the engine itself)."""
        _apply(action, self.driver, self.lesson, self._on_reset)

    _do = do

    def _on_reset(self) -> None:
        assert self._evaluator is not None
        self._evaluator.mark = 0
        self._evaluator.forget()

    def trace_truncated(self, length: int) -> None:
        """The window cut the trace back to ``length`` events (a new branch of its
        history, or a restart of the network: 0): the step's events begin no later than
        there, so what the engine does next on the new branch counts for this step."""
        if self._evaluator is not None:
            self._evaluator.mark = min(self._evaluator.mark, max(0, length))
            self._evaluator.forget()

    def check(self) -> CheckResult:
        """Evaluate the current step's check now; a pass is remembered."""
        assert self._evaluator is not None
        outcome = self._evaluator(self.sim)
        if outcome.passed:
            self.passed.add(self.index)
        return CheckResult(outcome.passed, outcome.detail)

    def apply_solution(self, settle: bool = True) -> CheckResult:
        """Do the step's solution; with ``settle`` run the engine until the check holds
        or the step's time limit passes (the GUI plays the engine itself instead)."""
        for action in self.step.solution:
            self._do(action)
        if not settle:
            return self.check()
        return self.settle()

    def settle(self, limit_s: float | None = None) -> CheckResult:
        assert self._evaluator is not None
        limit = self.step.time_limit_s if limit_s is None else limit_s
        outcome = _settle(self.driver, self._evaluator, limit)
        if outcome.passed:
            self.passed.add(self.index)
        return CheckResult(outcome.passed, outcome.detail)

    def can_advance(self) -> bool:
        return self.index in self.passed

    def advance(self) -> bool:
        """Go to the next step if this one passed; False at the end or when not passed."""
        if not self.can_advance() or self.index + 1 >= len(self.lesson.steps):
            return False
        self.start_step(self.index + 1)
        return True

    def goto(self, index: int) -> None:
        """Start over and replay the solutions of the steps before ``index``."""
        self.driver.reset(self.lesson.mode)
        for i in range(index):
            self.start_step(i, setup=False)
            for action in self.step.setup:
                self._do(action)
            self.apply_solution(settle=True)
        self.start_step(index)

    def next_hint(self) -> str | None:
        """The next hint of this step (shown after a wrong attempt), or None."""
        hints = self.step.hints
        if self._hints_shown >= len(hints):
            return None
        self._hints_shown += 1
        self.hints_used += 1
        return hints[self._hints_shown - 1]

    # --- questions ---------------------------------------------------------------------
    def prediction(self, question_id: str) -> str | None:
        """The engine's answer to a prediction of the current step (after set-up)."""
        return self._predictions.get(question_id)

    def answer(self, question_id: str, choice: int) -> Feedback:
        step, q = self.lesson.question(question_id)
        if not 0 <= choice < len(q.choices):
            raise IndexError(f"question {question_id} has {len(q.choices)} choices")
        if q.is_prediction:
            if step.index != self.index:
                raise ValueError(f"question {question_id} belongs to step {step.index + 1}")
            right = self._predictions[q.id]
            picked = q.choices[choice]
            correct = picked.kind == right
            good = next((c for c in q.choices if c.kind == right), None)
        else:
            picked = q.choices[choice]
            correct = picked.correct
            good = next(c for c in q.choices if c.correct)
            right = good.text
        first = question_id not in self._answers
        if first:
            self._answers[question_id] = (choice, correct)
        return Feedback(correct, picked.explain, right,
                        good.explain if good is not None else "", first)

    # --- score and progress -----------------------------------------------------------------
    def elapsed_s(self) -> float:
        return self._elapsed_before + self._clock() - self._started

    def summary(self) -> Summary:
        total = sum(len(s.questions) for s in self.lesson.steps)
        right = sum(1 for _, ok in self._answers.values() if ok)
        return Summary(len(self.passed), len(self.lesson.steps), right, len(self._answers),
                       total, self.hints_used, self.elapsed_s())

    def progress(self) -> Progress:
        return Progress(self.lesson.name, self.index, tuple(sorted(self.passed)),
                        tuple((q, c, ok) for q, (c, ok) in self._answers.items()),
                        self.hints_used, self.elapsed_s())

    def resume(self, progress: Progress) -> None:
        """Rebuild the engine state of a saved session (the engine is deterministic)."""
        step = max(0, min(progress.step, len(self.lesson.steps) - 1))
        self.goto(step)
        self.passed = {i for i in progress.passed if 0 <= i < len(self.lesson.steps)}
        self._answers = {q: (c, ok) for q, c, ok in progress.answers}
        self.hints_used = progress.hints_used
        self._elapsed_before = progress.elapsed_s
        self._started = self._clock()


class ProgressStore:
    """Per-user progress, one JSON file per lesson in ``directory`` (the GUI passes
    Qt's application data location), written atomically.

    A file written by a newer hmipviz (a higher ``version``) is never overwritten: it
    is renamed to ``NAME.json.vN.bak`` with a warning (logged, and kept in
    ``warnings``), so going back to the newer version can restore it.
    """

    VERSION = 1

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.warnings: list[str] = []

    def path_for(self, lesson: str) -> Path:
        return self.directory / f"{lesson}.json"

    def save(self, progress: Progress) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(progress.lesson)
        newer = self._newer_version(path)
        if newer is not None and not self._set_aside(path, newer):
            raise OSError(f"{path} is from a newer hmipviz and could not be set aside")
        data = {"version": self.VERSION, **dataclasses.asdict(progress)}
        atomic_write(path, json.dumps(data, indent=1) + "\n")

    def load(self, lesson: str) -> Progress | None:
        """The saved progress, or None when there is none, it cannot be read, or it is
        from a newer version (then set aside, see the class)."""
        path = self.path_for(lesson)
        newer = self._newer_version(path)
        if newer is not None:
            self._set_aside(path, newer)
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != self.VERSION or data.get("lesson") != lesson:
                return None
            return Progress(lesson, int(data["step"]), tuple(int(i) for i in data["passed"]),
                            tuple((str(q), int(c), bool(ok)) for q, c, ok in data["answers"]),
                            int(data["hints_used"]), float(data["elapsed_s"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _newer_version(self, path: Path) -> int | None:
        """The format version of the file at ``path`` if it is newer than ours."""
        try:
            version = json.loads(path.read_text("utf-8")).get("version")
        except (OSError, ValueError, AttributeError):
            return None
        if isinstance(version, int) and not isinstance(version, bool) and \
                version > self.VERSION:
            return version
        return None

    def _set_aside(self, path: Path, version: int) -> bool:
        """Rename a newer version's file to a free ``.vN.bak`` name, with a warning."""
        backup = path.with_name(f"{path.name}.v{version}.bak")
        n = 1
        while backup.exists():
            n += 1
            backup = path.with_name(f"{path.name}.v{version}-{n}.bak")
        newer = (f"lesson progress {path} was written by a newer hmipviz (format {version}, "
                 f"this one reads {self.VERSION})")
        try:
            path.rename(backup)
        except OSError as error:
            self._warn(f"{newer} and cannot be set aside ({error.strerror or error}); "
                       "it is left as it is and this session's progress is not saved")
            return False
        self._warn(f"{newer}; kept as {backup.name}, and this lesson starts afresh")
        return True

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        logging.getLogger(__name__).warning("%s", message)


# =====================================================================================
# Verifying a lesson headless
# =====================================================================================


def verify_lesson(lesson: Lesson) -> list[str]:
    """Play every step's solution on the engine; return problems as ``path:line: ...``.

    For each step: the check must not hold before the step's actions (at its start and
    after its set-up), must not hold when the engine runs on without a solution that
    changes something, must hold within the step's time limit after the solution, and
    every prediction's engine answer must be one of its choices.
    """
    problems: list[str] = []
    run = LessonRun(lesson, start=False)
    for step in lesson.steps:
        where = f'{lesson.path}:{step.line}: step {step.index + 1} "{step.title}"'
        try:
            ok = _verify_step(lesson, step, run, where, problems)
        except BudgetExceeded as exc:
            line = exc.line or step.check_line
            problems.append(f'{lesson.path}:{line}: step {step.index + 1} "{step.title}": '
                            f"{exc}")
            ok = False
        if not ok:
            break  # later steps build on this one
    return problems


def _verify_step(lesson: Lesson, step: Step, run: LessonRun, where: str,
                 problems: list[str]) -> bool:
    """verify_lesson for one step; False when its check did not hold after the solution."""
    run.start_step(step.index, setup=False)
    if run.check().passed:
        problems.append(f"{where}: the check holds before the step's actions")
    run.apply_setup()
    if run.check().passed:
        problems.append(f"{where}: the check holds right after the set-up")
    if any(a.verb in STATE_VERBS for a in step.solution):
        idle = _Evaluator(step.check, run.mark)
        twin = SimDriver(lesson.scenario, fork(run.sim))
        if _settle(twin, idle, step.time_limit_s).passed:
            problems.append(f"{where}: the check holds without the solution after "
                            f"{step.time_limit_s:g} s")
    for q in step.questions:
        if q.is_prediction:
            got = run.prediction(q.id)
            if all(c.kind != got for c in q.choices):
                problems.append(f"{lesson.path}:{q.line}: question {q.id}: the engine's "
                                f'answer "{got}" is not among the choices')
    result = run.apply_solution(settle=True)
    if not result.passed:
        problems.append(f"{lesson.path}:{step.check_line}: step {step.index + 1} "
                        f'"{step.title}": the check did not hold within '
                        f"{step.time_limit_s:g} s after the solution ({result.detail})")
        return False
    return True
