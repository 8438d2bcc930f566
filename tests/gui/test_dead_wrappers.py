"""The window keeps no Python wrapper of a widget Qt has deleted (issue 9 soak: the
wrappers of widgets grew by thousands in half an hour while the window's own widgets
stayed the same). PySide6's ``findChildren`` ties what it returns to the wrapper it was
called on; widgets Qt made and later deleted (the binding-cache tables' scroll bars and
headers, rebuilt in classroom mode; the dock tab bars) stayed alive in Python."""

from __future__ import annotations

import gc
import weakref

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QScrollBar, QTableView, QVBoxLayout, QWidget
from shiboken6 import isValid

from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.gui.qt_children import descendants
from hmipviz.scenario import load_scenario


def _flush() -> None:
    app = QApplication.instance()
    app.processEvents()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


def _wrappers() -> set[int]:
    """The Python wrappers of Qt objects alive now (by id), after the event loop's work."""
    _flush()
    return {id(o) for o in gc.get_objects() if isinstance(o, QObject)}


def _new_dead_wrappers(before: set[int]) -> int:
    """Wrappers made since ``before`` whose Qt object is gone (other tests' objects that
    die meanwhile are left out: they were there before)."""
    _flush()
    return sum(1 for o in gc.get_objects()
               if isinstance(o, QObject) and id(o) not in before and not isValid(o))


def _two_tables(qtbot) -> tuple[QWidget, list[QTableView]]:
    top = QWidget()
    qtbot.addWidget(top)
    lay = QVBoxLayout(top)
    tables = [QTableView() for _ in range(2)]
    for t in tables:
        lay.addWidget(t)
    return top, tables


def test_descendants_finds_what_find_children_finds(qtbot):
    top, tables = _two_tables(qtbot)
    assert descendants(top, QWidget) == top.findChildren(QWidget)
    assert descendants(top, QTableView, direct_only=True) == tables
    assert len(descendants(top, QScrollBar)) == len(top.findChildren(QScrollBar)) >= 4


def test_descendants_keeps_nothing_qt_deletes(qtbot):
    top, tables = _two_tables(qtbot)  # findChildren is never called on this one
    bars = [weakref.ref(b) for b in descendants(top, QScrollBar)]  # the tables' own
    assert len(bars) >= 4
    for t in tables:
        t.deleteLater()
    del t, tables
    _flush()
    assert [b for b in bars if b() is not None] == []  # findChildren kept them all


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    settings().remove("presentation")
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.presentation.leave()
    settings().remove("presentation")


def test_classroom_mode_on_and_off_keeps_no_dead_wrapper(window):
    window.toggle_presentation()
    window.toggle_presentation()
    before = _wrappers()
    for _ in range(2):
        window.toggle_presentation()
        window.toggle_presentation()
        _flush()
    assert _new_dead_wrappers(before) == 0  # 36 before the fix


def test_lessons_opened_again_and_again_keep_no_dead_tab_bar(window):
    from hmipviz.lesson import builtin_lessons

    names = [n for n, _t, _s in builtin_lessons()][:3]
    window.open_lesson(names[0])
    before = _wrappers()
    for name in names[1:]:
        window.open_lesson(name)
        window.lessons.close()
        _flush()
    assert _new_dead_wrappers(before) == 0
