"""The converters shared by scenario and lesson files (hmipviz.convert): one judgement of
a number everywhere, so nan, inf and integers too large for a float are refused with
the same message by both loaders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hmipviz import convert as cv
from hmipviz.lesson import LessonError, load_lesson
from hmipviz.scenario import ScenarioError, dump_scenario, load_scenario

HUGE = "1" + "0" * 400  # a TOML integer no float holds


@pytest.mark.parametrize("value, message", [
    (float("nan"), "must be a finite number, not nan"),
    (float("inf"), "must be a finite number, not inf"),
    (float("-inf"), "must be a finite number, not -inf"),
    (10**400, "must be a finite number, not a 401-digit number"),
    (True, "must be a number, not a boolean"),
    ("5", "must be a number, not a string"),
    ([1], "must be a number, not an array"),
])
def test_finite_refuses_what_is_not_a_finite_number(value, message):
    with pytest.raises(cv.Bad) as caught:
        cv.finite(value)
    assert str(caught.value) == message
    assert cv.finite_or_none(value) is None


def test_finite_takes_integers_and_floats():
    assert cv.finite(3) == 3.0 and isinstance(cv.finite(3), float)
    assert cv.finite(-0.25) == -0.25
    assert cv.finite(2**1000) == float(2**1000)  # large, but a float holds it


@pytest.mark.parametrize("convert, value, message", [
    (cv.integer(0, 15), 16, "must be from 0 to 15, not 16"),
    (cv.integer(1), 0, "must be at least 1, not 0"),
    (cv.integer(0, 15), 1.0, "must be an integer, not a float"),
    (cv.integer(0, 15), False, "must be an integer, not a boolean"),
    (cv.number(0, above=True), 0, "must be above 0, not 0"),
    (cv.number(0, below=1), 1, "must be at least 0 and below 1, not 1"),
    (cv.number(0, at_most=86400), 86400.5, "must be at least 0 and at most 86400, not 86400.5"),
    (cv.number(0), float("nan"), "must be a finite number, not nan"),
    (cv.choice(("echo", "udp")), "ecoh", 'must be one of echo, udp, not "ecoh" '
                                          '(did you mean "echo"?)'),
    (cv.text, "  ", "must not be empty"),
    (cv.boolean, 1, "must be true or false, not an integer"),
    (cv.array_of(cv.integer(0), "an array of integers"), [1, -2],
     "item 2: must be at least 0, not -2"),
    (cv.array_of(cv.integer(0), "an array of integers"), {}, "must be an array of integers, "
                                                            "not a table"),
])
def test_converters_say_what_is_wrong(convert, value, message):
    with pytest.raises(cv.Bad) as caught:
        convert(value)
    assert str(caught.value) == message


def test_converters_return_the_typed_value():
    assert cv.number(0, at_most=86400)(86400) == 86400.0
    assert cv.integer(0, 15)(15) == 15
    assert cv.array_of(cv.text, "names")(["a", "b"]) == ("a", "b")
    assert cv.choice(("echo", "udp"))("udp") == "udp"


def _scenario_problem(tmp_path: Path, value: str) -> str:
    """The message for ``duration_s = value`` in a scenario, after its key."""
    text = dump_scenario(load_scenario("figure1"))
    text, n = re.subn(r"(?m)^duration_s = .*$", f"duration_s = {value}", text)
    assert n == 1
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [message] = caught.value.messages
    return message.split("duration_s ", 1)[1]


def _lesson_problem(tmp_path: Path, value: str) -> str:
    """The message for ``time_limit_s = value`` in a lesson step, after its key."""
    path = tmp_path / "x.md"
    path.write_text('+++\ntitle = "T"\nsummary = "S"\ngoals = ["g"]\nscenario = "figure1"\n'
                    "+++\n\nIntro.\n\n## Step: s\n\nText.\n\n```toml\n"
                    'check = { handover = "initial" }\nsolution = [{ play = true }]\n'
                    f"time_limit_s = {value}\n```\n")
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    [message] = caught.value.messages
    return message.split("time_limit_s ", 1)[1]


@pytest.mark.parametrize("value, message", [
    ("nan", "must be a finite number, not nan"),
    ("inf", "must be a finite number, not inf"),
    ("-inf", "must be a finite number, not -inf"),
    (HUGE, "must be a finite number, not a 401-digit number"),
    ('"ten"', "must be a number, not a string"),
])
def test_scenarios_and_lessons_refuse_a_bad_number_with_one_message(tmp_path, value, message):
    assert _scenario_problem(tmp_path, value) == message
    assert _lesson_problem(tmp_path, value) == message
