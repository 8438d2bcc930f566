"""The frame plan of an animation export (hmipviz/animation_plan.py, no Qt): the window's
playback pacing replayed on a virtual clock."""

from __future__ import annotations

import bisect
import dataclasses

import pytest

from hmipviz.animation_plan import (
    HOLD_MS,
    HOP_MS,
    MAX_FRAMES,
    PlanError,
    check_request,
    pacing,
    plan_frames,
)
from hmipviz.engine.events import PacketSent
from hmipviz.scenario import MoveSpec, load_scenario
from hmipviz.sim import Simulation
from hmipviz.timeline import Timeline, cache_holders


@dataclasses.dataclass
class Ev:
    t: float
    arrive_t: float | None = None  # a hop when set


class FakeSource:
    """A hand-made trace: instants of events, hops with their arrival time."""

    def __init__(self, events: list[Ev]) -> None:
        self.trace = events
        self.times = [e.t for e in events]

    def group_range(self, i: int) -> tuple[int, int]:
        t = self.trace[i].t
        return bisect.bisect_left(self.times, t), bisect.bisect_right(self.times, t) - 1

    def index_at_time(self, t: float) -> int:
        return bisect.bisect_right(self.times, t) - 1

    def in_flight_at(self, i: int) -> list[int]:
        if i < 0:
            return []
        now = self.trace[i].t
        return [j for j in range(i + 1) if self.trace[j].arrive_t is not None
                and self.trace[j].arrive_t > now]


def test_one_hop_lasts_hop_ms_over_speed_and_idle_gaps_are_skipped():
    # an event at 1 s, a hop sent at 2 s arriving at 2.010 s, its arrival, one more at 9 s
    src = FakeSource([Ev(1.0), Ev(2.0, 2.010), Ev(2.010), Ev(9.0)])
    stretches, final = pacing(src, 0.5, 10.0, speed=2.0)
    # only the hop's flight takes time on screen: 600 ms at 1x, 300 ms at 2x
    assert [(s.position, s.t0_s, s.t1_s, s.duration_ms) for s in stretches] == [
        (1, 2.0, 2.010, HOP_MS / 2)]
    assert final == 3
    plan = plan_frames(src, 0.5, 10.0, fps=10, speed=2.0)
    # the state at --from, then every 100 ms of the clock along the hop, then the end
    assert [(f.position, round(f.time_s, 6), f.at_ms) for f in plan.frames] == [
        (-1, 0.5, 0.0), (1, 2.0, 0.0), (1, 2.003333, 100.0), (1, 2.006667, 200.0),
        (3, 10.0, 300.0)]
    assert plan.total_ms == 300.0


def test_a_hop_cut_by_the_next_instant_lasts_its_share():
    # two hops in flight; the next instant comes a quarter of the way along the longer
    src = FakeSource([Ev(1.0, 1.040), Ev(1.0, 1.010), Ev(1.010), Ev(1.040)])
    stretches, _ = pacing(src, 1.0, 1.040)
    assert [round(s.duration_ms, 6) for s in stretches] == [HOP_MS, round(HOP_MS * 0.75, 6)]


def test_walking_mns_make_idle_time_pass_at_the_moving_rate():
    src = FakeSource([Ev(1.0), Ev(3.0)])
    stretches, _ = pacing(src, 0.0, 4.0, speed=2.0, walking=True)
    # simulated time at 2 s per second: 1 s -> 500 ms each stretch
    assert [(s.t0_s, s.t1_s, s.duration_ms) for s in stretches] == [
        (0.0, 1.0, 500.0), (1.0, 3.0, 1000.0), (3.0, 4.0, 500.0)]
    assert pacing(src, 0.0, 4.0, speed=2.0, walking=False)[0] == []


def test_durations_hold_first_and_last_frames_and_keep_to_the_clock():
    src = FakeSource([Ev(2.0, 2.010), Ev(2.010)])
    plan = plan_frames(src, 1.0, 3.0, fps=15)
    for unit in (1, 10):
        d = plan.durations_ms(unit)
        assert len(d) == len(plan.frames)
        assert all(x % unit == 0 and x > 0 for x in d)
        assert d[0] >= HOLD_MS and d[-1] >= HOLD_MS
        # the sum is the clock (600 ms), one more frame and both holds, to the unit
        assert abs(sum(d) - (plan.total_ms + 1000 / 15 + 2 * HOLD_MS)) <= unit


def test_the_figure1_handover_plays_every_hop_in_order():
    sc = load_scenario("figure1")
    sc = dataclasses.replace(sc, moves=(MoveSpec(5.0, "AR2", 0),))
    sim = Simulation(sc)
    sim.run(5.2)
    tl = Timeline(sim.trace, sim.mn_name, cache_holders(sc.nodes))
    tl.index_new()
    plan = plan_frames(tl, 4.95, 5.1, fps=15, speed=1.5)
    times = [f.time_s for f in plan.frames]
    positions = [f.position for f in plan.frames]
    assert times == sorted(times) and positions == sorted(positions)
    assert plan.frames[0].time_s == 4.95 and plan.frames[-1].time_s == 5.1
    assert plan.frames[-1].position == tl.index_at_time(5.1)
    # every signalling hop of the handover is on screen in some frame, mid-flight
    shown = set()
    for f in plan.frames:
        for j in tl.in_flight_at(f.position):
            e = sim.trace[j]
            if e.t < f.time_s < e.arrive_t:
                shown.add((e.kind, e.node, e.to_node))
    for hop in [("RS", "MN", "AR2"), ("RA", "AR2", "MN"), ("local BU", "MN", "AR2"),
                ("local BU", "AR2", "MAP1"), ("local BA", "MAP1", "AR2"),
                ("local BA", "AR2", "MN")]:
        assert hop in shown
    hops = [e for e in sim.trace if isinstance(e, PacketSent) and 4.95 <= e.t < 5.1]
    assert hops  # and the whole span took time on screen, not a blink
    assert plan.total_ms >= HOP_MS / 1.5 * 6


@pytest.mark.parametrize("args, words", [
    ((-1, 2, 15, 1), "--from -1"), ((3, 2, 15, 1), "--to 2: must be later"),
    ((1, 2, 0, 1), "--fps 0"), ((1, 2, 90, 1), "--fps 90"),
    ((1, 2, 15, 20), "--speed 20"), ((1, float("nan"), 15, 1), "--to nan")])
def test_bad_requests_say_which_option(args, words):
    with pytest.raises(PlanError, match=words):
        check_request(*args)


def test_too_many_frames_is_refused_with_advice():
    src = FakeSource([Ev(float(k), k + 0.5) for k in range(400)])
    with pytest.raises(PlanError, match=f"more than {MAX_FRAMES}; raise --speed"):
        plan_frames(src, 0.0, 399.0, fps=60, speed=0.1)
