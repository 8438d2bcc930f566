"""The lesson player's decisions, with no Qt: when an attempt counts as wrong, when the
hints open, when a prediction is revealed, what the status line and the buttons say,
where the next step begins, and the summary.

The lesson dock (:mod:`hmipviz.gui.lesson_panel`) keeps one :class:`StepPolicy` per
step, feeds it what the window does (the learner acts, plays, the engine runs on) and
draws what it answers; so the teaching rules can be read and tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
class StepPolicy:
    """The learner's state in one step: attempts, hints, predictions, where it was done.

    ``step_t`` is the display time the step began at; ``attempt_t`` when the learner
    first acted (or let the engine run on) in it, None before."""

    step_t: float = 0.0
    attempt_t: float | None = None
    wrong_attempt: bool = False
    hints_shown: list[str] = field(default_factory=list)
    watches: dict[str, object] = field(default_factory=dict)
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
        """A new branch or a new engine (the run re-reads its predictions itself)."""
        self.watches = {}

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
    """The end-of-lesson page: per step done, with hints or shown, questions right at
    the first try, time taken, the seed, and the goals learnt
    (:func:`hmipviz.lesson.summary.markdown`)."""
    from hmipviz.lesson import summary
    return summary.markdown(summary.report(run), f"## {lesson.title}: done"
                            if run.finished else f"## {lesson.title}")


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
