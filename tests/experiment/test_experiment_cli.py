"""`hmipviz experiment` end to end on a tiny grid with --jobs 2, its CSV columns, its
summary and figures; `hmipviz experiments` lists the built-ins."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest

from hmipviz.cli import main


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The tiny experiment (2 modes x 2 seeds), run as a user runs it."""
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.toml").write_text('''
[experiment]
name = "tiny"
base = { generator = "grid", maps = 2, ars_per_map = 1, move_interval_s = 1 }
seeds = [1, 2]
duration_s = 3

[grid]
mode = ["mipv6", "hmipv6"]
''', "utf-8")
    out = folder / "out"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, "-m", "hmipviz", "experiment", str(folder / "tiny.toml"),
               "--jobs", "2", "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    second = subprocess.run(command + ["--no-figures"], capture_output=True, text=True,
                            timeout=240, env=env)
    assert stamps == {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}, \
        "the second invocation rewrote finished runs"
    return out, first, second


def test_the_experiment_writes_tables_summary_and_figures(finished):
    out, first, _ = finished
    assert first.returncode == 0, first.stderr
    assert "experiment tiny: 4 runs (2 grid points x 2 seeds), 2 job(s)" in first.stderr
    assert "runs: 4/4 done, 0 left, about 0s left" in first.stderr
    for name in ("runs.csv", "handovers.csv", "signalling.csv", "summary.md"):
        assert f"wrote {out / name}" in first.stdout
    figures = [f"{stem}.{ext}" for stem in ("latency", "lost", "ha-signalling")
               for ext in ("png", "svg")]
    if "figures skipped" in first.stderr:
        pytest.fail("Qt is installed, so the figures must be drawn: " + first.stderr)
    for name in figures:
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith("png") else b"<svg" in data[:2000]
    assert sorted(p.suffix for p in (out / "runs").iterdir()) == [".json"] * 4


def test_runs_csv_has_one_row_per_run_with_parameters_seed_and_metrics(finished):
    out, _, _ = finished
    header, rows = _csv(out / "runs.csv")
    assert header[:3] == ["run", "mode", "seed"]
    assert "latency_ms_median" in header and "ha_messages_per_s" in header
    assert sorted((r[1], r[2]) for r in rows) == [("hmipv6", "1"), ("hmipv6", "2"),
                                                  ("mipv6", "1"), ("mipv6", "2")]
    moves = header.index("moves")
    assert [r[moves] for r in rows] == ["1"] * 4  # AR1.1 -> AR2.1 at 1 s


def test_handovers_and_signalling_csv_columns(finished):
    out, _, _ = finished
    header, rows = _csv(out / "handovers.csv")
    assert header == ["run", "mn", "kind", "from_ar", "to_ar", "map", "start_s", "latency_ms",
                      "packets_lost", "ha_bus", "ra_answer_ms", "model_latency_ms"]
    kinds = sorted(r[2] for r in rows)
    assert kinds == ["initial"] * 4 + ["inter-MAP"] * 2 + ["mipv6"] * 2
    header, rows = _csv(out / "signalling.csv")
    assert header == ["run", "node", "role", "messages", "bytes", "messages_per_s",
                      "bytes_per_s"]
    assert sorted({(r[1], r[2]) for r in rows}) == [("CN", "CN"), ("HA", "HA"),
                                                    ("MAP1", "MAP"), ("MAP2", "MAP")]
    ha = [r for r in rows if r[1] == "HA"]
    assert all(int(r[3]) == 2 and int(r[4]) > 0 for r in ha)  # initial + one move


def test_summary_has_latency_model_and_signalling_tables(finished):
    out, _, _ = finished
    text = (out / "summary.md").read_text("utf-8")
    assert text.startswith("# Experiment tiny\n")
    for heading in ("## Handover latency (ms)", "## Model beside measurement",
                    "## Signalling received per second"):
        assert heading in text
    assert "| hmipv6 median | hmipv6 p95 | mipv6 median | mipv6 p95 |" in text


def test_a_second_invocation_resumes_and_runs_nothing(finished):
    _, _, second = finished
    assert second.returncode == 0, second.stderr
    assert "runs: 4/4 done, 0 left, about 0s left" in second.stderr
    assert "figures skipped" not in second.stderr and "latency.png" not in second.stdout


def test_experiments_lists_the_built_ins(capsys):
    assert main(["experiments"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["domain-size", "ha-distance",
                                                    "many-mns"]


def test_a_bad_experiment_is_one_error_per_problem_and_exit_2(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text('[experiment]\nbase = "figure1"\nseeds = "many"\n', "utf-8")
    assert main(["experiment", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:3: [experiment]: seeds must be a count")
    assert main(["experiment", "nosuch"]) == 2
    assert "no such file or built-in experiment" in capsys.readouterr().err
    assert main(["experiment", "ha-distance", "--jobs", "0"]) == 2
