"""What the trace says at any index: folds over one run's trace, with no Qt.

The window shows the state *after* some trace index (its position) and must be able to
step back without asking the engine. Everything a view draws is therefore a function of
the trace up to that index: binding caches and the MNs' binding update lists (folding
``BindingChanged``), each MN's access router (``LinkChanged``), which nodes are down
(``NodeStatus``), the hops in flight (``PacketSent`` not yet arrived), where the user
dropped the MN, and the teacher's settings (MAP options, link delay and loss, the data
flow) as they stood then. :class:`Timeline` keeps incremental indexes over one trace
list so those answers stay cheap while the run grows, and is cut back when a user action
starts a new branch. With several MNs it also says which MN each event concerns
(:meth:`Timeline.mn_of`, the fold of :class:`hmipviz.sim_mns.EventMobiles` kept per
index so it can be cut back), so the views can filter to one MN. The Qt controller
(:mod:`hmipviz.gui.controller`) owns one and delegates every read to it; tests use it
directly, without a display.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, cast

from hmipviz.engine.events import (
    BindingChanged,
    Event,
    FlowToggled,
    LinkChanged,
    LinkParamsChanged,
    MapOptionChanged,
    NodeStatus,
    PacketDropped,
    PacketReceived,
    PacketSent,
)

if TYPE_CHECKING:
    from hmipviz.sim_mns import MobileIndex

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
    bul: list[CacheRow]  # the MNs' binding update lists (one MN's when filtered)


@dataclass(frozen=True)
class Placement:
    """Where the user dropped an MN, and from which trace length it holds."""

    index: int  # len(trace) when the action was applied
    t: float
    ar: str | None
    point: tuple[float, float] | None
    mn: str = ""  # the MN dropped ("": the first)


@dataclass(frozen=True)
class UserAction:
    """A move, failure or restore the user applied (what "Save scenario" writes)."""

    index: int  # len(trace) when the action was applied
    t: float
    verb: str  # "move" | "fail" | "restore"
    target: str | None
    mn: str = ""  # the MN a move concerns ("": the first)


# --- the teacher's settings, as the trace says they stood ------------------------------
# Folded from the trace's MapOptionChanged, LinkParamsChanged and FlowToggled events
# (hmipviz.engine.events): each holds the value *after* the change from trace index
# ``index`` on (the event's own index); the scenario's own values are recorded at
# index -1 when a run is loaded.
@dataclass(frozen=True)
class MapOptionSetting:
    index: int
    t: float
    ar: str
    map_name: str
    pref: int | None  # None: the AR no longer advertises this MAP
    lifetime_s: int | None


@dataclass(frozen=True)
class LinkSetting:
    index: int
    t: float
    a: str
    b: str
    delay_ms: float
    loss: float  # a fraction, 0..1


@dataclass(frozen=True)
class FlowSetting:
    index: int
    t: float
    running: bool  # some data flow is switched on


TeacherSetting = MapOptionSetting | LinkSetting | FlowSetting


def teacher_setting(i: int, e: Event) -> TeacherSetting | None:
    """The setting trace event ``i`` records (None: it is not a teacher's change)."""
    if isinstance(e, MapOptionChanged):
        return MapOptionSetting(i, e.t, e.node, e.map_name, e.pref, e.lifetime_s)
    if isinstance(e, LinkParamsChanged):
        return LinkSetting(i, e.t, e.node, e.peer, e.delay_ms, e.loss)
    if isinstance(e, FlowToggled):
        return FlowSetting(i, e.t, e.flows_running > 0)
    return None


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
                 holders: Sequence[str] = (), max_delay_s: float = 0.0,
                 mobiles: MobileIndex | None = None) -> None:
        self.trace = trace
        self.mn_name = mn_name
        # address -> MN (hmipviz.sim_mns.MobileIndex); None or one MN: every event is
        # the first MN's
        self.mobiles = mobiles if mobiles is not None and len(mobiles) > 1 else None
        self.mn_names: list[str] = list(mobiles.names) if mobiles is not None else (
            [mn_name] if mn_name else [])
        self.holders = list(holders)
        # the longest hop seen or possible: hops sent earlier than this have arrived
        self.max_delay_s = max_delay_s
        self._indexed = 0
        self._times: list[float] = []
        self._sent: list[int] = []
        self._links: list[tuple[int, str | None]] = []  # the first MN's
        self._mn_links: dict[str, list[tuple[int, str | None]]] = {
            n: [] for n in self.mn_names}
        self._mn: list[str | None] = []  # the MN each event concerns (several MNs)
        self._packet_mn: dict[int, tuple[int, str | None]] = {}  # id -> (first index, MN)
        self._bindings: list[int] = []
        # the holders, then every other node that has held a binding, in order seen
        self._caches_memo: dict[tuple, CachesAt] = {}
        self._branches = 0  # truncations so far: a memo key of the trace's branch
        self._cache_nodes: list[str] = list(self.holders)
        self._cache_node_set: set[str] = set(self.holders)
        self._status: list[int] = []
        self._placements: list[Placement] = []
        self._actions: list[UserAction] = []
        self._teacher: list[TeacherSetting] = []

    # --- keeping up with the trace ------------------------------------------------------
    def index_new(self) -> None:
        """Index the events appended since the last call."""
        trace = self.trace
        mn = self.mn_name
        several = self.mobiles is not None
        mn_links = self._mn_links
        for i in range(self._indexed, len(trace)):
            e = trace[i]
            self._times.append(e.t)
            if several:
                self._mn.append(self._fold_mn(i, e))
            if isinstance(e, PacketSent):
                self._sent.append(i)
                delay = e.arrive_t - e.t
                if delay > self.max_delay_s:
                    self.max_delay_s = delay
            elif isinstance(e, BindingChanged):
                self._bindings.append(i)
                if e.table == "binding cache" and e.node not in self._cache_node_set:
                    self._cache_node_set.add(e.node)
                    self._cache_nodes.append(e.node)
            elif isinstance(e, LinkChanged) and e.node in mn_links:
                link = (i, e.ar if e.up else None)
                mn_links[e.node].append(link)
                if e.node == mn:
                    self._links.append(link)
            elif isinstance(e, NodeStatus):
                self._status.append(i)
            elif isinstance(e, (MapOptionChanged, LinkParamsChanged, FlowToggled)):
                self._fold_teacher(i, e)
        self._indexed = len(trace)

    def _fold_teacher(self, i: int, e: Event) -> None:
        setting = teacher_setting(i, e)
        if setting is not None:
            self._teacher.append(setting)
            if isinstance(setting, LinkSetting):
                self.note_max_delay(setting.delay_ms / 1000.0)

    def truncate(self, n: int, t: float | None = None) -> None:
        """The trace was cut to ``n`` events (a new branch from time ``t``): forget the
        indexes past it, and the user's records later than ``t``."""
        self._branches += 1
        self._caches_memo.clear()
        del self._times[n:]
        del self._sent[bisect.bisect_left(self._sent, n):]
        del self._bindings[bisect.bisect_left(self._bindings, n):]
        self._cache_nodes = list(self.holders)
        self._cache_node_set = set(self.holders)
        for j in self._bindings:
            e = cast(BindingChanged, self.trace[j])  # _bindings holds only these
            if e.table == "binding cache" and e.node not in self._cache_node_set:
                self._cache_node_set.add(e.node)
                self._cache_nodes.append(e.node)
        del self._status[bisect.bisect_left(self._status, n):]
        self._links = [x for x in self._links if x[0] < n]
        for name, links in self._mn_links.items():
            self._mn_links[name] = [x for x in links if x[0] < n]
        if self.mobiles is not None and len(self._mn) > n:
            del self._mn[n:]
            # packet ids restart from the snapshot: forget the packets first seen later
            self._packet_mn = {k: v for k, v in self._packet_mn.items() if v[0] < n}
        self._indexed = min(self._indexed, n)
        # the teacher's changes come from the trace (the scenario's own at -1 stay)
        self._teacher = [c for c in self._teacher if c.index < n]
        if t is not None:
            self._placements = [p for p in self._placements if p.t <= t + EPS]
            self._actions = [a for a in self._actions if a.t <= t + EPS]


    def note_max_delay(self, delay_s: float) -> None:
        """A link may now take this long (a teacher raised its delay)."""
        self.max_delay_s = max(self.max_delay_s, delay_s)

    def _fold_mn(self, i: int, e: Event) -> str | None:
        """Which MN event ``i`` concerns, as :class:`hmipviz.sim_mns.EventMobiles` says
        (a hop by its addresses, a receive or drop by its packet, a binding cache entry
        by its peer, an MN's own events by its name); kept per packet id with the index
        the packet was first seen at, so a branch can forget the later ones."""
        index = self.mobiles
        if index is None:  # called only with several MNs
            return None
        names = index.name_set
        if isinstance(e, PacketSent):
            known = self._packet_mn.get(e.packet_id)
            if known is not None:
                return known[1]
            name = index.of_bytes(e.data)
            if name is None and e.node in names:
                name = e.node
            if name is None and e.to_node in names:
                name = e.to_node
            self._packet_mn[e.packet_id] = (i, name)
            return name
        if isinstance(e, (PacketReceived, PacketDropped)):
            known = self._packet_mn.get(e.packet_id)
            if known is not None:
                return known[1]
            return e.node if e.node in names else None
        if isinstance(e, BindingChanged) and e.table == "binding cache":
            return e.peer
        return e.node if e.node in names else None

    def mn_of(self, i: int) -> str | None:
        """The MN trace event ``i`` concerns (None: a fixed node's own business, e.g.
        an RA timer). With one MN every event is that MN's."""
        if self.mobiles is None:
            return self.mn_name or None
        return self._mn[i] if 0 <= i < len(self._mn) else None

    # --- the user's records ---------------------------------------------------------------
    def add_placement(self, p: Placement) -> None:
        self._placements.append(p)

    def add_action(self, a: UserAction) -> None:
        self._actions.append(a)

    def add_teacher_change(self, c: TeacherSetting) -> None:
        """Record a setting that is not in the trace (the scenario's own, index -1)."""
        self._teacher.append(c)

    def user_actions(self) -> list[UserAction]:
        return list(self._actions)

    def teacher_changes(self) -> list[TeacherSetting]:
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
    def mn_ar_at(self, i: int, mn: str | None = None) -> str | None:
        """The AR ``mn``'s (default: the first MN's) link layer is on after event ``i``
        (None: no link)."""
        links = self._links if not mn or mn == self.mn_name else self._mn_links.get(mn, [])
        k = bisect.bisect_right(links, i, key=lambda link: link[0]) - 1
        return links[k][1] if k >= 0 else None

    def mn_links(self, mn: str | None = None) -> list[tuple[int, str | None]]:
        """(index, AR or None) of every link change of ``mn`` (default: the first MN)."""
        if not mn or mn == self.mn_name:
            return list(self._links)
        return list(self._mn_links.get(mn, []))

    def node_up_at(self, i: int) -> dict[str, bool]:
        """Each node that failed at some point, and whether it is up after event ``i``."""
        out: dict[str, bool] = {}
        for j in self._status[:bisect.bisect_right(self._status, i)]:
            e = cast(NodeStatus, self.trace[j])  # _status holds only these
            out[e.node] = e.up
        return out

    def cache_nodes(self) -> list[str]:
        """Nodes holding a binding cache: the scenario's holders, then any other node
        that has held a binding so far in the trace."""
        return list(self._cache_nodes)

    def caches_at(self, i: int, mn: str | None = None) -> CachesAt:
        """Every binding cache and the binding update lists after event ``i``; with
        ``mn``, only that MN's entries (its list, and the caches' rows whose peer it is).
        The last few answers are remembered (several views ask for the same position
        in one frame); treat the result as read-only."""
        key = (i, mn or "", len(self._bindings), self._branches)
        hit = self._caches_memo.get(key)
        if hit is None:
            hit = self._fold_caches(i, mn)
            if len(self._caches_memo) >= 4:
                self._caches_memo.pop(next(iter(self._caches_memo)))
            self._caches_memo[key] = hit
        return hit

    def _fold_caches(self, i: int, mn: str | None) -> CachesAt:
        caches: dict[str, dict[object, CacheRow]] = {n: {} for n in self.cache_nodes()}
        bul: dict[object, CacheRow] = {}
        for j in self._bindings[:bisect.bisect_right(self._bindings, i)]:
            e = self.trace[j]
            assert isinstance(e, BindingChanged)
            table: dict[object, CacheRow]
            key: object
            if e.table == "binding update list":
                if mn and e.node != mn:
                    continue
                table, key = bul, (e.peer, e.home_address)
            else:
                if mn and e.peer != mn:
                    continue
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
            e = cast(PacketSent, trace[j])  # _sent holds only these
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

    def placement_at(self, i: int, mn: str | None = None) -> Placement | None:
        """The latest user drop of ``mn`` (default: the first MN) that holds after
        event ``i``."""
        mn = mn or self.mn_name
        found = None
        for p in self._placements:
            if p.index <= i and (p.mn or self.mn_name) == mn:
                found = p
        return found

    def _teacher_at(self, i: int, kind: type) -> list:
        return [c for c in self._teacher if isinstance(c, kind) and c.index <= i]

    def map_option_at(self, i: int, ar: str, map_name: str) -> MapOptionSetting | None:
        """The MAP option ``ar`` advertised for ``map_name`` after event ``i`` (None:
        nothing known)."""
        found = None
        for c in self._teacher_at(i, MapOptionSetting):
            if c.ar == ar and c.map_name == map_name:
                found = c
        return found

    def link_params_at(self, i: int, a: str, b: str) -> LinkSetting | None:
        """Delay and loss of the link between ``a`` and ``b`` after event ``i``."""
        found = None
        for c in self._teacher_at(i, LinkSetting):
            if {c.a, c.b} == {a, b}:
                found = c
        return found

    def flow_running_at(self, i: int) -> bool | None:
        """Whether the data flow was switched on after event ``i`` (None: never set)."""
        found = None
        for c in self._teacher_at(i, FlowSetting):
            found = c.running
        return found


__all__ = ["Timeline", "CacheRow", "CachesAt", "Placement", "UserAction",
           "MapOptionSetting", "LinkSetting", "FlowSetting", "TeacherSetting",
           "teacher_setting",
           "cache_holders", "EPS"]
