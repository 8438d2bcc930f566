"""The topology canvas: nodes, links, AR cells by MAP domain, tunnels and moving packets.

``QtTopologyView(controller)`` is a QGraphicsView. Everything it draws is a function of
the controller's trace up to the current position (and, for the tokens, the display
time while a segment animates):

- node icons (``assets/icons/<role>.svg``, or a drawn shape with the role's letters),
  names under them, role and addresses on hover;
- links with their delay (and loss);
- each AR's coverage cell as a soft disc tinted by its MAP domain (the set of MAPs it
  advertises, RFC 5380 s.3);
- the tunnels that exist at the position, read from the binding caches: MN-MAP
  (RCoA -> LCoA), HA -> care-of address, CN bindings, as dashed paths;
- one token per packet hop in flight, coloured, shaped and labelled by kind
  (tunnelled: dashed outline), and a red cross where a packet was dropped;
- a legend.

The MN can be dragged: while dragging, the cell it would attach to is outlined; on
release in another AR's cell the controller moves it there, outside every cell it
detaches ("no link"). With the MN selected, N (or 1-9, 0 = no link) moves it by key.
Wheel zooms, dragging the background pans, :meth:`fit` fits the scene to the window.
"""

from __future__ import annotations

import math
from functools import lru_cache

import networkx as nx
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QMenu,
    QWidget,
)

from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.gui import theme

NODE_R = 24.0  # icon radius, scene units
MN_R = 20.0
TOKEN_W, TOKEN_H = 34.0, 18.0
LANE = 7.0  # tokens going one way run this far to one side of the link


# =====================================================================================
# layout
# =====================================================================================
_LAYER = {"ha": 0, "cn": 0, "host": 0, "router": 1, "map": 2, "ar": 3}


def compute_layout(scenario) -> dict[str, QPointF]:
    """Scene positions of the fixed nodes: the scenario's where given, else laid out
    in layers (HA/CN, routers, MAPs, ARs) ordered to keep links short; nodes missing a
    position among placed ones are put by a seeded spring layout around them."""
    fixed = [n for n in scenario.nodes if n.role != "mn"]
    given = {n.name: n.position for n in fixed if n.position is not None}
    if len(given) == len(fixed):
        return {k: QPointF(*v) for k, v in given.items()}
    g = nx.Graph()
    g.add_nodes_from(n.name for n in fixed)
    g.add_edges_from((lk.a, lk.b) for lk in scenario.links if lk.a in g and lk.b in g)
    if given:
        pos = nx.spring_layout(g, pos={k: tuple(v) for k, v in given.items()},
                               fixed=list(given), seed=1, k=200.0, iterations=200)
        return {k: QPointF(float(v[0]), float(v[1])) for k, v in pos.items()}
    return {k: QPointF(*v) for k, v in _layered(scenario, g).items()}


def _layered(scenario, g: nx.Graph) -> dict[str, tuple[float, float]]:
    layers: dict[int, list[str]] = {}
    radius: dict[str, float] = {}
    for n in scenario.nodes:
        if n.role == "mn":
            continue
        layers.setdefault(_LAYER.get(n.role, 1), []).append(n.name)
        radius[n.name] = n.radius if n.role == "ar" else 0.0
    ar_r = max([r for r in radius.values() if r] or [120.0])
    spacing = max(110.0, 1.7 * ar_r)
    per_row = 12
    # order bottom-up by the barycentre of neighbours already placed
    order: dict[int, list[str]] = {}
    keys = sorted(layers)
    if not keys:
        return {}
    bottom = keys[-1]
    ars = layers[bottom]
    # ARs grouped by the MAP they advertise first (domain by domain)
    first_map = {n.name: (n.map_options[0].map if n.map_options else "")
                 for n in scenario.nodes if n.name in ars}
    order[bottom] = sorted(ars, key=lambda a: (first_map.get(a, ""), ars.index(a)))
    index = {name: i for i, name in enumerate(order[bottom])}
    for layer in reversed(keys[:-1]):
        names = layers[layer]

        def bary(name: str) -> float:
            near = [index[m] for m in g.neighbors(name) if m in index] if name in g else []
            return sum(near) / len(near) if near else float(names.index(name)) * 1e3
        order[layer] = sorted(names, key=bary)
        for i, name in enumerate(order[layer]):
            index.setdefault(name, bary(name) if bary(name) < 1e3 else i)
    out: dict[str, tuple[float, float]] = {}
    y = 0.0
    for layer in keys:
        names = order[layer]
        rows = [names[i:i + per_row] for i in range(0, len(names), per_row)] or [[]]
        for row in rows:
            width = (len(row) - 1) * spacing
            for i, name in enumerate(row):
                out[name] = (i * spacing - width / 2, y)
            y += (1.6 * ar_r) if layer == bottom else 150.0
    return out


