"""Sum and rank the CPU time per test written by HMIPVIZ_TEST_CPU (tests/conftest.py).

    HMIPVIZ_TEST_CPU=/tmp/cpu.tsv pytest -q -p no:cacheprovider
    python benchmarks/suite_cpu.py /tmp/cpu.tsv [--top 30]

Prints the total, the share of the slowest tests and the slowest test files: what to
look at first when the suite gets slow on a shared machine, where wall time says little.
Each line is "call seconds<TAB>test id", then (logs written since 2026-12-02) the test's
whole CPU time (set-up, call, tear-down) and its subprocesses' CPU time; those are ranked
too when present.
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
    whole: Counter[str] = Counter()
    children: Counter[str] = Counter()
    for line in args.log.read_text().splitlines():
        seconds, nodeid, *more = line.split("\t")
        per_test[nodeid] += float(seconds)
        if len(more) == 2:
            whole[nodeid] += float(more[0])
            children[nodeid] += float(more[1])
    total = sum(per_test.values())
    print(f"{len(per_test)} tests, {total:.1f} CPU s in their call phases")
    if whole:
        print(f"{sum(whole.values()):.1f} CPU s with set-up and tear-down, "
              f"{sum(children.values()):.1f} CPU s in the subprocesses they waited for")
    _rank(f"slowest {args.top} tests (call phase):", per_test, args.top)
    _rank(f"slowest {args.top} files (call phase):", _per_file(per_test), args.top)
    if whole:
        setup = Counter({k: whole[k] - per_test[k] for k in whole})
        _rank(f"most set-up and tear-down, by file (top {args.top}):", _per_file(setup),
              args.top)
        _rank(f"most subprocess CPU (top {args.top}):", children, args.top)


def _per_file(per_test: Counter[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for nodeid, s in per_test.items():
        out[nodeid.split("::")[0]] += s
    return out


def _rank(title: str, counts: Counter[str], top: int) -> None:
    print(f"\n{title}")
    for name, s in counts.most_common(top):
        if s > 0:
            print(f"{s:8.2f}  {name}")


if __name__ == "__main__":
    main()
