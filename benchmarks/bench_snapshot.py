"""Cost of a simulation snapshot (hmipviz/sim_snapshot.py) against the deep copy it
replaced: size in memory and median time to take and to restore one, for three built-in
scenarios run to t = 20 s.

    python benchmarks/bench_snapshot.py
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


def _median_ms(f, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _allocated_kb(f) -> float:
    tracemalloc.start()
    kept = f()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return size / 1000


def main() -> None:
    print(f"{'scenario':10s} {'deepcopy kB':>11s} {'ms':>6s} {'pickled kB':>10s} "
          f"{'take ms':>7s} {'restore ms':>10s} {'take x':>6s}")
    for name in ("figure1", "commuters", "campus"):
        sim = Simulation(load_scenario(name))
        while not sim.trace or sim.trace[-1].t < 20:
            if not sim.step():
                break
        state = {k: v for k, v in sim.__dict__.items() if k not in ("trace", "_listeners")}
        snap = sim.snapshot()
        deep_kb = _allocated_kb(lambda state=state: copy.deepcopy(state))
        pickled_kb = _allocated_kb(sim.snapshot)
        deep_ms = _median_ms(lambda state=state: copy.deepcopy(state))
        take_ms = _median_ms(sim.snapshot)
        restore_ms = _median_ms(lambda sim=sim, snap=snap: sim.restore_snapshot(snap))
        print(f"{name:10s} {deep_kb:11.0f} {deep_ms:6.2f} {pickled_kb:10.0f} "
              f"{take_ms:7.2f} {restore_ms:10.2f} {deep_ms / take_ms:6.1f}")


if __name__ == "__main__":
    main()
