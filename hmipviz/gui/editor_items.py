"""The scenario editor's canvas items: nodes, AR cells, links, flows and the MN's
attachment, each drawn with a red outline and the validator's words in its tooltip when
the validator has a problem with it (:mod:`hmipviz.scenario.edit_check`)."""

from __future__ import annotations

import html
import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsObject

from hmipviz.gui import palette, theme
from hmipviz.gui.topology_nodes import _role_shape, _svg_renderer
from hmipviz.layout import MN_R, NODE_R

PROBLEM_RED = QColor("#E0001B")
SNAP_M = 10.0  # nodes placed and dragged snap to 10 m (Alt: anywhere)


def snapped(x: float) -> float:
    return round(x / SNAP_M) * SNAP_M
SELECTED = QColor("#0072B2")
Point = tuple[float, float]


def problem_tooltip(title: str, lines: list[str], problems: list[str]) -> str:
    """Rich text: what the item is, then each of the validator's messages in red."""
    text = [f"<b>{html.escape(title, quote=False)}</b>"]
    text += [html.escape(x, quote=False) for x in lines]
    text += [f"<span style='color:#c00000'>\u26a0 {html.escape(p, quote=False)}</span>"
             for p in problems]
    return "<br>".join(text)


def _round_pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class EditorItem(QGraphicsObject):
    """What every editor item has: a key (``("node", "AR1")``, ``("link", 2)``...), the
    validator's problems with it, and a tooltip that says them."""

    def __init__(self, key: tuple[str, Any]) -> None:
        super().__init__()
        self.key = key
        self.problems: list[str] = []
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.hovered = False

    def set_problems(self, problems: list[str]) -> None:
        self.problems = problems
        self.setToolTip(self.tooltip())
        self.update()

    def tooltip(self) -> str:
        return ""

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()
        super().hoverLeaveEvent(event)


