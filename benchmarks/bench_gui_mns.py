"""GUI frame times with many mobile nodes (issue 11, item 4): ``campus`` (10 MNs on
random waypoints, each pinging the CN) and the same campus with 20 MNs.

For each: the main-thread work of each animation frame while playing at 1x (the
controller's tick, the MNs walking along their trajectories, the tokens, and every
repaint it causes), median and 95th percentile, measured as ``bench_gui.py`` does;
once with every MN shown and once with one MN chosen (the views filtered to it).

Target: p95 frame time at most 33 ms with 20 MNs. Runs on the display in $DISPLAY
(e.g. ``xvfb-run -a -s "-screen 0 1920x1080x24"``), or offscreen when there is none.
Usage: python benchmarks/bench_gui_mns.py [--seconds 10] [--start 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_gui  # noqa: E402  (sets the offscreen platform when there is no display)


def campus(count: int):
    """The built-in campus with ``count`` MNs in its one [[mn_group]]."""
    from hmipviz.scenario import load_scenario
    text = (ROOT / "assets" / "scenarios" / "campus.toml").read_text()
    assert "count = 10" in text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"campus-{count}.toml"
        path.write_text(text.replace("count = 10", f"count = {count}"))
        return load_scenario(str(path))


def frames(scenario, seconds: float, start_s: float, chosen: str
           ) -> tuple[list[float], list[float], float]:
    """Per-frame main-thread work while playing at 1x, as ``bench_gui.frame_times``
    measures it (the tick and the repaints it causes), with ``chosen`` selected first
    ("" = all MNs): (wall ms, main-thread CPU ms, simulated seconds played). The CPU
    figure is what the window itself costs; the wall figure also counts other
    processes on a busy machine."""
    import time
    app, w = bench_gui._window(scenario)
    c = w.controller
    c.seek_time(start_s)
    if chosen:
        c.select_mn(chosen)
    bench_gui._spin(app, 0.1)
    wall: list[float] = []
    cpu: list[float] = []
    original = c._on_tick

    def timed_tick() -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        original()
        app.processEvents()  # the repaints this frame caused, drawn now
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    c._timer.timeout.disconnect(c._on_tick)
    c._timer.timeout.connect(timed_tick)
    c.set_speed(1.0)
    sim_t0 = c.display_time()
    c.play()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and c.playing:
        app.processEvents()
        time.sleep(0.001)
    played = c.display_time() - sim_t0
    c.pause()
    w.close()
    w.deleteLater()
    return wall, cpu, played


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="playing time per run")
    parser.add_argument("--start", type=float, default=20.0, help="simulated time to start at")
    args = parser.parse_args()
    from PySide6 import __version__ as pyside_version
    platform = os.environ.get("QT_QPA_PLATFORM") or f"xcb (DISPLAY={os.environ.get('DISPLAY')})"
    print(f"hmipviz GUI benchmark, many MNs: PySide6 {pyside_version}, Python "
          f"{sys.version.split()[0]}, Qt platform {platform}, {os.cpu_count()} CPUs")
    with open("/proc/loadavg") as f:
        print(f"load average at start: {f.read().split()[0]}")
    for count in (10, 20):
        scenario = campus(count)
        for chosen in ("", "MN2"):
            wall, cpu, played = frames(scenario, args.seconds, args.start, chosen)
            what = f"campus, {count} MNs, " + (f"{chosen} chosen" if chosen else "all shown")
            print(f"{what}: {len(wall)} frames, {played:.1f} s simulated in "
                  f"{args.seconds:.0f} s")
            print(f"  frame time, main-thread CPU: median {statistics.median(cpu):.2f} ms, "
                  f"p95 {bench_gui.p95(cpu):.2f} ms, max {max(cpu):.2f} ms")
            print(f"  frame time, wall:            median {statistics.median(wall):.2f} ms, "
                  f"p95 {bench_gui.p95(wall):.2f} ms, max {max(wall):.2f} ms")


if __name__ == "__main__":
    main()
