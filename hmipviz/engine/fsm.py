"""Small, loud state machines kept as data (architecture rule 6, in the manner of h11's
``_state.py``).

A :class:`TransitionTable` maps ``(state, input)`` to the next state. ``ANY`` stands for
every state, for inputs such as "link down" that apply whatever the machine is doing. A
pair the table does not name is not silently ignored: :meth:`TransitionTable.next`
raises :class:`UndefinedTransition`. The simulator turns that into a trace event in a
normal run and lets it fail the test in strict mode (architecture rule 9), so a missing
row is found by the tests instead of leaving a node in a state the RFC does not allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Generic, TypeAlias, TypeVar

S = TypeVar("S", bound=Enum)
I = TypeVar("I", bound=Enum)  # noqa: E741 - "I" for input, as in the tables


class _Any(Enum):
    ANY = "*"


ANY = _Any.ANY
"""Matches every state in a transition table."""


class UndefinedTransition(RuntimeError):
    """A machine was given an input its table has no row for in its current state."""

    def __init__(self, machine: str, state: Enum, event: Enum) -> None:
        super().__init__(f"{machine}: no transition from state {state.value!r} on input "
                         f"{event.value!r}")
        self.machine, self.state, self.event = machine, state, event


Rows: TypeAlias = dict[tuple[S | _Any, I], S]
"""Rows to build a transition table from: ``(state or ANY, input) -> state``."""


class TransitionTable(Generic[S, I]):
    """``(state, input) -> state`` with ``ANY`` rows as a fallback for every state."""

    def __init__(self, name: str, states: type[S], inputs: type[I],
                 rows: Mapping[tuple[S | _Any, I], S]) -> None:
        self.name = name
        self.states = states
        self.inputs = inputs
        self.rows = dict(rows)
        for (state, event), target in self.rows.items():
            if not (state is ANY or isinstance(state, states)) or \
                    not isinstance(event, inputs) or not isinstance(target, states):
                raise TypeError(f"{name}: bad row ({state!r}, {event!r}) -> {target!r}")

    def defined(self, state: S, event: I) -> bool:
        return (state, event) in self.rows or (ANY, event) in self.rows

    def next(self, state: S, event: I) -> S:
        """The state after ``event`` in ``state``; raises if the table has no row."""
        target = self.rows.get((state, event))
        if target is None:
            target = self.rows.get((ANY, event))
        if target is None:
            raise UndefinedTransition(self.name, state, event)
        return target

    def pairs(self) -> Iterable[tuple[S, I]]:
        """Every (state, input) pair the table accepts, with ANY rows expanded."""
        for state in self.states:
            for event in self.inputs:
                if self.defined(state, event):
                    yield state, event

    def as_strings(self) -> dict[tuple[str, str], str]:
        """The table with plain strings, for lessons and docs that draw the diagram."""
        return {(s.value, i.value): t.value for (s, i), t in self.rows.items()}
