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


@pytest.mark.parametrize("after", [False, True], ids=["while-it-runs", "once-it-is-done"])
def test_an_interrupted_wait_does_not_hand_the_result_to_the_next_call(monkeypatch, after):
    """Ctrl+C while the caller waits ends the call with its KeyboardInterrupt once the
    job is done, and the next call gets its own result, not the interrupted one's. A
    signal handler runs at whichever moment the scheduler gives: while the job still
    runs, or just after the wait saw it done, before the caller read the result. (The
    first version kept results in a queue: a handler that ran just after the wait had
    taken the result made the caller wait for it again, for ever; the suite hung there.)"""
    gate = threading.Event()
    ran: list[str] = []
    interruptions: list[bool] = []

    def slow() -> str:
        gate.wait(5.0)  # held until the caller's wait was interrupted
        ran.append("slow")
        return "slow"

    class InterruptedOnce(threading.Event):
        """The first wait is interrupted (by KeyboardInterrupt, as a handler raises)."""

        def wait(self, timeout=None):
            if not interruptions:
                interruptions.append(True)
                if after:
                    gate.set()
                    super().wait(timeout)  # the job is done and its result is there
                raise KeyboardInterrupt  # while it runs: the job is still held
            gate.set()
            return super().wait(timeout)

    worker = engine_thread.EngineThread()
    monkeypatch.setattr(engine_thread.threading, "Event", InterruptedOnce)
    with pytest.raises(KeyboardInterrupt):
        worker.call(slow)
    assert ran == ["slow"] and interruptions == [True]  # the job ran to its end first
    assert worker.call(lambda: "next") == "next"
    assert worker.call(lambda: "and the next") == "and the next"


def test_a_real_signal_during_the_wait_ends_the_call_and_the_next_gets_its_own():
    """The same with a real SIGUSR1 whose handler raises, sent from the job itself."""
    import signal

    worker = engine_thread.EngineThread()
    handled = threading.Event()

    def slow():
        signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)
        handled.wait(0.3)  # whether or not the handler runs before the job ends
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
