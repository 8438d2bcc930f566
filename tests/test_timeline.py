"""hmipviz.timeline without Qt: the folds over a real run's trace equal the engine's own
state at the same moment (binding caches, binding update list, the MN's access router,
nodes up or down), and the user's and teacher's records follow branches."""

from __future__ import annotations

import sys

import pytest

from hmipviz.engine.events import BindingChanged, NodeStatus, PacketSent
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation
from hmipviz.timeline import (
    FlowSetting,
    LinkSetting,
    MapOptionSetting,
    Placement,
    Timeline,
    UserAction,
    cache_holders,
)


def _run(name: str, until_s: float | None = None, mode: str | None = None):
    """Step a built-in scenario one instant at a time; yield (sim, timeline) at each
    instant boundary, with the timeline indexed up to there."""
    sc = load_scenario(name)
    sim = Simulation(sc, mode=mode)
    trace: list = []
    sim.trace = trace
    tl = Timeline(trace, sim.mn_name, cache_holders(sc.nodes))
    end = sim.duration_s if until_s is None else until_s
    while (nt := sim.next_time()) is not None and nt <= end:
        sim.step()
        nxt = sim.next_time()
        if nxt is None or nxt > sim.now + 1e-9:  # a whole instant has run
            tl.index_new()
            yield sim, tl


def _timeline_at(name: str, until_s: float) -> Timeline:
    """The timeline after stepping ``name`` instant by instant up to ``until_s``."""
    last = None
    for _sim, tl in _run(name, until_s=until_s):
        last = tl
    assert last is not None
    return last


def _engine_caches(sim) -> dict[str, set]:
    now = sim.now
    return {node: {(str(e.home_address), str(e.care_of_address), e.sequence, e.lifetime_s)
                   for e in entries if e.remaining_s(now) > 0}
            for node, entries in sim.binding_caches().items()}


def _folded_caches(tl: Timeline, i: int, now: float) -> dict[str, set]:
    return {node: {(r.home_address, r.care_of_address, r.sequence, r.lifetime_s)
                   for r in rows if not r.pending and r.remaining_s(now) > 0}
            for node, rows in tl.caches_at(i).caches.items()}


@pytest.mark.parametrize("name", ["figure1", "two-domains", "map-failure"])
def test_caches_at_every_instant_equal_the_engine(name):
    checked = 0
    saw_entry = False
    for sim, tl in _run(name):
        i = len(tl.trace) - 1
        engine = _engine_caches(sim)
        folded = _folded_caches(tl, i, sim.now)
        for node, rows in engine.items():
            assert folded.get(node, set()) == rows, (name, sim.now, node)
            saw_entry = saw_entry or bool(rows)
        checked += 1
    assert checked > 20 and saw_entry


def test_binding_update_list_at_every_instant_equals_the_mn(name="figure1"):
    seen = 0
    for sim, tl in _run(name):
        i = len(tl.trace) - 1
        engine = {(e.peer, str(e.home_address), str(e.care_of_address), e.sequence)
                  for e in sim.binding_update_list() if e.lifetime_s > 0}
        folded = {(r.peer, r.home_address, r.care_of_address, r.sequence)
                  for r in tl.caches_at(i).bul}
        assert folded == engine, sim.now
        seen += bool(engine)
    assert seen > 10


def test_caches_at_an_earlier_index_are_what_the_engine_had_then():
    """Folding at an index in the past gives the caches of that past moment, not the
    latest: record the engine's caches at some instants, then ask afterwards."""
    recorded = []
    for sim, tl in _run("two-domains"):  # it moves the MN by itself at 5, 10 and 15 s
        if len(tl.trace) % 3 == 0:
            recorded.append((len(tl.trace) - 1, sim.now, _engine_caches(sim)))
        last = tl
    assert len(recorded) > 5
    changed = {frozenset((k, frozenset(v)) for k, v in r[2].items()) for r in recorded}
    assert len(changed) > 2  # the caches really changed over the run
    for i, now, engine in recorded:
        folded = _folded_caches(last, i, now)
        for node, rows in engine.items():
            assert folded.get(node, set()) == rows, (i, node)


def test_the_mn_link_and_node_status_follow_the_engine():
    """two-domains moves the MN by itself; map-failure fails and restores a MAP."""
    ars = set()
    for sim, tl in _run("two-domains"):
        i = len(tl.trace) - 1
        ars.add(tl.mn_ar_at(i))
        assert tl.mn_ar_at(i) == sim.mn.ar, sim.now
    assert len(ars - {None}) >= 2, ars

    downs = set()
    for sim, tl in _run("map-failure"):
        i = len(tl.trace) - 1
        up = tl.node_up_at(i)
        for name, is_up in up.items():
            assert sim.nodes[name].up == is_up, (sim.now, name)
            if not is_up:
                downs.add(name)
    assert downs, "map-failure fails a node"
    statuses = [j for j, e in enumerate(tl.trace) if isinstance(e, NodeStatus)]
    assert tl.node_up_at(statuses[0] - 1) == {}


def test_in_flight_are_the_hops_sent_and_not_arrived():
    tl = _timeline_at("figure1", 3.0)
    trace = tl.trace
    for i in range(0, len(trace), 7):
        t = trace[i].t
        want = [j for j in range(i + 1) if isinstance(trace[j], PacketSent)
                and trace[j].arrive_t > t + 1e-9]
        assert tl.in_flight_at(i) == want, i
    assert tl.in_flight_at(-1) == []