class NodeItem(EditorItem):
    """A node: its role's icon, name and address; movable in the Select tool."""

    def __init__(self, table: dict[str, Any], index: int) -> None:
        self.name = str(table.get("name", f"node {index + 1}"))
        super().__init__(("node", self.name))
        self.index = index
        self.role = str(table.get("role", "?"))
        self.table = table
        self.r = MN_R if self.role == "mn" else NODE_R
        self.renderer = _svg_renderer(self.role)
        self.label_font = theme.ui_font(0.5, bold=True)
        self.sub_font = theme.ui_font(-1.5)
        self.sub = str(table.get("prefix") or table.get("home_address") or "")
        fm = QFontMetricsF(self.label_font)
        self._w = max(fm.horizontalAdvance(self.name),
                      QFontMetricsF(self.sub_font).horizontalAdvance(self.sub), 2 * self.r) + 10
        self._h = fm.height()
        self.link_target = False  # drawn highlighted while a link is dragged over it
        self.snap = False  # on once placed where the file says: drags snap to the grid
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(10)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip(self.tooltip())
        self.edges: list[EdgeItem] = []

    def tooltip(self) -> str:
        t = self.table
        lines = []
        for key in ("address", "prefix", "map_address", "home_agent", "home_address", "attach"):
            if key in t:
                lines.append(f"{key}: {t[key]}")
        lines.append("drag to move \u00b7 Shift+drag to another node to link \u00b7 Delete removes")
        return problem_tooltip(f"{self.name} \u2014 {theme.ROLE_TEXT.get(self.role, self.role)}",
                               lines, self.problems)

    def boundingRect(self) -> QRectF:
        return QRectF(-self._w / 2, -self.r - 8, self._w, 2 * self.r + 12 + 2.2 * self._h)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), self.r + 4, self.r + 4)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self.r
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.problems:
            painter.setPen(QPen(PROBLEM_RED, 3, Qt.PenStyle.SolidLine))
            painter.setBrush(QColor(224, 0, 27, 28))
            painter.drawEllipse(QPointF(0, 0), r + 6, r + 6)
        if self.isSelected() or self.link_target:
            painter.setPen(QPen(SELECTED, 3 if self.isSelected() else 4,
                                Qt.PenStyle.SolidLine if self.isSelected()
                                else Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 3, r + 3)
        elif self.hovered:
            painter.setPen(QPen(QColor(0, 114, 178, 110), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 3, r + 3)
        if self.renderer is not None:
            self.renderer.render(painter, QRectF(-r, -r, 2 * r, 2 * r))
        else:
            fill = QColor(theme.ROLE_FILL.get(self.role, "#777777"))
            painter.setPen(QPen(fill.darker(140), 1.5))
            painter.setBrush(fill)
            painter.drawPath(_role_shape(self.role, r))
            painter.setPen(QColor("white"))
            painter.setFont(theme.ui_font(-1, bold=True))
            painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter,
                             theme.ROLE_LETTER.get(self.role, "?"))
        painter.setFont(self.label_font)
        painter.setPen(PROBLEM_RED if self.problems else theme.text_color())
        painter.drawText(QRectF(-self._w / 2, r + 4, self._w, self._h),
                         Qt.AlignmentFlag.AlignCenter, self.name)
        if self.sub:
            painter.setFont(self.sub_font)
            painter.setPen(theme.muted_text())
            painter.drawText(QRectF(-self._w / 2, r + 4 + self._h, self._w, self._h),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self.sub)

    def itemChange(self, change, value):
        if (change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self.snap
                and not QApplication.keyboardModifiers() & Qt.KeyboardModifier.AltModifier):
            return QPointF(snapped(value.x()), snapped(value.y()))
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        return super().itemChange(change, value)

    def mousePressEvent(self, event) -> None:
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseReleaseEvent(event)


class CellItem(QGraphicsItem):
    """An AR's radio cell: a faint disc of its radius, following the AR when dragged."""

    def __init__(self, ar: NodeItem, radius: float) -> None:
        super().__init__(ar)
        self.radius = radius
        self.setZValue(-20)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)

    def boundingRect(self) -> QRectF:
        r = self.radius + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(palette.SKY_BLUE)
        colour.setAlpha(28)
        painter.setBrush(colour)
        edge = QColor(palette.SKY_BLUE)
        edge.setAlpha(140)
        painter.setPen(QPen(edge, 1.2, Qt.PenStyle.DashLine))
        painter.drawEllipse(QPointF(0, 0), self.radius, self.radius)


class EdgeItem(EditorItem):
    """A line between two nodes (a link, a flow or the MN's attachment), kept on them as
    they move."""

    def __init__(self, key: tuple[str, Any], a: NodeItem, b: NodeItem, label: str) -> None:
        super().__init__(key)
        self.a, self.b = a, b
        self.label = label
        self.font = theme.ui_font(-1.5)
        a.edges.append(self)
        b.edges.append(self)
        self.setZValue(2)
        self._path = QPainterPath()
        self.adjust()

    def ends(self) -> tuple[QPointF, QPointF]:
        return self.a.pos(), self.b.pos()

    def curve(self) -> QPainterPath:
        p, q = self.ends()
        path = QPainterPath(p)
        path.lineTo(q)
        return path

    def adjust(self) -> None:
        self.prepareGeometryChange()
        self._path = self.curve()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-60, -30, 60, 30)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)  # easy to click
        return stroker.createStroke(self._path)

    def pen(self) -> QPen:
        return QPen(theme.link_color(), 2.5)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.problems:
            painter.setPen(_round_pen(PROBLEM_RED, 8))
            painter.strokePath(self._path, painter.pen())
        if self.isSelected() or self.hovered:
            glow = QColor(SELECTED)
            glow.setAlpha(200 if self.isSelected() else 90)
            painter.setPen(_round_pen(glow, 7))
            painter.strokePath(self._path, painter.pen())
        painter.setPen(self.pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        self.paint_extra(painter)
        if self.label:
            mid = self._path.pointAtPercent(0.5)
            painter.setFont(self.font)
            fm = QFontMetricsF(self.font)
            w, h = fm.horizontalAdvance(self.label) + 8, fm.height() + 2
            box = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
            painter.setPen(QPen(PROBLEM_RED if self.problems else QColor(0, 0, 0, 60), 1))
            painter.setBrush(QColor(theme.canvas_background()))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(PROBLEM_RED if self.problems else theme.text_color())
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.label)

    def paint_extra(self, painter: QPainter) -> None:
        pass


