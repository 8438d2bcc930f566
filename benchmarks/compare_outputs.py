"""Run every built-in scenario headless with --trace, --pcap and --caches and print a
digest of each output and of the printed summary, so two versions of hmipviz can be
compared byte for byte.

Usage (run outside the checkout so PYTHONPATH picks the version):
    PYTHONPATH=/path/to/old python benchmarks/compare_outputs.py > old.txt
    PYTHONPATH=/path/to/new python benchmarks/compare_outputs.py > new.txt
    diff old.txt new.txt   # no output: every trace and capture is identical
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from pathlib import Path

from hmipviz.cli import main
from hmipviz.scenario import builtin_scenarios

VARIANTS = ([], ["--mode", "mipv6"], ["--security", "esp"])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def run_all() -> None:
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the summary names the files written: the same names each time
        out = Path()
        for name in sorted(builtin_scenarios()):
            for extra in VARIANTS:
                trace, pcap, caches = out / "t.jsonl", out / "c.pcapng", out / "c.json"
                summary = io.StringIO()
                with contextlib.redirect_stdout(summary):
                    rc = main(["run", name, "--trace", str(trace), "--pcap", str(pcap),
                               "--caches", str(caches), *extra])
                text = hashlib.sha256(summary.getvalue().encode()).hexdigest()[:16]
                label = " ".join([name, *extra])
                print(f"{label:36} rc={rc} trace={digest(trace)} pcap={digest(pcap)} "
                      f"caches={digest(caches)} summary={text} "
                      f"({trace.stat().st_size} + {pcap.stat().st_size} bytes)")
        os.chdir(here)


if __name__ == "__main__":
    run_all()
