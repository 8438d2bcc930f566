"""The controller alone: folding the trace, lazy engine, branches, playback pacing."""

from __future__ import annotations

import pytest

from hmipviz.engine.events import BindingChanged, HandoverStarted, LinkChanged, PacketSent
from hmipviz.gui import controller as controller_mod
from hmipviz.gui.controller import QtController
from hmipviz.gui.playback import FRAME_MS, FakeClock
from hmipviz.scenario import load_scenario


@pytest.fixture
def controller(qtbot):
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    return c


def test_the_engine_runs_only_as_far_as_shown(controller):
    c = controller
    assert c.trace == [] and c.position == -1
    c.step_forward()
    assert c.position == 0
    # one simulated instant at a time: everything at t=0 and nothing later
    assert {e.t for e in c.trace} == {0.0}
    assert c.sim.next_time() > 0.0


def test_folded_caches_equal_the_engine_at_the_end(controller):
    c = controller
    c.seek_time(8.0)
    c.move_mn("AR2")
    c.run_to_end()
    assert c.at_end()
    folded = c.caches_at(c.position)
    engine = c.sim.binding_caches()
    for node, entries in engine.items():
        shown = sorted((r.home_address, r.care_of_address, r.sequence)
                       for r in folded.caches.get(node, []))
        assert shown == sorted((str(e.home_address), str(e.care_of_address), e.sequence)
                               for e in entries)
    assert sorted((r.peer, r.care_of_address) for r in folded.bul) == \
        sorted((e.peer, str(e.care_of_address)) for e in c.sim.binding_update_list())


def test_in_flight_hops_are_those_sent_and_not_arrived(controller):
    c = controller
    c.seek_time(2.01)
    i = c.position
    t = c.trace[i].t
    flying = c.in_flight_at(i)
    expected = [j for j, e in enumerate(c.trace[:i + 1])
                if isinstance(e, PacketSent) and e.arrive_t > t + 1e-9]
    assert flying == expected and flying


def test_acting_in_the_past_replays_earlier_actions_from_an_older_snapshot(qtbot, monkeypatch):
    monkeypatch.setattr(controller_mod, "SNAPSHOT_EVERY", 40)
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    c.seek_time(3.0)
    c.move_mn("AR2")  # first action at 3 s
    c.seek_time(9.0)
    reference = [e.to_json() for e in c.trace]
    snapshots_before = len(c._snapshots)
    # step back to 6 s and act there: a snapshot from before 3 s may be restored, and
    # the move at 3 s must come back exactly where it was
    c.seek_time(6.0)
    cut = c.position
    c.fail_node("MAP1")
    assert len(c._snapshots) <= snapshots_before
    assert [e.to_json() for e in c.trace[:cut + 1]] == reference[:cut + 1]
    assert any(e.type == "NodeStatus" for e in c.trace[cut + 1:])
    assert [a[1:] for a in c.user_actions()] == [("move", "AR2"), ("fail", "MAP1")]


def test_branching_before_an_action_discards_it(controller):
    c = controller
    c.seek_time(3.0)
    c.move_mn("AR2")
    c.seek_time(6.0)
    assert any(isinstance(e, LinkChanged) and e.ar == "AR2" for e in c.trace)
    c.seek_time(2.0)
    c.fail_node("HA")
    assert not any(isinstance(e, LinkChanged) and e.ar == "AR2" for e in c.trace)
    assert [a[1] for a in c.user_actions()] == ["fail"]
    assert c.placement_at(c.position) is None


def test_playback_is_paced_by_hops_and_skips_idle_gaps(qtbot, controller):
    c = controller
    clock = FakeClock(c)  # playback steps time instead of waiting for it
    c.set_speed(10.0)  # 60 ms per hop
    c.play()
    clock.run_until(lambda: c.position >= 3, timeout_ms=5000)  # past the RS to AR1
    assert c.playing
    # registration completes after a few hops, not after real seconds of simulated time
    clock.run_until(lambda: any(isinstance(e, HandoverStarted)
                                for e in c.trace[:c.position + 1]), timeout_ms=10000)
    c.pause()
    t = c.display_time()
    clock.advance(100)
    for _ in range(5):
        clock.frame()
    assert c.display_time() == t  # nothing moves while paused


