"""The topology canvas's packet items: a token per hop in flight (colour, shape and
glyph by kind, dashed outline when tunnelled; it keeps its pixel size at any zoom) and a
red cross where a packet was dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from hmipviz.engine.events import PacketSent
from hmipviz.gui import theme

if TYPE_CHECKING:
    from hmipviz.gui.topology_view import QtTopologyView

TOKEN_W, TOKEN_H = 34.0, 18.0
BADGE_R = 7.5  # the MN badge on a token (several MNs), at scale 1


class TokenItem(QGraphicsItem):
    """One packet hop in flight: shape + colour + glyph; dashed when tunnelled."""

    def __init__(self, view: QtTopologyView, index: int, event: PacketSent) -> None:
        super().__init__()
        self.view = view
        self.index = index
        self.event = event
        self.selected = False
        self.color = theme.kind_color(event.kind)
        self.glyph = theme.kind_glyph(event.kind)
        self.shape_name = theme.kind_shape(event.kind)
        self.tunnelled = event.tunnel_depth > 0
        self.mn = ""  # several MNs: the MN this packet concerns, with its badge
        self.badge = ""
        self.mn_colour: QColor | None = None
        self.setZValue(20)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        delay = (event.arrive_t - event.t) * 1000
        self.setToolTip(f"<b>{event.kind}</b> {event.node} \u2192 {event.to_node} "
                        f"({delay:.3g} ms link)<br>{event.summary}"
                        + (f"<br><i>{event.rfc}</i>" if event.rfc else "")
                        + "<br><i>click to inspect</i>")

    def boundingRect(self) -> QRectF:
        s = theme.scale()
        w, h = TOKEN_W * s + 8, TOKEN_H * s + 8
        if self.mn_colour is not None:
            w, h = w + 2 * BADGE_R * s, h + 2 * BADGE_R * s
        return QRectF(-w / 2, -h / 2, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        s = theme.scale()
        w, h = TOKEN_W * s, TOKEN_H * s
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(self.color)
        outline = QPen(fill.darker(170) if not self.tunnelled else QColor("#202020"), 1.6)
        if self.tunnelled:
            outline.setStyle(Qt.PenStyle.DashLine)
            outline.setWidthF(2.0)
        if self.selected:
            painter.setPen(QPen(theme.HIGHLIGHT, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(-w / 2 - 3, -h / 2 - 3, w + 6, h + 6), 6, 6)
        painter.setPen(outline)
        painter.setBrush(fill)
        shape = self.shape_name
        if shape == theme.SHAPE_ENVELOPE:
            rect = QRectF(-w / 2, -h / 2, w, h)
            painter.drawRect(rect)
            flap = QPen(fill.darker(150), 1)
            painter.setPen(flap)
            painter.drawPolyline(QPolygonF([rect.topLeft(), QPointF(0, 1.5), rect.topRight()]))
        elif shape == theme.SHAPE_DIAMOND:
            painter.drawPolygon(QPolygonF([QPointF(0, -h / 2 - 3), QPointF(w / 2 + 2, 0),
                                           QPointF(0, h / 2 + 3), QPointF(-w / 2 - 2, 0)]))
        elif shape == theme.SHAPE_DOT:
            d = h * 0.95
            painter.drawEllipse(QRectF(-d / 2, -d / 2, d, d))
        elif shape == theme.SHAPE_CROSS:
            painter.setBrush(QColor("black"))
            painter.drawRect(QRectF(-w / 2, -h / 2, w, h))
        else:
            painter.drawRoundedRect(QRectF(-w / 2, -h / 2, w, h), h / 2, h / 2)
        if shape != theme.SHAPE_DOT:  # the green dot needs no text; "D" would be noise
            painter.setPen(QColor("white") if fill.lightness() < 150 else QColor("#111111"))
            painter.setFont(self.view.token_font)
            painter.drawText(QRectF(-w / 2, -h / 2, w, h), Qt.AlignmentFlag.AlignCenter,
                             self.glyph)
        if self.mn_colour is not None:
            # the MN's badge at the token's top-right corner, as on the MN itself
            b = BADGE_R * s
            centre = QPointF(w / 2 - 1, -h / 2 + 1)
            painter.setPen(QPen(QColor("white"), 1.2))
            painter.setBrush(self.mn_colour)
            painter.drawEllipse(centre, b, b)
            painter.setFont(self.view.badge_font)
            painter.drawText(QRectF(centre.x() - b, centre.y() - b, 2 * b, 2 * b),
                             Qt.AlignmentFlag.AlignCenter, self.badge)

    def set_mn(self, mn: str, badge: str, colour: QColor) -> None:
        """Several MNs: mark the token with its MN's badge."""
        if (mn, badge) != (self.mn, self.badge):
            self.prepareGeometryChange()
            self.mn, self.badge, self.mn_colour = mn, badge, QColor(colour)
            self.setToolTip(self.toolTip() + f"<br>for <b>{mn}</b>")
            self.update()

    def set_selected(self, on: bool) -> None:
        if on != self.selected:
            self.selected = on
            self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.view.controller.select(self.index, seek=False)
            event.accept()
        else:
            super().mousePressEvent(event)


class CrossItem(QGraphicsItem):
    """Where a packet was dropped: a red cross, with the reason on hover."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.setZValue(21)
        self.setToolTip(text)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)

    def boundingRect(self) -> QRectF:
        return QRectF(-12, -12, 24, 24)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for colour, width in (("white", 7), (theme.CROSS_RED, 4)):
            pen = QPen(QColor(colour), width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(-8, -8), QPointF(8, 8))
            painter.drawLine(QPointF(-8, 8), QPointF(8, -8))


__all__ = ["TokenItem", "CrossItem", "TOKEN_W", "TOKEN_H"]
