"""How the simulator scales with the number of MNs (issue 11 targets).

One random-waypoint network (HA and CN behind a router, one MAP over four ARs in a
2 x 2 grid of 150 m cells) with 1, 10, 100 and 1000 MNs from one ``[[mn_group]]``,
each MN sending a 10 packets/s echo flow to the CN, 300 s simulated, no trace kept
and no capture. Each size runs in a subprocess of its own, so the peak RSS printed is
that size's alone. Prints wall time, events, events/s and peak RSS per size.

Wall time and events/s are wall-clock; CPU seconds are printed beside them, since on
a shared machine they are the steadier figure.

Usage: python benchmarks/bench_scale.py [--sizes 1,10,100,1000] [--duration 300]
       [--duration-for 1000=60] [--profile N]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

NETWORK = """
[scenario]
name = "bench-scale"
description = "bench_scale.py: {count} MNs on random waypoints under one MAP"
seed = 7
duration_s = {duration}

[[node]]
name = "HA"
role = "ha"
address = "2001:db8:1::1"
prefix = "2001:db8:1::/64"
position = [100, 60]

[[node]]
name = "CN"
role = "cn"
address = "2001:db8:50::1"
prefix = "2001:db8:50::/64"
position = [500, 60]

[[node]]
name = "R"
role = "router"
address = "2001:db8:ff::1"
prefix = "2001:db8:ff::/64"
position = [300, 120]

[[node]]
name = "MAP1"
role = "map"
address = "2001:db8:100::1"
prefix = "2001:db8:100::/64"
position = [300, 220]
{ars}
[[link]]
a = "HA"
b = "R"
delay_ms = 20

[[link]]
a = "CN"
b = "R"
delay_ms = 20

[[link]]
a = "R"
b = "MAP1"
delay_ms = 10
{ar_links}
[[mn_group]]
name = "MN"
count = {count}
home_agent = "HA"
home_prefix = "2001:db8:1::/64"
interface_id = "::1:0"
mobility = {mobility}
flow = {{ kind = "echo", to = "CN", interval_ms = 100, start_s = 1 }}
"""

# every MN walks the whole area: random waypoints, 1-15 m/s, pauses of up to 10 s
MOBILITY = ('{ model = "random_waypoint", area = [100, 300, 500, 700], '
            'speed_mps = [1, 15], pause_s = [0, 10] }')

AR = """
[[node]]
name = "AR{i}"
role = "ar"
address = "2001:db8:{n}::1"
prefix = "2001:db8:{n}::/64"
position = [{x}, {y}]
radius = 150
map_options = [{{ map = "MAP1" }}]
"""

AR_LINK = """
[[link]]
a = "MAP1"
b = "AR{i}"
delay_ms = 2
"""

CELLS = [(200, 400), (400, 400), (200, 600), (400, 600)]


def scenario_text(count: int, duration_s: float) -> str:
    ars = "".join(AR.format(i=i, n=i + 1, x=x, y=y) for i, (x, y) in enumerate(CELLS, 1))
    links = "".join(AR_LINK.format(i=i) for i in range(1, len(CELLS) + 1))
    return NETWORK.format(count=count, duration=duration_s, ars=ars, ar_links=links,
                          mobility=MOBILITY)


def run_one(count: int, duration_s: float, profile: bool) -> dict:
    """One size in this process: build, run, measure."""
    import tempfile

    from hmipviz.scenario import load_scenario
    from hmipviz.sim import Simulation

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(scenario_text(count, duration_s))
    t0 = time.perf_counter()
    scenario = load_scenario(f.name)
    sim = Simulation(scenario, keep_trace=False)
    build_s = time.perf_counter() - t0
    events = [0]

    def count_event(_e) -> None:
        events[0] += 1

    sim.add_listener(count_event)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.runcall(sim.run)
        wall = time.perf_counter() - t0
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        sim.run()
        wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    attached = sum(1 for name in sim.mn_names if sim.mobile_node(name).ar is not None)
    return {"mns": count, "duration_s": duration_s, "build_s": build_s, "wall_s": wall,
            "cpu_s": cpu,
            "events": events[0], "events_per_s": events[0] / wall if wall else 0.0,
            "events_per_cpu_s": events[0] / cpu if cpu else 0.0,
            "peak_rss_mib": rss_kib / 1024.0, "attached_at_end": attached,
            "internal_errors": sim.internal_errors}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,10,100,1000")
    ap.add_argument("--duration", type=float, default=300.0, help="simulated seconds")
    ap.add_argument("--duration-for", action="append", default=[], metavar="N=SECONDS",
                    help="a shorter simulated time for one size (e.g. 1000=60)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--profile", type=int, metavar="N",
                    help="profile the run with N MNs (cProfile, to standard error)")
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.duration, args.profile == args.one)))
        return
    durations = {int(k): float(v) for k, v in (d.split("=") for d in args.duration_for)}
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{platform.platform()}")
    print("wall time and events/s are wall-clock; on a shared machine the CPU columns "
          "are the steadier figures")
    print(f"{'MNs':>5} {'simulated':>9} {'wall s':>8} {'CPU s':>8} {'events':>10} "
          f"{'events/s':>9} {'ev/CPU s':>9} {'peak RSS':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        duration = durations.get(size, args.duration)
        cmd = [sys.executable, __file__, "--one", str(size), "--duration", str(duration)]
        if args.profile == size:
            cmd += ["--profile", str(size)]
        out = subprocess.run(cmd, capture_output=args.profile != size, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout else {}
        print(f"{size:5d} {duration:8g}s {row['wall_s']:8.1f} {row['cpu_s']:8.1f} "
              f"{row['events']:10d} {row['events_per_s']:9.0f} {row['events_per_cpu_s']:9.0f} "
              f"{row['peak_rss_mib']:7.0f} MiB"
              + (f"  ({row['internal_errors']} internal errors)"
                 if row["internal_errors"] else ""), flush=True)


if __name__ == "__main__":
    main()
