"""Issue 13's start-up: work the first frame does not need comes later, unseen.

The teacher controls, behind the packet inspector at start, are built the first time
their dock shows (or the canvas selects a node, or classroom mode restyles every view),
and then show what they would have shown had they been built at start; the canvas's
fit places the legend once, where a placement afterwards leaves it; the window icon is
set once the first frame is painted."""

from __future__ import annotations

from gui_fakes import shown_window

from hmipviz.gui.main_window import MainWindow
from hmipviz.gui.properties import QtTeacherControls
from hmipviz.scenario import load_scenario


def _state(panel: QtTeacherControls) -> dict:
    return {
        "mode": [r.isChecked() for r in panel.mode_radio.values()],
        "ars": [panel.ar_box.itemText(i) for i in range(panel.ar_box.count())],
        "node": panel.node_box.currentData(),
        "option": (panel.opt_ar.currentText(), panel.opt_map.currentText(),
                   panel.opt_pref.value(), panel.opt_life.value()),
        "link": (panel.link_box.currentData(), panel.delay.value(), panel.loss.value()),
        "flow": (panel.flow_button.isChecked(), panel.flow_button.text()),
    }


def test_the_teacher_controls_are_built_when_their_dock_shows(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    c = w.controller
    c.autoplay_on_action = False
    w.show()
    qtbot.waitExposed(w)
    assert w._teacher is None  # behind the inspector: not built
    eager = QtTeacherControls(c)  # as the window built it before
    qtbot.addWidget(eager)
    c.seek_time(3.0)
    c.set_map_option("AR1", "MAP1", pref=3, lifetime_s=100)
    c.set_link("R", "MAP1", delay_ms=55.0, loss=0.0)
    c.set_flow(False)
    c.seek_time(0.12)  # back before the changes
    assert w._teacher is None
    dock = w.docks["teacher"]
    dock.raise_()
    qtbot.waitUntil(lambda: w._teacher is not None, timeout=2000)
    assert dock.widget() is w.teacher
    assert _state(w.teacher) == _state(eager)
    c.seek_time(3.5)  # and it follows the position from now on
    assert _state(w.teacher) == _state(eager)
    assert w.teacher.opt_pref.value() == 3


def test_a_node_clicked_before_the_dock_showed_is_selected(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    assert w._teacher is None
    w.topology.nodeClicked.emit("AR2")
    assert w._teacher is not None
    assert w.teacher.node_box.currentData() == "AR2"
    # classroom mode builds what it restyles
    w2 = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w2)
    w2.presentation.enter()
    assert w2._teacher is not None
    w2.presentation.leave()


def test_fit_places_the_legend_once_where_it_stays(qtbot):
    w = shown_window(qtbot, size=(1024, 700))
    view = w.topology
    placed = []
    real = view.place_legend
    view.place_legend = lambda: (placed.append(1), real())[1]
    view.zoom(1.25)  # off the fit, so fit() changes the transform (and scrolls)
    placed.clear()
    view.fit()
    assert len(placed) == 1
    where = (view.legend.pos(), view.legend.corner, view.legend.size())
    real()  # a placement of its own, after the fit: nothing moves
    assert (view.legend.pos(), view.legend.corner, view.legend.size()) == where


def test_work_after_the_first_paint_runs_once_after_it(qtbot):
    from hmipviz.gui.launch import after_first_paint

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    from PySide6.QtCore import QEvent, QObject

    painted, ran = [], []

    class Paints(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    paints = Paints(w)
    w.topology.viewport().installEventFilter(paints)
    after_first_paint(w, lambda: ran.append(bool(painted)))
    w.show()
    assert ran == []
    qtbot.waitUntil(lambda: ran != [], timeout=3000)
    w.topology.viewport().repaint()
    qtbot.wait(10)
    assert ran == [True]  # after the first paint, and only once


def test_the_allocator_module_finds_glibc_without_running_ldconfig(monkeypatch):
    """hmipviz.gui.release opens glibc by its soname: ctypes.util.find_library runs
    `ldconfig -p` in a subprocess, tens of ms of every start-up."""
    import ctypes.util
    import runpy

    from hmipviz import entry
    from hmipviz.gui import release

    def no_ldconfig(name):
        raise AssertionError(f"find_library({name!r}) runs ldconfig")

    monkeypatch.setattr(ctypes.util, "find_library", no_ldconfig)
    if entry._on_glibc():
        module = runpy.run_path(release.__file__)
        assert module["_trim"] is not None
