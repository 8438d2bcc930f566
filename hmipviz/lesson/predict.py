"""Predict, observe, explain: a prediction the learner commits before the engine moves,
graded on the learner's own run when the message it is about is shown.

A prediction question names whose message (``predict``), optionally which kinds of
message (``message``), and what about it is predicted (``about``): its kind, its
destination node (``to``), the Binding Acknowledgement's status, or the value of a
packet field. The learner commits one choice (:class:`Commitment`); the answer is the
first matching message of the learner's own trace after that moment, never one read
off the lesson's solution. :class:`PredictionWatch` reads the trace as it grows (the
window passes only what is on screen) and produces one :class:`Reveal`.

This module also parses a prediction's choices (the loader calls :func:`parse_choices`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from hmipviz.engine.events import Event, PacketReceived, PacketSent
from hmipviz.lesson import fields as lf
from hmipviz.lesson.model import Choice, Question, Step

if TYPE_CHECKING:
    from hmipviz.sim import Simulation

# what a prediction can be about; a field name is the fourth kind (about = "field")
ABOUT_KEYS = {"kind": "kind", "to": "to", "status": "status", "value": "field"}
STATUS_FIELD = "mip6.ba.status"


class PredictionRefused(ValueError):
    """A second attempt at a prediction, or an attempt once its message is shown."""


@dataclass(frozen=True)
class Commitment:
    """The learner's one attempt: ``choice`` committed at trace index ``mark``, time ``t``."""

    question_id: str
    choice: int
    mark: int
    t: float


@dataclass(frozen=True)
class Reveal:
    """What the learner's run sent: ``answer`` (the choice key: a kind, a node, a
    number, or "nothing"), the trace index of the message (None for nothing), and
    whether the committed choice (None: no commitment, too late) was right."""

    question_id: str
    answer: str
    index: int | None
    choice: int | None
    correct: bool
    explanation: str  # the question's own explanation and the right choice's
    kind: str = ""  # the kind of the message (empty for nothing)


# =====================================================================================
# Reading the answer off the trace
# =====================================================================================


def answer_of(q: Question, e: PacketSent, book: lf.AddressBook) -> str | None:
    """The value message ``e`` gives to what ``q`` predicts, as text (None: the
    message has no such value, e.g. a field it does not carry)."""
    if q.about == "kind":
        return e.kind
    if q.about == "to":
        return lf.recipient(e, book) or "nothing"
    name = STATUS_FIELD if q.about == "status" else q.field
    assert name is not None
    p = lf.packet_of(e)
    option = None
    if p is not None:
        m = p.innermost().payload
        options = getattr(m, "map_options", None)
        option = options[0] if options else None
    value = lf.FIELDS[name].get(lf.Sent(e, p, option))
    return None if value is None else value_text(value)


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def choice_matches(q: Question, c: Choice, answer: str, book: lf.AddressBook) -> bool:
    """Whether choice ``c`` names ``answer`` (node names and addresses of the same
    node are one answer for address fields)."""
    if q.about == "kind":
        return c.kind == answer
    if answer == lf.NOTHING or c.value == lf.NOTHING:
        return c.value == answer
    if q.about in ("to", "status"):
        return value_text(c.value) == answer
    ftype = lf.FIELDS[q.field].type if q.field else "int"
    if ftype == "address":
        want = book.resolve(str(c.value))
        return want is not None and str(want) == str(IPv6Address(answer))
    if ftype == "prefix":
        wanted = book.prefixes_of(str(c.value)) if book.is_node(str(c.value)) \
            else [IPv6Network(str(c.value))]
        return IPv6Network(answer) in wanted
    return value_text(c.value) == answer


