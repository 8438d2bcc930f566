"""GUI figures: start-up time, drag-to-first-message latency, frame times while animating.

Prints, for the built-in ``figure1`` and for a generated stress scenario (100 ARs in
10 MAP domains, the MN moving across them, a data flow):

- start-up: from launching ``python -m hmipviz`` (figure1) to the canvas's first painted
  frame, median of --runs launches (includes the interpreter, the re-execution on the
  system allocator as a user's launch does it, and every import; bytecode cached as in
  an installed program), wall and CPU time, beside a bare PySide6 window launched the
  same way, alternated (a loaded machine slows both);
- drag-to-first-message: a real mouse drag of the MN (press, moves, release on the
  canvas) into the next AR's cell, timed from the release until the engine has produced
  the first protocol message of the handover (the MN's Router Solicitation) and until
  its token is on the canvas;
- frame times while playing at 1x: the main-thread work of each animation frame (the
  controller's tick and every repaint it causes), median and 95th percentile;
- the same with the compare view open on figure1 (View -> Compare Mobile IPv6 and
  HMIPv6, a drag to AR2 at 3 s replayed in both runs): each frame of its one clock drives
  two canvases, two counters and the bar chart (issue 13).

Targets (issue 4): p95 frame time under 16.7 ms on figure1, under 33 ms on the stress
scenario; start-up well under 1.5 s. Issue 13: p95 under 16.7 ms with the compare view
open on figure1; start-up to the first painted frame at most 450 ms (median). Runs on
the display in $DISPLAY (e.g. Xvfb), or offscreen when there is none. Usage:
python benchmarks/bench_gui.py [--runs 5] [--compare-only | --startup-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# --- the stress scenario ------------------------------------------------------------
def stress_scenario(n_maps: int = 10, ars_per_map: int = 10, duration_s: float = 30.0):
    """HA and CN behind a core router; n_maps MAPs, each over ars_per_map ARs laid out
    in a 5 x 2 block of overlapping cells; the MN walks across ARs and domains."""
    from hmipviz.scenario import (
        FlowSpec,
        LinkSpec,
        MapOptionSpec,
        MoveSpec,
        NodeSpec,
        Scenario,
    )

    cols, radius, spacing = 5, 100.0, 170.0
    block_w = cols * spacing + 120
    per_row = 5  # domains per row of the map

    def node(name, role, net, position, **more):
        return NodeSpec(name=name, role=role, address=IPv6Address(f"{net}::1"),
                        prefix=IPv6Network(f"{net}::/64"), position=position, **more)

    nodes = [node("HA", "ha", "2001:db8:1", (-300.0, -500.0)),
             node("CN", "cn", "2001:db8:50", (block_w * per_row + 100, -500.0)),
             node("R", "router", "2001:db8:ff", (block_w * per_row / 2, -450.0))]
    links = [LinkSpec(a="HA", b="R", delay_ms=20.0), LinkSpec(a="CN", b="R", delay_ms=20.0)]
    ars = []
    for m in range(n_maps):
        bx = (m % per_row) * block_w
        by = (m // per_row) * 700.0
        name = f"MAP{m + 1}"
        nodes.append(node(name, "map", f"2001:db8:{0x100 + m:x}",
                          (bx + block_w / 2 - 60, by - 150)))
        links.append(LinkSpec(a="R", b=name, delay_ms=10.0))
        for k in range(ars_per_map):
            i = m * ars_per_map + k
            ar = f"AR{i + 1}"
            position = (bx + (k % cols) * spacing, by + 80 + (k // cols) * spacing)
            nodes.append(node(ar, "ar", f"2001:db8:{0x1000 + i:x}", position, radius=radius,
                              map_options=(MapOptionSpec(map=name),)))
            links.append(LinkSpec(a=name, b=ar, delay_ms=2.0))
            ars.append(ar)
    nodes.append(NodeSpec(name="MN", role="mn", home_agent="HA",
                          home_address=IPv6Address("2001:db8:1::a"), interface_id=10,
                          attach=ars[0], position=(30.0, 130.0)))
    # walk along a row, hopping into the next domain now and then
    walk = [ars[i] for i in (1, 2, 3, 4, 10, 11, 12, 20, 21, 30, 31, 40, 41)]
    moves = tuple(MoveSpec(at_s=2.0 + 2.0 * j, to=ar) for j, ar in enumerate(walk)
                  if 2.0 + 2.0 * j < duration_s - 1)
    flows = (FlowSpec(source="CN", destination="MN", kind="echo", start_s=1.0,
                      interval_ms=200.0),)
    return Scenario(name="stress-100ar", description="generated: 100 ARs in 10 MAP domains",
                    mode="hmipv6", seed=1, duration_s=duration_s, nodes=tuple(nodes),
                    links=tuple(links), moves=moves, flows=flows)


# --- start-up ----------------------------------------------------------------------------
# A bare PySide6 window painted the same way: the floor for the start-up figure.
_BARE = r"""
import resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.setCentralWidget(QLabel("hello"))
w.resize(800, 600)
class Probe(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            def report():
                use = resource.getrusage(resource.RUSAGE_SELF)
                print(f"first-frame {time.time():.6f} in-process 0 cpu "
                      f"{use.ru_utime + use.ru_stime:.4f}", flush=True)
                app.quit()
            QTimer.singleShot(0, report)
        return False
probe = Probe()
w.centralWidget().installEventFilter(probe)
w.show()
app.exec()
"""


def _startup_env() -> dict[str, str]:
    """As an installed program runs: its bytecode cached (pip compiles a wheel's modules
    when it installs them; PYTHONDONTWRITEBYTECODE, set in some CI shells, would make
    every launch compile every module again, about 1 s here)."""
    env = dict(os.environ, HMIPVIZ_STARTUP_PROBE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               HOME=os.environ.get("HOME", "/tmp"),
               PYTHONPYCACHEPREFIX=str(Path(os.environ.get("TMPDIR", "/tmp"))
                                       / "hmipviz-bench-pycache"),
               # settings of its own: a user's (a saved classroom scale, a geometry) would
               # change what is built and drawn
               XDG_CONFIG_HOME=str(Path(os.environ.get("TMPDIR", "/tmp"))
                                   / "hmipviz-bench-config"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # as the user starts it: `hmipviz` re-executes itself on the system allocator
    # (hmipviz.entry, issue 9) unless PYTHONMALLOC is set, and that start counts
    env.pop("PYTHONMALLOC", None)
    return env


def _launch(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from launch to the first painted frame, CPU seconds by then)."""
    t0 = time.time()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT))
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("first-frame")), None)
    if line is None:
        raise RuntimeError(f"no first frame reported:\n{proc.stdout}\n{proc.stderr}")
    words = line.split()
    cpu = float(words[words.index("cpu") + 1]) if "cpu" in words else float("nan")
    return float(words[1]) - t0, cpu


