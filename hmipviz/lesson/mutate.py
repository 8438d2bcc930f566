"""Verifying a lesson against what students plausibly do instead of the solution.

For each step, the step's solution is changed the way a student would change it:

- ``step back``: the learner steps one instant back before acting (the window then
  branches there, and the step's events start at that instant);
- ``sibling AR``: a move to another AR of the same MAP's domain;
- ``detour``: the MN dropped outside every cell for a second before the right move;
- ``idle 300 s``: the engine left running 300 s before the learner acts;
- ``attacker's slip``: the attacker's crafted BU (``inject_bu``) sent first with a
  stale sequence number, or for another address than the MN's RCoA.

Each mutation must either still pass the step, or leave the player saying that the
step can no longer pass (:meth:`LessonRun.blocked`), whereupon trying the step again
(:meth:`LessonRun.retry`) and doing the solution passes it. ``hmipviz check`` runs
the mutations of every step (``--no-mutations`` leaves them out); the tests run a
subset per lesson unless ``HMIPVIZ_LESSON_MUTATIONS=all``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmipviz.lesson import attack
from hmipviz.lesson.format import STATE_VERBS, Action, Lesson, Step
from hmipviz.lesson.run import BudgetExceeded, SimDriver, _apply, fork, run_bounded, run_target
from hmipviz.lesson.session import LessonRun

IDLE_S = 300.0
DETOUR_S = 1.0
KINDS = ("step back", "sibling AR", "detour", "idle 300 s", "attacker's slip")


@dataclass(frozen=True)
class Mutation:
    """A student's variant of a step's solution: ``actions`` instead of the solution,
    after stepping one instant back first when ``back``."""

    kind: str
    label: str
    actions: tuple[Action, ...]
    back: bool = False


@dataclass(frozen=True)
class MutationOutcome:
    step: int  # 0-based
    mutation: Mutation
    passed: bool
    blocked: str | None  # the player's words when it can no longer pass
    retried: bool | None  # the step passed after "try again" (None: not tried)
    # not passed, not blocked: the step's solution done from there passed it
    recoverable: bool | None = None

    @property
    def verdict(self) -> str:
        """"passes", "blocked" (reported, retry offered), "recoverable" (the status
        lines show what is missing and doing the step from there passes) or "stuck"."""
        if self.passed:
            return "passes"
        if self.blocked is not None:
            return "blocked" if self.retried is not False else "stuck"
        return "recoverable" if self.recoverable else "stuck"

    @property
    def ok(self) -> bool:
        return self.verdict != "stuck"


def _siblings(lesson: Lesson, ar: str) -> list[str]:
    """Other ARs advertising one of the MAPs ``ar`` advertises, in scenario order."""
    spec = lesson.scenario.node(ar)
    maps = {o.map for o in spec.map_options}
    return [n.name for n in lesson.scenario.nodes
            if n.role == "ar" and n.name != ar and maps & {o.map for o in n.map_options}]


def _moves(step: Step) -> list[int]:
    return [i for i, a in enumerate(step.solution)
            if a.verb == "move" and a.value != "none"]


def mutations(lesson: Lesson, step: Step, attached: str | None) -> list[Mutation]:
    """The plausible variants of ``step``'s solution, the MN being on ``attached``."""
    sol = step.solution
    out: list[Mutation] = []
    acts = any(a.verb in STATE_VERBS for a in sol)
    if step.index > 0 and acts:
        out.append(Mutation("step back", "one instant back, then the solution", sol, True))
    for i in _moves(step):
        ar = sol[i].value
        sib = next((s for s in _siblings(lesson, ar) if s != attached), None)
        if sib is not None:
            out.append(Mutation("sibling AR", f"{sib} instead of {ar}",
                                sol[:i] + (Action("move", sib),) + sol[i + 1:]))
        detour = (Action("move", "none"), Action("run_for_s", DETOUR_S), sol[i])
        out.append(Mutation("detour", f"out of every cell for {DETOUR_S:g} s, then {ar}",
                            sol[:i] + detour + sol[i + 1:]))
    for label, actions in attack.mutations(sol):  # a wrong field in the attacker's BU
        out.append(Mutation("attacker's slip", label, actions))
    if acts and not (sol and sol[0].verb == "reset"):
        out.append(Mutation("idle 300 s", f"{IDLE_S:g} s of waiting, then the solution",
                            (Action("run_for_s", IDLE_S),) + sol))
    return out


