"""Where a step stands: each of its conditions met or not (the status lines), and
whether it can still pass on this branch of the run at all.

A step's check is split into its conditions (the members of a top-level ``all``, or
the check itself); each is evaluated on its own and said in plain words
(:mod:`hmipviz.lesson.words`), and the share met is the step's completion.

A step *can no longer pass* (:func:`blocked`) when

- a condition is broken for good: a ``not_sent`` whose message was sent in its scope
  (events cannot be unsent), or a ``not`` of an event that happened; or
- doing the step's solution now, from this state, would not make the check hold
  within the step's time limit (looked ahead on a copy of the simulation): the
  event the check needs can no longer happen in the step's window, the learner's
  handover was too slow, the time the step allows has passed, ...

Then the player says why in plain words and offers to try the step again from its
start.
"""

from __future__ import annotations

from dataclasses import dataclass

from hmipviz.engine.events import HandoverCompleted, HandoverStarted
from hmipviz.lesson import evaluate as ev
from hmipviz.lesson.checks import CHECKS, Check, Window, offending_sent
from hmipviz.lesson.words import kind_words, not_sent_scope, plain


@dataclass(frozen=True)
class Condition:
    """One condition of a step's check: its words and whether it holds now."""

    text: str
    met: bool


@dataclass(frozen=True)
class StepStatus:
    """Every condition of the current step, and whether the whole check holds."""

    conditions: tuple[Condition, ...]
    passed: bool

    @property
    def percent(self) -> int:
        """The share of conditions met, 0-100 (100 only once the check holds)."""
        if self.passed:
            return 100
        if not self.conditions:
            return 0
        met = sum(1 for c in self.conditions if c.met)
        return min(99, round(100 * met / len(self.conditions)))


@dataclass(frozen=True)
class Blocked:
    """Why the current step can no longer pass on this branch, in plain words."""

    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(r[:1].upper() + r[1:] + "." for r in self.reasons)


def conditions(check: Check) -> tuple[Check, ...]:
    """The conditions a step's check is made of: the members of a top-level ``all``."""
    return check.children if check.name == "all" else (check,)


def step_status(check: Check, w: Window) -> StepStatus:
    conds = tuple(Condition(plain(c), ev.holds(c, w)) for c in conditions(check))
    return StepStatus(conds, all(c.met for c in conds) if check.name == "all"
                      else conds[0].met)


def broken_for_good(check: Check, w: Window) -> list[str]:
    """The conditions of ``check`` that can never hold again in this step's window,
    each said with what broke it (empty: none)."""
    if check.name == "all":
        return [r for c in check.children for r in broken_for_good(c, w)]
    if check.name == "any":
        each = [broken_for_good(c, w) for c in check.children]
        return [r for rs in each for r in rs] if all(each) else []
    if check.name == "not_sent":
        frm = Window(w.sim, 0) if check.get("since_step") is False else w
        e = offending_sent(check, frm)
        if e is None:
            return []
        return [f"{kind_words(e.kind)} was sent at t = {e.t:.3f} s, but the step needs "
                f"none to be sent{not_sent_scope(check)}"]
    if check.name == "not":
        sub = check.children[0]
        if CHECKS[sub.name].trace and ev.holds(sub, w):
            return [f"{plain(sub)} already happened in this step, and the step needs it not to"]
    return []


def handover_misses(check: Check, w: Window) -> list[str]:
    """For each unmet ``handover`` condition with a latency bound: what the learner's
    own last handover of that kind (and AR) took, against the bound."""
    out = []
    for c in conditions(check):
        if c.name != "handover" or ev.holds(c, w) or not (
                c.has("latency_ms_at_most") or c.has("latency_ms_at_least")):
            continue
        last = None
        to_ar = None
        for _, e in w.events():
            if isinstance(e, HandoverStarted) and e.node == w.book.mn:
                to_ar = e.to_ar
            elif isinstance(e, HandoverCompleted) and e.node == w.book.mn and \
                    (c.head == "any" or e.kind == c.head) and \
                    (not c.has("to_ar") or to_ar in c.get("to_ar")):
                last = e
        if last is None:
            continue
        ms = last.latency_s * 1000.0
        hi, lo = c.get("latency_ms_at_most"), c.get("latency_ms_at_least")
        need = (f"at most {hi:g} ms" if hi is not None and ms > hi
                else f"at least {lo:g} ms")
        out.append(f"your handover took {ms:.0f} ms from leaving the old link at "
                   f"t = {last.started_t:.3f} s to its acknowledgement, and the step needs "
                   f"{need} (a detour outside every cell counts)")
    return out


__all__ = ["handover_misses", "Condition", "StepStatus", "Blocked", "conditions", "step_status",
           "broken_for_good"]
