"""Mobility in the simulator: where each MN is, and which AR its link layer picks.

Each MN with a moving model (``waypoints``, ``random_waypoint``) gets a
:class:`~hmipviz.mobility.Trajectory` seeded from the scenario's seed and its name.
A position check is a scheduled item like any other: it asks
:func:`~hmipviz.mobility.choose_cell` which AR the MN should be on, moves it there
(detach, L2 switch time, attach, as a scripted move does) when that differs from
where its link layer is heading, and schedules the next check after
:func:`~hmipviz.mobility.recheck_after` (or at the end of the current leg). So a run
stays deterministic, and an MN far from any border costs a few checks a minute.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .mobility import (
    CELL_MARGIN_M,
    MIN_CHECK_S,
    Cell,
    MobilitySpec,
    Point,
    Trajectory,
    choose_cell,
    recheck_after,
)
from .sim_snapshot import SnapshotRandom

if TYPE_CHECKING:
    from .sim import Simulation


class Mobility:
    """The trajectories and radio cells of one simulation."""

    def __init__(self, sim: Simulation) -> None:
        s = sim.scenario
        self.cells = [Cell(n.name, float(n.position[0]), float(n.position[1]),
                           float(n.radius))
                      for n in s.nodes if n.role == "ar" and n.position is not None]
        self.margin_m = CELL_MARGIN_M
        self.trajectories: dict[str, Trajectory] = {}
        self._fixed: dict[str, Point | None] = {}
        for spec in s.nodes:
            if spec.role != "mn":
                continue
            model: MobilitySpec | None = spec.mobility
            start = None if spec.position is None else \
                (float(spec.position[0]), float(spec.position[1]))
            if model is not None and model.moves:
                self.trajectories[spec.name] = Trajectory(
                    model, start, SnapshotRandom(f"{sim.seed}/mobility/{spec.name}"))
            else:
                self._fixed[spec.name] = start

    def moving(self) -> list[str]:
        """The MNs whose model moves them, in scenario order."""
        return list(self.trajectories)

    def position(self, mn: str, t: float) -> Point | None:
        """Where ``mn`` is at ``t`` (metres), or None for an MN placed nowhere."""
        trajectory = self.trajectories.get(mn)
        if trajectory is not None:
            return trajectory.position(t)
        return self._fixed.get(mn)

    def place(self, mn: str, p: Point, t: float) -> None:
        """``mn`` is put at ``p`` at ``t`` (dragged): a model it had ends there."""
        trajectory = self.trajectories.get(mn)
        if trajectory is not None:
            trajectory.stop_at(t, p)
        else:
            self._fixed[mn] = p

    def initial_cell(self, mn: str) -> str | None:
        """Where a moving MN without ``attach`` starts: the nearest cell covering it."""
        p = self.position(mn, 0.0)
        return choose_cell(p, None, self.cells, self.margin_m) if p is not None else None

    def check(self, mn: str, t: float, heading_to: str | None) -> tuple[str | None, float]:
        """(the AR ``mn`` should be on at ``t``, when to check again; inf: never)."""
        trajectory = self.trajectories[mn]
        leg = trajectory.leg_at(t)
        p = leg.at(t)
        target = choose_cell(p, heading_to, self.cells, self.margin_m)
        wait = recheck_after(p, leg.speed_mps, target, self.cells, self.margin_m)
        nxt = min(t + wait, leg.t1)
        if nxt <= t:
            nxt = t + MIN_CHECK_S  # a zero-length leg: no second check at this instant
        return target, (math.inf if math.isinf(nxt) else nxt)
