"""Marks on the time scrubber (issue 13): where the scenario moves the MN, fails or
restores a node by itself, and where the user acted on this branch, each with a
tooltip that says what happens then. ``ScrubberMarks(slider, controller)`` draws them
over the playback toolbar's scrubber (a QSlider holding milliseconds) without changing
it; the marks themselves come from :mod:`hmipviz.script_marks` (no Qt)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QToolTip, QWidget

from hmipviz.script_marks import ScrubberMark, scripted_marks, user_marks

# Okabe-Ito: scripted moves vermillion, failures black, restores bluish green, the
# user's own actions blue (shape differs too: down triangle / up triangle)
MARK_COLOUR = {"move": "#D55E00", "fail": "#000000", "restore": "#009E73", "user": "#0072B2"}
HIT_PX = 7  # how near the mouse must be for a mark's tooltip


class _Overlay(QWidget):
    """Paints the marks; lets the mouse through to the slider."""

    def __init__(self, owner: ScrubberMarks) -> None:
        super().__init__(owner.slider)
        self.owner = owner
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def paintEvent(self, _event) -> None:
        marks = self.owner.marks
        if not marks:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        size = max(5.0, h * 0.22)
        for mark, x in zip(marks, self.owner.mark_xs(), strict=True):
            colour = QColor(MARK_COLOUR.get(mark.what, "#000000"))
            if mark.what == "fail" and self.palette().window().color().lightness() < 128:
                colour = self.palette().windowText().color()  # black vanishes on dark
            p.setPen(QPen(colour.darker(130), 1.2))
            p.setBrush(colour)
            if mark.what == "user":  # up from the bottom edge
                tri = QPolygonF([QPointF(x, h - 1 - size * 1.2), QPointF(x - size, h - 1),
                                 QPointF(x + size, h - 1)])
            else:  # down from the top edge
                tri = QPolygonF([QPointF(x - size, 1), QPointF(x + size, 1),
                                 QPointF(x, 1 + size * 1.2)])
            p.drawPolygon(tri)
        p.end()


class ScrubberMarks(QObject):
    """The marks of the scenario open in ``controller``, on ``slider``."""

    def __init__(self, slider: QSlider, controller) -> None:
        super().__init__(slider)
        self.slider = slider
        self.controller = controller
        self.marks: list[ScrubberMark] = []
        self.overlay = _Overlay(self)
        slider.installEventFilter(self)
        slider.rangeChanged.connect(lambda *_a: self.overlay.update())
        controller.scenarioLoaded.connect(self.refresh)
        controller.actionApplied.connect(lambda _t: self.refresh())
        controller.traceTruncated.connect(lambda _n: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        c = self.controller
        self.marks = scripted_marks(c.scenario) + user_marks(
            c.user_actions() if c.scenario is not None else [])
        self.marks.sort(key=lambda m: m.t_s)
        self.overlay.setGeometry(QRect(0, 0, self.slider.width(), self.slider.height()))
        self.overlay.raise_()
        self.overlay.update()

    def mark_xs(self) -> list[float]:
        """Each mark's x on the slider, in its pixels (where the handle's centre would
        be at that time)."""
        s = self.slider
        opt = QStyleOptionSlider()
        s.initStyleOption(opt)
        style = s.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderGroove, s)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderHandle, s)
        span = max(1, groove.width() - handle.width())
        lo, hi = s.minimum(), s.maximum()
        out = []
        for m in self.marks:
            v = min(hi, max(lo, round(m.t_s * 1000)))
            px = QStyle.sliderPositionFromValue(lo, hi, v, span) if hi > lo else 0
            out.append(groove.x() + handle.width() / 2 + px)
        return out

    def mark_near(self, x: float) -> ScrubberMark | None:
        best, best_d = None, HIT_PX + 1.0
        for mark, mx in zip(self.marks, self.mark_xs(), strict=True):
            if abs(mx - x) < best_d:
                best, best_d = mark, abs(mx - x)
        return best

    def tooltip_at(self, x: float) -> str:
        """The text of the marks near ``x`` (all of those at the same time)."""
        near = self.mark_near(x)
        if near is None:
            return ""
        same = [m.text for m in self.marks if abs(m.t_s - near.t_s) < 1e-6]
        return "\n".join(same)

    def eventFilter(self, obj, event) -> bool:  # Qt's name
        if obj is self.slider:
            t = event.type()
            if t == QEvent.Type.Resize:
                self.overlay.setGeometry(QRect(0, 0, self.slider.width(),
                                               self.slider.height()))
            elif t == QEvent.Type.ToolTip:
                text = self.tooltip_at(event.pos().x())
                if text:
                    QToolTip.showText(event.globalPos(), text, self.slider)
                    return True
        return False


__all__ = ["ScrubberMarks", "MARK_COLOUR"]
