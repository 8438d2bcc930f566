"""Signalling load over simulated time: a small pyqtgraph plot.

``QtSignallingPlot(controller)`` counts the signalling messages the MN sends to MAPs,
HAs and CNs (``PacketSent`` with ``origin=True`` from the MN, classified by
:data:`hmipviz.report.SIGNALLING_TARGET`, so the plot and ``report.signalling()`` give
the same numbers) up to the controller's position, as one cumulative step curve per
target, and marks every completed handover with its latency.

pyqtgraph is imported only when the plot is first shown (or :meth:`ensure_plot` is
called), so the application's start-up does not pay for it. Counting is incremental and
goes on while the plot is hidden; redrawing happens only while it is visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from hmipviz.engine.events import HandoverCompleted, PacketSent
from hmipviz.gui.palette import TARGET_COLORS
from hmipviz.gui.plot_theme import style_plot
from hmipviz.report import SIGNALLING_TARGET

TARGETS = ("MAP", "HA", "CN")
PLOT_TITLE = "Signalling sent by the MN (cumulative)"
_STYLE = {"MAP": Qt.PenStyle.SolidLine, "HA": Qt.PenStyle.DashLine, "CN": Qt.PenStyle.DotLine}
_SYMBOL = {"MAP": "o", "HA": "s", "CN": "t"}
_REDRAW_MS = 40


@dataclass(frozen=True)
class HandoverMark:
    index: int
    t: float
    started_t: float
    latency_ms: float
    kind: str

    @property
    def label(self) -> str:
        return f"{self.kind}\n{self.latency_ms:.1f} ms"


class QtSignallingPlot(QWidget):
    """Cumulative signalling messages to MAP / HA / CN, with handover markers.

    Construct with the controller; it connects ``scenarioLoaded``, ``traceExtended``
    and ``positionChanged`` itself. Test hooks: :meth:`counts`, :meth:`times`,
    :meth:`handover_marks`, :meth:`ensure_plot`, :meth:`curve_data`.
    """

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("signallingPlot")
        self.setAccessibleName("Signalling plot")
        self._times: dict[str, list[tuple[int, float]]] = {t: [] for t in TARGETS}
        self._marks: list[HandoverMark] = []
        self._upto = -1
        self._upto_event = None
        self._mn = ""
        # pyqtgraph's objects (untyped: Any), the PlotWidget built on first show
        self._plot: Any | None = None
        self._curves: dict[str, Any] = {}
        self._dots: dict[str, Any] = {}
        self._mark_items: list[object] = []
        self._drawn_marks: tuple = ()
        self._legend: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("The signalling plot appears when this tab is shown.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self._placeholder)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_REDRAW_MS)
        self._timer.timeout.connect(self._redraw)

        controller.scenarioLoaded.connect(self._on_scenario_loaded)
        controller.traceExtended.connect(self._on_trace)
        controller.positionChanged.connect(self._on_trace)
        truncated = getattr(controller, "traceTruncated", None)
        if truncated is not None:
            truncated.connect(self._on_trace)
        self._on_scenario_loaded()

    def sizeHint(self) -> QSize:
        return QSize(700, 300)

    # --- counting -------------------------------------------------------------------
    def _mn_name(self) -> str:
        name = getattr(self.controller, "mn_name", None)
        if isinstance(name, str) and name:
            return name
        sim = getattr(self.controller, "sim", None)
        return getattr(sim, "mn_name", "") or ""

    def _reset(self) -> None:
        for lst in self._times.values():
            lst.clear()
        self._marks.clear()
        self._upto, self._upto_event = -1, None

    def _on_scenario_loaded(self) -> None:
        self._mn = self._mn_name()
        self._reset()
        self._on_trace()

    def _scan(self) -> None:
        """Count up to the controller's position: add or drop only the difference."""
        trace = self.controller.trace
        pos = min(int(getattr(self.controller, "position", len(trace) - 1)), len(trace) - 1)
        if self._upto >= 0 and (self._upto >= len(trace)
                                or trace[self._upto] is not self._upto_event):
            self._reset()  # a new branch replaced the events we counted
        if pos < self._upto:
            for lst in self._times.values():
                while lst and lst[-1][0] > pos:
                    lst.pop()
            while self._marks and self._marks[-1].index > pos:
                self._marks.pop()
        else:
            mn = self._mn
            for i in range(self._upto + 1, pos + 1):
                e = trace[i]
                if isinstance(e, PacketSent):
                    if e.origin and e.node == mn:
                        target = SIGNALLING_TARGET.get(e.kind)
                        if target in self._times:
                            self._times[target].append((i, e.t))
                elif isinstance(e, HandoverCompleted) and e.node == mn:
                    self._marks.append(HandoverMark(i, e.t, e.started_t, e.latency_s * 1000.0,
                                                    e.kind))
        self._upto = pos
        self._upto_event = trace[pos] if pos >= 0 else None

    def _on_trace(self, *_args) -> None:
        self._scan()
        if self._plot is not None and self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def counts(self) -> dict[str, int]:
        """Messages to each target up to the position (same rule as report.signalling)."""
        self._scan()
        return {t: len(v) for t, v in self._times.items()}

    def times(self, target: str) -> list[float]:
        self._scan()
        return [t for _i, t in self._times[target]]

    def handover_marks(self) -> list[HandoverMark]:
        self._scan()
        return list(self._marks)

    def now(self) -> float:
        e = self._upto_event
        return e.t if e is not None else 0.0

    # --- drawing --------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._plot is not None and self._drawn_marks:
            self._drawn_marks = ()  # the labels' places depend on the height
            QTimer.singleShot(0, self._redraw)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.ensure_plot()
        self._redraw()

    def ensure_plot(self):
        """Build the pyqtgraph widget (importing pyqtgraph) if not done yet; return it."""
        if self._plot is not None:
            return self._plot
        import pyqtgraph as pg  # lazy: about 0.2 s of imports

        plot = pg.PlotWidget()
        plot.setAccessibleName("Signalling messages over time")
        item = plot.getPlotItem()
        for name, text in (("bottom", "simulated time (s)"), ("left", "messages")):
            item.getAxis(name).setLabel(text)
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=True, y=False)
        item.getViewBox().setLimits(xMin=0, yMin=0)
        legend = item.addLegend(offset=(8, 4), colCount=3, horSpacing=18)
        self._legend = legend
        style_plot(plot, legend, PLOT_TITLE)
        for target in TARGETS:
            color = QColor(TARGET_COLORS[target])
            pen = pg.mkPen(color, width=2.5, style=_STYLE[target])
            self._curves[target] = item.plot([0.0, 0.0], [0.0], stepMode="center", pen=pen,
                                             name=f"to {target}")
            self._dots[target] = item.plot([], [], pen=None, symbol=_SYMBOL[target],
                                           symbolSize=7, symbolBrush=color, symbolPen=color)
        self._pg = pg
        self._placeholder.hide()
        self._layout.addWidget(plot)
        self._plot = plot
        return plot

    def apply_theme(self) -> None:
        """The light or dark theme changed (gui/theme_scheme.py): recolour the plot."""
        if self._plot is None:
            return  # built later, in the colours of the day
        style_plot(self._plot, self._legend, PLOT_TITLE)
        self._drawn_marks = ()  # the handover labels again, in the new colours
        self._redraw()

    def curve_data(self, target: str) -> tuple[list[float], list[float]]:
        """(x edges, y) of the drawn step curve for ``target`` (builds and redraws)."""
        self.ensure_plot()
        self._redraw()
        curve = self._curves[target]
        return [float(v) for v in curve.xData], [float(v) for v in curve.yData]

    def _redraw(self) -> None:
        if self._plot is None:
            return
        self._scan()
        now = self.now()
        for target in TARGETS:
            ts = [t for _i, t in self._times[target]]
            edges = [0.0] + ts + [max(now, ts[-1] if ts else 0.0)]
            ys = [float(k) for k in range(len(ts) + 1)]
            self._curves[target].setData(edges, ys, stepMode="center")
            self._dots[target].setData(ts, [float(k + 1) for k in range(len(ts))])
        marks = tuple(self._marks)
        if marks != self._drawn_marks:
            self._draw_marks(marks)
        vb = self._plot.getPlotItem().getViewBox()
        top = max([len(v) for v in self._times.values()] + [1])
        vb.setYRange(0, top * 1.25 + 1, padding=0)  # headroom for the legend
        step = max(1, math.ceil(top / 6))  # counts are whole numbers: integer ticks
        self._plot.getPlotItem().getAxis("left").setTickSpacing(step, step)
        vb.setXRange(0, max(now, 1.0), padding=0.02)

    def _draw_marks(self, marks: tuple[HandoverMark, ...]) -> None:
        pg = self._pg
        assert self._plot is not None  # called from _redraw, once the plot is built
        item = self._plot.getPlotItem()
        for it in self._mark_items:
            item.removeItem(it)
        self._mark_items = []
        fg = QApplication.palette().color(QPalette.ColorRole.Text)
        shade = QColor(fg)
        shade.setAlpha(30)
        fill = QColor(QApplication.palette().color(QPalette.ColorRole.Base))
        fill.setAlpha(170)
        right_edge = max(self.now(), 1.0)
        # the labels stay below the legend (its top rows of pixels) and inside the box
        height = max(1.0, item.getViewBox().height())
        legend_px = 4 + (self._legend.boundingRect().height() if self._legend else 0) + 6
        label_px = 40  # two lines of text
        highest = max(0.0, 1 - legend_px / height)
        lowest = min(highest, label_px / height)
        for k, m in enumerate(marks):
            # a label near the right edge reads to the left of its line, not cut off
            anchor = (1, 0) if m.t > 0.75 * right_edge else (0, 0)
            region = pg.LinearRegionItem((m.started_t, m.t), movable=False,
                                         brush=pg.mkBrush(shade), pen=pg.mkPen(None))
            region.setZValue(-10)
            line = pg.InfiniteLine(
                pos=m.t, angle=90, movable=False,
                pen=pg.mkPen(fg, width=1, style=Qt.PenStyle.DashLine), label=m.label,
                labelOpts={"position": max(lowest, min(highest, 0.74 - 0.2 * (k % 3))),
                           "color": fg.name(),
                           "fill": pg.mkBrush(fill), "anchors": [anchor, anchor]})
            for it in (region, line):
                item.addItem(it, ignoreBounds=True)
                self._mark_items.append(it)
        self._drawn_marks = marks


__all__ = ["QtSignallingPlot", "HandoverMark", "TARGETS"]
