"""The main window with real widgets and real mouse and key events (offscreen Qt).

The drag test is the issue's headline: the MN is dragged on the canvas from AR1's cell
to AR2's, and the engine, the event list and MAP1's binding cache all show the intra-MAP
handover; stepping back and forth shows the old and the new LCoA.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from hmipviz.engine import describe
from hmipviz.engine.events import (
    BindingChanged,
    HandoverCompleted,
    HandoverStarted,
    LinkChanged,
    PacketDropped,
    PacketSent,
)
from hmipviz.first_idle import first_idle_index
from hmipviz.gui.event_list import COL_KIND, COLUMNS
from hmipviz.gui.main_window import MainWindow
from hmipviz.gui.playback import FakeClock
from hmipviz.scenario import builtin_scenarios, load_scenario
from hmipviz.scenario.load import builtin_scenarios_dir

OLD_LCOA = "2001:db8:2::a"
NEW_LCOA = "2001:db8:3::a"


@pytest.fixture
def window(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drag(view, start: QPointF, end: QPointF, steps: int = 12) -> None:
    """Press on ``start``, move in steps, release on ``end`` (scene coordinates)."""
    vp = view.viewport()
    p0 = view.mapFromScene(start)
    p1 = view.mapFromScene(end)
    QTest.mouseMove(vp, p0)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, steps + 1):
        p = QPoint(p0.x() + (p1.x() - p0.x()) * k // steps, p0.y() + (p1.y() - p0.y()) * k // steps)
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)


def _settle(controller, until, limit: int = 200) -> None:
    """Jump from idle moment to idle moment until ``until()`` holds."""
    for _ in range(limit):
        if until():
            return
        if not controller.jump_to_next_idle():
            break
    assert until(), "the expected events never came"


def _map1_care_of(window) -> list[str]:
    return window.caches.model_for("MAP1").column_texts("Care-of address")


def _events_after(trace, index, cls, **fields):
    return [i for i, e in enumerate(trace) if i >= index and isinstance(e, cls)
            and all(getattr(e, k) == v for k, v in fields.items())]


def _dragged_to_ar2(qtbot, window):
    c = window.controller
    c.autoplay_on_action = False
    _settle(c, lambda: any(isinstance(e, HandoverCompleted) for e in c.trace))
    assert c.mn_ar_at(c.position) == "AR1"
    assert _map1_care_of(window) == [OLD_LCOA]
    view = window.topology
    before = len(c.trace)
    target = view.cell_item("AR2").centre + QPointF(10, 70)
    seen_targets = []
    view.mnDropTarget.connect(seen_targets.append)
    _drag(view, view.mn_item.scenePos(), target)
    # while dragging, the cell it would attach to was outlined
    assert seen_targets and seen_targets[-1] == "AR2"
    moved = view.mn_item.scenePos() - target
    assert abs(moved.x()) + abs(moved.y()) < 3 / view.transform().m11()  # pixel rounding
    _settle(c, lambda: _events_after(c.trace, before, HandoverCompleted))
    return before


def test_dragging_the_mn_to_ar2_is_an_intra_map_handover(qtbot, window):
    c = window.controller
    before = _dragged_to_ar2(qtbot, window)
    trace = c.trace
    # the engine saw the move and the handover
    assert _events_after(trace, before, LinkChanged, up=False)
    assert _events_after(trace, before, LinkChanged, ar="AR2", up=True)
    started = [trace[i] for i in _events_after(trace, before, HandoverStarted)]
    assert [(h.kind, h.from_ar, h.to_ar) for h in started] == [("intra-MAP", "AR1", "AR2")]
    assert c.mn_ar_at(c.position) == "AR2"
    # the event list gained the local BU and its BA
    model = window.events.model
    kinds = {model.index(r, COL_KIND).data() for r in range(before, model.rowCount())}
    assert {describe.LOCAL_BU, describe.LOCAL_BA} <= kinds
    bu_rows = [r for r in range(before, model.rowCount())
               if model.index(r, COL_KIND).data() == describe.LOCAL_BU
               and model.index(r, COLUMNS.index("Direction")).data() == "MN \u2192 AR2"]
    assert bu_rows, "no local BU leaving the MN on AR2's link"
    assert NEW_LCOA in model.index(bu_rows[0], COLUMNS.index("Summary")).data()
    # MAP1's binding cache row shows the new LCoA, the RCoA is unchanged
    assert _map1_care_of(window) == [NEW_LCOA]
    assert window.caches.model_for("MAP1").column_texts("RCoA") == ["2001:db8:100::a"]
    # intra-MAP: nothing went to the HA after the move
    home_bus = [e for e in trace[before:] if isinstance(e, PacketSent)
                and e.kind == describe.HOME_BU]
    assert home_bus == []
    # the canvas keeps the MN where it was dropped, on AR2, with its tunnel to MAP1
    assert window.topology.cell_at(window.topology.mn_item.scenePos()) == "AR2"
    assert window.topology.tunnel_count() == 2  # MN-MAP1 and HA-RCoA


def test_stepping_back_shows_the_old_lcoa_and_forward_the_new(qtbot, window):
    c = window.controller
    before = _dragged_to_ar2(qtbot, window)
    update = next(i for i in _events_after(c.trace, before, BindingChanged, node="MAP1"))
    assert c.position > update
    assert _map1_care_of(window) == [NEW_LCOA]
    window.topology.setFocus()
    while c.position >= update:
        QTest.keyClick(window, Qt.Key.Key_Left)
    assert c.position == update - 1
    assert _map1_care_of(window) == [OLD_LCOA]
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert c.position == update
    assert _map1_care_of(window) == [NEW_LCOA]


def test_moving_in_the_past_starts_a_new_branch(qtbot, window):
    c = window.controller
    before = _dragged_to_ar2(qtbot, window)
    old_len = len(c.trace)
    move_t = c.trace[before].t
    # back to before the drag, then send the MN away from every cell instead
    c.seek(before - 1)
    assert c.mn_ar_at(c.position) == "AR1"
    view = window.topology
    _drag(view, view.mn_item.scenePos(), view.cell_item("AR1").centre + QPointF(-600, 0))
    trace = c.trace
    assert not [e for e in trace if isinstance(e, LinkChanged) and e.ar == "AR2"]
    assert c.mn_ar_at(len(trace) - 1) is None
    assert window.events.model.rowCount() == len(trace) <= old_len
    assert all(e.t >= move_t - 1e-9 for e in trace[before:])
    assert view.no_link.isVisible()


def test_keyboard_steps_and_plays(qtbot, window):
    c = window.controller
    clock = FakeClock(c)  # playback steps time instead of waiting for it
    assert c.position == -1 and c.trace == []
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert c.position == 0 and len(c.trace) >= 1  # the engine ran its first instant
    QTest.keyClick(window, Qt.Key.Key_Right)
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert c.position == 2
    QTest.keyClick(window, Qt.Key.Key_Left)
    assert c.position == 1
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert c.playing
    clock.run_until(lambda: c.position > 5, timeout_ms=10000)
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not c.playing
    QTest.keyClick(window, Qt.Key.Key_Home)
    assert c.position == -1


def test_selected_mn_moves_to_the_next_ar_with_n(qtbot, window):
    c = window.controller
    c.autoplay_on_action = False
    c.jump_to_next_idle()
    view = window.topology
    view.mn_item.setSelected(True)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_N)
    _settle(c, lambda: c.mn_ar_at(c.position) == "AR2")
    QTest.keyClick(view, Qt.Key.Key_1)
    _settle(c, lambda: c.mn_ar_at(c.position) == "AR1")


def test_playback_animates_tokens_along_their_links(qtbot, window):
    c = window.controller
    clock = FakeClock(c)
    c.set_speed(10.0)
    c.play()
    clock.run_until(lambda: c.animating() and bool(window.topology.token_items()),
                    timeout_ms=10000)
    token = window.topology.token_items()[0]
    first = token.pos()
    clock.run_until(lambda: token.scene() is None or token.pos() != first, timeout_ms=5000)
    c.pause()
    assert not c.playing


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_every_built_in_scenario_plays_to_its_end(qtbot, window, name, tmp_path):
    source = builtin_scenarios_dir() / f"{name}.toml"
    text = source.read_text()
    if "[[mn_group]]" in text:
        # tens of MNs: the first 30 s take every path the full 120 s take (all MNs walk
        # and hand over); the whole run is tests/gui/test_many_mns_window.py's business
        text = re.sub(r"^duration_s = .*$", "duration_s = 30", text, count=1, flags=re.M)
        source = tmp_path / f"{name}.toml"
        source.write_text(text)
    assert window.open_scenario(str(source))
    c = window.controller
    # it opens at the first idle moment after the initial registration (issue 13)
    assert c.scenario.name and c.position == first_idle_index(c.trace, c.scenario,
                                                              c.mn_names) >= 0
    c.animate = False  # as fast as the engine goes; the views still follow each step
    clock = FakeClock(c)  # frames back to back, no wait for the timer between them
    c.play()
    frames = 0
    while c.playing and frames < 20_000:
        clock.frame()  # the views follow every frame through the controller's signals;
        frames += 1  # the window is painted every tenth (painting is what costs here)
        if frames % 10 == 0:
            QApplication.processEvents()
    QApplication.processEvents()
    assert c.at_end()
    assert c.trace and c.position == len(c.trace) - 1
    assert c.trace[-1].t <= c.end_time + 1e-9
    assert window.events.model.rowCount() == len(c.trace)
    assert f"of {len(c.trace)}" in window.playback.event_label.text()


def test_mipv6_mode_registers_with_the_ha_on_every_move(qtbot, window):
    c = window.controller
    window.playback.mode_buttons["mipv6"].click()
    assert c.mode == "mipv6" and c.position == -1
    c.autoplay_on_action = False
    _settle(c, lambda: any(isinstance(e, HandoverCompleted) for e in c.trace))
    before = len(c.trace)
    c.move_mn("AR2")
    _settle(c, lambda: _events_after(c.trace, before, HandoverCompleted))
    kinds = {e.kind for e in c.trace[before:] if isinstance(e, PacketSent) and e.origin}
    assert describe.HOME_BU in kinds and describe.LOCAL_BU not in kinds
    assert "Mobile IPv6" in window.windowTitle()


def test_failing_map1_from_the_controls(qtbot, window):
    c = window.controller
    c.autoplay_on_action = False
    c.jump_to_next_idle()
    teacher = window.teacher
    teacher.node_box.setCurrentIndex(teacher.node_box.findData("MAP1"))
    teacher.fail_button.click()
    assert window.topology.nodes["MAP1"].up is False
    teacher.restore_button.click()
    assert window.topology.nodes["MAP1"].up is True


def test_screenshot_is_not_blank(qtbot, window, tmp_path):
    c = window.controller
    c.seek_time(2.2)  # data in flight, caches filled
    path = tmp_path / "window.png"
    assert window.export_screenshot(str(path))
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert len(colours) > 100
    # the canvas shows MAP1's domain tint (Okabe-Ito yellow) somewhere
    canvas = window.topology.grab().toImage()
    tinted = [canvas.pixelColor(x, y) for x in range(0, canvas.width(), 6)
              for y in range(0, canvas.height(), 6)]
    assert any(c.red() > 230 and c.green() > 220 and c.blue() < 200 for c in tinted)


def test_an_exception_in_a_slot_is_shown_and_the_app_goes_on(qtbot, window, monkeypatch,
                                                             tmp_path):
    import sys

    from hmipviz.gui import main_window
    monkeypatch.setattr(main_window, "log_path", lambda: tmp_path / "hmipviz.log")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    main_window.install_excepthook(window)
    shown = []

    def close_box():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, close_box)
    QTimer.singleShot(0, close_box)
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert shown == ["RuntimeError: boom in a slot"]
    window.controller.step_forward()  # still working
    assert window.controller.position == 0


def test_save_scenario_keeps_the_drag_in_its_time_line(qtbot, window, tmp_path):
    c = window.controller
    before = _dragged_to_ar2(qtbot, window)
    move_t = c.trace[before].t
    path = tmp_path / "demo.toml"
    assert window.save_scenario(str(path))
    again = load_scenario(str(path))
    assert [(round(m.at_s, 3), m.to) for m in again.moves] == [(round(move_t, 3), "AR2")]
    assert str(path.resolve()) in window.recent_files()
    # reopening it replays the same handover without any mouse
    assert window.open_scenario(str(path))
    c = window.controller
    c.run_to_end()
    assert [e.kind for e in c.trace if isinstance(e, HandoverStarted)] == ["initial", "intra-MAP"]


def test_export_capture_writes_every_hop(qtbot, window, tmp_path):
    c = window.controller
    c.seek_time(3.0)
    path = tmp_path / "capture.pcapng"
    n = window.export_capture(str(path))
    hops = sum(isinstance(e, PacketSent) for e in c.trace)
    assert n == hops > 0
    data = path.read_bytes()
    assert data[:4] == b"\x0a\x0d\x0d\x0a"  # pcapng section header block


def test_docks_are_toggled_from_the_view_menu_and_named(qtbot, window):
    for key, dock in window.docks.items():
        assert dock.accessibleName(), key
        action = dock.toggleViewAction()
        was = dock.isVisible()
        action.trigger()
        assert dock.isVisible() != was or dock.isFloating()
        action.trigger()
    assert window.topology.accessibleName() == "Topology canvas"
    assert window.caption.accessibleName() == "Caption"


def test_event_list_filters_and_selecting_a_row_seeks_there(qtbot, window):
    c = window.controller
    c.seek_time(6.0)
    events = window.events
    everything = events.visible_rows()
    assert everything == list(range(len(c.trace)))
    events.node_box.setCurrentIndex(events.node_box.findData("MAP1"))
    rows = events.visible_rows()
    bad = [c.trace[i] for i in rows
           if "MAP1" not in (c.trace[i].node, getattr(c.trace[i], "to_node", ""))]
    assert rows and not bad, bad[:2]
    events.node_box.setCurrentIndex(0)
    events.set_hidden_kinds({describe.DATA})
    assert all(getattr(c.trace[i], "kind", "") != describe.DATA for i in events.visible_rows())
    events.set_hidden_kinds(set())
    events.search.setText("RFC 5380 s.6.1")
    qtbot.waitUntil(lambda: len(events.visible_rows()) < len(everything), timeout=3000)
    bad = [(i, c.trace[i]) for i in events.visible_rows()
           if "5380 s.6.1" not in (getattr(c.trace[i], "rfc", "") or "")]
    assert not bad, bad[:3]
    # clicking a row selects that event everywhere and jumps playback there
    target = events.visible_rows()[0]
    proxy_row = events.proxy.mapFromSource(events.model.index(target, 0)).row()
    rect = events.table.visualRect(events.proxy.index(proxy_row, 3))
    QTest.mouseClick(events.table.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert c.selected == target and c.position == target
    # rows after the position are the (greyed) future
    model = events.model
    assert model.index(target + 1, 0).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_a_dropped_packet_fades_out_over_the_next_steps(window):
    c = window.controller
    view = window.topology
    def echo_towards_ar1() -> bool:
        e = c.trace[c.position] if c.position >= 0 else None
        return isinstance(e, PacketSent) and e.kind == "data" and e.to_node == "AR1"

    while not echo_towards_ar1():
        c.step_forward()
    c.move_mn("AR2")  # the echo now on its way to AR1 finds no MN there: dropped
    drops = []
    for _ in range(600):
        before = c.position
        c.step_forward()
        drops = [i for i in range(before + 1, c.position + 1)
                 if isinstance(c.trace[i], PacketDropped) and c.trace[i].node in view.nodes]
        if drops:
            break
    drop = drops[0]
    c.seek(drop)
    e = c.trace[drop]
    tip = f"{e.kind} dropped at {e.node}: {e.reason}"
    assert (tip, 1.0) in [(x.toolTip(), round(x.opacity(), 2)) for x in view.crosses]
    _, hi = c.group_range(drop)
    c.seek(hi + 1)  # the next instant: the cross is still there, fainter
    assert (tip, 0.55) in [(x.toolTip(), round(x.opacity(), 2)) for x in view.crosses]
    for _ in range(3):
        _, hi = c.group_range(c.position)
        c.seek(hi + 1)
    assert tip not in [x.toolTip() for x in view.crosses]  # gone after three instants


def test_the_docks_hold_the_real_views_and_the_plot_is_built_when_shown(qtbot, window):
    from hmipviz.gui.inspector import QtPacketInspector
    from hmipviz.gui.ladder import QtLadder
    from hmipviz.gui.plot import QtSignallingPlot

    assert isinstance(window.inspector, QtPacketInspector)
    assert isinstance(window.ladder, QtLadder)
    assert window.docks["ladder"].widget() is window.ladder
    window._build_plot()  # what showing the plot's tab does, one event-loop turn later
    assert isinstance(window.plot, QtSignallingPlot)
    assert window.docks["plot"].widget() is window.plot


def test_without_pyqtgraph_the_plot_dock_says_what_is_missing(qtbot, window, monkeypatch,
                                                               caplog):
    import importlib.util

    from hmipviz.gui.window_docks import Placeholder

    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "pyqtgraph" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with caplog.at_level("WARNING", logger="hmipviz.gui"):
        window._build_plot()
    assert window.plot is None
    shown = window.docks["plot"].widget()
    assert isinstance(shown, Placeholder)
    assert "pip install pyqtgraph" in shown.text()
    assert any("pyqtgraph" in r.getMessage() for r in caplog.records)


def test_quit_has_one_shortcut_ctrl_q(window):
    from PySide6.QtGui import QKeySequence

    file_menu = window.menuBar().actions()[0].menu()
    quit_action = next(a for a in file_menu.actions() if a.text() == "&Quit")
    assert quit_action.shortcuts() == [QKeySequence("Ctrl+Q")]
