"""The ladder diagram: one arrow per hop up to the position, clicks, filters, exports."""

from __future__ import annotations

import pytest
from gui_fakes import FakeController, figure1_sim
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from hmipviz.engine import describe
from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.gui.ladder import QtLadder, lifeline_order


@pytest.fixture(scope="module")
def sim():
    return figure1_sim(move_at_s=5.0, until_s=8.0)


@pytest.fixture
def ladder(qtbot, sim):
    controller = FakeController(sim)
    widget = QtLadder(controller)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, controller


def _sent_upto(trace, pos):
    return [i for i, e in enumerate(trace[:pos + 1]) if isinstance(e, PacketSent)]


def test_lifelines_in_role_order(sim):
    names = [n for n, _role in lifeline_order(sim.scenario)]
    assert names == ["MN", "AR1", "AR2", "MAP1", "R", "HA", "CN"]


def test_one_arrow_per_packet_hop_up_to_the_position(ladder, sim):
    widget, controller = ladder
    trace = sim.trace
    assert widget.arrow_indices() == _sent_upto(trace, len(trace) - 1)
    assert widget.drop_indices() == [i for i, e in enumerate(trace)
                                     if isinstance(e, PacketDropped)]
    mid = len(trace) // 2
    controller.seek(mid)  # back: later rows stay known but are not "shown"
    assert widget.arrow_indices() == _sent_upto(trace, mid)
    assert widget.future_indices()[0] > mid
    controller.seek(10)
    assert widget.arrow_indices() == _sent_upto(trace, 10)
    controller.seek(len(trace) - 1)
    assert widget.arrow_indices() == _sent_upto(trace, len(trace) - 1)
    assert widget.future_indices() == []
    controller.seek(-1)
    assert widget.arrow_indices() == []


def test_rows_follow_a_growing_trace(qtbot):
    sim = figure1_sim(move_at_s=None, until_s=1.0)
    controller = FakeController(sim)
    widget = QtLadder(controller)
    qtbot.addWidget(widget)
    widget.show()
    before = len(widget.arrow_indices())
    assert before == len(_sent_upto(sim.trace, len(sim.trace) - 1))
    controller.run_until(3.0)
    assert widget.arrow_indices() == _sent_upto(sim.trace, len(sim.trace) - 1)
    assert len(widget.arrow_indices()) > before


def test_clicking_an_arrow_selects_that_event(qtbot, ladder, sim):
    widget, controller = ladder
    i = next(k for k, e in enumerate(sim.trace) if isinstance(e, PacketSent)
             and e.kind == describe.LOCAL_BU and e.t > 5)
    widget.set_filters(show_data=False)  # so the arrow is near the top
    point = widget.row_center(i)
    assert point is not None
    widget.view.ensureVisible(point.x(), point.y(), 10, 10)
    pos = widget.view.mapFromScene(point)
    with qtbot.waitSignal(controller.selectionChanged, timeout=1000) as blocker:
        qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [i]
    assert controller.selected == i
    assert widget.selected_index() == i


def test_a_selection_elsewhere_is_highlighted_and_scrolled_into_view(ladder, sim):
    widget, controller = ladder
    widget.set_filters(show_data=True)
    first = next(k for k, e in enumerate(sim.trace) if isinstance(e, PacketSent))
    controller.select(first)
    assert widget.selected_index() == first
    view = widget.view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(widget.row_center(first))
    # a PacketReceived highlights the hop that delivered it
    received = next(k for k, e in enumerate(sim.trace) if type(e).__name__ == "PacketReceived"
                    and e.kind == describe.LOCAL_BU)
    hop = max(k for k in widget.arrow_indices() if k < received
              and sim.trace[k].packet_id == sim.trace[received].packet_id)
    controller.select(received)
    assert widget.selected_index() == hop
    controller.select(-1)
    assert widget.selected_index() == -1


def test_filters_let_the_signalling_stand_out(ladder, sim):
    widget, _controller = ladder
    widget.set_filters(show_data=False, show_ra=False)
    kinds = {sim.trace[i].kind for i in widget.arrow_indices()}
    assert describe.DATA not in kinds and describe.RA not in kinds and describe.RS not in kinds
    assert {describe.LOCAL_BU, describe.LOCAL_BA, describe.HOME_BU} <= kinds
    widget.set_filters(show_forwarding=False)
    assert all(sim.trace[i].origin for i in widget.arrow_indices())
    widget.set_filters(show_data=True, show_ra=True, show_forwarding=True)
    assert widget.arrow_indices() == _sent_upto(sim.trace, len(sim.trace) - 1)


def test_export_svg_and_png(ladder, tmp_path):
    widget, _controller = ladder
    widget.set_filters(show_data=False)
    svg = tmp_path / "ladder.svg"
    widget.export_svg(svg)
    text = svg.read_text()
    assert "<svg" in text and "local BU" in text and "MAP1" in text
    png = tmp_path / "ladder.png"
    widget.export_png(png)
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() == int(widget.scene_width())
    assert image.height() > 200
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 5  # not blank
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ladder.png", "ladder.svg"]


def test_with_the_real_controller_a_click_selects_and_seeks(qtbot):
    controller_mod = pytest.importorskip("hmipviz.gui.controller")
    from hmipviz.scenario import load_scenario

    controller = controller_mod.QtController(load_scenario("figure1"))
    controller.seek_time(1.0)
    widget = QtLadder(controller)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    trace = controller.trace
    assert widget.arrow_indices() == _sent_upto(trace, controller.position)
    target = next(k for k in widget.arrow_indices() if trace[k].kind == describe.HOME_BU)
    widget.view.ensureVisible(widget.row_center(target).x(), widget.row_center(target).y(), 5, 5)
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=widget.view.mapFromScene(widget.row_center(target)))
    assert controller.selected == target
    assert widget.selected_index() == target
    # the click moved playback there: later hops stay on screen, faded, as the future
    assert widget.arrow_indices() == _sent_upto(trace, controller.position)
    assert widget.future_indices()


def test_a_branch_far_back_cuts_the_rows_in_linear_time(qtbot):
    """Issue 9 soak: acting in the middle of a long history removed the ladder's later
    rows one at a time, each scanning all earlier rows (minutes for 20,000 events)."""
    import dataclasses
    import time

    from hmipviz.gui.controller import QtController
    from hmipviz.scenario import load_scenario

    sc = dataclasses.replace(load_scenario("figure1"), duration_s=150.0)
    c = QtController(sc)
    c.autoplay_on_action = False
    widget = QtLadder(c)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    t0 = time.perf_counter()
    c.seek_time(150.0)
    build_s = time.perf_counter() - t0
    rows_before = len(widget._rows)
    assert rows_before > 5000
    c.seek_time(75.0)
    t0 = time.perf_counter()
    c.move_mn("AR2")
    branch_s = time.perf_counter() - t0
    assert len(widget._rows) < rows_before * 0.6
    assert branch_s < build_s / 3, (branch_s, build_s)  # was about twice the build
    # each packet's latest hop is still its last remaining row
    last: dict[int, object] = {}
    for row in widget._rows:
        if isinstance(row.event, PacketSent):
            last[row.event.packet_id] = row
    assert widget._last_hop == last
    assert widget.arrow_indices() == _sent_upto(c.trace, c.position)
