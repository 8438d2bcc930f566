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


def test_a_restart_keeps_no_event_of_the_dropped_history(qtbot):
    """Issue 9 soak: after a restart nothing may hold the old history (the inspector's
    frame numbers kept the old trace's last event and the index of every packet hop)."""
    import gc

    from hmipviz.engine.events import Event, PacketSent

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    c = w.controller
    c.seek_time(4.0)
    hop = max(i for i, e in enumerate(c.trace) if isinstance(e, PacketSent))
    c.select(hop)  # the inspector shows its frame number
    _flush()
    assert "Frame " in w.inspector.header.text()
    old = len(c.trace)
    c.restart()
    _flush()
    gc.collect()
    current = {id(e) for e in c.trace}
    kept = [o for o in gc.get_objects() if isinstance(o, Event) and id(o) not in current]
    assert old > 100 and kept == []


def test_opening_the_compare_view_again_keeps_one_and_closing_frees_its_runs(qtbot,
                                                                             monkeypatch):
    """Issue 9 soak: the compare view replaced by a new one cleared the window's record
    of the NEW one when it was deleted, so that one stayed open (two runs and their
    histories) where nothing closed it again; they piled up."""
    import gc

    from hmipviz.gui.compare_window import CompareWindow
    from hmipviz.gui.run_history import RunHistory

    def live(kind) -> int:
        _flush()
        gc.collect()
        return sum(isinstance(o, kind) for o in gc.get_objects())

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.controller.seek_time(3.0)
    for _ in range(3):
        w.open_compare()
        _flush()
        assert w.compare_window is not None  # the one open, still known
        assert live(CompareWindow) == 1 and live(RunHistory) == 3  # the window's + two
    trims = []
    from hmipviz.gui import release
    monkeypatch.setattr(release, "release_freed_memory", lambda: trims.append(1))
    w.compare_window.close()
    assert live(CompareWindow) == 0 and live(RunHistory) == 1
    _flush()
    assert trims  # and the freed memory goes back to the system