def test_instants_and_times():
    tl = _timeline_at("figure1", 2.0)
    trace = tl.trace
    for i in range(0, len(trace), 5):
        lo, hi = tl.group_range(i)
        assert trace[lo].t == trace[i].t == trace[hi].t
        assert lo == 0 or trace[lo - 1].t < trace[i].t
        assert hi == len(trace) - 1 or trace[hi + 1].t > trace[i].t
        assert tl.index_at_time(trace[i].t) == hi
    assert tl.index_at_time(-1.0) == -1
    # the caption names the latest hop sent in the instant
    i = next(j for j, e in enumerate(trace) if isinstance(e, PacketSent))
    lo, hi = tl.group_range(i)
    last_sent = max(j for j in range(lo, hi + 1) if isinstance(trace[j], PacketSent))
    assert tl.current_message(hi) == last_sent
    assert tl.current_message(-1) == -1


def test_binding_changes_between():
    tl = _timeline_at("figure1", 3.0)
    trace = tl.trace
    a, b = 10, len(trace) - 5
    want = [j for j in range(a + 1, b + 1) if isinstance(trace[j], BindingChanged)]
    assert want and tl.binding_changes_between(a, b) == want


def test_truncate_forgets_the_cut_future_and_later_records():
    tl = _timeline_at("figure1", 3.0)
    trace = tl.trace
    full = tl.caches_at(len(trace) - 1)
    cut = tl.index_at_time(1.0) + 1
    t_cut = trace[cut - 1].t
    tl.add_placement(Placement(5, t_cut - 0.01, "AR1", None))
    tl.add_placement(Placement(len(trace), 2.5, "AR2", (1.0, 2.0)))
    tl.add_action(UserAction(len(trace), 2.5, "move", "AR2"))
    tl.add_teacher_change(MapOptionSetting(-1, 0.0, "AR1", "MAP1", 10, 600))
    tl.add_teacher_change(MapOptionSetting(len(trace), 2.5, "AR1", "MAP1", 3, 600))
    assert tl.map_option_at(len(trace), "AR1", "MAP1").pref == 3
    assert tl.map_option_at(len(trace) - 1, "AR1", "MAP1").pref == 10
    assert tl.placement_at(len(trace)).ar == "AR2"
    assert tl.placement_at(4) is None
    del trace[cut:]
    tl.truncate(cut, t_cut)
    assert tl.index_at_time(10.0) == cut - 1
    assert all(r.index < cut for rows in tl.caches_at(10**9).caches.values() for r in rows)
    assert tl.placement_at(10**9).ar == "AR1"
    assert tl.user_actions() == []
    assert tl.map_option_at(10**9, "AR1", "MAP1").pref == 10
    assert full != tl.caches_at(cut - 1) or cut == len(trace)


def test_teacher_settings_fold_by_index():
    tl = Timeline([])
    tl.add_teacher_change(LinkSetting(-1, 0.0, "R1", "AR1", 5.0, 0.0))
    tl.add_teacher_change(FlowSetting(-1, 0.0, False))
    tl.add_teacher_change(LinkSetting(40, 3.0, "R1", "AR1", 50.0, 0.1))
    tl.add_teacher_change(FlowSetting(40, 3.0, True))
    assert tl.link_params_at(39, "AR1", "R1").delay_ms == 5.0
    assert tl.link_params_at(40, "AR1", "R1").delay_ms == 50.0
    assert tl.link_params_at(40, "AR1", "R2") is None
    assert tl.flow_running_at(10) is False and tl.flow_running_at(41) is True


@pytest.mark.parametrize("module", ["hmipviz.timeline", "hmipviz.gui.run_history",
                                    "hmipviz.gui.timeline_queries", "hmipviz.gui.event_words"])
def test_the_folds_and_the_run_history_import_no_qt(module):
    import subprocess
    code = (f"import sys, {module}; "
            "sys.exit(any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_run_history_restores_replays_and_branches_without_qt():
    """gui/run_history.py on its own: going back to 3 s restores an older snapshot,
    re-applies the action logged at 1.5 s and runs on to the very same trace."""
    from hmipviz.engine.events import LinkChanged
    from hmipviz.gui.run_history import RunHistory

    sc = load_scenario("figure1")
    h = RunHistory(Simulation(sc), sc, snapshot_every=40)
    h.step_to(1.5)
    h.apply(1.5, lambda t: h.sim.move("AR2", at_s=t), placement=("AR2", None),
            record=("move", "AR2"))
    h.step_to(6.0)
    before = [(e.t, e.type) for e in h.trace]
    assert len(h.snapshots) > 3
    assert h.must_restore(3.0, len(h.trace) - 1)
    cut = h.restore_to(3.0)
    assert cut <= len(h.trace) and h.sim.now == pytest.approx(3.0)
    assert all(e.t <= 3.0 + 1e-9 for e in h.trace)
    assert any(isinstance(e, LinkChanged) and e.ar == "AR2" for e in h.trace)
    assert h.user_actions() == [(1.5, "move", "AR2")]
    h.step_to(6.0)
    assert [(e.t, e.type) for e in h.trace] == before  # deterministic replay
    # acting before the logged action drops it from the branch
    h.restore_to(1.0)
    assert h.user_actions() == [] and h.timeline.placement_at(10**9) is None
