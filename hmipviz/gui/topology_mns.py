"""The mobile nodes on the topology canvas: where each is drawn, its access line, the
drag that moves it and the selection that highlights it.

Mixed into :class:`hmipviz.gui.topology_view.QtTopologyView`. Every MN is a
:class:`~hmipviz.gui.topology_nodes.MnItem`. Where it is drawn is an answer the engine
holds for the moment on screen, never the live state:

- an MN with a moving mobility model follows its trajectory
  (``controller.mn_trajectory``): straight legs at constant speed, so each animation
  frame interpolates along the leg it is on and asks for the next leg only when it
  ends; scrubbing back shows where it was at the time shown;
- any other MN sits where the user last dropped it (the timeline's placements), else
  at its spot in the cell of the AR its link layer is on (from the trace's
  ``LinkChanged``), several static MNs in one cell fanned out.

With several MNs each gets a colour and a short badge ("3" for MN3) shared with its
tokens, so two MNs' messages can be told apart; names show on hover and for the
selected MN only, so ten MNs do not pile up labels. With one MN nothing changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsSimpleTextItem

from hmipviz import layout
from hmipviz.gui.topology_nodes import MnItem
from hmipviz.gui.view_cores import TopologyViewCore
from hmipviz.layout import MN_R
from hmipviz.mobility import Leg

if TYPE_CHECKING:
    from hmipviz.gui.topology_view import QtTopologyView

# MN colours (several MNs): distinct from one another and from the domain tints; the
# badge text is white on each.
MN_HEX = ("#1F77B4", "#D62728", "#2CA02C", "#9467BD", "#8C564B", "#E377C2", "#17BECF",
          "#7F7F00", "#FF7F0E", "#393B79", "#637939", "#AD494A", "#0B6E4F", "#7B4173",
          "#3182BD", "#E6550D", "#31A354", "#756BB1", "#636363", "#843C39")
ACCESS_GREEN = "#009E73"


def mn_colour(k: int) -> QColor:
    return QColor(MN_HEX[k % len(MN_HEX)])


class MnLayerMixin(TopologyViewCore):
    """The MN half of the canvas (see the module docstring)."""

    # --- building ----------------------------------------------------------------------
    def _clear_mns(self) -> None:
        self.mn_items: dict[str, MnItem] = {}
        self.access_lines: dict[str, QGraphicsLineItem] = {}
        self.mn_item: MnItem | None = None
        self.access_line: QGraphicsLineItem | None = None
        self.no_link: QGraphicsSimpleTextItem | None = None
        self._mn_ars: dict[str, str | None] = {}
        self._mn_spots: dict[str, dict[str | None, QPointF]] = {}
        self._dropped_spots: set[tuple[str, str | None]] = set()  # (MN, AR) the user chose
        self._mn_offsets: dict[str, QPointF] = {}
        self._legs: dict[str, Leg] = {}
        self.several = False

    def _build_mns(self, scenario) -> None:
        from hmipviz.gui import theme
        specs = [n for n in scenario.nodes if n.role == "mn"]
        self.several = len(specs) > 1
        labels = layout.mn_short_labels([s.name for s in specs])
        static = [s.name for s in specs if self.controller.mn_trajectory(s.name) is None]
        for k, spec in enumerate(specs):
            self._init_mn_spots(spec, static)
            item = MnItem(cast("QtTopologyView", self), spec)  # only mixed into it
            if self.several:
                item.set_badge(labels[spec.name], mn_colour(k))
            self.scene_.addItem(item)
            self.nodes[spec.name] = item
            self.mn_items[spec.name] = item
            line = QGraphicsLineItem()
            colour = QColor(ACCESS_GREEN) if not self.several else mn_colour(k)
            line.setPen(QPen(colour, 2.5 if not self.several else 1.8, Qt.PenStyle.DotLine))
            line.setZValue(-8)
            line.setToolTip(f"{spec.name}'s wireless access link")
            self.scene_.addItem(line)
            self.access_lines[spec.name] = line
        if specs:
            first = specs[0].name
            self.mn_item = self.mn_items[first]
            self.access_line = self.access_lines[first]
        if len(specs) == 1:
            self.no_link = QGraphicsSimpleTextItem("no link")
            self.no_link.setFont(theme.ui_font(0, bold=True))
            self.no_link.setBrush(QColor(theme.CROSS_RED))
            self.no_link.setZValue(9)
            self.scene_.addItem(self.no_link)

    def _init_mn_spots(self, mn_spec, static: list[str]) -> None:
        """Where an MN is drawn on each AR: its scenario offset from its first AR (MNs
        without one fanned out around the AR)."""
        spots: dict[str | None, QPointF] = {}
        offset = layout.DEFAULT_MN_OFFSET
        if mn_spec.position is not None and mn_spec.attach in self.cells:
            cell = self.cells[mn_spec.attach]
            offset = layout.mn_offset(tuple(mn_spec.position),
                                      (cell.centre.x(), cell.centre.y()), cell.radius)
            spots[mn_spec.attach] = QPointF(*mn_spec.position)
        elif mn_spec.name in static:
            offset = layout.mn_slot_offset(offset, static.index(mn_spec.name), len(static))
        self._mn_offsets[mn_spec.name] = QPointF(*offset)
        if mn_spec.position is not None:
            spots[None] = QPointF(*mn_spec.position)
        self._mn_spots[mn_spec.name] = spots

    @property
    def _spots(self) -> dict[str | None, QPointF]:
        """The first MN's spots (one-MN views and tests)."""
        return self._mn_spots.setdefault(self.controller.mn_name, {})

    @property
    def _mn_ar(self) -> str | None:
        return self._mn_ars.get(self.controller.mn_name)

    def spot(self, ar: str | None, mn: str | None = None) -> QPointF:
        """Where ``mn`` is drawn on ``ar`` (None: no link), clear of the AR's label."""
        mn = mn or self.controller.mn_name
        if (mn, ar) in self._dropped_spots:
            return self._raw_spot(ar, mn)  # where the user dropped it: theirs to choose
        return self._clear_of_label(ar, mn, self._raw_spot(ar, mn))

    def _clear_of_label(self, ar: str | None, mn: str, p: QPointF) -> QPointF:
        item = self.mn_items.get(mn)
        if item is None:
            return p
        r0 = item.r
        icon0 = QRectF(p.x() - r0, p.y() - r0, 2 * r0, 2 * r0)
        # the AR it is on, else (no link: mid-move) whichever fixed node it would cover
        node = self.nodes.get(ar) if ar is not None else next(
            (n for name, n in self.nodes.items() if name not in self.mn_items
             and n.sceneBoundingRect().intersects(icon0)), None)
        if node is None:
            return p
        cell = self.cell_at(p)
        # at small sizes the labels grow in scene units (9 pt on screen) and the MN's
        # icon would cover the AR's name, or its own name and "on AR" line would run
        # into the domain's label under the cells: the nearest place beside, below or
        # above that is clear of both and still in its cell
        label = node.sceneBoundingRect()
        r = item.r
        domains = [d.sceneBoundingRect() for d in self.domain_labels]
        own = item.label_box()
        at = item.pos()

        def names_at(q: QPointF) -> QRectF:
            if own is None:
                return QRectF()
            dx, dy = q.x() - at.x(), q.y() - at.y()
            return QRectF(QPointF(own[0] + dx, own[1] + dy), QPointF(own[2] + dx, own[3] + dy))

        def clear(q: QPointF) -> bool:
            names = names_at(q)
            return not QRectF(q.x() - r, q.y() - r, 2 * r, 2 * r).intersects(label) and \
                not any(names.intersects(d) for d in domains)
        if clear(p):
            return p
        centre = node.pos()
        left, right = label.left() - r - 2, label.right() + r + 2
        candidates = [QPointF(x, y) for y in (p.y(), centre.y()) for x in (left, right)]
        candidates.append(QPointF(p.x(), label.bottom() + r + 2))
        for d in (d for d in domains if names_at(p).intersects(d)):  # lifted above it
            candidates.append(QPointF(p.x(), p.y() - (names_at(p).bottom() - d.top() + 2)))
        candidates = [q for q in candidates if clear(q)] or candidates
        candidates.sort(key=lambda q: (q - p).manhattanLength())
        inside = [q for q in candidates if self.cell_at(q) == cell]
        return inside[0] if inside else candidates[0]

    def _raw_spot(self, ar: str | None, mn: str) -> QPointF:
        spots = self._mn_spots.get(mn, {})
        if ar in spots:
            return QPointF(spots[ar])
        if ar in self.cells:
            c = self.cells[ar]
            off = self._mn_offsets.get(mn, QPointF(*layout.DEFAULT_MN_OFFSET))
            return c.centre + QPointF(off.x() * c.radius, off.y() * c.radius)
        if ar is None and self.cells:
            return QPointF(spots.get(None, QPointF(0, 0)))
        return QPointF(0, 0)

    # --- following the controller -----------------------------------------------------
    def mn_addresses(self, mn: str | None = None) -> list[str]:
        c = self.controller
        mn = mn or c.mn_name
        out = []
        for row in c.caches_at(c.position, mn if self.several else None).bul:
            if row.flags.endswith("M"):
                out.append(f"RCoA <tt>{row.home_address}</tt> (at {row.peer})")
                out.append(f"LCoA <tt>{row.care_of_address}</tt>")
            elif "H" in row.flags and not any("LCoA" in x for x in out):
                out.append(f"care-of address <tt>{row.care_of_address}</tt>")
        ar = c.mn_ar_at(c.position, mn)
        out.append(f"on {ar}" if ar else "no link")
        return out

    def _update_mns(self, position: int) -> None:
        c = self.controller
        t = c.display_time()
        for name, item in self.mn_items.items():
            ar = c.mn_ar_at(position, name)
            self._mn_ars[name] = ar
            if not item.dragging:
                target = self._mn_target(name, position, ar, t)
                if item.pos() != target:
                    item.setPos(target)
            if item.linked != (ar is not None):
                item.linked = ar is not None
                item.update()
            item.set_sublabel((ar and f"on {ar}") or "")
            self._update_access_line(name)
        if self.no_link is not None and self.mn_item is not None:
            item = self.mn_item
            self.no_link.setVisible(not item.linked and position >= 0)
            p = item.pos()
            self.no_link.setPos(p.x() + item.r + 6, p.y() - item.r - 4)

    def _mn_target(self, name: str, position: int, ar: str | None, t: float) -> QPointF:
        c = self.controller
        if c.mn_trajectory(name) is not None:
            return self._moving_pos(name, t)
        placed = c.placement_at(position, name)
        if placed is not None and (ar is None or placed.ar == ar) and placed.point:
            return QPointF(*placed.point)  # where the user dropped it: theirs to choose
        if ar is not None:
            return self.spot(ar, name)
        # detached by the time line: just outside the last cell
        links = c.mn_links(name)
        k = 0
        while k < len(links) and links[k][0] <= position:
            k += 1
        last = next((a for _, a in reversed(links[:k]) if a is not None), None)
        return self.spot(last, name) if last else self.spot(None, name)

    def _moving_pos(self, name: str, t: float) -> QPointF:
        """Where a moving MN is at ``t``: along the cached leg while ``t`` is on it."""
        leg = self._legs.get(name)
        if leg is None or not (leg.t0 <= t < leg.t1):
            leg = self.controller.mn_trajectory(name).leg_at(t)
            self._legs[name] = leg
        return QPointF(*leg.at(t))

    def _move_mns_to_time(self, t: float) -> bool:
        """Each animation frame: put the moving MNs where they are at ``t``."""
        moved = False
        for name, item in self.mn_items.items():
            if item.dragging or self.controller.mn_trajectory(name) is None:
                continue
            p = self._moving_pos(name, t)
            if item.pos() != p:
                item.setPos(p)
                self._update_access_line(name)
                moved = True
        return moved

    def _forget_legs(self) -> None:
        """A user action may have changed a trajectory (a drag ends its model)."""
        self._legs.clear()

    def _update_access_line(self, name: str | None = None) -> None:
        name = name or self.controller.mn_name
        line, item = self.access_lines.get(name), self.mn_items.get(name)
        if line is None or item is None:
            return
        ar = self._mn_ars.get(name)
        if ar is None or ar not in self.nodes:
            line.setVisible(False)
            return
        a, b = self.node_pos(ar), item.pos()
        line.setLine(a.x(), a.y(), b.x(), b.y())
        line.setVisible(True)

    def _highlight_mns(self) -> None:
        """The selected MN (controller.selected_mn) stands out; the others fade."""
        chosen = self.controller.selected_mn
        for name, item in self.mn_items.items():
            item.set_chosen(name == chosen, bool(chosen) and name != chosen)
            line = self.access_lines.get(name)
            if line is not None:
                line.setOpacity(0.3 if chosen and name != chosen else 1.0)

    # --- dragging ------------------------------------------------------------------------
    def mn_dragged(self, p: QPointF, item: MnItem | None = None) -> None:
        target = self.cell_at(p)
        if target != self._drag_target:
            if self._drag_target in self.cells:
                self.cells[self._drag_target].set_target(False)
            if target in self.cells:
                self.cells[target].set_target(True)
            self._drag_target = target
            self.mnDropTarget.emit(target)
        name = item.name if item is not None else self.controller.mn_name
        self._update_access_line(name)
        self.follow_dragged_mn(name)
        if self.no_link is not None:
            self.no_link.setVisible(target is None)
            self.no_link.setPos(p.x() + MN_R + 6, p.y() - MN_R - 4)
        self.update_tokens(self.controller.display_time())

    def mn_dropped(self, p: QPointF, item: MnItem | None = None) -> None:
        if self._drag_target in self.cells:
            self.cells[self._drag_target].set_target(False)
        self._drag_target = None
        c = self.controller
        name = item.name if item is not None else c.mn_name
        # the scene is fixed: a drop past its edge stays on it, seen (issue 13)
        p = QPointF(*layout.clamp_point((p.x(), p.y()), self._scene_tuple(), MN_R + 4))
        target = self.cell_at(p)
        self._mn_spots.setdefault(name, {})[target] = QPointF(p)
        self._dropped_spots.add((name, target))
        current = c.mn_ar_at(c.position, name)
        moving = c.mn_trajectory(name) is not None
        if target != current or moving:
            # a moving MN is dropped where it is put even in the same cell: its model
            # ends there (otherwise it would walk on from where the trace has it)
            self._forget_legs()
            c.move_mn(target, (p.x(), p.y()), mn=name)
        else:
            self.update_state(c.position)

    def _keyed_mn(self) -> str:
        """The MN a key or menu moves: the selected one, else the first."""
        c = self.controller
        for name, item in self.mn_items.items():
            if item.isSelected():
                return name
        return c.selected_mn or c.mn_name

    def move_mn_to(self, ar: str | None, mn: str | None = None) -> None:
        """Keyboard / menu move: to ``ar``'s usual spot (None: out of every cell)."""
        c = self.controller
        mn = mn or self._keyed_mn()
        if ar is None:
            cells = list(self.cells.values())
            if cells:
                right = max(cells, key=lambda cell: cell.centre.x() + cell.radius)
                p = right.centre + QPointF(right.radius + 60, 0)
            else:
                p = QPointF(0, 0)
            self._mn_spots.setdefault(mn, {})[None] = p
            point = (p.x(), p.y())
        elif c.mn_trajectory(mn) is not None:
            p = self.spot(ar, mn)
            point = (p.x(), p.y())  # a moving MN stops at that spot
        else:
            point = None
        if ar != c.mn_ar_at(c.position, mn):
            self._forget_legs()
            c.move_mn(ar, point, mn=mn)

    def next_ar(self, mn: str | None = None) -> str | None:
        if not self.ar_order:
            return None
        current = self.controller.mn_ar_at(self.controller.position, mn or self._keyed_mn())
        if current not in self.ar_order:
            return self.ar_order[0]
        return self.ar_order[(self.ar_order.index(current) + 1) % len(self.ar_order)]

    def mn_selected_by_key(self) -> bool:
        return any(item.isSelected() for item in self.mn_items.values())

    def mn_distance(self, name: str, p: QPointF) -> float:
        q = self.mn_items[name].pos()
        return math.hypot(q.x() - p.x(), q.y() - p.y())


__all__ = ["MnLayerMixin", "MN_HEX", "mn_colour"]
