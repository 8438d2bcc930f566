"""The sequence (ladder) diagram: one lifeline per node, one arrow per packet hop.

``QtLadder(controller)`` draws every ``PacketSent`` up to ``controller.position`` as a
horizontal arrow from the sender's lifeline to the receiver's, one row per hop in trace
(time) order, coloured and labelled by kind (tunnelled hops dashed), and every
``PacketDropped`` as a red cross on the lifeline of the node where it was lost.
Rows are evenly spaced (a handover takes milliseconds, the gaps between them seconds),
so the time of each row is written in the left margin, and a dotted rule marks
quiet gaps. Clicking a row selects that event; a selection made elsewhere is
highlighted and scrolled into view.

Rows beyond the position (the future already simulated, seen after a step back or a
click on an earlier row) stay on screen, faded, and are left out of the exports.
Rows are added as the trace grows and removed only when a new branch discards the
future; a position change repaints just the rows it crossed. While the widget is
hidden (another dock tab in front) it only remembers that it is out of date.

Exports paint the rows directly rather than through QGraphicsScene.render(): in
PySide6 6.12 on Python 3.11 that call drops a reference to None per call.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz.fileio import atomic_path
from hmipviz.engine import describe
from hmipviz.engine.events import PacketDropped, PacketReceived, PacketSent
from hmipviz.gui.palette import CROSS_RED, kind_color, kind_dashed

ROLE_ORDER = {"mn": 0, "ar": 1, "map": 2, "router": 3, "ha": 4, "cn": 5, "host": 6}
COL_W = 124.0  # distance between lifelines
GUTTER = 96.0  # time column on the left
ROW_H = 28.0
HEADER_H = 58.0
GAP_S = 0.5  # a quiet gap longer than this gets a dotted rule
MAX_PNG_SIDE = 30000


def lifeline_order(scenario) -> list[tuple[str, str]]:
    """(name, role) of every node: MN, ARs, MAPs, routers, HA, CN, hosts; file order within."""
    nodes = list(getattr(scenario, "nodes", ()))
    ranked = sorted(enumerate(nodes), key=lambda p: (ROLE_ORDER.get(p[1].role, 9), p[0]))
    return [(n.name, n.role) for _, n in ranked]


_icon_cache: dict[str, object] = {}


def _icon(role: str):
    """The node's SVG icon renderer (assets/icons/<role>.svg), or None."""
    if role not in _icon_cache:
        renderer = None
        try:
            from PySide6.QtSvg import QSvgRenderer

            from hmipviz.resources import assets_dir
            path = assets_dir() / "icons" / f"{role}.svg"
            if path.is_file():
                r = QSvgRenderer(str(path))
                renderer = r if r.isValid() else None
        except Exception:  # an icon is decoration; never fail over one
            renderer = None
        _icon_cache[role] = renderer
    return _icon_cache[role]


def _text_color() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.Text)


def _mid_color() -> QColor:
    c = QColor(_text_color())
    c.setAlpha(110)
    return c


