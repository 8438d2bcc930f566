"""Show me, played from the event loop: a step's solution, one slice at a time.

A solution may run the engine for a long simulated span (``run_for_s``,
``run_until_s``). Run in one call, that would freeze the window until it ends, with
Esc and Ctrl+Q dead. :class:`ShowMeRunner` instead applies the solution's actions one
by one from a zero-interval QTimer and runs each span in slices of at most
``SLICE_STEPS`` engine steps, returning to the event loop after about ``SLICE_MS`` of
work, so the views follow the run, Esc cancels it (:meth:`ShowMeRunner.cancel`, an
application event filter while it runs) and the window can be closed at any time.

A solution that needs more than :data:`hmipviz.lesson.STEP_BUDGET` engine steps in all
is stopped there with a message saying so (a lesson asking for ``run_for_s = 1e9``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from hmipviz import lesson as lesson_mod
from hmipviz.lesson import Action, LessonRun, run_target

SLICE_MS = 20  # work per visit of the event loop
SLICE_STEPS = 500  # engine steps per call of the controller within a slice

DONE, CANCELLED, BUDGET, FAILED = "done", "cancelled", "budget", "failed"


class ShowMeRunner(QObject):
    """Plays ``actions`` through ``run`` (its driver is the window's controller).

    ``finished(outcome, message)``: outcome is ``"done"``, ``"cancelled"`` (Esc or
    :meth:`cancel`), ``"budget"`` (the step budget ran out) or ``"failed"`` (an action
    raised); message says it in plain words ("" when done).
    """

    finished = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self._run: LessonRun | None = None
        self._actions: list[Action] = []
        self._i = 0
        self._target: float | None = None  # the span being run, or None
        self._what = ""
        self.steps = 0  # engine steps spent on runs so far
        self.budget = 0
        self.outcome = ""
        self.message = ""

    @property
    def running(self) -> bool:
        return self._run is not None

    def start(self, run: LessonRun, actions, budget: int | None = None) -> None:
        """Begin playing ``actions``: the first slice now, the others from the event
        loop."""
        if self.running:
            self.cancel()
        self._run = run
        self._actions = list(actions)
        self._i = 0
        self._target = None
        self.steps = 0
        self.budget = lesson_mod.STEP_BUDGET if budget is None else budget
        self.outcome = self.message = ""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()
        self._tick()  # the first slice at once: most solutions end within it

    def cancel(self) -> bool:
        """Stop where it is (the state reached stays, as after any action)."""
        if not self.running:
            return False
        now = self._controller().sim.now if self._controller() is not None else 0.0
        self._finish(CANCELLED, f"Show me stopped at t = {now:.3f} s.")
        return True

    # --- the slices ------------------------------------------------------------------------
    def _controller(self):
        run = self._run
        return getattr(run.driver, "controller", None) if run is not None else None

    def _tick(self) -> None:
        clock = QElapsedTimer()
        clock.start()
        try:
            while self.running and clock.elapsed() < SLICE_MS:
                self._advance()
        except Exception as exc:  # an action must never take the window down
            self._finish(FAILED, f"Show me failed: {exc}")

    def _advance(self) -> None:
        run = self._run
        if run is None:  # finished: called only while running
            return
        c = self._controller()
        if self._target is not None:
            chunk = max(1, min(SLICE_STEPS, self.budget - self.steps))
            if c.advance_to(self._target, max_steps=chunk):
                self._target = None
                self._i += 1
                return
            self.steps += chunk
            if getattr(c, "_stalled_t", None) is not None:  # the controller said why
                self._finish(FAILED, "Show me stopped: the engine stopped making progress.")
            elif getattr(c, "history_full_t", None) is not None:
                self._finish(FAILED, "Show me stopped: the run reached the most events "
                             "the window keeps (see the message).")
            elif self.steps >= self.budget:
                self._finish(BUDGET, (
                    f"Show me stopped: {self._what} ran {self.steps:,} simulator steps "
                    f"(the step budget) and reached t = {c.sim.now:.3f} s of "
                    f"{self._target:g} s."))
            return
        if self._i >= len(self._actions):
            self._finish(DONE, "")
            return
        action = self._actions[self._i]
        if action.verb in ("run_for_s", "run_until_s"):
            target = run_target(action, c.sim.now)
            if target is None:
                self._i += 1
            elif not math.isfinite(target):
                self._finish(BUDGET, f"Show me stopped: {action} never ends.")
            else:
                self._target, self._what = target, str(action)
            return
        run.do(action)
        self._i += 1

    def _finish(self, outcome: str, message: str) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._run = None
        self._target = None
        self.outcome, self.message = outcome, message
        self.finished.emit(outcome, message)

    # --- Esc ---------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and self.running \
                and event.key() == Qt.Key.Key_Escape \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if t == QEvent.Type.KeyPress:
                self.cancel()
            else:
                event.accept()  # ours: no shortcut (classroom mode's Esc) takes it
            return True
        return False


__all__ = ["ShowMeRunner", "SLICE_MS", "SLICE_STEPS", "DONE", "CANCELLED", "BUDGET",
           "FAILED"]
