"""The window does not keep what it no longer shows (issue 9 soak): the binding-cache
models of earlier scenarios and closed error dialogs are freed."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from hmipviz.gui.caches import CacheTableModel
from hmipviz.gui.main_window import MainWindow
from hmipviz.scenario import builtin_scenarios, load_scenario


def _flush() -> None:
    """What the event loop does between two user actions: deferred deletes included."""
    app = QApplication.instance()
    app.processEvents()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def test_opening_scenarios_again_and_again_keeps_one_set_of_cache_models(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    names = list(builtin_scenarios())
    counts = []
    for _round in range(3):
        for name in names:
            assert w.open_scenario(name)
            _flush()
        counts.append(len(w.caches.findChildren(CacheTableModel)))
    assert counts[0] == counts[1] == counts[2] == len(w.caches.models)


def test_closed_error_dialogs_are_freed(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    for k in range(5):
        w.show_error(f"problem {k}")
        [box] = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
        assert box.text() == f"problem {k}"
        box.done(0)
        _flush()
    assert w.findChildren(QMessageBox) == []
