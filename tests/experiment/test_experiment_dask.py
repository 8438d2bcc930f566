"""The same runs on a Dask cluster (an in-process LocalCluster here) give the results of
a local run with the same seeds, through the runner's Executor and through `--dask`.

dask.distributed is in the `test` extra, so CI runs these; without it they are skipped
with the reason printed."""

from __future__ import annotations

import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed: pip install -e '.[test]'")

from hmipviz.cli import main  # noqa: E402
from hmipviz.experiment.runner import run_experiment  # noqa: E402
from hmipviz.experiment.spec import load_experiment  # noqa: E402

TIMING = ("wall_s", "cpu_s")


def _without_timing(results):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in results]


@pytest.fixture(scope="module")
def cluster():
    """One worker with two threads in this process: no processes to start, a second or so."""
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def several(write_experiment):
    """3 MNs, 2 modes x 2 seeds, with the RFC's random RA answer delay, so a seed matters."""
    return write_experiment('''
        [experiment]
        name = "several"
        base = { generator = "grid", maps = 2, ars_per_map = 1, move_interval_s = 1 }
        seeds = [1, 2]
        [set]
        generator.flow_interval_ms = 200
        mn_group.count = 3
        [grid]
        mode = ["mipv6", "hmipv6"]
        ''')


def test_a_dask_cluster_gives_the_results_of_a_local_run(cluster, several, tmp_path):
    spec = load_experiment(several)
    local = run_experiment(spec, tmp_path / "local", jobs=1)
    with distributed.Client(cluster) as client:
        remote = run_experiment(spec, tmp_path / "dask", executor=client.get_executor())
    assert _without_timing(remote) == _without_timing(local)
    # the runs really differ by seed, so equality is not two constant results
    by_seed = {r["seed"]: [h["ra_answer_ms"] for h in r["handovers"]] for r in local
               if r["mode"] == "hmipv6"}
    assert by_seed[1] != by_seed[2]
    assert sorted(p.name for p in (tmp_path / "dask" / "runs").iterdir()) == \
        sorted(p.name for p in (tmp_path / "local" / "runs").iterdir())


def test_the_dask_option_writes_the_tables_a_local_run_writes(cluster, several, tmp_path,
                                                            capsys):
    assert main(["experiment", str(several), "--jobs", "1", "--no-figures",
                 "--out", str(tmp_path / "local")]) == 0
    assert main(["experiment", str(several), "--dask", cluster.scheduler_address,
                 "--no-figures", "--out", str(tmp_path / "dask")]) == 0
    assert f"on the Dask cluster at {cluster.scheduler_address}" in capsys.readouterr().err
    for name in ("runs.csv", "handovers.csv", "signalling.csv", "mns.csv", "summary.md"):
        assert (tmp_path / "dask" / name).read_text("utf-8") == \
            (tmp_path / "local" / name).read_text("utf-8"), name


def test_an_unreachable_scheduler_is_one_clear_error(tiny, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("hmipviz.experiment.cli.DASK_CONNECT_TIMEOUT_S", 0.25)
    code = main(["experiment", str(tiny), "--dask", "tcp://127.0.0.1:9",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--dask tcp://127.0.0.1:9: cannot reach the scheduler" in err
    assert "Traceback" not in err
