"""The packet inspector on real figure1 packets: tree, hex highlight, byte clicks."""

from __future__ import annotations

from ipaddress import IPv6Address

import pytest
from gui_fakes import FakeController, figure1_sim
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from hmipviz.engine import describe
from hmipviz.engine.events import BindingChanged, MapSelected, PacketDropped, PacketSent
from hmipviz.gui.inspector import BYTES_PER_LINE, FIELD_HIGHLIGHT, QtPacketInspector, hex_dump


@pytest.fixture(scope="module")
def sim():
    return figure1_sim(move_at_s=5.0, until_s=8.0)


@pytest.fixture
def inspector(qtbot, sim):
    controller = FakeController(sim)
    widget = QtPacketInspector(controller)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    return widget, controller


def _first(trace, pred, after: int = -1) -> int:
    return next(i for i, e in enumerate(trace) if i > after and pred(e))


def _local_bu(sim, after: int = -1) -> int:
    return _first(sim.trace, lambda e: isinstance(e, PacketSent) and e.kind == describe.LOCAL_BU
                  and e.node == sim.mn_name and e.origin, after)


def _rcoa(sim) -> IPv6Address:
    selected = next(e for e in sim.trace if isinstance(e, MapSelected))
    return IPv6Address(selected.rcoa)


def _highlighted_hex_text(hexview) -> str:
    """The text of the hex view's strong (field) highlight, hex part only, joined."""
    selections = hexview.extraSelections()  # keep them alive while reading
    parts = []
    for sel in selections:
        if sel.format.background().color() != FIELD_HIGHLIGHT:
            continue  # the layer tint
        text = sel.cursor.selectedText()
        if any(ch not in "0123456789abcdef " for ch in text):
            continue  # the ASCII span
        parts.append(text)
    return " ".join(" ".join(p.split()) for p in parts)


def test_local_bu_has_m_flag_and_hao_highlights_exactly_the_rcoa(inspector, sim):
    widget, controller = inspector
    i = _local_bu(sim)
    controller.select(i)

    keys = widget.tree_keys()
    assert "mip6.bu.m_flag" in keys
    m_label = widget.tree_labels()[keys.index("mip6.bu.m_flag")]
    assert m_label.startswith("M flag: set")
    assert "ipv6.opt.mipv6.home_address" in keys

    data = sim.trace[i].data
    rcoa = _rcoa(sim).packed
    assert data.count(rcoa) == 1  # only in the Home Address option of a local BU
    offset = data.find(rcoa)

    assert widget.select_field("dstopt.hao.address")  # the key before the rename still works
    assert widget.highlighted_range() == (offset, offset + 16)
    assert widget.select_field("ipv6.opt.mipv6.home_address")
    assert widget.highlighted_range() == (offset, offset + 16)
    # and what is painted in the hex view is exactly those 16 bytes
    assert _highlighted_hex_text(widget.hex) == " ".join(f"{b:02x}" for b in rcoa)
    assert "local BU" in widget.header.text()
    # the frame number in the capture File > Export capture writes, and the packet number
    frame = sum(isinstance(e, PacketSent) for e in sim.trace[:i + 1])
    assert f"Frame {frame} (packet #{sim.trace[i].packet_id})" in widget.header.text()
    assert f"{len(data)} bytes" in widget.header.text()


def test_clicking_a_byte_selects_the_innermost_field(inspector, sim):
    widget, controller = inspector
    i = _local_bu(sim)
    controller.select(i)
    data = sim.trace[i].data
    offset = data.find(_rcoa(sim).packed)

    assert widget.click_byte(offset + 5) == "ipv6.opt.mipv6.home_address"
    assert widget.selected_field_key() == "ipv6.opt.mipv6.home_address"
    assert widget.highlighted_range() == (offset, offset + 16)
    assert widget.click_byte(0) == "ipv6.version"  # narrower than Traffic Class's 0..1
    assert widget.highlighted_range() == (0, 1)


