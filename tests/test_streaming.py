"""A run can stream its events instead of keeping them (issue 9): the same bytes, no history."""

from __future__ import annotations

import dataclasses
import io

import pytest

from hmipviz.engine import describe
from hmipviz.engine.events import (
    Event,
    HandoverCompleted,
    HandoverStarted,
    PacketDropped,
    PacketReceived,
    PacketSent,
)
from hmipviz.outputs import CaptureSink, TraceSink, capture_comment, trace_jsonl, write_capture
from hmipviz.path_mtu import FlowMtuFold, flow_mtu
from hmipviz.report import SIGNALLING_TARGET, RunFigures, format_summary, handovers, signalling
from hmipviz.scenario import MoveSpec, builtin_scenarios, load_scenario
from hmipviz.sim import Simulation


def test_a_streamed_run_keeps_no_trace_and_writes_the_same_bytes(tmp_path):
    scenario = load_scenario("figure1")
    scenario = dataclasses.replace(scenario, duration_s=120.0, moves=(
        MoveSpec(30.0, "AR2"), MoveSpec(60.0, None), MoveSpec(70.0, "AR1")))
    kept = Simulation(scenario)
    kept.run()
    streamed = Simulation(scenario, keep_trace=False)
    trace, capture = io.BytesIO(), io.BytesIO()
    sink = CaptureSink(capture, capture_comment(streamed))
    streamed.add_listener(TraceSink(trace))
    streamed.add_listener(sink)
    seen = [0]
    streamed.add_listener(lambda e: seen.__setitem__(0, seen[0] + 1))
    largest_step = 0
    while (t := streamed.next_time()) is not None and t <= 120.0:
        largest_step = max(largest_step, len(streamed.step()))
        assert streamed.trace == []
    assert seen[0] == len(kept.trace) > 5_000
    assert 0 < largest_step < 100  # step() still returns what it produced, nothing more
    assert trace.getvalue() == trace_jsonl(kept).encode("utf-8")
    path = tmp_path / "kept.pcapng"
    assert write_capture(kept, path) == sink.count
    assert path.read_bytes() == capture.getvalue()


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_step_returns_the_same_events_with_and_without_the_trace(name):
    scenario = load_scenario(name)
    kept, streamed = Simulation(scenario), Simulation(scenario, keep_trace=False)
    for _ in range(3000):
        a, b = kept.step(), streamed.step()
        assert a == b
        if not a and kept.next_time() is None:
            break
    assert streamed.trace == [] and kept.trace


def test_listeners_see_events_recorded_outside_step():
    sim = Simulation(load_scenario("figure1"), keep_trace=False)
    seen: list[Event] = []
    sim.add_listener(seen.append)
    sim.set_link("MAP1", "AR1", delay_ms=5)
    assert len(seen) == 1 and seen[0].to_json()["link"] == "MAP1-AR1"  # LinkParamsChanged
    assert seen[0].to_json()["delay_ms"] == 5


# --- the summary, folded: same figures as reading the whole trace ------------------------------

def reference_handovers(trace: list[Event], mn: str) -> list[tuple]:
    """The list-based computation the fold replaced, kept here as its oracle."""
    out = []
    starts = [(i, e) for i, e in enumerate(trace)
              if isinstance(e, HandoverStarted) and e.node == mn]
    for n, (i, start) in enumerate(starts):
        end_index = starts[n + 1][0] if n + 1 < len(starts) else len(trace)
        window = trace[i:end_index]
        done = next((e for e in window if isinstance(e, HandoverCompleted)), None)
        t0 = done.started_t if done else start.t
        first_bu = next((e.t for e in window if isinstance(e, PacketSent) and e.origin
                         and e.node == mn and e.kind in SIGNALLING_TARGET), None)
        first_data = next((e.t for e in window if isinstance(e, PacketReceived)
                           and e.node == mn and e.kind == describe.DATA), None)
        horizon = first_data if first_data is not None else (done.t if done else None)
        lost = sum(1 for e in trace if isinstance(e, PacketDropped) and e.kind == describe.DATA
                   and t0 <= e.t and (horizon is None or e.t <= horizon))
        out.append((start.kind, start.from_ar, start.to_ar, t0, first_bu,
                    done.t if done else None, first_data, done.t - t0 if done else None, lost))
    return out


CASES = [(name, (), None) for name in sorted(builtin_scenarios())] + [
    ("figure1", ((5, "AR2"), (7, None), (12, "AR1"), (12.5, "AR2"), (13, None)), None),
    ("two-domains", ((3, None), (3.5, "AR3"), (8, None), (20, "AR1")), "mipv6"),
    ("flat", ((3, None), (9, "AR2"), (9.01, "AR1")), None),
]


@pytest.mark.parametrize("name, moves, mode", CASES)
def test_folded_figures_equal_the_list_based_ones(name, moves, mode):
    scenario = load_scenario(name)
    extra = tuple(MoveSpec(float(t), to) for t, to in moves)
    scenario = dataclasses.replace(scenario, moves=tuple(sorted(
        scenario.moves + extra, key=lambda m: m.at_s)))
    sim = Simulation(scenario, mode=mode)
    figures = RunFigures(sim.mn_name)
    sim.add_listener(figures)
    sim.run()
    got = [dataclasses.astuple(h) for h in figures.handovers()]
    assert got == reference_handovers(sim.trace, sim.mn_name)
    assert [dataclasses.astuple(h) for h in handovers(sim.trace, sim.mn_name)] == got
    assert figures.signalling() == signalling(sim.trace, sim.mn_name)
    assert figures.events == len(sim.trace)
    assert figures.packet_hops == sum(isinstance(e, PacketSent) for e in sim.trace)
    assert figures.drops == sum(isinstance(e, PacketDropped) for e in sim.trace)
    assert f"{len(sim.trace)} events" in format_summary(sim.trace, sim.mn_name, name, "x", 1)
    mtu = FlowMtuFold(sim)
    for e in sim.trace:
        mtu(e)
    assert mtu.rows() == flow_mtu(sim)
    if moves:
        assert any(h[-1] for h in got), "a case with moves should lose some data"


def test_the_fold_holds_no_events():
    """Memory of the figures is per handover, not per event."""
    scenario = dataclasses.replace(load_scenario("figure1"), duration_s=60.0)
    sim = Simulation(scenario, keep_trace=False)
    figures = RunFigures(sim.mn_name)
    sim.add_listener(figures)
    sim.run()
    held = [v for v in vars(figures).values() if isinstance(v, (list, dict))]
    assert figures.events > 4000 and all(len(v) < 10 for v in held)


def test_snapshots_share_the_listeners_instead_of_copying_them():
    class Counter:  # an object, as the output sinks are: deepcopy would clone it
        def __init__(self) -> None:
            self.events = 0

        def __call__(self, event: Event) -> None:
            self.events += 1

    sim = Simulation(load_scenario("figure1"))
    counter = Counter()
    sim.add_listener(counter)
    sim.run(1.0)
    snap = sim.snapshot()
    sim.run(2.0)
    sim.restore_snapshot(snap)
    before = counter.events
    while not sim.step():
        pass
    assert counter.events > before  # the sink itself, not a copy, still gets the events
