"""What the sequence diagram shows, with no Qt: lifelines and their x, one row per
packet hop (``PacketSent``) or drop (``PacketDropped``) that passes the filters, and how
the rows follow a growing trace, a moving position and a branch that cuts the future.

:class:`hmipviz.gui.ladder.QtLadder` keeps one :class:`LadderModel` and mirrors its rows
as graphics items (:mod:`hmipviz.gui.ladder_items`)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from hmipviz.engine import describe
from hmipviz.engine.events import PacketDropped, PacketReceived, PacketSent

ROLE_ORDER = {"mn": 0, "ar": 1, "map": 2, "router": 3, "ha": 4, "cn": 5, "host": 6}
COL_W = 124.0  # distance between lifelines
GUTTER = 96.0  # time column on the left
ROW_H = 28.0
HEADER_H = 58.0
GAP_S = 0.5  # a quiet gap longer than this gets a dotted rule


def lifeline_order(scenario) -> list[tuple[str, str]]:
    """(name, role) of every node: MN, ARs, MAPs, routers, HA, CN, hosts; file order within."""
    nodes = list(getattr(scenario, "nodes", ()))
    ranked = sorted(enumerate(nodes), key=lambda p: (ROLE_ORDER.get(p[1].role, 9), p[0]))
    return [(n.name, n.role) for _, n in ranked]


@dataclass(eq=False, slots=True)
class LadderRow:
    """One row: an arrow from x1 to x2 (a hop), or a cross at x1 (x2 None: a drop);
    ``gap`` the quiet time before it when longer than GAP_S. Slotted: a long run has
    hundreds of thousands of rows, and they are all the model keeps of them."""

    index: int  # trace index
    event: PacketSent | PacketDropped
    row: int
    x1: float
    x2: float | None
    gap: float | None

    @property
    def top(self) -> float:
        return self.row * ROW_H


@dataclass
class SyncResult:
    removed: list[LadderRow] = field(default_factory=list)
    added: list[LadderRow] = field(default_factory=list)
    crossed: list[LadderRow] = field(default_factory=list)  # rows the position crossed
    new_lifelines: bool = False


class LadderModel:
    """Rows for the whole known trace; those after the position (the future seen before
    a step back) are drawn faded and left out of the exports."""

    def __init__(self) -> None:
        self.show_data = True
        self.show_ra = True
        self.show_forwarding = True
        # several MNs: only the rows that concern ``mn`` ("" = every MN), as
        # ``mn_of(trace index)`` says; the other MNs' lifelines are left out
        self.mn = ""
        self.mn_of = None
        self.nodes: list[tuple[str, str]] = []
        self.x: dict[str, float] = {}
        self.clear()

    def clear(self) -> None:
        self.rows: list[LadderRow] = []
        self.row_idx: list[int] = []  # trace index of each row (sorted), for bisect
        self.last_hop: dict[int, LadderRow] = {}  # packet id -> its latest shown row
        self.upto = -1  # last trace index examined
        self.upto_event: object = None
        self.pos = -1  # the position as last synced

    # --- lifelines -----------------------------------------------------------------------
    def set_nodes(self, scenario, only_mn: str = "") -> None:
        """Lifelines for the scenario's nodes; with ``only_mn``, of the MNs only that one."""
        self.nodes = [(name, role) for name, role in lifeline_order(scenario)
                      if not only_mn or role != "mn" or name == only_mn]
        self.x = {name: GUTTER + COL_W * (k + 0.5) for k, (name, _r) in enumerate(self.nodes)}

    def ensure_node(self, name: str) -> tuple[float, bool]:
        """The lifeline's x; a node the scenario did not list gets one (True)."""
        if name not in self.x:
            self.nodes.append((name, "host"))
            self.x[name] = GUTTER + COL_W * (len(self.nodes) - 0.5)
            return self.x[name], True
        return self.x[name], False

    def scene_width(self) -> float:
        return GUTTER + COL_W * max(1, len(self.nodes)) + 40

    # --- rows ------------------------------------------------------------------------------
    def visible(self, e, i: int = -1) -> bool:
        """Arrows and drops pass the kind filters; forwarding hops their own; with an
        MN chosen, only that MN's (event ``i``)."""
        if not isinstance(e, (PacketSent, PacketDropped)):
            return False
        if self.mn and self.mn_of is not None and self.mn_of(i) != self.mn:
            return False
        if not self.show_data and e.kind == describe.DATA:
            return False
        if not self.show_ra and e.kind in (describe.RA, describe.RS):
            return False
        if not self.show_forwarding and isinstance(e, PacketSent) and not e.origin:
            return False
        return True

    def sync(self, trace, position: int) -> SyncResult:
        """Catch up with the trace and the position, touching only the difference.
        After a new branch, only the rows of the discarded future are removed."""
        out = SyncResult()
        n = len(trace)
        if self.upto >= 0 and (self.upto >= n or trace[self.upto] is not self.upto_event):
            # a branch cut the trace (and maybe grew it again): drop the rows whose
            # events are gone, keep the common past
            keep = len(self.rows)
            while keep and (self.rows[keep - 1].index >= n or
                            trace[self.rows[keep - 1].index] is not self.rows[keep - 1].event):
                keep -= 1
            out.removed = self._remove_from(keep)
            last = self.rows[-1].index if self.rows else -1
            self.upto, self.upto_event = last, (trace[last] if last >= 0 else None)
        for i in range(self.upto + 1, n):
            e = trace[i]
            if self.visible(e, i):
                row, new_lifeline = self._add(i, e)
                out.added.append(row)
                out.new_lifelines = out.new_lifelines or new_lifeline
        self.upto = n - 1
        self.upto_event = trace[-1] if n else None
        pos = min(position, n - 1)
        if pos != self.pos:
            lo, hi = sorted((pos, self.pos))
            a = bisect.bisect_right(self.row_idx, lo)
            b = bisect.bisect_right(self.row_idx, hi)
            out.crossed = self.rows[a:b]
            self.pos = pos
        return out

    def _add(self, i: int, e: PacketSent | PacketDropped) -> tuple[LadderRow, bool]:
        prev = self.rows[-1].event if self.rows else None
        gap = (e.t - prev.t) if prev is not None and e.t - prev.t > GAP_S else None
        x1, new1 = self.ensure_node(e.node)
        x2, new2 = self.ensure_node(e.to_node) if isinstance(e, PacketSent) else (None, False)
        row = LadderRow(i, e, len(self.rows), x1, x2, gap)
        self.rows.append(row)
        self.row_idx.append(i)
        if isinstance(e, PacketSent):
            self.last_hop[e.packet_id] = row
        return row, new1 or new2

    def _remove_from(self, k: int) -> list[LadderRow]:
        """Remove the rows from ``k`` on (a branch discarded their events), in time
        linear in the rows: one pass finds each cut packet's last remaining hop."""
        gone = self.rows[k:]
        if not gone:
            return []
        del self.rows[k:]
        del self.row_idx[k:]
        cut: set[int] = set()
        for row in gone:
            e = row.event
            if isinstance(e, PacketSent) and self.last_hop.get(e.packet_id) is row:
                del self.last_hop[e.packet_id]
                cut.add(e.packet_id)
        for r in reversed(self.rows):
            if not cut:
                break
            e = r.event
            if isinstance(e, PacketSent) and e.packet_id in cut:
                self.last_hop[e.packet_id] = r
                cut.discard(e.packet_id)
        return gone

    # --- questions ---------------------------------------------------------------------------
    def shown(self) -> int:
        """How many rows are at or before the position."""
        return bisect.bisect_right(self.row_idx, self.pos)

    def is_future(self, index: int) -> bool:
        return index > self.pos

    def row_at(self, i: int) -> LadderRow | None:
        """The row of trace index ``i``, if it has one (a bisect: no per-row dict)."""
        k = bisect.bisect_left(self.row_idx, i)
        if k < len(self.row_idx) and self.row_idx[k] == i:
            return self.rows[k]
        return None

    def rows_between(self, top: float, bottom: float) -> list[LadderRow]:
        """The rows that overlap scene y from ``top`` to ``bottom`` (rows are ROW_H apart
        and row k is at k * ROW_H)."""
        first = max(0, int(top // ROW_H))
        last = min(len(self.rows), int(bottom // ROW_H) + 1)
        return self.rows[first:last]

    def row_for(self, i: int, trace) -> LadderRow | None:
        """The row of event ``i``; a PacketReceived selects its packet's latest hop."""
        row = self.row_at(i)
        if row is None and 0 <= i < len(trace):
            e = trace[i]
            if isinstance(e, PacketReceived):
                row = self.last_hop.get(e.packet_id)
        return row

    def arrow_indices(self) -> list[int]:
        return [r.index for r in self.rows if r.x2 is not None and r.index <= self.pos]

    def drop_indices(self) -> list[int]:
        return [r.index for r in self.rows if r.x2 is None and r.index <= self.pos]

    def future_indices(self) -> list[int]:
        return [r.index for r in self.rows if r.index > self.pos]

    def height(self) -> float:
        return max(ROW_H * len(self.rows) + ROW_H, 100.0)

    def export_size(self) -> tuple[int, int]:
        return int(self.scene_width()), int(ROW_H * (self.shown() + 1) + HEADER_H)


__all__ = ["LadderModel", "LadderRow", "SyncResult", "lifeline_order", "ROLE_ORDER", "COL_W",
           "GUTTER", "ROW_H", "HEADER_H", "GAP_S"]
