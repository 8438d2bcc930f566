"""Mobility models and radio cells (hmipviz.mobility): paths, hysteresis, re-check times."""

from __future__ import annotations

import math
import random
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from hmipviz.mobility import (
    CELL_MARGIN_M,
    MIN_CHECK_S,
    Cell,
    MobilitySpec,
    Trajectory,
    choose_cell,
    recheck_after,
)

TWO_CELLS = [Cell("A", 0.0, 0.0, 100.0), Cell("B", 150.0, 0.0, 100.0)]


def test_waypoints_go_through_each_point_at_the_speed_and_rest_at_the_last():
    spec = MobilitySpec("waypoints", points=((0.0, 0.0), (30.0, 40.0), (30.0, 0.0)),
                        speed_mps=(5.0, 5.0))
    path = Trajectory(spec, None, random.Random(1))
    assert path.position(0.0) == (0.0, 0.0)
    assert path.position(5.0) == (15.0, 20.0)  # 25 m of the first 50 m leg
    assert path.position(10.0) == (30.0, 40.0)
    assert path.position(18.0) == (30.0, 0.0)
    assert path.position(1000.0) == (30.0, 0.0)
    assert path.leg_at(1000.0).speed_mps == 0.0


def test_looping_waypoints_come_back_to_the_first_point():
    spec = MobilitySpec("waypoints", points=((0.0, 0.0), (10.0, 0.0)), speed_mps=(1.0, 1.0),
                        loop=True)
    path = Trajectory(spec, None, random.Random(1))
    assert path.position(10.0) == (10.0, 0.0)
    assert path.position(15.0) == (5.0, 0.0)
    assert path.position(20.0) == (0.0, 0.0)
    assert path.position(25.0) == (5.0, 0.0)


def test_random_waypoint_stays_in_its_area_and_depends_only_on_the_seed():
    spec = MobilitySpec("random_waypoint", area=(100.0, 50.0, 300.0, 150.0),
                        speed_mps=(1.0, 3.0), pause_s=(0.0, 5.0))

    def sample(seed: str) -> list[tuple[float, float]]:
        path = Trajectory(spec, None, random.Random(seed))
        return [path.position(t / 2) for t in range(0, 1200)]

    first = sample("1/mobility/MN1")
    assert first == sample("1/mobility/MN1")
    assert first != sample("2/mobility/MN1")
    assert all(100 <= x <= 300 and 50 <= y <= 150 for x, y in first)
    steps = [math.dist(a, b) for a, b in pairwise(first)]
    assert max(steps) <= 3.0 * 0.5 + 1e-9  # never faster than the top speed
    assert any(s == 0 for s in steps) and any(s > 0 for s in steps)  # pauses and legs


def test_placing_an_mn_ends_its_model_where_it_was_put():
    spec = MobilitySpec("waypoints", points=((0.0, 0.0), (100.0, 0.0)), speed_mps=(1.0, 1.0))
    path = Trajectory(spec, None, random.Random(1))
    assert path.position(10.0) == (10.0, 0.0)
    path.stop_at(20.0, (5.0, 5.0))
    assert path.position(15.0) == (15.0, 0.0)  # the past is kept
    assert path.position(20.0) == (5.0, 5.0)
    assert path.position(90.0) == (5.0, 5.0)


def test_a_detached_mn_takes_the_nearest_covering_cell_or_none():
    assert choose_cell((20.0, 0.0), None, TWO_CELLS) == "A"
    assert choose_cell((130.0, 0.0), None, TWO_CELLS) == "B"
    assert choose_cell((-101.0, 0.0), None, TWO_CELLS) is None


def test_an_mn_on_a_cell_border_does_not_flap():
    # A and B are equidistant at x = 75; within the margin of it the MN keeps its AR
    for current in ("A", "B"):
        for x in (70.0, 72.0, 75.0, 78.0, 80.0):
            assert choose_cell((x, 0.0), current, TWO_CELLS) == current
    # once the other cell's centre is more than the margin nearer, it hands over
    assert choose_cell((75.0 + CELL_MARGIN_M / 2 + 0.1, 0.0), "A", TWO_CELLS) == "B"
    assert choose_cell((75.0 - CELL_MARGIN_M / 2 - 0.1, 0.0), "B", TWO_CELLS) == "A"


def test_leaving_the_only_cell_needs_the_margin_entering_it_does_not():
    one = [Cell("A", 0.0, 0.0, 100.0)]
    assert choose_cell((-105.0, 0.0), "A", one) == "A"  # inside radius + margin
    assert choose_cell((-110.5, 0.0), "A", one) is None
    assert choose_cell((-105.0, 0.0), None, one) is None  # outside the radius
    assert choose_cell((-99.0, 0.0), None, one) == "A"


cells_strategy = st.lists(
    st.builds(lambda i, x, y, r: Cell(f"AR{i}", x, y, r), st.integers(0, 1000),
              st.floats(-300, 300), st.floats(-300, 300), st.floats(20, 200)),
    min_size=1, max_size=5, unique_by=lambda c: c.ar)


@settings(max_examples=150, deadline=None)
@given(cells=cells_strategy, x=st.floats(-400, 400), y=st.floats(-400, 400),
       angle=st.floats(0, 2 * math.pi), speed=st.floats(0.5, 30),
       which=st.integers(-1, 4))
def test_the_answer_cannot_change_before_the_recheck_time(cells, x, y, angle, speed, which):
    current = cells[which].ar if 0 <= which < len(cells) else None
    current = choose_cell((x, y), current, cells)
    wait = recheck_after((x, y), speed, current, cells)
    assert wait >= MIN_CHECK_S
    if wait == MIN_CHECK_S:
        return  # at a border: the floor, not the bound, decides
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    for k in range(1, 21):
        t = wait * k / 20 * 0.999
        assert choose_cell((x + vx * t, y + vy * t), current, cells) == current
