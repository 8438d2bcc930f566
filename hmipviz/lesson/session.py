"""Playing a lesson step by step (:class:`LessonRun`), saving the learner's progress
(:class:`ProgressStore`), and verifying a lesson headless (:func:`verify_lesson`)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hmipviz.fileio import atomic_write
from hmipviz.lesson import distance
from hmipviz.lesson import predict as lp
from hmipviz.lesson.checks import Window
from hmipviz.lesson.fields import AddressBook
from hmipviz.lesson.format import STATE_VERBS, Action, Lesson, Step, parse_action
from hmipviz.lesson.measures import measure
from hmipviz.lesson.run import (
    BudgetExceeded,
    LessonDriver,
    SimDriver,
    _apply,
    _Evaluator,
    _settle,
    fork,
)
from hmipviz.lesson.status import (
    Blocked,
    StepStatus,
    broken_for_good,
    handover_misses,
    step_status,
)
from hmipviz.lesson.words import plain
from hmipviz.sim import Simulation

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
    shown: tuple[int, ...] = ()  # steps done with Show me (0-based); the others by the learner


@dataclass(frozen=True)
class Progress:
    """What is saved between sessions."""

    lesson: str
    step: int
    passed: tuple[int, ...] = ()
    answers: tuple[tuple[str, int, bool], ...] = ()  # (question id, first choice, right)
    hints_used: int = 0
    elapsed_s: float = 0.0
    # for the teacher's summary (hmipviz.lesson.summary): hints per step, steps shown
    # (Show me), whether the clock stopped at Finish, and the per-student seed
    step_hints: tuple[tuple[int, int], ...] = ()
    shown: tuple[int, ...] = ()
    finished: bool = False
    seed: int | None = None


class LessonRun(lp.PredictionsMixin):
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
        self._commits: dict[str, lp.Commitment] = {}  # this step's locked predictions
        self._watches: dict[str, lp.PredictionWatch] = {}
        self._reveals: dict[str, lp.Reveal] = {}
        self._hints_shown = 0
        self.hints_used = 0
        self.step_hints: dict[int, int] = {}  # hints read in each step
        self.shown: set[int] = set()  # steps the learner had done by Show me
        self._finished_s: float | None = None  # the time taken, once finished
        self._evaluator: _Evaluator | None = None
        self._selections: list[tuple[int, str]] = []
        self._blocked_key: tuple | None = None
        self._blocked_value: Blocked | None = None
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
        self._selections = []
        self._commits, self._watches, self._reveals = {}, {}, {}
        self._evaluator = _Evaluator(self.step.check, len(self.sim.trace), self._selections)
        if setup:
            self.apply_setup()

    def apply_setup(self) -> None:
        for action in self.step.setup:
            self._do(action)

    def do(self, action: Action) -> None:
        """Apply one action through the driver (the window's Show me plays a solution
        one action at a time, running the engine itself)."""
        if action.verb == "select_field":
            self._select_newest(action)
            return
        _apply(action, self.driver, self.lesson, self._on_reset)

    def select_field(self, event_index: int, key: str) -> None:
        """The learner selected field ``key`` of the packet at trace ``event_index`` in
        the inspector (the window reports each selection)."""
        from hmipviz.wire.keys import new_key
        self._selections.append((event_index, new_key(key)))
        if self._evaluator is not None:
            self._evaluator.forget()

    @property
    def selections(self) -> tuple[tuple[int, str], ...]:
        """(trace index, field key) of each inspector selection in this step."""
        return tuple(self._selections)

    def _select_newest(self, action: Action) -> None:
        """``select_field`` as an action: that field of the newest packet of the step
        that matches its ``kind`` and ``from``."""
        from hmipviz.lesson.checks import Check as _Check
        from hmipviz.lesson.selection import packet_matches
        want = _Check("field_selected", action.value, action.params)
        w = Window(self.sim, self.mark)
        for i in range(len(self.sim.trace) - 1, self.mark - 1, -1):
            if packet_matches(self.sim.trace[i], want, w):
                self.select_field(i, action.value)
                return

    _do = do

    def _on_reset(self) -> None:
        assert self._evaluator is not None
        self._evaluator.mark = 0
        self._evaluator.forget()
        self._predictions_from(0)

    def _predictions_from(self, length: int) -> None:
        """The trace was cut to ``length``: commitments made later count from there,
        and unrevealed predictions read the new branch again."""
        self._commits = {q: dataclasses.replace(c, mark=min(c.mark, length))
                         for q, c in self._commits.items()}
        self._watches = {}

    def trace_truncated(self, length: int) -> None:
        """The window cut the trace back to ``length`` events (a new branch of its
        history, or a restart of the network: 0): the step's events begin no later than
        there, so what the engine does next on the new branch counts for this step."""
        if self._evaluator is not None:
            self._evaluator.mark = min(self._evaluator.mark, max(0, length))
            self._evaluator.forget()
        self._predictions_from(max(0, length))

    def check(self) -> CheckResult:
        """Evaluate the current step's check now; a pass is remembered. Predictions
        whose message is now in the trace are revealed (:meth:`reveals`)."""
        assert self._evaluator is not None
        self.watch_predictions()
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
        self.watch_predictions()
        if outcome.passed:
            self.passed.add(self.index)
        return CheckResult(outcome.passed, outcome.detail)

    # --- the headless API: act, play, read the conditions -------------------------------
    def act(self, **action: object) -> None:
        """Do one action as the learner would, written as in a lesson file:
        ``act(move="AR2")``, ``act(fail="MAP1")``, ``act(set_map_option="AR2",
        map="MAP1", pref=0)``, ``act(run_for_s=5)``. Checked against the scenario
        (:class:`LessonError` when wrong)."""
        self._do(parse_action(dict(action), self.lesson))

    def inject_bu(self, sender: str, **params: object) -> None:
        """The attacker's control (lesson 9): ``sender`` sends the MAP a local BU built
        from ``params`` (``map``, ``home``, ``seq``, ``lifetime_s``, ``sa``; see
        :mod:`hmipviz.lesson.attack`), as ``act(inject_bu=sender, ...)``."""
        self.act(inject_bu=sender, **params)

    def note_show_me(self) -> None:
        """The window's Show me is doing the current step."""
        self.shown.add(self.index)

    def play(self, limit_s: float | None = None) -> CheckResult:
        """Run the engine until the step's check holds or ``limit_s`` simulated
        seconds pass (default: the step's ``time_limit_s``)."""
        return self.settle(limit_s)

    def status(self) -> StepStatus:
        """Every condition of the current step, met or not, in a student's words,
        with the completion percentage (``status().percent``)."""
        assert self._evaluator is not None
        return step_status(self.step.check,
                           Window(self.sim, self.mark, tuple(self._selections)))

    def blocked(self) -> Blocked | None:
        """Why the current step can no longer pass on this branch, or None while it
        still can (see :mod:`hmipviz.lesson.status`): a condition broken for good, or
        the step's solution, done now, would not make the check hold within the
        step's time limit (looked ahead on a copy; this run is untouched)."""
        if self.check().passed:
            return None
        sim = self.sim
        key = (id(sim), len(sim.trace), id(sim.trace[-1]) if sim.trace else 0, self.mark,
               self.index)
        if self._blocked_key == key:
            return self._blocked_value
        window = Window(sim, self.mark, tuple(self._selections))
        reasons = broken_for_good(self.step.check, window)
        if not reasons:
            reasons = self._look_ahead()
        self._blocked_key = key
        self._blocked_value = Blocked(tuple(reasons)) if reasons else None
        return self._blocked_value

    def _look_ahead(self) -> list[str]:
        twin = self.fork()
        try:
            if any(a.verb in STATE_VERBS for a in self.step.solution):
                for action in self.step.solution:
                    twin._do(action)
        except ValueError:  # e.g. EVE's BU names an RCoA the MN does not have now
            return []  # the solution cannot be tried here: say nothing rather than wrong
        try:
            if twin.settle().passed:
                return []
        except BudgetExceeded:
            return []  # cannot tell: say nothing rather than something wrong
        own = handover_misses(self.step.check, Window(self.sim, self.mark))
        if own:
            return own
        missing = [c.text for c in twin.status().conditions if not c.met]
        limit = f"{self.step.time_limit_s:g} s"
        return [f"even doing the step now, this would not happen within {limit}: "
                + "; ".join(missing or [plain(self.step.check)])]

    def fork(self) -> LessonRun:
        """A run on a copy of this one's simulation, at the same step and mark: try
        something out without touching this run (headless)."""
        driver = SimDriver(self.lesson.scenario, fork(self.sim))
        driver.actions = list(self.driver.demo_actions())
        twin = LessonRun(self.lesson, driver, clock=self._clock, start=False)
        twin.index = self.index
        twin.passed = set(self.passed) - {self.index}
        twin._commits = dict(self._commits)
        twin._reveals = dict(self._reveals)
        twin._answers = dict(self._answers)
        twin._selections = list(self._selections)
        twin._evaluator = _Evaluator(self.step.check, self.mark, twin._selections)
        return twin

    def retry(self) -> None:
        """Try this step again: back to its start state (the network restarts and the
        earlier steps' solutions are replayed, as ``goto`` does)."""
        self.passed.discard(self.index)
        self.goto(self.index)

    def can_advance(self) -> bool:
        return self.index in self.passed

    def advance(self) -> bool:
        """Go to the next step if this one passed; False at the end or when not passed."""
        if not self.can_advance() or self.index + 1 >= len(self.lesson.steps):
            return False
        for qid in self.pending_predictions():
            self.reveal_ahead(qid)  # its message comes after the step was done
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
        self.step_hints[self.index] = self.step_hints.get(self.index, 0) + 1
        return hints[self._hints_shown - 1]

    def show_me(self, settle: bool = True) -> CheckResult:
        """The learner asked for Show me: the step's solution is done for them, and
        the summary records the step as shown (not done by the learner)."""
        self.shown.add(self.index)
        return self.apply_solution(settle=settle)

    # --- questions ---------------------------------------------------------------------
    def measured(self, question_id: str) -> float | None:
        """The engine's value for a numeric question, from this run now (None: the
        run has none yet, e.g. no handover)."""
        _step, q = self.lesson.question(question_id)
        if q.numeric is None:
            raise ValueError(f"question {question_id} is not a numeric question")
        if q.numeric in distance.RUN_MEASURES:  # both modes replayed (lesson 18)
            return distance.measure(self, q.numeric)
        return measure(q.numeric, Window(self.sim, self.mark, tuple(self._selections)))

    def answer_number(self, question_id: str, value: float) -> Feedback:
        """Grade a number the learner read off their own run: right within the
        question's tolerance of what the engine measured in this run. Nothing is
        recorded while the run has no such value yet."""
        step, q = self.lesson.question(question_id)
        if step.index != self.index:
            raise ValueError(f"question {question_id} belongs to step {step.index + 1}")
        truth = self.measured(question_id)
        if truth is None:
            return Feedback(False, "Your run has nothing to measure yet: do the step "
                            "first, then read the number off the event list.", "", "",
                            False)
        correct = abs(float(value) - truth) <= q.tolerance
        first = question_id not in self._answers
        if first:
            self._answers[question_id] = (round(float(value)), correct)
        shown = f"{truth:.1f}".removesuffix(".0")
        return Feedback(correct, q.explain, shown, q.explain, first)

    def answer(self, question_id: str, choice: int) -> Feedback:
        _step, q = self.lesson.question(question_id)
        if q.is_numeric:
            raise ValueError(f"question {question_id} takes a number: answer_number")
        if not 0 <= choice < len(q.choices):
            raise IndexError(f"question {question_id} has {len(q.choices)} choices")
        if q.is_prediction:
            raise ValueError(f"question {question_id} is a prediction: predict() locks "
                             "it in, and it is graded when its message is shown")
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
    @property
    def answers(self) -> dict[str, tuple[int, bool]]:
        """question id -> (first answer, right): the graded first attempts."""
        return dict(self._answers)

    def elapsed_s(self) -> float:
        if self._finished_s is not None:
            return self._finished_s
        return self._elapsed_before + self._clock() - self._started

    def finish(self) -> bool:
        """Finish the lesson (its last step done): the clock stops here. False while
        a step is still to be done."""
        if not self.finished:
            return False
        for qid in self.pending_predictions():
            self.reveal_ahead(qid)
        if self._finished_s is None:
            self._finished_s = self.elapsed_s()
        return True

    @property
    def clock_stopped(self) -> bool:
        return self._finished_s is not None

    def summary(self) -> Summary:
        total = sum(len(s.questions) for s in self.lesson.steps)
        right = sum(1 for _, ok in self._answers.values() if ok)
        return Summary(len(self.passed), len(self.lesson.steps), right, len(self._answers),
                       total, self.hints_used, self.elapsed_s(),
                       tuple(sorted(self.shown & self.passed)))

    def report(self):  # -> hmipviz.lesson.summary.LessonReport
        """The teacher's summary now (per step, per question, time, seed, goals)."""
        from hmipviz.lesson.summary import report
        return report(self)

    def export_summary(self, path: str | os.PathLike[str]) -> Path:
        """Write the teacher's summary atomically: CSV for a .csv name, else JSON."""
        from hmipviz.lesson.summary import export
        return export(self.report(), path)

    def progress(self) -> Progress:
        return Progress(self.lesson.name, self.index, tuple(sorted(self.passed)),
                        tuple((q, c, ok) for q, (c, ok) in self._answers.items()),
                        self.hints_used, self.elapsed_s(),
                        tuple(sorted(self.step_hints.items())), tuple(sorted(self.shown)),
                        self._finished_s is not None, self.lesson.seed)

    def resume(self, progress: Progress) -> None:
        """Rebuild the engine state of a saved session (the engine is deterministic)."""
        step = max(0, min(progress.step, len(self.lesson.steps) - 1))
        self.goto(step)
        self.passed = {i for i in progress.passed if 0 <= i < len(self.lesson.steps)}
        self._answers = {q: (c, ok) for q, c, ok in progress.answers}
        self.hints_used = progress.hints_used
        self.step_hints = {i: n for i, n in progress.step_hints}
        self.shown = set(progress.shown)
        self._elapsed_before = progress.elapsed_s
        self._started = self._clock()
        self._finished_s = progress.elapsed_s if progress.finished else None


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
            seed = data.get("seed")
            return Progress(lesson, int(data["step"]), tuple(int(i) for i in data["passed"]),
                            tuple((str(q), int(c), bool(ok)) for q, c, ok in data["answers"]),
                            int(data["hints_used"]), float(data["elapsed_s"]),
                            tuple((int(i), int(n)) for i, n in data.get("step_hints", ())),
                            tuple(int(i) for i in data.get("shown", ())),
                            bool(data.get("finished", False)),
                            None if seed is None else int(seed))
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