def startup_figures(runs: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(hmipviz, bare PySide6 window) launches, alternated so both see the same load;
    one warm-up launch of each first (it writes the bytecode cache) is not counted."""
    env = _startup_env()
    app = [sys.executable, "-m", "hmipviz"]
    bare = [sys.executable, "-c", _BARE]
    _launch(app, env)
    _launch(bare, env)
    ours, floor = [], []
    for _ in range(runs):
        ours.append(_launch(app, env))
        floor.append(_launch(bare, env))
    return ours, floor


def print_startup(runs: int) -> None:
    ours, floor = startup_figures(runs)

    def ms(values: list[float]) -> str:
        return (f"median {statistics.median(values) * 1000:.0f} ms (min "
                f"{min(values) * 1000:.0f}, max {max(values) * 1000:.0f})")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"start-up (launch -> first painted frame, figure1, {runs} runs, load average "
          f"{load:.1f} on {os.cpu_count()} CPUs):")
    print(f"  hmipviz:             wall {ms([w for w, _ in ours])}, "
          f"CPU {ms([c for _, c in ours])}")
    print(f"  bare PySide6 window: wall {ms([w for w, _ in floor])}, "
          f"CPU {ms([c for _, c in floor])}")


# --- in-process measurements --------------------------------------------------------------
def _app():
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(Path(os.environ.get("TMPDIR", "/tmp")) / "hmipviz-bench-settings"))
    return app


def _window(scenario):
    from hmipviz.gui.main_window import MainWindow
    app = _app()
    w = MainWindow(scenario=scenario, restore_settings=False)
    w.resize(1600, 1000)
    w.show()
    _spin(app, 0.3)
    return app, w


def _spin(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def drag_latency(scenario, to_ar: str) -> tuple[float, float]:
    """(ms to the engine's first message, ms to its token on the canvas)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtTest import QTest

    from hmipviz.engine.events import PacketSent
    app, w = _window(scenario)
    c = w.controller
    c.seek_time(1.5)
    c.jump_to_next_idle()
    _spin(app, 0.1)
    view = w.topology
    vp = view.viewport()
    p0 = view.mapFromScene(view.mn_item.scenePos())
    p1 = view.mapFromScene(view.cell_item(to_ar).centre + QPointF(5, 30))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, 9):
        QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // 8,
                                   p0.y() + (p1.y() - p0.y()) * k // 8))
    before = len(c.trace)

    def first_sent() -> int | None:
        return next((i for i in range(before, len(c.trace))
                     if isinstance(c.trace[i], PacketSent)), None)
    t0 = time.perf_counter()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)
    engine_ms = shown_ms = None
    while time.perf_counter() - t0 < 10:
        i = first_sent()
        if i is not None and engine_ms is None:
            engine_ms = (time.perf_counter() - t0) * 1000
        if i is not None and c.position >= i and i in view.tokens:
            app.processEvents()  # its first paint
            shown_ms = (time.perf_counter() - t0) * 1000
            break
        app.processEvents()
        time.sleep(0.0005)
    c.pause()
    w.close()
    w.deleteLater()
    return engine_ms or float("nan"), shown_ms or float("nan")


