"""A simulation's state frozen for step-back and look-ahead, as pickled bytes.

``copy.deepcopy`` of the state walked the object graph in Python, one call per object:
3 ms for figure1 and 10 ms for campus at t = 20 s, taken every few hundred events while
the window plays and on every fork of the lesson verifier. ``pickle`` walks the same
graph in C: a fifth of the time to take a snapshot (campus 1.9 ms) and a quarter to
restore one, and what the window keeps is 40 to 140 kB of bytes instead of an object
graph a half to two thirds larger (benchmarks/bench_snapshot.py).

The copies are the same as deepcopy's: every mutable object is copied, shared references
stay shared within the copy, functions and classes are kept by reference. The objects
deepcopy kept by reference without copying them (immutable addresses, the MN index) are
copied, which changes nothing but their identity. The event listeners (where a run's
events go: output files, the window) are not part of the state; the caller keeps them.

A state that pickle cannot take (a lambda or a locally defined class reached from a
node, which only a test or an extension would put there) is deep-copied as before.
"""

from __future__ import annotations

import copy
import logging
import pickle
import random
from array import array
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_WORDS = "I" if array("I").itemsize == 4 else "L"  # the 32-bit Mersenne Twister words


class SnapshotRandom(random.Random):
    """``random.Random`` (the same numbers) that pickles its state as 2.5 kB of bytes.

    Every node, the loss model and each moving MN hold one, so every snapshot and fork
    carries a dozen generators: as a ``random.Random`` each pickled as 625 integers and
    unpickled by seeding a new generator from the system's entropy before setting the
    state: a fifth of the time to freeze and thaw a lesson's simulation (measured)."""

    def __reduce__(self) -> tuple[object, tuple[bytes, int, float | None]]:
        version, internal, gauss_next = self.getstate()
        if version != 3 or array(_WORDS).itemsize != 4:
            return super().__reduce__()  # type: ignore[return-value]
        return _thaw_random, (array(_WORDS, internal[:-1]).tobytes(), internal[-1],
                              gauss_next)


def _thaw_random(words: bytes, position: int, gauss_next: float | None) -> SnapshotRandom:
    rng = SnapshotRandom.__new__(SnapshotRandom)  # not seeded: the state is set next
    rng.setstate((3, (*array(_WORDS, words), position), gauss_next))
    return rng


@dataclass(frozen=True)
class Snapshot:
    """The state after ``trace_len`` events (the trace itself is append-only and is not
    copied: a restore cuts it back to this length)."""

    trace_len: int
    frozen: bytes | dict = field(repr=False)  # pickled state, or a deep copy (see module)

    @property
    def pickled(self) -> bool:
        return isinstance(self.frozen, bytes)


def freeze(state: dict) -> bytes | dict:
    """A copy of ``state`` that nothing else holds and that later changes do not reach."""
    try:
        return pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("snapshot deep-copied: the state does not pickle (%s)", exc)
        return copy.deepcopy(state)


def thaw(frozen: bytes | dict) -> dict:
    """A fresh copy of a frozen state (each call gives a new one)."""
    if isinstance(frozen, bytes):
        state: dict = pickle.loads(frozen)
        return state
    return copy.deepcopy(frozen)