def test_a_hop_takes_hop_ms_over_the_speed_on_the_fake_clock(qtbot, controller):
    """The pace itself: a segment in which a token covers a whole hop lasts
    HOP_MS / speed of clock time, whatever the hop's real delay."""
    c = controller
    clock = FakeClock(c)
    c.set_speed(2.0)
    c.play()
    clock.run_until(c.animating, timeout_ms=20000)
    seg = c._seg
    flying = c.in_flight_at(c.position)
    frac = max(min(1.0, (seg.t1 - seg.t0) / max(c.trace[j].arrive_t - c.trace[j].t, 1e-9))
               for j in flying)
    want_ms = controller_mod.HOP_MS / 2.0 * frac
    start = clock.ms
    position = c.position
    frames = clock.run_until(lambda: c.position != position, timeout_ms=5000)
    assert want_ms <= clock.ms - start < want_ms + 2 * FRAME_MS, (frames, want_ms)


def test_a_binding_change_is_visible_only_from_its_event_on(controller):
    c = controller
    c.jump_to_next_idle()
    c.jump_to_next_idle()
    first = next(i for i, e in enumerate(c.trace)
                 if isinstance(e, BindingChanged) and e.node == "MAP1")
    assert c.caches_at(first - 1).caches["MAP1"] == []
    assert [r.care_of_address for r in c.caches_at(first).caches["MAP1"]] == ["2001:db8:2::a"]


def test_set_mode_restarts_in_that_mode(controller):
    c = controller
    c.seek_time(1.0)
    c.set_mode("mipv6")
    assert c.mode == "mipv6" and c.position == -1 and c.trace == []
    c.seek_time(1.0)
    assert not any(isinstance(e, PacketSent) and e.kind == "local BU" for e in c.trace)


def test_teacher_controls_change_the_engine(controller):
    c = controller
    c.seek_time(1.0)
    c.set_link("R", "MAP1", delay_ms=50.0, loss=0.0)
    assert c.sim.topology.link("R", "MAP1").delay_ms == 50.0
    c.set_map_option("AR1", "MAP1", pref=3, lifetime_s=100)
    assert [(e.node, e.map_name, e.pref, e.lifetime_s) for e in c.trace
            if e.type == "MapOptionChanged"] == [("AR1", "MAP1", 3, 100)]
    assert c.flow_running()
    c.set_flow(False)
    assert not c.flow_running()
    c.seek_time(4.0)
    late = [e for e in c.trace if isinstance(e, PacketSent) and e.kind == "data" and e.t > 1.1]
    assert late == []


def test_snapshots_stay_bounded_and_going_far_back_is_still_exact(qtbot, monkeypatch):
    """Issue 9: the history keeps at most MAX_SNAPSHOTS engine snapshots (old ones
    thinned); acting far in the past re-simulates from a sparser snapshot and gives the
    same events as a history that kept every snapshot."""
    from hmipviz.gui import snapshots as snapshots_mod

    def session(max_count):
        monkeypatch.setattr(controller_mod, "SNAPSHOT_EVERY", 10)
        monkeypatch.setattr(snapshots_mod, "MAX_SNAPSHOTS", max_count)
        monkeypatch.setattr(snapshots_mod, "RECENT_SNAPSHOTS", 2)
        c = QtController(load_scenario("figure1"))
        c.autoplay_on_action = False
        c.seek_time(3.0)
        c.move_mn("AR2")
        c.seek_time(20.0)
        most = len(c._snapshots)
        c.seek_time(4.5)
        c.fail_node("MAP1")
        c.seek_time(15.0)
        return c, most

    thinned, most = session(6)
    full, most_full = session(10_000)
    assert most <= 6 < most_full
    assert [e.to_json() for e in thinned.trace] == [e.to_json() for e in full.trace]
    times = [s[0] for s in thinned._snapshots]
    assert times == sorted(times) and times[0] == 0.0  # the loaded state is never dropped


def test_thin_keeps_the_first_and_the_newest():
    from hmipviz.gui.snapshots import thin
    items = list(range(11))
    assert thin(items, max_count=10, recent=3) == 4
    assert items == [0, 2, 4, 6, 8, 9, 10]
    items = list(range(5))
    assert thin(items, max_count=10, recent=3) == 0 and items == list(range(5))


