"""Where the topology canvas puts things, with no Qt: node positions, MAP domains, cells,
link labels, hop lanes, tunnel offsets, the scene rectangle and the fit scale.

The canvas (:mod:`hmipviz.gui.topology_view`) turns these plain numbers into graphics
items; keeping the geometry here lets it be tested without a display and keeps the view
about drawing. Points are ``(x, y)`` tuples in scene units (the scenario's own units).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

Point = tuple[float, float]

NODE_R = 24.0  # icon radius, scene units
MN_R = 20.0
LANE = 7.0  # tokens going one way run this far to one side of the link
# Layers of the automatic layout, top to bottom.
_LAYER = {"ha": 0, "cn": 0, "host": 0, "router": 1, "map": 2, "ar": 3}
# the MN's default spot in a cell, as a fraction of the radius (left of and below the AR)
DEFAULT_MN_OFFSET = (-0.25, 0.4)


# --- node positions -----------------------------------------------------------------
def compute_layout(scenario) -> dict[str, Point]:
    """Scene positions of the fixed nodes: the scenario's where given, else laid out
    in layers (HA/CN, routers, MAPs, ARs) ordered to keep links short; nodes missing a
    position among placed ones are put by a seeded spring layout around them."""
    fixed = [n for n in scenario.nodes if n.role != "mn"]
    given = {n.name: n.position for n in fixed if n.position is not None}
    if len(given) == len(fixed):
        return {k: (float(v[0]), float(v[1])) for k, v in given.items()}
    import networkx as nx  # here: when every position is given, start-up skips its import
    g: nx.Graph[str] = nx.Graph()
    g.add_nodes_from(n.name for n in fixed)
    g.add_edges_from((lk.a, lk.b) for lk in scenario.links if lk.a in g and lk.b in g)
    if given:
        pos = nx.spring_layout(g, pos={k: tuple(v) for k, v in given.items()},
                               fixed=list(given), seed=1, k=200.0, iterations=200)
        return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}
    return _layered(scenario, g)


def _layered(scenario, g: nx.Graph) -> dict[str, Point]:
    layers: dict[int, list[str]] = {}
    radius: dict[str, float] = {}
    for n in scenario.nodes:
        if n.role == "mn":
            continue
        layers.setdefault(_LAYER.get(n.role, 1), []).append(n.name)
        radius[n.name] = n.radius if n.role == "ar" else 0.0
    ar_r = max([r for r in radius.values() if r] or [120.0])
    spacing = max(110.0, 1.7 * ar_r)
    per_row = 12
    # order bottom-up by the barycentre of neighbours already placed
    order: dict[int, list[str]] = {}
    keys = sorted(layers)
    if not keys:
        return {}
    bottom = keys[-1]
    ars = layers[bottom]
    # ARs grouped by the MAP they advertise first (domain by domain)
    first_map = {n.name: (n.map_options[0].map if n.map_options else "")
                 for n in scenario.nodes if n.name in ars}
    order[bottom] = sorted(ars, key=lambda a: (first_map.get(a, ""), ars.index(a)))
    index: dict[str, float] = {name: i for i, name in enumerate(order[bottom])}
    for layer in reversed(keys[:-1]):
        names = layers[layer]

        def bary(name: str, names: list[str] = names) -> float:
            near = [index[m] for m in g.neighbors(name) if m in index] if name in g else []
            return sum(near) / len(near) if near else float(names.index(name)) * 1e3
        order[layer] = sorted(names, key=bary)
        for i, name in enumerate(order[layer]):
            index.setdefault(name, bary(name) if bary(name) < 1e3 else i)
    out: dict[str, Point] = {}
    y = 0.0
    for layer in keys:
        names = order[layer]
        rows = [names[i:i + per_row] for i in range(0, len(names), per_row)] or [[]]
        for row in rows:
            width = (len(row) - 1) * spacing
            for i, name in enumerate(row):
                out[name] = (i * spacing - width / 2, y)
            y += (1.6 * ar_r) if layer == bottom else 150.0
    return out


# --- MAP domains ---------------------------------------------------------------------
@dataclass(frozen=True)
class Domain:
    """The ARs that advertise one same set of MAPs (RFC 5380 s.3: a MAP domain)."""

    maps: frozenset[str]
    index: int  # colour index, in order of first appearance
    ars: tuple[str, ...]

    @property
    def label(self) -> str:
        names = sorted(self.maps)
        text = ", ".join(names) if len(names) <= 3 else f"{names[0]} +{len(names) - 1}"
        return f"{text} domain"


def map_domains(scenario) -> tuple[dict[str, Domain | None], list[Domain]]:
    """Each AR's domain (None: it advertises no MAP), and the domains in order. An AR
    with a MAP function of its own (flat HMIPv6) counts itself among its MAPs."""
    maps_of: dict[str, frozenset[str]] = {}
    for n in scenario.nodes:
        if n.role != "ar":
            continue
        maps = frozenset(o.map for o in n.map_options)
        if n.map_address is not None:
            maps = maps | {n.name}
        maps_of[n.name] = maps
    order: list[frozenset[str]] = []
    members: dict[frozenset[str], list[str]] = {}
    for ar, maps in maps_of.items():
        if maps:
            if maps not in members:
                order.append(maps)
            members.setdefault(maps, []).append(ar)
    domains = [Domain(m, i, tuple(members[m])) for i, m in enumerate(order)]
    by_maps = {d.maps: d for d in domains}
    return {ar: by_maps.get(maps) for ar, maps in maps_of.items()}, domains


def domain_label_pos(cells: Iterable[tuple[Point, float]], w: float) -> Point | None:
    """Top-left of a domain's label of width ``w``: centred under its cells."""
    cells = list(cells)
    if not cells:
        return None
    left = min(c[0] - r for c, r in cells)
    right = max(c[0] + r for c, r in cells)
    bottom = max(c[1] + r for c, r in cells)
    return ((left + right) / 2 - w / 2, bottom + 6)