class PredictionWatch:
    """Finds the first message ``q`` is about in a trace read from the step's
    ``start``: the node's own message (not one it forwards), after it received an
    ``after`` packet when given, not of an ``ignore`` kind, of a ``message`` kind when
    given. Messages before ``frm`` (the commitment) do not count as the answer, but
    one shown before any commitment makes the question too late to answer."""

    def __init__(self, q: Question, start: int) -> None:
        self.q = q
        self.read = start
        self.armed = q.after is None
        self.found: tuple[int, PacketSent] | None = None

    def feed(self, trace: Sequence[Event], upto: int, book: lf.AddressBook) -> None:
        q = self.q
        for i in range(self.read, min(upto, len(trace))):
            e = trace[i]
            self.read = i + 1
            if not self.armed:
                self.armed = isinstance(e, PacketReceived) and e.kind == q.after and (
                    q.predict == lf.ANY or e.node == q.predict)
                continue
            if not isinstance(e, PacketSent) or not e.origin or e.kind in q.ignore:
                continue
            if q.message and e.kind not in q.message:
                continue
            src = lf.originator(e, book)
            if src is None or (q.predict != lf.ANY and src != q.predict):
                continue
            self.found = (i, e)
            return


def reveal(q: Question, commit: Commitment | None, watch: PredictionWatch,
           trace: Sequence[Event], upto: int, now_t: float,
           book: lf.AddressBook) -> Reveal | None:
    """The reveal of ``q`` once the trace up to ``upto`` shows its message, or once
    ``within_s`` passed after the commitment with no such message when "nothing" is
    a choice; None while it is still to come."""
    if watch.found is None:
        watch.feed(trace, upto, book)
    if watch.found is not None:
        i, e = watch.found
        answer = answer_of(q, e, book)
        if answer is None:
            answer = lf.NOTHING
        return dataclasses.replace(_graded(q, commit, answer, i, book), kind=e.kind)
    if commit is None:
        return None
    offers_nothing = any(c.kind == lf.NOTHING or c.value == lf.NOTHING for c in q.choices)
    if offers_nothing and now_t > commit.t + q.within_s:
        return _graded(q, commit, lf.NOTHING, None, book)
    return None


def _graded(q: Question, commit: Commitment | None, answer: str, index: int | None,
            book: lf.AddressBook) -> Reveal:
    good = next((c for c in q.choices if choice_matches(q, c, answer, book)), None)
    correct = commit is not None and good is not None and \
        choice_matches(q, q.choices[commit.choice], answer, book)
    parts = [p for p in (q.explain, good.explain if good is not None else "") if p]
    return Reveal(q.id, answer, index, commit.choice if commit else None, correct,
                  " ".join(parts))


def describe_answer(q: Question, answer: str, kind: str = "") -> str:
    """The reveal's headline: what the learner's run sent, in words (``kind``: the
    kind of the message it was)."""
    if answer == lf.NOTHING:
        return "Your run sent nothing of the kind in time."
    who = "The node" if q.predict == lf.ANY else q.predict
    if q.about == "kind":
        return f"{who} sent a {answer}."
    what = kind or (" or ".join(q.message) if q.message else "message")
    if q.about == "to":
        return f"{who}'s {what} went to {answer}."
    if q.about == "status":
        return f"The {what} carried status {answer}."
    return f"In {who}'s {what}, {q.field} = {answer}."


# =====================================================================================
# Parsing a prediction's choices (called by the loader)
# =====================================================================================