class LinkItem(EdgeItem):
    def __init__(self, index: int, table: dict[str, Any], a: NodeItem, b: NodeItem) -> None:
        self.table = table
        delay, loss = table.get("delay_ms", 1), table.get("loss", 0)
        label = f"{delay} ms" + (f" \u00b7 loss {loss}" if loss else "")
        super().__init__(("link", index), a, b, label)
        self.setToolTip(self.tooltip())

    def tooltip(self) -> str:
        return problem_tooltip(f"link {self.a.name}\u2013{self.b.name}",
                               [f"delay_ms: {self.table.get('delay_ms', 1)}",
                                f"loss: {self.table.get('loss', 0)}",
                                "click to edit \u00b7 Delete removes"], self.problems)


class FlowItem(EdgeItem):
    """An echo or UDP flow: a dashed green arrow, bowed so it does not hide a link."""

    def __init__(self, index: int, table: dict[str, Any], a: NodeItem, b: NodeItem) -> None:
        self.table = table
        label = f"{table.get('kind', 'echo')} every {table.get('interval_ms', 1000)} ms"
        super().__init__(("flow", index), a, b, label)
        self.setZValue(3)
        self.setToolTip(self.tooltip())

    def tooltip(self) -> str:
        t = self.table
        return problem_tooltip(
            f"flow {t.get('from')} \u2192 {t.get('to')}",
            [f"{k}: {t[k]}" for k in ("kind", "start_s", "interval_ms", "stop_s") if k in t]
            + ["click to edit \u00b7 Delete removes"], self.problems)

    def curve(self) -> QPainterPath:
        p, q = self.ends()
        mid = (p + q) / 2
        dx, dy = q.x() - p.x(), q.y() - p.y()
        length = math.hypot(dx, dy) or 1.0
        bow = min(120.0, 0.25 * length)
        control = QPointF(mid.x() - dy / length * bow, mid.y() + dx / length * bow)
        path = QPainterPath(p)
        path.quadTo(control, q)
        return path

    def pen(self) -> QPen:
        return QPen(QColor(palette.BLUISH_GREEN), 2.5, Qt.PenStyle.DashLine)

    def paint_extra(self, painter: QPainter) -> None:
        """The arrow head, short of the destination's icon."""
        length = self._path.length()
        if length < 1:
            return
        t = self._path.percentAtLength(max(0.0, length - self.b.r - 6))
        tip = self._path.pointAtPercent(t)
        angle = math.radians(-self._path.angleAtPercent(t))
        size = 12.0
        left = QPointF(tip.x() - size * math.cos(angle - 0.45),
                       tip.y() - size * math.sin(angle - 0.45))
        right = QPointF(tip.x() - size * math.cos(angle + 0.45),
                        tip.y() - size * math.sin(angle + 0.45))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(palette.BLUISH_GREEN)))
        painter.drawPolygon(QPolygonF([tip, left, right]))


class AttachItem(EdgeItem):
    """The MN's ``attach``: a thin dotted line to its AR (not selectable: the MN's
    properties say it)."""

    def __init__(self, mn: NodeItem, ar: NodeItem) -> None:
        super().__init__(("attach", mn.name), mn, ar, "")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setAcceptHoverEvents(False)
        self.setZValue(1)

    def pen(self) -> QPen:
        return QPen(theme.muted_text(), 1.5, Qt.PenStyle.DotLine)

    def shape(self) -> QPainterPath:
        return QPainterPath()


__all__ = ["AttachItem", "CellItem", "EdgeItem", "EditorItem", "FlowItem", "LinkItem",
           "NodeItem", "problem_tooltip"]