class _Row(QGraphicsItem):
    """One row: an arrow (PacketSent) or a cross (PacketDropped), plus its time."""

    def __init__(self, ladder: "QtLadder", index: int, event, row: int, x1: float,
                 x2: float | None, gap: float | None) -> None:
        super().__init__()
        self.ladder, self.index, self.event = ladder, index, event
        self.row, self.x1, self.x2, self.gap = row, x1, x2, gap
        self.top = row * ROW_H  # kept in Python: readable even after the scene is gone
        self.selected = False
        self.setPos(0, self.top)
        self.setAcceptHoverEvents(False)
        if isinstance(event, PacketSent):
            tip = (f"#{event.packet_id} {event.kind}: {event.node} -> {event.to_node} on "
                   f"{event.link}, t = {event.t:.6f} s, {len(event.data)} bytes\n{event.summary}"
                   + (f" ({event.rfc})" if event.rfc else ""))
        else:
            tip = (f"#{event.packet_id} {event.kind} dropped at {event.node}, "
                   f"t = {event.t:.6f} s: {event.reason}")
        self.setToolTip(tip)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.ladder.scene_width(), ROW_H)

    def paint(self, p: QPainter, _option, _widget=None) -> None:
        width = self.ladder.scene_width()
        text = _text_color()
        base = QApplication.palette().color(QPalette.ColorRole.Base)
        selected = self.selected and not self.ladder._exporting
        if self.ladder.is_future(self.index):
            p.setOpacity(0.28)  # known future (after a step back): faded
        if selected:
            band = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
            band.setAlpha(60)
            p.fillRect(QRectF(0, 0, width, ROW_H), band)
        if self.gap is not None:
            p.setPen(QPen(_mid_color(), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(0, 0.5), QPointF(width, 0.5))
        e = self.event
        y = ROW_H * 0.64
        # time in the margin: dark after a quiet gap, grey within a burst
        p.setFont(self.ladder.time_font)
        p.setPen(text if self.gap is not None or selected else _mid_color())
        p.drawText(QRectF(2, 0, GUTTER - 10, ROW_H), Qt.AlignmentFlag.AlignRight |
                   Qt.AlignmentFlag.AlignVCenter, f"{e.t:.3f} s")
        p.setFont(self.ladder.label_font)
        fm = QFontMetricsF(p.font())
        if self.x2 is None:  # a drop: a red cross on the lifeline, and why
            s = 6.0
            p.setPen(QPen(QColor(CROSS_RED), 3.2 if selected else 2.4))
            p.drawLine(QPointF(self.x1 - s, y - s), QPointF(self.x1 + s, y + s))
            p.drawLine(QPointF(self.x1 - s, y + s), QPointF(self.x1 + s, y - s))
            label = f"{e.kind} #{e.packet_id} dropped: {e.reason}"
            right_room = width - self.x1 - 16
            left_room = self.x1 - GUTTER - 16
            if right_room >= min(fm.horizontalAdvance(label), 260) or right_room >= left_room:
                box = QRectF(self.x1 + 12, 0, right_room, ROW_H)
                align = Qt.AlignmentFlag.AlignLeft
            else:
                box = QRectF(GUTTER + 4, 0, left_room, ROW_H)
                align = Qt.AlignmentFlag.AlignRight
            label = fm.elidedText(label, Qt.TextElideMode.ElideRight, box.width())
            tw = fm.horizontalAdvance(label)
            bx = box.left() if align == Qt.AlignmentFlag.AlignLeft else box.right() - tw
            p.fillRect(QRectF(bx - 2, ROW_H / 2 - fm.height() / 2, tw + 4, fm.height()), base)
            p.setPen(QColor(CROSS_RED))
            p.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, label)
            return
        color = kind_color(e.kind)
        pen = QPen(color, 3.4 if selected else 2.2)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if kind_dashed(e.kind, e.tunnel_depth):
            pen.setStyle(Qt.PenStyle.DashLine)
        x1, x2 = self.x1, self.x2
        direction = 1.0 if x2 >= x1 else -1.0
        head = 10.0
        p.setPen(pen)
        p.drawLine(QPointF(x1, y), QPointF(x2 - direction * head, y))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawPolygon(QPolygonF([QPointF(x2, y), QPointF(x2 - direction * head, y - 5),
                                 QPointF(x2 - direction * head, y + 5)]))
        # label above the arrow's middle, on a background patch so lifelines do not
        # strike through it, in a darker shade of the kind's colour
        label = e.kind + (" (tunnelled)" if e.tunnel_depth else "")
        span = abs(x2 - x1) - 8
        if fm.horizontalAdvance(label) > span:
            label = e.kind
        label = fm.elidedText(label, Qt.TextElideMode.ElideRight, max(span, 40.0))
        tw = fm.horizontalAdvance(label)
        cx = (x1 + x2) / 2
        top = y - 3 - fm.height()
        patch = QRectF(cx - tw / 2 - 3, top, tw + 6, fm.height())
        p.fillRect(patch, base)
        if selected:  # keep the selection band continuous behind the label
            band = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
            band.setAlpha(60)
            p.fillRect(patch, band)
        if e.kind == describe.OTHER:
            p.setPen(text)
        else:  # a shade of the kind's colour that reads on the background
            p.setPen(color.darker(140) if base.lightness() >= 128 else color.lighter(125))
        if selected:
            bold = QFont(p.font())
            bold.setBold(True)
            p.setFont(bold)
        p.drawText(QRectF(cx - tw / 2 - 20, top, tw + 40, fm.height()),
                   Qt.AlignmentFlag.AlignCenter, label)


