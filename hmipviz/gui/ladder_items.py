"""The sequence diagram's painting: a row (an arrow in the kind's colour, dashed when
tunnelled, or a red cross for a drop, with its time in the margin; :func:`paint_row`),
the graphics item that shows one row in the view (only rows near the viewport get one),
the scene that draws the lifelines, the view that turns a click into a row, and the
header with the node names and icons. What the rows are comes from
:mod:`hmipviz.gui.ladder_model`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsScene, QGraphicsView, QWidget

from hmipviz.engine import describe
from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.gui.ladder_model import GUTTER, HEADER_H, ROW_H, LadderRow
from hmipviz.gui.palette import CROSS_RED, kind_color, kind_dashed

if TYPE_CHECKING:
    from hmipviz.gui.ladder import QtLadder

_icon_cache: dict[str, object] = {}


def icon_renderer(role: str):
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


def text_color() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.Text)


def mid_color() -> QColor:
    c = QColor(text_color())
    c.setAlpha(110)
    return c


class RowItem(QGraphicsItem):
    """One row: an arrow (PacketSent) or a cross (PacketDropped), plus its time. Only
    the rows in and near the viewport have one (see QtLadder._realize)."""

    def __init__(self, ladder: QtLadder, model: LadderRow) -> None:
        super().__init__()
        self.ladder, self.model = ladder, model
        self.index, self.event = model.index, model.event
        self.row, self.x1, self.x2, self.gap = model.row, model.x1, model.x2, model.gap
        self.top = model.top  # kept in Python: readable even after the scene is gone
        event = model.event
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

    @property
    def selected(self) -> bool:
        return self.ladder.selected_row() is self.model

    def paint(self, p: QPainter, _option, _widget=None) -> None:
        paint_row(self.ladder, p, self.model, self.selected)


def paint_row(ladder: QtLadder, p: QPainter, row: LadderRow, selected: bool) -> None:
    """Paint one row with its top at y = 0: the view's items and the exports (which
    paint every row without items) share it."""
    width = ladder.scene_width()
    text = text_color()
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    selected = selected and not ladder._exporting
    if ladder.is_future(row.index):
        p.setOpacity(0.28)  # known future (after a step back): faded
    if selected:
        band = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
        band.setAlpha(60)
        p.fillRect(QRectF(0, 0, width, ROW_H), band)
    if row.gap is not None:
        p.setPen(QPen(mid_color(), 1, Qt.PenStyle.DotLine))
        p.drawLine(QPointF(0, 0.5), QPointF(width, 0.5))
    e = row.event
    y = ROW_H * 0.64
    # time in the margin: dark after a quiet gap, grey within a burst
    p.setFont(ladder.time_font)
    p.setPen(text if row.gap is not None or selected else mid_color())
    p.drawText(QRectF(2, 0, GUTTER - 10, ROW_H), Qt.AlignmentFlag.AlignRight |
               Qt.AlignmentFlag.AlignVCenter, f"{e.t:.3f} s")
    p.setFont(ladder.label_font)
    fm = QFontMetricsF(p.font())
    if isinstance(e, PacketDropped):  # a drop: a red cross on the lifeline, and why
        s = 6.0
        p.setPen(QPen(QColor(CROSS_RED), 3.2 if selected else 2.4))
        p.drawLine(QPointF(row.x1 - s, y - s), QPointF(row.x1 + s, y + s))
        p.drawLine(QPointF(row.x1 - s, y + s), QPointF(row.x1 + s, y - s))
        label = f"{e.kind} #{e.packet_id} dropped: {e.reason}"
        right_room = width - row.x1 - 16
        left_room = row.x1 - GUTTER - 16
        if right_room >= min(fm.horizontalAdvance(label), 260) or right_room >= left_room:
            box = QRectF(row.x1 + 12, 0, right_room, ROW_H)
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
    if row.x2 is None:  # a hop always has its second lifeline
        return
    color = kind_color(e.kind)
    pen = QPen(color, 3.4 if selected else 2.2)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if kind_dashed(e.kind, e.tunnel_depth):
        pen.setStyle(Qt.PenStyle.DashLine)
    x1, x2 = row.x1, row.x2
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


class LadderScene(QGraphicsScene):
    def __init__(self, ladder: QtLadder) -> None:
        super().__init__()
        self.ladder = ladder

    def drawBackground(self, p: QPainter, rect: QRectF | QRect) -> None:
        p.fillRect(rect, QApplication.palette().color(QPalette.ColorRole.Base))
        pen = QPen(mid_color(), 1.2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        top, bottom = max(rect.top(), 0.0), rect.bottom()
        for x in self.ladder.lifeline_xs():
            if rect.left() - 2 <= x <= rect.right() + 2:
                p.drawLine(QPointF(x, top), QPointF(x, bottom))


class LadderView(QGraphicsView):
    rowClicked = Signal(int)
    resized = Signal()  # the ladder gives items to the rows now in view

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setRenderHints(QPainter.RenderHint.Antialiasing |
                            QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAccessibleName("Ladder diagram")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            item = self.itemAt(event.position().toPoint())
            if isinstance(item, RowItem):
                self.rowClicked.emit(item.index)
                event.accept()
                return
        super().mousePressEvent(event)


class LadderHeader(QWidget):
    """Node names and icons above the lifelines; stays put while the diagram scrolls."""

    def __init__(self, ladder: QtLadder) -> None:
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


__all__ = ["RowItem", "paint_row", "LadderScene", "LadderView", "LadderHeader", "icon_renderer",
           "text_color", "mid_color"]
