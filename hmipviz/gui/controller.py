"""The one controller: owns the Simulation, the playback clock and the history.

Every view takes a :class:`QtController` in its ``__init__``, reads the trace through it
and asks it to act; none holds protocol state of its own (architecture rule 7).

Position and history
    ``position`` is the index of the last trace event that is *shown* (-1 before the
    first). Everything a view draws is a function of the trace up to ``position``,
    answered by :mod:`hmipviz.timeline` (caches, the MN's link, tokens in flight, the
    teacher's settings; see :mod:`hmipviz.gui.timeline_queries`). Stepping back is
    ``position - 1``; nothing in the engine changes. The lazy engine, its snapshots
    and the branches a user action in the past starts live in
    :mod:`hmipviz.gui.run_history` (no Qt either).

Playback (ui.md: motion)
    Event-paced: between two consecutive instants of the trace, the packets in flight
    move along their links; the segment lasts ``HOP_MS / speed`` scaled by the largest
    fraction of a hop any token covers in it, so one hop takes about 600 ms at 1x
    whatever its real delay, and concurrent hops stay in simulated-time order.
    Instants with nothing in flight are applied at once (idle gaps are skipped).
    When MNs move on their own (a mobility model), simulated time also runs at least
    at ``MOVING_RATE`` x speed (simulated seconds per second), idle gaps included, so
    the MNs are seen to walk: hop pacing alone would run a campus of pinging MNs at a
    few hundredths of real time and show them standing still. Slower speeds still
    show every token's hop.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from hmipviz.engine.events import Event, PacketSent
from hmipviz.gui import engine_thread, release
from hmipviz.gui.event_words import (
    event_direction,
    event_kind,
    event_rfc,
    event_text,
    event_verb,
)
from hmipviz.gui.idle_moment import RegistrationWatch
from hmipviz.gui.mode_switch import ModeSwitch
from hmipviz.gui.pacing import WalkPacing
from hmipviz.gui.playback import FRAME_MS, HOP_MS, Segment, WallClock
from hmipviz.gui.run_history import MAX_EVENTS, RunHistory
from hmipviz.gui.timeline_queries import TimelineQueries
from hmipviz.timeline import CacheRow, CachesAt, Placement, Timeline

if TYPE_CHECKING:
    from hmipviz.sim import Simulation

log = logging.getLogger("hmipviz.gui")

SNAPSHOT_EVERY = 250
# More engine items than this at one simulated instant is a loop in the engine: the
# controller stops the run there rather than freeze the window (about a second).
STALL_STEPS = 100_000
MIN_SPEED, MAX_SPEED = 0.1, 10.0
# The longest history the window keeps (gui/run_history.py; tests lower it)
HISTORY_MAX_EVENTS = MAX_EVENTS


class QtController(TimelineQueries, WalkPacing, ModeSwitch, QObject):
    """See the module docstring. Signals other widgets rely on keep these names."""

    scenarioLoaded = Signal()
    traceExtended = Signal(int)  # new trace length (after a branch it may be shorter)
    traceTruncated = Signal(int)  # a branch discarded the future: new length
    positionChanged = Signal(int)
    selectionChanged = Signal(int)
    playingChanged = Signal(bool)
    errorOccurred = Signal(str)
    speedChanged = Signal(float)
    frameAdvanced = Signal(float)  # display time, on every animation frame
    modeChanged = Signal(str)
    actionApplied = Signal(str)  # plain words, for the status bar
    mnSelected = Signal(str)  # the MN the views are filtered to ("": show all)

    def __init__(self, scenario=None, parent: QObject | None = None, *,
                 mode: str | None = None) -> None:
        super().__init__(parent)
        self.scenario = None
        self.sim = None
        self.mode = mode
        self.animate = True  # False: play applies instants as fast as it can
        self.autoplay_on_action = True  # dragging while paused starts playback
        # The selection follows the message on screen as playback moves (so the
        # inspector shows the packet travelling); an explicit select() wins until the
        # position moves again.
        self.follow_playback = True
        # Asked after each instant while playback runs without animation or jumps to
        # the next idle moment: True stops there (the lesson player stops at the
        # instant its step is done, so the next step begins from that moment).
        self.stop_when: Callable[[], bool] | None = None
        self._speed = 1.0
        self._playing = False
        self._position = -1
        self._selected = -1
        self._selected_mn = ""
        self._seg: Segment | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_tick)
        # Milliseconds that pace the animation: the wall clock, or a FakeClock
        # (hmipviz.gui.playback) that tests and benchmarks step by hand; then
        # frames_from_timer is False and the frames come from the clock's frame().
        self.clock_ms: Callable[[], float] = WallClock()
        self.frames_from_timer = True
        # the run of the other mode, kept while the user looks at this one: mode ->
        # (history, position, selection, the actions it was run with)
        self._runs: dict[str, tuple[RunHistory, int, int, tuple]] = {}
        self._reset_history()
        if scenario is not None:
            self.load(scenario, mode=mode)

    # ============================================================================
    # loading
    # ============================================================================
    def _reset_history(self, sim=None, scenario=None) -> None:
        # made on the engine's thread, with what it steps (gui/engine_thread.py)
        self._history = engine_thread.call(RunHistory, sim, scenario)
        self._history.on_stall = self._stall
        self._history.on_full = self._full
        self._emitted_len = 0

    @property
    def timeline(self) -> Timeline:
        """Every answer about the trace at an index (:mod:`hmipviz.timeline`, no Qt)."""
        return self._history.timeline

    @property
    def _snapshots(self) -> list:
        return self._history.snapshots

    @property
    def _stalled_t(self) -> float | None:
        return self._history.stalled_t

    @property
    def history_full_t(self) -> float | None:
        """Where the run stopped because its history reached ``MAX_EVENTS`` (None: it
        did not)."""
        return self._history.full_t

    def _engine(self) -> RunHistory:
        """The run, with this module's limits (tests lower them)."""
        h = self._history
        h.snapshot_every, h.stall_steps = SNAPSHOT_EVERY, STALL_STEPS
        h.max_events = HISTORY_MAX_EVENTS
        return h

    def load(self, scenario, *, mode: str | None = None) -> None:
        """Start over on ``scenario`` (in ``mode``, default the scenario's own)."""
        from hmipviz.sim import Simulation

        self.pause()
        self._seg = None
        if mode is not None:
            self.mode = mode
        elif scenario is not self.scenario:
            self.mode = None
        sim = engine_thread.call(Simulation, scenario, mode=self.mode)
        if len(self.trace) >= release.LARGE_TRACE_EVENTS:
            # once the views have dropped the old history too: back to the system
            QTimer.singleShot(250, release.release_freed_memory)
        self.scenario = scenario
        self.sim = sim
        self.mode = sim.mode
        self._runs = {}  # a new scenario or a restart: the other mode's run goes too
        self._reset_history(sim, scenario)
        self._position = -1
        self._selected = -1
        self._selected_mn = ""
        self.scenarioLoaded.emit()
        self.traceExtended.emit(0)
        self.positionChanged.emit(-1)
        self.selectionChanged.emit(-1)
        self.modeChanged.emit(self.mode)
        self.mnSelected.emit("")

    def restart(self) -> None:
        """The same scenario from the beginning, dropping every user action."""
        if self.scenario is not None:
            self.load(self.scenario, mode=self.mode)

    # ============================================================================
    # read-only state
    # ============================================================================
    @property
    def trace(self) -> list[Event]:
        return self._history.trace

    @property
    def position(self) -> int:
        return self._position

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def end_time(self) -> float:
        return self._history.end_t

    @property
    def mn_name(self) -> str:
        return self.sim.mn_name if self.sim else ""

    @property
    def mn_names(self) -> list[str]:
        """Every MN, in scenario order."""
        return list(self.sim.mn_names) if self.sim else []

    @property
    def selected_mn(self) -> str:
        """The MN the views are filtered to ("": show all)."""
        return self._selected_mn

    def select_mn(self, name: str | None) -> None:
        """Filter the event list, the ladder and the caches to ``name`` and highlight
        it on the canvas (None or "": show all)."""
        name = name or ""
        if name and name not in self.mn_names:
            raise ValueError(f"no mobile node {name!r} in this scenario")
        if name != self._selected_mn:
            self._selected_mn = name
            self.mnSelected.emit(name)
            if name and self.mn_of(self._selected) != name:
                # the inspector and the caption show the chosen MN's latest message
                j = next((k for k in range(self._position, -1, -1)
                          if self.mn_of(k) == name and isinstance(self.trace[k], PacketSent)),
                         -1)
                self.select(j, seek=False)

    def display_time(self) -> float:
        """The simulated time on screen: interpolated while a segment animates."""
        seg = self._seg
        if seg is not None:
            return seg.time_at(self.clock_ms())
        return self.time_at(self._position)

    def animating(self) -> bool:
        return self._seg is not None

    def at_end(self) -> bool:
        """Nothing more will happen: the position is the last event of a finished run."""
        if self._position < len(self.trace) - 1:
            return False
        return self._history.finished()

    # ============================================================================
    # selection and position
    # ============================================================================
    def select(self, i: int, *, seek: bool = True) -> None:
        """Select event ``i`` everywhere (-1: nothing); by default playback jumps there."""
        i = int(i)
        if i >= len(self.trace):
            i = -1
        if seek and i >= 0:
            self.pause()
            self._set_position(i, follow=False)
        if i != self._selected:
            self._selected = i
            self.selectionChanged.emit(i)

    def seek(self, i: int) -> None:
        """Show the state after event ``i`` (running the engine forward if needed)."""
        i = max(-1, int(i))
        self._seg = None
        if i >= len(self.trace):
            self._ensure(i)
            i = min(i, len(self.trace) - 1)
        self._set_position(i)

    def seek_time(self, t: float) -> None:
        """Show the state at simulated time ``t`` (the scrubber)."""
        self._seg = None
        t = max(0.0, min(float(t), self.end_time))
        self._engine().advance_past(t)  # in one call: gui/engine_thread.py
        self._emit_extended()
        self._set_position(self.index_at_time(t))

    def step_forward(self) -> bool:
        """One event forward (pausing playback); False at the end."""
        self.pause()
        nxt = self._position + 1
        if not self._ensure(nxt):
            return False
        self._set_position(nxt)
        return True

    def step_back(self) -> bool:
        self.pause()
        if self._position < 0:
            return False
        self._set_position(self._position - 1)
        return True

    def reset(self) -> None:
        """Back to the start of the history (the history itself is kept)."""
        self.pause()
        self._set_position(-1)

    def jump_to_next_idle(self, max_events: int = 20000, max_ms: int = 1500) -> bool:
        """Apply instants until no packet is in flight and no MN is registering (at least
        one instant); at most ``max_events`` events or ``max_ms`` of work (a flow keeps
        packets in flight)."""
        self._seg = None
        start = self._position
        moved = False
        clock = QElapsedTimer()
        clock.start()
        watch = RegistrationWatch(self.trace, start, self.mn_names)
        while self._position - start < max_events and clock.elapsed() < max_ms:
            nxt = self._position + 1
            if not self._ensure(nxt, emit=False):
                break
            self._position = self.group_range(nxt)[1]
            moved = True
            if self._should_stop() or not (self.in_flight_at(self._position) or
                                           watch.at(self._position)):
                break  # idle: nothing in flight and no MN registering (gui/idle_moment.py)
        self._emit_extended()  # once for the whole jump (see _ensure)
        if moved:
            self._moved_to(self._position)
            self.frameAdvanced.emit(self.display_time())
        return moved

    def _should_stop(self) -> bool:
        try:
            return bool(self.stop_when is not None and self.stop_when())
        except Exception:  # a broken hook must not stop playback for good
            log.exception("stop_when failed")
            return False

    def discard_future(self) -> None:
        """Cut the history after the position shown: the engine goes back to that moment
        (the end of its instant) and what came later, user actions included, is gone.
        The lesson player starts a step where the previous one was done."""
        if self.sim is None or not 0 <= self._position < len(self.trace) - 1:
            return
        self.pause()
        self._seg = None
        self._branch_to(self.time_at(self._position))
        self._set_position(len(self.trace) - 1)

    def run_to_end(self) -> None:
        """Show everything up to the end of the run, without animation."""
        self._seg = None
        self._engine().advance_past(math.inf)
        self._emit_extended()
        self._set_position(len(self.trace) - 1)

    def advance_to(self, t: float, max_steps: int | None = None) -> bool:
        """Run the engine up to simulated time ``t`` and show every event so far (a
        lesson's ``run_for_s``); the run's end moves on when ``t`` is past it. With
        ``max_steps``, stop after that many engine steps (Show me runs a long span in
        slices from the event loop): True once the engine stands at ``t``."""
        if self.sim is None:
            return True
        self._seg = None
        t = max(float(t), self.sim.now)
        reached = self._engine().step_to(t, max_steps)
        h = self._history
        h.end_t = max(h.end_t, t if reached else self.sim.now)
        self._emit_extended()
        self._set_position(len(self.trace) - 1)
        return reached

    def _set_position(self, i: int, follow: bool = True) -> None:
        i = max(-1, min(i, len(self.trace) - 1))
        self._seg = None
        changed = i != self._position
        self._position = i
        if changed:
            self.positionChanged.emit(i)
            if follow:
                self._follow()
        self.frameAdvanced.emit(self.display_time())

    def _moved_to(self, i: int) -> None:
        """Playback put the position at ``i``: tell the views, let the selection follow."""
        self._position = i
        self.positionChanged.emit(i)
        self._follow()

    def _follow(self) -> None:
        if not self.follow_playback:
            return
        i = self.current_message(self._position)  # the chosen MN's, if one is chosen
        if self._selected_mn and i >= 0 and self.mn_of(i) != self._selected_mn:
            return  # nothing of the chosen MN's here: the selection stays
        if i != self._selected:
            self._selected = i
            self.selectionChanged.emit(i)

    # ============================================================================
    # playback
    # ============================================================================
    def play(self) -> None:
        if self._playing or self.sim is None:
            return
        if self.at_end():
            return
        self._playing = True
        if self.frames_from_timer:
            self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        if self._seg is not None:
            # freeze at the instant the segment started from: state = position
            self._seg = None
            self.frameAdvanced.emit(self.display_time())
        self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, x: float) -> None:
        x = max(MIN_SPEED, min(MAX_SPEED, float(x)))
        if abs(x - self._speed) < 1e-9:
            return
        seg = self._seg
        if seg is not None:  # keep the progress made, go on at the new pace
            seg.rescale(self._speed / x, self.clock_ms())
        self._speed = x
        self.speedChanged.emit(x)

    def frame(self) -> None:
        """One animation frame of playback (the timer's slot; a FakeClock calls it)."""
        self._on_tick()

    def _on_tick(self) -> None:
        try:
            self._tick()
        except Exception as exc:  # never let a timer slot take the window down
            self.pause()
            log.exception("playback stopped")
            self.errorOccurred.emit(f"Playback stopped: {exc}")

    def _tick(self) -> None:
        if not self.animate:
            clock = QElapsedTimer()
            clock.start()
            moved = False
            while clock.elapsed() < 12:
                nxt = self._position + 1
                if not self._ensure(nxt, emit=False):
                    break
                self._position = self.group_range(nxt)[1]
                moved = True
                if self._should_stop():
                    break
            self._emit_extended()  # once per frame (see _ensure)
            if moved:
                self.positionChanged.emit(self._position)
                self.frameAdvanced.emit(self.display_time())
            if self.at_end():
                self.pause()
                self._follow()
            return
        if self._mns_walk():
            self._walk_tick()
            return
        seg = self._seg
        if seg is not None:
            u = seg.progress(self.clock_ms())
            if u < 1.0:
                self.frameAdvanced.emit(seg.t0 + (seg.t1 - seg.t0) * u)
                return
            self._seg = None
            nxt = self._position + 1
            if self._ensure(nxt):
                self._moved_to(self.group_range(nxt)[1])
            self.frameAdvanced.emit(self.display_time())
            if self.at_end():
                self.pause()
            return
        self._start_next()

    def _start_next(self) -> None:
        """Animate towards the next instant, or apply it at once if nothing moves."""
        nxt = self._position + 1
        if not self._ensure(nxt):
            self.pause()
            return
        t0 = self.display_time()
        seg = self._next_segment(t0, self.trace[nxt].t)  # pacing.py (signalling focus)
        if seg is not None:
            self._seg = seg
            self.frameAdvanced.emit(t0)
            return
        self._moved_to(self.group_range(nxt)[1])
        self.frameAdvanced.emit(self.display_time())
        if self.at_end():
            self.pause()

    # ============================================================================
    # user actions (each may start a new branch)
    # ============================================================================
    def move_mn(self, ar: str | None, point: tuple[float, float] | None = None,
                mn: str | None = None) -> None:
        """The user moved ``mn`` (default: the first MN) to ``ar``'s cell (None:
        outside every cell), dropping it at ``point`` (metres) if given. An MN with a
        moving model stops there (``Simulation.place``): the engine holds where it is."""
        if ar is not None and ar not in self._live_sim().nodes:
            raise ValueError(f"no access router {ar!r} in this scenario")
        mn = mn or self.mn_name
        if mn not in self._live_sim().mn_names:
            raise ValueError(f"no mobile node {mn!r} in this scenario")
        several = len(self._live_sim().mn_names) > 1
        who = mn if several else "MN"
        label = f"{who} moves to {ar}" if ar else f"{who} leaves every cell: no link"
        moving = mn in self._live_sim().mobility.trajectories

        def apply(t: float) -> None:
            if moving and point is not None:
                self._live_sim().place(mn, point[0], point[1], at_s=t)
                if ar is not None and self._live_sim().mobile_node(mn).ar == ar:
                    return  # put down in the cell it is on: the link layer stays
            self._live_sim().move(ar, at_s=t, mn=mn if several else None)

        self._act(label, apply, placement=(ar, point), record=("move", ar),
                  mn=mn if several else "")

    def fail_node(self, name: str) -> None:
        self._act(f"{name} fails", lambda t: self._live_sim().fail(name, at_s=t),
                  record=("fail", name))

    def restore_node(self, name: str) -> None:
        self._act(f"{name} is restored", lambda t: self._live_sim().restore(name, at_s=t),
                  record=("restore", name))

    def user_actions(self) -> list[tuple[float, str, str | None]]:
        """(time, verb, target) of the moves, fails and restores on this branch."""
        return self._history.user_actions()

    def scenario_with_actions(self):
        """The scenario with this branch's moves, fails and restores in its time line
        (what "Save scenario" writes, so a demonstration can be replayed)."""
        return self._history.scenario_with_actions(self.mode)

    def set_link(self, a: str, b: str, delay_ms: float | None = None,
                 loss: float | None = None) -> None:
        self._act(f"link {a}-{b} changed",
                  lambda t: self._live_sim().set_link(a, b, delay_ms=delay_ms, loss=loss),
                  settings=True)

    def set_map_option(self, ar: str, map_name: str, pref: int | None = None,
                       lifetime_s: int | None = None) -> None:
        self._act(f"{ar}'s MAP option for {map_name} changed",
                  lambda t: self._live_sim().set_map_option(ar, map_name, pref=pref,
                                                    lifetime_s=lifetime_s),
                  settings=True)

    def inject(self, node: str, data: bytes) -> None:
        """``node`` sends these bytes, a whole IPv6 packet (as a scenario's [[inject]];
        a lesson's spoofed binding update)."""
        data = bytes(data)
        self._act(f"{node} sends a forged {len(data)}-byte packet",
                  lambda t: self._live_sim().inject(node, data, at_s=t))

    def flow_running(self) -> bool:
        """Whether the live engine's flow is on (see :meth:`flow_running_at`)."""
        return self._history.flow_running()

    def set_flow(self, running: bool) -> None:
        """Start or stop the data flow(s)."""
        self._act("data flow " + ("started" if running else "stopped"),
                  lambda t: self._live_sim().set_flows(running), settings=True)

    def _live_sim(self) -> Simulation:
        """The open scenario's simulation: the actions above run only with one."""
        if self.sim is None:
            raise RuntimeError("no scenario is open")
        return self.sim

    def _act(self, label: str, apply: Callable[[float], None],
             placement: tuple[str | None, tuple[float, float] | None] | None = None,
             record: tuple[str, str | None] | None = None,
             settings: bool = False, mn: str = "") -> None:
        if self.sim is None:
            return
        t = self.display_time()
        self._seg = None
        self._branch_to(t)
        self._engine().apply(t, apply, placement, record, settings, mn)
        self._emit_extended()
        self._moved_to(len(self.trace) - 1)
        self.frameAdvanced.emit(self.display_time())
        self.actionApplied.emit(f"{label} at t = {t:.3f} s")
        if self.autoplay_on_action and not self._playing:
            self.play()

    def _branch_to(self, t: float) -> None:
        """Make the engine stand exactly at time ``t``, discarding anything later."""
        h = self._engine()
        if not h.must_restore(t, self._position):
            h.step_to(t)
            self._emit_extended()
            return
        old_len = len(self.trace)
        cut = h.restore_to(t)
        if self._position >= cut:
            self._position = cut - 1
        if len(self.trace) < old_len:
            self._emitted_len = min(self._emitted_len, len(self.trace))
            self.traceTruncated.emit(len(self.trace))
        self._emit_extended(force=True)
        if self._selected >= len(self.trace):
            self._selected = -1
            self.selectionChanged.emit(-1)

    # ============================================================================
    # the engine
    # ============================================================================
    def _stall(self, _now: float) -> None:
        """The engine ran STALL_STEPS items without its clock moving: a loop in the
        engine. Stop there (the window stays usable: step back, act, restart) and say
        so, instead of freezing."""
        self.pause()
        self.errorOccurred.emit(
            f"The engine stopped making progress at t = {_now:.6f} s ({STALL_STEPS:,} "
            "items at one instant, a bug in the engine): the run ends there. Step back "
            "and act differently, or restart.")

    def _full(self, now: float) -> None:
        """The history reached MAX_EVENTS: the run stops at ``now`` and the window says
        so, once per history with a dialog, afterwards in the status bar."""
        from hmipviz.gui.history_limit import full_message
        self.pause()
        h = self._history
        text = full_message(now, len(self.trace), h.max_events,
                            getattr(self.scenario, "name", "") or "SCENARIO")
        if h.full_reported:
            self.actionApplied.emit(text.split("\n")[0])
            return
        h.full_reported = True
        self.errorOccurred.emit(text)

    def _advance_instant(self, emit: bool = True) -> bool:
        """Run the engine through its next instant that records anything."""
        if not self._engine().advance_instant():
            return False
        if emit:
            self._emit_extended()
        return True

    def _ensure(self, i: int, emit: bool = True) -> bool:
        """Make trace index ``i`` exist (stepping the engine); False past the end.
        Views hear of the new events once, however many instants it took; with
        ``emit=False`` not yet: a fast loop (a frame without animation, a jump to the
        next idle moment) tells them once at its end, so the event list and the ladder
        catch up once per frame rather than once per instant (commuters: 16,800 ladder
        updates in 30 simulated seconds before, one per frame now)."""
        if i < 0:
            return True
        ok = self._engine().ensure(i)
        if emit:
            self._emit_extended()
        return ok

    def _emit_extended(self, force: bool = False) -> None:
        n = len(self.trace)
        if n != self._emitted_len or force:
            self._emitted_len = n
            self.traceExtended.emit(n)


__all__ = ["QtController", "CacheRow", "CachesAt", "Placement", "event_text", "event_kind",
           "event_direction", "event_rfc", "event_verb", "HOP_MS"]
