"""The window in a classroom (issue 13), offscreen: at 1024x768, 1280x720, 1600x1000 and
1920x1080, normal, in presentation mode and with a lesson open, the canvas keeps its
share of the width, the legend covers no node, no toolbar control hides in the overflow
menu and labels are at least 9 pt; the picture keeps still while it plays; the scrubber
marks the scenario's own moves; the teacher can switch those moves off."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolButton, QToolTip

from hmipviz.engine.events import PacketSent
from hmipviz.gui import lesson_panel
from hmipviz.gui.ladder_model import ROW_H
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.gui.open_builtin import OpenScenarioDialog
from hmipviz.gui.playback import FakeClock
from hmipviz.layout import MIN_LABEL_PT
from hmipviz.scenario import builtin_scenarios, load_scenario

SIZES = [(1024, 768), (1280, 720), (1600, 1000), (1920, 1080)]


@pytest.fixture(autouse=True)
def _clean(tmp_path, monkeypatch):
    s = settings()
    for key in ("presentation", "geometry", "windowState"):
        s.remove(key)
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    yield
    for key in ("presentation", "geometry", "windowState"):
        s.remove(key)


def _window(qtbot, size, name="two-domains", mode="normal") -> MainWindow:
    w = MainWindow(scenario=load_scenario(name), restore_settings=False)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    if mode == "lesson":
        assert w.open_lesson("04-intra-map")
    elif mode == "present":
        w.presentation.enter()
        assert w.windowState() & Qt.WindowState.WindowFullScreen
        # the offscreen screen is 800x600: give the window the projector's size (the
        # look, the hidden docks and the toolbar of the mode stay)
        w.setWindowState(Qt.WindowState.WindowNoState)
        w.setGeometry(QRect(0, 0, *size))
    for _ in range(3):
        QApplication.processEvents()
    assert (w.width(), w.height()) == size
    return w


def _legend_hits(w) -> list[str]:
    view = w.topology
    legend = view.legend
    if not legend.isVisible():
        return []
    rect = QRectF(legend.geometry()).translated(-view.viewport().x(), -view.viewport().y())
    return [name for name, r in zip(view.nodes, view.node_rects(), strict=True)
            if r.intersects(rect)]


def _overflowed(bar) -> list[str]:
    """The bar's actions whose widget is hidden in (or cut off by) the overflow menu."""
    out = []
    for a in bar.actions():
        if a.isSeparator():
            continue
        widget = bar.widgetForAction(a)
        if widget is None or not widget.isVisible() or \
                not bar.rect().contains(widget.geometry()):
            out.append(a.text() or widget.accessibleName())
    ext = [b for b in bar.findChildren(QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
    if any(b.isVisible() for b in ext):
        out.append("(overflow button shown)")
    return out


@pytest.mark.parametrize("mode", ["normal", "present", "lesson"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_canvas_keeps_its_share_the_legend_no_node_and_no_control_hides(qtbot, size,
                                                                            mode):
    w = _window(qtbot, size, mode=mode)
    try:
        share = w.canvas_share()
        if size[0] <= 1280:
            assert share >= 0.6, f"canvas {w.topology.width()} of {w.width()} px"
        else:
            assert share >= 0.4
        assert _legend_hits(w) == []
        for bar in (w.playback, w.timeline_bar):
            assert bar.isVisible()
            assert _overflowed(bar) == [], bar.windowTitle()
        # every node on the canvas, whole
        vp = QRectF(w.topology.viewport().rect())
        for name, r in zip(w.topology.nodes, w.topology.node_rects(), strict=True):
            assert vp.contains(r), name
        # labels at least 9 pt on screen (x the presentation scale)
        s = w.topology.transform().m11()
        least = MIN_LABEL_PT * (w.presentation.scale if mode == "present" else 1.0)
        for name, item in w.topology.nodes.items():
            assert item.label_font.pointSizeF() * s >= least - 0.01, name
        for _line, label in w.topology.links.values():
            assert label.font().pointSizeF() * s >= least - 0.01
        if mode == "lesson":
            assert w.topology.legend.collapsed  # collapsed by default in lessons
            if size[0] <= 1280:  # the lesson is the front tab of the one column
                assert not w.docks["lesson"].visibleRegion().isEmpty()
    finally:
        w.presentation.leave()


def test_a_narrow_presentation_puts_the_timeline_on_a_second_row(qtbot):
    w = _window(qtbot, (1024, 768), mode="present")
    try:
        assert w.toolbar_rows() == 2
        assert w.timeline_bar.y() > w.playback.y()
        assert w.playback.scrubber.isVisible() and w.playback.event_label.isVisible()
        assert all(b.isVisible() for b in w.playback.mode_buttons.values())
    finally:
        w.presentation.leave()
    w.resize(1920, 1080)
    QApplication.processEvents()
    assert w.toolbar_rows() == 1


def test_the_picture_keeps_still_while_it_plays_and_after_a_drop_outside_every_cell(qtbot):
    w = _window(qtbot, (1280, 720))
    view, c = w.topology, w.controller
    transform, scene = view.transform(), view.sceneRect()
    caption_h = w.caption.height()
    c.set_speed(10.0)
    clock = FakeClock(c)  # 1.5 s of frames at 10x, each painted: captions, tokens
    c.play()
    for _ in range(int(1500 / clock.frame_ms)):
        clock.frame()
        QApplication.processEvents()
    c.pause()
    for _ in range(40):
        c.step_forward()
    assert c.position > 40
    assert view.transform() == transform
    assert view.sceneRect() == scene
    assert w.caption.height() == caption_h
    # the MN dropped far outside every cell: no link, and the network does not shrink
    c.autoplay_on_action = False
    far = scene.bottomRight() + QPointF(500, 500)
    view.mn_item.setPos(far)
    view.mn_dropped(far)
    assert c.mn_ar_at(c.position) is None
    assert view.transform() == transform and view.sceneRect() == scene
    assert scene.contains(view.mn_item.pos())  # kept on the (fixed) scene, seen


def test_the_caption_elides_with_the_full_text_in_its_tooltip_and_shows_the_description(
        qtbot):
    w = _window(qtbot, (1024, 768))
    c = w.controller
    cap = w.caption
    assert c.position == -1
    description = " ".join(c.scenario.description.split())
    assert description[:40] in cap.text.toolTip()
    assert cap.text.text().endswith("\u2026")  # too long for two lines: elided
    i = next(i for i, e in enumerate(c.trace) if isinstance(e, PacketSent)) \
        if c.trace else None
    c.seek(i if i is not None else 0)
    assert "\u2026" not in cap.text.toolTip()
    assert cap.text.toolTip() != ""


def test_scrubber_marks_the_scenarios_own_moves_with_tooltips(qtbot):
    w = _window(qtbot, (1600, 1000))
    marks = w.marks
    assert [(m.t_s, m.what) for m in marks.marks] == [(5.0, "move"), (10.0, "move"),
                                                       (15.0, "move")]
    xs = marks.mark_xs()
    assert xs == sorted(xs) and xs[0] > 0 and xs[-1] < w.playback.scrubber.width()
    # a real tooltip event over the second mark
    slider = w.playback.scrubber
    pos = QPoint(round(xs[1]), slider.height() // 2)
    QApplication.sendEvent(slider, QHelpEvent(QEvent.Type.ToolTip, pos,
                                              slider.mapToGlobal(pos)))
    assert "t = 10 s" in QToolTip.text() and "moves to AR3" in QToolTip.text()
    assert marks.tooltip_at(xs[0]).startswith("t = 5 s")


def test_figure1_has_no_scripted_marks_but_marks_the_users_move(qtbot):
    w = _window(qtbot, (1600, 1000), name="figure1")
    assert w.marks.marks == []
    assert not w.scripted_action.isEnabled()  # nothing to switch off
    c = w.controller
    c.autoplay_on_action = False
    c.seek_time(3.0)
    w.topology.move_mn_to("AR2")
    assert [m.what for m in w.marks.marks] == ["user"]
    assert "MN moves to AR2" in w.marks.marks[0].text


def test_map_failure_marks_the_failure_and_the_restore(qtbot):
    w = _window(qtbot, (1600, 1000), name="map-failure")
    assert [(m.t_s, m.what) for m in w.marks.marks] == [
        (4.0, "move"), (8.0, "fail"), (30.0, "move"), (40.0, "restore")]
    assert w.marks.marks[1].text == "t = 8 s: MAP1 fails (scripted)"


def test_the_teacher_switches_the_scenarios_own_moves_off_and_on(qtbot):
    w = _window(qtbot, (1600, 1000))
    c = w.controller
    assert w.scripted_action.isEnabled() and w.scripted_action.isChecked()
    w.scripted_action.trigger()  # off
    assert not w.scenario_moves_on()
    assert c.scenario.moves == () and w.marks.marks == []
    c.seek_time(17.0)
    assert c.mn_ar_at(c.position) == "AR1"  # nobody moved it
    c.set_mode("mipv6")  # a mode switch keeps the choice
    assert c.scenario.moves == ()
    w.scripted_action.trigger()  # on again: the scenario as written
    assert w.scenario_moves_on() and len(c.scenario.moves) == 3
    c.seek_time(17.0)
    assert c.mn_ar_at(c.position) != "AR1"
    # opening another scenario turns them on again
    w.scripted_action.trigger()
    w.open_scenario("figure1")
    assert w.scripted_action.isChecked() and w.scenario_moves_on()


def test_file_open_shows_each_builtins_description(qtbot):
    # qtbot: the QApplication (without it, a worker whose first Qt test this was
    # aborted: "Must construct a QApplication before a QWidget")
    items = builtin_scenarios()
    dialog = OpenScenarioDialog(items)
    qtbot.addWidget(dialog)
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert names == list(items)
    dialog.list.setCurrentRow(names.index("two-domains"))
    shown = " ".join(dialog.description_text().split())
    assert " ".join(items["two-domains"].split())[:60] in shown


def test_the_legend_hides_with_l_and_collapses_with_a_click(qtbot):
    w = _window(qtbot, (1920, 1080))
    legend = w.topology.legend
    assert legend.isVisible() and not legend.collapsed
    w.legend_action.trigger()
    assert not legend.isVisible()
    w.legend_action.trigger()
    assert legend.isVisible()
    qtbot.mouseClick(legend, Qt.MouseButton.LeftButton, pos=QPoint(12, 8))
    assert legend.collapsed and legend.height() < 60
    assert _legend_hits(w) == []


def test_leaving_presentation_gives_a_window_that_fits_the_screen(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    avail = w.available_geometry()
    w.setGeometry(QRect(avail.x() + 300, avail.y(), 1441, 742))  # wider than the screen
    w.presentation.enter()
    w.presentation.leave()
    assert avail.contains(w.geometry()), (w.geometry(), avail)


def test_a_first_start_fills_the_available_screen(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"))  # no saved geometry
    qtbot.addWidget(w)
    assert w.geometry() == w.available_geometry()
    w.close()  # saves a geometry: the next start restores it, fitted to the screen
    w2 = MainWindow(scenario=load_scenario("figure1"))
    qtbot.addWidget(w2)
    assert w2.available_geometry().contains(w2.geometry())


def test_docks_at_1600x1000_teacher_alone_tall_ladder_and_inspector_all_caches(qtbot):
    w = _window(qtbot, (1600, 1000))
    docks = w.docks
    assert docks["caches"] not in w.tabifiedDockWidgets(docks["teacher"])
    c = w.controller
    c.seek_time(11.0)  # after the move to AR3: bindings at MAP1, MAP2, HA, the MN
    QApplication.processEvents()
    assert w.caches.scroll_area.verticalScrollBar().maximum() == 0  # every cache in view
    tree = w.inspector.tree
    assert tree.viewport().height() / tree.sizeHintForRow(0) >= 14
    docks["ladder"].raise_()
    QApplication.processEvents()
    assert w.ladder.view.viewport().height() / ROW_H >= 10
    # the teacher's dock and the caches are both in view
    docks["teacher"].raise_()
    QApplication.processEvents()
    assert not docks["teacher"].visibleRegion().isEmpty()
    assert not docks["caches"].visibleRegion().isEmpty()


def test_reset_layout_brings_every_dock_back(qtbot):
    w = _window(qtbot, (1600, 1000))
    w.docks["caches"].hide()
    w.docks["inspector"].setFloating(True)
    w.reset_layout()
    QApplication.processEvents()
    assert not w.docks["caches"].isHidden()
    assert not w.docks["inspector"].isFloating()
    assert w.dockWidgetArea(w.docks["caches"]) == Qt.DockWidgetArea.RightDockWidgetArea
    w.resize(1024, 768)
    w.reset_layout()
    QApplication.processEvents()
    assert w.canvas_share() >= 0.6


def test_a_long_caption_with_its_rfc_reference_stays_within_two_lines(qtbot):
    """At 1024x768 a long data caption and its RFC reference wrapped to a third line,
    cut off by the fixed height: the caption was laid out before the details beside it
    took their width. Now the text is laid out again when its label is resized."""
    w = _window(qtbot, (1024, 768))
    cap = w.caption
    body = ("HA decapsulates the packet the MN tunnelled from 2001:db8:100::a and "
            "forwards the inner packet to 2001:db8:2::c, its destination ") * 2
    limit = 2 * cap.text.fontMetrics().height() + 4
    cap.detail.setText("")
    QApplication.processEvents()
    cap.set_caption("Data", body, " \u2014 <i>RFC 6275 s.10.4.5</i>")
    # then the details take their room, as refresh() sets them
    cap.detail.setText("R \u2192 CN\nlink delay 20 ms, 104 B, and a long detail\n"
                       "t = 5.3860 s")
    QApplication.processEvents()
    assert cap.text.heightForWidth(cap.text.width()) <= limit
    assert cap.text.text().endswith("</i>")  # the reference is kept, the body elided
    assert "\u2026" in cap.text.text()


def test_a_tab_chosen_once_the_window_shows_stays_in_front(qtbot):
    """The front tabs are raised again once the window is exposed, not 200 ms after each
    show: that undid a tab chosen meanwhile, and a restore from minimised put the default
    tabs back in front."""
    w = _window(qtbot, (1600, 1000))
    assert w._raise_later == []  # raised again when exposed, then the tabs are the user's
    assert not w.docks["inspector"].visibleRegion().isEmpty()
    w.docks["teacher"].raise_()
    w.hide()
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(250)  # past the 200 ms the old re-raise waited
    assert not w.docks["teacher"].visibleRegion().isEmpty()
    assert w.docks["inspector"].visibleRegion().isEmpty()
