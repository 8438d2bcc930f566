"""Leaving classroom mode after the window has laid itself out full-screen (issue 9
soak): Qt's restoreState crashed the process (SIGSEGV) when the docks classroom mode
hid were restored into the window scaled 3x and full-screen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.gui.presentation import MAX_SCALE, SECONDARY_DOCKS
from hmipviz.scenario import load_scenario


@pytest.fixture(autouse=True)
def _defaults(tmp_path, monkeypatch):
    settings().remove("presentation")
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    yield
    settings().remove("presentation")


def _settle() -> None:
    """What the event loop does between two key presses (resizes, fonts, layouts)."""
    for _ in range(5):
        QApplication.processEvents()


def test_leaving_after_the_full_screen_layout_settled_gives_the_docks_back(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    _settle()
    shown = {k for k in SECONDARY_DOCKS if k in w.docks and not w.docks[k].isHidden()}
    assert shown  # the everyday layout shows some of them
    w.presentation.set_scale(MAX_SCALE)  # what the soak's Ctrl+= presses had left
    for _round in range(2):
        w.presentation.enter()
        _settle()
        assert all(w.docks[k].isHidden() for k in shown)
        w.presentation.leave()  # crashed here before the fix
        _settle()
        assert {k for k in SECONDARY_DOCKS
                if k in w.docks and not w.docks[k].isHidden()} == shown


def test_a_lesson_closed_in_the_turn_classroom_mode_is_left_stays_closed(qtbot):
    """Issue 9 soak: the closed lesson's dock, waiting for the event loop to delete it,
    was still the window's "lessonDock", so the restoreState of leaving classroom mode in
    the same turn put it back in the layout (and Qt 6.11 later crashed there)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QDockWidget

    from hmipviz.lesson import builtin_lessons

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    w.open_lesson(builtin_lessons()[0][0])
    _settle()
    w.presentation.enter()  # its saved state has the lesson dock
    _settle()
    w.lessons.close()
    w.presentation.leave()  # same turn: the dock's deletion still waits
    back = [d for d in w.children() if isinstance(d, QDockWidget)
            and d.objectName() == "lessonDock"]
    assert back == [] and w.lessons.panel is None
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert "lesson" not in w.docks


def test_switching_classroom_mode_drops_the_pixmaps_drawn_for_the_other_palette(qtbot):
    """Issue 9 soak: Qt's pixmap cache kept what the style and the icons drew for each
    palette (about 90 KB an on/off, up to its 10 MB limit) after the palette changed."""
    from PySide6.QtGui import QPixmap, QPixmapCache

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    gone = []
    for switch in (w.presentation.enter, w.presentation.leave):
        drawn = QPixmap(16, 16)
        key = QPixmapCache.insert(drawn)  # as drawn under the palette before
        assert QPixmapCache.find(key) is not None
        switch()
        gone.append(QPixmapCache.find(key) is None)
    assert gone == [True, True]
