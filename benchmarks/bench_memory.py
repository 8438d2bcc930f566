"""Peak memory of `hmipviz run` against simulated time, and of the window.

Runs `hmipviz run` with the trace (JSON Lines) and the capture (pcapng) on, in a child
process, for a short and a long stretch of simulated time of the same scenario, and
reads each child's peak resident set size from the kernel (``wait4``'s rusage). The
CLI streams both outputs as the run goes, so the two peaks should be about the same:
the target is the long run under 300 MB and within 1.3x of the short one.

The scenario is ``figure1`` with one flow from the CN to the MN every 10 ms (``--kind``
echo or udp; an echo flow runs past 655 s only where echo sequence numbers wrap
modulo 2^16), written to a temporary TOML file; outputs go to a temporary directory
that is removed afterwards (an hour of simulated time writes about 4 GB).

If ``benchmarks/memory_gui.py`` exists, its ``measure_gui_rss_mb()`` gives the
window's figure too.

Usage: python benchmarks/bench_memory.py [--short 60] [--long 3600] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from hmipviz.resources import builtin_scenarios_dir

TARGET_MB = 300.0
TARGET_RATIO = 1.3


def scenario_toml(kind: str, interval_ms: float, duration_s: float) -> str:
    """figure1 with its flow replaced by one packet every ``interval_ms``."""
    text = (builtin_scenarios_dir() / "figure1.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^duration_s = .*$", f"duration_s = {duration_s:g}", text)
    flow = text.index("[[flow]]")
    return text[:flow] + (f'[[flow]]\nfrom = "CN"\nto = "MN"\nkind = "{kind}"\n'
                          f"start_s = 2\ninterval_ms = {interval_ms:g}\n")


def peak_rss_mb(scenario: Path, until_s: float, out_dir: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, wall seconds, the summary's first line) of one `hmipviz run`,
    read from the child's own rusage (wait4), not sampled."""
    trace, pcap = out_dir / "run.jsonl", out_dir / "run.pcapng"
    with open(out_dir / "stdout", "w+") as out, open(out_dir / "stderr", "w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "hmipviz", "run", str(scenario),
                                 "--until", f"{until_s:g}", "--trace", str(trace),
                                 "--pcap", str(pcap)], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        summary, problems = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"hmipviz run --until {until_s:g} failed ({proc.returncode}): "
                         f"{problems.strip()[-2000:]}")
    written = sum(p.stat().st_size for p in (trace, pcap)) / 1e6
    for p in (trace, pcap):
        p.unlink()
    first = summary.splitlines()[0] if summary else ""
    return usage.ru_maxrss / 1024, wall, f"{first} ({written:,.0f} MB written)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=float, default=60.0, help="simulated seconds (60)")
    parser.add_argument("--long", type=float, default=3600.0, help="simulated seconds (3600)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the short one (3)")
    parser.add_argument("--long-repeat", type=int, default=1, help="runs of the long one (1)")
    parser.add_argument("--kind", choices=["echo", "udp"], default="echo")
    parser.add_argument("--interval-ms", type=float, default=10.0)
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}; {date.today().isoformat()}")
    with tempfile.TemporaryDirectory(prefix="hmipviz-bench-memory-") as tmp:
        out_dir = Path(tmp)
        scenario = out_dir / "memory-10ms.toml"
        scenario.write_text(scenario_toml(args.kind, args.interval_ms,
                                          max(args.short, args.long)), encoding="utf-8")
        print(f"scenario: figure1, one {args.kind} packet CN -> MN every "
              f"{args.interval_ms:g} ms; trace and capture on")
        medians = {}
        for until, repeat in ((args.short, args.repeat), (args.long, args.long_repeat)):
            peaks = []
            for _ in range(max(1, repeat)):
                mb, wall, line = peak_rss_mb(scenario, until, out_dir)
                peaks.append(mb)
                print(f"  {until:>6g} s simulated: peak RSS {mb:7.1f} MB, {wall:6.1f} s wall;"
                      f" {line}", flush=True)
            medians[until] = statistics.median(peaks)
    short, long = medians[args.short], medians[args.long]
    ratio = long / short
    print(f"hmipviz run peak RSS (median): {args.short:g} s {short:.1f} MB, "
          f"{args.long:g} s {long:.1f} MB, ratio {ratio:.2f} "
          f"(targets: < {TARGET_MB:g} MB, ratio < {TARGET_RATIO})")
    ok = long < TARGET_MB and ratio < TARGET_RATIO

    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from memory_gui import measure_gui_rss_mb  # type: ignore[import-not-found]
    except ImportError as exc:
        print(f"window: not measured (benchmarks/memory_gui.py not available: {exc})")
    else:
        print(f"window peak RSS: {measure_gui_rss_mb():.1f} MB (target < 250 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
