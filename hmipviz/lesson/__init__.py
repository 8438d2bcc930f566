"""Lessons: load them, play them on the engine, verify them, save progress.

The lesson code, by concern: ``format`` (the model and the loader of lesson files),
``fields`` (what checks may name: scenario names, addresses, packet fields),
``checks`` (the check language and its table), ``evaluate`` (parsing and evaluating a
check, predicting the next message), ``run`` (driving the engine with a step budget)
and ``session`` (playing a lesson, progress, headless verification). The lesson files
themselves stay in ``lessons/``; ``docs/lessons.md`` documents the format.

This package re-exports the public API that ``hmipviz.lesson`` had as one module.
"""

from typing import Any

from hmipviz.lesson import run as _run
from hmipviz.lesson.format import (
    ACTION_VERBS,
    FRONT_KEYS,
    QUESTION_KEYS,
    STATE_VERBS,
    STEP_KEYS,
    Action,
    Choice,
    Lesson,
    LessonError,
    Question,
    Step,
    builtin_lessons,
    load_lesson,
    parse_action,
    parse_lesson,
)
from hmipviz.lesson.mutate import MutationOutcome, verify_mutations
from hmipviz.lesson.run import (
    BudgetExceeded,
    LessonDriver,
    SimDriver,
    fork,
    run_bounded,
    run_target,
)
from hmipviz.lesson.session import (
    CheckResult,
    Feedback,
    LessonRun,
    Progress,
    ProgressStore,
    Summary,
    verify_lesson,
)
from hmipviz.lesson.status import Blocked, Condition, StepStatus

__all__ = [
    "ACTION_VERBS", "FRONT_KEYS", "QUESTION_KEYS", "STATE_VERBS", "STEP_KEYS", "Action",
    "Choice", "Lesson", "LessonError", "Question", "Step", "builtin_lessons", "load_lesson",
    "parse_lesson", "LessonDriver", "SimDriver", "fork", "CheckResult",
    "Feedback", "Summary", "Progress", "LessonRun", "ProgressStore", "verify_lesson",
    "STEP_BUDGET", "BudgetExceeded", "run_bounded", "run_target", "parse_action",
    "Blocked", "Condition", "StepStatus", "MutationOutcome", "verify_mutations",
]


def __getattr__(name: str) -> Any:
    """``STEP_BUDGET`` is read live from :mod:`hmipviz.lesson.run`, where the engine
    loops use it, so setting ``hmipviz.lesson.run.STEP_BUDGET`` (as tests do) is seen
    by every reader of ``hmipviz.lesson.STEP_BUDGET``."""
    if name == "STEP_BUDGET":
        return _run.STEP_BUDGET
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
