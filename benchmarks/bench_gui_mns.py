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


def frames(scenario, seconds: float, start_s: float, chosen: str) -> tuple[list[float], int]:
    """bench_gui.frame_times, with ``chosen`` selected first ("" = all MNs)."""
    from hmipviz.gui import controller as controller_module
    original = controller_module.QtController.load

    def load_and_choose(self, sc, *, mode=None):
        original(self, sc, mode=mode)
        if chosen:
            self.select_mn(chosen)
    controller_module.QtController.load = load_and_choose
    try:
        return bench_gui.frame_times(scenario, seconds, start_s)
    finally:
        controller_module.QtController.load = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="playing time per run")
    parser.add_argument("--start", type=float, default=20.0, help="simulated time to start at")
    args = parser.parse_args()
    from PySide6 import __version__ as pyside_version
    platform = os.environ.get("QT_QPA_PLATFORM") or "xcb (DISPLAY=%s)" % os.environ.get(
        "DISPLAY")
    print(f"hmipviz GUI benchmark, many MNs: PySide6 {pyside_version}, Python "
          f"{sys.version.split()[0]}, Qt platform {platform}, {os.cpu_count()} CPUs")
    for count in (10, 20):
        scenario = campus(count)
        for chosen in ("", "MN2"):
            samples, moving = frames(scenario, args.seconds, args.start, chosen)
            what = f"campus, {count} MNs, " + (f"{chosen} chosen" if chosen else "all shown")
            print(f"{what}: frame time at 1x: median {statistics.median(samples):.2f} ms, "
                  f"p95 {bench_gui.p95(samples):.2f} ms, max {max(samples):.2f} ms "
                  f"({len(samples)} frames, {moving} with tokens moving)")


if __name__ == "__main__":
    main()
