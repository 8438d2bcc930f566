"""The teacher's summary of one learner's lesson: per step whether it was done, done
with hints or done by Show me; per question whether it was right at the first try;
the time taken (the clock stops at Finish); the per-student seed; and the goals
learnt (only those whose steps the learner did, not had shown).

:func:`report` builds a :class:`LessonReport` from a :class:`~hmipviz.lesson.LessonRun`;
:func:`to_json` and :func:`to_csv` give the small files a teacher collects, and
:func:`export` writes either atomically (the format from the file name).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hmipviz.fileio import atomic_write

DONE, HINTS, SHOWN, NOT_DONE = "done", "done with hints", "done with Show me", "not done"
RIGHT, WRONG, UNANSWERED, TOO_LATE = "right", "wrong", "unanswered", "too late"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class StepRow:
    number: int  # 1-based
    title: str
    result: str  # DONE, HINTS, SHOWN or NOT_DONE
    hints: int


@dataclass(frozen=True)
class QuestionRow:
    id: str
    step: int  # 1-based
    ask: str
    kind: str  # "choice", "prediction" or "numeric"
    result: str  # RIGHT (at the first try), WRONG, UNANSWERED or TOO_LATE


@dataclass(frozen=True)
class LessonReport:
    lesson: str
    title: str
    seed: int | None
    finished: bool
    elapsed_s: float
    steps: tuple[StepRow, ...]
    questions: tuple[QuestionRow, ...]
    goals_learnt: tuple[str, ...]
    goals_to_practise: tuple[str, ...]  # a step teaching them was shown or not done
    drawn: tuple[tuple[str, str], ...] = ()  # the seed's values, with their labels

    @property
    def steps_by_learner(self) -> int:
        return sum(1 for s in self.steps if s.result in (DONE, HINTS))

    @property
    def first_try_right(self) -> int:
        return sum(1 for q in self.questions if q.result == RIGHT)


def step_result(run: Any, index: int) -> str:
    if index not in run.passed:
        return NOT_DONE
    if index in run.shown:
        return SHOWN
    return HINTS if run.step_hints.get(index, 0) else DONE


def report(run: Any) -> LessonReport:
    """The summary of ``run`` (a :class:`~hmipviz.lesson.LessonRun`) now."""
    from hmipviz.lesson.variation import drawn_values
    lesson = run.lesson
    steps = tuple(StepRow(s.index + 1, s.title, step_result(run, s.index),
                          run.step_hints.get(s.index, 0)) for s in lesson.steps)
    answers = run.answers
    questions = []
    for s in lesson.steps:
        for q in s.questions:
            kind = "prediction" if q.is_prediction else "numeric" if q.is_numeric \
                else "choice"
            if q.id in answers:
                result = RIGHT if answers[q.id][1] else WRONG
            elif s.index == run.index and q.is_prediction and run.revealed(q.id):
                result = TOO_LATE
            else:
                result = UNANSWERED
            questions.append(QuestionRow(q.id, s.index + 1, q.ask, kind, result))
    learnt: list[str] = []
    practise: list[str] = []
    for g, goal in enumerate(lesson.goals):
        by_learner = all(steps[i].result in (DONE, HINTS) for i in lesson.goal_steps(g))
        (learnt if by_learner else practise).append(goal)
    return LessonReport(lesson.name, lesson.title, lesson.seed, run.clock_stopped,
                        round(run.elapsed_s(), 1), steps, tuple(questions), tuple(learnt),
                        tuple(practise), tuple(drawn_values(lesson)))


def to_json(r: LessonReport) -> str:
    data = {"format": "hmipviz-lesson-summary", "version": FORMAT_VERSION, **asdict(r),
            "steps_by_learner": r.steps_by_learner, "first_try_right": r.first_try_right}
    data["drawn"] = [{"value": label, "drawn": value} for label, value in r.drawn]
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("lesson", "seed", "row", "number", "id", "title", "result", "hints",
               "elapsed_s")


def to_csv(r: LessonReport) -> str:
    """One row per step and per question, and a last row for the lesson (its time):
    files of a class can be concatenated (the lesson and seed are on every row)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    seed = "" if r.seed is None else r.seed
    for s in r.steps:
        w.writerow((r.lesson, seed, "step", s.number, "", s.title, s.result, s.hints, ""))
    for q in r.questions:
        w.writerow((r.lesson, seed, q.kind, q.step, q.id, q.ask, q.result, "", ""))
    w.writerow((r.lesson, seed, "lesson", "", "", r.title,
                "finished" if r.finished else "not finished",
                sum(s.hints for s in r.steps), f"{r.elapsed_s:.1f}"))
    return out.getvalue()


def export(r: LessonReport, path: str | os.PathLike[str]) -> Path:
    """Write the summary to ``path`` atomically: CSV for a ``.csv`` name, else JSON."""
    target = Path(path)
    text = to_csv(r) if target.suffix.lower() == ".csv" else to_json(r)
    atomic_write(target, text)
    return target


def markdown(r: LessonReport, heading: str) -> str:
    """The end-of-lesson page in the window."""
    from hmipviz.lesson_policy import format_duration
    marks = {DONE: "\u2713", HINTS: "\u2713", SHOWN: "\u25d0", NOT_DONE: "\u2014",
             RIGHT: "\u2713", WRONG: "\u2717", UNANSWERED: "\u2014", TOO_LATE: "\u2014"}
    lines = [heading, "",
             f"- **Steps done by you:** {r.steps_by_learner} of {len(r.steps)}",
             f"- **Questions right at the first try:** {r.first_try_right} of "
             f"{len(r.questions)}",
             f"- **Hints used:** {sum(s.hints for s in r.steps)}",
             f"- **Time taken:** {format_duration(r.elapsed_s)}"
             + (" (stopped at Finish)" if r.finished else "")]
    if r.seed is not None:
        lines.append(f"- **Your seed:** {r.seed}"
                     + (" (" + ", ".join(f"{label} = {value}" for label, value in r.drawn)
                        + ")" if r.drawn else ""))
    lines += ["", "### Steps", ""]
    lines += [f"- {marks[s.result]} {s.number}. {s.title}: {s.result}"
              + (f" ({s.hints} hint{'s' if s.hints != 1 else ''})" if s.hints else "")
              for s in r.steps]
    if r.questions:
        lines += ["", "### Your answers", ""]
        lines += [f"- {marks[q.result]} {q.ask}" + ("" if q.result in (RIGHT, WRONG)
                                                    else f" ({q.result})")
                  for q in r.questions]
    lines += ["", "### What you learnt", ""]
    lines += [f"- {g}" for g in r.goals_learnt] or ["- (do the steps yourself to claim "
                                                    "the goals: none yet)"]
    if r.goals_to_practise:
        lines += ["", "### To practise again (a step was shown or not done)", ""]
        lines += [f"- {g}" for g in r.goals_to_practise]
    return "\n".join(lines)


__all__ = ["LessonReport", "StepRow", "QuestionRow", "report", "to_json", "to_csv",
           "export", "markdown", "DONE", "HINTS", "SHOWN", "NOT_DONE", "RIGHT", "WRONG",
           "UNANSWERED", "TOO_LATE"]
