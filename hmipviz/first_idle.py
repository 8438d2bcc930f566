"""The first idle moment of a run: where the window opens a scenario (issue 13, item 5).

A lecture rarely starts with the 0.1 s of Router Solicitation, local BU and BU to the HA
that every scenario opens with (about 20 s of wall time at 1x): the window opens at the
first *idle moment after the initial registration* instead, and a "Watch the start"
button goes back to t = 0. That moment is the end of the first simulated instant at which

- every MN that has a link has completed its initial handover (its registrations with
  the MAP and the HA answered: the engine's ``HandoverCompleted``),
- no binding update list entry is pending (every BU sent so far was answered),
- no signalling hop is in flight (data hops of a running echo or UDP flow may be), and
- for an MN with route optimisation that exchanges a data flow with a CN, its binding
  with that CN is in place (return routability starts with the first data, so this
  comes later; if it does not come before the deadline, the moment without it counts),

all before the scenario's first scripted move, failure, restore or injected packet,
before any MN hands over a second time (MNs that walk on their own) and within the
first ``HORIZON_S`` of simulated time. No such moment:
the run opens at t = 0 (-1). Qt-free: :class:`IdleWatch` folds events one at a time so
the window can run its lazy engine just far enough (:mod:`hmipviz.gui.pacing`), and
:func:`first_idle_index` answers for a trace already at hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hmipviz.engine.events import (
    BindingChanged,
    Event,
    HandoverCompleted,
    HandoverStarted,
    LinkChanged,
    PacketSent,
)

EPS = 1e-9
# The start is over by then: a run with no idle moment before it opens at t = 0 (the
# window does not run the engine further than this to look for one).
HORIZON_S = 30.0
# Packet kinds that are not signalling: they may be in flight at the idle moment.
DATA_KINDS = frozenset({"data"})
_GONE = ("deleted", "expired", "lost")


def first_scripted_s(scenario) -> float:
    """When the scenario first acts by itself (a move, failure, restore or injected
    packet); infinity when it never does."""
    times = [a.at_s for group in (scenario.moves, scenario.fails, scenario.restores,
                                  getattr(scenario, "injects", ()))
             for a in group]
    return min(times, default=math.inf)


def _cn_peers(scenario) -> dict[str, set[str]]:
    """MN -> the CNs it must hold a binding with before the moment is idle: those it
    exchanges a data flow with, when it does route optimisation."""
    roles = {n.name: n.role for n in scenario.nodes}
    ro = {n.name for n in scenario.nodes
          if n.role == "mn" and getattr(n, "route_optimization", False)}
    out: dict[str, set[str]] = {}
    for f in scenario.flows:
        for mn, other in ((f.source, f.destination), (f.destination, f.source)):
            if mn in ro and roles.get(other) == "cn":
                out.setdefault(mn, set()).add(other)
    return out


class IdleWatch:
    """Feed it a run's events in order (:meth:`feed`) and tell it where each simulated
    instant ends (:meth:`instant_done`); :attr:`index` is then the first idle moment
    found (-1: none yet), :meth:`settled` says whether looking further can change it."""

    def __init__(self, scenario, mn_names: Sequence[str] = ()) -> None:
        self.deadline_s = min(first_scripted_s(scenario), HORIZON_S)
        self.mn_names = set(mn_names) or {n.name for n in scenario.nodes if n.role == "mn"}
        self.cn_peers = _cn_peers(scenario)
        self.attached: set[str] = set()
        self.completed: set[str] = set()
        self.pending: set[tuple[str, str, str]] = set()  # (MN, peer, home address)
        self.bound: set[tuple[str, str]] = set()  # (MN, peer) with a binding in place
        self.signalling_until = 0.0  # when the last signalling hop sent so far arrives
        self.too_late = False  # the deadline passed or an MN handed over again
        self.basic = -1  # the first idle moment without the CN bindings
        self.full = -1  # ... with them

    @property
    def index(self) -> int:
        return self.full if self.full >= 0 else self.basic

    def settled(self) -> bool:
        return self.too_late or self.full >= 0 or (self.basic >= 0 and not self.cn_peers)

    def feed(self, e: Event) -> None:
        if e.t >= self.deadline_s - EPS:
            self.too_late = True
        if isinstance(e, PacketSent):
            if e.kind not in DATA_KINDS and e.arrive_t > self.signalling_until:
                self.signalling_until = e.arrive_t
        elif isinstance(e, BindingChanged):
            if e.table == "binding update list" and e.node in self.mn_names:
                key = (e.node, e.peer, e.home_address)
                if e.change == "pending":
                    self.pending.add(key)
                else:
                    self.pending.discard(key)
                    if e.change in _GONE or e.lifetime_s == 0:
                        self.bound.discard((e.node, e.peer))
                    else:
                        self.bound.add((e.node, e.peer))
        elif isinstance(e, LinkChanged) and e.node in self.mn_names:
            if e.up:
                self.attached.add(e.node)
        elif isinstance(e, HandoverStarted) and e.node in self.mn_names:
            if e.kind != "initial" and e.node in self.completed:
                self.too_late = True  # it moved: the start is over
        elif isinstance(e, HandoverCompleted) and e.node in self.mn_names:
            self.completed.add(e.node)

    def instant_done(self, i: int, t: float) -> None:
        """Event ``i`` at time ``t`` ends a simulated instant: is the run idle there?"""
        if self.too_late or self.settled():
            return
        if not self.completed or not self.attached <= self.completed or self.pending:
            return
        if self.signalling_until > t + EPS:
            return
        if self.basic < 0:
            self.basic = i
        if all((mn, cn) in self.bound for mn, cns in self.cn_peers.items() for cn in cns):
            self.full = i


def first_idle_index(trace: Sequence[Event], scenario,
                     mn_names: Sequence[str] = ()) -> int:
    """The index of the last event of the first idle instant of ``trace`` (see the
    module docstring); -1 when there is none before the scenario first acts. Its last
    instant counts as complete (as after ``Simulation.run``, which stops between
    instants)."""
    watch = IdleWatch(scenario, mn_names)
    n = len(trace)
    for i, e in enumerate(trace):
        watch.feed(e)
        if i + 1 == n or trace[i + 1].t > e.t + EPS:
            watch.instant_done(i, e.t)
        if watch.settled():
            break
    return watch.index


__all__ = ["IdleWatch", "first_idle_index", "first_scripted_s", "DATA_KINDS", "HORIZON_S"]
