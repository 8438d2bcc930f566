"""The Qt-free parts of the classroom layout (issue 13): the fixed scene rectangle, the
legend's free corner, the dock column width, the label floor, and the scripted events
a scenario announces (hmipviz.layout, hmipviz.script_marks)."""

from __future__ import annotations

from hmipviz import layout
from hmipviz.scenario import load_scenario
from hmipviz.script_marks import scripted_marks, user_marks, without_scripted_actions


def test_the_scene_holds_every_node_and_cell_with_a_margin_and_ignores_nothing_else():
    points = [(0.0, 0.0), (400.0, 0.0)]
    cells = [((0.0, 300.0), 120.0)]
    x, y, w, h = layout.still_scene_rect(points, 24.0, cells, label_room=60.0, margin=40.0)
    assert x == -120.0 - 40.0  # the cell reaches further left than the node's label
    assert x + w == 400.0 + 60.0 + 40.0
    assert y == -24.0 - 4.0 - 40.0
    assert y + h == 300.0 + 120.0 + 60.0 + 40.0
    # the same nodes and cells, the same rectangle: nothing else (the MN) counts
    assert layout.still_scene_rect(points, 24.0, cells, 60.0, 40.0) == (x, y, w, h)


def test_a_point_past_the_scene_is_clamped_inside_it():
    assert layout.clamp_point((1000.0, -50.0), (0.0, 0.0, 100.0, 100.0), 10.0) == (90.0, 10.0)
    assert layout.clamp_point((50.0, 50.0), (0.0, 0.0, 100.0, 100.0), 10.0) == (50.0, 50.0)


def test_the_legend_goes_to_the_first_corner_free_of_nodes():
    area = (0.0, 0.0, 800.0, 600.0)
    assert layout.free_corner(area, 200, 150, []) == "bottom-left"
    node_bottom_left = (20.0, 500.0, 40.0, 40.0)
    assert layout.free_corner(area, 200, 150, [node_bottom_left]) == "top-left"
    everywhere = [(20.0, 500.0, 40.0, 40.0), (20.0, 20.0, 40.0, 40.0),
                  (740.0, 20.0, 40.0, 40.0), (740.0, 500.0, 40.0, 40.0)]
    assert layout.free_corner(area, 200, 150, everywhere) is None
    assert layout.free_corner(area, 900, 150, []) is None  # does not fit at all
    box = layout.corner_rect(area, 200, 150, "top-right")
    assert box == (590.0, 10.0, 200, 150)
    assert not any(layout.rects_overlap(box, n) for n in [node_bottom_left])
    assert not layout.rects_overlap((0, 0, 10, 10), (10, 0, 10, 10))  # touching


def test_the_dock_column_leaves_the_canvas_sixty_percent_up_to_1280_px():
    for w in (1024, 1152, 1280):
        assert layout.side_column_width(w) <= w * (1 - layout.CANVAS_SHARE)
    assert layout.side_column_width(1600) == 560
    assert layout.side_column_width(1920) == 560


def test_labels_grow_in_scene_units_as_the_view_shrinks():
    assert layout.label_point_size(9.5, 1.0) == 9.5
    assert layout.label_point_size(9.5, 0.5) == 18.0
    assert layout.label_point_size(9.5, 0.5, min_pt=15.75) == 31.5


def test_two_domains_announces_its_three_moves_and_can_drop_them():
    sc = load_scenario("two-domains")
    marks = scripted_marks(sc)
    assert [(m.t_s, m.what) for m in marks] == [(5.0, "move"), (10.0, "move"),
                                                (15.0, "move")]
    assert marks[0].text.startswith("t = 5 s: the MN moves to ")
    alone = without_scripted_actions(sc)
    assert alone.moves == () and alone.fails == () and alone.restores == ()
    assert alone.flows == sc.flows and alone.nodes == sc.nodes
    assert scripted_marks(alone) == []


def test_user_actions_become_marks():
    marks = user_marks([(3.25, "move", "AR2"), (4.0, "fail", "MAP1"), (6.0, "move", None)])
    assert [m.what for m in marks] == ["user"] * 3
    assert marks[0].text == "t = 3.250 s: MN moves to AR2 (your action)"
    assert "MAP1 fails" in marks[1].text and "leaves every cell" in marks[2].text
