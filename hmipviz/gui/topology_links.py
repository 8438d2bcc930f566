"""The topology canvas's line items: links with their delay (and loss) label beside
them, tunnels drawn as dashed paths beside the links they follow, and MAP domain labels
under their cells. The geometry comes from :mod:`hmipviz.layout`."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
)

from hmipviz import layout
from hmipviz.gui import theme


def link_text(delay_ms: float, loss: float) -> str:
    text = f"{delay_ms:g} ms"
    return text + (f" \u00b7 {loss:.0%} loss" if loss else "")


def link_tooltip(a: str, b: str, delay_ms: float, loss: float) -> str:
    return (f"link {a}\u2013{b}: delay {delay_ms:g} ms"
            + (f", loss {loss:.0%}" if loss else ""))


def make_link(a: str, b: str, pa: QPointF, pb: QPointF, delay_ms: float,
              loss: float) -> tuple[QGraphicsLineItem, QGraphicsSimpleTextItem]:
    """The line between two nodes and its label, beside the line's middle."""
    line = QGraphicsLineItem(pa.x(), pa.y(), pb.x(), pb.y())
    line.setPen(QPen(theme.link_color(), 3.5 if theme.high_contrast() else 2.5))
    line.setZValue(-10)
    line.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    line.setToolTip(link_tooltip(a, b, delay_ms, loss))
    label = QGraphicsSimpleTextItem(link_text(delay_ms, loss))
    label.setFont(theme.ui_font(-0.5))
    label.setBrush(theme.muted_text().darker(130))
    br = label.boundingRect()
    x, y = layout.link_label_pos((pa.x(), pa.y()), (pb.x(), pb.y()), br.width(), br.height())
    label.setPos(x, y)
    label.setZValue(-9)
    return line, label


def set_link_params(line: QGraphicsLineItem, label: QGraphicsSimpleTextItem, a: str, b: str,
                    delay_ms: float, loss: float) -> None:
    label.setText(link_text(delay_ms, loss))
    line.setToolTip(link_tooltip(a, b, delay_ms, loss))


def tunnel_path(pts: list[QPointF], offset: float) -> QPainterPath:
    """The polyline through ``pts``, ``offset`` to one side (also redrawn each frame
    for a tunnel that ends at a moving MN)."""
    moved = layout.offset_polyline([(p.x(), p.y()) for p in pts], offset)
    path = QPainterPath()
    path.moveTo(QPointF(*moved[0]))
    for p in moved[1:]:
        path.lineTo(QPointF(*p))
    return path


def make_tunnel(pts: list[QPointF], color: str, tip: str,
                offset: float, stale: bool = False) -> QGraphicsPathItem | None:
    """A dashed path through ``pts``, ``offset`` to one side (home and local tunnels on
    opposite sides of the links they share); to a binding the MN has left (``stale``)
    thin, dotted and faint."""
    if len(pts) < 2:
        return None
    item = QGraphicsPathItem(tunnel_path(pts, offset))
    pen = QPen(QColor(color), 2.0 if stale else 3.2,
               Qt.PenStyle.DotLine if stale else Qt.PenStyle.DashLine)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    item.setPen(pen)
    item.setOpacity(0.45 if stale else 0.85)
    item.setData(3, stale)
    item.setZValue(-6)
    # a dashed, antialiased path is costly to stroke and every repaint around a moving
    # MN or token crosses some: draw it once into a pixmap (many MNs, many tunnels)
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.setToolTip(tip)
    return item


def make_domain_label(text: str, idx: int,
                      cells: list[tuple[tuple[float, float], float]]
                      ) -> QGraphicsSimpleTextItem | None:
    """A domain's name centred under its cells ((centre, radius) each)."""
    item = QGraphicsSimpleTextItem(text)
    item.setFont(theme.ui_font(0, bold=True))
    item.setBrush(QColor(theme.DOMAIN_HEX[idx % len(theme.DOMAIN_HEX)]).darker(170))
    pos = layout.domain_label_pos(cells, item.boundingRect().width())
    if pos is None:
        return None
    item.setPos(*pos)
    item.setZValue(-19)
    return item


__all__ = ["link_text", "link_tooltip", "make_link", "set_link_params", "make_tunnel",
           "tunnel_path",
           "make_domain_label"]