# =====================================================================================
# items
# =====================================================================================
@lru_cache(maxsize=None)
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

    def __init__(self, view: "QtTopologyView", spec, radius: float = NODE_R) -> None:
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
            lines.append(f"home address <tt>{s.home_address}</tt> (HA {s.home_agent})")
            lines.extend(self.view.mn_addresses())
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
        painter.drawText(QRectF(-self._label_w / 2, r + 2, self._label_w, self._label_h),
                         Qt.AlignmentFlag.AlignCenter, self.name)
        if self.sublabel:
            painter.setFont(self.sub_font)
            painter.setPen(theme.muted_text())
            half = max(80.0, self._sub_w / 2)
            painter.drawText(QRectF(-half, r + 2 + self._label_h, 2 * half, self._label_h),
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


class MnItem(NodeItem):
    """The mobile node: draggable with the mouse."""

    def __init__(self, view: "QtTopologyView", spec) -> None:
        super().__init__(view, spec, MN_R)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setZValue(8)
        self.dragging = False
        self.linked = True

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self.dragging:
            self.view.mn_dragged(self.pos())

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self.dragging and event.button() == Qt.MouseButton.LeftButton:
            self.dragging = False
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.view.mn_dropped(self.pos())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setOpacity(1.0 if self.linked else 0.75)
        super().paint(painter, option, widget)


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


class TokenItem(QGraphicsItem):
    """One packet hop in flight: shape + colour + glyph; dashed when tunnelled."""

    def __init__(self, view: "QtTopologyView", index: int, event: PacketSent) -> None:
        super().__init__()
        self.view = view
        self.index = index
        self.event = event
        self.selected = False
        self.color = theme.kind_color(event.kind)
        self.glyph = theme.kind_glyph(event.kind)
        self.shape_name = theme.kind_shape(event.kind)
        self.tunnelled = event.tunnel_depth > 0
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
        if shape == theme.SHAPE_DOT:
            return  # the green dot needs no text; "D" would only add noise
        painter.setPen(QColor("white") if fill.lightness() < 150 else QColor("#111111"))
        painter.setFont(self.view.token_font)
        painter.drawText(QRectF(-w / 2, -h / 2, w, h), Qt.AlignmentFlag.AlignCenter, self.glyph)

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


# =====================================================================================
# legend overlay
# =====================================================================================
class Legend(QWidget):
    """Kinds (colour + shape + glyph), tunnels and MAP domains, bottom-left."""

    def __init__(self, view: "QtTopologyView") -> None:
        super().__init__(view)
        self.view = view
        self.setAccessibleName("Legend")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.domains: list[tuple[str, QColor]] = []
        self.collapsed = False
        self.relayout()

    def rows(self) -> list[tuple]:
        out: list[tuple] = [("kind", label, kind, tun) for label, kind, tun in theme.LEGEND_ROWS]
        out.append(("tunnel", "MN \u2013 MAP tunnel", theme.TUNNEL_LOCAL))
        out.append(("tunnel", "HA \u2192 care-of tunnel", theme.TUNNEL_HOME))
        for label, color in self.domains:
            out.append(("domain", label, color))
        return out

    def relayout(self) -> None:
        fm = self.fontMetrics()
        rows = self.rows()
        self._k = max(1.0, fm.height() / 17.0)  # chip size follows the font
        self._chip_w = 32 * self._k
        w = max(fm.horizontalAdvance(r[1]) for r in rows) + self._chip_w + 30
        self._row_h = fm.height() + 5
        self.resize(int(w), int(self._row_h * len(rows) + 12))
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg = QColor(theme.canvas_background())
        bg.setAlpha(225)
        p.setPen(QPen(QColor(0, 0, 0, 40), 1))
        p.setBrush(bg)
        p.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        y = 6.0
        fm = self.fontMetrics()
        k, cw = self._k, self._chip_w
        cx = 8 + cw / 2
        glyph_font = QFont(self.font())
        glyph_font.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.72))
        glyph_font.setBold(True)
        for row in self.rows():
            cy = y + self._row_h / 2
            r = QRectF(8, cy - 7 * k, cw, 14 * k)
            if row[0] == "kind":
                _, label, kind, tun = row
                fill = theme.kind_color(kind)
                pen = QPen(fill.darker(170), 1.4)
                if tun:
                    pen = QPen(QColor("#202020"), 1.8, Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(fill)
                shape = theme.kind_shape(kind)
                if shape == theme.SHAPE_ENVELOPE:
                    p.drawRect(r)
                elif shape == theme.SHAPE_DIAMOND:
                    p.drawPolygon(QPolygonF([QPointF(cx, cy - 8 * k), QPointF(8 + cw + 2, cy),
                                             QPointF(cx, cy + 8 * k), QPointF(6, cy)]))
                elif shape == theme.SHAPE_DOT:
                    p.drawEllipse(QPointF(cx, cy), 7 * k, 7 * k)
                elif shape == theme.SHAPE_CROSS:
                    p.setBrush(QColor("black"))
                    p.drawRect(r)
                    p.setPen(QPen(QColor(theme.CROSS_RED), 2.5))
                    p.drawLine(QPointF(cx - 6 * k, cy - 5 * k), QPointF(cx + 6 * k, cy + 5 * k))
                    p.drawLine(QPointF(cx - 6 * k, cy + 5 * k), QPointF(cx + 6 * k, cy - 5 * k))
                else:
                    p.drawRoundedRect(r, 7 * k, 7 * k)
                if shape not in (theme.SHAPE_DOT, theme.SHAPE_CROSS):
                    p.setFont(glyph_font)
                    p.setPen(QColor("white") if fill.lightness() < 150 else QColor("#111"))
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, theme.kind_glyph(kind))
                    p.setFont(self.font())
            elif row[0] == "tunnel":
                p.setPen(QPen(QColor(row[2]), 3, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(8, cy), QPointF(8 + cw, cy))
            else:
                c = QColor(row[2])
                c.setAlpha(150)
                p.setPen(QPen(c.darker(130), 1))
                p.setBrush(c)
                p.drawEllipse(QPointF(cx, cy), 11 * k, 7 * k)
            p.setPen(theme.text_color())
            p.drawText(QPointF(16 + cw, cy + fm.ascent() / 2 - 1), row[1])
            y += self._row_h
        p.end()


# =====================================================================================
# the view
# =====================================================================================
class QtTopologyView(QGraphicsView):
    """See the module docstring."""

    nodeClicked = Signal(str)
    mnDropTarget = Signal(object)  # AR name or None while dragging

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("topology")
        self.setAccessibleName("Topology canvas")
        self.setAccessibleDescription(
            "The network. Drag the mobile node between access router cells, or select it "
            "and press N. Right-click a MAP to fail or restore it.")
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.setRenderHints(QPainter.RenderHint.Antialiasing |
                            QPainter.RenderHint.TextAntialiasing |
                            QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(theme.canvas_background())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(QSize(320, 240))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.token_font = theme.ui_font(-2.0, bold=True)
        self.positions: dict[str, QPointF] = {}
        self.nodes: dict[str, NodeItem] = {}
        self.cells: dict[str, CellItem] = {}
        self.links: dict[frozenset, tuple[QGraphicsLineItem, QGraphicsSimpleTextItem]] = {}
        self.mn_item: MnItem | None = None
        self.access_line: QGraphicsLineItem | None = None
        self.tokens: dict[int, TokenItem] = {}
        self.tunnels: list[QGraphicsPathItem] = []
        self.crosses: list[CrossItem] = []
        self.domain_labels: list[QGraphicsSimpleTextItem] = []
        self.no_link: QGraphicsSimpleTextItem | None = None
        self.ar_order: list[str] = []
        self._spots: dict[str | None, QPointF] = {}
        self._drag_target: str | None = None
        self._user_zoomed = False
        self._mn_offset = QPointF(0, 0)
        self._graph = nx.Graph()
        self._paths: dict[tuple[str, str], list[str]] = {}
        self._mn_ar: str | None = None
        self._mn_linked = False
        self.legend = Legend(self)
        controller.scenarioLoaded.connect(self.rebuild)
        controller.positionChanged.connect(self.update_state)
        controller.selectionChanged.connect(self._on_selection)
        controller.frameAdvanced.connect(self.update_tokens)
        self.rebuild()

    # --- building ----------------------------------------------------------------------
    def rebuild(self) -> None:
        self.scene_.clear()
        self.nodes.clear()
        self.cells.clear()
        self.links.clear()
        self.tokens.clear()
        self.tunnels.clear()
        self.crosses.clear()
        self.domain_labels.clear()
        self._spots.clear()
        self._paths.clear()
        self.mn_item = None
        self.access_line = None
        self.no_link = None
        sc = self.controller.scenario
        if sc is None:
            return
        self.positions = compute_layout(sc)
        self._graph = nx.Graph()
        self._graph.add_nodes_from(self.positions)
        for lk in sc.links:
            self._graph.add_edge(lk.a, lk.b)
        # cells, tinted by MAP domain (the set of MAPs an AR advertises)
        domain_of: dict[frozenset, int] = {}
        domain_ars: dict[frozenset, list[str]] = {}
        self.ar_order = [n.name for n in sc.nodes if n.role == "ar"]
        for n in sc.nodes:
            if n.role != "ar":
                continue
            maps = frozenset(o.map for o in n.map_options)
            if n.map_address is not None:
                maps = maps | {n.name}
            idx = None
            if maps:
                idx = domain_of.setdefault(maps, len(domain_of))
                domain_ars.setdefault(maps, []).append(n.name)
            cell = CellItem(n.name, self.positions[n.name], n.radius, theme.domain_color(idx, 60))
            cell.setToolTip(f"{n.name}'s cell" + (f": {', '.join(sorted(maps))} domain"
                                                   if maps else ": no MAP advertised"))
            self.scene_.addItem(cell)
            self.cells[n.name] = cell
        legend_domains = []
        for maps, idx in domain_of.items():
            names = sorted(maps)
            label = (", ".join(names) if len(names) <= 3 else f"{names[0]} +{len(names) - 1}")
            legend_domains.append((f"{label} domain", theme.domain_color(idx, 255)))
            if len(domain_of) <= 12:
                self._add_domain_label(domain_ars[maps], f"{label} domain", idx)
        self.legend.domains = legend_domains[:6]
        self.legend.relayout()
        # links
        for lk in sc.links:
            if lk.a not in self.positions or lk.b not in self.positions:
                continue
            a, b = self.positions[lk.a], self.positions[lk.b]
            line = QGraphicsLineItem(a.x(), a.y(), b.x(), b.y())
            line.setPen(QPen(theme.link_color(), 3.5 if theme.high_contrast() else 2.5))
            line.setZValue(-10)
            line.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            label = QGraphicsSimpleTextItem(self._link_text(lk.delay_ms, lk.loss))
            label.setFont(theme.ui_font(-0.5))
            label.setBrush(theme.muted_text().darker(130))
            mid = (a + b) / 2
            br = label.boundingRect()
            # beside the link, not across it: off the middle along the link's normal
            v = b - a
            length = math.hypot(v.x(), v.y()) or 1.0
            nx_, ny_ = -v.y() / length, v.x() / length
            if nx_ < 0 or (nx_ == 0 and ny_ > 0):
                nx_, ny_ = -nx_, -ny_
            off = abs(nx_) * br.width() / 2 + abs(ny_) * br.height() / 2 + 4
            label.setPos(mid.x() + nx_ * off - br.width() / 2,
                         mid.y() + ny_ * off - br.height() / 2)
            label.setZValue(-9)
            line.setToolTip(f"link {lk.a}\u2013{lk.b}: delay {lk.delay_ms:g} ms"
                            + (f", loss {lk.loss:.0%}" if lk.loss else ""))
            self.scene_.addItem(line)
            self.scene_.addItem(label)
            self.links[frozenset((lk.a, lk.b))] = (line, label)
        # nodes
        for n in sc.nodes:
            if n.role == "mn":
                continue
            item = NodeItem(self, n)
            item.setPos(self.positions[n.name])
            self.scene_.addItem(item)
            self.nodes[n.name] = item
        mn_spec = next((n for n in sc.nodes if n.role == "mn"), None)
        if mn_spec is not None:
            self._init_mn_spots(mn_spec)
            self.mn_item = MnItem(self, mn_spec)
            self.scene_.addItem(self.mn_item)
            self.nodes[mn_spec.name] = self.mn_item
            self.access_line = QGraphicsLineItem()
            pen = QPen(QColor("#009E73"), 2.5, Qt.PenStyle.DotLine)
            self.access_line.setPen(pen)
            self.access_line.setZValue(-8)
            self.access_line.setToolTip("the MN's wireless access link")
            self.scene_.addItem(self.access_line)
            self.no_link = QGraphicsSimpleTextItem("no link")
            self.no_link.setFont(theme.ui_font(0, bold=True))
            self.no_link.setBrush(QColor(theme.CROSS_RED))
            self.no_link.setZValue(9)
            self.scene_.addItem(self.no_link)
        rect = self.scene_.itemsBoundingRect()
        pad = max(rect.width(), rect.height()) * 3 + 2000
        self.scene_.setSceneRect(rect.adjusted(-pad, -pad, pad, pad))
        self._user_zoomed = False
        self.update_state(self.controller.position)
        self.fit()

    def _add_domain_label(self, ars: list[str], text: str, idx: int) -> None:
        cells = [self.cells[a] for a in ars if a in self.cells]
        if not cells:
            return
        left = min(c.centre.x() - c.radius for c in cells)
        right = max(c.centre.x() + c.radius for c in cells)
        bottom = max(c.centre.y() + c.radius for c in cells)
        item = QGraphicsSimpleTextItem(text)
        item.setFont(theme.ui_font(0, bold=True))
        color = QColor(theme.DOMAIN_HEX[idx % len(theme.DOMAIN_HEX)]).darker(170)
        item.setBrush(color)
        br = item.boundingRect()
        item.setPos((left + right) / 2 - br.width() / 2, bottom + 6)
        item.setZValue(-19)
        self.scene_.addItem(item)
        self.domain_labels.append(item)

    @staticmethod
    def _link_text(delay_ms: float, loss: float) -> str:
        text = f"{delay_ms:g} ms"
        return text + (f" \u00b7 {loss:.0%} loss" if loss else "")

    def refresh_link_labels(self) -> None:
        """After a teacher changed a link (delay/loss), show the engine's values."""
        sim = self.controller.sim
        if sim is None:
            return
        for link in sim.topology.links():
            pair = self.links.get(frozenset((link.a, link.b)))
            if pair:
                pair[1].setText(self._link_text(link.delay_ms, link.loss))
                pair[0].setToolTip(f"link {link.a}\u2013{link.b}: delay {link.delay_ms:g} ms"
                                   + (f", loss {link.loss:.0%}" if link.loss else ""))

    def _init_mn_spots(self, mn_spec) -> None:
        """Where the MN is drawn on each AR: its scenario offset from its first AR."""
        offset = QPointF(-0.25, 0.4)
        if mn_spec.position is not None and mn_spec.attach in self.cells:
            cell = self.cells[mn_spec.attach]
            p = QPointF(*mn_spec.position)
            rel = (p - cell.centre)
            if math.hypot(rel.x(), rel.y()) < cell.radius:
                offset = QPointF(rel.x() / cell.radius, rel.y() / cell.radius)
            self._spots[mn_spec.attach] = p
        self._mn_offset = offset
        if mn_spec.position is not None:
            self._spots[None] = QPointF(*mn_spec.position)

    def spot(self, ar: str | None) -> QPointF:
        if ar in self._spots:
            return QPointF(self._spots[ar])
        if ar in self.cells:
            c = self.cells[ar]
            return c.centre + QPointF(self._mn_offset.x() * c.radius,
                                      self._mn_offset.y() * c.radius)
        if ar is None and self.cells:
            return QPointF(self._spots.get(None, QPointF(0, 0)))
        return QPointF(0, 0)

    # --- geometry helpers -----------------------------------------------------------------
    def node_pos(self, name: str) -> QPointF:
        item = self.nodes.get(name)
        return item.pos() if item is not None else QPointF(0, 0)

    def cell_at(self, p: QPointF) -> str | None:
        """The AR whose cell contains ``p``; the nearest centre where cells overlap."""
        best, best_d = None, math.inf
        for name, cell in self.cells.items():
            d = math.hypot(p.x() - cell.centre.x(), p.y() - cell.centre.y())
            if d <= cell.radius and d < best_d:
                best, best_d = name, d
        return best

    def _hop_points(self, a: str, b: str) -> tuple[QPointF, QPointF]:
        pa, pb = self.node_pos(a), self.node_pos(b)
        v = pb - pa
        length = math.hypot(v.x(), v.y()) or 1.0
        ra = self.nodes[a].r if a in self.nodes else NODE_R
        rb = self.nodes[b].r if b in self.nodes else NODE_R
        ux, uy = v.x() / length, v.y() / length
        # lanes: each direction on its own side of the link
        nx_, ny_ = -uy * LANE, ux * LANE
        # tokens keep their pixel size: clear the icons by half a token along the hop
        margin = (abs(ux) * TOKEN_W / 2 + abs(uy) * TOKEN_H / 2 + 3) * theme.scale() / max(
            0.2, self.transform().m11())
        ra += margin
        rb += margin
        start = QPointF(pa.x() + ux * ra + nx_, pa.y() + uy * ra + ny_)
        end = QPointF(pb.x() - ux * rb + nx_, pb.y() - uy * rb + ny_)
        if length < ra + rb:
            # too short to travel along (the MN right by its AR): sit beside the link
            side = (TOKEN_W / 2 + 14) * theme.scale() / max(0.2, self.transform().m11())
            mid = (pa + pb) / 2
            start = end = QPointF(mid.x() - uy * side, mid.y() + ux * side)
        return start, end

    # --- following the controller ----------------------------------------------------------
    def update_state(self, position: int) -> None:
        c = self.controller
        if c.scenario is None:
            return
        self._update_nodes(position)
        self._update_mn(position)
        self._update_tunnels(position)
        self._update_crosses(position)
        self._sync_tokens(position)
        self.update_tokens(c.display_time())
        self._on_selection(c.selected)

    def _update_nodes(self, position: int) -> None:
        status = self.controller.node_up_at(position)
        for name, item in self.nodes.items():
            item.set_up(status.get(name, True))

    def mn_addresses(self) -> list[str]:
        c = self.controller
        out = []
        for row in c.caches_at(c.position).bul:
            if row.flags.endswith("M"):
                out.append(f"RCoA <tt>{row.home_address}</tt> (at {row.peer})")
                out.append(f"LCoA <tt>{row.care_of_address}</tt>")
            elif "H" in row.flags and not any("LCoA" in x for x in out):
                out.append(f"care-of address <tt>{row.care_of_address}</tt>")
        ar = c.mn_ar_at(c.position)
        out.append(f"on {ar}" if ar else "no link")
        return out

    def _update_mn(self, position: int) -> None:
        item = self.mn_item
        if item is None:
            return
        c = self.controller
        ar = c.mn_ar_at(position)
        self._mn_ar = ar
        placed = c.placement_at(position)
        if not item.dragging:
            if placed is not None and (ar is None or placed.ar == ar) and placed.point:
                target = QPointF(*placed.point)
            elif ar is not None:
                target = self.spot(ar)
            else:
                # detached by the time line: just outside the last cell
                last = next((a for _, a in reversed(c.mn_links()[:self._links_upto(position)])
                             if a is not None), None)
                target = self.spot(last) if last else self.spot(None)
            if item.pos() != target:
                item.setPos(target)
        linked = ar is not None
        item.linked = linked
        item.set_sublabel(ar and f"on {ar}" or "")
        item.update()
        self._update_access_line()
        if self.no_link is not None:
            self.no_link.setVisible(not linked and position >= 0)
            p = item.pos()
            self.no_link.setPos(p.x() + item.r + 6, p.y() - item.r - 4)

    def _links_upto(self, position: int) -> int:
        links = self.controller.mn_links()
        k = 0
        while k < len(links) and links[k][0] <= position:
            k += 1
        return k

    def _update_access_line(self) -> None:
        if self.access_line is None or self.mn_item is None:
            return
        ar = self._mn_ar
        if ar is None or ar not in self.nodes:
            self.access_line.setVisible(False)
            return
        a, b = self.node_pos(ar), self.mn_item.pos()
        self.access_line.setLine(a.x(), a.y(), b.x(), b.y())
        self.access_line.setVisible(True)

    def _path(self, a: str, b: str) -> list[str]:
        key = (a, b)
        if key not in self._paths:
            try:
                self._paths[key] = nx.shortest_path(self._graph, a, b)
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                self._paths[key] = [a, b]
        return self._paths[key]

    def _endpoint(self, address: str) -> str | None:
        """The node a care-of address leads to: the MN if it is on that prefix's AR."""
        from ipaddress import IPv6Address
        sim = self.controller.sim
        try:
            owner = sim.topology.owner_of(IPv6Address(address))
        except ValueError:
            return None
        if owner is not None and owner == self._mn_ar and self.mn_item is not None:
            return self.mn_item.name
        return owner

    def _update_tunnels(self, position: int) -> None:
        for item in self.tunnels:
            self.scene_.removeItem(item)
        self.tunnels.clear()
        c = self.controller
        state = c.caches_at(position)
        roles = {n.name: n for n in c.scenario.nodes}
        drawn = set()
        for node, rows in state.caches.items():
            spec = roles.get(node)
            for row in rows:
                end = self._endpoint(row.care_of_address)
                if end is None or end == node:
                    continue
                if spec is not None and spec.role == "ha":
                    color, what = theme.TUNNEL_HOME, "home agent tunnel"
                elif spec is not None and (spec.role == "map" or spec.map_address is not None):
                    color, what = theme.TUNNEL_LOCAL, "MAP tunnel"
                else:
                    color, what = theme.TUNNEL_CN, "binding at the CN"
                key = (node, end, color)
                if key in drawn:
                    continue
                drawn.add(key)
                self._add_tunnel(node, end, color,
                                 f"{what}: {node} \u2192 {end}\n{row.home_address} \u2192 "
                                 f"{row.care_of_address} (seq {row.sequence})",
                                 offset=-13 if color == theme.TUNNEL_HOME else 13)

    def _add_tunnel(self, a: str, b: str, color: str, tip: str, offset: float) -> None:
        mn = self.mn_item.name if self.mn_item is not None else None
        if b == mn:
            names = (self._path(a, self._mn_ar) + [b]) if self._mn_ar else [a, b]
        else:
            names = self._path(a, b)
        pts = [self.node_pos(n) for n in names]
        if len(pts) < 2:
            return
        path = QPainterPath()
        off_pts = []
        for i, p in enumerate(pts):
            # average normal of the segments meeting at p
            normals = []
            for j in (i - 1, i):
                if 0 <= j < len(pts) - 1:
                    v = pts[j + 1] - pts[j]
                    length = math.hypot(v.x(), v.y()) or 1.0
                    normals.append(QPointF(-v.y() / length, v.x() / length))
            n = sum(normals, QPointF(0, 0)) / max(1, len(normals))
            off_pts.append(p + n * offset)
        path.moveTo(off_pts[0])
        for p in off_pts[1:]:
            path.lineTo(p)
        item = QGraphicsPathItem(path)
        pen = QPen(QColor(color), 3.2, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        item.setPen(pen)
        item.setOpacity(0.85)
        item.setZValue(-6)
        item.setToolTip(tip)
        self.scene_.addItem(item)
        self.tunnels.append(item)

    # a drop stays on the canvas for this many steps, fading a little each step (ui.md:
    # "a lost packet fades out with a cross"), so it is seen even when playing fast
    CROSS_OPACITY = (1.0, 0.55, 0.25)

    def _update_crosses(self, position: int) -> None:
        for item in self.crosses:
            self.scene_.removeItem(item)
        self.crosses.clear()
        c = self.controller
        end = position
        for opacity in self.CROSS_OPACITY:
            if end < 0:
                return
            lo, hi = c.group_range(end)
            for j in range(lo, min(hi, position) + 1):
                e = c.trace[j]
                if isinstance(e, PacketDropped) and e.node in self.nodes:
                    cross = CrossItem(f"{e.kind} dropped at {e.node}: {e.reason}")
                    cross.setPos(self.node_pos(e.node) + QPointF(NODE_R * 0.9, -NODE_R * 0.9))
                    cross.setOpacity(opacity)
                    self.scene_.addItem(cross)
                    self.crosses.append(cross)
            end = lo - 1

    def _sync_tokens(self, position: int) -> None:
        c = self.controller
        flying = c.in_flight_at(position)
        keep = set(flying)
        for i in [i for i in self.tokens if i not in keep]:
            self.scene_.removeItem(self.tokens.pop(i))
        for i in flying:
            if i not in self.tokens:
                e = c.trace[i]
                if e.node not in self.nodes or e.to_node not in self.nodes:
                    continue
                token = TokenItem(self, i, e)
                self.scene_.addItem(token)
                self.tokens[i] = token

    def update_tokens(self, t: float) -> None:
        """Place every token at its share of its hop at display time ``t``."""
        for token in self.tokens.values():
            e = token.event
            span = e.arrive_t - e.t
            f = 1.0 if span <= 0 else min(1.0, max(0.0, (t - e.t) / span))
            a, b = self._hop_points(e.node, e.to_node)
            token.setPos(a + (b - a) * f)

    def _on_selection(self, i: int) -> None:
        for idx, token in self.tokens.items():
            token.set_selected(idx == i)
        e = self.controller.event_at(i)
        node = None
        if e is not None and not isinstance(e, PacketSent):
            node = e.node
        for name, item in self.nodes.items():
            item.set_highlight(name == node and item is not self.mn_item)

    # --- dragging the MN -------------------------------------------------------------
    def mn_dragged(self, p: QPointF) -> None:
        target = self.cell_at(p)
        if target != self._drag_target:
            if self._drag_target in self.cells:
                self.cells[self._drag_target].set_target(False)
            if target in self.cells:
                self.cells[target].set_target(True)
            self._drag_target = target
            self.mnDropTarget.emit(target)
        if self.access_line is not None:
            self._update_access_line()
        if self.no_link is not None:
            self.no_link.setVisible(target is None)
            self.no_link.setPos(p.x() + MN_R + 6, p.y() - MN_R - 4)
        self.update_tokens(self.controller.display_time())

    def mn_dropped(self, p: QPointF) -> None:
        if self._drag_target in self.cells:
            self.cells[self._drag_target].set_target(False)
        self._drag_target = None
        target = self.cell_at(p)
        self._spots[target] = QPointF(p)
        current = self.controller.mn_ar_at(self.controller.position)
        if target != current:
            self.controller.move_mn(target, (p.x(), p.y()))
        else:
            self.update_state(self.controller.position)

    def move_mn_to(self, ar: str | None) -> None:
        """Keyboard / menu move: to ``ar``'s usual spot (None: out of every cell)."""
        if ar is None:
            cells = list(self.cells.values())
            if cells:
                right = max(cells, key=lambda c: c.centre.x() + c.radius)
                p = right.centre + QPointF(right.radius + 60, 0)
            else:
                p = QPointF(0, 0)
            self._spots[None] = p
            point = (p.x(), p.y())
        else:
            point = None
        if ar != self.controller.mn_ar_at(self.controller.position):
            self.controller.move_mn(ar, point)

    def next_ar(self) -> str | None:
        if not self.ar_order:
            return None
        current = self.controller.mn_ar_at(self.controller.position)
        if current not in self.ar_order:
            return self.ar_order[0]
        return self.ar_order[(self.ar_order.index(current) + 1) % len(self.ar_order)]

    def keyPressEvent(self, event) -> None:
        mn_selected = self.mn_item is not None and self.mn_item.isSelected()
        key = event.key()
        if mn_selected and key == Qt.Key.Key_N:
            self.move_mn_to(self.next_ar())
            event.accept()
            return
        if mn_selected and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            k = key - Qt.Key.Key_1
            if k < len(self.ar_order):
                self.move_mn_to(self.ar_order[k])
            event.accept()
            return
        if mn_selected and key == Qt.Key.Key_0:
            self.move_mn_to(None)
            event.accept()
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.2)
            return
        if key == Qt.Key.Key_Minus:
            self.zoom(1 / 1.2)
            return
        super().keyPressEvent(event)

    # --- menus ----------------------------------------------------------------------------
    def node_menu(self, item: NodeItem, screen_pos) -> None:
        menu = QMenu(self)
        c = self.controller
        if item is self.mn_item:
            for i, ar in enumerate(self.ar_order):
                act = menu.addAction(f"Move to {ar}", lambda a=ar: self.move_mn_to(a))
                if i < 9:
                    act.setShortcut(str(i + 1))
            menu.addAction("Detach (no link)", lambda: self.move_mn_to(None))
        else:
            up = c.node_up_at(c.position).get(item.name, True)
            if up:
                menu.addAction(f"Fail {item.name}", lambda: c.fail_node(item.name))
            else:
                menu.addAction(f"Restore {item.name}", lambda: c.restore_node(item.name))
        menu.exec(screen_pos)

    # --- zoom and pan ------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15 ** steps)
        event.accept()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.05 / current, min(8.0 / current, factor))
        self.scale(factor, factor)
        self._user_zoomed = True

    def content_rect(self) -> QRectF:
        rect = QRectF()
        for item in list(self.cells.values()) + list(self.nodes.values()) + self.domain_labels:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def fit(self) -> None:
        """Fit the network into the window, keeping clear of the legend on the left."""
        rect = self.content_rect().adjusted(-12, -12, 12, 12)
        vp = self.viewport().rect()
        if rect.isNull() or vp.width() < 10 or vp.height() < 10:
            return
        legend_w = self.legend.width() + 20 if self.legend.isVisible() else 0
        avail_w = max(50.0, vp.width() - legend_w)
        s = min(avail_w / rect.width(), vp.height() / rect.height())
        full = min(vp.width() / rect.width(), vp.height() / rect.height())
        if s < 0.6 * full:
            s = full  # the legend would cost too much: let it overlap the margin
            legend_w = 0
        self.resetTransform()
        self.scale(s, s)
        # centre of the area right of the legend, in scene units
        shift = legend_w / 2 / s
        self.centerOn(rect.center() - QPointF(shift, 0))
        self._user_zoomed = False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.legend.move(10, self.viewport().height() - self.legend.height() - 10
                         + (self.height() - self.viewport().height()) // 2)
        if not self._user_zoomed:
            self.fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._user_zoomed:
            self.fit()

    # --- tests and lessons -------------------------------------------------------------------
    def cell_item(self, ar: str) -> CellItem:
        return self.cells[ar]

    def token_items(self) -> list[TokenItem]:
        return list(self.tokens.values())

    def tunnel_count(self) -> int:
        return len(self.tunnels)


__all__ = ["QtTopologyView", "compute_layout", "NodeItem", "MnItem", "CellItem", "TokenItem"]
