"""The Experiments window (Simulation -> Experiments...): an experiment's results
directory as interactive plots, and a built-in experiment run without freezing the GUI.

Every run is one point (its metric against the first varied setting, one colour per
mode) with a line through the medians over seeds. Hovering a point says its value and
its run; double-clicking one opens that run's scenario in the main window at its first
handover (:attr:`ExperimentWindow.runOpened`, connected by :func:`show_experiments`).

Experiments run in a child process (``python -m hmipviz experiment ... --progress-every
0``), which runs its own worker processes: the window only reads its progress lines.
Cancel sends it Ctrl+C (SIGINT), which the CLI answers by stopping its workers; every
result file is written atomically, so a cancelled run leaves whole files only, and
starting again resumes.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QProcess, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz.experiment.stats import median
from hmipviz.fileio import atomic_write
from hmipviz.gui.experiment_figures import _axis_label, _positions
from hmipviz.gui.plot_theme import style_plot

_COLOURS = {"mipv6": (200, 60, 40), "hmipv6": (30, 90, 200)}
_LABELS = {"mipv6": "Mobile IPv6", "hmipv6": "HMIPv6"}
_PROGRESS = re.compile(r"runs: (\d+)/(\d+) done")
_HOVER_PX = 12  # how near the pointer must be to a point to pick it
_PREFERRED = ("latency_ms_median", "ha_messages_per_mn_s", "ha_messages_per_s",
              "map_messages_per_s", "lost_per_handover")


@dataclass(frozen=True)
class RunPoint:
    """One run of a results directory, as a point of the plot."""

    key: str
    mode: str
    seed: str
    x_value: str  # the varied setting's value, as runs.csv has it
    x: float  # its position on the x axis
    values: dict[str, float | None]  # metric -> value


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _value(text: str) -> Any:
    number = _number(text)
    return text if number is None else number


def read_runs(folder: Path) -> tuple[str, list[str], list[RunPoint]]:
    """The varied setting, the metric names and one point per run of ``runs.csv``;
    OSError or ValueError if the folder holds no readable results."""
    with open(folder / "runs.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or "seed" not in rows[0] or rows[0][:1] != ["run"]:
        raise ValueError(f"{folder / 'runs.csv'} is not an experiment's runs.csv")
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    seed_at = header.index("seed")
    axes = [a for a in header[1:seed_at] if a not in ("mode", "scenario.mode")]
    axis = axes[0] if axes else ""
    metrics = [c for c in header[seed_at + 1:] if c != "mode"]
    raw = list(dict.fromkeys(r[header.index(axis)] if axis else "" for r in body))
    xs, _, _ = _positions([_value(v) for v in raw])
    position = dict(zip(raw, xs, strict=True))
    points = []
    for r in body:
        cell = dict(zip(header, r, strict=True))
        x_value = cell.get(axis, "") if axis else ""
        points.append(RunPoint(cell["run"], cell.get("mode", ""), cell["seed"], x_value,
                               float(position[x_value]),
                               {m: _number(cell[m]) for m in metrics}))
    return axis, metrics, points


def first_handover_s(result: dict[str, Any]) -> float:
    """When the run's first move starts (0 if it has none)."""
    starts = [h["start_s"] for h in result.get("handovers", []) if h.get("kind") != "initial"]
    return min(starts) if starts else 0.0


