"""The topology canvas's legend overlay: packet kinds (colour, shape, glyph), the two
tunnels and the MAP domains, painted as one small widget over the view.

It never covers a node (issue 13): the view puts it in a corner of the canvas that no
node's rectangle reaches (:func:`hmipviz.layout.free_corner`), collapsing it to its
title when the full legend fits nowhere. A click on the title collapses or expands it;
View > Show legend (L) hides it. It starts collapsed in lessons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from hmipviz.gui import theme

if TYPE_CHECKING:
    from hmipviz.gui.topology_view import QtTopologyView


class Legend(QWidget):
    """Kinds (colour + shape + glyph), tunnels and MAP domains, in a free corner."""

    TITLE = "Legend"

    def __init__(self, view: QtTopologyView) -> None:
        super().__init__(view)
        self.view = view
        self.setAccessibleName("Legend")
        self.setToolTip("Click to collapse or expand the legend; L hides it")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.domains: list[tuple[str, QColor]] = []
        self.collapsed = False  # what is drawn now
        self.user_collapsed = False  # what the user (or a lesson) asked for
        self.wanted = True  # View > Show legend
        self.corner: str | None = None  # where the view put it
        self.relayout()

    def set_user_collapsed(self, on: bool) -> None:
        """Collapse (True) or expand it, as the user asked; the view re-places it."""
        self.user_collapsed = on
        self.set_collapsed(on)
        self.view.place_legend()

    def set_collapsed(self, on: bool) -> None:
        if on != self.collapsed:
            self.collapsed = on
            self.relayout()

    def full_size(self) -> tuple[int, int]:
        """The expanded legend's size in pixels (whether or not it is collapsed now)."""
        fm = self.fontMetrics()
        rows = self.rows()
        k = max(1.0, fm.height() / 17.0)
        w = max(fm.horizontalAdvance(r[1]) for r in rows) + 32 * k + 30
        return int(w), int((fm.height() + 5) * (len(rows) + 1) + 12)

    def title_size(self) -> tuple[int, int]:
        fm = self.fontMetrics()
        return fm.horizontalAdvance(self.TITLE + " \u25b8") + 24, fm.height() + 12

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.set_user_collapsed(not self.collapsed)
            event.accept()
            return
        super().mousePressEvent(event)

    def rows(self) -> list[tuple]:
        out: list[tuple] = [("kind", label, kind, tun) for label, kind, tun in theme.LEGEND_ROWS]
        out.append(("tunnel", "MN \u2013 MAP tunnel", theme.TUNNEL_LOCAL))
        out.append(("tunnel", "HA \u2192 care-of tunnel", theme.TUNNEL_HOME))
        for label, color in self.domains:
            out.append(("domain", label, color))
        return out

    def relayout(self) -> None:
        fm = self.fontMetrics()
        self._k = max(1.0, fm.height() / 17.0)  # chip size follows the font
        self._chip_w = 32 * self._k
        self._row_h = fm.height() + 5
        self.resize(*(self.title_size() if self.collapsed else self.full_size()))
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg = QColor(theme.canvas_background())
        bg.setAlpha(225)
        p.setPen(QPen(QColor(0, 0, 0, 40), 1))
        p.setBrush(bg)
        p.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        fm = self.fontMetrics()
        title = QFont(self.font())
        title.setBold(True)
        p.setFont(title)
        p.setPen(theme.text_color())
        arrow = "\u25b8" if self.collapsed else "\u25be"
        p.drawText(QPointF(10, 6 + fm.ascent()), f"{self.TITLE} {arrow}")
        p.setFont(self.font())
        if self.collapsed:
            p.end()
            return
        y = 6.0 + self._row_h
        k, cw = self._k, self._chip_w
        cx = 8 + cw / 2
        glyph_font = QFont(self.font())
        glyph_font.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.72))
        glyph_font.setBold(True)
        for row in self.rows():
            cy = y + self._row_h / 2
            r = QRectF(8, cy - 7 * k, cw, 14 * k)
            if row[0] == "kind":
                _, _label, kind, tun = row
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
