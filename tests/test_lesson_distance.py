"""Lesson 18 (the HA's distance): the set_link and compare actions, and the numbers
read off both modes, graded against the student's own run (a run with another HA
delay than the solution's gets its own right answers)."""

from __future__ import annotations

import pytest

from hmipviz.lesson import LessonError, LessonRun, load_lesson


@pytest.fixture(scope="module")
def lesson18():
    return load_lesson("18")


def _at_step(lesson, n: int) -> LessonRun:
    run = LessonRun(lesson)
    for _ in range(n - 1):
        assert run.apply_solution().passed and run.advance()
    return run


def test_the_near_ha_makes_mobile_ipv6_quicker_by_two_round_trip_differences(lesson18):
    run = _at_step(lesson18, 2)
    run.act(move="AR2")
    assert run.play().passed
    h, m = run.measured("near-hmipv6"), run.measured("near-mipv6")
    # the same RA on both sides; the HA is 3 ms away, MAP1 9 ms: 2 x 6 ms
    assert m is not None and h is not None and h - m == pytest.approx(12.0, abs=0.01)
    assert run.answer_number("near-mipv6", m + 0.5).correct
    assert not run.answer_number("near-hmipv6", m).correct


def test_another_ha_delay_than_the_solutions_gets_its_own_answers(lesson18):
    """The student sets 30 ms instead of 40: the latencies are theirs, and the
    break-even read from them is still where the HA is as far as MAP1."""
    run = _at_step(lesson18, 3)
    run.act(set_link="HA", to="R1", delay_ms=30)
    run.act(move="AR1")
    assert run.play().passed
    h, m = run.measured("far-hmipv6"), run.measured("far-mipv6")
    assert m - h == pytest.approx(2 * (30 - 8), abs=0.01)
    assert run.measured("break-even") == pytest.approx(8.0, abs=0.01)
    assert run.answer_number("break-even", 8.4).correct
    assert not run.answer_number("far-mipv6", m - 5).correct  # only the first counts
    assert run.summary().questions_right == 1


def test_without_moving_the_ha_the_far_step_does_not_pass(lesson18):
    run = _at_step(lesson18, 3)
    run.act(move="AR1")
    assert not run.play().passed  # about 65 ms, under the step's 100 ms
    assert run.blocked() is not None  # the MN is on AR1 already: try again


def test_at_the_break_even_the_gap_is_zero(lesson18):
    run = _at_step(lesson18, 4)
    assert run.apply_solution().passed
    assert run.measured("gap-now") == pytest.approx(0.0, abs=0.01)


def test_set_link_is_checked_against_the_scenario(lesson18):
    run = LessonRun(lesson18)
    with pytest.raises(LessonError, match="no link between HA and AR1"):
        run.act(set_link="HA", to="AR1", delay_ms=5)
    with pytest.raises(LessonError, match='give "to"'):
        run.act(set_link="HA", delay_ms=5)
