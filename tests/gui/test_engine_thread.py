"""The engine's stepping on a thread of its own (gui/engine_thread.py, issue 9 soak): the
history grows there, the events are the same, and what the window must hear of (a full
history, a stall) is still said on the caller's thread."""

from __future__ import annotations

import threading

import pytest

from hmipviz.gui import engine_thread
from hmipviz.gui.run_history import RunHistory
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


@pytest.fixture
def threaded():
    engine_thread.enable(True)
    try:
        yield
    finally:
        engine_thread.enable(None)


def _history(max_events: int = 10**9) -> RunHistory:
    sc = load_scenario("figure1")
    sim = engine_thread.call(Simulation, sc)
    return engine_thread.call(RunHistory, sim, sc, snapshot_every=40, max_events=max_events)


def _drive(h: RunHistory) -> list[str]:
    """Play, act in the past, play on: every entry point that steps the engine."""
    h.ensure(30)
    h.advance_past(3.0)
    h.apply(3.0, lambda t: h.sim.move("AR2", at_s=t), record=("move", "AR2"))
    h.restore_to(1.0)
    h.apply(1.0, lambda t: h.sim.move("AR2", at_s=t), record=("move", "AR2"))
    h.advance_past(4.0)
    return [repr(e) for e in h.trace]


def test_the_history_grows_on_the_engine_thread_with_the_same_events(threaded):
    threads: set[str] = set()
    h = _history()
    step = h.sim.step

    def watched_step():
        threads.add(threading.current_thread().name)
        return step()
    h.sim.step = watched_step
    events = _drive(h)
    assert threads == {"hmipviz-engine"}

    engine_thread.enable(False)
    alone = _history()
    assert _drive(alone) == events


def test_a_full_history_is_reported_on_the_callers_thread(threaded):
    h = _history(max_events=50)
    told: list[tuple[float, str]] = []
    h.on_full = lambda now: told.append((now, threading.current_thread().name))
    h.advance_past(float("inf"))
    assert h.full_t is not None and len(h.trace) >= 50
    assert told == [(h.full_t, threading.current_thread().name)]


def test_an_engine_error_is_raised_in_the_caller(threaded):
    def broken():
        raise ValueError("from the engine")
    with pytest.raises(ValueError, match="from the engine"):
        engine_thread.call(broken)
    assert engine_thread.call(lambda: threading.current_thread().name) == "hmipviz-engine"


def test_only_with_glibcs_allocator(monkeypatch):
    from hmipviz.gui import release
    monkeypatch.setattr(release, "glibc_trim_available", lambda: True)
    assert engine_thread.wanted({"PYTHONMALLOC": "malloc"})
    assert not engine_thread.wanted({})
    assert not engine_thread.wanted({"PYTHONMALLOC": "pymalloc"})
    monkeypatch.setattr(release, "glibc_trim_available", lambda: False)
    assert not engine_thread.wanted({"PYTHONMALLOC": "malloc"})


def test_an_interrupted_wait_does_not_hand_the_result_to_the_next_call(threaded):
    """A signal handler that raises while the caller waits (Ctrl+C) ends the call with
    its exception once the job is done; the next call gets its own result."""
    import signal

    worker = engine_thread.EngineThread()
    handled = threading.Event()

    def slow():  # the job ends only after the caller's wait was interrupted
        signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        handled.wait(5.0)
        return "slow"

    def interrupt(*_args):
        handled.set()
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            worker.call(slow)
    finally:
        signal.signal(signal.SIGUSR1, old)
    assert handled.is_set()
    assert worker.call(lambda: "next") == "next"
