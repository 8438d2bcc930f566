"""Predict, observe, explain: a prediction is locked in before the engine moves, has one
graded attempt, is revealed when its message is in the trace the learner was shown, and
is graded against the learner's OWN run, not the lesson's solution."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hmipviz.lesson import LessonError, LessonRun, load_lesson
from hmipviz.lesson import predict as lp


def _at_move_step() -> LessonRun:
    """Lesson 4 at step 2 ("Move to AR2"): predict-first-bu asks where the MN's first
    BU after the move goes (the solution: to MAP1)."""
    run = LessonRun(load_lesson("4"))
    run.apply_solution()
    assert run.advance()
    return run


def test_the_solution_path_grades_map1_right():
    run = _at_move_step()
    q = run.step.questions[0]
    assert q.id == "predict-first-bu" and q.about == "to"
    commit = run.predict(q.id, 0)  # "To MAP1"
    assert run.revealed(q.id) is None  # locked in; nothing shown yet
    run.act(move="AR2")
    assert run.revealed(q.id) is None  # the reveal waits for the message itself
    run.play()
    got = run.revealed(q.id)
    assert got is not None and got.answer == "MAP1" and got.correct
    assert got.index is not None and got.index >= commit.mark
    assert run.sim.trace[got.index].kind == "local BU"
    assert "s.6.1" in got.explanation  # the question's explanation comes with it
    assert run.answers[q.id] == (0, True)


def test_a_run_that_differs_from_the_solution_is_graded_on_its_own_answer():
    """The learner makes MAP1 unusable at AR2 (Valid Lifetime 0, a teacher control)
    before moving: their MN falls back to Mobile IPv6 and binds with the HA. Their
    correct answer is the HA, though the lesson's solution would say MAP1."""
    run = _at_move_step()
    q = run.step.questions[0]
    run.act(set_map_option="AR2", map="MAP1", lifetime_s=0)
    run.predict(q.id, 0)  # "To MAP1": right on the solution's path, wrong on this one
    run.act(move="AR2")
    run.play(3)
    got = run.revealed(q.id)
    assert got is not None and got.answer == "HA" and not got.correct
    assert run.answers[q.id] == (0, False)
    # a twin learner who predicted the HA on the same run is right
    twin = _at_move_step()
    twin.act(set_map_option="AR2", map="MAP1", lifetime_s=0)
    twin.predict(q.id, 1)  # "To the HA"
    twin.act(move="AR2")
    twin.play(3)
    assert twin.revealed(q.id).correct and twin.answers[q.id] == (1, True)


def test_a_second_attempt_is_refused():
    run = _at_move_step()
    qid = run.step.questions[0].id
    run.predict(qid, 1)
    with pytest.raises(lp.PredictionRefused, match="already locked in"):
        run.predict(qid, 0)
    assert run.committed(qid).choice == 1
    run.act(move="AR2")
    run.play()
    with pytest.raises(lp.PredictionRefused):
        run.predict(qid, 0)
    assert run.answers[qid] == (1, False)  # the one attempt, graded


def test_too_late_once_the_message_was_shown_without_a_prediction():
    run = _at_move_step()
    qid = run.step.questions[0].id
    run.act(move="AR2")
    run.play()
    got = run.revealed(qid)
    assert got is not None and got.choice is None and not got.correct
    with pytest.raises(lp.PredictionRefused, match="too late"):
        run.predict(qid, 0)
    assert qid not in run.answers


def test_the_reveal_waits_for_what_is_on_screen():
    """The window passes the index it shows: a message beyond it is not revealed."""
    run = _at_move_step()
    qid = run.step.questions[0].id
    run.predict(qid, 0)
    run.act(move="AR2")
    run.driver.run_until(run.sim.now + 1.0)  # the engine ran; the screen lags behind
    trace = run.sim.trace
    at = next(i for i in range(len(trace)) if getattr(trace[i], "kind", "") == "local BU"
              and i >= run.committed(qid).mark and getattr(trace[i], "origin", False))
    assert run.watch_predictions(upto=at) == []  # the BU is not on screen yet
    got = run.watch_predictions(upto=at + 1)
    assert [g.question_id for g in got] == [qid] and got[0].index == at


