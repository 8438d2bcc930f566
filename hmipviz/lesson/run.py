"""Driving the engine for a lesson: actions applied through a :class:`LessonDriver`
(the window's, or :class:`SimDriver` headless), the engine run with a step budget, and
a check evaluated as events arrive. (A prediction's answer is read off the learner's
own run, :mod:`hmipviz.lesson.predict`, never off a step's solution.)

It imports no Qt, so the window and the headless verifier share one implementation.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Protocol

from hmipviz.lesson import attack, scan
from hmipviz.lesson import evaluate as ev
from hmipviz.lesson.checks import Check, Window
from hmipviz.lesson.distance import log_action
from hmipviz.lesson.format import Action, Lesson
from hmipviz.scenario import Scenario
from hmipviz.sim import Simulation
from hmipviz.sim_snapshot import thaw

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
    n = sim.run_steps(t, max_steps)
    if n >= max_steps and (nt := sim.next_time()) is not None and nt <= t:
        raise BudgetExceeded(what, n, sim.now, t)
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

    # a link's one-way delay (lesson 18's HA distance); the compare view (window only)
    def set_link(self, a: str, b: str, delay_ms: float) -> None: ...

    def compare(self) -> None: ...

    # the actions done so far, as the compare view replays them (hmipviz.compare)
    def demo_actions(self) -> list: ...

    def play(self) -> None: ...

    def pause(self) -> None: ...


class SimDriver:
    """Headless driver: actions go straight to a Simulation; play and pause do nothing
    (the caller runs the engine)."""

    def __init__(self, scenario: Scenario, sim: Simulation | None = None) -> None:
        self.scenario = scenario
        self._sim = sim if sim is not None else Simulation(scenario)
        self.actions: list = []  # what was done, for the compare measures (lesson 18)

    @property
    def sim(self) -> Simulation:
        return self._sim

    def reset(self, mode: str, security: str | None = None) -> None:
        self._sim = Simulation(self.scenario, mode=mode, security=security)
        self.actions = []

    def step(self) -> bool:
        if self._sim.next_time() is None:
            return False
        self._sim.step()
        return True

    def run_until(self, t: float) -> None:
        run_bounded(self._sim, t)

    def move(self, ar: str | None) -> None:
        self._sim.move(ar)
        log_action(self.actions, self._sim.now, "move", ar)

    def fail(self, node: str) -> None:
        self._sim.fail(node)
        log_action(self.actions, self._sim.now, "fail", node)

    def restore(self, node: str) -> None:
        self._sim.restore(node)
        log_action(self.actions, self._sim.now, "restore", node)

    def set_map_option(self, ar: str, map_name: str, pref: int | None,
                       lifetime_s: int | None) -> None:
        self._sim.set_map_option(ar, map_name, pref=pref, lifetime_s=lifetime_s)
        log_action(self.actions, self._sim.now, "set_map_option", ar, map_name, pref,
                   lifetime_s)

    def set_flows(self, running: bool) -> None:
        self._sim.set_flows(running)
        log_action(self.actions, self._sim.now, "flows", running)

    def inject(self, node: str, data: bytes) -> None:
        self._sim.inject(node, data)

    def set_link(self, a: str, b: str, delay_ms: float) -> None:
        self._sim.set_link(a, b, delay_ms=delay_ms)
        link = self._sim.topology.link(a, b)
        log_action(self.actions, self._sim.now, "set_link", a, b, delay_ms,
                   link.loss if link is not None else 0.0)

    def compare(self) -> None:
        pass  # headless: the compare measures replay the actions when asked

    def demo_actions(self) -> list:
        return list(self.actions)

    def play(self) -> None:
        pass

    def pause(self) -> None:
        pass


def fork(sim: Simulation) -> Simulation:
    """An independent copy of a simulation, for looking ahead without touching it.

    One copy: the state is frozen and thawed once (``restore_snapshot`` on a twin
    would copy it a second time, and the verifier and the window's look-ahead fork
    often)."""
    snap = sim.snapshot()
    twin = copy.copy(sim)
    twin.__dict__.update(thaw(snap.frozen))
    twin.trace = list(sim.trace)
    scan.inherit(sim, twin)
    return twin


class _Evaluator:
    """Evaluates one check over the events since ``mark``, skipping the re-evaluation
    when only data packets arrived and the check ignores them (the trace is long)."""

    def __init__(self, check: Check, mark: int,
                 selections: list[tuple[int, str]] | None = None) -> None:
        self.check = check
        self.mark = mark
        self.selections = selections if selections is not None else []
        self._data = ev.watches_data(check)
        self._seen: tuple[int, int, object] | None = None  # (id of sim, length, last event)
        self._last = ev.Outcome(False, "")

    def __call__(self, sim: Simulation) -> ev.Outcome:
        trace = sim.trace
        n = len(trace)
        seen = self._seen
        if seen is not None and seen[0] == id(sim) and seen[1] <= n and \
                (seen[1] == 0 or trace[seen[1] - 1] is seen[2]):
            new = trace[seen[1]:]
            if not new or (not self._data and all(ev.is_data_event(e) for e in new)):
                self._seen = (id(sim), n, trace[-1] if n else None)
                return self._last
        self._last = ev.evaluate(self.check, Window(sim, self.mark, tuple(self.selections)))
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
    elif v == "set_link":
        driver.set_link(action.value, action.get("to"), float(action.get("delay_ms")))
    elif v == "compare":
        driver.compare()
    elif v == attack.VERB:  # the attacker's BU, built from the engine's state now
        driver.inject(action.value, attack.packet_bytes(driver.sim, action))
    elif v == "play":
        driver.play()
    elif v == "pause":
        driver.pause()


def _settle(driver: LessonDriver, evaluator: _Evaluator, limit_s: float,
            max_steps: int | None = None) -> ev.Outcome:
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
