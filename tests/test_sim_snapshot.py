"""Snapshots as pickled bytes (hmipviz/sim_snapshot.py): every built-in scenario in every
mode pickles (no silent fall-back to deepcopy), a restore runs on to the very same
events, a snapshot is a copy that later changes do not reach, and a state pickle cannot
take is still copied correctly."""

from __future__ import annotations

import pytest

from hmipviz.lesson.run import fork
from hmipviz.scenario import builtin_scenarios, load_scenario
from hmipviz.sim import Simulation
from hmipviz.sim_snapshot import Snapshot


def _events(trace, start=0):
    return [repr(e) for e in trace[start:]]


def _run_to(sim: Simulation, t_s: float) -> None:
    while sim.next_time() is not None and sim.next_time() <= t_s:
        sim.step()


@pytest.mark.parametrize("security", ["none", "esp"])
@pytest.mark.parametrize("mode", ["hmipv6", "mipv6"])
def test_every_built_in_pickles_and_a_restore_runs_on_identically(mode, security):
    for name in sorted(builtin_scenarios()):
        sim = Simulation(load_scenario(name), mode=mode, security=security)
        last_ar = sorted(n.name for n in sim.scenario.nodes_with_role("ar"))[-1]
        _run_to(sim, 2.0)
        sim.move(last_ar, mn=next(iter(sim.mn_names)))  # a handover under way at the snapshot
        _run_to(sim, 2.05)
        snap = sim.snapshot()
        assert isinstance(snap, Snapshot) and snap.pickled, name
        _run_to(sim, 4.0)
        reference = _events(sim.trace, snap.trace_len)
        sim.restore_snapshot(snap)
        assert len(sim.trace) == snap.trace_len
        _run_to(sim, 4.0)
        assert _events(sim.trace, snap.trace_len) == reference, name


def test_a_snapshot_is_a_copy_later_changes_do_not_reach():
    sim = Simulation(load_scenario("figure1"))
    _run_to(sim, 3.0)
    snap = sim.snapshot()
    caches = {n: [repr(e) for e in es] for n, es in sim.binding_caches().items()}
    sim.move("AR2")
    _run_to(sim, 8.0)
    assert {n: [repr(e) for e in es] for n, es in sim.binding_caches().items()} != caches
    sim.restore_snapshot(snap)
    assert {n: [repr(e) for e in es] for n, es in sim.binding_caches().items()} == caches
    # and restoring twice gives two independent states: the first one's run did not
    # change the snapshot
    _run_to(sim, 8.0)
    sim.restore_snapshot(snap)
    assert {n: [repr(e) for e in es] for n, es in sim.binding_caches().items()} == caches


def test_a_fork_runs_apart_from_its_original():
    sim = Simulation(load_scenario("figure1"))
    _run_to(sim, 3.0)
    n = len(sim.trace)
    twin = fork(sim)
    twin.move("AR2")
    _run_to(twin, 6.0)
    assert len(sim.trace) == n and sim.now == pytest.approx(3.0, abs=0.1)
    _run_to(sim, 6.0)
    assert _events(sim.trace, n) != _events(twin.trace, n)


def test_a_state_pickle_cannot_take_is_deep_copied():
    """A lambda reached from the state (only a test or an extension puts one there)."""
    sim = Simulation(load_scenario("figure1"))
    _run_to(sim, 3.0)
    sim.extra_hook = lambda: None
    sim.extra_list = [1, 2]
    snap = sim.snapshot()
    assert not snap.pickled
    sim.extra_list.append(3)
    sim.restore_snapshot(snap)
    assert sim.extra_list == [1, 2] and callable(sim.extra_hook)
