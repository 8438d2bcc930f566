"""Show me never freezes the window (issue 9): a solution asking for an endless run is
played from the event loop, Esc stops it, Ctrl+Q quits during it, and the step budget
ends it with a message saying so."""

from __future__ import annotations

import dataclasses
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow
from hmipviz.lesson import Action, load_lesson
from hmipviz.lesson import run as lesson_run
from hmipviz.scenario import load_scenario


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def endless_lesson(run_for_s: float = 1e9):
    """Lesson 4 whose first step's solution runs the engine for ``run_for_s`` (past the
    loader's own checks: the runtime must be safe whatever gets through)."""
    lesson = load_lesson("4")
    step = dataclasses.replace(lesson.steps[0],
                               solution=(Action("run_for_s", run_for_s, (), 42),))
    return dataclasses.replace(lesson, steps=(step, *lesson.steps[1:]))


def _open(window, lesson):
    assert window.open_lesson(lesson)
    panel = window.lessons.panel
    window.controller.autoplay_on_action = False
    return panel


def test_esc_cancels_a_show_me_that_would_run_forever(qtbot, window, monkeypatch):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 10**12)  # only Esc can end it
    panel = _open(window, endless_lesson())
    c = window.controller
    t0 = time.monotonic()
    panel.show_me()
    assert time.monotonic() - t0 < 5.0, "show_me blocked instead of returning"
    assert panel.show_runner.running, panel.show_runner.message
    assert panel.show_button.text().startswith("Stop")
    # the event loop runs while Show me does: a timer fires, the engine moves on
    fired = []
    QTimer.singleShot(10, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    qtbot.waitUntil(lambda: c.sim.now > 30.0, timeout=20000)
    assert panel.show_runner.running, panel.show_runner.message
    QTest.keyClick(window.topology, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not panel.show_runner.running, timeout=1000)
    assert panel.show_runner.outcome == "cancelled", panel.show_runner.message
    assert "Show me stopped at t = " in panel.status.text(), panel.status.text()
    now = c.sim.now
    qtbot.wait(100)
    assert c.sim.now == now and not c.playing  # it really stopped
    assert panel.show_button.text() == "Show me"
    assert window.isVisible()


def test_the_stop_button_cancels_too(qtbot, window, monkeypatch):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 10**12)
    panel = _open(window, endless_lesson())
    panel.show_me()
    assert panel.show_runner.running
    QTest.mouseClick(panel.show_button, Qt.MouseButton.LeftButton)
    assert not panel.show_runner.running and panel.show_runner.outcome == "cancelled"


def test_ctrl_q_quits_during_show_me(qtbot, window, monkeypatch):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 10**12)
    panel = _open(window, endless_lesson())
    panel.show_me()
    qtbot.wait(50)
    assert panel.show_runner.running
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    assert not panel.show_runner.running


def test_show_me_stops_at_the_step_budget_with_a_message(qtbot, window, monkeypatch):
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 3000)
    panel = _open(window, endless_lesson())
    panel.show_me()
    qtbot.waitUntil(lambda: not panel.show_runner.running, timeout=20000)
    assert panel.show_runner.outcome == "budget"
    text = panel.status.text()
    assert "run_for_s = 1000000000.0 ran 3,000 simulator steps (the step budget)" in text
    assert 3000 <= panel.show_runner.steps <= 3000 + 10


def test_a_short_solution_still_finishes_and_passes(qtbot, window):
    panel = _open(window, endless_lesson(run_for_s=5.0))
    panel.show_me()
    qtbot.waitUntil(lambda: not panel.show_runner.running, timeout=20000)
    assert panel.show_runner.outcome == "done"
    assert window.controller.sim.now >= 5.0 - 1e-9


def test_an_infinite_run_is_refused_at_once(qtbot, window):
    panel = _open(window, endless_lesson(run_for_s=float("inf")))
    panel.show_me()
    qtbot.waitUntil(lambda: not panel.show_runner.running, timeout=2000)
    assert panel.show_runner.outcome == "budget"
    assert "never ends" in panel.status.text()


def test_going_to_an_earlier_step_with_an_endless_solution_is_bounded(qtbot, window,
                                                                      monkeypatch):
    """Replaying earlier solutions (goto / resume) blocks, so the budget bounds it."""
    monkeypatch.setattr(lesson_run, "STEP_BUDGET", 2000)
    panel = _open(window, endless_lesson())
    panel.run.passed.add(0)  # as if step 1 had been done
    panel._refresh_buttons()
    t0 = time.monotonic()
    assert panel.goto_step(1)
    assert time.monotonic() - t0 < 20
    assert "stopped after 2,000 simulator steps (the step budget)" in panel.status.text()


def test_next_step_does_nothing_while_another_network_is_open(qtbot, window):
    """Soak finding: a step done, then another scenario opened (the lesson detaches),
    then Next: the next step's set-up ran on the other network (KeyError 'MAP-peer')."""
    panel = _open(window, load_lesson("6"))
    panel.run.passed.add(0)  # as if step 1 had been done
    assert panel.run.can_advance()
    assert window.open_scenario("figure1")
    assert panel.detached
    assert panel.next_step() is False and panel.run.index == 0
    assert panel.goto_step(1) is False and panel.run.index == 0