class _LadderScene(QGraphicsScene):
    def __init__(self, ladder: "QtLadder") -> None:
        super().__init__()
        self.ladder = ladder

    def drawBackground(self, p: QPainter, rect: QRectF) -> None:
        p.fillRect(rect, QApplication.palette().color(QPalette.ColorRole.Base))
        pen = QPen(_mid_color(), 1.2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        top, bottom = max(rect.top(), 0.0), rect.bottom()
        for x in self.ladder.lifeline_xs():
            if rect.left() - 2 <= x <= rect.right() + 2:
                p.drawLine(QPointF(x, top), QPointF(x, bottom))


class _LadderView(QGraphicsView):
    rowClicked = Signal(int)

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setRenderHints(QPainter.RenderHint.Antialiasing |
                            QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAccessibleName("Ladder diagram")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.position().toPoint())
            if isinstance(item, _Row):
                self.rowClicked.emit(item.index)
                event.accept()
                return
        super().mousePressEvent(event)


class _Header(QWidget):
    """Node names and icons above the lifelines; stays put while the diagram scrolls."""

    def __init__(self, ladder: "QtLadder") -> None:
        super().__init__()
        self.ladder = ladder
        self.setFixedHeight(int(HEADER_H))
        self.setAccessibleName("Ladder lifeline names")

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        view = self.ladder.view
        dx = view.mapFromScene(QPointF(0, 0)).x() + view.viewport().x() + view.x() - self.x()
        self.ladder.paint_header(p, dx, self.width())
        p.end()


class QtLadder(QWidget):
    """Sequence diagram of the trace up to the controller's position.

    Construct with the controller; it connects ``scenarioLoaded``, ``traceExtended``,
    ``positionChanged`` and ``selectionChanged`` itself. Clicking a row calls
    ``controller.select(index)``. Exports: :meth:`export_svg`, :meth:`export_png`.
    """

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("ladder")
        self.setAccessibleName("Sequence diagram")
        self.show_data = True
        self.show_ra = True
        self.show_forwarding = True
        self._nodes: list[tuple[str, str]] = []
        self._x: dict[str, float] = {}
        self._rows: list[_Row] = []
        self._row_idx: list[int] = []  # trace index of each row (sorted), for bisect
        self._pos = -1  # the controller's position as last drawn
        self._programmatic = False
        self._by_index: dict[int, _Row] = {}
        self._last_hop: dict[int, _Row] = {}  # packet id -> its latest shown row
        self._upto = -1  # last trace index examined
        self._upto_event = None
        self._selected_row: _Row | None = None
        self._dirty = True
        self._follow = True
        self._exporting = False

        self.time_font = QFont(self.font())
        self.time_font.setStyleHint(QFont.StyleHint.Monospace)
        self.time_font.setFamily("monospace")
        self.time_font.setPointSizeF(max(7.5, self.font().pointSizeF() - 1))
        self.label_font = QFont(self.font())
        self.name_font = QFont(self.font())
        self.name_font.setBold(True)

        self.scene = _LadderScene(self)
        self.view = _LadderView(self.scene)
        self.view.rowClicked.connect(self._row_clicked)
        self.view.horizontalScrollBar().valueChanged.connect(self._hscrolled)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.header = _Header(self)

        self.data_box = QCheckBox("Data packets")
        self.data_box.setChecked(True)
        self.data_box.setToolTip("Show data packets (uncheck to let the signalling stand out)")
        self.data_box.toggled.connect(lambda on: self.set_filters(show_data=on))
        self.ra_box = QCheckBox("RS / RA")
        self.ra_box.setChecked(True)
        self.ra_box.setToolTip("Show Router Solicitations and Advertisements")
        self.ra_box.toggled.connect(lambda on: self.set_filters(show_ra=on))
        self.hops_box = QCheckBox("Forwarding hops")
        self.hops_box.setChecked(True)
        self.hops_box.setToolTip("Show every hop; uncheck to see only where each packet was "
                                 "sent or re-encapsulated")
        self.hops_box.toggled.connect(lambda on: self.set_filters(show_forwarding=on))
        self.export_button = QToolButton(text="Export…")
        self.export_button.setToolTip("Save the diagram as SVG or PNG")
        self.export_button.clicked.connect(self._export_dialog)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Ladder arrow count")

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.data_box)
        bar.addWidget(self.ra_box)
        bar.addWidget(self.hops_box)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)

        controller.scenarioLoaded.connect(self._on_scenario_loaded)
        controller.traceExtended.connect(self._on_trace)
        controller.positionChanged.connect(self._on_trace)
        controller.selectionChanged.connect(self._on_selection)
        truncated = getattr(controller, "traceTruncated", None)
        if truncated is not None:
            truncated.connect(self._on_trace)
        self._on_scenario_loaded()

    def sizeHint(self) -> QSize:
        return QSize(900, 420)

    # --- geometry ------------------------------------------------------------------
    def lifeline_xs(self) -> list[float]:
        return list(self._x.values())

    def lifeline_x(self, name: str) -> float | None:
        return self._x.get(name)

    def scene_width(self) -> float:
        return GUTTER + COL_W * max(1, len(self._nodes)) + 40

    def _set_nodes(self) -> None:
        self._nodes = lifeline_order(getattr(self.controller, "scenario", None))
        self._x = {name: GUTTER + COL_W * (k + 0.5) for k, (name, _r) in enumerate(self._nodes)}

    def _ensure_node(self, name: str) -> float:
        if name not in self._x:  # a node the scenario did not list: give it a lifeline
            self._nodes.append((name, "host"))
            self._x[name] = GUTTER + COL_W * (len(self._nodes) - 0.5)
            self.header.update()
        return self._x[name]

    def paint_header(self, p: QPainter, dx: float, width: float) -> None:
        """Names and icons at the lifelines' x (scene x + dx); shared with the exports."""
        pal = QApplication.palette()
        p.fillRect(QRectF(0, 0, width, HEADER_H), pal.color(QPalette.ColorRole.Window))
        p.setPen(QPen(_mid_color(), 1))
        p.drawLine(QPointF(0, HEADER_H - 0.5), QPointF(width, HEADER_H - 0.5))
        p.setFont(self.time_font)
        p.setPen(_text_color())
        p.drawText(QRectF(0, 0, GUTTER + dx - 10, HEADER_H - 4),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "time")
        p.setFont(self.name_font)
        icon = 28.0
        for name, role in self._nodes:
            x = self._x[name] + dx
            if x < -COL_W or x > width + COL_W:
                continue
            renderer = _icon(role)
            if renderer is not None:
                renderer.render(p, QRectF(x - icon / 2, 4, icon, icon))
            p.setPen(_text_color())
            p.drawText(QRectF(x - COL_W / 2, 4 + icon, COL_W, HEADER_H - icon - 6),
                       Qt.AlignmentFlag.AlignCenter, name)

    # --- following the controller --------------------------------------------------
    def _on_scenario_loaded(self) -> None:
        self._set_nodes()
        self._clear()
        self.header.update()
        self._on_trace()

    def _clear(self) -> None:
        self._rows.clear()
        self._row_idx.clear()
        self._by_index.clear()
        self._last_hop.clear()
        self._selected_row = None
        self._upto, self._upto_event = -1, None
        self._pos = -1
        self._follow = True
        self._programmatic = True
        try:
            self.scene.clear()
            self._update_rect()
        finally:
            self._programmatic = False

    def _on_trace(self, *_args) -> None:
        if self.isVisible():
            self._sync()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._sync()

    def _visible(self, e) -> bool:
        """Arrows and drops pass the kind filters; forwarding hops their own."""
        if not isinstance(e, (PacketSent, PacketDropped)):
            return False
        if not self.show_data and e.kind == describe.DATA:
            return False
        if not self.show_ra and e.kind in (describe.RA, describe.RS):
            return False
        if not self.show_forwarding and isinstance(e, PacketSent) and not e.origin:
            return False
        return True

    def _sync(self) -> None:
        """Catch up with the trace and the position, touching only the difference.

        Rows exist for the whole known trace; those after the position (the future
        seen before a step back) are drawn faded and are not part of the exports.
        After a new branch, only the rows of the discarded future are removed.
        """
        self._dirty = False
        trace = self.controller.trace
        n = len(trace)
        if self._upto >= 0 and (self._upto >= n or trace[self._upto] is not self._upto_event):
            # a branch cut the trace (and maybe grew it again): drop the rows whose
            # events are gone, keep the common past
            keep = len(self._rows)
            while keep and (self._rows[keep - 1].index >= n or
                            trace[self._rows[keep - 1].index] is not self._rows[keep - 1].event):
                keep -= 1
            self._remove_from(keep)
            last = self._rows[-1].index if self._rows else -1
            self._upto, self._upto_event = last, (trace[last] if last >= 0 else None)
        for i in range(self._upto + 1, n):
            e = trace[i]
            if self._visible(e):
                self._add(i, e)
        self._upto = n - 1
        self._upto_event = trace[-1] if n else None
        pos = min(int(getattr(self.controller, "position", n - 1)), n - 1)
        if pos != self._pos:
            lo, hi = sorted((pos, self._pos))
            a = bisect.bisect_right(self._row_idx, lo)
            b = bisect.bisect_right(self._row_idx, hi)
            for row in self._rows[a:b]:  # rows that crossed the present
                row.update()
            self._pos = pos
        self._update_rect()
        shown = bisect.bisect_right(self._row_idx, pos)
        ahead = len(self._rows) - shown
        self.count_label.setText(f"{shown} rows" + (f" (+{ahead} ahead)" if ahead else ""))
        if self._follow and shown:
            self._scroll_to(self._rows[shown - 1])
        sel = getattr(self.controller, "selected", -1)
        if self._selected_row is None and sel is not None and sel >= 0:
            self._highlight(sel, scroll=False)

    def _scroll_to(self, row: "_Row") -> None:
        self._programmatic = True
        try:
            self.view.ensureVisible(QRectF(GUTTER, row.top, 10, ROW_H), 40, int(ROW_H * 2))
        finally:
            self._programmatic = False

    def is_future(self, index: int) -> bool:
        return index > self._pos

    def _add(self, i: int, e) -> None:
        prev = self._rows[-1].event if self._rows else None
        gap = (e.t - prev.t) if prev is not None and e.t - prev.t > GAP_S else None
        if isinstance(e, PacketSent):
            x1, x2 = self._ensure_node(e.node), self._ensure_node(e.to_node)
        else:
            x1, x2 = self._ensure_node(e.node), None
        row = _Row(self, i, e, len(self._rows), x1, x2, gap)
        self.scene.addItem(row)
        self._rows.append(row)
        self._row_idx.append(i)
        self._by_index[i] = row
        if isinstance(e, PacketSent):
            self._last_hop[e.packet_id] = row

    def _remove_from(self, k: int) -> None:
        """Remove the rows from ``k`` on (a branch discarded their events), in time
        linear in the rows: one pass finds each cut packet's last remaining hop."""
        gone = self._rows[k:]
        if not gone:
            return
        del self._rows[k:]
        del self._row_idx[k:]
        cut: set[int] = set()
        for row in gone:
            self.scene.removeItem(row)
            self._by_index.pop(row.index, None)
            if row is self._selected_row:
                self._selected_row = None
            e = row.event
            if isinstance(e, PacketSent) and self._last_hop.get(e.packet_id) is row:
                del self._last_hop[e.packet_id]
                cut.add(e.packet_id)
        for r in reversed(self._rows):
            if not cut:
                break
            e = r.event
            if isinstance(e, PacketSent) and e.packet_id in cut:
                self._last_hop[e.packet_id] = r
                cut.discard(e.packet_id)

    def _update_rect(self) -> None:
        height = max(ROW_H * len(self._rows) + ROW_H, 100.0)
        self.scene.setSceneRect(QRectF(0, 0, self.scene_width(), height))
        self.view.resetCachedContent()

    def _hscrolled(self, _value: int) -> None:
        try:
            self.header.update()
        except RuntimeError:  # being destroyed
            pass

    def _scrolled(self, _value: int) -> None:
        """Follow the present while it is in view; stop when the user scrolls away."""
        if self._programmatic:
            return
        shown = bisect.bisect_right(self._row_idx, self._pos)
        if not shown:
            self._follow = True
            return
        row = self._rows[shown - 1]
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        self._follow = visible.top() - ROW_H <= row.top <= visible.bottom()

    def set_filters(self, *, show_data: bool | None = None, show_ra: bool | None = None,
                    show_forwarding: bool | None = None) -> None:
        """Show or hide data packets, RS/RA and forwarding hops, then rebuild."""
        for value, attr, box in ((show_data, "show_data", self.data_box),
                                 (show_ra, "show_ra", self.ra_box),
                                 (show_forwarding, "show_forwarding", self.hops_box)):
            if value is not None:
                setattr(self, attr, value)
                box.blockSignals(True)  # no second rebuild through toggled
                box.setChecked(value)
                box.blockSignals(False)
        self._clear()
        self._sync()
        sel = getattr(self.controller, "selected", -1)
        if sel is not None and sel >= 0:
            self._highlight(sel)

    # --- selection -----------------------------------------------------------------
    def _row_clicked(self, index: int) -> None:
        self.controller.select(index)

    def _row_for(self, i: int) -> _Row | None:
        row = self._by_index.get(i)
        if row is None and 0 <= i < len(self.controller.trace):
            e = self.controller.trace[i]
            if isinstance(e, PacketReceived):
                row = self._last_hop.get(e.packet_id)
        return row

    def _highlight(self, i: int, scroll: bool = True) -> None:
        if self._selected_row is not None:
            self._selected_row.selected = False
            self._selected_row.update()
            self._selected_row = None
        row = self._row_for(i) if i is not None and i >= 0 else None
        if row is None:
            return
        row.selected = True
        row.update()
        self._selected_row = row
        if scroll:
            self._scroll_to(row)

    def _on_selection(self, i: int) -> None:
        if self._dirty and self.isVisible():
            self._sync()
        self._highlight(i)

    # --- test hooks ----------------------------------------------------------------
    def sync(self) -> None:
        """Catch up now even if hidden (tests, exports)."""
        self._sync()

    def arrow_indices(self) -> list[int]:
        """Trace indices of the arrows (PacketSent rows) up to the position, in order."""
        return [r.index for r in self._rows if r.x2 is not None and r.index <= self._pos]

    def drop_indices(self) -> list[int]:
        """Trace indices of the drop crosses up to the position."""
        return [r.index for r in self._rows if r.x2 is None and r.index <= self._pos]

    def future_indices(self) -> list[int]:
        """Rows known beyond the position (after a step back), drawn faded."""
        return [r.index for r in self._rows if r.index > self._pos]

    def selected_index(self) -> int:
        return self._selected_row.index if self._selected_row is not None else -1

    def row_center(self, index: int) -> QPointF | None:
        """Scene point in the middle of the arrow for trace ``index`` (for clicking)."""
        row = self._by_index.get(index)
        if row is None:
            return None
        x = (row.x1 + row.x2) / 2 if row.x2 is not None else row.x1
        return QPointF(x, row.top + ROW_H * 0.64)

    def click_index(self, index: int) -> bool:
        """What a click on that arrow does (for keyboard users and tests)."""
        if index not in self._by_index:
            return False
        self._row_clicked(index)
        return True

    # --- export --------------------------------------------------------------------
    def _render(self, p: QPainter) -> None:
        """Header, lifelines and every row, painted directly.

        Not QGraphicsScene.render(): in PySide6 6.12 each call drops a reference to
        None too many (fatal "none_dealloc" at exit), so the rows paint themselves.
        """
        size = self._export_size()
        rect = QRectF(0, 0, size.width(), size.height() - HEADER_H)
        self.paint_header(p, 0.0, rect.width())
        p.save()
        p.translate(0, HEADER_H)
        p.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        self.scene.drawBackground(p, QRectF(0, 0, rect.width(), rect.height()))
        self._exporting = True
        try:
            for row in self._rows:
                if row.index > self._pos:
                    break
                p.save()
                p.translate(0, row.top)
                row.paint(p, None, None)
                p.restore()
        finally:
            self._exporting = False
            p.restore()

    def _export_size(self) -> QSize:
        shown = bisect.bisect_right(self._row_idx, self._pos)
        return QSize(int(self.scene_width()), int(ROW_H * (shown + 1) + HEADER_H))

    def export_svg(self, path: str | os.PathLike[str]) -> None:
        """The diagram as shown (same filters) as SVG; written to a temp name, then renamed."""
        from PySide6.QtSvg import QSvgGenerator

        self._sync()
        target = Path(path)
        size = self._export_size()
        scenario = getattr(self.controller, "scenario", None)
        with atomic_path(target) as tmp:
            gen = QSvgGenerator()
            gen.setFileName(str(tmp))
            gen.setSize(size)
            gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
            gen.setTitle(f"hmipviz sequence diagram: {getattr(scenario, 'name', '')}")
            gen.setDescription("Packet hops in time order, generated by hmipviz")
            p = QPainter()
            try:
                if not p.begin(gen):
                    raise OSError(f"cannot write {target}")
                p.setRenderHints(QPainter.RenderHint.Antialiasing
                                 | QPainter.RenderHint.TextAntialiasing)
                self._render(p)
            finally:
                if p.isActive():
                    p.end()
            if tmp.stat().st_size == 0:
                raise OSError(f"cannot write {target}")

    def export_png(self, path: str | os.PathLike[str], scale: float = 1.0) -> None:
        """The diagram as PNG; raises ValueError when it would be too tall (use SVG,
        or hide data packets)."""
        self._sync()
        target = Path(path)
        size = self._export_size()
        w, h = int(size.width() * scale), int(size.height() * scale)
        if max(w, h) > MAX_PNG_SIDE:
            raise ValueError(f"the diagram is {h} pixels tall, too big for a PNG: hide data "
                             "packets or export SVG instead")
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QApplication.palette().color(QPalette.ColorRole.Base))
        p = QPainter(image)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        p.scale(scale, scale)
        self._render(p)
        p.end()
        with atomic_path(target) as tmp:
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"cannot write {target}")

    def _export_dialog(self) -> None:
        scenario = getattr(self.controller, "scenario", None)
        name = f"{getattr(scenario, 'name', 'ladder')}-ladder.svg"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export sequence diagram", name, "SVG image (*.svg);;PNG image (*.png)")
        if not path:
            return
        try:
            if path.lower().endswith(".png") or (chosen.startswith("PNG") and
                                                 not path.lower().endswith(".svg")):
                self.export_png(path if path.lower().endswith(".png") else path + ".png")
            else:
                self.export_svg(path if path.lower().endswith(".svg") else path + ".svg")
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not export the diagram", str(exc))


__all__ = ["QtLadder", "lifeline_order"]
