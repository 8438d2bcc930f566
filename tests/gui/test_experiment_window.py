"""The Experiments window: a results directory as a plot whose points are the runs
(hover names the run, double-click opens it in the main window at its first handover),
and an experiment run in a child process with progress and a Cancel that leaves whole
files only."""

from __future__ import annotations

import csv
import json
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from hmipviz.experiment.outputs import write_tables
from hmipviz.experiment.runner import run_experiment
from hmipviz.experiment.spec import load_experiment
from hmipviz.gui.experiment_window import ExperimentWindow

SMALL = """
[experiment]
name = "small"
base = { generator = "grid", maps = 2, ars_per_map = 1, move_interval_s = 1 }
seeds = [1, 2]
[set]
mn_group.count = 2
[grid]
mode = ["mipv6", "hmipv6"]
link."HA-R".delay_ms = [5, 100]
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A small results directory: 2 modes x 2 HA delays x 2 seeds, 2 MNs each."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "small.toml").write_text(SMALL, "utf-8")
    spec = load_experiment(folder / "small.toml")
    out = folder / "out"
    write_tables(spec, run_experiment(spec, out, jobs=2), out)
    return out


def _runs(folder: Path) -> list[dict[str, str]]:
    with open(folder / "runs.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def window(qtbot, tmp_path):
    w = ExperimentWindow(results_root=tmp_path / "results")
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_the_plot_shows_one_point_per_run_at_its_setting_and_value(window, results):
    assert window.open_results(results)
    assert window.axis == "link.HA-R.delay_ms"
    assert window.current_metric() == "latency_ms_median"
    rows = _runs(results)
    drawn = set()
    for mode, scatter in window.scatter_by_mode.items():
        _, ys = scatter.getData()
        for key, y in zip(scatter.data["data"], ys, strict=True):
            drawn.add((key, mode, round(float(y), 6)))
    assert drawn == {(r["run"], r["mode"], round(float(r["latency_ms_median"]), 6))
                     for r in rows}
    assert len(drawn) == 8
    window.metric_box.setCurrentText("ha_messages_per_mn_s")
    ys = sorted(float(y) for s in window.scatter_by_mode.values() for y in s.getData()[1])
    assert ys == sorted(float(r["ha_messages_per_mn_s"]) for r in rows)


def test_hover_names_the_value_and_the_run(window, results, qtbot):
    window.open_results(results)
    point = next(p for p, _ in window.shown() if p.mode == "hmipv6" and p.x_value == "100")
    window.hover(window.point_scene_pos(point))
    assert window.tip.isVisible()
    text = window.tip.textItem.toPlainText()
    assert f"run {point.key}" in text and f"seed {point.seed}" in text and "HMIPv6" in text
    assert f"latency_ms_median = {point.values['latency_ms_median']:g}" in text
    # far from every point: nothing is picked
    window.hover(window.point_scene_pos(point) + QPointF(0, 200))
    assert not window.tip.isVisible()


def test_the_mouse_hovers_and_double_clicks_a_point(window, results, qtbot):
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    window.open_results(results)
    point = next(p for p, _ in window.shown() if p.mode == "mipv6" and p.x_value == "5")
    at = window.plot_widget.mapFromScene(window.point_scene_pos(point))
    viewport = window.plot_widget.viewport()
    # QTest's mouseMove moves the cursor, which the offscreen platform does not turn into
    # an event: send the move itself, as the platform would
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QEvent.Type, button: Qt.MouseButton, held: Qt.MouseButton) -> None:
        QApplication.sendEvent(viewport, QMouseEvent(
            kind, QPointF(at), QPointF(viewport.mapToGlobal(at)), button, held,
            Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseMove, none, none)
    qtbot.waitUntil(window.tip.isVisible, timeout=2000)
    assert f"run {point.key}" in window.tip.textItem.toPlainText()
    with qtbot.waitSignal(window.runOpened) as opened:
        send(QEvent.Type.MouseButtonPress, left, left)
        send(QEvent.Type.MouseButtonRelease, left, none)
        send(QEvent.Type.MouseButtonDblClick, left, left)
        send(QEvent.Type.MouseButtonRelease, left, none)
    assert opened.args[0] == str(results / "scenarios" / f"{point.key}.toml")


def test_double_click_opens_the_run_in_the_main_window_at_its_first_handover(
        window, results, qtbot):
    from hmipviz.gui.experiment_window import show_experiments
    from hmipviz.gui.main_window import MainWindow
    from hmipviz.scenario import load_scenario

    main = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(main)
    shown = show_experiments(main)
    qtbot.addWidget(shown)
    shown.open_results(results)
    point = next(p for p, _ in shown.shown() if p.mode == "mipv6")
    result = json.loads((results / "runs" / f"{point.key}.json").read_text("utf-8"))
    first = min(h["start_s"] for h in result["handovers"] if h["kind"] != "initial")
    with qtbot.waitSignal(shown.runOpened) as opened:
        shown.open_run(point)
    path, t = opened.args
    assert t == first == 1.0
    assert main.controller.scenario.name == load_scenario(path).name
    assert main.controller.scenario.mode == "mipv6"
    assert [n.name for n in main.controller.scenario.nodes if n.role == "mn"] == ["MN1", "MN2"]
    assert abs(main.controller.trace[main.controller.position].t - first) < 0.1
    shown.close()


def test_a_folder_without_results_says_so(window, tmp_path):
    assert not window.open_results(tmp_path)
    assert "Cannot show" in window.status.text()


def test_an_experiment_runs_with_progress_and_its_results_are_shown(window, qtbot, tmp_path):
    exp = tmp_path / "quick.toml"
    exp.write_text(textwrap.dedent("""
        [experiment]
        name = "quick"
        base = { generator = "grid", maps = 2, ars_per_map = 1, move_interval_s = 1 }
        seeds = [1, 2]
        [grid]
        mode = ["mipv6", "hmipv6"]
        """), "utf-8")
    with qtbot.waitSignal(window.finished, timeout=120_000) as done:
        window.start(str(exp), out=tmp_path / "out", jobs=1)
        assert window.cancel_button.isEnabled() and not window.run_button.isEnabled()
    assert done.args == [True]
    assert (window.progress.value(), window.progress.maximum()) == (4, 4)
    assert len(window.points) == 4 and window.folder == tmp_path / "out"


def test_cancel_stops_the_run_and_leaves_only_whole_files(window, qtbot, tmp_path):
    out = tmp_path / "out"
    window.start("ha-distance", out=out, jobs=2)
    # wait until the child has started its runs, then cancel
    qtbot.waitUntil(lambda: "runs" in window._stderr and "experiment ha-distance" in
                    window._stderr, timeout=60_000)
    with qtbot.waitSignal(window.finished, timeout=30_000) as done:
        window.cancel()
    assert done.args == [False]
    assert window.process is None and window.run_button.isEnabled()
    assert "Cancelled" in window.status.text()
    assert window.progress.value() < 60
    for path in out.rglob("*"):
        if path.is_file():
            assert path.suffix == ".json", path  # no temporary or half-written file
            json.loads(path.read_text("utf-8"))
    # the child stopped its worker processes too (their command line names ``out``);
    # they may take a moment to exit after the child itself has
    qtbot.waitUntil(lambda: _processes_naming(out) == [], timeout=15_000)


def _processes_naming(text) -> list[int]:
    """Process ids whose command line contains ``text`` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(text).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found
