"""Issue 9 soak: the ladder gives graphics items only to the rows in or near the
viewport, so a long run costs the model's compact rows and a few dozen items, not one
QGraphicsItem per hop (1.4 kB of C++ heap each, 280 MB for a 290,000-event history)."""

from __future__ import annotations

import re
import time

import pytest
from gui_fakes import FakeController, figure1_sim
from PySide6.QtCore import Qt

from hmipviz.engine.events import PacketSent
from hmipviz.gui.ladder import QtLadder
from hmipviz.gui.ladder_items import RowItem
from hmipviz.gui.ladder_model import ROW_H

ROWS = 100_000
MAX_ITEMS = 200


@pytest.fixture(scope="module")
def long_trace():
    """100,000 packet hops: figure1's trace repeated (the ladder only reads the events)."""
    base = figure1_sim(move_at_s=5.0, until_s=8.0).trace
    hops = sum(isinstance(e, PacketSent) for e in base)
    return base * (ROWS // hops + 1)


@pytest.fixture(scope="module")
def long_ladder(qapp, long_trace):
    """Built once (the 100,000 rows take a second or two); each test leaves it usable."""
    controller = FakeController(figure1_sim(move_at_s=None, until_s=0.5))
    controller.trace = long_trace
    controller.position = len(long_trace) - 1
    widget = QtLadder(controller)
    widget.resize(1000, 600)
    widget.show()
    qapp.processEvents()
    yield widget, controller
    widget.close()
    widget.deleteLater()


def _items(widget: QtLadder) -> list[RowItem]:
    return [it for it in widget.scene.items() if isinstance(it, RowItem)]


def _visible_rows(widget: QtLadder) -> range:
    r = widget.view.mapToScene(widget.view.viewport().rect()).boundingRect()
    return range(int(r.top() // ROW_H), min(len(widget._rows), int(r.bottom() // ROW_H)))


def test_a_hundred_thousand_rows_have_a_bounded_number_of_items(long_ladder):
    widget, _controller = long_ladder
    assert len(widget._rows) >= ROWS
    assert 0 < widget.item_count() < MAX_ITEMS
    # following the present: the last rows are the ones on screen, and have items
    rows_with_items = {it.row for it in _items(widget)}
    assert set(_visible_rows(widget)) <= rows_with_items
    assert len(widget._rows) - 1 in rows_with_items


def test_scrolling_gives_items_to_the_rows_that_come_into_view(long_ladder):
    widget, _controller = long_ladder
    bar = widget.view.verticalScrollBar()
    start = time.perf_counter()
    for fraction in (0.5, 0.1, 0.9, 0.37, 0.0):
        bar.setValue(int(bar.maximum() * fraction))
        rows_with_items = {it.row for it in _items(widget)}
        assert set(_visible_rows(widget)) <= rows_with_items, fraction
        assert widget.item_count() < MAX_ITEMS
    # five jumps across 100,000 rows: each builds a screenful of items, no more
    assert time.perf_counter() - start < 2.0


def test_selecting_a_row_far_away_scrolls_there_and_highlights_it(qtbot, long_ladder):
    widget, controller = long_ladder
    middle = widget._rows[len(widget._rows) // 2]
    controller.select(middle.index)
    assert widget.selected_index() == middle.index
    assert middle.row in _visible_rows(widget)
    [item] = [it for it in _items(widget) if it.model is middle]
    assert item.selected and sum(it.selected for it in _items(widget)) == 1
    # a click on another visible row selects that one (the item under the mouse)
    other = widget._rows[middle.row + 2]
    pos = widget.view.mapFromScene(widget.row_center(other.index))
    qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert controller.selected == other.index
    assert widget.selected_index() == other.index
    assert widget.item_count() < MAX_ITEMS


def test_the_export_paints_every_row_not_only_those_with_items(qtbot, tmp_path):
    sim = figure1_sim(move_at_s=5.0, until_s=8.0)
    controller = FakeController(sim)
    widget = QtLadder(controller)
    qtbot.addWidget(widget)
    widget.resize(1000, 300)  # room for about ten rows
    widget.show()
    qtbot.waitExposed(widget)
    rows = len(widget._rows)
    assert widget.item_count() < rows  # most rows have no item
    svg = tmp_path / "ladder.svg"
    widget.export_svg(svg)
    times = re.findall(r">\s*(\d+\.\d{3}) s\s*<", svg.read_text())
    assert len(times) == rows
    assert times == [f"{r.event.t:.3f}" for r in widget._rows]