def frame_times(scenario, seconds: float, start_s: float) -> tuple[list[float], int]:
    """Per-frame main-thread work (ms) while playing at 1x, and the frames that had a
    token moving on the canvas."""
    app, w = _window(scenario)
    c = w.controller
    c.seek_time(start_s)
    _spin(app, 0.1)
    samples: list[float] = []
    moving = [0]
    original = c._on_tick

    def timed_tick() -> None:
        t0 = time.perf_counter()
        original()
        app.processEvents()  # the repaints this frame caused, drawn now
        samples.append((time.perf_counter() - t0) * 1000)
        if w.topology.tokens:
            moving[0] += 1
    c._timer.timeout.disconnect(c._on_tick)
    c._timer.timeout.connect(timed_tick)
    c.set_speed(1.0)
    c.play()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and c.playing:
        app.processEvents()
        time.sleep(0.001)
    c.pause()
    w.close()
    w.deleteLater()
    return samples, moving[0]


def compare_frame_times(scenario, seconds: float, start_s: float) -> tuple[list[float], int]:
    """Per-frame main-thread work (ms) of the compare view's clock playing at 1x (its
    frame and every repaint it causes, in both canvases), and the frames with a token
    moving on either canvas."""
    app, w = _window(scenario)
    c = w.controller
    c.autoplay_on_action = False
    c.seek_time(3.0)
    c.move_mn("AR2")  # the demonstration both runs replay
    view = w.open_compare()
    _spin(app, 0.3)
    d = view.driver
    d.seek(start_s)
    samples: list[float] = []
    moving = [0]

    def timed_frame() -> None:
        t0 = time.perf_counter()
        d.frame()
        app.processEvents()  # the repaints this frame caused, drawn now
        samples.append((time.perf_counter() - t0) * 1000)
        if any(p.view.tokens for p in view.panes.values()):
            moving[0] += 1
    d._timer.timeout.disconnect(d.frame)
    d._timer.timeout.connect(timed_frame)
    d.set_speed(1.0)
    d.play()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and d.playing:
        app.processEvents()
        time.sleep(0.001)
    d.pause()
    view.close()
    w.close()
    w.deleteLater()
    return samples, moving[0]


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-up launches (median)")
    parser.add_argument("--seconds", type=float, default=8.0, help="animation time per scenario")
    parser.add_argument("--compare-only", action="store_true",
                        help="only the compare view's frame times")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up figures (and a bare PySide6 window's)")
    args = parser.parse_args()
    if args.startup_only:
        print_startup(args.runs)
        return

    from PySide6 import __version__ as pyside_version
    platform = os.environ.get("QT_QPA_PLATFORM") or f"xcb (DISPLAY={os.environ.get('DISPLAY')})"
    print(f"hmipviz GUI benchmark: PySide6 {pyside_version}, Python "
          f"{sys.version.split()[0]}, Qt platform {platform}, {os.cpu_count()} CPUs")

    from hmipviz.scenario import load_scenario
    samples, moving = compare_frame_times(load_scenario("figure1"), args.seconds, 2.0)
    print("figure1, compare view open (two canvases on one clock):")
    print(f"  frame time while animating at 1x: median {statistics.median(samples):.2f} ms, "
          f"p95 {p95(samples):.2f} ms, max {max(samples):.2f} ms "
          f"({len(samples)} frames, {moving} with tokens moving)")
    if args.compare_only:
        return

    print_startup(args.runs)

    for label, scenario, to_ar, start in (
            ("figure1", load_scenario("figure1"), "AR2", 2.0),
            ("stress 100 ARs / 10 MAPs", stress_scenario(), "AR12", 1.2)):
        engine_ms, shown_ms = drag_latency(scenario, to_ar)
        samples, moving = frame_times(scenario, args.seconds, start)
        print(f"{label}:")
        print(f"  drag -> first message: engine {engine_ms:.1f} ms, token on screen "
              f"{shown_ms:.1f} ms")
        print(f"  frame time while animating at 1x: median {statistics.median(samples):.2f} ms, "
              f"p95 {p95(samples):.2f} ms, max {max(samples):.2f} ms "
              f"({len(samples)} frames, {moving} with tokens moving)")


if __name__ == "__main__":
    main()
