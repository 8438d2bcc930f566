"""The field-selection steps of lessons 2 and 11, headless: the step waits for the
selection of that field in that packet, and the numeric question reads the value off
the packet the learner selected (their own run, not the solution's)."""

from __future__ import annotations

from hmipviz.lesson import LessonRun, load_lesson


def _at_step(name: str, title: str) -> LessonRun:
    lesson = load_lesson(name)
    run = LessonRun(lesson)
    while not run.step.title.startswith(title):
        assert run.apply_solution().passed and run.advance()
    return run


def test_lesson_11_waits_for_the_seqnr_of_the_learners_own_bu():
    run = _at_step("11", "Make your own capture")
    for ar in ("AR1", "AR2", "AR1"):  # there and back once more: two more BU numbers
        run.act(move=ar)
        run.act(run_for_s=1)
    assert not run.check().passed  # the BU is there, nothing selected yet
    run.act(select_field="mip6.bu.h_flag", kind="local BU", **{"from": "MN"})
    assert not run.check().passed  # another field
    run.act(select_field="mip6.bu.seqnr", kind="local BU", **{"from": "MN"})
    assert run.check().passed
    own = run.measured("your-seqnr")
    solution = _at_step("11", "Make your own capture")
    assert solution.apply_solution().passed
    assert own is not None and own != solution.measured("your-seqnr")
    assert run.answer_number("your-seqnr", own).correct


def test_lesson_2_dist_is_read_off_the_selected_ra():
    run = _at_step("2", "Dist")
    assert run.measured("dist-value") is None  # nothing selected: nothing to grade
    assert not run.answer_number("dist-value", 2).first_try
    assert run.apply_solution().passed
    assert run.measured("dist-value") == 2
    assert not run.answer_number("dist-value", 3).correct
