"""The packet inspector: a Wireshark-like tree of layers and fields beside a hex view.

``QtPacketInspector(controller)`` follows ``controller.selectionChanged``. For a
``PacketSent`` event it shows the exact bytes that crossed that hop (the same bytes
the receiver decoded and the pcapng holds) dissected by :func:`hmipviz.wire.dissect.dissect`
(keys are Wireshark field names); for a ``PacketReceived``/``PacketDropped`` it shows the
packet's last hop; for any other event a plain-words description. Selecting a field
highlights its bytes; clicking a byte selects the innermost field that covers it.

No protocol logic here: the byte ranges come from the codec's dissector.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QMouseEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hmipviz.engine import events as ev
from hmipviz.gui.export_folder import export_start, remember_export
from hmipviz.gui.frame_numbers import FrameNumbers
from hmipviz.gui.palette import kind_glyph, kind_hex

BYTES_PER_LINE = 16
_HEX_COL = 6  # "0000  "
_ASCII_COL = _HEX_COL + 48 + 2  # 16 * "xx " less one space, one extra gap at 8, two spaces
FIELD_HIGHLIGHT = QColor("#FFD54A")  # a clear amber that reads on a projector, light or dark theme
_FIELD_FG = QColor("#000000")
_ROLE_RANGE = Qt.ItemDataRole.UserRole
_ROLE_KEY = Qt.ItemDataRole.UserRole + 1
_SIDE_BY_SIDE_MIN_WIDTH = 860  # narrower than this, the tree goes above the hex view


def _hex_col(i: int) -> int:
    """Column of byte ``i`` (0..15) of a line in the hex part."""
    return _HEX_COL + 3 * i + (1 if i >= 8 else 0)


def hex_dump(data: bytes) -> str:
    """Offset | 16 hex bytes (gap after 8) | ASCII, one line per 16 bytes."""
    lines = []
    for off in range(0, len(data), BYTES_PER_LINE):
        chunk = data[off:off + BYTES_PER_LINE]
        left = " ".join(f"{b:02x}" for b in chunk[:8])
        right = " ".join(f"{b:02x}" for b in chunk[8:])
        hexpart = f"{left:<23}  {right:<23}" if len(chunk) > 8 else f"{left:<23}  {'':23}"
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{off:04x}  {hexpart}  {text}")
    return "\n".join(lines)


class HexView(QPlainTextEdit):
    """Read-only offset/hex/ASCII view; highlights a byte range; reports clicked bytes."""

    byteClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Packet bytes")
        self._data = b""
        self._field: tuple[int, int] | None = None
        self._layer: tuple[int, int] | None = None

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()  # wide enough for offset, 16 bytes and their ASCII
        width = fm.horizontalAdvance("0" * (_ASCII_COL + BYTES_PER_LINE + 2))
        return QSize(width + 2 * int(self.document().documentMargin())
                     + self.verticalScrollBar().sizeHint().width() + 4, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.sizeHint().width(), 80)

    def set_data(self, data: bytes) -> None:
        self._data = bytes(data)
        self._field = self._layer = None
        self.setPlainText(hex_dump(self._data))
        self._paint_highlight()

    def set_highlight(self, field: tuple[int, int] | None,
                      layer: tuple[int, int] | None = None) -> None:
        self._field, self._layer = field, layer
        self._paint_highlight()
        if field is not None and field[1] > field[0]:
            cursor = QTextCursor(self.document().findBlockByNumber(field[0] // BYTES_PER_LINE))
            self.setTextCursor(cursor)
            self.ensureCursorVisible()

    def _spans(self, start: int, end: int):
        """(block position + column, length) spans in the text for bytes [start, end)."""
        end = min(end, len(self._data))
        doc = self.document()
        off = start
        while off < end:
            line = off // BYTES_PER_LINE
            first = off % BYTES_PER_LINE
            last = min(end - 1, line * BYTES_PER_LINE + BYTES_PER_LINE - 1) % BYTES_PER_LINE
            pos = doc.findBlockByNumber(line).position()
            yield pos + _hex_col(first), _hex_col(last) + 2 - _hex_col(first)
            yield pos + _ASCII_COL + first, last - first + 1
            off = (line + 1) * BYTES_PER_LINE

    def _selections(self, rng: tuple[int, int], fmt: QTextCharFormat) -> list:
        out = []
        for pos, length in self._spans(*rng):
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(pos)
            cursor.setPosition(pos + length, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor, sel.format = cursor, fmt
            out.append(sel)
        return out

    def _paint_highlight(self) -> None:
        selections = []
        if self._layer is not None:
            tint = QColor(self.palette().highlight().color())
            tint.setAlpha(40)
            fmt = QTextCharFormat()
            fmt.setBackground(tint)
            selections += self._selections(self._layer, fmt)
        if self._field is not None:
            fmt = QTextCharFormat()
            fmt.setBackground(FIELD_HIGHLIGHT)
            fmt.setForeground(_FIELD_FG)
            selections += self._selections(self._field, fmt)
        self.setExtraSelections(selections)

    def byte_at(self, pos: QPoint) -> int | None:
        """The byte offset under a viewport position, or None (offset column, gaps)."""
        cursor = self.cursorForPosition(pos)
        col = cursor.positionInBlock()
        if col > 0 and pos.x() < self.cursorRect(cursor).x():
            col -= 1  # cursorForPosition rounds to the nearest gap between characters
        line = cursor.blockNumber()
        i: int | None = None
        if _HEX_COL <= col < _hex_col(15) + 2:
            rel = col - _HEX_COL
            i = rel // 3 if rel < 24 else 8 + max(0, rel - 25) // 3
        elif _ASCII_COL <= col < _ASCII_COL + BYTES_PER_LINE:
            i = col - _ASCII_COL
        if i is None:
            return None
        offset = line * BYTES_PER_LINE + i
        return offset if offset < len(self._data) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            offset = self.byte_at(event.position().toPoint())
            if offset is not None:
                self.byteClicked.emit(offset)
                event.accept()
                return
        super().mousePressEvent(event)


@dataclass(frozen=True)
class _Shown:
    index: int  # the selected trace index
    packet_index: int  # the PacketSent whose bytes are shown (or -1)


def field_text(value: object) -> str:
    """An event field for a reader: times and latencies to the microsecond, not every
    digit of a float (0.070923, not 0.07092256536134167; issue 13)."""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value == value else str(value)
    return str(value)


def describe_event(e: ev.Event) -> tuple[str, str]:
    """(title, one plain-words sentence) for an event the inspector has no bytes for."""
    if isinstance(e, ev.BindingChanged):
        where = f"{e.node}'s {e.table}"
        return (f"{e.table.capitalize()} {e.change}",
                f"{where}: entry for {e.home_address} -> care-of {e.care_of_address} "
                f"{e.change} (sequence {e.sequence}, lifetime {e.lifetime_s} s"
                f"{', flags ' + e.flags if e.flags else ''}).")
    if isinstance(e, ev.MapSelected):
        return ("MAP selected", f"{e.node} chose the MAP {e.map_address} (Dist {e.dist}, "
                f"Pref {e.pref}) and formed the RCoA {e.rcoa}: {e.reason}.")
    if isinstance(e, ev.LinkChanged):
        if e.up:
            return ("Link up", f"{e.node} attached to {e.ar} (layer 2 handover done).")
        return ("Link down", f"{e.node} lost its link and is not attached to any access router.")
    if isinstance(e, ev.MovementDetected):
        return ("Movement detected", f"{e.node} saw a new prefix in {e.ar}'s Router "
                f"Advertisement: its LCoA changes from {e.old_lcoa} to {e.new_lcoa}.")
    if isinstance(e, ev.HandoverStarted):
        return (f"Handover started ({e.kind})", f"{e.node} moves from "
                f"{e.from_ar or 'no link'} to {e.to_ar or 'no link'}: a {e.kind} handover.")
    if isinstance(e, ev.HandoverCompleted):
        return (f"Handover completed ({e.kind})",
                f"{e.node}'s {e.kind} handover completed {e.latency_s * 1000:.1f} ms after "
                f"it started at t = {e.started_t:.6f} s.")
    if isinstance(e, ev.StateChanged):
        return ("State changed", f"{e.node} went from '{e.old}' to '{e.new}' on: {e.input}.")
    if isinstance(e, ev.NodeStatus):
        return (f"{e.node} {'up' if e.up else 'down'}",
                f"{e.node} is {'up again' if e.up else 'down'}: {e.reason}.")
    if isinstance(e, ev.Note):
        return ("Note", e.text + (f" ({e.rfc})" if e.rfc else ""))
    if isinstance(e, ev.PacketDropped):
        return (f"{e.kind} dropped", f"Packet #{e.packet_id} ({e.kind}) was dropped at "
                f"{e.node}: {e.reason}.")
    if isinstance(e, ev.PacketReceived):
        return (f"{e.kind} received", f"{e.node} processed packet #{e.packet_id} ({e.kind}).")
    return (e.type, ", ".join(f"{k} = {v}" for k, v in e.to_json().items() if k != "type"))


class QtPacketInspector(QWidget):
    """Layers-and-fields tree, hex view and header for the controller's selected event.

    Construct with the controller; it connects ``selectionChanged`` and
    ``scenarioLoaded`` itself. Test hooks: :meth:`tree_keys`, :meth:`select_field`,
    :meth:`highlighted_range`, :meth:`click_byte`.
    """

    fieldSelected = Signal(str, int, int)  # key, start, end

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("packetInspector")
        self.setAccessibleName("Packet inspector")
        self._data = b""
        self._shown: _Shown | None = None
        self._sent: ev.PacketSent | None = None
        self._items: list[QTreeWidgetItem] = []  # every tree item, in tree order
        self._field_range: tuple[int, int] | None = None
        self._sticky: tuple[str, int] | None = None  # field kept across packets (key, nth)
        self._fitted = False
        self._user_split = False

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setAccessibleName("Packet header line")

        self.copy_button = QToolButton()
        self.copy_button.setText("Copy as hex")
        self.copy_button.setToolTip("Copy the packet's bytes to the clipboard as a hex stream")
        self.copy_button.clicked.connect(self.copy_hex)
        self.save_button = QToolButton()
        self.save_button.setText("Save as pcapng…")
        self.save_button.setToolTip("Save this one packet as a pcapng file for Wireshark")
        self.save_button.clicked.connect(self._save_dialog)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.header, 1)
        bar.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        bar.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Packet layers and fields")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Bytes"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._on_current_item)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)

        self.hex = HexView()
        self.hex.byteClicked.connect(self.click_byte)
        self.hex.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.hex.customContextMenuRequested.connect(self._hex_menu)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.hex)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.splitterMoved.connect(lambda *_: setattr(self, "_user_split", True))
        # the selected field reads the same in the tree and in the bytes
        pal = self.tree.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Highlight, FIELD_HIGHLIGHT)
            pal.setColor(group, QPalette.ColorRole.HighlightedText, _FIELD_FG)
        self.tree.setPalette(pal)

        packet_page = QWidget()
        lay = QVBoxLayout(packet_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.splitter, 1)

        self.description = QTextBrowser()
        self.description.setAccessibleName("Event description")
        self.description.setOpenLinks(False)

        self.stack = QStackedWidget()
        self.stack.addWidget(packet_page)
        self.stack.addWidget(self.description)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.stack)

        self.frames = FrameNumbers(lambda: self.controller.trace)
        controller.selectionChanged.connect(self.show_event)
        controller.scenarioLoaded.connect(self._on_scenario_loaded)
        self.show_event(getattr(controller, "selected", -1))

    # --- following the controller -------------------------------------------------
    def _on_scenario_loaded(self) -> None:
        self._sticky = None
        self.frames.forget()
        self.show_event(getattr(self.controller, "selected", -1))

    def _packet_index_for(self, i: int) -> int:
        """The PacketSent whose bytes belong to event ``i`` (itself, or the packet's
        last hop before a PacketReceived/PacketDropped), or -1."""
        trace = self.controller.trace
        e = trace[i]
        if isinstance(e, ev.PacketSent):
            return i
        if isinstance(e, (ev.PacketReceived, ev.PacketDropped)):
            for j in range(i - 1, max(-1, i - 20000), -1):
                s = trace[j]
                if isinstance(s, ev.PacketSent) and s.packet_id == e.packet_id:
                    return j
        return -1

    def _bytes_of(self, j: int) -> bytes:
        getter = getattr(self.controller, "packet_bytes", None)
        data = getter(j) if getter is not None else None
        if isinstance(data, (bytes, bytearray)):
            return bytes(data)
        return self.controller.trace[j].data

    def show_event(self, i: int) -> None:
        trace = self.controller.trace
        if i is None or i < 0 or i >= len(trace):
            self._shown, self._sent = None, None
            self._show_text("No event selected", "Select a packet in the event list, the "
                            "ladder diagram or on the canvas to see its layers and bytes.")
            return
        j = self._packet_index_for(i)
        self._shown = _Shown(i, j)
        if j < 0:
            self._sent = None
            title, text = describe_event(trace[i])
            self._show_text(title, text, trace[i])
            return
        self._sent = trace[j]
        self._load_packet(trace[i], self._sent, self._bytes_of(j))

    def _show_text(self, title: str, text: str, e: ev.Event | None = None) -> None:
        self._data = b""
        self._items = []
        self._field_range = None
        self.tree.clear()
        self.hex.set_data(b"")
        rows = ""
        if e is not None:
            rows = "".join(
                f"<tr><td style='color:gray;padding-right:12px'>{html.escape(str(k))}</td>"
                f"<td><code>{html.escape(field_text(v))}</code></td></tr>"
                for k, v in e.to_json().items() if k != "type")
            rows = f"<table style='margin-top:8px'>{rows}</table>"
        when = f" at t = {e.t:.6f} s" if e is not None else ""
        self.description.setHtml(
            f"<h3 style='margin-bottom:2px'>{html.escape(title)}</h3>"
            f"<div style='color:gray'>{html.escape(e.type + when) if e else ''}</div>"
            f"<p style='font-size:large'>{html.escape(text)}</p>{rows}")
        self.stack.setCurrentWidget(self.description)

    def _header_html(self, selected: ev.Event, sent: ev.PacketSent, data: bytes) -> str:
        swatch = (f"<span style='background:{kind_hex(sent.kind)};color:white;"
                  f"font-weight:bold'>&nbsp;{html.escape(kind_glyph(sent.kind))}&nbsp;</span>")
        tunnel = f", tunnelled (depth {sent.tunnel_depth})" if sent.tunnel_depth else ""
        frame = self.frames.of(self._shown.packet_index) if self._shown is not None else None
        number = (f"Frame {frame} (packet #{sent.packet_id})" if frame
                  else f"Packet #{sent.packet_id}")
        line1 = (f"<b>{number}, hop {html.escape(sent.node)} -&gt; "
                 f"{html.escape(sent.to_node)} on link {html.escape(sent.link)}, "
                 f"t = {sent.t:.6f} s, {len(data)} bytes, {html.escape(sent.kind)}</b>"
                 f"{tunnel}")
        extra = ""
        if isinstance(selected, ev.PacketDropped):
            extra = (f"<br><span style='color:#E0001B;font-weight:bold'>&#x2716; dropped at "
                     f"{html.escape(selected.node)} (t = {selected.t:.6f} s): "
                     f"{html.escape(selected.reason)}</span>")
        elif isinstance(selected, ev.PacketReceived):
            extra = (f"<br>Received and processed by {html.escape(selected.node)} "
                     f"at t = {selected.t:.6f} s")
        why = html.escape(sent.summary) + (
            f" <span style='color:gray'>({html.escape(sent.rfc)})</span>" if sent.rfc else "")
        return f"{swatch} {line1}<br>{why}{extra}"

    def _load_packet(self, selected: ev.Event, sent: ev.PacketSent, data: bytes) -> None:
        from hmipviz.wire.codec import dissect  # lazy: loaded on first inspection (no scapy)

        self._data = data
        self.header.setText(self._header_html(selected, sent, data))
        self.hex.set_data(data)
        self._field_range = None
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items = []
        bold = QFont(self.tree.font())
        bold.setBold(True)

        def add(parent, node) -> None:
            item = QTreeWidgetItem(parent, [node.label, self._range_text(node.start, node.end)])
            item.setData(0, _ROLE_RANGE, (node.start, node.end))
            item.setData(0, _ROLE_KEY, node.key)
            where = self._range_text(node.start, node.end, True)
            item.setToolTip(0, f"{node.label}\n{node.key}, {where}")
            self._items.append(item)
            for child in node.children:
                add(item, child)

        for layer in dissect(data):
            add(self.tree, layer)
        for k in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(k)
            assert top is not None  # k < topLevelItemCount()
            top.setFont(0, bold)
            if top.data(0, _ROLE_KEY) == "malformed":
                top.setForeground(0, QColor("#E0001B"))
        self.tree.expandAll()
        self.tree.blockSignals(False)
        self.stack.setCurrentIndex(0)
        if not self._user_split:
            # the packet page may have been resized while hidden behind a description
            QTimer.singleShot(0, self._fit_hex)
        if self._sticky is not None and self._find(*self._sticky) is not None:
            self.select_field(*self._sticky)
        else:
            # Qt takes None for "no current item" (and emits currentItemChanged with it);
            # the PySide6 stubs declare the item as required
            self.tree.setCurrentItem(None)  # type: ignore[call-overload]
            self.tree.scrollToTop()
            self.hex.set_highlight(None)

    @staticmethod
    def _range_text(start: int, end: int, long: bool = False) -> str:
        n = end - start
        if n <= 0:
            return "" if not long else "no bytes"
        if long:
            return f"bytes {start}..{end - 1} ({n} byte{'s' if n != 1 else ''})"
        return f"{start}" if n == 1 else f"{start}\N{EN DASH}{end - 1}"  # a range: an en dash

    # --- selection between tree and bytes ----------------------------------------
    def _on_current_item(self, item: QTreeWidgetItem | None, _prev=None) -> None:
        if item is None:
            self._field_range = None
            self.hex.set_highlight(None)
            return
        start, end = item.data(0, _ROLE_RANGE)
        top = item
        while (parent := top.parent()) is not None:
            top = parent
        layer = top.data(0, _ROLE_RANGE) if top is not item else None
        self._field_range = (start, end)
        self.hex.set_highlight((start, end), layer)
        key = item.data(0, _ROLE_KEY)
        same = [it for it in self._items if it.data(0, _ROLE_KEY) == key]
        self._sticky = (key, same.index(item))
        self.fieldSelected.emit(key, start, end)

    def _find(self, key: str, nth: int = 0) -> QTreeWidgetItem | None:
        same = [it for it in self._items if it.data(0, _ROLE_KEY) == key]
        return same[nth] if 0 <= nth < len(same) else None

    def tree_keys(self) -> list[str]:
        """Every field key in the tree, in tree order (repeats for tunnels' inner headers)."""
        return [it.data(0, _ROLE_KEY) for it in self._items]

    def tree_labels(self) -> list[str]:
        return [it.text(0) for it in self._items]

    def select_field(self, key: str, nth: int = 0) -> bool:
        """Select the ``nth`` field with this key (0: outermost); False if there is none.

        ``key`` is Wireshark's field name; a key from before the rename still works."""
        from hmipviz.wire.keys import new_key  # no scapy: a plain table
        item = self._find(new_key(key), nth)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return True

    def selected_field_key(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, _ROLE_KEY) if item is not None else None

    def highlighted_range(self) -> tuple[int, int] | None:
        """(start, end) of the highlighted bytes, end exclusive; None if nothing is."""
        return self._field_range

    def field_at(self, offset: int) -> QTreeWidgetItem | None:
        """The innermost, narrowest field covering byte ``offset``."""
        best, best_key = None, None
        for it in self._items:
            start, end = it.data(0, _ROLE_RANGE)
            if start <= offset < end:
                depth = 0
                p = it.parent()
                while p is not None:
                    depth += 1
                    p = p.parent()
                key = (-depth, end - start)
                if best_key is None or key < best_key:
                    best, best_key = it, key
        return best

    def click_byte(self, offset: int) -> str | None:
        """Select the innermost field containing byte ``offset``; return its key."""
        item = self.field_at(offset)
        if item is None:
            return None
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        return item.data(0, _ROLE_KEY)

    # --- actions ------------------------------------------------------------------
    def current_bytes(self) -> bytes:
        return self._data

    def copy_hex(self, field_only: bool = False) -> str:
        data = self._data
        if field_only and self._field_range is not None:
            data = data[self._field_range[0]:self._field_range[1]]
        text = data.hex()
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def _copy_dump(self) -> None:
        if self._data:
            QGuiApplication.clipboard().setText(hex_dump(self._data))

    def save_pcapng(self, path: str | os.PathLike[str]) -> int:
        """Write the shown packet (one record, on its link, at its time) as pcapng."""
        if self._sent is None:
            raise ValueError("no packet is shown")
        from hmipviz.wire.capture import CaptureRecord, write_pcapng  # lazy: first export

        sent = self._sent
        comment = f"#{sent.packet_id} {sent.kind}: {sent.summary}" + (
            f" ({sent.rfc})" if sent.rfc else "")
        record = CaptureRecord(sent.t, sent.link, sent.node, sent.to_node, self._data, comment)
        return write_pcapng(path, [record])

    def _save_dialog(self) -> None:
        if self._sent is None:
            return
        name = f"packet-{self._sent.packet_id}-{self._sent.kind.replace(' ', '-')}.pcapng"
        path, _ = QFileDialog.getSaveFileName(self, "Save packet as pcapng",
                                              export_start(name), "pcapng capture (*.pcapng)")
        if not path:
            return
        try:
            self.save_pcapng(path)
        except OSError as exc:
            QMessageBox.warning(self, "Could not save the packet",
                                f"Could not write {path}: {exc.strerror or exc}.\n"
                                "Choose another folder or file name.")
            return
        remember_export(path)

    def _tree_menu(self, pos: QPoint) -> None:
        if not self._data:
            return
        menu = QMenu(self)
        menu.addAction("Copy field bytes as hex", lambda: self.copy_hex(field_only=True)) \
            .setEnabled(self._field_range is not None)
        item = self.tree.itemAt(pos)
        if item is not None:
            menu.addAction("Copy field text",
                           lambda: QGuiApplication.clipboard().setText(item.text(0)))
        menu.addSeparator()
        menu.addAction("Expand all", self.tree.expandAll)
        menu.addAction("Collapse all", self.tree.collapseAll)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _hex_menu(self, pos: QPoint) -> None:
        if not self._data:
            return
        menu = QMenu(self)
        menu.addAction("Copy as hex stream", self.copy_hex)
        menu.addAction("Copy as hex dump", self._copy_dump)
        menu.addAction("Copy field bytes as hex", lambda: self.copy_hex(field_only=True)) \
            .setEnabled(self._field_range is not None)
        menu.exec(self.hex.viewport().mapToGlobal(pos))

    # --- layout -------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wanted = (Qt.Orientation.Horizontal if event.size().width() >= _SIDE_BY_SIDE_MIN_WIDTH
                  else Qt.Orientation.Vertical)
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
            self._user_split = False
        if not self._user_split:
            self._fit_hex()  # until the user drags the splitter, keep the proportions

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self._fit_hex()

    def _fit_hex(self) -> None:
        """Give the hex view what it needs (its width, or ~8 lines) and the tree the rest."""
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        if self.splitter.orientation() == Qt.Orientation.Horizontal:
            want = self.hex.sizeHint().width()
        else:
            want = self.hex.fontMetrics().lineSpacing() * 7 + 16
        # stacked, the field tree is what people read first: it keeps 60 % or more
        want = min(want, total * 2 // 5)
        self.splitter.setSizes([total - want, want])


__all__ = ["QtPacketInspector", "HexView", "hex_dump", "describe_event", "FIELD_HIGHLIGHT"]