def _outcome(run: LessonRun, index: int, m: Mutation, retry: bool) -> MutationOutcome:
    for action in m.actions:
        if action.verb == "run_for_s":  # past the lesson's duration too
            run_bounded(run.sim, run.sim.now + float(action.value))
        else:
            run.do(action)
    if run.play().passed:
        return MutationOutcome(index, m, True, None, None)
    b = run.blocked()
    if b is None:
        again = run.apply_solution().passed
        return MutationOutcome(index, m, False, None, None, again)
    retried = None
    if retry:
        run.retry()
        retried = run.apply_solution().passed
    return MutationOutcome(index, m, False, b.text, retried)


def verify_mutations(lesson: Lesson, kinds: tuple[str, ...] = KINDS,
                     retry: str = "first", idle_steps: int | None = None,
                     only_step: int | None = None) -> list[MutationOutcome]:
    """Walk the lesson on its solutions; at each step try every mutation of ``kinds``
    on a copy of the state. ``retry``: "all" retries every blocked mutation, "first"
    only the first in the lesson (a retry replays the earlier steps), "none".
    ``idle_steps``: run "idle 300 s" on at most that many steps (the costly one).
    ``only_step``: try mutations at that step (0-based) only, and stop after it."""
    idled = 0
    outcomes: list[MutationOutcome] = []
    base = LessonRun(lesson, start=False)
    previous: tuple[object, Step] | None = None  # (sim at the last step's start, step)
    retried = False
    for step in lesson.steps:
        base.start_step(step.index)
        start_sim = fork(base.sim)
        chosen = only_step is None or step.index == only_step
        for m in mutations(lesson, step, base.sim.mn.ar) if chosen else ():
            if m.kind not in kinds:
                continue
            if m.kind == "idle 300 s":
                if idle_steps is not None and idled >= idle_steps:
                    continue
                idled += 1
            if m.back:
                run = _stepped_back(lesson, base, previous)
                if run is None:
                    continue
            else:
                run = base.fork()
            want_retry = retry == "all" or (retry == "first" and not retried)
            try:
                out = _outcome(run, step.index, m, want_retry)
            except BudgetExceeded as exc:
                out = MutationOutcome(step.index, m, False, f"(step budget: {exc})", False)
            retried = retried or out.retried is not None
            outcomes.append(out)
        if only_step is not None and step.index >= only_step:
            break
        previous = (start_sim, step)
        if not base.apply_solution().passed:
            break
    return outcomes


def _stepped_back(lesson: Lesson, base: LessonRun,
                  previous: tuple[object, Step] | None) -> LessonRun | None:
    """A run at the current step whose engine stands one instant before the step's
    start: the previous step replayed from its start and stopped an instant early,
    as the window's history does when the learner steps back and acts."""
    if previous is None:
        return None
    start_sim, prev_step = previous
    now = base.sim.now
    earlier = [e.t for e in base.sim.trace[: base.mark] if e.t < now]
    if not earlier:
        return None
    back_t = earlier[-1]
    prev = SimDriver(lesson.scenario, fork(start_sim))  # type: ignore[arg-type]
    for action in prev_step.solution:
        target = run_target(action, prev.sim.now)
        if target is not None and target > back_t:
            break
        _apply(action, prev, lesson, lambda: None)
    run_bounded(prev.sim, back_t)
    run = LessonRun(lesson, SimDriver(lesson.scenario, prev.sim), start=False)
    run.passed = set(base.passed)
    run.start_step(base.index)
    return run


def problems(lesson: Lesson, outcomes: list[MutationOutcome]) -> list[str]:
    """``path:line: ...`` for each mutation that neither passed nor was reported."""
    out = []
    for o in outcomes:
        if o.ok:
            continue
        step = lesson.steps[o.step]
        why = ("the step did not pass and the player does not say it can no longer pass"
               if o.blocked is None else "after Try again, the solution did not pass")
        out.append(f'{lesson.path}:{step.check_line}: step {step.index + 1} "{step.title}": '
                   f"mutation {o.mutation.kind} ({o.mutation.label}): {why}")
    return out


__all__ = ["Mutation", "MutationOutcome", "KINDS", "IDLE_S", "mutations",
           "verify_mutations", "problems"]
