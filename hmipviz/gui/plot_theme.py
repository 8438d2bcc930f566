"""pyqtgraph plots in the application palette's colours (light or dark theme).

pyqtgraph draws with its own pens, not the Qt palette, so a plot is coloured once when
it is built and again when the theme changes (``apply_theme`` of the view that holds it
calls :func:`style_plot`). The figures written to files (experiment_figures.py) stay
black on white: they go into reports.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def plot_colours() -> tuple[QColor, QColor]:
    """(text, background) of a plot: the palette's Text on its Base."""
    pal = QApplication.palette()
    return pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)


def style_plot(widget: Any, legend: Any = None, title: str | None = None) -> None:
    """Background, axes, axis labels, title and legend of a pyqtgraph PlotWidget."""
    import pyqtgraph as pg

    fg, bg = plot_colours()
    widget.setBackground(bg)
    item = widget.getPlotItem()
    if title is not None:
        item.setTitle(title, color=fg.name())
    for name in ("bottom", "left"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        text = axis.labelText
        if text:
            axis.setLabel(text, units=axis.labelUnits or None, color=fg.name())
        axis.labelStyle["color"] = fg.name()  # labels set later take it too
    if legend is not None:
        legend.setBrush(pg.mkBrush(bg))
        legend.setPen(pg.mkPen(fg))
        legend.setLabelTextColor(fg)


__all__ = ["plot_colours", "style_plot"]
