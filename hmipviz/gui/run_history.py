"""One run as the window keeps it: the Simulation, its trace, snapshots and the user's
actions, with no Qt, so the lazy engine and the branching can be reasoned about (and
tested) apart from the timers and signals of :mod:`hmipviz.gui.controller`.

The engine runs lazily ahead, one simulated instant at a time, so it always stands at an
instant boundary. A snapshot is taken every ``snapshot_every`` engine steps (old ones are
thinned: :mod:`hmipviz.gui.snapshots`) and every user action is logged with its time.
Acting in the past restores the newest snapshot at or before that moment, re-runs the
engine up to it re-applying the logged actions at their times (it is deterministic, so
the same events come back) and discards the old future: a new branch, like an editor's
undo. The trace list object never changes, since every view holds it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hmipviz.engine.events import Event
from hmipviz.gui import engine_thread, snapshots
from hmipviz.timeline import (
    EPS,
    FlowSetting,
    LinkSetting,
    MapOptionSetting,
    Placement,
    Timeline,
    UserAction,
    cache_holders,
)

if TYPE_CHECKING:
    from hmipviz.sim import Snapshot

log = logging.getLogger("hmipviz.gui")

# After a user action near (or past) the scenario's end, playback may run this much
# longer, so the protocol has time to answer.
ACTION_GRACE_S = 5.0
# The longest history the window keeps, in events (issue 9 soak): about 0.7 kB each with
# what the views keep per event, so a run holds at most about 70 MB, and the longest
# synchronous re-run (a mode switch replaying the user's actions, a jump to the end)
# is bounded too; the run stops at the first instant boundary past it (the window says
# so). A classroom run is far shorter (campus's two minutes: 23,000 events);
# `hmipviz run --trace` records runs of any length in constant memory.
MAX_EVENTS = 100_000

F = TypeVar("F", bound=Callable[..., Any])


def _on_engine_thread(method: F) -> F:
    """Run a method that steps the engine (and so grows the history) on the engine's
    thread (:mod:`hmipviz.gui.engine_thread`: the history's objects then live in that
    thread's malloc arena); the callbacks it raised run afterwards on the caller's."""
    @functools.wraps(method)
    def run(self: RunHistory, *args: Any, **kwargs: Any) -> Any:
        if engine_thread.on_worker():
            return method(self, *args, **kwargs)
        try:
            return engine_thread.call(method, self, *args, **kwargs)
        finally:
            self._run_callbacks()
    return run  # type: ignore[return-value]


class RunHistory:
    """See the module docstring. ``sim`` None: nothing loaded (an empty trace)."""

    def __init__(self, sim=None, scenario=None, *, snapshot_every: int = 250,
                 stall_steps: int = 100_000, max_events: int = MAX_EVENTS) -> None:
        self.sim = sim
        self.scenario = scenario
        self.snapshot_every = snapshot_every
        # A snapshot copies every MN's state and many MNs make many steps: with n MNs
        # snapshots come n/2 times fewer steps apart (the same spacing in simulated
        # time), so their cost per step, and the pause one causes while playing, does
        # not grow with the MNs.
        self.snapshot_scale = max(1, len(getattr(sim, "mn_names", ()) or ()) // 2)
        # more engine items than this at one instant is a loop in the engine
        self.stall_steps = stall_steps
        self.trace: list[Event] = []
        # (engine time, actions applied so far, snapshot), oldest first
        self.snapshots: list[tuple[float, int, Snapshot]] = []
        # every user action on this branch, to re-apply after restoring an older snapshot
        self.log: list[tuple[float, Callable[[float], None]]] = []
        self.applied = 0
        self.steps_since_snapshot = 0
        self.stalled_t: float | None = None  # the engine looped here
        # the history reached max_events here: the run stops (a branch from earlier
        # may run on, up to the same limit)
        self.max_events = max_events
        self.full_t: float | None = None
        self.full_reported = False  # the window has said so once for this run
        self.on_full: Callable[[float], None] | None = None
        self.end_t = 0.0
        # Called with the engine time when the engine stalls (the controller pauses and
        # says so).
        self.on_stall: Callable[[float], None] | None = None
        # callbacks raised on the engine's thread, run on the caller's (Qt's) afterwards
        self._raised: list[tuple[Callable[[float], None], float]] = []
        if sim is None:
            self.timeline = Timeline(self.trace)
            return
        sim.trace = self.trace  # one list object for the whole run
        self.timeline = Timeline(self.trace, sim.mn_name, cache_holders(scenario.nodes),
                                 mobiles=getattr(sim, "mobiles", None))
        self.end_t = float(sim.duration_s)
        self.update_max_delay()
        self.record_scenario_settings()
        self.take_snapshot()

    # --- the engine ---------------------------------------------------------------------
    def _raise(self, callback: Callable[[float], None] | None, now: float) -> None:
        """Call ``callback(now)``; on the engine's thread only once back on the caller's."""
        if callback is None:
            return
        if engine_thread.on_worker():
            self._raised.append((callback, now))
        else:
            callback(now)

    def _run_callbacks(self) -> None:
        while self._raised:
            callback, now = self._raised.pop(0)
            callback(now)

    @_on_engine_thread
    def take_snapshot(self) -> None:
        self.snapshots.append((self.sim.now, self.applied, self.sim.snapshot()))
        snapshots.thin(self.snapshots)  # bounded memory: old ones ever sparser
        self.steps_since_snapshot = 0

    @_on_engine_thread
    def step_to(self, t: float, max_steps: int | None = None) -> bool:
        """Run every scheduler item at or before ``t``; the engine then stands at ``t``.
        With ``max_steps``, stop after that many items, at an instant boundary short of
        ``t`` (False). False too once the engine has stalled."""
        sim = self.sim
        if self.stalled_t is not None or self.full_t is not None:
            return False
        n = 0
        at_once = 0  # items run at this one instant
        while (nt := sim.next_time()) is not None and nt <= t + EPS:
            if max_steps is not None and n >= max_steps and nt > sim.now + EPS:
                self.timeline.index_new()
                return False
            if len(self.trace) >= self.max_events and nt > sim.now + EPS:
                self._full()
                return False
            at_once = at_once + 1 if nt <= sim.now + EPS else 0
            if at_once > self.stall_steps:
                self._stall()
                return False
            n += 1
            sim.step()
            self.steps_since_snapshot += 1
            # only at an instant boundary, so a restore never splits an instant
            if (self.steps_since_snapshot >= self.snapshot_every * self.snapshot_scale
                    and (sim.next_time() or math.inf) > sim.now + EPS):
                self.take_snapshot()
        if sim.now < t:
            sim.run(until_s=t)  # nothing left at or before t: just sets the clock
        self.timeline.index_new()
        return True

    def _stall(self) -> None:
        """The engine ran ``stall_steps`` items without its clock moving: a loop in the
        engine. The run ends there (step back, act or restart still work)."""
        sim = self.sim
        self.stalled_t = sim.now
        self.timeline.index_new()
        log.warning("engine stalled at t = %.6f s after %d items at one instant",
                    sim.now, self.stall_steps)
        self._raise(self.on_stall, sim.now)

    def _full(self) -> None:
        """The history holds ``max_events``: the run ends at this instant boundary
        (everything up to it stays; stepping back, acting earlier and restarting work)."""
        self.full_t = self.sim.now
        self.timeline.index_new()
        log.info("history full at t = %.6f s (%d events)", self.sim.now, len(self.trace))
        self._raise(self.on_full, self.sim.now)

    @_on_engine_thread
    def advance_instant(self) -> bool:
        """Run the engine through its next instant that records anything; False at the
        end of the run."""
        start = len(self.trace)
        sim = self.sim
        while len(self.trace) == start:
            nt = sim.next_time()
            if (nt is None or nt > self.end_t + EPS or self.stalled_t is not None
                    or self.full_t is not None):
                return False
            self.step_to(nt)
        return True

    def ensure(self, i: int) -> bool:
        """Make trace index ``i`` exist (stepping the engine); False past the end."""
        return len(self.trace) > i or self._ensure(i)

    @_on_engine_thread
    def _ensure(self, i: int) -> bool:
        while len(self.trace) <= i:
            if not self.advance_instant():
                return False
        return True

    @_on_engine_thread
    def advance_past(self, t: float) -> None:
        """Run instants until the trace holds an event later than ``t`` (``inf``: to the
        end of the run), in one call to the engine's thread."""
        trace = self.trace
        while (not trace or trace[-1].t <= t) and self.advance_instant():
            pass

    def finished(self) -> bool:
        """Nothing more will happen after the last event of the trace."""
        nt = self.sim.next_time() if self.sim else None
        return (nt is None or nt > self.end_t + EPS or self.stalled_t is not None
                or self.full_t is not None)

    # --- branches -------------------------------------------------------------------------
    def must_restore(self, t: float, position: int) -> bool:
        """Acting at ``t`` from ``position`` needs an older engine state: the engine has
        run past ``t`` or the trace shows events later than ``t`` after the position."""
        return self.sim.now > t + EPS or (position < len(self.trace) - 1 and
                                          self.trace[position + 1].t > t + EPS)

    @_on_engine_thread
    def restore_to(self, t: float) -> int:
        """Restore the newest snapshot at or before ``t``, cut the trace there, re-apply
        the logged actions up to ``t`` at their times and stand at ``t``. Returns the
        length the trace was cut to before the replay."""
        sim = self.sim
        k = len(self.snapshots) - 1
        while k > 0 and self.snapshots[k][0] > t + EPS:
            k -= 1
        _key, applied, snap = self.snapshots[k]
        del self.snapshots[k + 1:]
        sim.restore_snapshot(snap)
        self.stalled_t = None  # an earlier state: the new branch may not loop
        self.full_t = None  # and its history starts shorter than the limit
        del self.trace[snap.trace_len:]  # keep the one trace list object
        sim.trace = self.trace
        cut = len(self.trace)
        self.timeline.truncate(cut, t)
        # the old future goes; the actions up to t are re-applied where they were
        self.log = [a for a in self.log if a[0] <= t + EPS]
        self.applied = applied
        for t_a, apply in self.log[applied:]:
            self.step_to(t_a)
            apply(t_a)
            self.applied += 1
        self.step_to(t)
        return cut

    @_on_engine_thread
    def apply(self, t: float, apply: Callable[[float], None],
              placement: tuple[str | None, tuple[float, float] | None] | None = None,
              record: tuple[str, str | None] | None = None,
              settings: bool = False, mn: str = "") -> None:
        """Apply a user action at ``t`` (the engine stands there), log it for replays and
        record what the views fold: an MN placement (of ``mn``, "" the first), a
        move/fail/restore, settings."""
        before = len(self.trace)
        apply(t)
        self.log.append((t, apply))
        self.applied = len(self.log)
        if placement is not None:
            self.timeline.add_placement(Placement(before, t, placement[0], placement[1], mn))
        if record is not None:
            self.timeline.add_action(UserAction(before, t, record[0], record[1], mn))
        if settings:  # the change itself is in the trace: the timeline folds it
            self.update_max_delay()
        self.end_t = max(self.end_t, t + ACTION_GRACE_S)
        self.step_to(t)

    # --- settings -------------------------------------------------------------------------
    def update_max_delay(self) -> None:
        links = self.sim.topology.links()
        access = self.sim.config.access_link_delay_ms
        delay = max([link.delay_ms for link in links] + [access]) / 1000.0
        self.timeline.note_max_delay(delay)

    def flow_running(self) -> bool:
        sim = self.sim
        return bool(sim and hasattr(sim, "flow_running") and sim.flow_running())

    def record_scenario_settings(self) -> None:
        """Record the teacher's settings as the scenario sets them (MAP options, links,
        the flow switch), at index -1. Every later change is a trace event
        (MapOptionChanged, LinkParamsChanged, FlowToggled) that the timeline folds, so
        views show the values of the position they draw, not the live engine's."""
        sim, tl = self.sim, self.timeline
        for name, node in sim.nodes.items():
            for a in getattr(node, "advertised", ()):
                tl.add_teacher_change(
                    MapOptionSetting(-1, 0.0, name, a.map_name, a.pref, a.lifetime_s))
        for link in sim.topology.links():
            tl.add_teacher_change(LinkSetting(-1, 0.0, link.a, link.b, link.delay_ms,
                                              link.loss))
        tl.add_teacher_change(FlowSetting(-1, 0.0, self.flow_running()))

    # --- saving -----------------------------------------------------------------------------
    def user_actions(self) -> list[tuple[float, str, str | None]]:
        """(time, verb, target) of the moves, fails and restores on this branch."""
        return [(a.t, a.verb, a.target) for a in self.timeline.user_actions()]

    def scenario_with_actions(self, mode: str | None):
        """The scenario with this branch's moves, fails and restores in its time line
        (what "Save scenario" writes, so a demonstration can be replayed)."""
        from hmipviz.scenario import MoveSpec, NodeActionSpec
        sc = self.scenario
        moves = list(sc.moves)
        fails = list(sc.fails)
        restores = list(sc.restores)
        several = self.sim is not None and len(self.sim.mn_names) > 1
        first = self.sim.mn_name if self.sim else ""
        for a in self.timeline.user_actions():
            t, verb, target = round(a.t, 6), a.verb, a.target
            if verb == "move":
                # name the MN only where the file has several (one MN: as before)
                mn = (a.mn or first) if several else None
                moves.append(MoveSpec(at_s=t, to=target, mn=mn))
            elif verb == "fail" and target is not None:
                fails.append(NodeActionSpec(at_s=t, node=target))
            elif verb == "restore" and target is not None:
                restores.append(NodeActionSpec(at_s=t, node=target))
        last = max((t for t, _verb, _target in self.user_actions()), default=None)
        duration = sc.duration_s if last is None else max(sc.duration_s, last + ACTION_GRACE_S)
        return dataclasses.replace(
            sc, moves=tuple(sorted(moves, key=lambda m: m.at_s)),
            fails=tuple(sorted(fails, key=lambda m: m.at_s)),
            restores=tuple(sorted(restores, key=lambda m: m.at_s)),
            mode=mode or sc.mode, duration_s=duration)


__all__ = ["RunHistory", "ACTION_GRACE_S", "MAX_EVENTS"]
