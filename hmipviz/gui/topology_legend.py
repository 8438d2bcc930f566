"""The topology canvas's legend overlay: packet kinds (colour, shape, glyph), the two
tunnels and the MAP domains, painted as one small widget over the view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from hmipviz.gui import theme

if TYPE_CHECKING:
    from hmipviz.gui.topology_view import QtTopologyView


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


__all__ = ["Legend"]
