"""The lesson dock's side of predict, observe, explain: lock a prediction in (one
attempt, before the engine moves), and reveal it when its message is on screen,
graded against the learner's own run (:mod:`hmipviz.lesson.predict`)."""

from __future__ import annotations

import logging

from hmipviz.lesson import predict as lp

log = logging.getLogger("hmipviz.gui")


def commit(panel, question_id: str, choice: int) -> bool:
    """Lock the learner's choice in; the box shows it locked. False when refused
    (already locked, too late, no lesson)."""
    run = panel.run
    box = panel.question_boxes.get(question_id)
    if run is None or box is None or box.locked or panel.detached:
        return False
    try:
        run.predict(question_id, choice)
    except lp.PredictionRefused as exc:
        log.info("%s", exc)
        reveal_boxes(panel.question_boxes, run)
        return False
    except (KeyError, IndexError, ValueError) as exc:
        log.warning("cannot lock %s in: %s", question_id, exc)
        return False
    box.show_locked(choice)
    panel._schedule_save()
    return True


def reveal_boxes(boxes: dict, run) -> int:
    """Show the reveal in each prediction box whose message the run has shown; how
    many were newly shown."""
    n = 0
    for qid, box in boxes.items():
        q = box.question
        got = run.revealed(qid) if q.is_prediction else None
        if got is None or not box.reveal.isHidden():
            continue
        box.show_graded(got.choice, got.correct,
                        lp.describe_answer(q, got.answer, got.kind), got.explanation)
        n += 1
    return n


def show_state(box, run, earlier: dict[str, int]) -> None:
    """A prediction box as the run has it when the step is entered: graded earlier
    (resumed, or the step entered again), locked in, or open."""
    q = box.question
    got = run.revealed(q.id)
    if got is not None:
        box.show_graded(got.choice, got.correct,
                        lp.describe_answer(q, got.answer, got.kind), got.explanation)
    elif run.committed(q.id) is not None:
        box.show_locked(run.committed(q.id).choice)
    elif q.id in run.answers:
        choice, correct = run.answers[q.id]
        box.show_graded(choice, correct, "Graded in an earlier session.", "")


__all__ = ["commit", "reveal_boxes", "show_state"]