def test_a_new_branch_is_read_again(tmp_path):
    """The window cuts its history back (the learner steps back and acts again): the
    commitment counts from the cut, and the new branch gives the answer."""
    run = _at_move_step()
    qid = run.step.questions[0].id
    start = len(run.sim.trace)
    run.predict(qid, 1)
    # the learner goes back to the step's start on a copy and branches from there
    run.trace_truncated(start)
    assert run.committed(qid).mark == start
    run.act(move="AR2")
    run.play()
    assert run.prediction(qid) == "MAP1"


LESSON = """+++
title = "T"
summary = "S"
goals = ["g"]
scenario = "figure1"
+++

## Step: Register

```toml
check = {{ handover = "initial" }}
solution = [{{ play = true }}]

[[question]]
id = "p"
predict = "{who}"
{extra}
ask = "?"
choices = [{choices}]
```
"""


def _lesson(tmp_path: Path, who: str, extra: str, choices: str):
    path = tmp_path / "t.md"
    path.write_text(LESSON.format(who=who, extra=extra, choices=choices))
    return load_lesson(str(path))


def test_status_and_field_predictions_on_the_first_registration(tmp_path):
    status = _lesson(tmp_path, "MAP1", 'message = "local BA"',
                     '{ status = 0, explain = "a" }, { status = 129, explain = "b" }')
    run = LessonRun(status)
    run.predict("p", 1)
    run.play()
    got = run.revealed("p")
    assert (got.answer, got.correct) == ("0", False)
    field = _lesson(tmp_path, "MN", 'message = "local BU"\nfield = "mip6.bu.lifetime"',
                    '{ value = 600, explain = "a" }, { value = 120, explain = "b" }')
    run = LessonRun(field)
    run.predict("p", 0)
    run.play()
    assert run.revealed("p").answer == "600" and run.answers["p"] == (0, True)
    address = _lesson(tmp_path, "MN", 'message = "local BU"\nfield = "ipv6.dst"',
                      '{ value = "MAP1", explain = "a" }, { value = "HA", explain = "b" }')
    run = LessonRun(address)
    run.predict("p", 0)
    run.play()
    assert run.revealed("p").correct  # an address field graded by node name


@pytest.mark.parametrize("extra, choices, message", [
    ("", '{ to = "HA", explain = "a" }, { kind = "RS", explain = "b" }',
     r"all choices of a prediction name the same thing"),
    ("", '{ value = 1, explain = "a" }, { value = 2, explain = "b" }',
     r'needs field = "\.\.\."'),
    ('field = "mip6.bu.lifetme"', '{ value = 1, explain = "a" }, { value = 2, explain = "b" }',
     r'"mip6.bu.lifetme" is not a packet field \(did you mean "mip6.bu.lifetime"\?\)'),
    ("", '{ to = "MAP7", explain = "a" }, { to = "HA", explain = "b" }',
     r'to .*"MAP7"'),
    ("", '{ status = 300, explain = "a" }, { status = 0, explain = "b" }', r"status"),
    ('message = "BUU"', '{ to = "HA", explain = "a" }, { to = "MAP1", explain = "b" }',
     r"message"),
    ("", '{ to = "HA", kind = "RS", explain = "a" }, { to = "MAP1", explain = "b" }',
     r"exactly one of kind, to, status or value"),
])
def test_bad_predictions_are_reported_with_their_line(tmp_path, extra, choices, message):
    with pytest.raises(LessonError) as info:
        _lesson(tmp_path, "MN", extra, choices)
    text = str(info.value)
    assert re.search(r"t\.md:\d+: step 1 \"Register\": ", text), text
    assert re.search(message, text), text


def test_old_kind_predictions_still_load():
    lesson = load_lesson("1")
    kinds = [q for s in lesson.steps for q in s.questions if q.is_prediction]
    assert kinds and all(q.about == "kind" and all(c.kind for c in q.choices) for q in kinds)


def test_a_message_after_the_step_is_graded_when_the_learner_goes_on():
    """Lesson 3, step 2: the MN's next message after MAP1's BA (the BU to the HA)
    comes after the step's check holds. Going on grades the prediction on the
    learner's run as it stands, not leaving it unanswered."""
    lesson = load_lesson("3")
    step, q = lesson.question("predict-after-ba")
    run = LessonRun(lesson, start=False)
    run.goto(step.index)
    run.predict(q.id, 0)  # "BU to HA"
    run.apply_solution()
    assert run.can_advance()
    assert run.pending_predictions() == [q.id] and q.id not in run.answers
    assert run.advance()
    assert run.answers[q.id] == (0, True)