def verify_lesson(lesson: Lesson, seeds: tuple[int, ...] | None = None) -> list[str]:
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
    if lesson.variations and seeds != () and not problems:
        from hmipviz.lesson.variation import VERIFY_SEEDS, verify_seeds
        problems += verify_seeds(lesson, VERIFY_SEEDS if seeds is None else seeds)
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
    predictions = [q for q in step.questions if q.is_prediction]
    for q in predictions:
        run.predict(q.id, 0)  # locked in before the solution, as a learner does
    result = run.apply_solution(settle=True)
    for q in predictions:
        got = _revealed_ahead(run, q.id)
        if got is None or all(not lp.choice_matches(q, c, got, AddressBook(run.sim))
                              for c in q.choices):
            problems.append(f"{lesson.path}:{q.line}: question {q.id}: the engine's "
                            f'answer "{got or "(none yet)"}" is not among the choices')
    if not result.passed:
        problems.append(f"{lesson.path}:{step.check_line}: step {step.index + 1} "
                        f'"{step.title}": the check did not hold within '
                        f"{step.time_limit_s:g} s after the solution ({result.detail})")
        return False
    for q in step.questions:
        if q.is_numeric and run.measured(q.id) is None:
            problems.append(f"{lesson.path}:{q.line}: question {q.id}: the run has no "
                            f"{q.numeric} to ask about once the step is done")
    return True

def _revealed_ahead(run: LessonRun, qid: str) -> str | None:
    """A prediction's answer on ``run``: revealed already, or read ahead on a copy."""
    got = run.revealed(qid) or run.reveal_ahead(qid, record=False)
    return got.answer if got is not None else None
