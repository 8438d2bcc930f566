"""Issue 13 item 5: the first idle moment after the initial registration, computed from
the trace alone (hmipviz.first_idle): every MN's registrations answered, nothing pending,
no signalling hop in flight, before the scenario's first scripted move."""

from __future__ import annotations

import dataclasses

import pytest

from hmipviz.engine.events import BindingChanged, HandoverCompleted, PacketSent
from hmipviz.first_idle import DATA_KINDS, first_idle_index, first_scripted_s
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation
from hmipviz.timeline import Timeline


def _run(name: str, mode: str | None = None, until_s: float = 0.5, scenario=None):
    sc = scenario or load_scenario(name)
    sim = Simulation(sc, mode=mode)
    sim.run(until_s=until_s)
    return sc, sim


def _signalling_in_flight(trace, i: int) -> list[PacketSent]:
    t = trace[i].t
    return [e for e in trace[:i + 1] if isinstance(e, PacketSent)
            and e.kind not in DATA_KINDS and e.arrive_t > t + 1e-9]


@pytest.mark.parametrize(("name", "mode", "peers"), [
    ("figure1", None, {"MAP1", "HA"}),
    ("two-domains", None, {"MAP1", "HA"}),
    ("two-domains", "mipv6", {"HA"}),  # Mobile IPv6: no MAP
    ("flat", None, {"AR1", "HA"}),  # the MAP function in the AR (RFC 5380 s.9.2)
    ("campus", None, {"MAP1", "HA"}),  # ten MNs
])
def test_the_first_idle_moment_follows_every_initial_registration(name, mode, peers):
    sc, sim = _run(name, mode)
    trace = sim.trace
    i = first_idle_index(trace, sc, sim.mn_names)
    assert i >= 0
    t = trace[i].t
    assert t < first_scripted_s(sc) and t < 0.2  # right after the start, before any move
    assert i + 1 == len(trace) or trace[i + 1].t > t  # the end of its instant
    # every MN has completed its initial handover, and its BUL holds the MAP and HA
    done = {e.node for e in trace[:i + 1] if isinstance(e, HandoverCompleted)}
    assert done == set(sim.mn_names)
    tl = Timeline(trace, sim.mn_name)
    tl.index_new()
    for mn in sim.mn_names:
        rows = [r for r in tl.caches_at(i).bul if r.node == mn]
        assert {r.peer for r in rows} >= peers
        assert not [r for r in rows if r.pending]
    assert _signalling_in_flight(trace, i) == []
    # the instant before was not idle yet: a registration was open or a message flying
    lo = max(j for j in range(i) if trace[j].t < t)
    earlier_done = {e.node for e in trace[:lo + 1] if isinstance(e, HandoverCompleted)}
    assert earlier_done != set(sim.mn_names) or _signalling_in_flight(trace, lo)


def test_with_route_optimisation_it_waits_for_the_binding_with_the_cn():
    sc, sim = _run("route-optimisation", until_s=3.0)
    trace = sim.trace
    i = first_idle_index(trace, sc, sim.mn_names)
    acked = [j for j, e in enumerate(trace) if isinstance(e, BindingChanged)
             and e.node == "MN" and e.peer == "CN" and e.change == "added"]
    assert acked and acked[0] <= i < len(trace)
    assert trace[i].t < first_scripted_s(sc)
    assert _signalling_in_flight(trace, i) == []


def test_no_idle_moment_before_an_early_move_means_t0():
    sc = load_scenario("figure1")
    early = dataclasses.replace(sc, moves=(dataclasses.replace(
        load_scenario("two-domains").moves[0], at_s=0.05),))
    _sc, sim = _run("figure1", scenario=early)
    assert first_idle_index(sim.trace, early, sim.mn_names) == -1
