"""Several mobile nodes in the window (issue 11, item 4), with real widgets and mouse
events on Qt's offscreen platform.

- dragging the SECOND MN onto AR2 changes only its bindings (exact cache contents);
- choosing an MN filters the event list, the sequence diagram and the caches, and
  "All MNs" restores them;
- scrubbing back shows a moving MN where the simulator says it was at that time;
- tokens carry their MN's badge.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from hmipviz.engine.events import BindingChanged, HandoverCompleted, PacketSent
from hmipviz.gui.main_window import MainWindow
from hmipviz.gui.mn_picker import ALL_MNS
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation

FIGURE1 = Path(__file__).resolve().parents[2] / "assets" / "scenarios" / "figure1.toml"

MN1_HOA, MN2_HOA = "2001:db8:1::a", "2001:db8:1::b"
# addresses built from each MN's interface identifier (RFC 5380 s.6.1)
MN1_LCOA, MN2_LCOA_AR1, MN2_LCOA_AR2 = "2001:db8:2::a", "2001:db8:2::b", "2001:db8:3::b"
MN1_RCOA, MN2_RCOA = "2001:db8:100::a", "2001:db8:100::b"


def _two_mn_toml() -> str:
    """figure1 with a second MN (MN2) beside the first on AR1; the CN pings MN1."""
    text = FIGURE1.read_text()
    mn = text[text.index('[[node]]\nname = "MN"'):text.index("[[link]]")]
    mn1 = mn.replace('name = "MN"', 'name = "MN1"')
    mn2 = (mn.replace('name = "MN"', 'name = "MN2"')
           .replace('home_address = "2001:db8:1::a"', f'home_address = "{MN2_HOA}"')
           .replace('interface_id = "::a"', 'interface_id = "::b"')
           .replace("position = [300, 560]", "position = [400, 580]"))
    assert mn2 != mn1.replace("MN1", "MN2"), "the second MN must differ from the first"
    text = text.replace(mn, mn1 + mn2)
    return text.replace('to = "MN"', 'to = "MN1"')


@pytest.fixture
def two_mns(tmp_path):
    path = tmp_path / "two-mns.toml"
    path.write_text(_two_mn_toml())
    return load_scenario(str(path))


def _window(qtbot, scenario) -> MainWindow:
    w = MainWindow(scenario=scenario, restore_settings=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(20)  # the docks are arranged for the window's width once it is shown
    w.controller.autoplay_on_action = False
    return w


def _drag(view, start: QPointF, end: QPointF, steps: int = 12) -> None:
    vp = view.viewport()
    p0, p1 = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mouseMove(vp, p0)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // steps,
                                   p0.y() + (p1.y() - p0.y()) * k // steps))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)


def _settle(c, until, limit: int = 300) -> None:
    for _ in range(limit):
        if until():
            return
        if not c.jump_to_next_idle():
            break
    assert until(), "the expected events never came"


def _rows(model, *cols: str) -> list[tuple[str, ...]]:
    return sorted(zip(*(model.column_texts(col) for col in cols), strict=True))


def _registered(c) -> bool:
    """Both MNs hold an acknowledged binding at MAP1 and at the HA."""
    state = c.caches_at(c.position)
    hoas = {r.home_address for r in state.caches["HA"]}
    rcoas = {r.home_address for r in state.caches["MAP1"]}
    return {MN1_HOA, MN2_HOA} <= hoas and {MN1_RCOA, MN2_RCOA} <= rcoas and \
        not any(r.pending for r in state.bul)


def test_dragging_the_second_mn_moves_only_its_bindings(qtbot, two_mns):
    w = _window(qtbot, two_mns)
    c, view, caches = w.controller, w.topology, w.caches
    assert c.mn_names == ["MN1", "MN2"]
    assert set(view.mn_items) == {"MN1", "MN2"}
    _settle(c, lambda: _registered(c))
    assert c.mn_ar_at(c.position, "MN1") == c.mn_ar_at(c.position, "MN2") == "AR1"

    map1, ha = caches.model_for("MAP1"), caches.model_for("HA")
    bul = caches.bul_model()
    before_map = _rows(map1, "MN", "RCoA", "Care-of address", "Seq")
    before_ha = _rows(ha, "MN", "Home address", "Care-of address", "Seq")
    assert before_map == [("MN1", MN1_RCOA, MN1_LCOA, "1"), ("MN2", MN2_RCOA, MN2_LCOA_AR1, "1")]
    assert before_ha == [("MN1", MN1_HOA, MN1_RCOA, "1"), ("MN2", MN2_HOA, MN2_RCOA, "1")]
    mn1_bul = [r for r in c.caches_at(c.position, "MN1").bul]
    assert sorted((r.peer, r.home_address, r.care_of_address) for r in mn1_bul) == [
        ("HA", MN1_HOA, MN1_RCOA), ("MAP1", MN1_RCOA, MN1_LCOA)]

    start = len(c.trace)
    mn2 = view.mn_items["MN2"]
    target = view.cell_item("AR2").centre + QPointF(20, 60)
    _drag(view, mn2.scenePos(), target)
    assert c.mn_ar_at(c.position, "MN2") is None  # detached for the L2 switch
    assert c.mn_ar_at(c.position, "MN1") == "AR1"
    assert c.user_actions()[-1][1:] == ("move", "AR2")
    _settle(c, lambda: any(isinstance(e, HandoverCompleted) and e.node == "MN2"
                           for e in c.trace[start:]) and _registered(c))

    # only MN2 moved: its link, its LCoA at MAP1 (sequence 2), its own list
    assert c.mn_ar_at(c.position, "MN2") == "AR2"
    assert c.mn_ar_at(c.position, "MN1") == "AR1"
    assert not any(isinstance(e, HandoverCompleted) and e.node == "MN1"
                   for e in c.trace[start:])
    # grabbing MN2 chose it: the caches show its entries only
    assert c.selected_mn == "MN2"
    assert _rows(map1, "MN", "RCoA", "Care-of address", "Seq") == [
        ("MN2", MN2_RCOA, MN2_LCOA_AR2, "2")]
    assert _rows(ha, "MN", "Home address", "Care-of address", "Seq") == [
        ("MN2", MN2_HOA, MN2_RCOA, "1")]
    c.select_mn(None)  # all MNs: MN1's entries are as they were
    assert _rows(map1, "MN", "RCoA", "Care-of address", "Seq") == [
        ("MN1", MN1_RCOA, MN1_LCOA, "1"), ("MN2", MN2_RCOA, MN2_LCOA_AR2, "2")]
    # an intra-MAP move: the HA keeps both bindings as they were (RFC 5380 s.3.1)
    assert _rows(ha, "MN", "Home address", "Care-of address", "Seq") == before_ha
    changed = {(e.node, e.peer) for e in c.trace[start:] if isinstance(e, BindingChanged)}
    assert changed == {("MAP1", "MN2"), ("MN2", "MAP1")}
    assert sorted((r.peer, r.home_address, r.care_of_address, r.sequence)
                  for r in c.caches_at(c.position, "MN1").bul) == sorted(
        (r.peer, r.home_address, r.care_of_address, r.sequence) for r in mn1_bul)
    mn2_bul = sorted((r.peer, r.home_address, r.care_of_address, r.sequence)
                     for r in c.caches_at(c.position, "MN2").bul)
    assert mn2_bul == [("HA", MN2_HOA, MN2_RCOA, 1), ("MAP1", MN2_RCOA, MN2_LCOA_AR2, 2)]
    assert _rows(bul, "MN", "Peer", "Care-of address") == [
        ("MN1", "HA", MN1_RCOA), ("MN1", "MAP1", MN1_LCOA),
        ("MN2", "HA", MN2_RCOA), ("MN2", "MAP1", MN2_LCOA_AR2)]
    # the canvas: MN2 where it was dropped, MN1 where it was
    assert view.cell_at(mn2.scenePos()) == "AR2"
    assert view.cell_at(view.mn_items["MN1"].scenePos()) == "AR1"
    # the saved scenario names the MN that moved
    saved = c.scenario_with_actions()
    assert [(m.to, m.mn) for m in saved.moves] == [("AR2", "MN2")]


def test_choosing_an_mn_filters_events_ladder_and_caches(qtbot, two_mns):
    w = _window(qtbot, two_mns)
    c = w.controller
    _settle(c, lambda: _registered(c))
    events, caches, ladder = w.events, w.caches, w.ladder
    ladder.show()
    ladder.sync()
    all_rows = events.visible_rows()
    all_arrows = ladder.arrow_indices()
    mn_of = {i: c.mn_of(i) for i in range(len(c.trace))}
    assert {"MN1", "MN2"} <= set(mn_of.values())
    assert events.mn_box.isVisible() and events.mn_box.currentText() == ALL_MNS

    # choose MN2 in the event list's combo box: every view follows
    events.mn_box.setCurrentIndex(events.mn_box.findData("MN2"))
    assert c.selected_mn == "MN2"
    assert caches.mn_box.currentText() == ladder.mn_box.currentText() == "MN2"
    rows = events.visible_rows()
    assert rows == [i for i in all_rows if mn_of[i] == "MN2"]
    assert rows and len(rows) < len(all_rows)
    arrows = ladder.arrow_indices()
    assert arrows == [i for i in all_arrows if mn_of[i] == "MN2"] and arrows
    assert "MN1" not in [name for name, _role in ladder.model.nodes]
    assert _rows(caches.model_for("MAP1"), "MN", "RCoA") == [("MN2", MN2_RCOA)]
    assert _rows(caches.model_for("HA"), "MN", "Home address") == [("MN2", MN2_HOA)]
    assert {r for r in caches.bul_model().column_texts("MN")} == {"MN2"}
    assert w.topology.mn_items["MN2"].chosen and w.topology.mn_items["MN1"].faded

    # a click on MN1 on the canvas chooses MN1 instead
    view = w.topology
    p = view.mapFromScene(view.mn_items["MN1"].scenePos())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, p)
    assert c.selected_mn == "MN1"
    assert events.visible_rows() == [i for i in all_rows if mn_of[i] == "MN1"]
    assert _rows(caches.model_for("MAP1"), "MN", "RCoA") == [("MN1", MN1_RCOA)]

    # "All MNs" (here: Esc on the canvas) restores everything
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert c.selected_mn == ""
    assert events.mn_box.currentText() == ALL_MNS
    assert events.visible_rows() == all_rows
    assert ladder.arrow_indices() == all_arrows
    assert _rows(caches.model_for("MAP1"), "MN", "RCoA") == [("MN1", MN1_RCOA),
                                                             ("MN2", MN2_RCOA)]
    assert not view.mn_items["MN1"].faded and not view.mn_items["MN2"].chosen


def test_scrubbing_back_shows_a_moving_mn_where_the_simulator_had_it(qtbot):
    sc = load_scenario("campus")
    w = _window(qtbot, sc)
    c, view = w.controller, w.topology
    reference = Simulation(sc)  # an independent engine: where each MN is at time t
    c.seek_time(40.0)
    later = c.display_time()
    for name in ("MN3", "MN7"):
        p = view.mn_items[name].scenePos()
        assert (p.x(), p.y()) == pytest.approx(reference.position_of(name, later), abs=1e-6)
    c.seek_time(12.5)  # scrub back
    earlier = c.display_time()
    assert earlier < later
    for name in ("MN3", "MN7"):
        p = view.mn_items[name].scenePos()
        want = reference.position_of(name, earlier)
        assert (p.x(), p.y()) == pytest.approx(want, abs=1e-6)
        assert want != pytest.approx(reference.position_of(name, later), abs=1.0)
    # between two instants, an animation frame interpolates along the leg
    c.frameAdvanced.emit(earlier + 0.25)
    p = view.mn_items["MN3"].scenePos()
    assert (p.x(), p.y()) == pytest.approx(reference.position_of("MN3", earlier + 0.25),
                                           abs=1e-6)


def test_dragging_a_moving_mn_stops_its_model_there(qtbot):
    sc = load_scenario("campus")
    w = _window(qtbot, sc)
    c, view = w.controller, w.topology
    c.seek_time(10.0)
    t = c.display_time()
    item = view.mn_items["MN4"]
    others = {n: view.mn_items[n].scenePos() for n in ("MN1", "MN5")}
    target = view.cell_item("AR4").centre + QPointF(-10, 15)
    _drag(view, item.scenePos(), target)
    drop = item.scenePos()  # where the drag left it (the mouse moves in whole pixels)
    assert (drop - target).manhattanLength() < 4
    assert c.sim.position_of("MN4", t + 30) == pytest.approx((drop.x(), drop.y()), abs=1e-6)
    assert c.sim.position_of("MN4", t - 5) == pytest.approx(
        Simulation(sc).position_of("MN4", t - 5), abs=1e-6)  # the past is unchanged
    assert {n: view.mn_items[n].scenePos() for n in others} == others
    _settle(c, lambda: c.mn_ar_at(c.position, "MN4") == "AR4")
    assert c.user_actions()[-1][1:] == ("move", "AR4")
    assert item.scenePos() == drop  # it stays where it was put as time goes on


def test_which_mn_each_event_concerns_survives_a_branch(qtbot):
    """The window's per-event MN (the filters' basis) equals the simulator's own fold
    (EventMobiles) over the trace, also after acting in the past cut the trace."""
    from hmipviz.sim_mns import EventMobiles

    w = _window(qtbot, load_scenario("campus"))
    c = w.controller
    c.seek_time(20.0)
    c.seek_time(8.0)  # back: acting here starts a new branch
    cuts: list[int] = []
    c.traceTruncated.connect(cuts.append)
    c.move_mn("AR1", (380.0, 420.0), mn="MN6")
    assert cuts, "acting in the past must cut the trace"
    c.seek_time(20.0)
    fold = EventMobiles(c.sim.mobiles)
    expected = [fold.of(e) for e in c.trace]
    assert [c.mn_of(i) for i in range(len(c.trace))] == expected
    assert {"MN6", "MN1"} <= set(expected)


def test_tokens_carry_their_mns_badge(qtbot, two_mns):
    w = _window(qtbot, two_mns)
    c, view = w.controller, w.topology
    seen = {}
    for _ in range(400):
        if not c.step_forward():
            break
        for token in view.token_items():
            seen[token.index] = token.badge
        if {"1", "2"} <= set(seen.values()):
            break
    assert {"1", "2"} <= set(seen.values())
    for i, badge in seen.items():
        assert badge == {"MN1": "1", "MN2": "2"}[c.mn_of(i)]
        assert isinstance(c.trace[i], PacketSent)


def test_one_mn_has_no_badges_and_no_mn_combo(qtbot):
    w = _window(qtbot, load_scenario("figure1"))
    view = w.topology
    assert list(view.mn_items) == ["MN"] and view.mn_item is view.mn_items["MN"]
    assert view.mn_item.badge == "" and not view.several
    assert not w.events.mn_box.isVisible() and not w.caches.mn_box.isVisible()
    assert w.caches.sections["MN"].title.text() == "MN binding update list"
    assert "MN" not in w.caches.model_for("MAP1").columns


def test_walking_mns_keep_simulated_time_running_while_playing(qtbot):
    """With MNs on a mobility model, playback runs simulated time at least at
    MOVING_RATE x speed (hop pacing alone ran campus at about 1/80 of real time, the
    MNs standing still), and each frame shows every MN where the engine has it."""
    from hmipviz.gui.pacing import MOVING_RATE

    sc = load_scenario("campus")
    w = _window(qtbot, sc)
    c, view = w.controller, w.topology
    reference = Simulation(sc)
    c.seek_time(20.0)
    now = [0.0]
    c.clock_ms = lambda: now[0]  # a fake clock: 4 s of 16 ms frames
    t0 = c.display_time()
    shown = []
    c.frameAdvanced.connect(shown.append)
    c.play()
    for _ in range(250):
        now[0] += 16.0
        c._on_tick()
    t1 = c.display_time()
    wall_s = 250 * 16 / 1000.0
    assert 0.5 * MOVING_RATE * wall_s <= t1 - t0 <= MOVING_RATE * wall_s + 1e-6
    assert shown == sorted(shown)  # time never runs backwards on screen
    for name in ("MN1", "MN8"):
        p = view.mn_items[name].scenePos()
        assert (p.x(), p.y()) == pytest.approx(reference.position_of(name, shown[-1]),
                                               abs=1e-6)
    c.pause()


def test_one_mn_playback_keeps_hop_pacing(qtbot):
    """figure1 (no mobility model): one hop still takes HOP_MS at 1x."""
    from hmipviz.gui.pacing import HOP_MS

    w = _window(qtbot, load_scenario("figure1"))
    c = w.controller
    _settle(c, lambda: c.time_at(c.position) > 2.5)
    assert not c._mns_walk()
    now = [0.0]
    c.clock_ms = lambda: now[0]
    c.play()
    for _ in range(50):
        c._on_tick()  # idle instants are applied at once; stop at the first hop
        if c._seg is not None:
            break
    seg = c._seg
    flying = c.in_flight_at(c.position)
    assert seg is not None and flying
    frac = max(min(1.0, (seg.t1 - seg.t0) / (c.trace[j].arrive_t - c.trace[j].t))
               for j in flying)
    assert seg.duration_ms == pytest.approx(HOP_MS * frac)
    assert seg.duration_ms > (seg.t1 - seg.t0) * 1000.0  # slower than real time
    c.pause()


def test_with_an_mn_chosen_the_selection_follows_its_messages(qtbot, two_mns):
    """The caption and the inspector follow the selection: with MN2 chosen, playback
    selects MN2's messages only, never MN1's (which the CN's pings make the most)."""
    w = _window(qtbot, two_mns)
    c = w.controller
    _settle(c, lambda: _registered(c))
    shown_all = set()
    for _ in range(20):
        assert c.jump_to_next_idle()
        shown_all.add(c.mn_of(c.selected))
    assert "MN1" in shown_all
    c.select_mn("MN2")
    assert c.mn_of(c.selected) == "MN2"  # its latest message, shown at once
    assert isinstance(c.trace[c.selected], PacketSent)
    followed = set()
    for _ in range(200):
        if not c.jump_to_next_idle():
            break
        if c.selected >= 0:
            followed.add(c.selected)
        assert c.mn_of(c.current_message()) == "MN2"  # what the caption describes
    assert followed
    assert {c.mn_of(i) for i in followed} == {"MN2"}


def test_a_mode_switch_replays_the_move_of_the_mn_that_was_moved(qtbot, two_mns):
    w = _window(qtbot, two_mns)
    c = w.controller
    _settle(c, lambda: _registered(c))
    c.move_mn("AR2", mn="MN2")
    moved_at = c.timeline.user_actions()[-1].t
    c.set_mode("mipv6")
    assert c.mode == "mipv6"
    replayed = c.timeline.user_actions()
    assert [(a.t, a.verb, a.target, a.mn) for a in replayed] == [
        (moved_at, "move", "AR2", "MN2")]
    _settle(c, lambda: c.mn_ar_at(c.position, "MN2") == "AR2")
    assert c.mn_ar_at(c.position, "MN2") == "AR2"
    assert c.mn_ar_at(c.position, "MN1") == "AR1"  # the first MN stayed where it was
