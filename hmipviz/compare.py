"""Mobile IPv6 beside HMIPv6: the user's actions of one run, replayed in either mode, and
the figures the compare view shows, read off each trace. No Qt.

The window keeps a demonstration as a list of typed actions (:func:`demo_actions` reads
them back from a run's :class:`~hmipviz.timeline.Timeline`: the MN's moves, failures and
restores, and the teacher's changes), so switching HMIPv6 <-> Mobile IPv6 replays the
same list at the same simulated times, and the compare view runs it in both modes.

What the compare view counts (:class:`RunTally`, folded up to the position shown):

- the signalling messages that *reached* their destination, per kind of destination:
  local BUs at a MAP, home BUs at an HA, BUs, HoTIs and CoTIs at a CN (a packet a MAP
  or an HA only decapsulates on the way is not counted there), with the bytes of the
  packet as it arrived;
- each handover's latency and data packets lost (:mod:`hmipviz.report`, the same
  figures as ``hmipviz run``'s summary).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hmipviz.engine.events import Event, PacketReceived, PacketSent
from hmipviz.report import SIGNALLING_TARGET, HandoverFigures, RunFigures
from hmipviz.timeline import (
    EPS,
    FlowSetting,
    LinkSetting,
    MapOptionSetting,
    Timeline,
)

MODES = ("hmipv6", "mipv6")
MODE_NAMES = {"hmipv6": "HMIPv6", "mipv6": "Mobile IPv6"}
# After the last action a run goes on this long (as the window's: gui/run_history.py).
ACTION_GRACE_S = 5.0
TARGETS = ("HA", "MAP", "CN")  # kinds of destination the counters report
_ROLE_TARGET = {"ha": "HA", "map": "MAP", "cn": "CN"}


# --- the actions --------------------------------------------------------------------------
@dataclass(frozen=True)
class MoveMN:
    """The user moved the MN to ``ar``'s cell (None: outside every cell) at ``t``."""

    t: float
    ar: str | None
    point: tuple[float, float] | None = None  # where it was dropped on the canvas
    mn: str = ""  # which MN ("": the first, the only one in most scenarios)

    def apply(self, sim: Any, t: float) -> None:
        sim.move(self.ar, at_s=t, mn=self.mn or None)

    def words(self) -> str:
        who = self.mn or "MN"
        return f"{who} to {self.ar}" if self.ar else f"{who} detached"


@dataclass(frozen=True)
class FailNode:
    t: float
    node: str

    def apply(self, sim: Any, t: float) -> None:
        sim.fail(self.node, at_s=t)

    def words(self) -> str:
        return f"{self.node} fails"


@dataclass(frozen=True)
class RestoreNode:
    t: float
    node: str

    def apply(self, sim: Any, t: float) -> None:
        sim.restore(self.node, at_s=t)

    def words(self) -> str:
        return f"{self.node} restored"


@dataclass(frozen=True)
class SetMapOption:
    """The teacher changed the MAP option ``ar`` advertises for ``map_name``."""

    t: float
    ar: str
    map_name: str
    pref: int | None
    lifetime_s: int | None

    def apply(self, sim: Any, t: float) -> None:
        sim.set_map_option(self.ar, self.map_name, pref=self.pref, lifetime_s=self.lifetime_s)

    def words(self) -> str:
        return f"{self.ar}'s MAP option for {self.map_name}"


@dataclass(frozen=True)
class SetLink:
    t: float
    a: str
    b: str
    delay_ms: float
    loss: float

    def apply(self, sim: Any, t: float) -> None:
        sim.set_link(self.a, self.b, delay_ms=self.delay_ms, loss=self.loss)

    def words(self) -> str:
        return f"link {self.a}-{self.b}"


@dataclass(frozen=True)
class SetFlow:
    t: float
    running: bool

    def apply(self, sim: Any, t: float) -> None:
        sim.set_flows(self.running)

    def words(self) -> str:
        return "data " + ("on" if self.running else "off")


