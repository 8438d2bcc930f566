"""Two runs on one clock: the compare view's time lock.

Each side of the compare view is a :class:`LockedController`, a
:class:`~hmipviz.gui.controller.QtController` that never plays by itself: the
:class:`CompareDriver` tells both sides which simulated time to show, so one scrubber
and one play button drive both canvases. Playback is paced as in the main window (a
segment between two instants lasts ``HOP_MS / speed`` scaled by the largest fraction of
a hop covered), over the instants and the hops in flight of *both* runs, so a Mobile
IPv6 BU travelling to the HA is animated even while the HMIPv6 side is idle.

A user action on either side (a drag of the MN, a node failed or restored) goes to the
driver, which applies it to both sides at the same simulated time: the two runs always
hold the same actions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from hmipviz.compare import MODES
from hmipviz.engine.events import PacketSent
from hmipviz.gui.controller import QtController
from hmipviz.gui.playback import EPS, FRAME_MS, Segment, WallClock

log = logging.getLogger("hmipviz.gui")


class LockedController(QtController):
    """A controller whose displayed time is set from outside (:meth:`show_time`) and
    whose user actions are handed to ``on_action`` (the driver) instead of applied."""

    def __init__(self, scenario=None, parent: QObject | None = None, *,
                 mode: str | None = None) -> None:
        self._shown_t: float | None = None
        # called with (method name, arguments, keywords) for a user action; None: apply
        # it here
        self.on_action: Callable[[str, tuple, dict], None] | None = None
        super().__init__(scenario, parent, mode=mode)
        self.autoplay_on_action = False
        self.follow_playback = True

    def load(self, scenario, *, mode: str | None = None) -> None:
        self._shown_t = None
        super().load(scenario, mode=mode)

    def display_time(self) -> float:
        if self._shown_t is not None:
            return self._shown_t
        return super().display_time()

    def show_time(self, t: float) -> None:
        """Show simulated time ``t``: every event at or before it, tokens drawn at ``t``
        (between two instants too)."""
        if self.sim is None:
            return
        self._engine().advance_past(t + EPS)  # in one call: gui/engine_thread.py
        self._emit_extended()
        self._shown_t = t
        i = self.index_at_time(t)
        if i != self.position:
            self._moved_to(i)
        self.frameAdvanced.emit(t)

    def next_time_after(self, t: float) -> float | None:
        """The time of the first instant later than ``t`` (running the engine to it);
        None once the run has nothing more."""
        i = self.index_at_time(t) + 1
        if not self._ensure(i):
            return None
        return self.trace[i].t

    def hops_in_flight(self) -> list[tuple[float, float]]:
        """(sent, arrive) of every hop in flight after the position shown."""
        hops = (self.trace[j] for j in self.in_flight_at(self.position))
        return [(e.t, e.arrive_t) for e in hops if isinstance(e, PacketSent)]

    def select(self, i: int, *, seek: bool = True) -> None:
        # a click selects without moving this side away from the other
        super().select(i, seek=False)

    # the user's actions go to the driver, which applies them on both sides (the
    # arguments pass through as given, whatever the base class's signature grows)
    def move_mn(self, *args, **kwargs) -> None:
        self._hand_over("move_mn", args, kwargs)

    def fail_node(self, *args, **kwargs) -> None:
        self._hand_over("fail_node", args, kwargs)

    def restore_node(self, *args, **kwargs) -> None:
        self._hand_over("restore_node", args, kwargs)

    def _hand_over(self, name: str, args: tuple, kwargs: dict) -> None:
        if self.on_action is None:
            getattr(QtController, name)(self, *args, **kwargs)
        else:
            self.on_action(name, args, kwargs)


class CompareDriver(QObject):
    """One clock for both sides: play, pause, seek, speed. Quacks like a controller for
    :class:`~hmipviz.gui.playback.FakeClock` (``playing``, ``pause``, ``frame``,
    ``clock_ms``, ``frames_from_timer``)."""

    timeChanged = Signal(float)
    playingChanged = Signal(bool)
    actionApplied = Signal(str)

    def __init__(self, sides: dict[str, LockedController], parent: QObject | None = None):
        super().__init__(parent)
        self.sides = sides
        self.t = 0.0
        self.speed = 1.0
        self._seg: Segment | None = None
        self._playing = False
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.frame)
        self.clock_ms: Callable[[], float] = WallClock()
        self.frames_from_timer = True
        for side in sides.values():
            side.on_action = self.act

    # --- state ------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    def display_time(self) -> float:
        seg = self._seg
        return seg.time_at(self.clock_ms()) if seg is not None else self.t

    def end_time(self) -> float:
        return max((c.end_time for c in self.sides.values()), default=0.0)

    def at_end(self) -> bool:
        return all(c.next_time_after(self.t) is None for c in self.sides.values())

    # --- moving the time ----------------------------------------------------------------
    def show(self, t: float) -> None:
        """Both sides at simulated time ``t``."""
        self.t = t
        for side in self.sides.values():
            side.show_time(t)
        self.timeChanged.emit(t)

    def _show_between(self, t: float) -> None:
        for side in self.sides.values():
            side.show_time(t)
        self.timeChanged.emit(t)

    def seek(self, t: float) -> None:
        self._seg = None
        self.show(max(0.0, min(float(t), self.end_time())))

    def reset(self) -> None:
        self.pause()
        self.seek(0.0)

    def step(self) -> bool:
        """To the next instant of either run, at once (pausing); False at the end."""
        self.pause()
        nxt = self._next_time()
        if nxt is None:
            return False
        self.show(nxt)
        return True

    def _next_time(self) -> float | None:
        times = [x for c in self.sides.values() if (x := c.next_time_after(self.t)) is not None]
        return min(times) if times else None

    def set_speed(self, x: float) -> None:
        x = max(0.1, min(10.0, float(x)))
        seg = self._seg
        if seg is not None:
            seg.rescale(self.speed / x, self.clock_ms())
        self.speed = x

    # --- playback -----------------------------------------------------------------------
    def play(self) -> None:
        if self._playing or self.at_end():
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
        if self._seg is not None:  # freeze where the segment started: both sides agree
            self._seg = None
            self.show(self.t)
        self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def frame(self) -> None:
        """One animation frame (the timer's slot; a FakeClock calls it)."""
        try:
            self._frame()
        except Exception:  # never let a timer slot take the window down
            log.exception("compare playback stopped")
            self.pause()

    def _frame(self) -> None:
        seg = self._seg
        if seg is not None:
            u = seg.progress(self.clock_ms())
            if u < 1.0:
                self._show_between(seg.time_at(self.clock_ms()))
                return
            self._seg = None
            self.show(seg.t1)
        else:
            nxt = self._next_time()
            if nxt is None:
                self.pause()
                return
            hops = [h for c in self.sides.values() for h in c.hops_in_flight()]
            seg = Segment.between(self.t, nxt, hops, self.speed, self.clock_ms())
            if seg is not None:
                self._seg = seg
                return
            self.show(nxt)  # nothing moves: the instant is applied at once
        if self.at_end():
            self.pause()

    # --- the user's actions -------------------------------------------------------------
    def act(self, name: str, args: tuple, kwargs: dict | None = None) -> None:
        """Apply a user action (a :class:`QtController` method) to both sides at the
        time shown, then go on playing from there."""
        t = self.display_time()
        self._seg = None
        self.t = t
        for side in self.sides.values():
            side._shown_t = t
            getattr(QtController, name)(side, *args, **(kwargs or {}))
        self.show(t)
        self.actionApplied.emit(f"{name.replace('_', ' ')} at t = {t:.3f} s, in both runs")
        if not self._playing:
            self.play()


def make_sides(scenario, actions, parent: QObject | None = None) -> dict[str, LockedController]:
    """One :class:`LockedController` per mode, each with ``actions`` replayed."""
    sides = {}
    for mode in MODES:
        side = LockedController(scenario, parent, mode=mode)
        side.replay(actions)
        sides[mode] = side
    return sides


__all__ = ["LockedController", "CompareDriver", "make_sides"]
