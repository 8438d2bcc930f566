"""The caption bar under the canvas: what the current message is and why, with its
RFC section and real link delay, and a chip in the kind's colour, shape and glyph.

Its height is fixed (two lines of its font; issue 13): a longer text is elided, with
the whole of it in the tooltip (and the packet's full description in the inspector),
so the canvas above never changes size, and never refits, while a run plays. Before the
first event it shows the scenario's description: what the scenario will do."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QSize, Qt
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


def scenario_summary(scenario) -> str:
    """The scenario's description as one paragraph of plain words (what it will do)."""
    text = (getattr(scenario, "description", "") or "").strip()
    return " ".join(text.split())


class CaptionBar(QFrame):
    """What the current message is and why, with its RFC section and real link delay."""

    HINT = ("Press Space to play, \u2192 to step one event, or drag the MN into another "
            "access router's cell.")
    HINT_SHORT = "Space plays\n\u2192 steps\ndrag the MN"

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
        self._html = ""
        self._plain = ""
        # the label's width changes after the caption is set (the chip, the details, the
        # Watch-the-start button): lay the text out again whenever the label is resized
        self.text.installEventFilter(self)
        self.fix_height()
        controller.positionChanged.connect(self.refresh)
        controller.selectionChanged.connect(self.refresh)
        controller.scenarioLoaded.connect(self.refresh)
        self.refresh()

    def fix_height(self) -> None:
        """Two lines of the caption's font (or three of the details'), whichever is
        taller: fixed, whatever the text (called again when the font is scaled)."""
        two = 2 * self.text.fontMetrics().height()
        three = 3 * self.detail.fontMetrics().height()
        self.setFixedHeight(max(two, three) + 16)
        self.text.setMaximumHeight(two + 4)

    def set_caption(self, head: str, body: str, tail_html: str = "") -> None:
        """``<b>head</b>: body tail``, ``body`` elided to two lines; the tooltip has all."""
        self._head, self._body, self._tail = head, body, tail_html
        self._plain = f"{head}: {body}" if head else body
        self.text.setToolTip(f"<p>{html.escape(self._plain)}</p>")
        self._render()

    def _render(self) -> None:
        head, body, tail = getattr(self, "_head", ""), getattr(self, "_body", ""), \
            getattr(self, "_tail", "")
        fm = self.text.fontMetrics()
        width = max(80, self.text.width() - 8)
        # two lines' worth of text (less what word wrapping loses), less the bold head
        # and the tail
        tail_text = html.unescape(re.sub(r"<[^>]+>", "", tail))
        room = 2 * width * 0.9 - fm.horizontalAdvance(head + ": ") * 1.15 \
            - fm.horizontalAdvance(tail_text)
        # the estimate can still wrap to a third line (a long unbreakable tail such as
        # "RFC 6275 s.10.4.5" moves down whole): shorten until the label's own layout
        # of the rich text fits the two lines the fixed height shows
        limit = 2 * fm.height() + 4
        for _ in range(12):
            shown = fm.elidedText(body, Qt.TextElideMode.ElideRight, int(max(40, room)))
            text = (f"<b>{html.escape(head)}</b>: " if head else "") + html.escape(shown)
            self._html = text + tail
            self.text.setText(self._html)
            if room <= 40 or self.text.heightForWidth(self.text.width()) <= limit:
                break
            room *= 0.85

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.text and event.type() == QEvent.Type.Resize and \
                not getattr(self, "_rendering", False):
            self._rendering = True  # setting the text must not start another round
            try:
                self._render()
            finally:
                self._rendering = False
        return False

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
            self.set_caption(c.scenario.name, scenario_summary(c.scenario) or self.HINT)
            self.detail.setText(self.HINT_SHORT)
            return
        head, summary = caption_parts(event_kind(e), event_text(e))
        rfc = event_rfc(e)
        tail = f" \u2014 <i>{html.escape(rfc)}</i>" if rfc and rfc not in summary else ""
        if i > pos:
            tail += " <span style='color:gray'>(later in the history)</span>"
        self.set_caption(head, summary, tail)
        if isinstance(e, PacketSent):
            self.chip.set_kind(e.kind, e.tunnel_depth > 0)
            delay_ms = (e.arrive_t - e.t) * 1000
            self.detail.setText(f"{e.node} \u2192 {e.to_node}\nlink delay {delay_ms:.3g} ms, "
                                f"{len(e.data)} B\nt = {e.t:.4f} s")
        else:
            self.chip.set_kind("", False)
            self.detail.setText(f"{e.node}\nt = {e.t:.4f} s")


def caption_parts(kind: str, summary: str) -> tuple[str, str]:
    """(bold head, text) of a caption: the kind, unless the summary already starts with
    it ("BU to HA: bind ..."), when its own opening words up to the colon are the head,
    so the kind is not said twice (issue 13)."""
    opening, colon, rest = summary.partition(": ")
    if colon and opening.lower().startswith(kind.lower()):
        return opening[:1].upper() + opening[1:], rest
    return kind[:1].upper() + kind[1:], summary


__all__ = ["CaptionBar", "KindChip", "caption_parts", "scenario_summary"]
