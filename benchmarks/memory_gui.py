"""The window's memory after a long demo (issue 9: under 250 MB after 10 minutes).

The demo: the real main window (offscreen Qt) on figure1, playing at 1x, the MN dragged
to the other access router every 10 s. The controller's animation clock
(``QtController.clock_ms``) is replaced by a fake one that advances one frame (16 ms)
per playback tick, so ten minutes of demo are played in much less wall time; the views
repaint every few frames (``paint_every``), as a screen would show them.

    python benchmarks/memory_gui.py [--minutes 10]

prints the resident set size (VmRSS) at the end, and the peak (VmHWM).
``measure_gui_rss_mb(minutes)`` returns the RSS in MB, measured in a child process;
benchmarks/bench_memory.py imports it.

Known while this was written: dragging the MN back and forth every few hundred ms of
simulated time (what this demo does at 1x) made the engine loop at one instant after
about 7 minutes of demo; the controller now stops the run there with a message
(``STALL_STEPS``) and the demo goes on dragging, so the figure stays measurable.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DRAG_EVERY_MS = 10_000
FRAME_MS = 16


def _proc_status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {key} in /proc/self/status")


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    return _proc_status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _proc_status_mb("VmHWM")


def run_demo(minutes: float = 10.0, paint_every: int = 4, on_minute=None):
    """Play the demo; return the window (still open) and its controller."""
    from PySide6.QtWidgets import QApplication

    from hmipviz.gui.main_window import MainWindow
    from hmipviz.scenario import load_scenario

    app = QApplication.instance() or QApplication([])
    window = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    window.show()
    app.processEvents()
    c = window.controller
    fake = [0.0]
    c.clock_ms = lambda: fake[0]
    c._timer.setInterval(1 << 30)  # the demo calls the ticks itself, one per fake frame
    ars = [n.name for n in c.scenario.nodes if n.role == "ar"]
    frames = int(minutes * 60_000 / FRAME_MS)
    next_drag, drags = DRAG_EVERY_MS, 0
    c.play()
    for frame in range(1, frames + 1):
        fake[0] += FRAME_MS
        if fake[0] >= next_drag:
            next_drag += DRAG_EVERY_MS
            drags += 1
            here = c.mn_ar_at(c.position)
            others = [a for a in ars if a != here] or ars
            window.topology.move_mn_to(others[drags % len(others)])
            if not c.playing:
                c.play()
        if c.playing:
            c._on_tick()
        if frame % paint_every == 0:
            app.processEvents()
        if on_minute is not None and frame % int(60_000 / FRAME_MS) == 0:
            on_minute(frame * FRAME_MS / 60_000, c)
    app.processEvents()
    return window, c


def measure_gui_rss_mb(minutes: float = 10.0) -> float:
    """RSS in MB of the window after ``minutes`` of demo (fake clock: ten minutes of
    demo take two to five minutes of wall time). Measured in a fresh Python process,
    so the caller's own memory (and Qt state) does not count."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--minutes",
                          str(minutes), "--value"], capture_output=True, text=True,
                         check=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--verbose", action="store_true", help="print RSS every demo minute")
    p.add_argument("--value", action="store_true", help="print only the RSS in MB")

    def every_minute(m, c):
        snaps = len(c._history.snapshots) if hasattr(c, "_history") else len(c._snapshots)
        print(f"  minute {m:4.1f}: RSS {rss_mb():6.1f} MB, trace {len(c.trace):,} events, "
              f"sim t = {c.sim.now:.1f} s, snapshots {snaps}", flush=True)

    args = p.parse_args()
    window, c = run_demo(args.minutes, on_minute=every_minute if args.verbose else None)
    if args.value:
        print(f"{rss_mb():.1f}")
        return 0
    print(f"GUI RSS after {args.minutes:g} min of demo (figure1, a drag every 10 s, 1x): "
          f"{rss_mb():.1f} MB (peak {peak_rss_mb():.1f} MB; trace {len(c.trace):,} events, "
          f"simulated {c.sim.now:.1f} s)")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
