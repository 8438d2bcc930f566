"""A check is asked after every engine step while a step settles; its trace scan must
not start over each time (lesson 3's look-ahead in the window made 35 million matches,
2.6 s a call, before the scans became incremental)."""

from __future__ import annotations

import pytest

from hmipviz.lesson import checks
from hmipviz.lesson.scan import matching_indices
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


@pytest.fixture
def sent_matches(monkeypatch) -> list[int]:
    """Every call of the ``sent`` check's matcher, counted (one item per event matched)."""
    calls: list[int] = []
    real = checks._sent_matches

    def counting(e, check, w):
        calls.append(1)
        return real(e, check, w)

    monkeypatch.setattr(checks, "_sent_matches", counting)
    return calls


def test_asking_a_check_after_every_step_matches_each_event_once(sent_matches):
    calls = sent_matches
    sim = Simulation(load_scenario("figure1"))
    never = checks.Check("sent", "local BU", (("from", "CN"),))  # the CN sends none
    steps = 0
    while sim.next_time() is not None and steps < 1500:
        sim.step()
        steps += 1
        assert checks.find_sent(never, checks.Window(sim, 0), 0) is None
    n = len(sim.trace)
    assert n > 1000
    # each event matched once; a rescan from the start after every step would be
    # about n * n / 2 (more than 500,000 here)
    assert len(calls) == n, (len(calls), n)
    # and the answer still moves on with the trace: the MN's first local BU is found
    bu = checks.Check("sent", "local BU", (("from", "MN"),))
    i = checks.find_sent(bu, checks.Window(sim, 0), 0)
    assert i is not None and sim.trace[i].kind == "local BU"


def test_a_trace_cut_back_is_rescanned():
    class Sim:
        def __init__(self, trace):
            self.trace = trace

    a, b, c = object(), object(), object()
    sim = Sim([a, b, c])
    check = object()
    assert matching_indices(sim, "t", check, 0, lambda _i, e: e is not b) == [0, 2]
    sim.trace[:] = [a, c]  # a branch: the event at the old end is gone
    assert matching_indices(sim, "t", check, 0, lambda _i, e: e is not b) == [0, 1]
    sim.trace.append(b)
    assert matching_indices(sim, "t", check, 0, lambda _i, e: e is not b) == [0, 1]


def test_a_fork_scans_only_the_events_its_own_run_adds(sent_matches):
    # the window's look-ahead forks the run after every growth of the trace; a fork that
    # scanned the whole step again made one call over 30 s on a long step (issue 9 soak)
    from hmipviz.lesson.run import fork

    calls = sent_matches
    sim = Simulation(load_scenario("figure1"))
    never = checks.Check("sent", "local BU", (("from", "CN"),))
    for _ in range(1200):
        sim.step()
    assert checks.find_sent(never, checks.Window(sim, 0), 0) is None
    before = len(sim.trace)
    assert len(calls) == before
    twin = fork(sim)
    for _ in range(50):
        twin.step()
    assert checks.find_sent(never, checks.Window(twin, 0), 0) is None
    assert len(calls) == len(twin.trace)  # the fork's new events only
    # the parent's own scans are not disturbed by the fork's
    sim.step()
    assert checks.find_sent(never, checks.Window(sim, 0), 0) is None
    assert len(calls) == len(twin.trace) + len(sim.trace) - before
