"""The runner: resumable (a second invocation runs only what is missing) and safe to
interrupt (Ctrl+C leaves whole result files only)."""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
import os
import threading

import pytest

from hmipviz.experiment import runner
from hmipviz.experiment.runner import Progress, execute, run_tasks, tasks
from hmipviz.experiment.spec import load_experiment


class Counting:
    """A run function that counts its calls (threads share it) and returns a small,
    fake result, so these tests check the runner, not the simulator."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, task):
        with self.lock:
            self.calls.append(task.key)
        return {"version": runner.RESULT_VERSION, "key": task.key, "seed": task.seed,
                "parameters": dict(task.parameters)}


def test_a_second_invocation_runs_only_the_unfinished_runs(tiny, tmp_path):
    todo = tasks(load_experiment(tiny))
    assert len(todo) == 4
    out = tmp_path / "out"
    first = Counting()
    with cf.ThreadPoolExecutor(2) as pool:
        run_tasks(todo[:3], out, pool, run=first, progress=Progress(3, 0, io.StringIO()))
    assert sorted(first.calls) == sorted(t.key for t in todo[:3])
    again = Counting()
    with cf.ThreadPoolExecutor(2) as pool:
        results = run_tasks(todo, out, pool, run=again, progress=Progress(4, 0, io.StringIO()))
    assert again.calls == [todo[3].key]  # the three finished runs were not run again
    assert set(results) == {t.key for t in todo}
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        f"{t.key}.json" for t in todo)


def test_a_damaged_result_file_is_run_again(tiny, tmp_path):
    todo = tasks(load_experiment(tiny))[:2]
    out = tmp_path / "out"
    run_tasks(todo, out, cf.ThreadPoolExecutor(1), run=Counting(),
              progress=Progress(2, 0, io.StringIO()))
    (out / "runs" / f"{todo[0].key}.json").write_text('{"version": 1, "key": ', "utf-8")
    again = Counting()
    run_tasks(todo, out, cf.ThreadPoolExecutor(1), run=again,
              progress=Progress(2, 0, io.StringIO()))
    assert again.calls == [todo[0].key]


def test_ctrl_c_cancels_pending_runs_and_leaves_no_half_written_file(tiny, tmp_path,
                                                                     monkeypatch):
    todo = tasks(load_experiment(tiny))
    out = tmp_path / "out"
    real_replace = os.replace
    renames = []

    def interrupted_replace(src, dst):
        # the second result file is interrupted after its bytes are written, before the
        # rename that would publish it: Ctrl+C at the worst moment
        renames.append(dst)
        if len(renames) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted_replace)
    counting = Counting()
    gate = threading.Event()

    def slow_after_two(task):
        if len(counting.calls) >= 2:
            gate.wait(5)  # later runs wait until the interrupt has cancelled them
        return counting(task)

    pool = cf.ThreadPoolExecutor(1)
    with pytest.raises(KeyboardInterrupt):
        run_tasks(todo, out, pool, run=slow_after_two, progress=Progress(4, 0, io.StringIO()))
    gate.set()
    pool.shutdown(wait=True)
    monkeypatch.setattr(os, "replace", real_replace)
    files = sorted((out / "runs").iterdir())
    assert [f.name for f in files] == [f"{todo[0].key}.json"]  # no temporary, no half file
    assert json.loads(files[0].read_text("utf-8"))["key"] == todo[0].key
    assert len(counting.calls) <= 3  # the fourth run was cancelled before it started
    # and resuming runs exactly the runs whose files are missing
    again = Counting()
    run_tasks(todo, out, cf.ThreadPoolExecutor(1), run=again,
              progress=Progress(4, 0, io.StringIO()))
    assert sorted(again.calls) == sorted(t.key for t in todo[1:])


def test_a_run_is_a_pure_function_of_its_task(tiny):
    task = tasks(load_experiment(tiny))[1]
    one, two = execute(task), execute(task)
    for result in (one, two):
        del result["wall_s"], result["cpu_s"]
    assert one == two
    assert one["key"] == task.key and one["seed"] == 2 and one["mode"] == "mipv6"


def test_progress_says_runs_done_left_and_time_left():
    stream = io.StringIO()
    progress = Progress(4, 1, stream)
    progress.step()
    progress.step()
    progress.step()
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "runs: 4/4 done, 0 left, about 0s left"
    progress = Progress(4, 0, io.StringIO())
    progress.step()
    assert progress.text().startswith("runs: 1/4 done, 3 left, about 0m")


def test_a_failing_run_is_reported_and_the_others_are_kept(tiny, tmp_path):
    todo = tasks(load_experiment(tiny))
    counting = Counting()

    def fails_once(task):
        if task.key == todo[1].key:
            raise RuntimeError("boom")
        return counting(task)

    with pytest.raises(runner.RunsFailed) as info:
        run_tasks(todo, tmp_path, cf.ThreadPoolExecutor(2), run=fails_once,
                  progress=Progress(4, 0, io.StringIO()))
    assert info.value.messages == [f"run {todo[1].key} (mode = 'mipv6', seed 2) failed: "
                                   "RuntimeError: boom"]
    assert sorted(p.stem for p in (tmp_path / "runs").iterdir()) == sorted(
        t.key for t in todo if t.key != todo[1].key)


def _interrupt_after_first(todo, out, monkeypatch):
    """Run ``todo`` in run_tasks' own process pool; Ctrl+C when the first result is
    stored. Returns the pool's worker processes as they were."""
    import hmipviz.experiment.runner as runner

    seen = []
    real_workers = runner._workers

    def remember(executor):
        seen.extend(real_workers(executor))
        return seen

    def interrupt(path, text):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_workers", remember)
    monkeypatch.setattr(runner, "atomic_write", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_tasks(todo, out, jobs=2, progress=Progress(len(todo), 0, io.StringIO()))
    return seen


def test_ctrl_c_stops_the_worker_processes_of_its_own_pool(tiny, tmp_path, monkeypatch):
    # regression: shutdown() forgot the pool's processes before they were terminated,
    # so a cancelled experiment left its workers running on (seen from the window)
    todo = tasks(load_experiment(tiny))
    workers = _interrupt_after_first(todo, tmp_path / "out", monkeypatch)
    assert len(workers) == 2
    # read from /proc: multiprocessing's is_alive() stays True for a child that
    # something else in this test process reaped first
    assert not any(_alive(w.pid) for w in workers), [(w.pid, w.exitcode) for w in workers]


def test_a_ctrl_c_during_a_fork_is_held_and_raised_after_not_swallowed():
    # regression: a SIGINT landing while the pool forked its workers was raised inside
    # logging's at-fork callback, which swallows exceptions, so Cancel in the window
    # did nothing and the run went on (seen 5 times in 40 cancels)
    import logging  # noqa: F401  (its at-fork callbacks are the ones that swallowed)
    import signal

    reached_the_end_of_the_hold = False
    with pytest.raises(KeyboardInterrupt), runner._sigint_held():
        # to this thread: sent to the process, the kernel may hand it to another thread
        # of the test runner that does not block it (the CLI has none while it holds)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        child = os.fork()
        if child == 0:
            os._exit(0)
        os.waitpid(child, 0)
        reached_the_end_of_the_hold = True
    assert reached_the_end_of_the_hold
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_workers_end_themselves_when_their_parent_is_killed(tmp_path):
    # a window's last resort is SIGKILL, which gives the CLI no chance to stop its pool;
    # the workers (they ignore Ctrl+C) must not run on as orphans
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "hmipviz", "experiment", "ha-distance",
                              "--out", str(out), "--jobs", "2"],
                             stderr=subprocess.PIPE, text=True)
    try:
        assert "runs" in child.stderr.readline()
        deadline = time.monotonic() + 30
        while len(workers := _children_of(child.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10 * runner.ORPHAN_CHECK_S
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def _children_of(pid: int) -> list[int]:
    from pathlib import Path
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    from pathlib import Path
    try:  # a zombie has ended; it waits only for init to reap it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
