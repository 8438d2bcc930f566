"""The signalling plot counts what report.signalling() counts, up to the position."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gui_fakes import FakeController, figure1_sim

from hmipviz import report
from hmipviz.engine.events import HandoverCompleted
from hmipviz.gui.plot import TARGETS, QtSignallingPlot
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


def _expected(trace, mn):
    return {s.target: s.messages for s in report.signalling(trace, mn)}


@pytest.fixture(scope="module")
def two_domains():
    sim = Simulation(load_scenario("two-domains"))
    sim.run()
    return sim


@pytest.fixture
def plot(qtbot, two_domains):
    controller = FakeController(two_domains)
    widget = QtSignallingPlot(controller)
    qtbot.addWidget(widget)
    widget.resize(800, 320)
    widget.show()
    return widget, controller


def test_counts_match_report_signalling_on_figure1(qtbot):
    sim = figure1_sim(move_at_s=5.0, until_s=8.0)
    controller = FakeController(sim)
    widget = QtSignallingPlot(controller)
    qtbot.addWidget(widget)
    expected = _expected(sim.trace, sim.mn_name)
    assert widget.counts() == expected
    assert expected["MAP"] >= 2 and expected["HA"] >= 1  # initial + handover local BUs


def test_counts_follow_the_position(plot, two_domains):
    widget, controller = plot
    trace, mn = two_domains.trace, two_domains.mn_name
    full = _expected(trace, mn)
    assert widget.counts() == full
    assert full["HA"] >= 2  # the inter-MAP move re-registers with the HA
    for pos in (-1, 40, len(trace) // 3, len(trace) // 2, len(trace) - 1, 10):
        controller.seek(pos)
        assert widget.counts() == _expected(trace[:pos + 1], mn), pos


def test_step_curves_end_at_the_counts(plot, two_domains):
    widget, controller = plot
    controller.seek(len(two_domains.trace) - 1)
    counts = widget.counts()
    for target in TARGETS:
        xs, ys = widget.curve_data(target)
        assert len(xs) == len(ys) + 1  # step edges
        assert ys[0] == 0 and ys[-1] == counts[target]
        assert xs[1:1 + counts[target]] == widget.times(target)
        assert xs[-1] == pytest.approx(two_domains.trace[-1].t)


def test_one_marker_per_completed_handover_with_its_latency(plot, two_domains):
    widget, controller = plot
    done = [e for e in two_domains.trace if isinstance(e, HandoverCompleted)]
    marks = widget.handover_marks()
    assert [(m.t, m.kind) for m in marks] == [(e.t, e.kind) for e in done]
    assert [round(m.latency_ms, 6) for m in marks] == [round(e.latency_s * 1000, 6) for e in done]
    figures = report.handovers(two_domains.trace, two_domains.mn_name)
    assert [round(m.latency_ms, 3) for m in marks] == [round(h.latency_s * 1000, 3) for h in figures
                                                        if h.latency_s is not None]
    assert "ms" in marks[0].label
    before_second = two_domains.trace.index(done[1]) - 1
    controller.seek(before_second)
    assert len(widget.handover_marks()) == 1


def test_pyqtgraph_is_imported_only_when_the_plot_is_shown():
    root = Path(__file__).resolve().parents[2]
    code = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        sys.path[:0] = [{root!r}, {tests!r}]
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from gui_fakes import FakeController, figure1_sim
        from hmipviz.gui.plot import QtSignallingPlot
        widget = QtSignallingPlot(FakeController(figure1_sim(until_s=1.0)))
        before = "pyqtgraph" in sys.modules
        widget.show()
        app.processEvents()
        print(before, "pyqtgraph" in sys.modules, widget.counts()["MAP"])
        os._exit(0)
    """).format(root=str(root), tests=str(root / "tests" / "gui"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "1"]