def test_an_engine_that_loops_at_one_instant_stops_the_run_not_the_window(qtbot, monkeypatch):
    """Issue 9 (found by benchmarks/memory_gui.py): with the MN dragged back and forth
    every few hundred ms, the engine once ran a timer at one instant forever and the
    window froze. The controller now stops the run there and says so."""
    monkeypatch.setattr(controller_mod, "STALL_STEPS", 2000)
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    c.seek_time(3.0)
    sim = c.sim
    stuck_t = sim.next_time()

    def spin():  # what the looping engine did: an item at the same instant, no event
        sim.now = stuck_t
        return []

    monkeypatch.setattr(sim, "next_time", lambda: stuck_t)
    monkeypatch.setattr(sim, "step", spin)
    errors = []
    c.errorOccurred.connect(errors.append)
    end = len(c.trace) - 1
    c.seek(end)
    assert not c.step_forward()  # returns instead of spinning for ever
    assert len(errors) == 1 and f"stopped making progress at t = {stuck_t:.6f} s" in errors[0]
    assert c.at_end()
    c.play()
    assert not c.playing
    assert not c.step_forward() and len(errors) == 1  # said once
    c.restart()
    assert not c.at_end() and c.step_forward()  # a fresh engine runs again


def test_jumping_to_the_next_idle_moment_is_bounded_in_time(qtbot):
    """Soak finding: with a flow keeping packets in flight for ever, End/jump ran 20,000
    events (seconds on a busy machine) before giving the window back."""
    import dataclasses
    import time

    sc = load_scenario("figure1")
    flow = dataclasses.replace(sc.flows[0], interval_ms=1.0, start_s=0.5)
    c = QtController(dataclasses.replace(sc, flows=(flow,), duration_s=600.0))
    c.autoplay_on_action = False
    c.seek_time(1.0)
    t0 = time.monotonic()
    assert c.jump_to_next_idle(max_events=10**9, max_ms=300)
    assert time.monotonic() - t0 < 3.0
    assert c.in_flight_at(c.position)  # it stopped for the time, not at an idle moment


def test_a_segment_keeps_its_progress_across_a_speed_change():
    """gui/playback.Segment: the pace of one playback segment, on plain numbers."""
    from hmipviz.gui.playback import HOP_MS, Segment

    # two hops in flight: one 10 ms long, one 40 ms long; the segment covers 5 ms
    seg = Segment.between(1.000, 1.005, [(0.998, 1.008), (1.000, 1.040)], 1.0, 100.0)
    assert seg.duration_ms == pytest.approx(HOP_MS * 0.5)  # the larger share: half a hop
    assert seg.progress(100.0) == 0.0 and seg.time_at(100.0) == 1.000
    assert seg.progress(250.0) == pytest.approx(0.5)
    seg.rescale(1.0 / 2.0, 250.0)  # twice the speed from here on
    assert seg.duration_ms == pytest.approx(HOP_MS * 0.25)
    # the rest of the way takes the new duration, counted from the speed change
    assert seg.progress(250.0) == pytest.approx(0.5)
    assert seg.progress(325.0) == pytest.approx(0.75)
    assert seg.time_at(400.0) == pytest.approx(1.005) and seg.progress(500.0) == 1.0
    assert Segment.between(1.0, 1.0, [(0.99, 1.01)], 1.0, 0.0) is None  # nothing to move
    assert Segment.between(1.0, 2.0, [], 1.0, 0.0) is None  # an idle gap is skipped


def test_a_fast_frame_and_a_jump_tell_the_views_once(controller):
    """Playback without animation and a jump to the next idle moment run many instants;
    the views (event list, ladder, lesson) hear of the new events once per frame or
    jump, with the final length, not once per instant."""
    c = controller
    heard: list[int] = []
    c.traceExtended.connect(heard.append)
    assert c.jump_to_next_idle()  # from the start: the first registration's instants
    assert len({e.t for e in c.trace}) > 3 and heard == [len(c.trace)]
    heard.clear()
    c.animate = False
    clock = FakeClock(c)
    c.play()
    frames = 0
    while len({e.t for e in c.trace}) < 60:  # a frame runs instants for up to 12 ms
        before = len(heard)
        clock.frame()
        frames += 1
        assert heard[before:] == [len(c.trace)]  # once, with the length after the frame
    assert frames < 30  # each frame took many instants (each was heard once before)
