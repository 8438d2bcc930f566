"""The one controller: owns the Simulation, the playback clock and the history.

Every view takes a :class:`QtController` in its ``__init__``, reads the trace through it
and asks it to act; none holds protocol state of its own (architecture rule 7).

Position and history
    ``position`` is the index of the last trace event that is *shown* (-1 before the
    first). Everything a view draws is a function of the trace up to ``position``:
    binding caches (folding ``BindingChanged``), the MN's access router (folding
    ``LinkChanged``), tokens in flight (``PacketSent`` hops not yet arrived). Stepping
    back is ``position - 1``; nothing in the engine changes.

    The engine runs lazily ahead: showing an event past the end of the trace steps the
    engine one simulated instant (all scheduler items at the same time) at a time, so
    the engine always stands at an instant boundary. A snapshot is taken every
    ``SNAPSHOT_EVERY`` engine steps (at most ``snapshots.MAX_SNAPSHOTS`` are kept, old
    ones thinned: :mod:`hmipviz.gui.snapshots`), and every user action is logged with
    its time.
    Acting while in the past (or in the middle of an animation) restores the newest
    snapshot at or before that moment, re-runs the engine up to it, re-applying the
    logged actions at their times (it is deterministic, so the same events come back),
    discards the old future and applies the action: a new branch, like an editor's
    undo.

Playback (ui.md: motion)
    Event-paced: between two consecutive instants of the trace, the packets in flight
    move along their links; the segment lasts ``HOP_MS / speed`` scaled by the largest
    fraction of a hop any token covers in it, so one hop takes about 600 ms at 1x
    whatever its real delay, and concurrent hops stay in simulated-time order.
    Instants with nothing in flight are applied at once (idle gaps are skipped).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from hmipviz.engine.events import Event, PacketSent
from hmipviz.gui import release, snapshots
from hmipviz.gui.event_words import (  # noqa: F401  (re-exported: views import them here)
    event_direction,
    event_kind,
    event_rfc,
    event_text,
    event_verb,
)
from hmipviz.timeline import (  # noqa: F401  (re-exported)
    EPS,
    CacheRow,
    CachesAt,
    FlowToggled,
    LinkParamsChanged,
    MapOptionChanged,
    Placement,
    Timeline,
    UserAction,
    cache_holders,
)

log = logging.getLogger("hmipviz.gui")

HOP_MS = 600.0
FRAME_MS = 16
SNAPSHOT_EVERY = 250
# More engine items than this at one simulated instant is a loop in the engine: the
# controller stops the run there rather than freeze the window (about a second).
STALL_STEPS = 100_000
MIN_SPEED, MAX_SPEED = 0.1, 10.0
# After a user action near (or past) the scenario's end, playback may run this much
# longer, so the protocol has time to answer.
ACTION_GRACE_S = 5.0


# --- playback segments ---------------------------------------------------------------
@dataclass
class _Segment:
    t0: float
    t1: float
    duration_ms: float
    start_ms: float = 0.0  # the controller's clock_ms() when this segment (re)started
    u0: float = 0.0  # progress already made before the clock started (speed changes)


class QtController(QObject):
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
        self._seg: _Segment | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_tick)
        # Wall-clock milliseconds that pace the animation; benchmarks/memory_gui.py puts
        # a fake clock here to play ten minutes of demo in less.
        self._wall = QElapsedTimer()
        self._wall.start()
        self.clock_ms: Callable[[], float] = lambda: float(self._wall.elapsed())
        self._reset_history()
        if scenario is not None:
            self.load(scenario, mode=mode)

    # ============================================================================
    # loading
    # ============================================================================
    def _reset_history(self) -> None:
        self._trace_list: list[Event] = []
        # (engine time, actions applied so far, snapshot), oldest first
        self._snapshots: list[tuple[float, int, object]] = []
        # every user action on this branch, to re-apply after restoring an older snapshot
        self._log: list[tuple[float, Callable[[float], None]]] = []
        self._applied = 0
        self._steps_since_snapshot = 0
        self._stalled_t: float | None = None  # the engine looped here (see _stall)
        self._end_t = 0.0
        # every answer about the trace at an index (hmipviz.timeline, no Qt)
        self.timeline = Timeline(self._trace_list)
        self._emitted_len = 0

    def load(self, scenario, *, mode: str | None = None) -> None:
        """Start over on ``scenario`` (in ``mode``, default the scenario's own)."""
        from hmipviz.sim import Simulation

        self.pause()
        self._seg = None
        if mode is not None:
            self.mode = mode
        elif scenario is not self.scenario:
            self.mode = None
        sim = Simulation(scenario, mode=self.mode)
        if len(self._trace_list) >= release.LARGE_TRACE_EVENTS:
            # once the views have dropped the old history too: back to the system
            QTimer.singleShot(250, release.release_freed_memory)
        self.scenario = scenario
        self.sim = sim
        self.mode = sim.mode
        self._reset_history()
        sim.trace = self._trace_list  # one list object for the whole session
        self.timeline = Timeline(self._trace_list, sim.mn_name, cache_holders(scenario.nodes))
        self._end_t = float(sim.duration_s)
        self._update_max_delay()
        self._record_settings(-1, 0.0)
        self._take_snapshot()
        self._position = -1
        self._selected = -1
        self.scenarioLoaded.emit()
        self.traceExtended.emit(0)
        self.positionChanged.emit(-1)
        self.selectionChanged.emit(-1)
        self.modeChanged.emit(self.mode)

    def restart(self) -> None:
        """The same scenario from the beginning, dropping every user action."""
        if self.scenario is not None:
            self.load(self.scenario, mode=self.mode)

    def set_mode(self, mode: str) -> None:
        """HMIPv6 / Mobile IPv6: restarts the scenario in that mode."""
        if mode not in ("hmipv6", "mipv6"):
            raise ValueError(f"unknown mode {mode!r}: hmipv6 or mipv6")
        if self.scenario is not None:
            self.load(self.scenario, mode=mode)

    # ============================================================================
    # read-only state
    # ============================================================================
    @property
    def trace(self) -> list[Event]:
        return self._trace_list

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
        return self._end_t

    @property
    def mn_name(self) -> str:
        return self.sim.mn_name if self.sim else ""

    def event_at(self, i: int) -> Event | None:
        return self.trace[i] if 0 <= i < len(self.trace) else None

    def time_at(self, i: int) -> float:
        return self.trace[i].t if 0 <= i < len(self.trace) else 0.0

    def display_time(self) -> float:
        """The simulated time on screen: interpolated while a segment animates."""
        seg = self._seg
        if seg is not None:
            return seg.t0 + (seg.t1 - seg.t0) * self._seg_progress(seg)
        return self.time_at(self._position)

    def animating(self) -> bool:
        return self._seg is not None

    def at_end(self) -> bool:
        """Nothing more will happen: the position is the last event of a finished run."""
        if self._position < len(self.trace) - 1:
            return False
        nt = self.sim.next_time() if self.sim else None
        return nt is None or nt > self._end_t + EPS or self._stalled_t is not None

    def group_range(self, i: int) -> tuple[int, int]:
        """First and last trace index of the simulated instant event ``i`` belongs to."""
        return self.timeline.group_range(i)

    def index_at_time(self, t: float) -> int:
        """The last trace index with time <= ``t`` (-1 if none)."""
        return self.timeline.index_at_time(t)

    def packet_bytes(self, i: int) -> bytes | None:
        e = self.event_at(i)
        return e.data if isinstance(e, PacketSent) else None

    def mn_ar_at(self, i: int) -> str | None:
        """The AR the MN's link layer is on after event ``i`` (None: no link)."""
        return self.timeline.mn_ar_at(i)

    def node_up_at(self, i: int) -> dict[str, bool]:
        """Each node that failed at some point, and whether it is up after event ``i``."""
        return self.timeline.node_up_at(i)

    def cache_nodes(self) -> list[str]:
        """Nodes holding a binding cache (see :meth:`Timeline.cache_nodes`)."""
        return self.timeline.cache_nodes()

    def caches_at(self, i: int) -> CachesAt:
        """Every binding cache and the MN's binding update list after event ``i``."""
        return self.timeline.caches_at(i)

    def binding_changes_between(self, a: int, b: int) -> list[int]:
        """Indices of BindingChanged events in (a, b]."""
        return self.timeline.binding_changes_between(a, b)

    def in_flight_at(self, i: int) -> list[int]:
        """Trace indices of PacketSent hops under way after event ``i``."""
        return self.timeline.in_flight_at(i)

    def current_message(self, i: int | None = None) -> int:
        """The event the caption describes at position ``i`` (default: the position)."""
        return self.timeline.current_message(self._position if i is None else i)

    def placement_at(self, i: int) -> Placement | None:
        """The latest user drop of the MN that holds after event ``i``."""
        return self.timeline.placement_at(i)

    def mn_links(self) -> list[tuple[int, str | None]]:
        return self.timeline.mn_links()

    def map_option_at(self, i: int, ar: str, map_name: str) -> MapOptionChanged | None:
        """The MAP option ``ar`` advertised for ``map_name`` after event ``i``."""
        return self.timeline.map_option_at(i, ar, map_name)

    def link_params_at(self, i: int, a: str, b: str) -> LinkParamsChanged | None:
        """The delay and loss of link ``a``-``b`` after event ``i``."""
        return self.timeline.link_params_at(i, a, b)

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
        t = max(0.0, min(float(t), self._end_t))
        while (not self.trace or self.trace[-1].t <= t) and self._advance_instant(emit=False):
            pass
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
        """Apply instants until no packet is in flight (at least one instant); at most
        ``max_events`` events or ``max_ms`` of work (a flow keeps packets in flight)."""
        self._seg = None
        start = self._position
        moved = False
        clock = QElapsedTimer()
        clock.start()
        while self._position - start < max_events and clock.elapsed() < max_ms:
            nxt = self._position + 1
            if not self._ensure(nxt):
                break
            self._position = self.group_range(nxt)[1]
            moved = True
            if not self.in_flight_at(self._position) or self._should_stop():
                break
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
        while self._advance_instant(emit=False):
            pass
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
        reached = self._step_engine_to(t, max_steps)
        self._end_t = max(self._end_t, t if reached else self.sim.now)
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
        i = self.current_message(self._position)
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
            u = self._seg_progress(seg)
            seg.duration_ms = seg.duration_ms * self._speed / x
            seg.u0 = u
            seg.start_ms = self.clock_ms()
        self._speed = x
        self.speedChanged.emit(x)

    def _seg_progress(self, seg: _Segment) -> float:
        if seg.duration_ms <= 0:
            return 1.0
        elapsed = self.clock_ms() - seg.start_ms
        return min(1.0, seg.u0 + (1 - seg.u0) * elapsed / seg.duration_ms)

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
                if not self._ensure(nxt):
                    break
                self._position = self.group_range(nxt)[1]
                moved = True
                if self._should_stop():
                    break
            if moved:
                self.positionChanged.emit(self._position)
                self.frameAdvanced.emit(self.display_time())
            if self.at_end():
                self.pause()
                self._follow()
            return
        seg = self._seg
        if seg is not None:
            u = self._seg_progress(seg)
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
        flying = self.in_flight_at(self._position)
        t0 = self.display_time()
        t1 = self.trace[nxt].t
        if flying and t1 > t0 + EPS:
            frac = 0.0
            for j in flying:
                e = self.trace[j]
                span = max(e.arrive_t - e.t, EPS)
                frac = max(frac, min(1.0, (t1 - t0) / span))
            seg = _Segment(t0, t1, HOP_MS / self._speed * frac, self.clock_ms())
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
    def move_mn(self, ar: str | None, point: tuple[float, float] | None = None) -> None:
        """The user moved the MN to ``ar``'s cell (None: outside every cell)."""
        if ar is not None and ar not in self.sim.nodes:
            raise ValueError(f"no access router {ar!r} in this scenario")
        label = f"MN moves to {ar}" if ar else "MN leaves every cell: no link"
        self._act(label, lambda t: self.sim.move(ar, at_s=t), placement=(ar, point),
                  record=("move", ar))

    def fail_node(self, name: str) -> None:
        self._act(f"{name} fails", lambda t: self.sim.fail(name, at_s=t),
                  record=("fail", name))

    def restore_node(self, name: str) -> None:
        self._act(f"{name} is restored", lambda t: self.sim.restore(name, at_s=t),
                  record=("restore", name))

    def user_actions(self) -> list[tuple[float, str, str | None]]:
        """(time, verb, target) of the moves, fails and restores on this branch."""
        return [(a.t, a.verb, a.target) for a in self.timeline.user_actions()]

    def scenario_with_actions(self):
        """The scenario with this branch's moves, fails and restores in its time line
        (what "Save scenario" writes, so a demonstration can be replayed)."""
        import dataclasses

        from hmipviz.scenario import MoveSpec, NodeActionSpec
        sc = self.scenario
        moves = list(sc.moves)
        fails = list(sc.fails)
        restores = list(sc.restores)
        for t, verb, target in self.user_actions():
            t = round(t, 6)
            if verb == "move":
                moves.append(MoveSpec(at_s=t, to=target))
            elif verb == "fail":
                fails.append(NodeActionSpec(at_s=t, node=target))
            elif verb == "restore":
                restores.append(NodeActionSpec(at_s=t, node=target))
        last = max((t for t, _verb, _target in self.user_actions()), default=None)
        duration = sc.duration_s if last is None else max(sc.duration_s, last + ACTION_GRACE_S)
        return dataclasses.replace(
            sc, moves=tuple(sorted(moves, key=lambda m: m.at_s)),
            fails=tuple(sorted(fails, key=lambda m: m.at_s)),
            restores=tuple(sorted(restores, key=lambda m: m.at_s)),
            mode=self.mode or sc.mode, duration_s=duration)

    def set_link(self, a: str, b: str, delay_ms: float | None = None,
                 loss: float | None = None) -> None:
        self._act(f"link {a}-{b} changed",
                  lambda t: self.sim.set_link(a, b, delay_ms=delay_ms, loss=loss),
                  settings=True)
        self._update_max_delay()

    def set_map_option(self, ar: str, map_name: str, pref: int | None = None,
                       lifetime_s: int | None = None) -> None:
        self._act(f"{ar}'s MAP option for {map_name} changed",
                  lambda t: self.sim.set_map_option(ar, map_name, pref=pref,
                                                    lifetime_s=lifetime_s),
                  settings=True)

    def inject(self, node: str, data: bytes) -> None:
        """``node`` sends these bytes, a whole IPv6 packet (as a scenario's [[inject]];
        a lesson's spoofed binding update)."""
        data = bytes(data)
        self._act(f"{node} sends a forged {len(data)}-byte packet",
                  lambda t: self.sim.inject(node, data, at_s=t))

    def flow_running_at(self, i: int) -> bool:
        """Whether the data flow was switched on after event ``i`` (from the trace's
        records, so stepping back shows the earlier state)."""
        return bool(self.timeline.flow_running_at(i))

    def flow_running(self) -> bool:
        sim = self.sim
        return bool(sim and hasattr(sim, "flow_running") and sim.flow_running())

    def set_flow(self, running: bool) -> None:
        """Start or stop the data flow(s)."""
        self._act("data flow " + ("started" if running else "stopped"),
                  lambda t: self.sim.set_flows(running), settings=True)

    def _act(self, label: str, apply: Callable[[float], None],
             placement: tuple[str | None, tuple[float, float] | None] | None = None,
             record: tuple[str, str | None] | None = None,
             settings: bool = False) -> None:
        if self.sim is None:
            return
        t = self.display_time()
        self._seg = None
        self._branch_to(t)
        before = len(self.trace)
        apply(t)
        self._log.append((t, apply))
        self._applied = len(self._log)
        if placement is not None:
            self.timeline.add_placement(Placement(before, t, placement[0], placement[1]))
        if record is not None:
            self.timeline.add_action(UserAction(before, t, record[0], record[1]))
        if settings:
            self._record_settings(before, t)
        self._end_t = max(self._end_t, t + ACTION_GRACE_S)
        self._step_engine_to(t)
        self._emit_extended()
        self._moved_to(len(self.trace) - 1)
        self.frameAdvanced.emit(self.display_time())
        self.actionApplied.emit(f"{label} at t = {t:.3f} s")
        if self.autoplay_on_action and not self._playing:
            self.play()

    def _branch_to(self, t: float) -> None:
        """Make the engine stand exactly at time ``t``, discarding anything later."""
        sim = self.sim
        if sim.now > t + EPS or self._position < len(self.trace) - 1 and \
                self.trace[self._position + 1].t > t + EPS:
            k = len(self._snapshots) - 1
            while k > 0 and self._snapshots[k][0] > t + EPS:
                k -= 1
            _key, applied, snap = self._snapshots[k]
            del self._snapshots[k + 1:]
            old_len = len(self.trace)
            sim.restore_snapshot(snap)
            self._stalled_t = None  # an earlier state: the new branch may not loop
            # keep the one trace list object every view holds
            del self._trace_list[snap.trace_len:]
            sim.trace = self._trace_list
            self._truncate_index(len(self.trace), t)
            # the old future goes; the actions up to t are re-applied where they were
            self._log = [a for a in self._log if a[0] <= t + EPS]
            self._applied = applied
            for t_a, apply in self._log[applied:]:
                self._step_engine_to(t_a)
                apply(t_a)
                self._applied += 1
            self._step_engine_to(t)
            if len(self.trace) < old_len:
                self._emitted_len = min(self._emitted_len, len(self.trace))
                self.traceTruncated.emit(len(self.trace))
            self._emit_extended(force=True)
            if self._selected >= len(self.trace):
                self._selected = -1
                self.selectionChanged.emit(-1)
        else:
            self._step_engine_to(t)
            self._emit_extended()

    # ============================================================================
    # the engine
    # ============================================================================
    def _take_snapshot(self) -> None:
        self._snapshots.append((self.sim.now, self._applied, self.sim.snapshot()))
        snapshots.thin(self._snapshots)  # bounded memory: old ones ever sparser
        self._steps_since_snapshot = 0

    def _step_engine_to(self, t: float, max_steps: int | None = None) -> bool:
        """Run every scheduler item at or before ``t``; the engine then stands at ``t``.
        With ``max_steps``, stop after that many items, at an instant boundary short of
        ``t`` (False)."""
        sim = self.sim
        if self._stalled_t is not None:
            return False
        n = 0
        at_once = 0  # items run at this one instant
        while (nt := sim.next_time()) is not None and nt <= t + EPS:
            if max_steps is not None and n >= max_steps and nt > sim.now + EPS:
                self._index_new()
                return False
            at_once = at_once + 1 if nt <= sim.now + EPS else 0
            if at_once > STALL_STEPS:
                self._stall()
                return False
            n += 1
            sim.step()
            self._steps_since_snapshot += 1
            if self._steps_since_snapshot >= SNAPSHOT_EVERY:
                # only at an instant boundary, so a restore never splits an instant
                if (sim.next_time() or math.inf) > sim.now + EPS:
                    self._take_snapshot()
        if sim.now < t:
            sim.run(until_s=t)  # nothing left at or before t: just sets the clock
        self._index_new()
        return True

    def _stall(self) -> None:
        """The engine ran STALL_STEPS items without its clock moving: a loop in the
        engine. Stop there (the window stays usable: step back, act, restart) and say
        so, instead of freezing."""
        sim = self.sim
        self._stalled_t = sim.now
        self._index_new()
        log.warning("engine stalled at t = %.6f s after %d items at one instant",
                    sim.now, STALL_STEPS)
        self.pause()
        self.errorOccurred.emit(
            f"The engine stopped making progress at t = {sim.now:.6f} s ({STALL_STEPS:,} "
            "items at one instant, a bug in the engine): the run ends there. Step back "
            "and act differently, or restart.")

    def _advance_instant(self, emit: bool = True) -> bool:
        """Run the engine through its next instant that records anything."""
        start = len(self.trace)
        sim = self.sim
        while len(self.trace) == start:
            nt = sim.next_time()
            if nt is None or nt > self._end_t + EPS or self._stalled_t is not None:
                return False
            self._step_engine_to(nt)
        if emit:
            self._emit_extended()
        return True

    def _ensure(self, i: int) -> bool:
        """Make trace index ``i`` exist (stepping the engine); False past the end.
        Views hear of the new events once, however many instants it took."""
        if i < 0:
            return True
        ok = True
        while len(self.trace) <= i:
            if not self._advance_instant(emit=False):
                ok = False
                break
        self._emit_extended()
        return ok

    def _emit_extended(self, force: bool = False) -> None:
        n = len(self.trace)
        if n != self._emitted_len or force:
            self._emitted_len = n
            self.traceExtended.emit(n)

    def _update_max_delay(self) -> None:
        links = self.sim.topology.links() if self.sim else []
        access = self.sim.config.access_link_delay_ms if self.sim else 0.0
        delay = max([link.delay_ms for link in links] + [access]) / 1000.0
        self.timeline.note_max_delay(delay)

    def _record_settings(self, index: int, t: float) -> None:
        """Record the teacher's settings as the engine now has them (MAP options, links,
        the flow switch) from trace length ``index`` on, where they changed, so views
        show the values of the position they draw, not the live engine's."""
        sim, tl = self.sim, self.timeline
        known = {(c.ar, c.map_name): c for c in tl.teacher_changes()
                 if isinstance(c, MapOptionChanged)}
        for name, node in sim.nodes.items():
            for a in getattr(node, "advertised", ()):
                rec = MapOptionChanged(index, t, name, a.map_name, a.pref, a.lifetime_s)
                old = known.pop((name, a.map_name), None)
                if old is None or (old.pref, old.lifetime_s) != (rec.pref, rec.lifetime_s):
                    tl.add_teacher_change(rec)
        links = {(c.a, c.b): c for c in tl.teacher_changes()
                 if isinstance(c, LinkParamsChanged)}
        for link in sim.topology.links():
            old = links.get((link.a, link.b))
            if old is None or (old.delay_ms, old.loss) != (link.delay_ms, link.loss):
                tl.add_teacher_change(
                    LinkParamsChanged(index, t, link.a, link.b, link.delay_ms, link.loss))
        running = self.flow_running()
        if tl.flow_running_at(len(self.trace)) != running:
            tl.add_teacher_change(FlowToggled(index, t, running))

    # --- indexes --------------------------------------------------------------------
    def _index_new(self) -> None:
        self.timeline.index_new()

    def _truncate_index(self, n: int, t: float | None = None) -> None:
        self.timeline.truncate(n, t)
        if self._position >= n:
            self._position = n - 1


__all__ = ["QtController", "CacheRow", "CachesAt", "Placement", "event_text", "event_kind",
           "event_direction", "event_rfc", "event_verb", "HOP_MS"]