DemoAction = MoveMN | FailNode | RestoreNode | SetMapOption | SetLink | SetFlow


def demo_actions(timeline: Timeline) -> tuple[DemoAction, ...]:
    """The user's and the teacher's actions on this branch, in the order they were
    applied: what a switch of mode replays. (A lesson's forged packets are not kept.)"""
    found: list[tuple[float, int, int, DemoAction]] = []
    for n, a in enumerate(timeline.user_actions()):
        act: DemoAction
        if a.verb == "move":
            p = timeline.placement_at(a.index)
            point = p.point if p and abs(p.t - a.t) < EPS and p.ar == a.target else None
            act = MoveMN(a.t, a.target, point, a.mn)
        elif a.verb == "fail" and a.target:
            act = FailNode(a.t, a.target)
        elif a.verb == "restore" and a.target:
            act = RestoreNode(a.t, a.target)
        else:
            continue
        found.append((a.t, a.index, n, act))
    base = len(found)
    changes = timeline.teacher_changes()
    # the scenario's links, recorded at load (a teacher changes only these)
    links = {(c.a, c.b) for c in changes if isinstance(c, LinkSetting) and c.index < 0}
    for n, c in enumerate(changes):
        if c.index < 0:  # the scenario's own settings
            continue
        if isinstance(c, LinkSetting) and (c.a, c.b) not in links:
            continue
        if isinstance(c, MapOptionSetting):
            act = SetMapOption(c.t, c.ar, c.map_name, c.pref, c.lifetime_s)
        elif isinstance(c, LinkSetting):
            act = SetLink(c.t, c.a, c.b, c.delay_ms, c.loss)
        elif isinstance(c, FlowSetting):
            act = SetFlow(c.t, c.running)
        else:
            continue
        found.append((c.t, c.index, base + n, act))
    found.sort(key=lambda x: x[:3])
    return tuple(x[3] for x in found)


def run_end_s(duration_s: float, actions: Sequence[DemoAction]) -> float:
    """Where a run with these actions ends: the scenario's end, or a grace after the last."""
    last = max((a.t for a in actions), default=None)
    return float(duration_s) if last is None else max(float(duration_s), last + ACTION_GRACE_S)


def run_actions(scenario: Any, mode: str, actions: Sequence[DemoAction],
                until_s: float | None = None) -> list[Event]:
    """The trace of ``scenario`` in ``mode`` with ``actions`` applied at their times (as
    the window applies them: the engine first runs everything at or before the action's
    time), run to ``until_s`` (default :func:`run_end_s`)."""
    from hmipviz.sim import Simulation

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: hmipv6 or mipv6")
    sim = Simulation(scenario, mode=mode)
    end = run_end_s(scenario.duration_s, actions) if until_s is None else until_s

    def step_to(t: float) -> None:
        while (nt := sim.next_time()) is not None and nt <= t + EPS:
            sim.step()
        if sim.now < t:
            sim.run(until_s=t)

    for a in sorted(actions, key=lambda a: a.t):
        step_to(a.t)
        a.apply(sim, a.t)
        step_to(a.t)
    step_to(end)
    return sim.trace


# --- the figures ----------------------------------------------------------------------------
def node_targets(nodes: Iterable[Any]) -> dict[str, str]:
    """Node name -> the kind of destination the counters file it under (HA, MAP, CN)."""
    return {n.name: _ROLE_TARGET[n.role] for n in nodes if n.role in _ROLE_TARGET}


@dataclass(frozen=True)
class Reached:
    """One signalling message that reached its destination."""

    t: float
    node: str
    target: str  # HA | MAP | CN
    kind: str
    bytes: int


