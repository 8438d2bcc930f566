"""Classroom mode (offscreen Qt): the scale really enlarges text, the keys of a presenter
remote step the engine, number keys move the MN, F11 toggles and Esc leaves, and
leaving gives back the layout, fonts, palette and speed there were."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontInfo, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hmipviz.engine.events import HandoverCompleted, PacketSent
from hmipviz.gui import lesson_panel, theme
from hmipviz.gui.event_list import COL_TIME
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.gui.presentation import DEFAULT_SCALE, DEFAULT_SPEED, MIN_SCALE
from hmipviz.scenario import load_scenario


@pytest.fixture(autouse=True)
def _defaults(tmp_path, monkeypatch):
    settings().remove("presentation")  # the settings folder is shared by the session
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    yield
    settings().remove("presentation")


@pytest.fixture
def window(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts (F11) need the active window on a real display
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    yield w
    w.presentation.leave()  # the application font and palette are process-wide


def _sizes(window) -> dict[str, float]:
    """Point and pixel sizes of the text a room reads (and of the event list)."""
    QApplication.processEvents()  # the application font reaches widgets by events
    events = window.events
    cell = events.model.index(0, COL_TIME).data(Qt.ItemDataRole.FontRole) \
        if events.model.rowCount() else None
    table_font = events.table.font()
    out = {
        "caption pt": window.caption.text.font().pointSizeF(),
        "caption px": QFontInfo(window.caption.text.font()).pixelSize(),
        "caption line": window.caption.text.fontMetrics().height(),
        "caption detail pt": window.caption.detail.font().pointSizeF(),
        "events pt": table_font.pointSizeF(),
        "events px": QFontInfo(table_font).pixelSize(),
        "time label pt": window.playback.time_label.font().pointSizeF(),
        "token pt": window.topology.token_font.pointSizeF(),
        # on screen: the canvas keeps labels at least 9 pt (x the scale) at its zoom
        "node label pt": round(window.topology.nodes["MAP1"].label_font.pointSizeF()
                               * window.topology.transform().m11(), 2),
        "icons": window.playback.iconSize().width(),
        "chip": window.caption.chip.width(),
    }
    if cell is not None:
        out["event cell pt"] = cell.resolve(table_font).pointSizeF()
    return out


def test_the_scale_really_enlarges_text(qtbot, window):
    window.controller.seek_time(2.0)  # rows in the event list
    before = _sizes(window)
    assert window.presentation.scale == DEFAULT_SCALE >= 1.5
    window.presentation.enter()
    during = _sizes(window)
    for key, value in before.items():
        assert during[key] >= value * 1.45, (key, value, during[key])
    window.presentation.leave()
    assert _sizes(window) == before


def test_the_scale_is_adjustable_and_kept(qtbot, window):
    p = window.presentation
    p.enter()
    first = _sizes(window)["caption pt"]
    QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert p.scale == DEFAULT_SCALE + 0.25
    assert _sizes(window)["caption pt"] > first
    assert float(settings().value("presentation/scale")) == p.scale
    for _ in range(6):
        QTest.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert p.scale == MIN_SCALE  # never below 1.5
    # the View menu's choice is checked
    checked = [a.data() for a in window.scale_actions.actions() if a.isChecked()]
    assert checked == [MIN_SCALE]


def test_f11_toggles_the_mode_and_leaving_restores_the_window(qtbot, window):
    c = window.controller
    c.set_speed(2.0)
    visible = {k for k, d in window.docks.items() if d.isVisible()}
    assert {"caches", "inspector", "events"} <= visible
    palette = QApplication.palette().color(QPalette.ColorRole.Window)
    QTest.keyClick(window, Qt.Key.Key_F11)
    p = window.presentation
    assert p.active and window.present_action.isChecked()
    assert window.windowState() & Qt.WindowState.WindowFullScreen
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not any(window.docks[k].isVisible() for k in ("caches", "inspector", "events",
                                                         "ladder", "plot", "teacher"))
    assert window.caption.isVisible() and window.topology.isVisible()
    assert c.speed == DEFAULT_SPEED  # slow motion for a room
    # high contrast: black on white, a dark caption bar
    assert theme.high_contrast()
    pal = QApplication.palette()
    assert pal.color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert pal.color(QPalette.ColorRole.WindowText).name() == "#000000"
    assert "#111111" in window.caption.styleSheet()
    QTest.keyClick(window, Qt.Key.Key_F11)
    assert not p.active and not window.present_action.isChecked()
    assert not window.windowState() & Qt.WindowState.WindowFullScreen
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    assert {k for k, d in window.docks.items() if d.isVisible()} == visible
    assert c.speed == 2.0
    assert not theme.high_contrast() and theme.scale() == 1.0
    assert QApplication.palette().color(QPalette.ColorRole.Window) == palette
    assert window.caption.styleSheet() == ""


def test_presenter_remote_keys_step_the_engine(qtbot, window):
    c = window.controller
    window.presentation.enter()
    assert c.position == -1
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    assert c.position == 0 and len(c.trace) >= 1
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    assert c.position == 2
    QTest.keyClick(window, Qt.Key.Key_PageUp)
    assert c.position == 1
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert c.position == 2
    QTest.keyClick(window, Qt.Key.Key_Left)
    QTest.keyClick(window, Qt.Key.Key_Left)
    assert c.position == 0
    # Space plays and pauses, whatever has the focus
    window.playback.widgetForAction(window.playback.play_action).setFocus()
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert c.playing
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not c.playing
    QTest.keyClick(window, Qt.Key.Key_Home)
    assert c.position == -1
    # Esc leaves
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.presentation.active
    # out of the mode, PageDown is nobody's key any more
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    assert c.position == -1


def test_number_keys_move_the_mn_to_that_ar(qtbot, window):
    c = window.controller
    c.autoplay_on_action = False
    window.presentation.enter()
    while not any(isinstance(e, HandoverCompleted) for e in c.trace):
        assert c.jump_to_next_idle()
    assert window.topology.ar_order == ["AR1", "AR2"]
    QTest.keyClick(window, Qt.Key.Key_2)
    assert c.user_actions()[-1][1:] == ("move", "AR2")
    while c.mn_ar_at(c.position) != "AR2":
        assert c.jump_to_next_idle()
    QTest.keyClick(window, Qt.Key.Key_1)
    assert c.user_actions()[-1][1:] == ("move", "AR1")
    while c.mn_ar_at(c.position) != "AR1":
        assert c.jump_to_next_idle()
    QTest.keyClick(window, Qt.Key.Key_0)
    assert c.user_actions()[-1][1:] == ("move", None)
    QTest.keyClick(window, Qt.Key.Key_9)  # no AR 9: nothing happens
    assert c.user_actions()[-1][1:] == ("move", None)


def test_the_current_message_is_spotlighted(qtbot, window):
    c = window.controller
    window.presentation.enter()
    spot = window.presentation.spotlight
    # step until a hop is on its way
    for _ in range(200):
        c.step_forward()
        i = c.current_message()
        if isinstance(c.event_at(i), PacketSent) and i in window.topology.tokens:
            break
    token = window.topology.tokens[c.current_message()]
    assert spot.visible()
    assert spot.halo.pos() == token.pos()
    assert spot.glow.isVisible()
    e = c.event_at(c.current_message())
    path = spot.glow.path()
    ends = {(round(path.elementAt(k).x, 3), round(path.elementAt(k).y, 3)) for k in (0, 1)}
    nodes = {(round(window.topology.node_pos(n).x(), 3), round(window.topology.node_pos(n).y(), 3))
             for n in (e.node, e.to_node)}
    assert ends == nodes
    # it survives the canvas rebuilding itself (a new scenario)
    window.open_scenario("two-domains")
    c.step_forward()
    assert spot.visible()
    window.presentation.leave()
    assert not spot.visible()
    assert not [i for i in window.topology.scene().items() if i is spot.halo]


def test_present_flag_opens_in_the_mode_and_lessons_stay(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False, present=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        assert w.presentation.active and theme.scale() == DEFAULT_SCALE
        assert w.open_lesson("4")
        QApplication.processEvents()
        dock = w.lessons.dock
        assert dock.isVisible()  # a lesson is not a secondary dock
        panel = w.lessons.panel
        big = panel.text.font().pointSizeF()
        # a key of the mode works while the lesson's buttons have the focus
        panel.show_button.setFocus()
        QTest.keyClick(panel.show_button, Qt.Key.Key_PageDown)
        assert w.controller.position == 0
        QTest.keyClick(w, Qt.Key.Key_Escape)
        QApplication.processEvents()
        assert not w.presentation.active
        assert panel.text.font().pointSizeF() < big / 1.4
        assert w.menuBar().isVisible()
    finally:
        w.presentation.leave()


def test_the_mode_is_left_before_the_layout_is_saved(qtbot, window):
    window.presentation.enter()
    window.close()
    assert not window.presentation.active
    assert settings().value("windowState") is not None
    other = MainWindow(scenario=load_scenario("figure1"), restore_settings=True)
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    assert other.docks["caches"].isVisible() and other.docks["events"].isVisible()


def test_drag_still_works_in_the_mode(qtbot, window):
    """Keyboard first, but the mouse is not taken away."""
    c = window.controller
    c.autoplay_on_action = False
    window.presentation.enter()
    QApplication.processEvents()
    while not any(isinstance(e, HandoverCompleted) for e in c.trace):
        assert c.jump_to_next_idle()
    view = window.topology
    vp = view.viewport()
    p0 = view.mapFromScene(view.mn_item.scenePos())
    p1 = view.mapFromScene(view.cell_item("AR2").centre + QPointF(0, 60))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, 11):
        QTest.mouseMove(vp, p0 + (p1 - p0) * k / 10)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)
    assert c.user_actions()[-1][1:] == ("move", "AR2")


def test_a_lesson_is_driven_from_the_keyboard_in_the_mode(qtbot, window):
    c = window.controller
    assert window.open_lesson("4")
    panel = window.lessons.panel
    window.presentation.enter()
    c.autoplay_on_action = False
    QTest.keyClick(window, Qt.Key.Key_Return)  # not done yet: nothing happens
    assert panel.run.index == 0
    while not panel.next_button.isEnabled():
        assert c.jump_to_next_idle()
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert panel.run.index == 1
    QTest.keyClick(window, Qt.Key.Key_S)  # Show me: the MN goes to AR2
    qtbot.waitUntil(lambda: not panel.show_runner.running)
    c.pause()
    while not panel.next_button.isEnabled():
        assert c.jump_to_next_idle()
    assert c.mn_ar_at(c.position) == "AR2"