# --- links, cells, hops, tunnels ------------------------------------------------------
def link_label_pos(a: Point, b: Point, w: float, h: float) -> Point:
    """Top-left of a ``w`` x ``h`` label beside the middle of link a-b (off it along the
    normal that points right or down, so it never sits across the line)."""
    vx, vy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(vx, vy) or 1.0
    nx_, ny_ = -vy / length, vx / length
    if nx_ < 0 or (nx_ == 0 and ny_ > 0):
        nx_, ny_ = -nx_, -ny_
    off = abs(nx_) * w / 2 + abs(ny_) * h / 2 + 4
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    return (mx + nx_ * off - w / 2, my + ny_ * off - h / 2)


def cell_at(p: Point, cells: Mapping[str, tuple[Point, float]]) -> str | None:
    """The AR whose cell (centre, radius) contains ``p``; the nearest centre where
    cells overlap; None outside every cell."""
    best, best_d = None, math.inf
    for name, (c, r) in cells.items():
        d = math.hypot(p[0] - c[0], p[1] - c[1])
        if d <= r and d < best_d:
            best, best_d = name, d
    return best


def mn_offset(position: Point | None, centre: Point | None, radius: float) -> Point:
    """Where the MN sits in any cell, as a fraction of the radius: the scenario's
    offset from its first AR when it is inside that cell, else the default."""
    if position is None or centre is None or radius <= 0:
        return DEFAULT_MN_OFFSET
    rx, ry = position[0] - centre[0], position[1] - centre[1]
    if math.hypot(rx, ry) < radius:
        return (rx / radius, ry / radius)
    return DEFAULT_MN_OFFSET


