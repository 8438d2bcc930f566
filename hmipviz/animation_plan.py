"""Which moment of a run each frame of an exported animation shows (no Qt).

An animation export replays the window's playback (:mod:`hmipviz.gui.controller`,
:mod:`hmipviz.gui.pacing`) on a virtual clock instead of the wall clock, so the video
looks like the window playing at that speed and the same run always gives the same
frames:

- between two consecutive instants of the trace, the packets in flight move along
  their hops; the stretch lasts ``HOP_MS / speed`` scaled by the largest fraction of a
  hop any of them covers in it, so one hop takes about 600 ms at 1x whatever its real
  delay (a handover takes milliseconds of simulated time and would not be seen at all
  in real time);
- an instant with nothing in flight is applied at once (idle gaps are skipped);
- when MNs walk on their own (a mobility model), simulated time also runs at least at
  ``MOVING_RATE`` x speed, idle gaps included, so they are seen to walk.

The plan is a list of :class:`Frame` (the trace position shown and the display time)
sampled every ``1000 / fps`` ms of that clock, then the final state at ``to_s``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# Equal to hmipviz.gui.playback.HOP_MS and hmipviz.gui.pacing.MOVING_RATE (those modules
# import Qt; tests/gui/test_animation_export.py checks the values agree).
HOP_MS = 600.0
MOVING_RATE = 1.0
EPS = 1e-9
MIN_SPEED, MAX_SPEED = 0.1, 10.0
MAX_FPS = 60.0
MAX_FRAMES = 3000  # about 3 minutes at 15 fps: more is a mistake, not a figure
HOLD_MS = 1000  # the first and last frames stay this much longer (before and after)


class PlanError(ValueError):
    """Times, frame rate or speed that make no animation; the message says which."""


class _Hop(Protocol):
    t: float
    arrive_t: float


class PlanSource(Protocol):
    """What the plan reads of a run: :class:`hmipviz.timeline.Timeline` answers it."""

    @property
    def trace(self) -> Sequence[object]: ...

    def group_range(self, i: int) -> tuple[int, int]: ...

    def in_flight_at(self, i: int) -> list[int]: ...

    def index_at_time(self, t: float) -> int: ...


@dataclass(frozen=True)
class Frame:
    """One frame: the state after trace event ``position``, tokens drawn at
    ``time_s``; shown from ``at_ms`` of the virtual clock."""

    position: int
    time_s: float
    at_ms: float


@dataclass(frozen=True)
class Stretch:
    """``duration_ms`` of the virtual clock from ``start_ms`` during which the state
    after ``position`` is shown and display time runs from ``t0_s`` to ``t1_s``."""

    start_ms: float
    duration_ms: float
    position: int
    t0_s: float
    t1_s: float


@dataclass(frozen=True)
class AnimationPlan:
    frames: tuple[Frame, ...]
    total_ms: float  # the virtual clock at the final state
    fps: float

    def durations_ms(self, unit_ms: int = 1, hold_ms: int = HOLD_MS) -> list[int]:
        """How long each frame is shown, in multiples of ``unit_ms`` (GIF counts in
        10 ms), rounded so the sum stays on the clock; the first and the last frame
        also hold ``hold_ms``, so a looping animation shows the state before and after."""
        step = 1000.0 / self.fps
        edges = [f.at_ms + hold_ms for f in self.frames[1:]]
        edges.append(self.frames[-1].at_ms + step + 2 * hold_ms)
        out, shown = [], 0
        for edge in edges:
            end = max(shown + unit_ms, round(edge / unit_ms) * unit_ms)
            out.append(end - shown)
            shown = end
        return out


def check_request(from_s: float, to_s: float, fps: float, speed: float) -> None:
    """Raise :class:`PlanError` naming the option that makes no animation."""
    if not (math.isfinite(from_s) and from_s >= 0):
        raise PlanError(f"--from {from_s:g}: must be a time of at least 0 s")
    if not (math.isfinite(to_s) and to_s > from_s):
        raise PlanError(f"--to {to_s:g}: must be later than --from {from_s:g}")
    if not (0 < fps <= MAX_FPS):
        raise PlanError(f"--fps {fps:g}: must be more than 0 and at most {MAX_FPS:g}")
    if not (MIN_SPEED <= speed <= MAX_SPEED):
        raise PlanError(f"--speed {speed:g}: must be between {MIN_SPEED:g} and {MAX_SPEED:g} "
                        "(as the window's speed control)")


def _stretch_ms(source: PlanSource, pos: int, t0: float, t1: float, speed: float,
                walking: bool) -> float:
    """How long the window takes from display time ``t0`` to ``t1`` after ``pos``."""
    if t1 <= t0 + EPS:
        return 0.0
    frac = 0.0
    for j in source.in_flight_at(pos):
        hop: _Hop = source.trace[j]  # type: ignore[assignment]  # in flight: a PacketSent
        if hop.arrive_t <= t0 + EPS:
            continue  # arrived before this stretch (a start between two instants)
        frac = max(frac, min(1.0, (t1 - t0) / max(hop.arrive_t - hop.t, EPS)))
    hop_ms = HOP_MS / speed * frac if frac > 0 else (math.inf if walking else 0.0)
    if walking:
        return min(hop_ms, (t1 - t0) * 1000.0 / (MOVING_RATE * speed))
    return hop_ms


def pacing(source: PlanSource, from_s: float, to_s: float, speed: float = 1.0,
           walking: bool = False) -> tuple[list[Stretch], int]:
    """The stretches of the virtual clock from ``from_s`` to ``to_s`` (the trace must
    reach past ``to_s``), and the position of the final state."""
    trace = source.trace
    pos = source.index_at_time(from_s)
    t = from_s
    clock = 0.0
    out: list[Stretch] = []
    while True:
        nxt = pos + 1
        t_next = trace[nxt].t if nxt < len(trace) else math.inf  # type: ignore[attr-defined]
        end = min(t_next, to_s)
        d = _stretch_ms(source, pos, t, end, speed, walking)
        if d > 0:
            out.append(Stretch(clock, d, pos, t, end))
            clock += d
        if t_next > to_s:
            return out, pos
        pos = source.group_range(nxt)[1]
        t = t_next


def plan_frames(source: PlanSource, from_s: float, to_s: float, fps: float,
                speed: float = 1.0, walking: bool = False) -> AnimationPlan:
    """The frames of an animation from ``from_s`` to ``to_s`` at ``fps`` frames per
    second of the virtual clock, playing at ``speed`` (see the module docstring)."""
    check_request(from_s, to_s, fps, speed)
    stretches, final_pos = pacing(source, from_s, to_s, speed, walking)
    total = stretches[-1].start_ms + stretches[-1].duration_ms if stretches else 0.0
    step = 1000.0 / fps
    count = int(total / step + EPS) + 1
    if count + 2 > MAX_FRAMES:
        raise PlanError(f"{from_s:g} s to {to_s:g} s plays for {total / 1000:.1f} s at speed "
                        f"{speed:g}: {count} frames at {fps:g} fps, more than {MAX_FRAMES}; "
                        "raise --speed, lower --fps or shorten --from/--to")
    starts = [s.start_ms for s in stretches]
    # the state at from_s first, before an idle gap is skipped (it is held a while)
    frames = [Frame(source.index_at_time(from_s), from_s, 0.0)]
    for k in range(count):
        at = k * step
        i = bisect.bisect_right(starts, at) - 1
        if i < 0 or at >= starts[i] + stretches[i].duration_ms:
            break  # the stretches are back to back: past the last one
        s = stretches[i]
        u = (at - s.start_ms) / s.duration_ms
        frame = Frame(s.position, s.t0_s + (s.t1_s - s.t0_s) * u, at)
        if k or (frame.position, frame.time_s) != (frames[0].position, frames[0].time_s):
            frames.append(frame)
    frames.append(Frame(final_pos, to_s, total))  # every sampled frame is before it
    return AnimationPlan(tuple(frames), total, fps)


__all__ = ["AnimationPlan", "Frame", "PlanError", "PlanSource", "Stretch", "check_request",
           "pacing", "plan_frames", "HOP_MS", "MOVING_RATE", "MAX_FRAMES", "HOLD_MS"]