def parse_choices(raw: list, reader: Any, here: tuple, scope: lf.Scope,
                  field: str | None) -> tuple[str, tuple[Choice, ...]] | None:
    """(about, choices) of a prediction: every choice carries the same one of
    ``kind``, ``to``, ``status`` or ``value`` (``value`` needs the question's
    ``field``), with ``explain`` and an optional ``text``."""
    out: list[Choice] = []
    abouts: set[str] = set()
    for i, c in enumerate(raw):
        at = here + (i,)
        if not isinstance(c, dict):
            reader.add(at, 'a choice must be a table such as { kind = "local BU", '
                           'explain = "..." } (or to = NODE, status = N, value = V)')
            return None
        reader.keys(c, at, ("kind", "to", "status", "value", "text", "explain"), "choice")
        keys = [k for k in ABOUT_KEYS if k in c]
        if len(keys) != 1:
            reader.add(at, "a prediction's choice names exactly one of kind, to, status "
                           f"or value, not {', '.join(keys) or 'none'}")
            return None
        key = keys[0]
        abouts.add(key)
        explain = reader.get(c, at, "explain", lf.text, scope, required=True)
        text = reader.get(c, at, "text", lf.text, scope)
        value = _choice_value(key, c[key], reader, at + (key,), scope, field)
        if explain is None or value is None:
            return None
        if key == "kind":
            out.append(Choice(text or value, explain, kind=value))
        else:
            out.append(Choice(text or value_text(value), explain, value=value))
    if len(abouts) != 1:
        reader.add(here, "all choices of a prediction name the same thing "
                         f"(kind, to, status or value), not {' and '.join(sorted(abouts))}")
        return None
    key = abouts.pop()
    if key == "value" and field is None:
        reader.add(here[:-1], 'a prediction with value choices needs field = "..." '
                              '(e.g. "mip6.bu.lifetime")')
        return None
    if key != "value" and field is not None:
        reader.add(here[:-1] + ("field",), f'field belongs to value choices, not {key}')
        return None
    seen = [value_text(c.kind if key == "kind" else c.value) for c in out]
    if len(set(seen)) != len(seen):
        reader.add(here, "an answer is offered twice")
        return None
    return ABOUT_KEYS[key], tuple(out)


def _choice_value(key: str, raw: Any, reader: Any, at: tuple, scope: lf.Scope,
                  field: str | None) -> Any:
    if raw == lf.NOTHING:
        return lf.NOTHING
    try:
        if key == "kind":
            return lf.choice(lf.describe.KINDS + (lf.NOTHING,))(raw, scope)
        if key == "to":
            return lf.node()(raw, scope)
        if key == "status":
            return lf.integer(0, 255)(raw, scope)
        if field is None or field not in lf.FIELDS:
            return raw  # no field (reported by the caller) or a bad one (by its reader)
        ftype = lf.FIELDS[field].type
        if ftype == "int":
            return lf.integer(0)(raw, scope)
        if ftype == "bool":
            return lf.boolean(raw, scope)
        if ftype == "address":
            return lf.address_ref(raw, scope)
        return lf.text(raw, scope)
    except lf.Bad as bad:
        reader.add(at, f"{key} {bad}")
        return None


def parse_field(value: Any, scope: lf.Scope) -> str:
    """A packet field a prediction asks the value of (the names of ``where``)."""
    name = lf.text(value, scope)
    if name not in lf.FIELDS:
        raise lf.Bad(f'"{name}" is not a packet field{lf.suggest(name, lf.FIELDS)}')
    return name




# =====================================================================================
# The learner's side, mixed into LessonRun
# =====================================================================================


