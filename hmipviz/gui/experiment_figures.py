"""An experiment's figures as PNG and SVG, drawn headless with pyqtgraph's exporters.

Called by `hmipviz experiment` through a lazy import (only hmipviz/gui imports Qt):
handover latency (median, bar to the 95th percentile, over every move of every seed)
against the varied setting, one line per mode; packets lost per handover; signalling
messages the HA receives per second.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from hmipviz.experiment.generate import GRID_SETTINGS
from hmipviz.experiment.outputs import grouped
from hmipviz.experiment.stats import mean, median, percentile

_COLOURS = {"mipv6": (200, 60, 40), "hmipv6": (30, 90, 200)}
_LABELS = {"mipv6": "Mobile IPv6", "hmipv6": "HMIPv6"}
_WIDTH_PX = 1200


def _app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    return app  # type: ignore[return-value]


def _x_axis(spec) -> tuple[str, list[Any]]:
    """The setting on the x axis: the first grid axis other than the mode."""
    axes = [a for a in spec.axes if a.name not in ("mode", "scenario.mode")]
    if not axes:
        return "", [None]
    return axes[0].name, list(axes[0].values)


def _axis_label(name: str) -> str:
    """A setting's path as an axis title with its unit: link.HA-R.delay_ms ->
    "delay of link HA-R (ms)"."""
    if not name:
        return ""
    parts = name.replace('"', "").split(".")
    if parts in (["mn_group", "count"], ["generator", "mns"]):
        return "mobile nodes"
    if parts[0] == "generator" and len(parts) == 2 and parts[1] in GRID_SETTINGS:
        return GRID_SETTINGS[parts[1]].doc.replace(" (1 until scenarios hold several)", "")
    key = parts[-1]
    unit = next((u for suffix, u in (("_ms", "ms"), ("_s", "s"), ("_mps", "m/s"))
                 if key.endswith(suffix)), "")
    words = key[: -len(unit) - 1].replace("_", " ") if unit else key.replace("_", " ")
    owner = " ".join(p for p in parts[:-1] if p not in ("generator", "scenario", "protocol"))
    text = f"{words} of {owner}" if owner else words
    return f"{text} ({unit})" if unit else text


def _positions(values: list[Any]) -> tuple[list[float], bool, list[tuple[float, str]]]:
    """x positions, whether they are log10 of the values, and tick labels."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and min(values) > 0 and max(values) / min(values) >= 20:
        xs = [math.log10(v) for v in values]
        return xs, True, [(x, f"{v:g}") for x, v in zip(xs, values, strict=True)]
    if numeric:
        return [float(v) for v in values], False, [(float(v), f"{v:g}") for v in values]
    return list(range(len(values))), False, [(i, str(v)) for i, v in enumerate(values)]


