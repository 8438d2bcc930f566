"""The lesson driver of the window: :class:`hmipviz.lesson.LessonRun` acting through the
:class:`~hmipviz.gui.controller.QtController`.

Headless, :class:`hmipviz.lesson.SimDriver` changes a Simulation directly. In the window
every action must go through the controller instead, so that it is logged in the
history (stepping back and branching replay it), drawn on the canvas, and shown in the
event list, exactly as if the learner had done it with the mouse:

==================  ====================================================================
driver              controller
==================  ====================================================================
``sim``             ``controller.sim`` (the engine the views show)
``reset``           ``controller.load(scenario, mode=...)``, with ``security`` applied to
                    the scenario
``step``            the engine's next instant, shown at once
``run_until``       the engine up to ``t``, every event shown (the run's end moves on
                    when a lesson runs past the scenario's duration); at most
                    ``STEP_BUDGET`` engine steps, then ``BudgetExceeded``
``move``            ``controller.move_mn`` (as a drag would)
``fail/restore``    ``controller.fail_node`` / ``controller.restore_node``
``set_map_option``  ``controller.set_map_option``
``set_flows``       ``controller.set_flow``
``inject``          ``controller.inject``
``set_link``        ``controller.set_link`` (a teacher control: the properties panel)
``compare``         the window's View > Compare (``open_compare``), replaying the run
``demo_actions``    ``hmipviz.compare.demo_actions`` of the controller's time line
``play/pause``      ``controller.play`` / ``controller.pause``
==================  ====================================================================

While :attr:`QtLessonDriver.replaying` is set (``LessonRun.goto`` and ``resume`` replay
the solutions of earlier steps), ``play`` does nothing and actions do not start
playback, so the replay ends paused on the state it rebuilt.
"""

from __future__ import annotations

import dataclasses
import math
from contextlib import contextmanager

from hmipviz import lesson as lesson_mod
from hmipviz.lesson import BudgetExceeded, Lesson


class QtLessonDriver:
    """Implements :class:`hmipviz.lesson.LessonDriver` on a QtController."""

    def __init__(self, controller, lesson: Lesson) -> None:
        self.controller = controller
        self.scenario = lesson.scenario
        self.replaying = False

    # --- the engine the views show ------------------------------------------------------
    @property
    def sim(self):
        return self.controller.sim

    def reset(self, mode: str, security: str | None = None) -> None:
        scenario = self.scenario
        if security is not None and security != scenario.security:
            scenario = dataclasses.replace(scenario, security=security)
        self.controller.load(scenario, mode=mode)

    def step(self) -> bool:
        """Run the engine through its next instant and show it; False when nothing is
        left to run."""
        c = self.controller
        t = c.sim.next_time()
        if t is None:
            return False
        c.advance_to(t)
        return True

    def run_until(self, t: float) -> None:
        """Blocking, so bounded: at most ``STEP_BUDGET`` engine steps (Show me does not
        come here for its runs: :mod:`hmipviz.gui.show_me` slices them)."""
        c = self.controller
        budget = lesson_mod.STEP_BUDGET
        if not math.isfinite(t) or not c.advance_to(t, max_steps=budget):
            raise BudgetExceeded("run", budget if math.isfinite(t) else 0, c.sim.now, t)

    # --- actions, recorded by the controller like the learner's own --------------------
    def move(self, ar: str | None) -> None:
        with self._no_autoplay():
            self.controller.move_mn(ar)

    def fail(self, node: str) -> None:
        with self._no_autoplay():
            self.controller.fail_node(node)

    def restore(self, node: str) -> None:
        with self._no_autoplay():
            self.controller.restore_node(node)

    def set_map_option(self, ar: str, map_name: str, pref: int | None,
                       lifetime_s: int | None) -> None:
        with self._no_autoplay():
            self.controller.set_map_option(ar, map_name, pref=pref, lifetime_s=lifetime_s)

    def set_flows(self, running: bool) -> None:
        with self._no_autoplay():
            self.controller.set_flow(running)

    def inject(self, node: str, data: bytes) -> None:
        with self._no_autoplay():
            self.controller.inject(node, data)

    def set_link(self, a: str, b: str, delay_ms: float) -> None:
        with self._no_autoplay():
            self.controller.set_link(a, b, delay_ms=delay_ms)

    def compare(self) -> None:
        """Open the side-by-side compare view on this run (not while replaying)."""
        window = self.controller.parent()
        opener = getattr(window, "open_compare", None)
        if opener is not None and not self.replaying:
            opener()

    def demo_actions(self) -> list:
        from hmipviz import compare
        return list(compare.demo_actions(self.controller.timeline))

    def play(self) -> None:
        if not self.replaying:
            self.controller.play()

    def pause(self) -> None:
        self.controller.pause()

    # --- replaying earlier steps ---------------------------------------------------------
    @contextmanager
    def replay(self):
        """Within: no playback starts (``LessonRun.goto`` / ``resume`` rebuild a state)."""
        was = self.replaying
        self.replaying = True
        self.controller.pause()
        try:
            yield self
        finally:
            self.replaying = was

    @contextmanager
    def _no_autoplay(self):
        c = self.controller
        if not self.replaying:
            yield
            return
        was = c.autoplay_on_action
        c.autoplay_on_action = False
        try:
            yield
        finally:
            c.autoplay_on_action = was


__all__ = ["QtLessonDriver"]
