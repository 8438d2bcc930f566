"""The caption bar under the canvas: what the current message is and why, with its
RFC section and real link delay, and a chip in the kind's colour, shape and glyph."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from hmipviz.engine.events import PacketSent
from hmipviz.gui import theme
from hmipviz.gui.event_words import event_kind, event_rfc, event_text


class KindChip(QWidget):
    """The current message's kind: its colour, shape and glyph."""

    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.tunnelled = False
        self.setFixedSize(QSize(int(56 * theme.scale()), int(30 * theme.scale())))

    def set_kind(self, kind: str, tunnelled: bool) -> None:
        self.kind, self.tunnelled = kind, tunnelled
        self.setVisible(bool(kind))
        self.update()

    def paintEvent(self, _e) -> None:
        if not self.kind:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = theme.kind_color(self.kind)
        pen = QPen(fill.darker(160), 1.5)
        if self.tunnelled:
            pen = QPen(QColor("#202020"), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(fill)
        r = self.rect().adjusted(2, 2, -2, -2)
        p.drawRoundedRect(r, 6, 6)
        f = QFont(theme.ui_font(0, bold=True))
        p.setFont(f)
        p.setPen(QColor("white") if fill.lightness() < 150 else QColor("#111"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, theme.kind_glyph(self.kind))
        p.end()


class CaptionBar(QFrame):
    """What the current message is and why, with its RFC section and real link delay."""

    HINT = ("Press Space to play, \u2192 to step one event, or drag the MN into another "
            "access router's cell.")

    def __init__(self, controller) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("caption")
        self.setAccessibleName("Caption")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.chip = KindChip()
        self.text = QLabel()
        self.text.setAccessibleName("Caption text")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setFont(theme.ui_font(2.0))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel()
        self.detail.setAccessibleName("Caption details")
        self.detail.setFont(theme.mono_font(0))
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail.setStyleSheet(f"color:{theme.muted_text().name()}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 12, 6)
        lay.setSpacing(12)
        lay.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.detail, 0)
        fm = self.text.fontMetrics()
        self.setMinimumHeight(2 * fm.height() + 16)
        controller.positionChanged.connect(self.refresh)
        controller.selectionChanged.connect(self.refresh)
        controller.scenarioLoaded.connect(self.refresh)
        self.refresh()

    def refresh(self, *_a) -> None:
        c = self.controller
        if c.scenario is None:
            return
        pos = c.position
        i = c.current_message(pos)
        sel = c.selected
        if sel >= 0:
            lo, hi = c.group_range(pos) if pos >= 0 else (0, -1)
            if lo <= sel <= hi or sel > pos or i < 0:
                i = sel
        e = c.event_at(i)
        if e is None:
            self.chip.set_kind("", False)
            self.text.setText(f"<b>{html.escape(c.scenario.name)}</b> \u2014 "
                              f"{html.escape(self.HINT)}")
            self.detail.setText("")
            return
        kind = event_kind(e)
        summary = html.escape(event_text(e))
        rfc = event_rfc(e)
        head = kind[:1].upper() + kind[1:]
        text = f"<b>{html.escape(head)}</b>: {summary}"
        if rfc:
            text += f" \u2014 <i>{html.escape(rfc)}</i>"
        if i > pos:
            text += " <span style='color:gray'>(later in the history)</span>"
        self.text.setText(text)
        if isinstance(e, PacketSent):
            self.chip.set_kind(e.kind, e.tunnel_depth > 0)
            delay_ms = (e.arrive_t - e.t) * 1000
            self.detail.setText(f"{e.node} \u2192 {e.to_node}\nlink delay {delay_ms:.3g} ms, "
                                f"{len(e.data)} B\nt = {e.t:.4f} s")
        else:
            self.chip.set_kind("", False)
            self.detail.setText(f"{e.node}\nt = {e.t:.4f} s")


__all__ = ["CaptionBar", "KindChip"]
