"""Sum and rank the CPU time per test written by HMIPVIZ_TEST_CPU (tests/conftest.py).

    HMIPVIZ_TEST_CPU=/tmp/cpu.tsv pytest -q -p no:cacheprovider
    python benchmarks/suite_cpu.py /tmp/cpu.tsv [--top 30]

Prints the total, the share of the slowest tests and the slowest test files: what to
look at first when the suite gets slow on a shared machine, where wall time says little.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    per_test: Counter[str] = Counter()
    for line in args.log.read_text().splitlines():
        seconds, _, nodeid = line.partition("\t")
        per_test[nodeid] += float(seconds)
    total = sum(per_test.values())
    per_file: Counter[str] = Counter()
    for nodeid, s in per_test.items():
        per_file[nodeid.split("::")[0]] += s
    print(f"{len(per_test)} tests, {total:.1f} CPU s in their call phases")
    print(f"\nslowest {args.top} tests:")
    for nodeid, s in per_test.most_common(args.top):
        print(f"{s:8.2f}  {nodeid}")
    print(f"\nslowest {args.top} files:")
    for name, s in per_file.most_common(args.top):
        print(f"{s:8.2f}  {name}")


if __name__ == "__main__":
    main()
