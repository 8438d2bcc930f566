"""Playback pacing: the animated segment between two instants, the walking pace used
when MNs move on their own, signalling focus and the first idle moment a scenario opens
at (mixed into :class:`hmipviz.gui.controller.QtController`; see its module docstring
for the rules).

Hop pacing makes one hop last about ``HOP_MS`` at 1x whatever its real delay, so a
handover can be followed token by token. When MNs move on their own that alone would
run a campus of pinging MNs at a few hundredths of real time and show them standing
still, so simulated time then also runs at least at ``MOVING_RATE`` x speed (idle gaps
included): every instant whose turn has passed by the wall clock is applied in the same
frame, with one ``positionChanged`` for all of them.

Signalling focus (issue 13 item 5): with ``signalling_focus`` on, each hop in flight
plays at its kind's factor of :data:`hmipviz.gui.playback.FOCUS_SPEED` (data 5x), so
a segment lasts as long as its slowest *signalling* hop needs and data hops pass
quickly; the window turns it on in presentation mode.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer

from hmipviz.engine.events import PacketSent
from hmipviz.first_idle import IdleWatch
from hmipviz.gui.controller_core import ControllerCore
from hmipviz.gui.playback import HOP_MS, Segment, focus_factor
from hmipviz.timeline import EPS

# With moving MNs: simulated seconds per wall-clock second at 1x, at the least.
MOVING_RATE = 1.0


class WalkPacing(ControllerCore):
    """The pacing half of the controller (needs its trace, position, speed, clock)."""

    # data hops at FOCUS_SPEED (the window's View menu; on in presentation mode)
    signalling_focus = False

    def set_signalling_focus(self, on: bool) -> None:
        """From the next segment on, data hops play at their focus factor (or not)."""
        self.signalling_focus = bool(on)

    def hop_factors(self, flying: list[PacketSent]) -> list[float]:
        """Each hop's speed factor under the current signalling focus setting."""
        return [focus_factor(e.kind, self.signalling_focus) for e in flying]

    def _next_segment(self, t0: float, t1: float) -> Segment | None:
        """The segment from the position (shown at ``t0``) to the next instant ``t1``."""
        flying = [e for j in self.in_flight_at(self._position)
                  if isinstance(e := self.trace[j], PacketSent)]
        return Segment.between(t0, t1, [(e.t, e.arrive_t) for e in flying], self._speed,
                               self.clock_ms(), self.hop_factors(flying))

    def _hop_ms(self, flying: list[int], t0: float, t1: float) -> float:
        """How long the tokens in ``flying`` take from ``t0`` to ``t1`` on screen (as
        :meth:`Segment.between`: the slowest class of hop in flight sets the pace)."""
        hops = [e for j in flying if isinstance(e := self.trace[j], PacketSent)]
        seg = Segment.between(t0, t1, [(e.t, e.arrive_t) for e in hops], self._speed, 0.0,
                              self.hop_factors(hops))
        return seg.duration_ms if seg is not None else 0.0

    def seek_first_idle(self, max_events: int = 20_000) -> bool:
        """Show the first idle moment after the initial registration
        (:mod:`hmipviz.first_idle`), running the engine just far enough; False, and
        the position unchanged, when the run has none before the scenario first acts."""
        if self.scenario is None or self.sim is None:
            return False
        watch = IdleWatch(self.scenario, list(self.sim.mn_names))
        trace, fed = self.trace, 0
        while True:
            n = len(trace)
            for i in range(fed, n):
                watch.feed(trace[i])
                later = trace[i + 1].t if i + 1 < n else self.sim.next_time()
                if later is None or later > trace[i].t + EPS:
                    watch.instant_done(i, trace[i].t)
            fed = n
            if watch.settled() or n > max_events or not self._engine().advance_instant():
                break
        self._emit_extended()
        if watch.index < 0:
            return False
        self.pause()
        self._seg = None
        self._set_position(watch.index)
        return True

    def _walk_ms(self, pos: int, t1: float) -> float:
        """With walking MNs: the screen time from the position ``pos`` to ``t1``, hop
        pacing capped by simulated time running at MOVING_RATE x speed."""
        t0 = self.time_at(pos)
        if t1 <= t0 + EPS:
            return 0.0
        flying = self.in_flight_at(pos)
        hop = self._hop_ms(flying, t0, t1) if flying else math.inf
        return min(hop, (t1 - t0) * 1000.0 / (MOVING_RATE * self._speed))

    def _walk_tick(self) -> None:
        """Playback while MNs walk: every instant whose turn has passed by the wall
        clock is applied in this frame (one positionChanged for all of them), then the
        next one is animated towards, from where the clock says it has got to."""
        now = self.clock_ms()
        seg, spare, pos, moved = self._seg, 0.0, self._position, False
        if seg is not None:
            u = seg.progress(now)
            if u < 1.0:
                self.frameAdvanced.emit(seg.t0 + (seg.t1 - seg.t0) * u)
                return
            spare = max(0.0, now - seg.start_ms - seg.duration_ms * (1 - seg.u0))
            self._seg = None
            if self._engine().ensure(pos + 1):
                pos, moved = self.group_range(pos + 1)[1], True
        clock = QElapsedTimer()
        clock.start()
        while clock.elapsed() < 8:
            nxt = pos + 1
            if not self._engine().ensure(nxt):
                break
            d = self._walk_ms(pos, self.trace[nxt].t)
            if d > spare:
                self._seg = Segment(self.time_at(pos), self.trace[nxt].t, d, now - spare)
                break
            spare -= d
            pos, moved = self.group_range(nxt)[1], True
        self._emit_extended()  # the views hear of this frame's new events once
        if moved:
            self._moved_to(pos)
        self.frameAdvanced.emit(self.display_time())
        if self.at_end():
            self.pause()

    def _mns_walk(self) -> bool:
        """Some MN moves on its own (its mobility model), so time must be seen to pass."""
        sim = self.sim
        return bool(sim is not None and getattr(sim, "mobility", None) is not None
                    and sim.mobility.trajectories)


__all__ = ["WalkPacing", "HOP_MS", "MOVING_RATE"]
