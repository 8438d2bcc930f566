"""Lesson 18 in the real window (offscreen Qt): the lesson's compare action opens the
side-by-side compare view on the window's own run, and the change of the HA's link
delay goes through the controller (so the compare view replays it)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from hmipviz import compare
from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow
from hmipviz.scenario import load_scenario


def test_show_me_opens_the_compare_view_replaying_the_run(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "p")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_lesson("18")
    panel = w.lessons.panel
    c = w.controller
    c.autoplay_on_action = False
    for _ in range(200):
        if panel.next_button.isEnabled() or not c.jump_to_next_idle():
            break
    assert panel.next_button.isEnabled()
    panel.next_step()
    panel.run.act(set_link="HA", to="R1", delay_ms=40)  # as the properties panel does
    panel.show_me()
    while panel.show_runner.running:
        QApplication.processEvents()
    view = getattr(w, "compare_window", None)
    assert view is not None and view.isVisible()
    acts = view.actions_replayed
    assert any(isinstance(a, compare.SetLink) and a.delay_ms == 40 for a in acts)
    assert any(isinstance(a, compare.MoveMN) and a.ar == "AR2" for a in acts)
    view.close()
