"""The mode switch that keeps the demonstration, and the compare view (offscreen Qt,
playback paced by a FakeClock)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from hmipviz import compare as cmp
from hmipviz.engine.events import HandoverCompleted, LinkChanged, NodeStatus, PacketSent
from hmipviz.gui.compare_window import CompareWindow
from hmipviz.gui.controller import QtController
from hmipviz.gui.playback import FakeClock
from hmipviz.scenario import load_scenario

POINT = (420.0, 520.0)


def _json(trace):
    return [e.to_json() for e in trace]


def _mn_links(trace, mn="MN"):
    return [(e.t, e.ar, e.up) for e in trace if isinstance(e, LinkChanged) and e.node == mn]


# --- the mode switch -----------------------------------------------------------------------
@pytest.fixture
def played(qtbot):
    """figure1 in HMIPv6, the MN dragged to AR2 at about 3 s during playback."""
    c = QtController(load_scenario("figure1"))
    clock = FakeClock(c)
    c.set_speed(10.0)
    c.play()
    clock.run_until(lambda: c.display_time() >= 3.0, timeout_ms=120_000)
    c.move_mn("AR2", POINT)  # the drag, at the time on screen
    clock.run_until(lambda: any(isinstance(e, HandoverCompleted) and e.kind == "intra-MAP"
                                for e in c.trace[:c.position + 1]), timeout_ms=60_000)
    c.pause()
    return c, clock


def test_switching_mode_replays_the_drag_at_the_same_time(played):
    c, clock = played
    [(t1, verb, target)] = c.user_actions()
    assert (verb, target) == ("move", "AR2") and t1 >= 3.0
    hmip_links = _mn_links(c.trace)
    c.set_mode("mipv6")
    assert c.mode == "mipv6" and c.sim.mode == "mipv6"
    # the same action, at the same simulated time, recorded as the user's
    assert c.user_actions() == [(t1, "move", "AR2")]
    assert c.placement_at(len(c.trace) - 1).point == POINT
    # shown from the start; playing brings the drag's handover, in Mobile IPv6 style
    assert c.position == -1
    c.play()
    clock.run_until(lambda: c.mn_ar_at(c.position) == "AR2", timeout_ms=120_000)
    clock.run_until(lambda: any(isinstance(e, HandoverCompleted) and e.kind == "mipv6"
                                for e in c.trace[:c.position + 1]), timeout_ms=60_000)
    c.pause()
    assert _mn_links(c.trace)[:3] == hmip_links[:3]  # attach, down at t1, up on AR2
    assert hmip_links[1] == (t1, None, False)
    assert not any(isinstance(e, PacketSent) and e.kind == "local BU" for e in c.trace)


def test_switching_back_restores_the_kept_run_and_its_position(played):
    c, _clock = played
    history, trace, position = c._history, _json(c.trace), c.position
    selected = c.selected
    c.set_mode("mipv6")
    mip_history = c._history
    assert mip_history is not history
    c.seek_time(5.0)
    c.set_mode("hmipv6")
    assert c._history is history and _json(c.trace) == trace
    assert c.position == position and c.selected == selected
    assert c.mode == "hmipv6" and c.sim is history.sim
    # and the Mobile IPv6 run is kept too, where it was left
    c.set_mode("mipv6")
    assert c._history is mip_history and c.time_at(c.position) <= 5.0


def test_an_action_in_the_other_mode_is_replayed_on_switching_back(played):
    c, _clock = played
    history = c._history
    c.set_mode("mipv6")
    c.autoplay_on_action = False
    c.seek_time(8.0)
    c.fail_node("CN")
    c.set_mode("hmipv6")
    assert c._history is not history  # the actions changed: run again
    assert [a[1:] for a in c.user_actions()] == [("move", "AR2"), ("fail", "CN")]
    c.seek_time(9.0)
    assert [(e.t, e.up) for e in c.trace if isinstance(e, NodeStatus)] == \
        [(pytest.approx(8.0), False)]


def test_the_teachers_changes_are_replayed_too(qtbot):
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    c.seek_time(2.0)
    c.set_link("R", "MAP1", delay_ms=50.0, loss=0.0)
    c.seek_time(3.0)
    c.set_flow(False)
    c.set_map_option("AR2", "MAP1", pref=3)
    c.set_mode("mipv6")
    assert [type(a).__name__ for a in cmp.demo_actions(c.timeline)] == \
        ["SetLink", "SetFlow", "SetMapOption"]
    c.seek_time(1.0)
    assert c.link_params_at(c.position, "R", "MAP1").delay_ms == 10.0  # not yet
    c.seek_time(4.0)
    assert c.sim.topology.link("R", "MAP1").delay_ms == 50.0
    assert c.link_params_at(c.position, "R", "MAP1").delay_ms == 50.0
    assert c.flow_running_at(c.position) is False
    assert c.map_option_at(c.position, "AR2", "MAP1").pref == 3


def test_the_mode_buttons_keep_the_demo(qtbot):
    from hmipviz.gui.main_window import MainWindow
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    c = w.controller
    c.autoplay_on_action = False
    c.seek_time(3.0)
    c.move_mn("AR2")
    c.seek_time(5.0)
    history, position = c._history, c.position
    w.playback.mode_buttons["mipv6"].click()
    assert c.mode == "mipv6" and [a[1:] for a in c.user_actions()] == [("move", "AR2")]
    assert "1 action replayed" in w.statusBar().currentMessage()
    w.playback.mode_buttons["hmipv6"].click()
    assert c._history is history and c.position == position
    # the views follow the restored run
    assert w.events.model.rowCount() == len(c.trace)
    assert w.caches.model_for("MAP1").column_texts("RCoA") == ["2001:db8:100::a"]


# --- the compare view ------------------------------------------------------------------------
ACTIONS = (cmp.MoveMN(3.0, "AR2", POINT),)


@pytest.fixture(params=["figure1", "two-domains"])
def view(qtbot, request):
    sc = load_scenario(request.param)
    w = CompareWindow(sc, ACTIONS)
    qtbot.addWidget(w)
    w.resize(1024, 740)
    w.show()
    qtbot.waitExposed(w)
    return w


def _play_to(w, t, clock=None):
    clock = clock or FakeClock(w.driver)
    w.driver.set_speed(10.0)
    w.driver.play()
    clock.run_until(lambda: w.driver.t >= t, timeout_ms=600_000)
    w.driver.pause()
    w.refresh()
    return clock


def test_both_sides_replay_the_same_actions(view):
    w = view
    h, m = w.sides["hmipv6"], w.sides["mipv6"]
    assert h.mode == "hmipv6" and m.mode == "mipv6"
    assert h.user_actions() == m.user_actions() == [(3.0, "move", "AR2")]
    _play_to(w, 6.0)
    assert h.display_time() == m.display_time() == w.driver.t
    # the same link changes at the same times on both sides (the scenario's own moves too)
    upto = w.driver.t
    links = {mode: [x for x in _mn_links(s.trace) if x[0] <= upto]
             for mode, s in w.sides.items()}
    assert links["hmipv6"] == links["mipv6"]
    assert (3.0, None, False) in links["hmipv6"]


def test_the_counters_equal_the_traces_counts(view):
    w = view
    _play_to(w, 7.0)
    sc = w.sides["hmipv6"].scenario
    got = w.counters()
    for mode, side in w.sides.items():
        shown = side.trace[:side.position + 1]
        assert shown[-1].t <= w.driver.t + 1e-9
        by_hand = {"HA": (0, 0), "MAP": (0, 0), "CN": (0, 0)}
        kinds = {"ha": ("HA", {"BU to HA"}), "map": ("MAP", {"local BU"}),
                 "cn": ("CN", {"BU to CN", "HoTI", "CoTI"})}
        for role, (target, want) in kinds.items():
            names = {n.name for n in sc.nodes_with_role(role)}
            for i, e in enumerate(shown):
                if e.type == "PacketReceived" and e.node in names and e.kind in want:
                    hop = next(s for s in reversed(shown[:i]) if isinstance(s, PacketSent)
                               and s.packet_id == e.packet_id and s.to_node == e.node)
                    n, b = by_hand[target]
                    by_hand[target] = (n + 1, b + len(hop.data))
        assert got[mode] == by_hand, mode
        # and the label says them
        text = w.panes[mode].counter.text()
        assert f"<b>HA</b> {by_hand['HA'][0]}&nbsp;msg&nbsp;/&nbsp;{by_hand['HA'][1]}" in text
    assert got["hmipv6"]["HA"][0] < got["mipv6"]["HA"][0]


def test_the_bars_show_each_finished_handover_in_both_modes(view):
    w = view
    _play_to(w, 4.0)
    pairs = w.bars.shown()
    assert [p.to_ar for p in pairs][:2] == ["AR1", "AR2"]
    for mode in cmp.MODES:
        side = w.sides[mode]
        done = [e for e in side.trace[:side.position + 1] if isinstance(e, HandoverCompleted)]
        assert [p.latency_ms[mode] for p in pairs] == \
            [pytest.approx(e.latency_s * 1000) for e in done]
    assert pairs[1].latency_ms["hmipv6"] < pairs[1].latency_ms["mipv6"]


def test_a_drag_on_either_side_moves_both_mns(qtbot, view):
    w = view
    clock = _play_to(w, 4.0)
    before = {m: s.user_actions() for m, s in w.sides.items()}
    right = w.panes["mipv6"].view
    start = right.mn_item.scenePos()
    end = right.cell_item("AR1").centre
    vp = right.viewport()
    p0, p1 = right.mapFromScene(start), right.mapFromScene(end)
    QTest.mouseMove(vp, p0)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, 11):
        QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // 10,
                                   p0.y() + (p1.y() - p0.y()) * k // 10))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)
    t = w.driver.t
    for mode, side in w.sides.items():
        assert side.user_actions() == before[mode] + [(t, "move", "AR1")], mode
    assert w.driver.playing  # as in the main window, a drag plays on
    clock.run_until(lambda: all(s.mn_ar_at(s.position) == "AR1" for s in w.sides.values()),
                    timeout_ms=60_000)
    left = w.panes["hmipv6"].view
    assert left.cell_at(left.mn_item.scenePos()) == "AR1"
    assert right.cell_at(right.mn_item.scenePos()) == "AR1"


def test_one_scrubber_drives_both_sides(view):
    w = view
    w.driver.seek(3.5)
    for side in w.sides.values():
        assert side.display_time() == 3.5
        assert side.time_at(side.position) <= 3.5 < side.trace[side.position + 1].t
    assert w.scrubber.value() == 3500
    w.scrubber.setValue(1200)
    w.scrubber.sliderMoved.emit(1200)
    assert all(s.display_time() == 1.2 for s in w.sides.values())


def test_playback_animates_both_sides_hops(view):
    """The time lock paces over both runs' hops: while only the Mobile IPv6 side has
    its BU to the HA in flight, the clock still moves through it in frames."""
    w = view
    clock = FakeClock(w.driver)
    w.driver.seek(3.0)
    w.driver.play()
    m = w.sides["mipv6"]
    clock.run_until(lambda: any(m.trace[j].kind == "BU to HA"
                                for j in m.in_flight_at(m.position)), timeout_ms=120_000)
    frames = clock.run_until(lambda: not any(m.trace[j].kind == "BU to HA"
                                             for j in m.in_flight_at(m.position)),
                             timeout_ms=120_000)
    assert frames > 10  # animated, not applied at once


def test_the_view_menu_opens_the_compare_view(qtbot):
    from hmipviz.gui.main_window import MainWindow
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    c = w.controller
    c.autoplay_on_action = False
    c.seek_time(2.0)
    c.move_mn("AR2", POINT)
    w.compare_action.trigger()
    view = w.compare_window
    assert isinstance(view, CompareWindow) and view.isVisible()
    assert view.actions_replayed == (cmp.MoveMN(c.user_actions()[0][0], "AR2", POINT),)
    assert view.status.text() == ("Both runs replay the main window's actions: MN to AR2 "
                                  f"at {c.user_actions()[0][0]:.3f} s.")
    view.close()


class _Side:
    """A stand-in run for the driver: instants at ``times``, and hops (sent, arrive)."""

    def __init__(self, times, hops):
        self.times, self.hops, self.shown, self.end_time = times, hops, [], max(times)
        self.on_action = None

    def next_time_after(self, t):
        return next((x for x in self.times if x > t + 1e-9), None)

    def hops_in_flight(self):
        t = self.shown[-1] if self.shown else 0.0
        return [h for h in self.hops if h[0] <= t + 1e-9 < h[1]]

    def show_time(self, t):
        self.shown.append(t)


def test_the_clock_paces_over_the_hops_of_both_runs(qtbot):
    """Only the Mobile IPv6 side has a hop in flight (0 to 1 s), the HMIPv6 side has
    nothing moving but an instant at 0.5 s: the clock still animates both halves of the
    hop (HOP_MS / speed in all), stopping at 0.5 s on the way."""
    from hmipviz.gui.compare_sync import CompareDriver
    from hmipviz.gui.playback import HOP_MS
    sides = {"hmipv6": _Side([0.5, 2.0], []), "mipv6": _Side([1.0, 2.0], [(0.0, 1.0)])}
    d = CompareDriver(sides)
    clock = FakeClock(d)
    d.play()
    start = clock.ms
    clock.run_until(lambda: d.t >= 0.5 - 1e-9, timeout_ms=5000)
    assert d.t == 0.5 and HOP_MS / 2 <= clock.ms - start < HOP_MS / 2 + 3 * clock.frame_ms
    clock.run_until(lambda: d.t >= 1.0 - 1e-9, timeout_ms=5000)
    assert HOP_MS <= clock.ms - start < HOP_MS + 5 * clock.frame_ms
    # both sides were shown every time the clock moved, in between too
    assert sides["hmipv6"].shown == sides["mipv6"].shown
    assert any(0.0 < t < 0.5 for t in sides["hmipv6"].shown)
    assert any(0.5 < t < 1.0 for t in sides["hmipv6"].shown)
    # nothing in flight from 1 s to 2 s: that instant comes at once
    frames = clock.run_until(lambda: d.t >= 2.0 - 1e-9, timeout_ms=5000)
    assert frames <= 2
