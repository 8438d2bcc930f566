"""The lesson look-ahead is bounded (issue 9 soak): after a wrong attempt the panel asks
whether the step can still pass by re-checking the whole step on a copy of the engine
after every engine step; on a long history that held the GUI thread over 30 s. Past
LOOK_AHEAD_MAX_EVENTS events in the step it says nothing instead."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from hmipviz.gui import lesson_panel, lesson_status
from hmipviz.gui.main_window import MainWindow
from hmipviz.scenario import load_scenario


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drag_out_of_every_cell(window) -> None:
    view = window.topology
    vp = view.viewport()
    p0 = view.mapFromScene(view.mn_item.scenePos())
    p1 = view.mapFromScene(view.cell_item("AR1").centre + QPointF(-600, 0))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, 7):
        QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // 6,
                                   p0.y() + (p1.y() - p0.y()) * k // 6))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)


def _until(c, cond, limit: int = 400) -> None:
    for _ in range(limit):
        if cond() or not c.jump_to_next_idle():
            break
    assert cond()


@pytest.mark.parametrize("limit, asks", [(100_000, True), (10, False)])
def test_the_look_ahead_runs_only_on_a_step_of_bounded_length(window, monkeypatch,
                                                                limit, asks):
    monkeypatch.setattr(lesson_status, "LOOK_AHEAD_MAX_EVENTS", limit)
    assert window.open_lesson("4")
    panel = window.lessons.panel
    c = window.controller
    c.autoplay_on_action = False
    _until(c, lambda: panel.next_button.isEnabled())
    QTest.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    asked = []
    real = panel.run.blocked
    monkeypatch.setattr(panel.run, "blocked", lambda: asked.append(1) or real())
    _drag_out_of_every_cell(window)  # the wrong move: out of every cell
    _until(c, lambda: panel.wrong_attempt)
    for _ in range(5):
        c.jump_to_next_idle()  # the step goes on: more than the low limit's events
    assert len(c.trace) - panel.run.mark > 10
    asked.clear()
    panel._blocked_t = None  # the next evaluation is due (not throttled)
    panel.evaluate()
    assert bool(asked) == asks
    if not asks:
        assert panel.blocked is None  # nothing said, rather than something wrong
