"""The ladder's rows without Qt (hmipviz.gui.ladder_model): one row per hop or drop that
passes the filters, lifelines in role order, the position, and a branch that cuts
only the discarded future."""

from __future__ import annotations

import subprocess
import sys

from hmipviz.engine import describe
from hmipviz.engine.events import PacketDropped, PacketReceived, PacketSent
from hmipviz.gui.ladder_model import COL_W, GUTTER, LadderModel, lifeline_order
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


def _trace(name: str = "figure1", until_s: float = 3.0):
    sim = Simulation(load_scenario(name))
    sim.run(until_s=until_s)
    return sim.scenario, list(sim.trace)


def test_rows_are_the_hops_and_drops_in_trace_order():
    sc, trace = _trace()
    m = LadderModel()
    m.set_nodes(sc)
    change = m.sync(trace, len(trace) - 1)
    want = [i for i, e in enumerate(trace) if isinstance(e, (PacketSent, PacketDropped))]
    assert [r.index for r in m.rows] == want == [r.index for r in change.added]
    assert m.arrow_indices() == [i for i in want if isinstance(trace[i], PacketSent)]
    assert [r.row for r in m.rows] == list(range(len(want)))
    for r in m.rows:
        e = r.event
        assert r.x1 == m.x[e.node]
        assert r.x2 == (m.x[e.to_node] if isinstance(e, PacketSent) else None)
        if r.gap is not None:
            assert r.gap > 0.5
    names = [n for n, _role in lifeline_order(sc)]
    assert names[0] == "MN" and m.x[names[1]] == GUTTER + COL_W * 1.5


def test_filters_leave_out_data_ra_and_forwarding_hops():
    sc, trace = _trace()
    m = LadderModel()
    m.set_nodes(sc)
    m.show_data = m.show_ra = m.show_forwarding = False
    m.sync(trace, len(trace) - 1)
    kinds = {r.event.kind for r in m.rows}
    assert m.rows and not kinds & {describe.DATA, describe.RA, describe.RS}
    assert all(r.event.origin for r in m.rows if isinstance(r.event, PacketSent))


def test_the_position_splits_shown_rows_from_the_future():
    sc, trace = _trace()
    m = LadderModel()
    m.set_nodes(sc)
    m.sync(trace, len(trace) - 1)
    mid = m.rows[len(m.rows) // 2].index
    change = m.sync(trace, mid)
    assert change.added == [] and change.crossed  # only the rows it crossed repaint
    assert all(r.index > mid for r in change.crossed)
    assert m.future_indices() == [r.index for r in m.rows if r.index > mid]
    assert m.shown() == len(m.rows) - len(m.future_indices())
    assert m.is_future(mid + 1) and not m.is_future(mid)


def test_a_branch_removes_only_the_discarded_rows_and_keeps_last_hops():
    sc, trace = _trace(until_s=5.0)
    m = LadderModel()
    m.set_nodes(sc)
    m.sync(trace, len(trace) - 1)
    cut = len(trace) // 2
    branch = trace[:cut]
    change = m.sync(branch, cut - 1)
    assert change.removed and all(r.index >= cut for r in change.removed)
    assert all(r.index < cut for r in m.rows)
    last = {}
    for r in m.rows:
        if isinstance(r.event, PacketSent):
            last[r.event.packet_id] = r
    assert m.last_hop == last
    # a PacketReceived selects its packet's latest hop
    j = next(j for j in range(cut) if isinstance(branch[j], PacketReceived)
             and branch[j].packet_id in last)
    assert m.row_for(j, branch) is last[branch[j].packet_id]


def test_an_unlisted_node_gets_a_lifeline():
    m = LadderModel()
    m.set_nodes(load_scenario("figure1"))
    n = len(m.nodes)
    x, new = m.ensure_node("Mallory")
    assert new and x == GUTTER + COL_W * (n + 0.5) and m.nodes[-1] == ("Mallory", "host")
    assert m.ensure_node("Mallory") == (x, False)


def test_the_model_imports_no_qt():
    code = ("import sys, hmipviz.gui.ladder_model; "
            "sys.exit(any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