def mn_slot_offset(offset: Point, k: int, n: int) -> Point:
    """The ``k``-th of ``n`` MNs drawn in one cell without a position of their own:
    the first at ``offset``, the others turned about the AR at the same distance, so
    several static MNs on one AR do not hide one another."""
    if n <= 1 or k == 0:
        return offset
    r = max(0.45, math.hypot(*offset))
    a = math.atan2(offset[1], offset[0]) + 2 * math.pi * k / n
    return (r * math.cos(a), r * math.sin(a))


def mn_short_labels(names: Sequence[str]) -> dict[str, str]:
    """A short, unique badge text per MN ("3" for MN3): the digits a name ends with,
    else its position in the list, so ten badges stay legible on the canvas."""
    out: dict[str, str] = {}
    for k, name in enumerate(names):
        digits = name[len(name.rstrip("0123456789")):]
        out[name] = digits or str(k + 1)
    if len(set(out.values())) < len(out):
        out = {name: str(k + 1) for k, name in enumerate(names)}
    return out


def spot_in_cell(centre: Point, radius: float, offset: Point) -> Point:
    return (centre[0] + offset[0] * radius, centre[1] + offset[1] * radius)


def hop_points(pa: Point, pb: Point, ra: float, rb: float, margin: float,
               side: float, lane: float = LANE) -> tuple[Point, Point]:
    """Start and end of a token's run from node a to node b: off the icons (radius
    plus ``margin``) and ``lane`` to one side, so the two directions never overlap.
    A hop too short to travel along sits ``side`` beside the link's middle."""
    vx, vy = pb[0] - pa[0], pb[1] - pa[1]
    length = math.hypot(vx, vy) or 1.0
    ux, uy = vx / length, vy / length
    nx_, ny_ = -uy * lane, ux * lane
    ra += margin
    rb += margin
    start = (pa[0] + ux * ra + nx_, pa[1] + uy * ra + ny_)
    end = (pb[0] - ux * rb + nx_, pb[1] - uy * rb + ny_)
    if length < ra + rb:
        mx, my = (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2
        start = end = (mx - uy * side, my + ux * side)
    return start, end


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _covers(p: Point, half_w: float, half_h: float, boxes: Sequence[Box]) -> bool:
    return any(p[0] + half_w > left and p[0] - half_w < right and p[1] + half_h > top
               and p[1] - half_h < bottom for left, top, right, bottom in boxes)


def clear_of_labels(start: Point, end: Point, half_w: float, half_h: float,
                    boxes: Sequence[Box], steps: int = 32) -> tuple[Point, Point] | None:
    """A token's run shortened so that the token (``half_w`` x ``half_h`` about its
    centre) covers none of ``boxes`` (the two nodes' labels) at either end: each end
    slides toward the other until clear. A token paused at its start, as when a step
    shows the moment a packet is sent, would otherwise sit on the sender's name. None
    when no point of the run is clear."""
    def at(f: float) -> Point:
        return (start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f)

    fractions = [i / steps for i in range(steps + 1)]
    first = next((f for f in fractions if not _covers(at(f), half_w, half_h, boxes)), None)
    last = next((f for f in reversed(fractions)
                 if not _covers(at(f), half_w, half_h, boxes)), None)
    if first is None or last is None or first > last:
        return None
    return (at(first), at(last))


def park_beside(mid: Point, normal: Point, side: float, half_w: float, half_h: float,
                boxes: Sequence[Box]) -> Point:
    """Where a token sits when its hop is too short (or too crowded by labels) to
    travel along: ``side`` along the unit ``normal`` from the link's middle, or across
    the link if only that spot covers none of ``boxes`` (labels of the link and its
    nodes). Never further out: a token away from its hop would name the wrong link."""
    spots = [(mid[0] + k * normal[0] * side, mid[1] + k * normal[1] * side) for k in (1, -1)]
    return next((p for p in spots if not _covers(p, half_w, half_h, boxes)), spots[0])


@lru_cache(maxsize=4096)
def token_run(pa: Point, pb: Point, ra: float, rb: float, margin: float, side: float,
              half_w: float, half_h: float, names: tuple[Box, ...],
              delay_label: Box | None) -> tuple[Point, Point]:
    """Start and end of a token's run from node a to node b (:func:`hop_points`), kept
    off the nodes' ``names`` at both ends; a hop with no room for that parks the token
    beside the link's middle, off the names and the link's ``delay_label``. Cached: the
    canvas asks for every token in flight on every frame, with the same few hops."""
    start, end = hop_points(pa, pb, ra, rb, margin, side)
    run = None if start == end else clear_of_labels(start, end, half_w, half_h, names)
    if run is not None:
        return run
    length = math.hypot(pb[0] - pa[0], pb[1] - pa[1]) or 1.0
    normal = (-(pb[1] - pa[1]) / length, (pb[0] - pa[0]) / length)
    boxes = names + ((delay_label,) if delay_label else ())
    mid = ((pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2)
    spot = park_beside(mid, normal, side, half_w, half_h, boxes)
    return (spot, spot)


def token_fraction(sent_t: float, arrive_t: float, t: float) -> float:
    """How far along its hop a packet sent at ``sent_t`` is at display time ``t``."""
    span = arrive_t - sent_t
    return 1.0 if span <= 0 else min(1.0, max(0.0, (t - sent_t) / span))


def offset_polyline(pts: Sequence[Point], offset: float) -> list[Point]:
    """``pts`` moved ``offset`` along the average normal at each point (a tunnel drawn
    beside the links it follows, home and local tunnels on opposite sides)."""
    out = []
    for i, p in enumerate(pts):
        normals = []
        for j in (i - 1, i):
            if 0 <= j < len(pts) - 1:
                vx, vy = pts[j + 1][0] - pts[j][0], pts[j + 1][1] - pts[j][1]
                length = math.hypot(vx, vy) or 1.0
                normals.append((-vy / length, vx / length))
        k = max(1, len(normals))
        nx_ = sum(n[0] for n in normals) / k
        ny_ = sum(n[1] for n in normals) / k
        out.append((p[0] + nx_ * offset, p[1] + ny_ * offset))
    return out


# --- the scene and the fit -----------------------------------------------------------
Rect = tuple[float, float, float, float]  # x, y, width, height


def scene_rect(items: Rect) -> Rect:
    """The scene rectangle around the items' bounding rectangle: wide margins so the
    view can pan and the MN be dragged well outside the network."""
    x, y, w, h = items
    pad = max(w, h) * 3 + 2000
    return (x - pad, y - pad, w + 2 * pad, h + 2 * pad)


def fit_scale(content: Rect, viewport_w: float, viewport_h: float,
              legend_w: float) -> tuple[float, float]:
    """The scale that fits ``content`` into the viewport beside a legend ``legend_w``
    wide on the left, and the legend width actually kept clear (0 when keeping it
    clear would shrink the network below 60 % of the full-width fit)."""
    _x, _y, w, h = content
    if w <= 0 or h <= 0:
        return 1.0, 0.0
    avail_w = max(50.0, viewport_w - legend_w)
    s = min(avail_w / w, viewport_h / h)
    full = min(viewport_w / w, viewport_h / h)
    if s < 0.6 * full:
        return full, 0.0
    return s, legend_w


# --- the classroom layout (issue 13): a still scene, a free corner, dock widths -------
CANVAS_SHARE = 0.6  # at widths up to NARROW_W the canvas keeps at least this share
NARROW_W = 1280
SCENE_MARGIN = 40.0  # scene units around the nodes and cells: room to drop the MN
MIN_LABEL_PT = 9.0  # the smallest text on the canvas at the default zoom


def still_scene_rect(points: Iterable[Point], node_r: float,
                     cells: Iterable[tuple[Point, float]],
                     label_room: float = 2.5 * NODE_R,
                     margin: float = SCENE_MARGIN) -> Rect:
    """The scene rectangle of a scenario, fixed while it is open: every fixed node with
    room for its label under it, every AR's cell (where the MN can be dragged to), and a
    margin to drop the MN outside every cell. Nothing that moves (the MN, tokens)
    counts, so a drop outside every cell never shrinks the network."""
    xs0, ys0, xs1, ys1 = [], [], [], []
    for x, y in points:
        half = max(node_r, label_room)
        xs0.append(x - half)
        xs1.append(x + half)
        ys0.append(y - node_r - 4)
        ys1.append(y + node_r + label_room)
    for (x, y), r in cells:
        xs0.append(x - r)
        xs1.append(x + r)
        ys0.append(y - r)
        ys1.append(y + r + label_room)  # the domain label under the cells
    if not xs0:
        return (-200.0, -150.0, 400.0, 300.0)
    x0, y0 = min(xs0) - margin, min(ys0) - margin
    return (x0, y0, max(xs1) + margin - x0, max(ys1) + margin - y0)


def clamp_point(p: Point, rect: Rect, inset: float = 0.0) -> Point:
    """``p`` moved into ``rect`` shrunk by ``inset`` (where a dropped MN stays visible)."""
    x, y, w, h = rect
    lo_x, hi_x = x + inset, x + w - inset
    lo_y, hi_y = y + inset, y + h - inset
    return (min(max(p[0], lo_x), max(lo_x, hi_x)), min(max(p[1], lo_y), max(lo_y, hi_y)))


def rects_overlap(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share some area (touching edges do not count)."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] \
        and b[1] < a[1] + a[3]


# corners in the order they are tried: the usual bottom-left first
CORNERS = ("bottom-left", "top-left", "top-right", "bottom-right")


def corner_rect(area: Rect, w: float, h: float, corner: str, inset: float = 10.0) -> Rect:
    x, y, aw, ah = area
    left = x + inset if "left" in corner else x + aw - w - inset
    top = y + inset if corner.startswith("top") else y + ah - h - inset
    return (left, top, w, h)


def free_corner(area: Rect, w: float, h: float, obstacles: Sequence[Rect],
                inset: float = 10.0) -> str | None:
    """The first corner of ``area`` where a ``w`` x ``h`` box overlaps none of the
    ``obstacles`` (the nodes on screen), or None when every corner is taken (or the box
    does not fit at all)."""
    if w + 2 * inset > area[2] or h + 2 * inset > area[3]:
        return None
    for corner in CORNERS:
        box = corner_rect(area, w, h, corner, inset)
        if not any(rects_overlap(box, o) for o in obstacles):
            return corner
    return None


def side_column_width(window_w: float) -> int:
    """The width of the dock column beside the canvas: at most 40 % of the window up to
    NARROW_W wide (the canvas keeps its 60 %), up to 560 px on wider screens."""
    if window_w <= NARROW_W:
        return int(window_w * (1 - CANVAS_SHARE) * 0.92)
    return int(min(560.0, window_w * 0.35))


def label_point_size(base_pt: float, view_scale: float,
                     min_pt: float = MIN_LABEL_PT) -> float:
    """The point size to give a canvas label (in scene units) so that it is at least
    ``min_pt`` on screen at the view scale ``view_scale``."""
    return max(base_pt, min_pt / max(view_scale, 1e-3))


__all__ = ["compute_layout", "map_domains", "Domain", "domain_label_pos", "link_label_pos",
           "cell_at", "mn_offset", "mn_slot_offset", "mn_short_labels", "spot_in_cell",
           "hop_points", "clear_of_labels", "park_beside", "token_run", "token_fraction",
           "offset_polyline", "scene_rect", "fit_scale",
           "NODE_R", "MN_R", "LANE", "still_scene_rect", "clamp_point", "rects_overlap",
           "corner_rect", "free_corner", "side_column_width", "label_point_size", "CORNERS",
           "CANVAS_SHARE", "NARROW_W", "MIN_LABEL_PT"]
