"""Issue 13's list of details (point 8 of "Why"), each as it should be now: captions say
the kind once, the MN's tooltip names its home agent, one numbering from 1, frame numbers
of the exported capture in the inspector, End from t = 0 runs the registration through,
Ctrl+Q in classroom mode, the search keeps the current event in view and the counter
counts what matches, no raw floats, tunnels follow a dragged MN, a stale binding's
tunnel looks stale, the export dialogs remember their folder."""

from __future__ import annotations

import re

import pytest
from gui_fakes import shown_window
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from hmipviz.engine import events as ev
from hmipviz.gui.caption import caption_parts
from hmipviz.gui.event_list import COL_INDEX
from hmipviz.gui.main_window import settings
from hmipviz.outputs import capture_records
from hmipviz.scenario import load_scenario


@pytest.fixture
def window(qtbot):
    w = shown_window(qtbot)
    yield w
    w.presentation.leave()


@pytest.fixture
def small_window(qtbot):
    """two-domains in a window of a classroom projector's size, 1024x768."""
    w = shown_window(qtbot, size=(1024, 768))
    yield w
    w.presentation.leave()


def _index(trace, cls, **fields) -> int:
    return next(i for i, e in enumerate(trace) if isinstance(e, cls)
                and all(getattr(e, k) == v for k, v in fields.items()))


@pytest.mark.parametrize("kind, summary, head, body", [
    ("BU to HA", "BU to HA: bind home address 2001:db8:1::a", "BU to HA",
     "bind home address 2001:db8:1::a"),
    ("local BU", "local BU to MAP1: bind RCoA", "Local BU to MAP1", "bind RCoA"),
    ("data", "CN sends echo #41", "Data", "CN sends echo #41"),
    ("local BA", "BA from MAP1: status 129", "Local BA", "BA from MAP1: status 129"),
])
def test_a_caption_says_the_kind_once(kind, summary, head, body):
    assert caption_parts(kind, summary) == (head, body)


def test_the_caption_of_a_bu_to_the_ha_does_not_repeat_it(window):
    c = window.controller
    c.seek_time(1.0)
    i = _index(c.trace, ev.PacketSent, kind="BU to HA")
    c.select(i)
    text = window.caption._plain
    assert text.startswith("BU to HA: ") and text.count("BU to HA") == 1


def test_the_mn_tooltip_names_its_home_agent_once(window):
    tip = window.topology.nodes["MN"].tooltip()
    assert "home agent HA" in tip and "(HA HA)" not in tip


def test_events_are_numbered_from_1_in_the_list_as_in_the_toolbar(window):
    c = window.controller
    c.seek_time(1.0)
    c.select(c.position)
    model = window.events.model
    assert model.index(0, COL_INDEX).data() == 1
    assert model.index(c.position, COL_INDEX).data() == c.position + 1
    assert window.playback.event_label.text().startswith(f"event {c.position + 1} of ")


def test_the_inspector_shows_the_exported_captures_frame_number(window):
    c = window.controller
    c.seek_time(6.0)
    i = _index(c.trace, ev.PacketSent, kind="local BU", node="AR2")
    c.select(i)
    header = window.inspector.header.text()
    frame = int(re.search(r"Frame (\d+) \(packet #(\d+)\)", header).group(1))
    record = capture_records(c.sim)[frame - 1]  # what File > Export capture writes
    assert record.data == c.trace[i].data and record.t_s == c.trace[i].t
    # a received event shows its last hop's frame
    j = _index(c.trace, ev.PacketReceived, packet_id=c.trace[i].packet_id)
    c.select(j)
    assert f"Frame {frame} " in window.inspector.header.text()


def test_end_from_the_start_runs_the_first_registration_through(window):
    c = window.controller
    c.reset()
    assert c.jump_to_next_idle(max_ms=60_000)  # the time cap is for a loaded machine
    done = [e for e in c.trace[:c.position + 1] if isinstance(e, ev.HandoverCompleted)]
    assert len(done) == 1 and done[0].kind == "initial"
    assert not c.in_flight_at(c.position)


