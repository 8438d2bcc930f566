"""Mobility models and radio cells: where an MN is at any time and which AR it hears.

Positions are in metres on a flat plane, x to the right and y downwards, as the
canvas draws them (the canvas maps one metre to one pixel at zoom 1). An AR's cell is
a disc of ``radius`` metres around its position.

A model is a piecewise-linear path (:class:`Trajectory`) made of :class:`Leg`s:

- ``still`` (the default): the MN stays where it is;
- ``waypoints``: straight legs through a list of points at ``speed_mps``, once or in a
  loop;
- ``random_waypoint``: a random point of ``area``, a speed drawn from ``speed_mps``,
  a pause drawn from ``pause_s``, again; every draw comes from the generator the
  simulator seeds from the scenario's seed and the MN's name, so a run is repeatable.

Pure functions of the scenario, time and a seeded ``random.Random``: no simulator here.
The simulator asks :func:`choose_cell` where an MN should be attached and
:func:`recheck_after` when that answer can next change, so a position update is a
scheduled event, not a per-frame loop.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field

MODELS = ("still", "waypoints", "random_waypoint")
#: an attached MN stays on its AR until it is this far outside the cell, and moves to
#: another covering cell only when that cell's centre is this much nearer (no flapping)
CELL_MARGIN_M = 10.0
#: the shortest time between two position checks of one MN (the precision of a
#: cell-border crossing)
MIN_CHECK_S = 0.05

Point = tuple[float, float]


@dataclass(frozen=True)
class MobilitySpec:
    """``mobility = { model = ..., ... }`` of an MN or an ``[[mn_group]]``."""

    model: str = "still"
    points: tuple[Point, ...] = ()  # waypoints
    speed_mps: tuple[float, float] = (1.0, 1.0)  # waypoints: lo == hi; random: a range
    loop: bool = False  # waypoints: back to the first point after the last
    area: tuple[float, float, float, float] | None = None  # random: x0, y0, x1, y1
    pause_s: tuple[float, float] = (0.0, 0.0)  # random: pause range at each waypoint
    line: int = field(default=0, compare=False)

    @property
    def moves(self) -> bool:
        return self.model != "still"


@dataclass(frozen=True)
class Leg:
    """From ``p0`` at ``t0`` to ``p1`` at ``t1`` in a straight line at constant speed
    (``p0 == p1``: a pause; ``t1`` infinite: the MN stays there)."""

    t0: float
    t1: float
    p0: Point
    p1: Point

    @property
    def speed_mps(self) -> float:
        if self.p0 == self.p1 or math.isinf(self.t1) or self.t1 <= self.t0:
            return 0.0
        return math.dist(self.p0, self.p1) / (self.t1 - self.t0)

    def at(self, t: float) -> Point:
        if self.p0 == self.p1 or t <= self.t0:
            return self.p0
        if t >= self.t1:
            return self.p1
        f = (t - self.t0) / (self.t1 - self.t0)
        return (self.p0[0] + f * (self.p1[0] - self.p0[0]),
                self.p0[1] + f * (self.p1[1] - self.p0[1]))


class Trajectory:
    """An MN's path over time, generated leg by leg as time asks for it."""

    def __init__(self, spec: MobilitySpec, start: Point | None, rng: random.Random,
                 t0: float = 0.0) -> None:
        self.spec = spec
        self._rng = rng
        self._legs: list[Leg] = []
        self._starts: list[float] = []
        self._next_point = 0  # waypoints: the index of the next point to go to
        if start is None:
            start = self._first_point()
        self._end: Point = start
        self._t_end = t0
        self._done = False

    def _first_point(self) -> Point:
        s = self.spec
        if s.model == "waypoints" and s.points:
            self._next_point = 1 % len(s.points) if s.loop or len(s.points) > 1 else 0
            return s.points[0]
        if s.model == "random_waypoint" and s.area is not None:
            return self._random_point()
        return (0.0, 0.0)

    def _random_point(self) -> Point:
        x0, y0, x1, y1 = self.spec.area  # type: ignore[misc]
        return (self._rng.uniform(x0, x1), self._rng.uniform(y0, y1))

    def _append(self, to: Point, duration_s: float) -> None:
        leg = Leg(self._t_end, self._t_end + duration_s, self._end, to)
        self._legs.append(leg)
        self._starts.append(leg.t0)
        self._end, self._t_end = to, leg.t1

    def _extend(self) -> None:
        """One more leg (or the final resting one)."""
        s = self.spec
        if s.model == "waypoints" and s.points and self._next_point < len(s.points):
            to = s.points[self._next_point]
            self._next_point += 1
            if self._next_point == len(s.points) and s.loop:
                self._next_point = 0
            distance = math.dist(self._end, to)
            if distance > 0:
                self._append(to, distance / s.speed_mps[0])
                return
            if not s.loop or len(set(s.points)) > 1:
                return  # a repeated point: go on to the next one
        elif s.model == "random_waypoint" and s.area is not None:
            to = self._random_point()
            speed = self._rng.uniform(*s.speed_mps)
            self._append(to, math.dist(self._end, to) / speed)
            pause = self._rng.uniform(*s.pause_s)
            if pause > 0:
                self._append(to, pause)
            return
        self._append(self._end, math.inf)  # still, or the end of the waypoints
        self._done = True

    def leg_at(self, t: float) -> Leg:
        """The leg the MN is on at ``t`` (the later one at a boundary)."""
        while not self._done and self._t_end <= t:
            self._extend()
        i = bisect.bisect_right(self._starts, t) - 1
        return self._legs[max(i, 0)]

    def position(self, t: float) -> Point:
        return self.leg_at(t).at(t)

    def stop_at(self, t: float, p: Point) -> None:
        """From ``t`` on the MN stays at ``p`` (placed by hand): the model ends there."""
        self.leg_at(t)
        i = bisect.bisect_right(self._starts, t)
        del self._legs[i:], self._starts[i:]
        if self._legs:
            last = self._legs[-1]
            self._legs[-1] = Leg(last.t0, t, last.p0, last.at(t))
        self._end, self._t_end = p, t
        if self._legs and self._legs[-1].t0 == t:
            self._legs.pop()
            self._starts.pop()
        self._append(p, math.inf)
        self._done = True


