"""hmipviz.lesson_policy without Qt: when an attempt counts as wrong, when hints open,
what the status line and buttons say, when a prediction is revealed (on a real lesson
run), where the next step begins, and the summary."""

from __future__ import annotations

import subprocess
import sys

from hmipviz import lesson_policy as lp
from hmipviz.lesson import LessonRun, load_lesson
from hmipviz.lesson_policy import ATTEMPT_S, StepPolicy


def test_no_attempt_until_the_learner_acts_or_lets_the_engine_run_on():
    p = StepPolicy(step_t=2.0)
    p.engine_moved(2.0)  # the screen still shows the step's start
    assert p.attempt_t is None
    assert not p.watch_attempt(False, 50.0, 60.0, at_end=False, playing=False)
    p.engine_moved(2.5)
    assert p.attempt_t == 2.0  # the attempt began when the step did
    p.acted(2.7)
    assert p.attempt_t == 2.7
    p.started_playing(3.0)
    assert p.attempt_t == 2.7  # playing does not move an attempt already begun
    p.forget_attempt()
    p.started_playing(3.0)
    assert p.attempt_t == 3.0


def test_an_attempt_is_wrong_after_a_second_or_the_step_limit_or_at_the_end():
    p = StepPolicy(step_t=0.0)
    p.acted(1.0)
    assert not p.watch_attempt(False, 1.0 + ATTEMPT_S - 0.01, 60.0, False, True)
    assert p.watch_attempt(False, 1.0 + ATTEMPT_S, 60.0, False, True)
    # a step limit shorter than ATTEMPT_S wins
    q = StepPolicy()
    q.acted(1.0)
    assert q.watch_attempt(False, 1.3, 0.25, False, True)
    # the run ended (and does not play): wrong at once
    r = StepPolicy()
    r.acted(1.0)
    assert not r.watch_attempt(False, 1.1, 60.0, at_end=True, playing=True)
    assert r.watch_attempt(False, 1.1, 60.0, at_end=True, playing=False)
    # a check that holds is never a wrong attempt
    s = StepPolicy()
    s.acted(1.0)
    assert not s.watch_attempt(True, 9.0, 60.0, True, False)
    # once wrong, it stays wrong in the step
    assert p.watch_attempt(True, 0.0, 60.0, False, False)


def test_hints_open_after_a_wrong_attempt_and_count_down():
    hints = ("look at AR2", "drag the MN")
    p = StepPolicy()
    state = p.hint_button(True, False, hints)
    assert (state.enabled, state.text) == (False, "Hint (2)")
    assert state.tooltip.startswith("Hints open after")
    assert not p.may_hint()
    p.wrong_attempt = True
    assert p.may_hint()
    assert p.hint_button(True, False, hints) == lp.ButtonState(
        True, "Hint (2)", "Reveal the next hint")
    p.hints_shown.append(hints[0])
    assert p.hint_button(True, False, hints).text == "Hint (1)"
    assert not p.hint_button(True, True, hints).enabled  # done: no hint needed
    p.hints_shown.append(hints[1])
    assert p.hint_button(True, False, hints) == lp.ButtonState(
        False, "No more hints", "Show me does the step for you")
    none = p.hint_button(True, False, ())
    assert (none.enabled, none.text) == (False, "Hint") and "no hints" in none.tooltip
    assert not p.hint_button(False, False, hints).enabled


def test_the_status_line():
    p = StepPolicy()
    hints = ("h",)
    assert p.status(True, "done: the HA has a binding", False, True, hints) == \
        lp.StatusLine("done", "the HA has a binding", False)
    assert p.status(True, "the HA has a binding", True, True, hints).detail == ""
    assert p.status(False, "waiting for: a BA", False, True, hints).kind == "do"
    assert p.status(False, "waiting for: a BA", False, False, hints).kind == "past"
    p.wrong_attempt = True
    assert p.status(False, "waiting for: a BA", False, False, hints) == \
        lp.StatusLine("not yet", "a BA", False, True)
    p.hints_shown.append("h")
    assert p.status(False, "a BA", False, True, hints) == \
        lp.StatusLine("not yet", "a BA", False, False)


def test_buttons_and_steps_list():
    assert lp.next_button(True, True, False) == lp.ButtonState(True, "Next step", "Done: go on")
    assert lp.next_button(True, True, True).text == "Finish"
    assert not lp.next_button(False, True, False).enabled
    assert not lp.next_button(True, False, False).enabled
    assert lp.show_button(True, False, False) == lp.ButtonState(True, "Show me")
    assert lp.show_button(True, True, True) == lp.ButtonState(True, "Stop (Esc)")
    assert not lp.show_button(True, True, False).enabled
    assert lp.furthest_reachable(6, 0, []) == 0
    assert lp.furthest_reachable(6, 1, [0, 1, 2]) == 3
    assert lp.furthest_reachable(3, 0, [2]) == 2
    assert [lp.step_mark(i, 1, {0}) for i in range(3)] == [lp.TICK, lp.CURRENT, lp.TODO]


def test_the_next_step_begins_where_this_one_was_done_on_the_same_branch():
    trace = [object() for _ in range(5)]
    p = StepPolicy()
    assert p.next_step_start(trace) is None
    p.done_at(2, trace[2])
    p.done_at(4, trace[4])  # only the first moment counts
    assert p.next_step_start(trace) == 2
    assert p.next_step_start(trace[:3]) is None  # nothing was played after it
    other = list(trace)
    other[2] = object()  # a new branch replaced that event
    assert p.next_step_start(other) is None


def test_format_duration_and_next_builtin():
    assert lp.format_duration(0) == "0 s"
    assert lp.format_duration(59.6) == "1 min 00 s"
    assert lp.format_duration(75) == "1 min 15 s"
    assert lp.format_duration(3725) == "1 h 02 min"
    assert lp.format_duration(-3) == "0 s"
    items = [("01-a", "A", "a"), ("02-b", "B", "b")]
    assert lp.next_builtin("01-a", items) == ("02-b", "B", "b")
    assert lp.next_builtin("02-b", items) is None
    assert lp.next_builtin("my-own", items) is None


def test_the_summary_lists_steps_answers_hints_and_goals():
    lesson = load_lesson("4")
    run = LessonRun(lesson)
    q = lesson.steps[0].questions[0]
    assert not q.is_prediction
    right = next(i for i, c in enumerate(q.choices) if c.correct)
    run.answer(q.id, right)
    text = lp.summary_markdown(lesson, run)
    lines = text.splitlines()
    assert lines[0] == f"## {lesson.title}"
    assert f"- **Steps done by you:** 0 of {len(lesson.steps)}" in lines
    assert "- **Hints used:** 0" in lines
    n_questions = sum(len(s.questions) for s in lesson.steps)
    assert f"- **Questions right at the first try:** 1 of {n_questions}" in lines
    assert f"- \u2713 {q.ask}" in lines
    assert sum(line.endswith("(unanswered)") for line in lines) == n_questions - 1
    assert lines[-len(lesson.goals):] == [f"- {g}" for g in lesson.goals]  # to practise


def test_the_policy_imports_no_qt():
    code = ("import sys, hmipviz.lesson_policy; "
            "sys.exit(any(m.startswith(('PySide6', 'PyQt')) for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