class PredictionsMixin:
    """:class:`~hmipviz.lesson.LessonRun`'s predictions: commit one, watch the
    learner's own trace for its message, reveal and grade it."""

    lesson: Any
    index: int
    _answers: dict[str, tuple[int, bool]]
    _commits: dict[str, Commitment]
    _watches: dict[str, PredictionWatch]
    _reveals: dict[str, Reveal]

    if TYPE_CHECKING:
        @property
        def sim(self) -> Simulation: ...

        @property
        def mark(self) -> int: ...

        @property
        def step(self) -> Step: ...

    def predict(self, question_id: str, choice: int) -> Commitment:
        """Commit the learner's prediction now, before the engine moves on: one attempt
        only (:class:`PredictionRefused` for a second, or once the message is shown).
        It is graded against the learner's own run: the first matching message after
        this moment, once it is in the trace (:meth:`watch_predictions`)."""
        step, q = self.lesson.question(question_id)
        if not q.is_prediction:
            raise ValueError(f"question {question_id} is not a prediction: answer()")
        if step.index != self.index:
            raise ValueError(f"question {question_id} belongs to step {step.index + 1}")
        if not 0 <= choice < len(q.choices):
            raise IndexError(f"question {question_id} has {len(q.choices)} choices")
        self.watch_predictions()
        if question_id in self._commits or question_id in self._answers:
            raise PredictionRefused(f"question {question_id}: your prediction is already "
                                    "locked in; there is one attempt")
        if question_id in self._reveals:
            raise PredictionRefused(f"question {question_id}: too late, the message is "
                                    "already on screen")
        commit = Commitment(question_id, choice, len(self.sim.trace), self.sim.now)
        self._commits[question_id] = commit
        return commit

    def committed(self, question_id: str) -> Commitment | None:
        return self._commits.get(question_id)

    def watch_predictions(self, upto: int | None = None) -> list[Reveal]:
        """Reveal the predictions whose message is in the trace up to ``upto`` (the
        window passes what is on screen; default all of it): the new reveals. A
        committed prediction is graded then and counts towards the score; a message
        shown before any commitment makes the question too late (no grade)."""
        out: list[Reveal] = []
        if self.index < 0:
            return out
        trace = self.sim.trace
        upto = len(trace) if upto is None else upto
        book: lf.AddressBook | None = None
        for q in self.step.questions:
            if not q.is_prediction or q.id in self._reveals:
                continue
            commit = self._commits.get(q.id)
            watch = self._watches.get(q.id)
            if watch is None:
                watch = self._watches[q.id] = PredictionWatch(q, self.mark)
            book = book or lf.AddressBook(self.sim)
            got = reveal(q, commit, watch, trace, upto, self.sim.now, book)
            if got is None:
                continue
            if commit is not None and got.index is not None and got.index < commit.mark:
                got = dataclasses.replace(got, choice=None, correct=False)  # too late
            self._reveals[q.id] = got
            if got.choice is not None and q.id not in self._answers:
                self._answers[q.id] = (got.choice, got.correct)
            out.append(got)
        return out

    def revealed(self, question_id: str) -> Reveal | None:
        """The reveal of a prediction of this step, once its message was shown."""
        return self._reveals.get(question_id)

    def pending_predictions(self) -> list[str]:
        """The step's predictions locked in whose message has not been shown yet."""
        return [q for q in self._commits if q not in self._reveals]

    def reveal_ahead(self, question_id: str, record: bool = True) -> Reveal | None:
        """The reveal of a locked-in prediction whose message comes after the step was
        done: read on a copy of this run, played on as it stands up to ``within_s``
        after the commitment (the learner's own run, not the step's solution). With
        ``record`` it is graded as if shown (the learner went on without playing)."""
        if question_id in self._reveals:
            return self._reveals[question_id]
        _step, q = self.lesson.question(question_id)
        commit = self._commits.get(question_id)
        twin = self.fork()  # type: ignore[attr-defined]
        until = (commit.t if commit is not None else self.sim.now) + q.within_s
        if twin.sim.now <= until:  # just past it: "nothing" is the answer from then on
            twin.driver.run_until(until + 1e-6)
        twin.watch_predictions()
        got = twin.revealed(question_id)
        if got is not None and record:
            self._reveals[question_id] = got
            if got.choice is not None and question_id not in self._answers:
                self._answers[question_id] = (got.choice, got.correct)
        return got

    def prediction(self, question_id: str) -> str | None:
        """The learner's run's answer to a prediction, once revealed (else None)."""
        got = self._reveals.get(question_id)
        return got.answer if got is not None else None


__all__ = ["Commitment", "Reveal", "PredictionWatch", "PredictionRefused", "reveal",
           "answer_of", "choice_matches", "describe_answer", "parse_choices", "parse_field",
           "PredictionsMixin"]
