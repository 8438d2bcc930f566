"""Engine and codec throughput, measured in one run so the figures compare.

Prints, for a long two-domain scenario with a data flow:
- simulated events per second (whole simulator: engine + codec + scheduling);
- the share of that time spent encoding and decoding bytes;
- packets encoded+decoded per second by hmipviz's codec, cold (caches cleared) and as
  the simulator uses it (cached);
- scapy's naive build+dissect rate for the same packets.
Each figure is the median of --repeat runs. Usage: python benchmarks/bench_engine.py
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time

from hmipviz import sim as sim_module
from hmipviz.engine.events import PacketSent
from hmipviz.scenario import FlowSpec, MoveSpec, load_scenario
from hmipviz.sim import Simulation
from hmipviz.wire import codec


def long_scenario(duration_s: float):
    base = load_scenario("two-domains")
    ars = [n.name for n in base.nodes if n.role == "ar"]
    order = ars + ars[-2:0:-1]  # walk out and back
    moves = tuple(MoveSpec(float(t), order[i % len(order)])
                  for i, t in enumerate(range(3, int(duration_s), 3)))
    flow = FlowSpec("CN", base.nodes_with_role("mn")[0].name, "echo", 1.0, 50.0)
    return dataclasses.replace(base, duration_s=duration_s, moves=moves, flows=(flow,))


def timed_run(scenario) -> tuple[float, float, float, Simulation]:
    """Wall time of a whole run, its CPU time (less sensitive to other jobs on a shared
    machine), and the part of the wall time spent in encode/decode."""
    spent = [0.0]
    real_encode, real_decode = sim_module.encode, sim_module.decode

    def enc(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_encode(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    def dec(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_decode(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    codec._encode_cached.cache_clear()
    codec._decode_cached.cache_clear()
    sim_module.encode, sim_module.decode = enc, dec
    try:
        sim = Simulation(scenario)
        t0, c0 = time.perf_counter(), time.process_time()
        sim.run()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        sim_module.encode, sim_module.decode = real_encode, real_decode
    return wall, cpu, spent[0], sim


def rate(fn, items) -> float:
    t0 = time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=120.0, help="simulated seconds")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from scapy.layers.inet6 import IPv6  # the naive baseline dissects with scapy

    scenario = long_scenario(args.duration)
    walls, cpus, shares, events = [], [], [], 0
    sim = None
    for _ in range(args.repeat):
        wall, cpu, codec_s, sim = timed_run(scenario)
        walls.append(wall)
        cpus.append(cpu)
        shares.append(codec_s / wall)
        events = len(sim.trace)
    packets = [codec.decode(e.data) for e in sim.trace if isinstance(e, PacketSent) and e.origin]
    wire = [codec.encode(p) for p in packets]

    def cold(p):
        codec._encode_cached.cache_clear()
        codec._decode_cached.cache_clear()
        codec.decode(codec.encode(p))

    def warm(p):
        codec.decode(codec.encode(p))

    def naive(p):
        IPv6(codec.encode_with_scapy(p))

    cold_r = statistics.median(rate(cold, packets) for _ in range(args.repeat))
    warm_r = statistics.median(rate(warm, packets) for _ in range(args.repeat))
    naive_r = statistics.median(rate(naive, packets[:2000]) for _ in range(args.repeat))
    wall = statistics.median(walls)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python "
          f"{platform.python_version()} ({time.strftime('%Y-%m-%d')})")
    print(f"scenario: two-domains, {args.duration:g} s simulated, move every 3 s, echo every "
          f"50 ms; {events} events, {len(packets)} packets built, "
          f"{sum(len(w) for w in wire)} bytes")
    print(f"simulator: {events / wall:,.0f} events/s  ({wall:.2f} s wall, median of "
          f"{args.repeat}; {args.duration / wall:,.0f}x real time)")
    print(f"simulator, per CPU second: {events / statistics.median(cpus):,.0f} events/s")
    print(f"codec share of simulator time: {statistics.median(shares) * 100:.1f} %")
    print(f"codec encode+decode, cold:   {cold_r:,.0f} packets/s")
    print(f"codec encode+decode, cached: {warm_r:,.0f} packets/s")
    print(f"scapy naive build+dissect:   {naive_r:,.0f} packets/s")
    print(f"codec cold / scapy naive: {cold_r / naive_r:.1f}x")
    # what the run would cost with scapy building and dissecting every packet instead
    protocol_s = wall * (1 - statistics.median(shares))
    scapy_s = len(packets) / naive_r
    print(f"with scapy as the codec the run would take ~{protocol_s + scapy_s:.1f} s, "
          f"{scapy_s / (protocol_s + scapy_s) * 100:.0f} % of it in scapy")


if __name__ == "__main__":
    main()