def _plot(title: str, x_label: str, y_label: str, ticks) -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget(background="w")
    widget.resize(_WIDTH_PX // 2, 420)
    plot = widget.getPlotItem()
    plot.setTitle(title, color="k", size="13pt")
    font = QFont()
    font.setPointSize(11)
    for side, label in (("bottom", x_label), ("left", y_label)):
        axis = plot.getAxis(side)
        axis.setLabel(label, color="k", **{"font-size": "12pt"})
        axis.setPen("k")
        axis.setTextPen("k")
        axis.setTickFont(font)
        axis.enableAutoSIPrefix(False)  # "(x0.001)" beside a unit confuses a class
    plot.getAxis("bottom").setTicks([ticks])
    plot.showGrid(x=False, y=True, alpha=0.25)
    legend = plot.addLegend(offset=(10, 10), labelTextColor="k", labelTextSize="13pt")
    legend.setBrush(pg.mkBrush(255, 255, 255, 220))
    legend.setPen(pg.mkPen(150, 150, 150))
    return widget, plot


def _series(groups, values, mode: str, read) -> list[Any]:
    """One value per x (``read`` of that x's runs), None where there are no runs."""
    out: list[Any] = []
    for v in values:
        key = (v,) if v is not None else ()
        runs = groups.get(key, {}).get(mode, [])
        out.append(read(runs) if runs else None)
    return out


def _moves_latency(runs: list[dict[str, Any]]) -> list[float]:
    return [h["latency_ms"] for r in runs for h in r["handovers"]
            if h["kind"] != "initial" and h["latency_ms"] is not None]


def _line(plot: pg.PlotItem, xs: list[float], ys: list[Any], mode: str, name: str,
          style: Qt.PenStyle | None = None) -> None:
    pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    if not pts:
        return
    colour = _COLOURS.get(mode, (80, 80, 80))
    if style is not None:  # a thinner broken line without markers: a breakdown
        plot.plot([p[0] for p in pts], [p[1] for p in pts], name=name,
                  pen=pg.mkPen(colour, width=1.5, style=style))
        return
    plot.plot([p[0] for p in pts], [p[1] for p in pts], name=name,
              pen=pg.mkPen(colour, width=2.5), symbol="o", symbolSize=8,
              symbolBrush=colour, symbolPen=colour)


def _export_svg(widget: pg.PlotWidget, plot: pg.PlotItem, path: Path) -> None:
    """pyqtgraph's SVG exporter, or Qt's SVG generator where that exporter cannot read
    what this Qt writes (pyqtgraph 0.14 parses path data as "x,y" pairs, which Qt 6.11's
    SVG writer no longer emits)."""
    try:
        SVGExporter(plot).export(str(path))
        return
    except ValueError:
        path.unlink(missing_ok=True)
    size = widget.size()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(plot.titleLabel.text or "hmipviz experiment")
    painter = QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()


def _export(widget: pg.PlotWidget, plot: pg.PlotItem, out: Path, stem: str) -> list[Path]:
    from hmipviz.fileio import atomic_path
    widget.show()
    _app().processEvents()
    written = []
    png = ImageExporter(plot)
    png.parameters()["width"] = _WIDTH_PX
    with atomic_path(out / f"{stem}.png") as tmp:
        png.export(str(tmp.with_suffix(".png")))
        tmp.with_suffix(".png").replace(tmp)
    written.append(out / f"{stem}.png")
    with atomic_path(out / f"{stem}.svg") as tmp:
        _export_svg(widget, plot, tmp.with_suffix(".svg"))
        tmp.with_suffix(".svg").replace(tmp)
    written.append(out / f"{stem}.svg")
    widget.close()
    return written


def write_figures(spec, results: list[dict[str, Any]], out: Path) -> list[Path]:
    """latency, lost and ha-signalling figures (.png and .svg) into ``out``."""
    _app()
    axis_name, values = _x_axis(spec)
    xs, logged, ticks = _positions(values)
    groups = grouped(spec, results)
    if len(spec.axes) > (2 if any(a.name == "mode" for a in spec.axes) else 1):
        # more axes than one setting and the mode: the figures show the first setting
        # at the first value of the others
        first = {a.name: a.values[0] for a in spec.axes[1:] if a.name != "mode"}
        results = [r for r in results if all(r["parameters"].get(k) == v
                                             for k, v in first.items() if k != axis_name)]
        groups = {k[:1]: v for k, v in grouped(spec, results).items()}
    modes = sorted({r["mode"] for r in results}, reverse=True)
    x_label = _axis_label(axis_name) + (", log scale" if logged else "")
    written: list[Path] = []

    widget, plot = _plot("Handover latency: median, bar to the 95th percentile",
                         x_label, "latency (ms)", ticks)
    for mode in modes:
        med = _series(groups, values, mode, lambda rs: median(_moves_latency(rs)))
        p95 = _series(groups, values, mode, lambda rs: percentile(_moves_latency(rs), 95))
        _line(plot, xs, med, mode, _LABELS.get(mode, mode) + " median")
        kinds = sorted({h["kind"] for r in results if r["mode"] == mode
                        for h in r["handovers"] if h["kind"] not in ("initial", mode)})
        for kind, style in zip(kinds, (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine),
                               strict=False):  # at most two kinds get a style
            by_kind = _series(groups, values, mode, lambda rs, k=kind: median(
                [h["latency_ms"] for r in rs for h in r["handovers"]
                 if h["kind"] == k and h["latency_ms"] is not None]))
            _line(plot, xs, by_kind, mode, f"{_LABELS.get(mode, mode)} {kind} median",
                  style=style)
        have = [(x, m, p) for x, m, p in zip(xs, med, p95, strict=True)
                if m is not None and p is not None]
        if have:
            bars = pg.ErrorBarItem(x=np.array([h[0] for h in have]),
                                   y=np.array([h[1] for h in have]),
                                   top=np.array([h[2] - h[1] for h in have]),
                                   bottom=np.zeros(len(have)), beam=0.04 if logged else 0.0,
                                   pen=pg.mkPen(_COLOURS.get(mode, (80, 80, 80)), width=1.5))
            plot.addItem(bars)
    plot.setYRange(0, max((percentile(_moves_latency(rs), 95) or 0)
                          for by in groups.values() for rs in by.values()) * 1.1 or 1)
    written += _export(widget, plot, out, "latency")

    widget, plot = _plot("Data packets lost per handover (mean over moves and seeds)",
                         x_label, "packets lost per handover", ticks)
    for mode in modes:
        lost = _series(groups, values, mode, lambda rs: mean(
            [h["packets_lost"] for r in rs for h in r["handovers"] if h["kind"] != "initial"]))
        _line(plot, xs, lost, mode, _LABELS.get(mode, mode))
    written += _export(widget, plot, out, "lost")

    widget, plot = _plot("Signalling received by the HA (median over seeds)",
                         x_label, "BUs received by the HA (per second)", ticks)
    for mode in modes:
        ha = _series(groups, values, mode,
                     lambda rs: median([r["metrics"]["ha_messages_per_s"] for r in rs]))
        _line(plot, xs, ha, mode, _LABELS.get(mode, mode))
    plot.setYRange(0, max([r["metrics"]["ha_messages_per_s"] for r in results] + [0.01]) * 1.15)
    written += _export(widget, plot, out, "ha-signalling")
    written += _per_mn_figures(results, groups, values, xs, ticks, x_label, modes, out)
    return written


def _metric(runs: list[dict[str, Any]], name: str) -> float | None:
    """A metric's median over seeds (runs stored before it existed have none)."""
    return median([r["metrics"][name] for r in runs if r["metrics"].get(name) is not None])


def _per_mn_figures(results, groups, values, xs, ticks, x_label, modes, out: Path
                    ) -> list[Path]:
    """HA signalling per MN per second, and the load on the MAPs (the busiest one and
    all of them), both read off the per-MN counts of every run."""
    written: list[Path] = []
    widget, plot = _plot("Signalling received by the HA per MN (median over seeds)",
                         x_label, "BUs at the HA per MN per second", ticks)
    for mode in modes:
        _line(plot, xs, _series(groups, values, mode,
                                lambda rs: _metric(rs, "ha_messages_per_mn_s")),
              mode, _LABELS.get(mode, mode))
    top = max([r["metrics"].get("ha_messages_per_mn_s") or 0 for r in results] + [0.01])
    plot.setYRange(0, top * 1.15)
    written += _export(widget, plot, out, "ha-per-mn")

    widget, plot = _plot("Load on the MAPs (median over seeds)", x_label,
                         "local BUs received per second", ticks)
    for mode in modes:
        if not any(r["metrics"].get("map_messages_per_s") for r in results
                   if r["mode"] == mode):
            continue  # Mobile IPv6 has no MAP
        _line(plot, xs, _series(groups, values, mode,
                                lambda rs: _metric(rs, "map_messages_per_s")),
              mode, f"{_LABELS.get(mode, mode)}, all MAPs")
        _line(plot, xs, _series(groups, values, mode,
                                lambda rs: _metric(rs, "map_max_messages_per_s")),
              mode, f"{_LABELS.get(mode, mode)}, busiest MAP", style=Qt.PenStyle.DashLine)
    top = max([r["metrics"].get("map_messages_per_s") or 0 for r in results] + [0.01])
    plot.setYRange(0, top * 1.15)
    written += _export(widget, plot, out, "map-load")
    return written
