"""What the trace says at any index: folds over one run's trace, with no Qt.

The window shows the state *after* some trace index (its position) and must be able to
step back without asking the engine. Everything a view draws is therefore a function of
the trace up to that index: binding caches and the MN's binding update list (folding
``BindingChanged``), the MN's access router (``LinkChanged``), which nodes are down
(``NodeStatus``), the hops in flight (``PacketSent`` not yet arrived), where the user
dropped the MN, and the teacher's settings (MAP options, link delay and loss, the data
flow) as they stood then. :class:`Timeline` keeps incremental indexes over one trace
list so those answers stay cheap while the run grows, and is cut back when a user action
starts a new branch. The Qt controller (:mod:`hmipviz.gui.controller`) owns one and
delegates every read to it; tests use it directly, without a display.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import NamedTuple, Sequence

from hmipviz.engine.events import (
    BindingChanged,
    Event,
    LinkChanged,
    NodeStatus,
    PacketSent,
)

EPS = 1e-9
# Binding changes after which the entry is gone from its table.
_REMOVING_CHANGES = ("deleted", "expired", "lost")


@dataclass(frozen=True)
class CacheRow:
    """One binding cache or binding update list entry as it stood at some trace index."""

    node: str  # the table's owner
    table: str  # "binding cache" | "binding update list"
    peer: str
    home_address: str  # HoA, or the RCoA at a MAP
    care_of_address: str
    sequence: int
    lifetime_s: int
    since_t: float  # when the entry last changed (registration / refresh / send)
    change: str  # the change that made it what it is
    flags: str
    index: int  # trace index of that change

    @property
    def pending(self) -> bool:
        return self.change == "pending"

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.since_t + self.lifetime_s - now)


class CachesAt(NamedTuple):
    caches: dict[str, list[CacheRow]]  # node -> rows (every cache-holding node, maybe empty)
    bul: list[CacheRow]  # the MN's binding update list


@dataclass(frozen=True)
class Placement:
    """Where the user dropped the MN, and from which trace length it holds."""

    index: int  # len(trace) when the action was applied
    t: float
    ar: str | None
    point: tuple[float, float] | None


@dataclass(frozen=True)
class UserAction:
    """A move, failure or restore the user applied (what "Save scenario" writes)."""

    index: int  # len(trace) when the action was applied
    t: float
    verb: str  # "move" | "fail" | "restore"
    target: str | None


# --- the teacher's settings, as typed records ---------------------------------------
# Each holds the value *after* the change (as the engine reports it), from trace length
# ``index`` on; the scenario's own values are recorded at index -1.
@dataclass(frozen=True)
class MapOptionChanged:
    index: int
    t: float
    ar: str
    map_name: str
    pref: int | None  # None: the AR no longer advertises this MAP
    lifetime_s: int | None


@dataclass(frozen=True)
class LinkParamsChanged:
    index: int
    t: float
    a: str
    b: str
    delay_ms: float
    loss: float  # a fraction, 0..1


@dataclass(frozen=True)
class FlowToggled:
    index: int
    t: float
    running: bool


TeacherChange = MapOptionChanged | LinkParamsChanged | FlowToggled


def cache_holders(nodes: Sequence) -> list[str]:
    """Names of the scenario's nodes that hold a binding cache, in the order the caches
    view lists them: MAPs (and ARs with a MAP function), then HAs, then CNs."""
    rank = {"map": 0, "ar": 0, "ha": 1, "cn": 2}
    holders = [n for n in nodes if n.role in ("map", "ha", "cn")
               or (n.role == "ar" and getattr(n, "map_address", None) is not None)]
    return [n.name for n in sorted(holders, key=lambda n: rank[n.role])]


class Timeline:
    """Indexes over one trace list (the very list object the simulation appends to)."""

    def __init__(self, trace: list[Event], mn_name: str = "",
                 holders: Sequence[str] = (), max_delay_s: float = 0.0) -> None:
        self.trace = trace
        self.mn_name = mn_name
        self.holders = list(holders)
        # the longest hop seen or possible: hops sent earlier than this have arrived
        self.max_delay_s = max_delay_s
        self._indexed = 0
        self._times: list[float] = []
        self._sent: list[int] = []
        self._links: list[tuple[int, str | None]] = []
        self._bindings: list[int] = []
        self._status: list[int] = []
        self._placements: list[Placement] = []
        self._actions: list[UserAction] = []
        self._teacher: list[TeacherChange] = []

    # --- keeping up with the trace ------------------------------------------------------
    def index_new(self) -> None:
        """Index the events appended since the last call."""
        trace = self.trace
        mn = self.mn_name
        for i in range(self._indexed, len(trace)):
            e = trace[i]
            self._times.append(e.t)
            if isinstance(e, PacketSent):
                self._sent.append(i)
                delay = e.arrive_t - e.t
                if delay > self.max_delay_s:
                    self.max_delay_s = delay
            elif isinstance(e, BindingChanged):
                self._bindings.append(i)
            elif isinstance(e, LinkChanged) and e.node == mn:
                self._links.append((i, e.ar if e.up else None))
            elif isinstance(e, NodeStatus):
                self._status.append(i)
        self._indexed = len(trace)

    def truncate(self, n: int, t: float | None = None) -> None:
        """The trace was cut to ``n`` events (a new branch from time ``t``): forget the
        indexes past it, and the user's records later than ``t``."""
        del self._times[n:]
        del self._sent[bisect.bisect_left(self._sent, n):]
        del self._bindings[bisect.bisect_left(self._bindings, n):]
        del self._status[bisect.bisect_left(self._status, n):]
        self._links = [x for x in self._links if x[0] < n]
        self._indexed = min(self._indexed, n)
        if t is not None:
            self._placements = [p for p in self._placements if p.t <= t + EPS]
            self._actions = [a for a in self._actions if a.t <= t + EPS]
            self._teacher = [c for c in self._teacher if c.t <= t + EPS]

    def note_max_delay(self, delay_s: float) -> None:
        """A link may now take this long (a teacher raised its delay)."""
        self.max_delay_s = max(self.max_delay_s, delay_s)

    # --- the user's records ---------------------------------------------------------------
    def add_placement(self, p: Placement) -> None:
        self._placements.append(p)

    def add_action(self, a: UserAction) -> None:
        self._actions.append(a)

    def add_teacher_change(self, c: TeacherChange) -> None:
        self._teacher.append(c)

    def user_actions(self) -> list[UserAction]:
        return list(self._actions)

    def teacher_changes(self) -> list[TeacherChange]:
        return list(self._teacher)

    # --- time and instants ----------------------------------------------------------------
    def time_at(self, i: int) -> float:
        return self.trace[i].t if 0 <= i < len(self.trace) else 0.0

    def group_range(self, i: int) -> tuple[int, int]:
        """First and last trace index of the simulated instant event ``i`` belongs to."""
        if not 0 <= i < len(self.trace):
            return i, i
        t = self.trace[i].t
        lo = bisect.bisect_left(self._times, t)
        hi = bisect.bisect_right(self._times, t) - 1
        return lo, hi

    def index_at_time(self, t: float) -> int:
        """The last trace index with time <= ``t`` (-1 if none)."""
        return bisect.bisect_right(self._times, t + EPS) - 1

    # --- folds ------------------------------------------------------------------------------
    def mn_ar_at(self, i: int) -> str | None:
        """The AR the MN's link layer is on after event ``i`` (None: no link)."""
        k = bisect.bisect_right(self._links, i, key=lambda link: link[0]) - 1
        return self._links[k][1] if k >= 0 else None

    def mn_links(self) -> list[tuple[int, str | None]]:
        """(index, AR or None) of every link change of the MN so far."""
        return list(self._links)

    def node_up_at(self, i: int) -> dict[str, bool]:
        """Each node that failed at some point, and whether it is up after event ``i``."""
        out: dict[str, bool] = {}
        for j in self._status[:bisect.bisect_right(self._status, i)]:
            e = self.trace[j]
            out[e.node] = e.up
        return out

    def cache_nodes(self) -> list[str]:
        """Nodes holding a binding cache: the scenario's holders, then any other node
        that has held a binding so far in the trace."""
        names = list(self.holders)
        for j in self._bindings:
            e = self.trace[j]
            if e.table == "binding cache" and e.node not in names:
                names.append(e.node)
        return names

    def caches_at(self, i: int) -> CachesAt:
        """Every binding cache and the MN's binding update list after event ``i``."""
        caches: dict[str, dict[object, CacheRow]] = {n: {} for n in self.cache_nodes()}
        bul: dict[object, CacheRow] = {}
        for j in self._bindings[:bisect.bisect_right(self._bindings, i)]:
            e = self.trace[j]
            assert isinstance(e, BindingChanged)
            table: dict[object, CacheRow]
            if e.table == "binding update list":
                table, key = bul, (e.peer, e.home_address)
            else:
                table, key = caches.setdefault(e.node, {}), e.home_address
            if e.change in _REMOVING_CHANGES or (e.lifetime_s == 0 and e.change != "pending"):
                table.pop(key, None)
                continue
            table[key] = CacheRow(e.node, e.table, e.peer, e.home_address, e.care_of_address,
                                  e.sequence, e.lifetime_s, e.t, e.change, e.flags, j)
        return CachesAt({n: list(rows.values()) for n, rows in caches.items()},
                        list(bul.values()))

    def binding_changes_between(self, a: int, b: int) -> list[int]:
        """Indices of BindingChanged events in (a, b]."""
        lo = bisect.bisect_right(self._bindings, a)
        hi = bisect.bisect_right(self._bindings, b)
        return self._bindings[lo:hi]

    def in_flight_at(self, i: int) -> list[int]:
        """Trace indices of PacketSent hops under way after event ``i``."""
        if i < 0 or not self.trace:
            return []
        i = min(i, len(self.trace) - 1)
        t = self.trace[i].t
        horizon = t - self.max_delay_s - EPS
        out = []
        k = bisect.bisect_right(self._sent, i) - 1
        trace = self.trace
        while k >= 0:
            j = self._sent[k]
            e = trace[j]
            if e.t < horizon:
                break
            if e.arrive_t > t + EPS:
                out.append(j)
            k -= 1
        out.reverse()
        return out

    def current_message(self, i: int) -> int:
        """The event the caption describes at position ``i``: the latest hop sent in
        that instant, else the event itself (-1 before the first)."""
        if i < 0:
            return -1
        lo, _ = self.group_range(i)
        for j in range(i, lo - 1, -1):
            if isinstance(self.trace[j], PacketSent):
                return j
        return i

    def placement_at(self, i: int) -> Placement | None:
        """The latest user drop of the MN that holds after event ``i``."""
        found = None
        for p in self._placements:
            if p.index <= i:
                found = p
        return found

    def _teacher_at(self, i: int, kind: type) -> list:
        return [c for c in self._teacher if isinstance(c, kind) and c.index <= i]

    def map_option_at(self, i: int, ar: str, map_name: str) -> MapOptionChanged | None:
        """The MAP option ``ar`` advertised for ``map_name`` after event ``i`` (None:
        nothing known)."""
        found = None
        for c in self._teacher_at(i, MapOptionChanged):
            if c.ar == ar and c.map_name == map_name:
                found = c
        return found

    def link_params_at(self, i: int, a: str, b: str) -> LinkParamsChanged | None:
        """Delay and loss of the link between ``a`` and ``b`` after event ``i``."""
        found = None
        for c in self._teacher_at(i, LinkParamsChanged):
            if {c.a, c.b} == {a, b}:
                found = c
        return found

    def flow_running_at(self, i: int) -> bool | None:
        """Whether the data flow was switched on after event ``i`` (None: never set)."""
        found = None
        for c in self._teacher_at(i, FlowToggled):
            found = c.running
        return found


__all__ = ["Timeline", "CacheRow", "CachesAt", "Placement", "UserAction",
           "MapOptionChanged", "LinkParamsChanged", "FlowToggled", "TeacherChange",
           "cache_holders", "EPS"]
