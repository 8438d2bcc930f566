"""A compare view that fails while it is built leaves nothing behind (issue 9 soak:
the half-built view was already the main window's child, hidden, never closed with
its two runs, one more each time a lesson's Show me failed there)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

from hmipviz.gui import compare_window
from hmipviz.scenario import load_scenario


def test_a_compare_view_that_fails_to_build_is_deleted(qtbot, monkeypatch) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the driver could not be made")
    monkeypatch.setattr(compare_window, "CompareDriver", broken)  # after both runs
    with pytest.raises(RuntimeError, match="could not be made"):
        compare_window.CompareWindow(load_scenario("figure1"), (), parent)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert [c for c in parent.children() if c.objectName() == "compareWindow"] == []


def test_opening_the_compare_view_closes_every_one_the_window_still_has(qtbot) -> None:
    """Whatever left a compare view behind (not the window's own, hidden, not deleted
    on close), the next one opened replaces it too."""
    from gui_fakes import shown_window

    w = shown_window(qtbot, "figure1")
    stray = compare_window.CompareWindow(load_scenario("figure1"), (), w)  # not w's own
    compare_window.open_for(w)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    views = [c for c in w.children() if c.objectName() == "compareWindow"]
    assert views == [w.compare_window]
    assert stray not in views