@dataclass(frozen=True)
class Cell:
    """An AR's radio cell: a disc of ``radius_m`` around ``(x, y)``."""

    ar: str
    x: float
    y: float
    radius_m: float

    def distance(self, p: Point) -> float:
        return math.hypot(p[0] - self.x, p[1] - self.y)


def choose_cell(p: Point, current: str | None, cells: list[Cell],
                margin_m: float = CELL_MARGIN_M) -> str | None:
    """The AR an MN at ``p`` should be attached to, given the one it is on (``current``).

    A detached MN takes the nearest cell that covers it. An attached MN stays while it
    is within its cell's radius plus ``margin_m``, unless another covering cell's centre
    is more than ``margin_m`` nearer; once outside, it takes the nearest covering cell,
    or none (detached)."""
    nearest, nearest_d = None, math.inf
    cur_d, cur_r = math.inf, 0.0
    for cell in cells:
        d = cell.distance(p)
        if cell.ar == current:
            cur_d = d
            cur_r = cell.radius_m
        if d <= cell.radius_m and d < nearest_d:
            nearest, nearest_d = cell.ar, d
    if current is not None and cur_d <= cur_r + margin_m:
        if nearest is not None and nearest != current and nearest_d + margin_m < cur_d:
            return nearest
        return current
    return nearest


def recheck_after(p: Point, speed_mps: float, current: str | None, cells: list[Cell],
                  margin_m: float = CELL_MARGIN_M) -> float:
    """A time (s) within which :func:`choose_cell`'s answer cannot change for an MN
    moving at ``speed_mps`` (inf when it does not move).

    The answer changes only when one of the comparisons it makes flips: a distance
    against a radius (a distance changes no faster than the speed), or two distances
    against each other (no faster than twice the speed). The time until the nearest
    flip is a safe wait; :data:`MIN_CHECK_S` bounds it below at a border."""
    if speed_mps <= 0:
        return math.inf
    distances = [(cell, cell.distance(p)) for cell in cells]
    slack = math.inf
    covering = []
    cur_d = None
    for cell, d in distances:
        slack = min(slack, abs(d - cell.radius_m))
        if cell.ar == current:
            cur_d = d
            slack = min(slack, abs(d - cell.radius_m - margin_m))
        elif d <= cell.radius_m:
            covering.append(d)
    if cur_d is not None:
        for d in covering:
            slack = min(slack, abs(cur_d - d - margin_m) / 2.0)
    covering.sort()
    for a, b in itertools.pairwise(covering):
        slack = min(slack, (b - a) / 2.0)
    return max(slack / speed_mps, MIN_CHECK_S)
