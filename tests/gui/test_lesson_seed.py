"""The per-student seed in the window: drawn when none is given and kept in the saved
progress, fixed from outside (``hmipviz lesson N --seed S``, the panel's menu), a
different seed starting the lesson afresh; the drawn delays are the window's network."""

from __future__ import annotations

import pytest

from hmipviz.gui import lesson_panel
from hmipviz.gui.lesson_summary_ui import choose_seed
from hmipviz.gui.main_window import MainWindow
from hmipviz.lesson import LessonRun, load_lesson
from hmipviz.lesson.variation import with_seed
from hmipviz.scenario import load_scenario


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    return w


def _delay(window, a: str, b: str) -> float:
    sc = window.controller.scenario
    return next(lk.delay_ms for lk in sc.links if {lk.a, lk.b} == {a, b})


def test_choose_seed_keeps_a_given_seed_and_resumes_only_its_own_progress():
    lesson = load_lesson("4")
    run = LessonRun(with_seed(lesson, 11))
    saved = run.progress()
    # no seed given: the saved one, and its progress
    got, progress = choose_seed(lesson, saved)
    assert got.seed == 11 and progress is saved
    # a seed given: kept; progress made with another seed is not resumed
    got, progress = choose_seed(with_seed(lesson, 12), saved)
    assert got.seed == 12 and progress is None
    # nothing saved: a fresh seed
    got, progress = choose_seed(lesson, None)
    assert got.seed is not None and progress is None
    # a lesson that does not vary is left as it is
    plain = load_lesson("2")
    assert choose_seed(plain, None) == (plain, None)


def test_the_window_plays_the_seeded_network_and_remembers_the_seed(window):
    assert window.open_lesson(with_seed(load_lesson("4"), 3))
    panel = window.lessons.panel
    assert panel.lesson.seed == 3
    assert panel.seed_action.text() == "Seed 3: change\u2026"
    assert (_delay(window, "MAP1", "AR1"), _delay(window, "MAP1", "AR2")) == (2.0, 4.0)
    panel.save_progress()
    # opened again without a seed: the saved seed comes back with its network
    assert window.open_lesson("4")
    assert window.lessons.panel.lesson.seed == 3
    # the menu's "change" (with the number given): a new network, a fresh start
    assert window.lessons.panel.set_seed(1)
    panel = window.lessons.panel
    assert panel.lesson.seed == 1 and panel.run.index == 0
    assert (_delay(window, "MAP1", "AR1"), _delay(window, "MAP1", "AR2")) == (6.0, 3.0)
    assert "Seed: 1" in panel.title.toolTip()
