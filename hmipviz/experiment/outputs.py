"""What an experiment writes into its directory: tidy CSV files (one observation per
row) and ``summary.md``, the tables a teacher pastes into slides."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from hmipviz.fileio import atomic_write

from .spec import ExperimentSpec
from .stats import median, percentile

HANDOVER_COLUMNS = ("run", "mn", "kind", "from_ar", "to_ar", "map", "start_s", "latency_ms",
                    "packets_lost", "ha_bus", "ra_answer_ms", "model_latency_ms")
SIGNALLING_COLUMNS = ("run", "node", "role", "messages", "bytes", "messages_per_s",
                      "bytes_per_s")
MN_COLUMNS = ("run", "mn", "handovers", "moves", "ha_bus", "map_bus", "packets_lost")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def _csv(columns: list[str] | tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def run_columns(spec: ExperimentSpec) -> list[str]:
    axes = [a.name for a in spec.axes]
    mode = [] if "mode" in axes else ["mode"]
    return ["run"] + axes + ["seed"] + mode + list(spec.metrics)


def write_tables(spec: ExperimentSpec, results: list[dict[str, Any]], out: Path) -> list[Path]:
    """runs.csv, handovers.csv, signalling.csv and summary.md; the paths written."""
    runs = [{"run": r["key"], **r["parameters"], "seed": r["seed"], "mode": r["mode"],
             **r["metrics"]} for r in results]
    hos = [{"run": r["key"], **h} for r in results for h in r["handovers"]]
    sig = [{"run": r["key"], **s} for r in results for s in r["signalling"]]
    mns = [{"run": r["key"], **m} for r in results for m in r.get("mns", [])]
    files = {
        "runs.csv": _csv(run_columns(spec), runs),
        "handovers.csv": _csv(HANDOVER_COLUMNS, hos),
        "signalling.csv": _csv(SIGNALLING_COLUMNS, sig),
        "mns.csv": _csv(MN_COLUMNS, mns),
        "summary.md": summary_markdown(spec, results),
    }
    written = []
    for name, text in files.items():
        atomic_write(out / name, text)
        written.append(out / name)
    return written


# --- summary.md ---------------------------------------------------------------------------

def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i else ":---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def _point_axes(spec: ExperimentSpec) -> list[str]:
    """The grid axes other than the mode (the mode gets a column of its own)."""
    return [a.name for a in spec.axes if a.name not in ("mode", "scenario.mode")]


def grouped(spec: ExperimentSpec, results: list[dict[str, Any]]
            ) -> dict[tuple, dict[str, list[dict[str, Any]]]]:
    """point (values of the non-mode axes) -> mode -> the runs there, in file order."""
    axes = _point_axes(spec)
    out: dict[tuple, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        point = tuple(r["parameters"].get(a) for a in axes)
        out[point][r["mode"]].append(r)
    return out


def _moves(runs: list[dict[str, Any]], kind: str | None = None) -> list[dict[str, Any]]:
    return [h for r in runs for h in r["handovers"] if h["kind"] != "initial"
            and (kind is None or h["kind"] == kind)]


def summary_markdown(spec: ExperimentSpec, results: list[dict[str, Any]]) -> str:
    axes = _point_axes(spec)
    groups = grouped(spec, results)
    modes = sorted({r["mode"] for r in results})
    seeds = ", ".join(str(s) for s in spec.seeds)
    lines = [f"# Experiment {spec.name}", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    lines += [f"{len(results)} runs: {len(groups)} grid point(s) x {len(modes)} mode(s) x "
              f"seeds {seeds}. Latency is from the link going down to the last Binding "
              "Acknowledgement the handover needs; moves only (the first attachment is "
              "left out). Median and 95th percentile over every move of every seed.", ""]

    lines += ["## Handover latency (ms)", ""]
    header = axes + [f"{m} {s}" for m in modes for s in ("median", "p95")]
    rows = []
    for point, by_mode in groups.items():
        row = [_fmt(v) for v in point]
        for m in modes:
            lat = [h["latency_ms"] for h in _moves(by_mode.get(m, []))
                   if h["latency_ms"] is not None]
            row += [_fmt(median(lat)), _fmt(percentile(lat, 95))]
        rows.append(row)
    lines += _table(header, rows)

    lines += ["## Per handover kind: packets lost and BUs reaching the HA", ""]
    header = axes + ["mode", "kind", "moves", "latency median (ms)", "lost per move",
                     "BUs to HA per move"]
    rows = []
    for point, by_mode in groups.items():
        for m in modes:
            kinds = sorted({h["kind"] for h in _moves(by_mode.get(m, []))})
            for kind in kinds:
                moves = _moves(by_mode[m], kind)
                lat = [h["latency_ms"] for h in moves if h["latency_ms"] is not None]
                rows.append([_fmt(v) for v in point] + [m, kind, str(len(moves)),
                            _fmt(median(lat)),
                            _fmt(sum(h["packets_lost"] for h in moves) / len(moves), 2),
                            _fmt(sum(h["ha_bus"] for h in moves) / len(moves), 2)])
    lines += _table(header, rows)

    lines += ["## Signalling received per second (median over seeds)", "",
              "Per MN: the HA's messages divided by the run's MNs. The busiest MAP is the "
              "one that received the most.", ""]
    columns = {"HA msg/s": "ha_messages_per_s", "HA B/s": "ha_bytes_per_s",
               "HA msg/MN/s": "ha_messages_per_mn_s", "MAP msg/s": "map_messages_per_s",
               "busiest MAP msg/s": "map_max_messages_per_s", "CN msg/s": "cn_messages_per_s"}
    header = axes + [f"{m} {label}" for m in modes for label in columns]
    rows = []
    for point, by_mode in groups.items():
        row = [_fmt(v) for v in point]
        for m in modes:
            runs = by_mode.get(m, [])
            for metric in columns.values():
                row.append(_fmt(median([r["metrics"][metric] for r in runs]), 3))
        rows.append(row)
    lines += _table(header, rows)

    lines += ["## Model beside measurement", "",
              "The model (docs/experiments.md) with each handover's own Router "
              "Advertisement answer delay from the trace; medians over the same moves.", ""]
    header = axes + ["mode", "kind", "model (ms)", "measured (ms)", "difference (ms)"]
    rows = []
    for point, by_mode in groups.items():
        for m in modes:
            for kind in sorted({h["kind"] for h in _moves(by_mode.get(m, []))}):
                moves = [h for h in _moves(by_mode[m], kind)
                         if h["model_latency_ms"] is not None and h["latency_ms"] is not None]
                if not moves:
                    continue
                mod = median([h["model_latency_ms"] for h in moves])
                got = median([h["latency_ms"] for h in moves])
                assert mod is not None and got is not None  # median of a non-empty list
                worst = max(abs(h["model_latency_ms"] - h["latency_ms"]) for h in moves)
                rows.append([_fmt(v) for v in point] + [m, kind, _fmt(mod, 2), _fmt(got, 2),
                            f"{got - mod:+.3f} (worst move {worst:.3f})"])
    lines += _table(header, rows)
    errors = sum(r.get("internal_errors", 0) for r in results)
    if errors:
        lines += [f"Warning: {errors} internal errors in the runs; see their traces.", ""]
    return "\n".join(lines).rstrip() + "\n"
