"""Run an experiment: every grid point x seed is one independent, pure run
(:func:`execute`: task in, result dict out), executed through any
``concurrent.futures.Executor`` (local processes by default; Dask's
``Client.get_executor()`` gives one too).

Resumable: each finished run is stored as ``DIR/runs/<key>.json`` (written atomically),
where the key hashes everything that decides the result; a second invocation loads
those and runs only the rest. Ctrl+C cancels what has not started and leaves only
whole files behind.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from hmipviz.fileio import atomic_write

from .spec import Base, ExperimentSpec, scenario_document

RESULT_VERSION = 2  # 2: several MNs (per-MN rows, per-MN metrics)


class RunsFailed(Exception):
    """Some runs raised; the others are stored and a new invocation retries the rest."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs; picklable, so it can go to another process or machine."""

    base: Base
    overrides: tuple  # ((path, value), ...), applied in order
    parameters: tuple  # ((path text, value), ...): the grid point, for the tables
    seed: int

    @cached_property
    def key(self) -> str:
        identity = {
            "version": RESULT_VERSION,
            "base": {"label": self.base.label, "document": self.base.document,
                     "generator": self.base.generator, "settings": self.base.settings},
            "overrides": [[list(p), v] for p, v in self.overrides],
            "seed": self.seed,
        }
        text = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def tasks(spec: ExperimentSpec) -> list[RunTask]:
    """Every grid point x seed, points in file order, seeds innermost."""
    return [RunTask(spec.base, tuple(spec.overrides(point)), tuple(point.items()), seed)
            for point in spec.points() for seed in spec.seeds]


def execute(task: RunTask) -> dict[str, Any]:
    """One run: build the scenario, simulate it, measure it. Pure: the same task gives
    the same result (except the timing fields)."""
    from hmipviz.sim import Simulation

    from .document import load_document, to_toml
    from .measure import measure, run_metrics, signalling_rows

    wall0, cpu0 = time.perf_counter(), time.process_time()
    doc = scenario_document(task.base, list(task.overrides))
    doc.setdefault("scenario", {})["seed"] = task.seed
    scenario = load_document(doc)
    sim = Simulation(scenario, seed=task.seed)
    sim.run(scenario.duration_s)
    hos, per_mn = measure(sim)
    sig = signalling_rows(sim, scenario.duration_s)
    return {
        "version": RESULT_VERSION, "key": task.key, "parameters": dict(task.parameters),
        "seed": task.seed, "mode": sim.mode, "scenario": scenario.name,
        "duration_s": scenario.duration_s, "metrics": run_metrics(hos, sig, len(per_mn)),
        "handovers": hos, "signalling": sig, "mns": per_mn, "internal_errors": sim.internal_errors,
        "events": len(sim.trace), "scenario_toml": to_toml(doc),
        "wall_s": round(time.perf_counter() - wall0, 4),
        "cpu_s": round(time.process_time() - cpu0, 4),
    }


