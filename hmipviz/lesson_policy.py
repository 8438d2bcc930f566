"""The lesson player's decisions, with no Qt: when an attempt counts as wrong, when the
hints open, when a prediction is revealed, what the status line and the buttons say,
where the next step begins, and the summary.

The lesson dock (:mod:`hmipviz.gui.lesson_panel`) keeps one :class:`StepPolicy` per
step, feeds it what the window does (the learner acts, plays, the engine runs on) and
draws what it answers; so the teaching rules can be read and tested on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from hmipviz import lesson_checks as lc
from hmipviz import lesson_fields as lf

# After the learner acts (or starts the engine) in a step, the check gets this much
# simulated time before the attempt counts as wrong and the hints open.
ATTEMPT_S = 1.0

TICK, CURRENT, TODO = "\u2713", "\u25b6", "\u2022"
OPEN = "\u25cb"  # a condition not met yet


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1 min 15 s"``: a lesson's time taken, to the second."""
    s = round(max(0.0, seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


@dataclass(frozen=True)
class ButtonState:
    enabled: bool
    text: str
    tooltip: str = ""


@dataclass(frozen=True)
class StatusLine:
    """What the status line says: ``kind`` is "done", "not yet", "past" or "do";
    ``detail`` the check's words without their prefix; ``last`` whether this is the
    lesson's last step; ``hint`` whether a hint is still there to help."""

    kind: str
    detail: str = ""
    last: bool = False
    hint: bool = False


@dataclass
class _Watch:
    """A prediction's watch: which message comes next, read from trace index ``read``."""

    next_message: lc.NextMessage
    read: int


@dataclass
class StepPolicy:
    """The learner's state in one step: attempts, hints, predictions, where it was done.

    ``step_t`` is the display time the step began at; ``attempt_t`` when the learner
    first acted (or let the engine run on) in it, None before."""

    step_t: float = 0.0
    attempt_t: float | None = None
    wrong_attempt: bool = False
    hints_shown: list[str] = field(default_factory=list)
    revealed: set[str] = field(default_factory=set)
    watches: dict[str, _Watch] = field(default_factory=dict)
    pass_at: tuple[int, object] | None = None  # (trace index, event) when done

    # --- attempts ---------------------------------------------------------------------
    def engine_moved(self, now: float) -> None:
        """The screen moved to display time ``now``: running on past the step's start
        counts as trying."""
        if self.attempt_t is None and now > self.step_t:
            self.attempt_t = self.step_t

    def acted(self, now: float) -> None:
        """The learner acted (dragged the MN, failed a node, ...) at ``now``."""
        self.attempt_t = now

    def started_playing(self, now: float) -> None:
        if self.attempt_t is None:
            self.attempt_t = now

    def forget_attempt(self) -> None:
        """Show me ran, or the network restarted: no attempt of the learner's yet."""
        self.attempt_t = None

    def watch_attempt(self, passed: bool, now: float, time_limit_s: float, at_end: bool,
                      playing: bool) -> bool:
        """An attempt is wrong once the check has had ``ATTEMPT_S`` (at most the step's
        time limit) of simulated time after it, or the run has ended, and still does
        not hold. Returns ``wrong_attempt``."""
        if passed or self.wrong_attempt or self.attempt_t is None:
            return self.wrong_attempt
        limit = min(ATTEMPT_S, time_limit_s)
        if now - self.attempt_t >= limit or (at_end and not playing):
            self.wrong_attempt = True
        return self.wrong_attempt

    # --- hints ------------------------------------------------------------------------
    def hints_left(self, hints: Sequence[str]) -> int:
        return max(0, len(hints) - len(self.hints_shown))

    def may_hint(self) -> bool:
        """Hints open only after a wrong attempt."""
        return self.wrong_attempt

    def hint_button(self, ok: bool, passed: bool, hints: Sequence[str]) -> ButtonState:
        left = self.hints_left(hints) if ok else 0
        enabled = bool(ok and self.wrong_attempt and left and not passed)
        if not ok or not hints:
            return ButtonState(enabled, "Hint", "This step has no hints; Show me does it "
                               "for you")
        if left:
            return ButtonState(enabled, f"Hint ({left})",
                               "Reveal the next hint" if self.wrong_attempt else
                               "Hints open after you have tried the step and it did not "
                               "work yet")
        return ButtonState(enabled, "No more hints", "Show me does the step for you")

    # --- the status line ----------------------------------------------------------------
    def status(self, passed: bool, detail: str, last: bool, live: bool,
               hints: Sequence[str]) -> StatusLine:
        if passed:
            what = detail[len("done: "):] if detail.startswith("done: ") else ""
            return StatusLine("done", what, last)
        if self.wrong_attempt:
            waiting = detail[len("waiting for: "):] if detail.startswith("waiting for: ") \
                else detail
            return StatusLine("not yet", waiting, last, bool(self.hints_left(hints)))
        if not live:
            return StatusLine("past", "", last)
        return StatusLine("do", "", last)

    # --- predictions ----------------------------------------------------------------------
    def forget_watches(self) -> None:
        """A new branch or a new engine: each watch reads the trace again from the mark."""
        self.watches = {}

    def watch_predictions(self, questions: Iterable, trace: Sequence, mark: int,
                          book, expected: Callable[[str], str | None],
                          now: float) -> list[tuple[str, str]]:
        """(question id, kind seen) for each prediction whose message has now been
        shown, "nothing" when the learner predicted no message and none came within
        the question's ``within_s``. Each watch reads on from where it stopped (the
        trace of a long step is long); each question is revealed once."""
        out = []
        for q in questions:
            if not q.is_prediction or q.id in self.revealed:
                continue
            watch = self.watches.get(q.id)
            if watch is None or watch.read > len(trace):
                watch = self.watches[q.id] = _Watch(
                    lc.NextMessage(q.predict, q.after, q.ignore), mark)
            seen = None
            for e in trace[watch.read:]:
                seen = watch.next_message.feed(e, book)
                if seen is not None:
                    break
            watch.read = len(trace)
            if seen is None and expected(q.id) == lf.NOTHING and now > self.step_t + q.within_s:
                seen = lf.NOTHING
            if seen is not None:
                self.revealed.add(q.id)
                out.append((q.id, seen))
        return out

    # --- the next step ----------------------------------------------------------------------
    def done_at(self, index: int, event: object) -> None:
        """The check first held with the screen at trace ``index`` (that ``event``)."""
        if self.pass_at is None:
            self.pass_at = (index, event)

    def next_step_start(self, trace: Sequence) -> int | None:
        """Where the next step begins: the moment this one was done, when what was
        played after it is still the same branch (None: from where the screen is)."""
        at = self.pass_at
        if at is not None and 0 <= at[0] < len(trace) - 1 and trace[at[0]] is at[1]:
            return at[0]
        return None


# --- the steps list, buttons and summary ------------------------------------------------
def furthest_reachable(n_steps: int, index: int, passed: Iterable[int]) -> int:
    """The last step the learner may go to: one past any step done, at least the
    current one."""
    return min(n_steps - 1, max([index, *[i + 1 for i in passed]]))


def step_mark(i: int, index: int, passed: Iterable[int]) -> str:
    return TICK if i in set(passed) else (CURRENT if i == index else TODO)


def next_button(ok: bool, can_advance: bool, last: bool) -> ButtonState:
    passed = ok and can_advance
    return ButtonState(bool(passed), "Finish" if last else "Next step",
                       "Done: go on" if passed else "Opens once the engine shows the step done")


def show_button(ok: bool, passed: bool, showing: bool) -> ButtonState:
    return ButtonState(bool(ok and (not passed or showing)),
                       "Stop (Esc)" if showing else "Show me")


def summary_markdown(lesson, run) -> str:
    """The end-of-lesson page: steps done, questions right at the first try, hints
    used, time taken, each answer, and the goals."""
    s = run.summary()
    answers = {q: ok for q, _c, ok in run.progress().answers}
    lines = [f"## {lesson.title}: done" if run.finished else f"## {lesson.title}",
             "",
             f"- **Steps done:** {s.steps_passed} of {s.steps_total}",
             f"- **Questions right at the first try:** {s.questions_right} of "
             f"{s.questions_total}"
             + (f" ({s.questions_answered} answered)"
                if s.questions_answered != s.questions_total else ""),
             f"- **Hints used:** {s.hints_used}",
             f"- **Time taken:** {format_duration(s.elapsed_s)}",
             "", "### Your steps", ""]
    shown = set(getattr(s, "shown", ()))
    for step in lesson.steps:
        mark, how = ((OPEN, "not done") if step.index not in run.passed else
                     ("\u2713", "with Show me") if step.index in shown else
                     ("\u2713", "done by you"))
        # "Step N," not "N.": a list item that starts with "N." is a nested list
        lines.append(f"- {mark} Step {step.index + 1}, {step.title}: {how}")
    lines += ["", "### Your answers", ""]
    marks: dict[bool | None, str] = {True: "\u2713", False: "\u2717"}
    for step in lesson.steps:
        for q in step.questions:
            mark = marks.get(answers.get(q.id), "\u2014")
            lines.append(f"- {mark} {q.ask}")
    lines += ["", "### What you learnt", ""] + [f"- {g}" for g in lesson.goals]
    return "\n".join(lines)


def next_builtin(name: str | None, items: Sequence[tuple[str, str, str]]
                 ) -> tuple[str, str, str] | None:
    """The built-in lesson after ``name`` in ``items`` ((name, title, summary) each)."""
    names = [n for n, _t, _s in items]
    if name not in names:
        return None
    i = names.index(name)
    if i + 1 >= len(items):
        return None
    next_name, title, summary = items[i + 1]
    return next_name, title, summary


__all__ = ["ATTEMPT_S", "StepPolicy", "ButtonState", "StatusLine", "format_duration",
           "furthest_reachable", "step_mark", "next_button", "show_button",
           "summary_markdown", "next_builtin", "TICK", "CURRENT", "TODO", "OPEN"]