class ExperimentWindow(QMainWindow):
    """Results as plots, and a built-in experiment run in a child process."""

    runOpened = Signal(str, float)  # scenario file of the run, time of its first handover
    finished = Signal(bool)  # an experiment the window started ended (True: completed)

    def __init__(self, results_root: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("hmipviz - Experiments")
        self.resize(900, 620)
        root = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppLocalDataLocation)
        self.results_root = results_root or Path(root or Path.home()) / "experiments"
        self.folder: Path | None = None
        self.axis: str = ""
        self.metrics: list[str] = []
        self.points: list[RunPoint] = []
        self.process: QProcess | None = None
        self._cancelled = False
        self._stderr = ""
        self._build()

    # --- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open results\u2026")
        self.open_button.clicked.connect(self.open_dialog)
        row.addWidget(self.open_button)
        row.addWidget(QLabel("Show:"))
        self.metric_box = QComboBox()
        self.metric_box.currentTextChanged.connect(self._draw)
        row.addWidget(self.metric_box, 1)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Built-in experiment:"))
        self.builtin_box = QComboBox()
        from hmipviz.experiment.spec import builtin_experiments
        for name, text in builtin_experiments().items():
            self.builtin_box.addItem(name)
            self.builtin_box.setItemData(self.builtin_box.count() - 1, text.splitlines()[0]
                                         if text else "", 3)  # Qt.ToolTipRole
        row.addWidget(self.builtin_box)
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(lambda: self.start(self.builtin_box.currentText()))
        row.addWidget(self.run_button)
        self.progress = QProgressBar()
        self.progress.setFormat("")  # "%v / %m runs" while one runs
        self.progress.setValue(0)
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.legend = self.plot.addLegend(offset=(10, 10))
        style_plot(self.plot_widget, self.legend)  # light or dark (gui/plot_theme.py)
        self.tip = pg.TextItem("", color="k", fill=pg.mkBrush(255, 255, 230, 235),
                               border=pg.mkPen(120, 120, 120), anchor=(0, 1))
        self.tip.setZValue(10)
        self.tip.hide()
        self.plot.addItem(self.tip, ignoreBounds=True)
        scene = self.plot_widget.scene()
        scene.sigMouseMoved.connect(self.hover)
        scene.sigMouseClicked.connect(self._clicked)
        layout.addWidget(self.plot_widget, 1)
        self.status = QLabel("Open a results directory, or run a built-in experiment.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.setCentralWidget(central)

    def apply_theme(self) -> None:
        """The theme changed (gui/theme_scheme.py): the plot in its colours."""
        style_plot(self.plot_widget, self.legend)

    # --- results --------------------------------------------------------------------------

    def open_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open an experiment's results",
                                                  str(self.results_root))
        if folder:
            self.open_results(Path(folder))

    def open_results(self, folder: Path) -> bool:
        """Show the results in ``folder`` (what `hmipviz experiment --out` wrote)."""
        try:
            self.axis, self.metrics, self.points = read_runs(folder)
        except (OSError, ValueError, KeyError) as exc:
            self.status.setText(f"Cannot show {folder}: {exc}")
            return False
        self.folder = folder
        current = self.metric_box.currentText()
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(self.metrics)
        choice = current if current in self.metrics else next(
            (m for m in _PREFERRED if m in self.metrics), self.metrics[0] if self.metrics else "")
        self.metric_box.setCurrentText(choice)
        self.metric_box.blockSignals(False)
        self._draw()
        self.status.setText(f"{folder}: {len(self.points)} runs. Hover a point for its run; "
                            "double-click it to open the run in the main window.")
        return True

    def current_metric(self) -> str:
        return self.metric_box.currentText()

    def shown(self) -> list[tuple[RunPoint, float]]:
        """The points on the plot now: each run with the current metric's value."""
        m = self.current_metric()
        return [(p, v) for p in self.points if (v := p.values.get(m)) is not None]

    def _offset(self, mode: str) -> float:
        """Modes side by side at each x, so their points do not hide each other."""
        xs = sorted({p.x for p in self.points})
        step = min((b - a for a, b in itertools.pairwise(xs)), default=1.0)
        return {"mipv6": -0.06, "hmipv6": 0.06}.get(mode, 0.0) * step

    def _draw(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.plot.addItem(self.tip, ignoreBounds=True)
        self.tip.hide()
        self.scatter_by_mode: dict[str, pg.ScatterPlotItem] = {}
        shown = self.shown()
        for mode in sorted({p.mode for p, _ in shown}, reverse=True):
            colour = _COLOURS.get(mode, (80, 80, 80))
            mine = [(p, v) for p, v in shown if p.mode == mode]
            dx = self._offset(mode)
            xs = sorted({p.x for p, _ in mine})
            medians = [median([v for p, v in mine if p.x == x]) for x in xs]
            self.plot.plot([x + dx for x in xs], medians, pen=pg.mkPen(colour, width=2),
                           name=f"{_LABELS.get(mode, mode)} median")
            scatter = pg.ScatterPlotItem([p.x + dx for p, _ in mine], [v for _, v in mine],
                                         size=9, brush=pg.mkBrush(*colour, 150),
                                         pen=pg.mkPen(colour), data=[p.key for p, _ in mine])
            self.plot.addItem(scatter)
            self.scatter_by_mode[mode] = scatter
        values = sorted({(p.x, p.x_value) for p in self.points})
        self.plot.getAxis("bottom").setTicks([[(x, str(v)) for x, v in values]])
        self.plot.setLabel("bottom", _axis_label(self.axis))
        self.plot.setLabel("left", self.current_metric().replace("_", " "))

    def point_scene_pos(self, point: RunPoint) -> QPointF:
        """Where a run's point is drawn, in scene coordinates (for tests and picking)."""
        value = point.values[self.current_metric()]
        assert value is not None
        view = QPointF(point.x + self._offset(point.mode), value)
        return self.plot.getViewBox().mapViewToScene(view)

    def point_at(self, scene_pos: QPointF) -> RunPoint | None:
        """The run drawn nearest ``scene_pos``, if within a few pixels."""
        best, best_d = None, float(_HOVER_PX)
        for p, _ in self.shown():
            q = self.point_scene_pos(p)
            d = ((q.x() - scene_pos.x()) ** 2 + (q.y() - scene_pos.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = p, d
        return best

    def describe(self, p: RunPoint) -> str:
        value = p.values[self.current_metric()]
        setting = f"{self.axis} = {p.x_value}, " if self.axis else ""
        return (f"{self.current_metric()} = {value:g}\n{setting}{_LABELS.get(p.mode, p.mode)}, "
                f"seed {p.seed}\nrun {p.key}")

    def hover(self, scene_pos: QPointF) -> None:
        p = self.point_at(scene_pos)
        if p is None:
            self.tip.hide()
            return
        self.tip.setText(self.describe(p))
        self.tip.setPos(self.plot.getViewBox().mapSceneToView(self.point_scene_pos(p)))
        self.tip.show()
        self.status.setText(self.describe(p).replace("\n", "; "))

    def _clicked(self, event) -> None:
        if event.double():
            p = self.point_at(event.scenePos())
            if p is not None:
                self.open_run(p)

    def open_run(self, p: RunPoint) -> Path | None:
        """Write the run's scenario beside its results and ask the main window to open it
        at the run's first handover (:attr:`runOpened`)."""
        assert self.folder is not None
        try:
            result = json.loads((self.folder / "runs" / f"{p.key}.json").read_text("utf-8"))
            path = self.folder / "scenarios" / f"{p.key}.toml"
            path.parent.mkdir(exist_ok=True)
            atomic_write(path, result["scenario_toml"])
        except (OSError, ValueError, KeyError) as exc:
            self.status.setText(f"Cannot open run {p.key}: {exc}")
            return None
        t = first_handover_s(result)
        self.status.setText(f"Opened run {p.key} (seed {p.seed}) at its first handover, "
                            f"{t:g} s")
        self.runOpened.emit(str(path), t)
        return path

    # --- running ----------------------------------------------------------------------------

    def start(self, experiment: str, out: Path | None = None, jobs: int | None = None) -> None:
        """Run an experiment (a built-in name or a file) in a child process into ``out``
        (default: the results folder, by name); its results are shown when it ends."""
        if self.process is not None:
            return
        name = Path(experiment).stem
        self.pending_out = out or self.results_root / name
        self.pending_out.mkdir(parents=True, exist_ok=True)
        args = ["-m", "hmipviz", "experiment", experiment, "--out", str(self.pending_out),
                "--jobs", str(jobs or max(1, (os.cpu_count() or 2))), "--no-figures",
                "--progress-every", "0"]
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(args)
        process.readyReadStandardError.connect(self._read_progress)
        process.finished.connect(self._ended)
        self.process, self._cancelled, self._stderr = process, False, ""
        self.progress.setRange(0, 0)  # busy until the first progress line
        self.progress.setFormat("%v / %m runs")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Running {experiment} into {self.pending_out}\u2026")
        process.start()

    def _read_progress(self) -> None:
        assert self.process is not None
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        self._stderr += text
        for line in text.replace("\r", "\n").splitlines():
            found = _PROGRESS.search(line)
            if found:
                done, total = int(found.group(1)), int(found.group(2))
                self.progress.setRange(0, total)
                self.progress.setValue(done)
                self.status.setText(line.strip())

    def cancel(self) -> None:
        """Ctrl+C to the child: it stops its workers and keeps the finished runs."""
        process = self.process
        if process is None:
            return
        self._cancelled = True
        self.cancel_button.setEnabled(False)
        self.status.setText("Cancelling\u2026")
        pid = process.processId()
        if pid and sys.platform != "win32":
            os.kill(pid, signal.SIGINT)
        else:
            process.terminate()
        QTimer.singleShot(10_000, lambda: process.kill() if self.process is process else None)

    def _ended(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read_progress()
        self.process = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        ok = code == 0 and not self._cancelled
        if ok:
            self.open_results(self.pending_out)
        elif self._cancelled:
            self.status.setText("Cancelled: the finished runs are kept in "
                                f"{self.pending_out}; run it again to resume.")
        else:
            last = self._stderr.strip().splitlines()[-1:] or [f"exit status {code}"]
            self.status.setText(f"The experiment failed: {last[0]}")
        self.finished.emit(ok)

    def closeEvent(self, event) -> None:
        process = self.process
        if process is not None:  # Ctrl+C first, so the child stops its own workers
            self.cancel()
            if not process.waitForFinished(10_000):
                process.kill()
                process.waitForFinished(3000)
        super().closeEvent(event)


def show_experiments(main_window) -> ExperimentWindow:
    """The main window's Experiments window (made once), wired to open runs in it."""
    window = getattr(main_window, "_experiment_window", None)
    if window is None:
        window = ExperimentWindow(parent=None)

        def open_run(path: str, t: float) -> None:
            if main_window.open_scenario(path):
                main_window.controller.seek_time(t)
                main_window.raise_()
                main_window.activateWindow()

        window.runOpened.connect(open_run)
        main_window._experiment_window = window
    window.show()
    window.raise_()
    return window