class RunTally:
    """One run's counters and handover figures, folded over its trace up to an index.

    :meth:`upto` folds on from where it stood (the position moves forward during
    playback), or starts again when asked for an earlier index (a step back)."""

    def __init__(self, trace: list[Event], mn: str, targets: Mapping[str, str]) -> None:
        self.trace = trace
        self.mn = mn
        self.targets = dict(targets)
        self._reset()

    def _reset(self) -> None:
        self.index = -1  # the last event folded
        self.reached: list[Reached] = []
        self._hop_bytes: dict[int, int] = {}  # packet id -> bytes of its latest hop
        self._figures = RunFigures(self.mn)

    def upto(self, i: int) -> RunTally:
        """Fold the trace up to and including index ``i``."""
        i = min(i, len(self.trace) - 1)
        if i < self.index:
            self._reset()
        for j in range(self.index + 1, i + 1):
            self._add(self.trace[j])
        self.index = max(self.index, i)
        return self

    def _add(self, e: Event) -> None:
        self._figures.add(e)
        if isinstance(e, PacketSent):
            self._hop_bytes[e.packet_id] = len(e.data)
        elif isinstance(e, PacketReceived):
            target = self.targets.get(e.node)
            if target is not None and SIGNALLING_TARGET.get(e.kind) == target:
                self.reached.append(Reached(e.t, e.node, target, e.kind,
                                            self._hop_bytes.get(e.packet_id, 0)))

    def counters(self) -> dict[str, tuple[int, int]]:
        """Kind of destination -> (messages, bytes) that reached it so far."""
        out = {t: (0, 0) for t in TARGETS}
        for r in self.reached:
            m, b = out[r.target]
            out[r.target] = (m + 1, b + r.bytes)
        return out

    def handovers(self) -> list[HandoverFigures]:
        """Every handover started so far, with its figures as far as they are known."""
        return self._figures.handovers()


def counters(trace: list[Event], mn: str, targets: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """:meth:`RunTally.counters` over a whole trace."""
    return RunTally(trace, mn, targets).upto(len(trace) - 1).counters()


@dataclass(frozen=True)
class HandoverPair:
    """The same handover (the n-th of the run) in both modes; None where a mode has not
    finished it (or never made it)."""

    number: int
    to_ar: str | None
    start_s: float
    latency_ms: dict[str, float | None]
    packets_lost: dict[str, int | None]
    kinds: dict[str, str]  # what each mode made of it: intra-MAP, inter-MAP, mipv6, ...

    def label(self) -> str:
        if self.number == 0:
            return "initial"
        return f"{self.start_s:.1f} s \u2192 {self.to_ar or 'no link'}"


def handover_pairs(figures: Mapping[str, Sequence[HandoverFigures]]) -> list[HandoverPair]:
    """Pair the n-th handover of each mode (both runs replay the same actions, so the
    n-th handover of one is the n-th of the other); only finished ones have figures."""
    n = max((len(v) for v in figures.values()), default=0)
    out = []
    for k in range(n):
        known = {m: hs[k] for m, hs in figures.items() if k < len(hs)}
        first = next(iter(known.values()))
        done = {m: h for m, h in known.items() if h.latency_s is not None}
        out.append(HandoverPair(
            k, first.to_ar, min(h.start_s for h in known.values()),
            {m: (h.latency_s * 1000.0 if (h := done.get(m)) and h.latency_s is not None
                 else None) for m in figures},
            {m: (h.packets_lost if (h := done.get(m)) else None) for m in figures},
            {m: h.kind for m, h in known.items()}))
    return out


def times_of(trace: Sequence[Event]) -> list[float]:
    """The event times (for a bisect)."""
    return [e.t for e in trace]


def index_at(times: Sequence[float], t: float) -> int:
    """The last index whose time is at or before ``t`` (-1: none)."""
    return bisect.bisect_right(times, t + EPS) - 1


__all__ = ["MODES", "MODE_NAMES", "ACTION_GRACE_S", "TARGETS", "DemoAction", "MoveMN",
           "FailNode", "RestoreNode", "SetMapOption", "SetLink", "SetFlow", "demo_actions",
           "run_end_s", "run_actions", "node_targets", "Reached", "RunTally", "counters",
           "HandoverPair", "handover_pairs", "index_at", "times_of"]