def _ignore_sigint() -> None:
    """Workers leave Ctrl+C to the parent, which cancels them cleanly; a worker whose
    parent died without stopping it (SIGKILL) ends itself rather than run on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_end_when_orphaned, args=(parent,), daemon=True,
                     name="orphan-watch").start()


ORPHAN_CHECK_S = 1.0


def _end_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl+C back while the pool starts: a SIGINT that lands during a fork is
    raised inside an at-fork callback (logging's), which swallows it, and the run would
    go on uncancelled. Held, it is delivered when this ends. The pool's threads and
    workers start inside and keep it blocked, so only the main thread takes it."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


SIGNAL_POLL_S = 0.2  # see _completed


def _completed(futures: Collection[cf.Future]) -> Iterator[cf.Future]:
    """Like ``as_completed``, but the main thread wakes every SIGNAL_POLL_S: the kernel
    may hand a Ctrl+C to one of the pool's own threads, and a main thread asleep in an
    untimed wait would then never see it (the run would go on, uncancelled)."""
    pending = set(futures)
    while pending:
        done, pending = cf.wait(pending, timeout=SIGNAL_POLL_S,
                                return_when=cf.FIRST_COMPLETED)
        yield from done


def run_path(out_dir: Path, task: RunTask) -> Path:
    return out_dir / "runs" / f"{task.key}.json"


def load_finished(out_dir: Path, task: RunTask) -> dict[str, Any] | None:
    """A stored result of ``task``, or None (absent, unreadable, or of another version)."""
    try:
        result = json.loads(run_path(out_dir, task).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(result, dict) and result.get("version") == RESULT_VERSION \
        and result.get("key") == task.key
    return result if ok else None


class Progress:
    """One line on stderr: runs done, runs left, estimated time left."""

    def __init__(self, total: int, skipped: int, stream: IO[str] | None = None,
                 every_s: float = 5.0) -> None:
        self.total, self.done, self.new = total, skipped, 0
        self.every_s = every_s  # a log file gets a line this often, not one per run
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last = 0.0

    def text(self) -> str:
        left = self.total - self.done
        eta = "-"
        if self.new and left:
            seconds = (time.monotonic() - self.started) / self.new * left
            eta = f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
        elif not left:
            eta = "0s"
        return f"runs: {self.done}/{self.total} done, {left} left, about {eta} left"

    def step(self) -> None:
        self.done += 1
        self.new += 1
        self.show(final=self.done == self.total)

    def show(self, final: bool = False) -> None:
        now = time.monotonic()
        if not (final or self.tty or now - self._last >= self.every_s):
            return
        self._last = now
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + self.text() + end)
        self.stream.flush()


def run_tasks(todo: list[RunTask], out_dir: Path, executor: cf.Executor | None = None,
              jobs: int = 1, progress: Progress | None = None,
              run: Callable[[RunTask], dict] = execute) -> dict[str, dict[str, Any]]:
    """Run what is not finished yet; return every task's result by key.

    ``executor`` is used as given (and left open); without one, a process pool of
    ``jobs`` workers is made and shut down here.
    """
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    pending: dict[str, RunTask] = {}
    for task in todo:
        done = load_finished(out_dir, task)
        if done is not None:
            results[task.key] = done
        else:
            pending.setdefault(task.key, task)
    progress = progress or Progress(len(todo), len(todo) - len(pending))
    progress.total, progress.done = len(todo), len(todo) - len(pending)
    if not pending:
        progress.show(final=True)
        return results
    own = executor is None
    if own:
        executor = cf.ProcessPoolExecutor(max_workers=max(1, jobs), initializer=_ignore_sigint)
    assert executor is not None
    futures: dict[cf.Future, RunTask] = {}
    failed: list[str] = []
    try:
        with _sigint_held():
            futures = {executor.submit(run, task): task for task in pending.values()}
        progress.show()
        for future in _completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # one bad run does not lose the others
                shown = ", ".join(f"{k} = {v!r}" for k, v in task.parameters)
                failed.append(f"run {task.key} ({shown or 'the base'}, seed {task.seed}) "
                              f"failed: {type(exc).__name__}: {exc}")
                progress.step()
                continue
            atomic_write(run_path(out_dir, task),
                         json.dumps(result, sort_keys=True, indent=1) + "\n")
            results[task.key] = result
            progress.step()
    except BaseException:
        for future in futures:
            future.cancel()
        if own:
            # shutdown() forgets the pool's processes, so take them first
            workers = _workers(executor)
            executor.shutdown(wait=False, cancel_futures=True)
            _stop_workers(workers)
        raise
    if own:
        executor.shutdown(wait=True)
    if failed:
        raise RunsFailed(failed)
    return results


def _workers(executor: cf.Executor) -> list:
    """A process pool's worker processes (multiprocessing.Process), while it has them."""
    return list((getattr(executor, "_processes", None) or {}).values())


def _stop_workers(workers: list) -> None:
    """End a process pool's workers now rather than after the runs in flight (they
    ignore Ctrl+C, so that only the parent decides), and reap them."""
    for process in workers:
        if process.is_alive():
            process.terminate()
    for process in workers:
        process.join(STOP_WAIT_S)
    for process in workers:  # one that outlived SIGTERM (caught by a handler it had
        if process.is_alive():  # inherited, say) is killed outright
            process.kill()
            process.join(STOP_WAIT_S)


STOP_WAIT_S = 5.0


def run_experiment(spec: ExperimentSpec, out_dir: Path, executor: cf.Executor | None = None,
                   jobs: int = 1, stream: IO[str] | None = None,
                   progress_every_s: float = 5.0) -> list[dict[str, Any]]:
    """Run (or resume) ``spec`` into ``out_dir``; the results in task order."""
    todo = tasks(spec)
    progress = Progress(len(todo), 0, stream, progress_every_s)
    results = run_tasks(todo, Path(out_dir), executor, jobs, progress)
    return [results[t.key] for t in todo]
