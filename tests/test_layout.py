"""hmipviz.layout without Qt: node positions, MAP domains, label and hop geometry, the
scene rectangle and the fit."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest

from hmipviz import layout
from hmipviz.scenario import load_scenario


def _unplaced(name: str, keep: tuple[str, ...] = ()):
    """A built-in scenario with the positions of every node not in ``keep`` removed."""
    sc = load_scenario(name)
    nodes = tuple(n if n.name in keep else dataclasses.replace(n, position=None)
                  for n in sc.nodes)
    return dataclasses.replace(sc, nodes=nodes)


def test_given_positions_are_kept():
    sc = load_scenario("figure1")
    pos = layout.compute_layout(sc)
    want = {n.name: n.position for n in sc.nodes if n.role != "mn"}
    assert pos == want


@pytest.mark.parametrize("name", ["figure1", "two-domains", "several-maps", "flat"])
def test_the_layered_layout_puts_each_role_on_its_own_row(name):
    sc = _unplaced(name)
    pos = layout.compute_layout(sc)
    fixed = [n for n in sc.nodes if n.role != "mn"]
    assert set(pos) == {n.name for n in fixed}
    assert len(set(pos.values())) == len(pos)  # no two nodes on one spot
    y = {role: {pos[n.name][1] for n in fixed if n.role == role}
         for role in {n.role for n in fixed}}
    top = max(y.get("ha", set()) | y.get("cn", set()))
    bottom = min(y["ar"])
    assert top < bottom
    if "map" in y:
        assert top < min(y["map"]) and max(y["map"]) < bottom


def test_the_layered_layout_groups_ars_by_domain():
    sc = _unplaced("two-domains")
    pos = layout.compute_layout(sc)
    xs = sorted(("AR1", "AR2", "AR3", "AR4"), key=lambda a: pos[a][0])
    # AR1, AR2 (MAP1) side by side, then AR3, AR4 (MAP2)
    assert {xs[0], xs[1]} == {"AR1", "AR2"} and {xs[2], xs[3]} == {"AR3", "AR4"}
    # each MAP sits above its own ARs (barycentre order)
    assert pos["MAP1"][0] < pos["MAP2"][0]


def test_nodes_without_a_position_among_placed_ones_are_put_near_them():
    sc = _unplaced("figure1", keep=("HA", "CN", "R", "MAP1", "AR1"))
    pos = layout.compute_layout(sc)
    for n in sc.nodes:
        if n.position is not None and n.role != "mn":
            assert pos[n.name] == pytest.approx(n.position)
    assert "AR2" in pos and all(math.isfinite(v) for v in pos["AR2"])
    assert pos == layout.compute_layout(sc)  # seeded: the same every time


def test_map_domains():
    by_ar, domains = layout.map_domains(load_scenario("two-domains"))
    assert [(sorted(d.maps), d.ars, d.index) for d in domains] == [
        (["MAP1"], ("AR1", "AR2"), 0), (["MAP2"], ("AR3", "AR4"), 1)]
    assert by_ar["AR3"] is domains[1] and domains[0].label == "MAP1 domain"
    # flat HMIPv6: an AR with a MAP function is its own domain
    _, flat = layout.map_domains(load_scenario("flat"))
    assert [d.ars for d in flat] == [("AR1",), ("AR2",), ("AR3",)]
    # several MAPs: the set of MAPs is the domain
    _, several = layout.map_domains(load_scenario("several-maps"))
    assert [sorted(d.maps) for d in several] == [["MAP1", "MAP2"], ["MAP1"]]
    _, multi = layout.map_domains(load_scenario("multi-map"))
    assert multi[0].label == "MAP-high, MAP-low, MAP-peer domain"
    big = layout.Domain(frozenset({"A", "B", "C", "D"}), 0, ())
    assert big.label == "A +3 domain"


@pytest.mark.parametrize("a,b", [((0, 0), (100, 0)), ((0, 0), (0, 100)),
                                 ((0, 0), (100, 100)), ((100, 0), (0, 100))])
def test_a_link_label_sits_beside_the_link_not_across_it(a, b):
    w, h = 60.0, 14.0
    x, y = layout.link_label_pos(a, b, w, h)
    # the label's corners all lie on one side of the line, off it
    vx, vy = b[0] - a[0], b[1] - a[1]
    sides = [vx * (cy - a[1]) - vy * (cx - a[0])
             for cx in (x, x + w) for cy in (y, y + h)]
    assert all(s > 0 for s in sides) or all(s < 0 for s in sides)
    # and near the middle
    cx, cy = x + w / 2, y + h / 2
    assert math.hypot(cx - (a[0] + b[0]) / 2, cy - (a[1] + b[1]) / 2) < w


def test_cell_at_picks_the_nearest_centre_where_cells_overlap():
    cells = {"AR1": ((0.0, 0.0), 100.0), "AR2": ((150.0, 0.0), 100.0)}
    assert layout.cell_at((10, 0), cells) == "AR1"
    assert layout.cell_at((80, 0), cells) == "AR2"  # in both, nearer AR2
    assert layout.cell_at((70, 0), cells) == "AR1"
    assert layout.cell_at((-100, 0), cells) == "AR1"  # on the edge counts
    assert layout.cell_at((0, 150), cells) is None


def test_mn_offset_and_spot():
    assert layout.mn_offset((50, 80), (0, 0), 100) == (0.5, 0.8)
    assert layout.mn_offset((500, 0), (0, 0), 100) == layout.DEFAULT_MN_OFFSET
    assert layout.mn_offset(None, (0, 0), 100) == layout.DEFAULT_MN_OFFSET
    assert layout.spot_in_cell((10, 20), 100, (0.5, -0.2)) == (60, 0)


def test_hop_points_clear_the_icons_and_keep_each_direction_in_its_lane():
    (sx, sy), (ex, ey) = layout.hop_points((0, 0), (200, 0), 24, 20, 5, 30, lane=7)
    assert (sx, sy) == (29, 7) and (ex, ey) == (175, 7)
    (_bx, by), _ = layout.hop_points((200, 0), (0, 0), 20, 24, 5, 30, lane=7)
    assert by == -7  # the way back runs on the other side
    # too short to travel: both ends beside the middle
    start, end = layout.hop_points((0, 0), (30, 0), 24, 20, 5, 30)
    assert start == end == (15, 30)


def test_a_run_slides_off_the_node_labels_at_both_ends():
    # a run straight down from (0, 0) to (0, 100); a label box under the start node
    # covers y 0..20, one above the end node y 90..100; the token is 10 x 6 about its centre
    run = layout.clear_of_labels((0, 0), (0, 100), 5, 3, [(-20, 0, 20, 20), (-20, 90, 20, 100)],
                                 steps=100)
    assert run is not None
    (sx, sy), (ex, ey) = run
    assert (sx, ex) == (0, 0) and sy == pytest.approx(23) and ey == pytest.approx(87)
    assert layout.clear_of_labels((0, 0), (0, 100), 5, 3, []) == ((0, 0), (0, 100))
    # a label over the whole run leaves no clear point
    assert layout.clear_of_labels((0, 0), (0, 100), 5, 3, [(-20, -10, 20, 110)]) is None


def test_a_parked_token_takes_the_side_of_the_link_without_a_label():
    mid, normal = (0.0, 0.0), (1.0, 0.0)
    assert layout.park_beside(mid, normal, 30, 5, 3, []) == (30, 0)
    assert layout.park_beside(mid, normal, 30, 5, 3, [(20, -5, 40, 5)]) == (-30, 0)
    # both sides taken: it stays by its link rather than wander off
    assert layout.park_beside(mid, normal, 30, 5, 3, [(20, -5, 40, 5), (-40, -5, -20, 5)]) \
        == (30, 0)


def test_token_fraction():
    assert layout.token_fraction(1.0, 1.01, 1.005) == pytest.approx(0.5)
    assert layout.token_fraction(1.0, 1.01, 0.5) == 0.0
    assert layout.token_fraction(1.0, 1.01, 2.0) == 1.0
    assert layout.token_fraction(1.0, 1.0, 1.0) == 1.0


def test_offset_polyline_runs_beside_the_links():
    pts = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)]
    out = layout.offset_polyline(pts, 10)
    assert out[0] == (0.0, 10.0)
    assert out[2] == (90.0, 100.0)
    # at the corner: the average of both normals
    assert out[1] == pytest.approx((95.0, 5.0))
    assert layout.offset_polyline(pts, -10)[0] == (0.0, -10.0)


def test_scene_rect_leaves_room_to_pan_and_drag():
    x, y, w, h = layout.scene_rect((0, 0, 1000, 500))
    assert x <= -5000 and y <= -5000 and x + w >= 6000 and y + h >= 5500


def test_fit_scale_keeps_clear_of_the_legend_unless_it_costs_too_much():
    # a wide viewport: the legend's strip is kept clear
    s, kept = layout.fit_scale((0, 0, 1000, 500), 1200, 600, 200)
    assert (s, kept) == (1.0, 200)
    # a narrow one: keeping 300 px clear would shrink the network below 60 %
    s, kept = layout.fit_scale((0, 0, 1000, 500), 600, 600, 300)
    assert (s, kept) == (0.6, 0.0)
    assert layout.fit_scale((0, 0, 0, 0), 600, 600, 0) == (1.0, 0.0)


def test_the_layout_imports_no_qt():
    code = ("import sys, hmipviz.layout; "
            "sys.exit(any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