def test_a_real_mouse_click_on_the_hex_view_selects_the_field(qtbot, inspector, sim):
    widget, controller = inspector
    controller.select(_local_bu(sim))
    hexview = widget.hex
    # byte 24 is the first byte of the destination address: line 1, column 8
    target = 24
    block = hexview.document().findBlockByNumber(target // BYTES_PER_LINE)
    cursor = hexview.textCursor()
    col = 6 + 3 * (target % BYTES_PER_LINE) + (1 if target % BYTES_PER_LINE >= 8 else 0)
    cursor.setPosition(block.position() + col)
    rect = hexview.cursorRect(cursor)
    qtbot.mouseClick(hexview.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.x() + 3, rect.center().y()))
    assert widget.selected_field_key() == "ipv6.dst"
    assert widget.highlighted_range() == (24, 40)
    # the ASCII column of the same byte selects the same field
    cursor.setPosition(block.position() + 56 + target % BYTES_PER_LINE)
    rect = hexview.cursorRect(cursor)
    widget.click_byte(0)
    qtbot.mouseClick(hexview.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.x() + 2, rect.center().y()))
    assert widget.selected_field_key() == "ipv6.dst"


def test_tunnelled_bu_shows_both_ipv6_headers(inspector, sim):
    widget, controller = inspector
    i = _first(sim.trace, lambda e: isinstance(e, PacketSent) and e.kind == describe.HOME_BU
               and e.tunnel_depth == 1)
    controller.select(i)
    keys = widget.tree_keys()
    assert keys.count("ipv6") == 2
    assert "mip6.bu.h_flag" in keys
    data = sim.trace[i].data
    assert widget.select_field("ipv6.src", 1)  # the inner (encapsulated) source: the RCoA
    start, end = widget.highlighted_range()
    assert (start, end) == (48, 64)
    assert data[start:end] == _rcoa(sim).packed


def test_selected_field_stays_selected_on_the_next_packet(inspector, sim):
    widget, controller = inspector
    first = _local_bu(sim)
    controller.select(first)
    widget.select_field("mip6.bu.seqnr")
    second = _local_bu(sim, after=first)
    controller.select(second)
    assert widget.selected_field_key() == "mip6.bu.seqnr"
    start, end = widget.highlighted_range()
    assert end - start == 2


def test_non_packet_events_are_described_in_words(inspector, sim):
    widget, controller = inspector
    i = _first(sim.trace, lambda e: isinstance(e, BindingChanged) and e.node == "MAP1")
    controller.select(i)
    assert widget.stack.currentWidget() is widget.description
    text = widget.description.toPlainText()
    assert "binding cache" in text and sim.trace[i].care_of_address in text
    assert widget.tree_keys() == [] and widget.highlighted_range() is None
    controller.select(-1)
    assert "No event selected" in widget.description.toPlainText()


def test_a_drop_shows_the_packet_and_the_reason(inspector, sim):
    widget, controller = inspector
    i = _first(sim.trace, lambda e: isinstance(e, PacketDropped))
    drop = sim.trace[i]
    controller.select(i)
    assert widget.stack.currentIndex() == 0
    assert "dropped" in widget.header.text() and drop.reason.split(":")[0] in widget.header.text()
    last_hop = max(j for j, e in enumerate(sim.trace[:i])
                   if isinstance(e, PacketSent) and e.packet_id == drop.packet_id)
    assert widget.current_bytes() == sim.trace[last_hop].data
    assert "ipv6" in widget.tree_keys()


def test_copy_as_hex_and_save_as_pcapng(inspector, sim, tmp_path):
    widget, controller = inspector
    i = _local_bu(sim)
    controller.select(i)
    data = sim.trace[i].data
    assert widget.copy_hex() == data.hex()
    assert QGuiApplication.clipboard().text() == data.hex()
    path = tmp_path / "bu.pcapng"
    assert widget.save_pcapng(path) == 1
    raw = path.read_bytes()
    assert raw[:4] == b"\x0a\x0d\x0d\x0a"  # pcapng Section Header Block
    assert data in raw
    assert [p.name for p in tmp_path.iterdir()] == ["bu.pcapng"]


def test_hex_dump_layout():
    text = hex_dump(bytes(range(20)))
    lines = text.splitlines()
    assert lines[0] == ("0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  "
                        "................")
    assert lines[1].startswith("0010  10 11 12 13") and lines[1].endswith("....")