def test_ctrl_q_quits_in_classroom_mode(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.presentation.enter()
    assert window.menuBar().isHidden() or not window.menuBar().isVisible()
    QTest.keyClick(window.topology, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)


def test_the_counter_counts_matches_and_a_cleared_search_shows_the_current_event(
        qtbot, window):
    c = window.controller
    c.seek_time(12.0)
    events = window.events
    events.resize(900, 260)
    c.select(c.position)
    total = events.model.rowCount()
    events.search.setText("BU to HA")
    events._search_timer.timeout.emit()
    shown = events.proxy.rowCount()
    assert 0 < shown < total
    assert events.count.text() == f"{shown} of {total}"
    events.search.clear()
    events._search_timer.timeout.emit()
    assert events.count.text() == f"{total} events"
    qtbot.wait(1)  # the scroll follows once the rows are laid out again
    row = events.proxy.mapFromSource(events.model.index(c.selected, 0))
    rect = events.table.visualRect(row)
    assert events.table.viewport().rect().intersects(rect)  # in view, not the top
    assert events.table.verticalScrollBar().value() > 0


def test_event_fields_in_the_inspector_are_not_raw_floats(window):
    c = window.controller
    c.seek_time(12.0)
    i = _index(c.trace, ev.HandoverCompleted)
    c.select(i)
    text = window.inspector.description.toPlainText()
    assert "latency_s" in text
    assert not re.search(r"\d\.\d{7,}", text), text


def _tunnels_to(view, name):
    return [t for t in view.tunnels if t.data(2) and t.data(2)[0][-1] == name]


def test_the_tunnels_follow_the_mn_while_it_is_dragged(window):
    c = window.controller
    c.seek_time(3.0)
    view = window.topology
    mn = view.mn_item
    tunnels = _tunnels_to(view, "MN")
    assert tunnels, "the MAP and HA tunnels end at the MN"
    to = mn.pos() + QPointF(140, 30)
    mn.setPos(to)
    view.mn_dragged(to, mn)
    for t in tunnels:
        path = t.path()
        end = path.pointAtPercent(1.0)
        assert abs(end.x() - to.x()) + abs(end.y() - to.y()) < 30


def test_a_tunnel_to_a_binding_the_mn_has_left_is_drawn_stale(window):
    c = window.controller
    c.seek_time(5.02)  # the MN left AR2 at 5 s; MAP1 still binds its RCoA to AR2's LCoA
    view = window.topology
    stale = [t for t in view.tunnels if t.data(3)]
    assert stale and all(t.pen().style() == Qt.PenStyle.DotLine for t in stale)
    assert all("stale" in t.toolTip() for t in stale)
    c.seek_time(3.0)  # settled: every tunnel live
    assert view.tunnels and not [t for t in view.tunnels if t.data(3)]


def test_export_dialogs_start_where_the_last_export_went(window, tmp_path, monkeypatch):
    settings().remove("exportDir")
    starts = []

    def save_name(_parent, _title, start, _filter):
        starts.append(start)
        return str(tmp_path / "out" / f"file{len(starts)}.png"), ""
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.export_screenshot_dialog()
    window.export_capture_dialog()
    assert starts[0].endswith("hmipviz.png")
    assert starts[1] == str(tmp_path / "out" / "two-domains.pcapng")
    settings().remove("exportDir")


def test_the_ladders_own_export_button_and_the_web_page_share_that_folder(
        window, tmp_path, monkeypatch):
    from hmipviz.gui.web_export import export_web_page_dialog
    settings().remove("exportDir")
    starts = []
    out = tmp_path / "exports"
    out.mkdir()

    def save_name(_parent, _title, start, _filter):
        starts.append(start)
        suffix = ".svg" if len(starts) == 1 else ".html"
        return str(out / f"file{len(starts)}{suffix}"), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    window.controller.seek_time(1.0)
    window.ladder.export_button.click()  # the ladder dock's own button
    assert (out / "file1.svg").stat().st_size > 0
    export_web_page_dialog(window)
    assert starts[1] == str(out / "two-domains.html")  # where the ladder went
    assert (out / "file2.html").stat().st_size > 0
    window.export_ladder_dialog()  # File > Export ladder diagram: the same dialog
    assert starts[2] == str(out / "two-domains-ladder.svg")
    assert (out / "file3.html.svg").stat().st_size > 0  # no .svg suffix: added
    settings().remove("exportDir")


def test_the_plot_legend_covers_no_handover_label_and_none_is_cut_off(qtbot, window):
    window.docks["plot"].show()
    window.docks["plot"].raise_()
    qtbot.waitUntil(lambda: getattr(window, "plot", None) is not None)
    plot = window.plot
    window.controller.seek_time(16.0)  # three handovers, the last near the right edge
    for height in (160, 300):
        window.docks["plot"].setFloating(True)
        window.docks["plot"].resize(540, height + 40)
        qtbot.wait(30)
        widget = plot.ensure_plot()
        plot._drawn_marks = ()
        plot._redraw()
        qtbot.wait(30)  # the labels find their places when the view range is applied
        legend = plot._legend.mapRectToScene(plot._legend.boundingRect())
        labels = [it.label for it in plot._mark_items if getattr(it, "label", None)]
        assert len(labels) == 4  # initial, intra-MAP, inter-MAP, intra-MAP
        box = widget.getPlotItem().getViewBox().sceneBoundingRect()
        for label in labels:
            rect = label.mapRectToScene(label.boundingRect())
            assert not rect.intersects(legend), label.toPlainText()
            assert rect.right() <= box.right() + 1, label.toPlainText()


def test_the_mn_icon_leaves_the_ar_label_readable_at_1024x768(small_window):
    w = small_window
    w.controller.seek_time(3.0)
    view = w.topology
    mn = view.mn_item
    p = mn.pos()
    icon = QRectF(p.x() - mn.r, p.y() - mn.r, 2 * mn.r, 2 * mn.r)  # not its labels
    assert not icon.intersects(view.nodes["AR1"].sceneBoundingRect())
    assert view.cell_at(mn.pos()) == "AR1"  # still drawn in its cell


def test_the_registration_watch_reads_forward_as_a_fresh_look_back_would():
    from hmipviz.gui.idle_moment import RegistrationWatch, registering_at
    from hmipviz.sim import Simulation

    sim = Simulation(load_scenario("two-domains"))
    sim.run(11.0)
    trace = sim.trace
    watch = RegistrationWatch(trace, 240, ["MN"])
    for i in range(240, len(trace), 7):
        assert watch.at(i) == registering_at(trace, i, ["MN"]), i
    # registering from the move at 10 s until the home BA, idle before and after
    moved = _index(trace, ev.StateChanged, new="detached", t=10.0)
    done = next(i for i in range(moved, len(trace))
                if isinstance(trace[i], ev.StateChanged) and trace[i].new == "registered")
    assert not registering_at(trace, moved - 1, ["MN"])
    assert registering_at(trace, done - 1, ["MN"])
    assert not registering_at(trace, done, ["MN"])


def _token_box(view, token) -> QRectF:
    """A token's rectangle in scene units (it keeps its pixel size at any zoom), with
    its selection ring."""
    from hmipviz.gui import theme
    from hmipviz.gui.topology_tokens import TOKEN_H, TOKEN_W
    per_px = theme.scale() / view.transform().m11()
    w, h = (TOKEN_W + 6) * per_px, (TOKEN_H + 6) * per_px
    return QRectF(token.pos().x() - w / 2, token.pos().y() - h / 2, w, h)


def test_a_paused_token_covers_no_node_name_and_no_delay_label_at_1024x768(small_window):
    w = small_window
    c, view = w.controller, w.topology
    c.seek_time(6.5)
    sends = [i for i, e in enumerate(c.trace) if isinstance(e, ev.PacketSent)
             and e.kind != "data"]  # the first registration and the first handover
    assert len(sends) >= 20
    checked = 0
    for i in sends:
        c.seek(i)  # a step shows the moment of sending: the token at its hop's start
        names = [QRectF(QPointF(b[0], b[1]), QPointF(b[2], b[3]))
                 for item in [*view.nodes.values(), view.mn_item]
                 if (b := item.label_box()) is not None]
        delays = [label.sceneBoundingRect() for _line, label in view.links.values()]
        for token in view.token_items():
            box = _token_box(view, token)
            assert not any(box.intersects(r) for r in names), (i, token.event.kind)
            a, b = view._hop_points(token.event.node, token.event.to_node)
            if a == b:  # parked beside a short link
                assert not any(box.intersects(r) for r in delays), (i, token.event.kind)
            checked += 1
    assert checked >= len(sends)


def test_tokens_move_with_the_zoom_so_they_stay_by_their_hop(window, qtbot):
    # regression: a token placed before the canvas was fitted (the compare window opens
    # so) kept the run of the old zoom and sat beside the HA, far from its MN-AR hop
    from hmipviz import layout
    c, view = window.controller, window.topology
    c.seek_time(1.0)
    c.seek(next(i for i, e in enumerate(c.trace) if isinstance(e, ev.PacketSent)))
    assert view.token_items()

    def at_their_runs() -> bool:
        for token in view.token_items():
            e = token.event
            a, b = view._hop_points(e.node, e.to_node)
            f = layout.token_fraction(e.t, e.arrive_t, c.display_time())
            if token.pos() != a + (b - a) * f:
                return False
        return True

    assert at_their_runs()
    before = view.transform().m11()
    window.resize(window.width() // 2 + 200, window.height() // 2 + 150)
    qtbot.waitUntil(lambda: view.transform().m11() != before)
    assert at_their_runs()
    view.zoom(1.7)
    assert at_their_runs()


def test_the_mns_name_and_cell_line_keep_off_the_domain_label_at_1024x768(small_window):
    # seen in the 1024x768 screenshot: "on AR2" under the MN ran into "MAP1 domain"
    w = small_window
    view = w.topology
    for t in (3.0, 5.4):  # on AR1, then on AR2 after the first scripted move
        w.controller.seek_time(t)
        mn = view.mn_item
        b = mn.label_box()
        assert b is not None and mn.sublabel.startswith("on AR")
        names = QRectF(QPointF(b[0], b[1]), QPointF(b[2], b[3]))
        assert not any(names.intersects(d.sceneBoundingRect()) for d in view.domain_labels), t
        assert view.cell_at(mn.pos()) == mn.sublabel.removeprefix("on ")  # still in its cell
