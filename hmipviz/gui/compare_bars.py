"""The compare view's small bar chart: each finished handover's latency and data packets
lost, one bar per mode side by side, drawn with QPainter (no plotting library to load
for two handfuls of bars). The figures come from :func:`hmipviz.compare.handover_pairs`.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmipviz.compare import MODE_NAMES, MODES, HandoverPair
from hmipviz.gui import theme
from hmipviz.gui.palette import BLUISH_GREEN, ORANGE

MODE_COLORS = {"hmipv6": BLUISH_GREEN, "mipv6": ORANGE}
MAX_GROUPS = 6  # the latest handovers shown; older ones scroll out to the left


class HandoverBars(QWidget):
    """Two panels: latency (ms) and packets lost, grouped per handover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareBars")
        self.setAccessibleName("Handover latency and packets lost, both modes")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.pairs: list[HandoverPair] = []

    def sizeHint(self) -> QSize:
        return QSize(600, self.fontMetrics().height() * 9)

    def minimumSizeHint(self) -> QSize:
        return QSize(300, self.fontMetrics().height() * 9)

    def set_pairs(self, pairs: list[HandoverPair]) -> None:
        if pairs != self.pairs:
            self.pairs = pairs
            self.setToolTip("\n".join(self._tip_line(p) for p in pairs) or
                            "No handover has finished yet")
            self.update()

    @staticmethod
    def _tip_line(p: HandoverPair) -> str:
        parts = []
        for m in MODES:
            lat = p.latency_ms.get(m)
            lost = p.packets_lost.get(m)
            kind = p.kinds.get(m, "")
            parts.append(f"{MODE_NAMES[m]} {kind}: " + ("not finished" if lat is None else
                                                        f"{lat:.1f} ms, {lost} lost"))
        return f"{p.label()}: " + "; ".join(parts)

    def shown(self) -> list[HandoverPair]:
        """The pairs drawn: the latest MAX_GROUPS with a figure in either mode."""
        done = [p for p in self.pairs if any(v is not None for v in p.latency_ms.values())]
        return done[-MAX_GROUPS:]

    # --- painting -----------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        line = fm.height()
        text = theme.text_color()
        muted = theme.muted_text()
        w, h = self.width(), self.height()
        # the key, top right
        x = float(w - 4)
        for m in reversed(MODES):
            label = MODE_NAMES[m]
            x -= fm.horizontalAdvance(label)
            p.setPen(text)
            p.drawText(QRectF(x, 0, fm.horizontalAdvance(label) + 2, line),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            x -= line * 0.8 + 4
            p.fillRect(QRectF(x, line * 0.2, line * 0.6, line * 0.6), QColor(MODE_COLORS[m]))
            x -= 12
        groups = self.shown()
        half = (w - 12) / 2
        panels = ((4, "Handover latency (ms)", lambda pr, m: pr.latency_ms.get(m), "{:.0f}"),
                  (8 + half, "Data packets lost", lambda pr, m: pr.packets_lost.get(m), "{}"))
        for x0, title, value, fmt in panels:
            p.setPen(text)
            p.drawText(QRectF(x0, 0, half, line), Qt.AlignmentFlag.AlignLeft, title)
            top, bottom = line * 2.2, h - line * 1.4
            p.setPen(QPen(muted, 1))
            p.drawLine(int(x0), int(bottom), int(x0 + half - 4), int(bottom))
            if not groups:
                p.drawText(QRectF(x0, top, half, bottom - top), Qt.AlignmentFlag.AlignCenter,
                           "no handover finished yet")
                continue
            values = [value(g, m) for g in groups for m in MODES]
            peak = max([v for v in values if v is not None] + [1])
            gw = (half - 4) / MAX_GROUPS
            bw = min(gw * 0.36, line * 2.5)
            for k, g in enumerate(groups):
                gx = x0 + k * gw + (gw - 2 * bw) / 2
                for j, m in enumerate(MODES):
                    v = value(g, m)
                    bx = gx + j * bw
                    if v is None:
                        continue
                    bh = (bottom - top) * v / peak
                    p.fillRect(QRectF(bx + 1, bottom - bh, bw - 2, bh), QColor(MODE_COLORS[m]))
                    p.setPen(text)
                    p.drawText(QRectF(bx - 6, bottom - bh - line, bw + 12, line),
                               Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                               fmt.format(v))
                label = fm.elidedText(g.label(), Qt.TextElideMode.ElideRight, int(gw))
                p.setPen(muted)
                p.drawText(QRectF(x0 + k * gw, bottom + 2, gw, line),
                           Qt.AlignmentFlag.AlignHCenter, label)
        p.end()


__all__ = ["HandoverBars", "MODE_COLORS"]
