"""The lesson model: frozen records of a parsed lesson file, and its one error type.

Kept apart from the loader (:mod:`hmipviz.lesson.format`) so that the records can be read
without the parsing machinery; ``format`` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hmipviz.lesson import checks as lc
from hmipviz.scenario import Scenario


@dataclass(frozen=True)
class Action:
    """One thing done to the simulation: ``verb`` with its value and parameters."""

    verb: str
    value: Any
    params: tuple[tuple[str, Any], ...] = ()
    line: int = 0

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def __str__(self) -> str:
        extra = "".join(f", {k} = {v!r}" for k, v in self.params)
        return f"{self.verb} = {self.value!r}{extra}"


@dataclass(frozen=True)
class Choice:
    """An answer offered to the learner. A multiple-choice answer has ``correct``; a
    prediction's answer names a packet ``kind`` (or "nothing") and the engine decides."""

    text: str
    explain: str
    correct: bool = False
    kind: str | None = None
    # a prediction about a destination, a status or a field: the node, number or value
    value: Any = None


@dataclass(frozen=True)
class Question:
    id: str
    ask: str
    choices: tuple[Choice, ...]
    line: int = 0
    # "predict the next message": whose message, after receiving what, ignoring what
    predict: str | None = None
    after: str | None = None
    ignore: tuple[str, ...] = ("data",)
    within_s: float = 10.0
    # which kinds of message the prediction is about (empty: any not ignored), and
    # what about it: "kind", "to" (its destination node), "status" or "field"
    message: tuple[str, ...] = ()
    about: str = "kind"
    field: str | None = None
    # a number read off the learner's own run (hmipviz.lesson.measures), +- tolerance
    numeric: str | None = None
    tolerance: float = 0.0
    explain: str = ""

    @property
    def is_prediction(self) -> bool:
        return self.predict is not None

    @property
    def is_numeric(self) -> bool:
        return self.numeric is not None


@dataclass(frozen=True)
class Step:
    index: int  # 0-based
    title: str
    text: str  # Markdown for the learner
    check: lc.Check
    solution: tuple[Action, ...]
    setup: tuple[Action, ...] = ()
    hints: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    time_limit_s: float = 10.0
    line: int = 0  # of the "## Step:" heading
    check_line: int = 0
    teaches: tuple[int, ...] = ()  # 0-based indexes of the lesson goals it teaches


@dataclass(frozen=True)
class Lesson:
    name: str  # file name without .md
    path: str  # as given, for messages
    title: str
    summary: str
    goals: tuple[str, ...]
    scenario: Scenario  # mode and duration already applied
    mode: str
    intro: str  # Markdown before the first step
    steps: tuple[Step, ...]
    # per-student variation (hmipviz.lesson.variation): what is drawn from a seed, the
    # seed this lesson's scenario was drawn with (None: the file's own values), and
    # the file's own scenario once a seed was applied
    variations: tuple[Any, ...] = ()
    seed: int | None = None
    unvaried: Scenario | None = None

    def goal_steps(self, goal: int) -> tuple[int, ...]:
        """The steps that teach goal ``goal`` (0-based): those naming it in their
        ``goals``; every step when none does."""
        named = tuple(s.index for s in self.steps if goal in s.teaches)
        return named or tuple(s.index for s in self.steps)

    def question(self, qid: str) -> tuple[Step, Question]:
        for step in self.steps:
            for q in step.questions:
                if q.id == qid:
                    return step, q
        raise KeyError(qid)


class LessonError(Exception):
    """Everything wrong with one lesson file, one ``path:line: problem`` per message."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages: list[str] = list(messages)
        super().__init__(*self.messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)
