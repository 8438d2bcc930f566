"""The topology canvas's node items: an icon per node (``assets/icons/<role>.svg``, or a
drawn shape with the role's letters) with its name, the draggable MN, and each AR's
coverage cell tinted by its MAP domain."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsObject

from hmipviz.gui import theme
from hmipviz.layout import MN_R, NODE_R

if TYPE_CHECKING:
    from hmipviz.gui.topology_view import QtTopologyView


@cache
def _svg_renderer(role: str):
    try:
        from PySide6.QtSvg import QSvgRenderer

        from hmipviz.resources import assets_dir
        path = assets_dir() / "icons" / f"{role}.svg"
        if not path.is_file():
            return None
        renderer = QSvgRenderer(str(path))
        return renderer if renderer.isValid() else None
    except Exception:  # no QtSvg, unreadable file: the drawn shape stands in
        return None


def _role_shape(role: str, r: float) -> QPainterPath:
    path = QPainterPath()
    if role == "map":
        poly = QPolygonF([QPointF(r * math.cos(a), r * math.sin(a))
                          for a in (math.pi / 6 + k * math.pi / 3 for k in range(6))])
        path.addPolygon(poly)
        path.closeSubpath()
    elif role == "ha":
        poly = QPolygonF([QPointF(0, -r), QPointF(r, -0.15 * r), QPointF(r * 0.8, r),
                          QPointF(-r * 0.8, r), QPointF(-r, -0.15 * r)])
        path.addPolygon(poly)
        path.closeSubpath()
    elif role in ("ar", "host"):
        path.addRoundedRect(QRectF(-r, -r * 0.8, 2 * r, 1.6 * r), 6, 6)
    elif role == "mn":
        path.addRoundedRect(QRectF(-r * 0.65, -r, 1.3 * r, 2 * r), 6, 6)
    else:
        path.addEllipse(QPointF(0, 0), r, r)
    return path


class NodeItem(QGraphicsObject):
    """One node: icon, name underneath, hover text; greyed with a cross when down."""

    def __init__(self, view: QtTopologyView, spec, radius: float = NODE_R) -> None:
        super().__init__()
        self.view = view
        self.spec = spec
        self.name = spec.name
        self.role = spec.role
        self.r = radius
        self.up = True
        self.highlight = False
        self.renderer = _svg_renderer(self.role)
        self.label_font = theme.ui_font(0.5, bold=True)
        self.sub_font = theme.ui_font(-1.5)
        self.sublabel = ""
        fm = QFontMetricsF(self.label_font)
        self._label_w = max(fm.horizontalAdvance(self.name), 2 * self.r) + 8
        self._label_h = fm.height()
        self._sub_w = 0.0
        self.setAcceptHoverEvents(True)
        self.setZValue(5)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip(self.tooltip())
        self.setData(0, self.name)

    def tooltip(self) -> str:
        s = self.spec
        lines = [f"<b>{s.name}</b> \u2014 {theme.ROLE_TEXT.get(s.role, s.role)}"]
        if s.role == "ar" and s.map_address is not None:
            lines[0] += " with a MAP function (flat, RFC 5380 s.9.2)"
        if s.address is not None:
            lines.append(f"address <tt>{s.address}</tt>")
        if s.prefix is not None:
            lines.append(f"prefix <tt>{s.prefix}</tt>")
        if s.map_address is not None:
            lines.append(f"MAP address <tt>{s.map_address}</tt>")
        if s.role == "ar" and s.map_options:
            opts = ", ".join(f"{o.map} (Pref {o.pref}, {o.lifetime_s} s)" for o in s.map_options)
            lines.append(f"advertises {opts}")
        if s.role == "mn":
            lines.append(f"home address <tt>{s.home_address}</tt>, home agent {s.home_agent}")
            lines.extend(self.view.mn_addresses(s.name))
            lines.append("<i>drag me to another cell, or select me and press N</i>")
        elif s.role != "host":
            lines.append("<i>right-click to fail or restore</i>")
        return "<br>".join(lines)

    def hoverEnterEvent(self, event) -> None:
        self.setToolTip(self.tooltip())
        super().hoverEnterEvent(event)

    def boundingRect(self) -> QRectF:
        w = max(2 * self.r, self._label_w, self._sub_w) + 6
        return QRectF(-w / 2, -self.r - 4, w, 2 * self.r + 8 + 2.4 * self._label_h)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), self.r + 2, self.r + 2)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self.r
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.highlight or self.isSelected():
            painter.setPen(QPen(theme.HIGHLIGHT, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 4, r + 4)
        painter.setOpacity(1.0 if self.up else 0.35)
        if self.renderer is not None:
            self.renderer.render(painter, QRectF(-r, -r, 2 * r, 2 * r))
        else:
            fill = QColor(theme.ROLE_FILL.get(self.role, "#777777"))
            painter.setPen(QPen(fill.darker(140), 1.5))
            painter.setBrush(fill)
            painter.drawPath(_role_shape(self.role, r))
            painter.setPen(QColor("white"))
            f = theme.ui_font(-1, bold=True)
            painter.setFont(f)
            painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter,
                             theme.ROLE_LETTER.get(self.role, "?"))
        painter.setOpacity(1.0)
        painter.setFont(self.label_font)
        painter.setPen(theme.text_color())
        painter.drawText(QRectF(-self._label_w / 2, r + self.LABEL_TOP, self._label_w,
                                self._label_h),
                         Qt.AlignmentFlag.AlignCenter, self.name)
        if self.sublabel:
            painter.setFont(self.sub_font)
            painter.setPen(theme.muted_text())
            half = max(80.0, self._sub_w / 2)
            painter.drawText(QRectF(-half, r + self.LABEL_TOP + self._label_h, 2 * half,
                                    self._label_h),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self.sublabel)
        if not self.up:
            painter.setPen(QPen(QColor(theme.CROSS_RED), 4))
            d = r * 0.8
            painter.drawLine(QPointF(-d, -d), QPointF(d, d))
            painter.drawLine(QPointF(-d, d), QPointF(d, -d))

    def set_up(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            self.update()

    def set_highlight(self, on: bool) -> None:
        if on != self.highlight:
            self.highlight = on
            self.update()

    LABEL_TOP = 2.0  # the name's gap below the icon

    def label_box(self) -> tuple[float, float, float, float] | None:
        """The scene rectangle (left, top, right, bottom) of the name and the line
        under it, which tokens keep off; None while no label is drawn."""
        if not self._label_shown():
            return None
        half = max(self._label_w / 2, self._sub_w / 2 if self.sublabel else 0.0)
        lines = 2 if self.sublabel else 1
        top = self.r + self.LABEL_TOP
        p = self.scenePos()
        return (p.x() - half, p.y() + top, p.x() + half, p.y() + top + lines * self._label_h)

    def _label_shown(self) -> bool:
        return True

    def set_sublabel(self, text: str) -> None:
        if text != self.sublabel:
            self.prepareGeometryChange()
            self.sublabel = text
            self._sub_w = QFontMetricsF(self.sub_font).horizontalAdvance(text) + 8 if text else 0.0
            self.update()

    def contextMenuEvent(self, event) -> None:
        self.view.node_menu(self, event.screenPos())
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.view.nodeClicked.emit(self.name)
        super().mousePressEvent(event)


BADGE_MIN_PX = 9.0  # an MN's badge radius at least (several MNs)


class MnItem(NodeItem):
    """A mobile node: draggable with the mouse. With several MNs it wears a ring and a
    badge in its own colour (its tokens carry the same badge), and shows its name only
    when chosen or hovered, so ten MNs stay legible."""

    LABEL_TOP = 4.0  # below the chosen ring

    def __init__(self, view: QtTopologyView, spec) -> None:
        super().__init__(view, spec, MN_R)
        self.badge = ""  # "" with one MN: drawn as before
        self.colour = QColor(theme.HIGHLIGHT)
        self.chosen = False  # the MN the views are filtered to
        self.faded = False  # another MN is chosen
        self.hovered = False
        self._badge_font = theme.ui_font(-2.5, bold=True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setZValue(8)
        self.dragging = False
        self.linked = True

    def boundingRect(self) -> QRectF:
        rect = super().boundingRect()
        if not self.badge:
            return rect
        # the chosen ring and the badge reach past the icon; the badge keeps a legible
        # size in pixels when the canvas is zoomed out
        m = self.r + 12 + BADGE_MIN_PX / max(0.1, self.view.transform().m11())
        return rect.united(QRectF(-m, -m, 2 * m, 2 * m))

    def set_badge(self, text: str, colour: QColor) -> None:
        self.prepareGeometryChange()
        self.badge = text
        self.colour = QColor(colour)
        self.setZValue(8 + 0.01 * (100 - min(99, len(text))))
        self.update()

    def set_chosen(self, chosen: bool, faded: bool) -> None:
        if (chosen, faded) != (self.chosen, self.faded):
            self.chosen, self.faded = chosen, faded
            self.setZValue(9 if chosen else 8)
            self.update()

    def _label_shown(self) -> bool:
        return not self.badge or self.chosen or self.hovered or self.isSelected()

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            if self.badge:  # several MNs: clicking one chooses it everywhere
                self.view.controller.select_mn(self.name)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self.dragging:
            self.view.mn_dragged(self.pos(), self)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self.dragging and event.button() == Qt.MouseButton.LeftButton:
            self.dragging = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.view.mn_dropped(self.pos(), self)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.badge:
            painter.setOpacity(1.0 if self.linked else 0.75)
            super().paint(painter, option, widget)
            return
        base = (1.0 if self.linked else 0.7) * (0.4 if self.faded else 1.0)
        r = self.r
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setOpacity(base)
        ring = QPen(self.colour, 4.5 if self.chosen else 3)
        painter.setPen(ring)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawEllipse(QPointF(0, 0), r + 3, r + 3)
        if self.chosen or self.isSelected():
            painter.setPen(QPen(theme.HIGHLIGHT, 2.5, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 9, r + 9)
        if self.renderer is not None:
            self.renderer.render(painter, QRectF(-r * 0.8, -r * 0.8, 1.6 * r, 1.6 * r))
        else:  # no SVG support: the drawn MN shape
            fill = QColor(theme.ROLE_FILL.get("mn", "#777777"))
            painter.setPen(QPen(fill.darker(140), 1.5))
            painter.setBrush(fill)
            painter.drawPath(_role_shape("mn", r * 0.8))
        # the badge: the MN's short name on its colour, top right, drawn in pixels so
        # it stays legible however far the canvas is zoomed out
        painter.save()
        zoom = max(0.1, painter.worldTransform().m11())
        centre = painter.worldTransform().map(QPointF(r * 0.8, -r * 0.8))
        painter.resetTransform()
        b = max(BADGE_MIN_PX, 0.5 * r * zoom)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(self.colour)
        painter.drawEllipse(centre, b, b)
        painter.setFont(self._badge_font)
        painter.drawText(QRectF(centre.x() - b, centre.y() - b, 2 * b, 2 * b),
                         Qt.AlignmentFlag.AlignCenter, self.badge)
        painter.restore()
        if not self.linked:  # no cell covers it: a small red bar through the icon
            painter.setPen(QPen(QColor(theme.CROSS_RED), 3))
            painter.drawLine(QPointF(-r * 0.7, r * 0.7), QPointF(r * 0.7, -r * 0.7))
        if self._label_shown():
            painter.setOpacity(1.0)
            painter.setFont(self.label_font)
            painter.setPen(theme.text_color())
            painter.drawText(QRectF(-self._label_w / 2, r + self.LABEL_TOP, self._label_w,
                                    self._label_h),
                             Qt.AlignmentFlag.AlignCenter, self.name)
            if self.sublabel:
                painter.setFont(self.sub_font)
                painter.setPen(theme.muted_text())
                half = max(80.0, self._sub_w / 2)
                painter.drawText(QRectF(-half, r + self.LABEL_TOP + self._label_h, 2 * half,
                                        self._label_h),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                                 self.sublabel)


class CellItem(QGraphicsEllipseItem):
    """An AR's coverage cell, tinted by its MAP domain."""

    def __init__(self, name: str, centre: QPointF, radius: float, color: QColor) -> None:
        super().__init__(QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius))
        self.name = name
        self.centre = centre
        self.radius = radius
        self.color = color
        self.setZValue(-20)
        edge = QColor(color)
        edge.setAlpha(min(255, color.alpha() * 3))
        self._pen = QPen(edge.darker(115), 1.5)
        self._target_pen = QPen(theme.HIGHLIGHT, 4, Qt.PenStyle.DashLine)
        self.setPen(self._pen)
        self.setBrush(QBrush(color))
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def contains_point(self, p: QPointF) -> bool:
        return math.hypot(p.x() - self.centre.x(), p.y() - self.centre.y()) <= self.radius

    def set_target(self, on: bool) -> None:
        self.setPen(self._target_pen if on else self._pen)


__all__ = ["NodeItem", "MnItem", "CellItem"]
