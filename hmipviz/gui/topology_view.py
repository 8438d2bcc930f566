"""The topology canvas: nodes, links, AR cells by MAP domain, tunnels and moving packets.

``QtTopologyView(controller)`` is a QGraphicsView. Everything it draws is a function of
the controller's trace up to the current position (and, for the tokens, the display
time while a segment animates):

- node icons (``assets/icons/<role>.svg``, or a drawn shape with the role's letters),
  names under them, role and addresses on hover;
- links with their delay (and loss);
- each AR's coverage cell as a soft disc tinted by its MAP domain (the set of MAPs it
  advertises, RFC 5380 s.3);
- the tunnels that exist at the position, read from the binding caches: MN-MAP
  (RCoA -> LCoA), HA -> care-of address, CN bindings, as dashed paths;
- one token per packet hop in flight, coloured, shaped and labelled by kind
  (tunnelled: dashed outline), and a red cross where a packet was dropped;
- a legend.

Every MN can be dragged (:mod:`hmipviz.gui.topology_mns`): while dragging, the cell it
would attach to is outlined; on release in another AR's cell the controller moves that
MN there, outside every cell it detaches ("no link"). With an MN selected, N (or 1-9,
0 = no link) moves it by key. MNs with a mobility model walk along their trajectories
as time plays. With several MNs, clicking one chooses it (``controller.select_mn``):
it is highlighted, the others and their tokens fade, and the other views filter to it;
Esc shows all again.
Wheel zooms, dragging the background pans, :meth:`fit` fits the scene to the window.

The scene rectangle is fixed per scenario (:func:`hmipviz.layout.still_scene_rect`) and
only :meth:`fit` (on opening, Ctrl+0 and resizing) sets the transform, so the picture
keeps still while it plays; labels are at least 9 pt on screen at that default zoom, and
the legend sits in a corner no node reaches (issue 13).
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QMenu,
)

from hmipviz import layout
from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.engine.routes import AMBIGUOUS, unique_shortest_path
from hmipviz.gui import theme
from hmipviz.gui.topology_fit import CanvasFit
from hmipviz.gui.topology_legend import Legend
from hmipviz.gui.topology_links import (
    make_domain_label,
    make_link,
    make_tunnel,
    set_link_params,
    tunnel_path,
)
from hmipviz.gui.topology_mns import MnLayerMixin
from hmipviz.gui.topology_nodes import CellItem, MnItem, NodeItem
from hmipviz.gui.topology_tokens import TOKEN_H, TOKEN_W, CrossItem, TokenItem
from hmipviz.layout import NODE_R


def _box(rect: QRectF) -> layout.Box:
    return (rect.left(), rect.top(), rect.right(), rect.bottom())


def compute_layout(scenario) -> dict[str, QPointF]:
    """Scene positions of the fixed nodes (:func:`hmipviz.layout.compute_layout`)."""
    return {k: QPointF(*v) for k, v in layout.compute_layout(scenario).items()}


class QtTopologyView(MnLayerMixin, CanvasFit, QGraphicsView):
    """See the module docstring."""

    nodeClicked = Signal(str)
    mnDropTarget = Signal(object)  # AR name or None while dragging

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("topology")
        self.setAccessibleName("Topology canvas")
        self.setAccessibleDescription(
            "The network. Drag the mobile node between access router cells, or select it "
            "and press N. Right-click a MAP to fail or restore it.")
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.setRenderHints(QPainter.RenderHint.Antialiasing |
                            QPainter.RenderHint.TextAntialiasing |
                            QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(theme.canvas_background())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(QSize(320, 240))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.token_font = theme.ui_font(-2.0, bold=True)
        self.badge_font = theme.ui_font(-3.0, bold=True)
        self.positions: dict[str, QPointF] = {}
        self.nodes: dict[str, NodeItem] = {}
        self.cells: dict[str, CellItem] = {}
        self.links: dict[frozenset[str], tuple[QGraphicsLineItem, QGraphicsSimpleTextItem]] = {}
        self._clear_mns()
        self.tokens: dict[int, TokenItem] = {}
        self.tunnels: list[QGraphicsPathItem] = []
        self.crosses: list[CrossItem] = []
        self.domain_labels: list[QGraphicsSimpleTextItem] = []
        self._domain_cells: list[list[tuple[tuple[float, float], float]]] = []
        self.ar_order: list[str] = []
        self._drag_target: str | None = None
        self._user_zoomed = False
        self._graph: nx.Graph[str] | None = None  # built for the first token's path
        self._hop_neighbours: dict[str, list[tuple[str, float]]] | None = None
        self._paths: dict[tuple[str, str], list[str]] = {}
        # tunnels that end at a moving MN: (item, node names, offset), redrawn per frame
        self._moving_tunnels: list[tuple[QGraphicsPathItem, list[str], float]] = []
        self._tunnel_specs: list[tuple] = []  # what the tunnels drawn show
        self.legend = Legend(self)
        controller.scenarioLoaded.connect(self.rebuild)
        controller.positionChanged.connect(self.update_state)
        controller.selectionChanged.connect(self._on_selection)
        controller.frameAdvanced.connect(self._on_frame)
        if hasattr(controller, "mnSelected"):
            controller.mnSelected.connect(self._on_mn_selected)
        self.rebuild()

    def apply_theme(self) -> None:
        """The light or dark theme changed (gui/theme_scheme.py): background, links' and
        labels' colours are set when items are built, so build them again."""
        if theme.high_contrast():
            return  # classroom mode keeps black on white
        self.setBackgroundBrush(theme.canvas_background())
        self.rebuild()
        self.legend.update()

    # --- building ----------------------------------------------------------------------
    def rebuild(self) -> None:
        self.scene_.clear()
        self.nodes.clear()
        self.cells.clear()
        self.links.clear()
        self.tokens.clear()
        self.tunnels.clear()
        self.crosses.clear()
        self.domain_labels.clear()
        self._domain_cells.clear()
        self._paths.clear()
        self._moving_tunnels.clear()
        self._tunnel_specs = []
        self._clear_mns()
        sc = self.controller.scenario
        if sc is None:
            return
        self.positions = compute_layout(sc)
        self._graph = None  # networkx is imported when a token first needs a path
        self._hop_neighbours = None
        # cells, tinted by MAP domain (the set of MAPs an AR advertises)
        domain_of, domains = layout.map_domains(sc)
        self.ar_order = [n.name for n in sc.nodes if n.role == "ar"]
        for n in sc.nodes:
            if n.role != "ar":
                continue
            d = domain_of.get(n.name)
            cell = CellItem(n.name, self.positions[n.name], n.radius,
                            theme.domain_color(d.index if d else None, 60))
            cell.setToolTip(f"{n.name}'s cell" + (f": {', '.join(sorted(d.maps))} domain"
                                                   if d else ": no MAP advertised"))
            self.scene_.addItem(cell)
            self.cells[n.name] = cell
        for d in domains:
            if len(domains) <= 12:
                self._add_domain_label(d.ars, d.label, d.index)
        self.legend.domains = [(d.label, theme.domain_color(d.index, 255)) for d in domains][:6]
        self.legend.relayout()
        # links
        for lk in sc.links:
            if lk.a not in self.positions or lk.b not in self.positions:
                continue
            line, label = make_link(lk.a, lk.b, self.positions[lk.a], self.positions[lk.b],
                                    lk.delay_ms, lk.loss)
            self.scene_.addItem(line)
            self.scene_.addItem(label)
            self.links[frozenset((lk.a, lk.b))] = (line, label)
        # nodes
        for n in sc.nodes:
            if n.role == "mn":
                continue
            item = NodeItem(self, n)
            item.setPos(self.positions[n.name])
            self.scene_.addItem(item)
            self.nodes[n.name] = item
        self._build_mns(sc)
        # fixed while the scenario is open (issue 13): the nodes, the cells an MN can
        # reach and a margin; nothing that moves counts, so nothing refits by itself
        mn_names = {n.name for n in sc.nodes if n.role == "mn"}
        self.scene_.setSceneRect(QRectF(*layout.still_scene_rect(
            [p for name, p in layout.compute_layout(sc).items() if name not in mn_names],
            NODE_R, [((c.centre.x(), c.centre.y()), c.radius) for c in self.cells.values()])))
        self._user_zoomed = False
        self.update_state(self.controller.position)
        self.fit()

    def _add_domain_label(self, ars, text: str, idx: int) -> None:
        cells = [((c.centre.x(), c.centre.y()), c.radius)
                 for c in (self.cells[a] for a in ars if a in self.cells)]
        item = make_domain_label(text, idx, cells)
        if item is not None:
            self.scene_.addItem(item)
            self.domain_labels.append(item)
            self._domain_cells.append(cells)

    def refresh_link_labels(self) -> None:
        """Show each link's delay and loss as they stood at the position (a teacher may
        have changed them; stepping back shows the earlier values)."""
        c = self.controller
        if c.scenario is None:
            return
        for lk in c.scenario.links:
            pair = self.links.get(frozenset((lk.a, lk.b)))
            now = c.link_params_at(c.position, lk.a, lk.b)
            if pair and now is not None:
                set_link_params(pair[0], pair[1], lk.a, lk.b, now.delay_ms, now.loss)

    # --- geometry helpers -----------------------------------------------------------------
    def node_pos(self, name: str) -> QPointF:
        item = self.nodes.get(name)
        return item.pos() if item is not None else QPointF(0, 0)

    def cell_at(self, p: QPointF) -> str | None:
        """The AR whose cell contains ``p``; the nearest centre where cells overlap."""
        return layout.cell_at((p.x(), p.y()), {
            name: ((cell.centre.x(), cell.centre.y()), cell.radius)
            for name, cell in self.cells.items()})

    def _hop_points(self, a: str, b: str) -> tuple[QPointF, QPointF]:
        pa, pb = self.node_pos(a), self.node_pos(b)
        v = pb - pa
        length = math.hypot(v.x(), v.y()) or 1.0
        ux, uy = v.x() / length, v.y() / length
        ra = self.nodes[a].r if a in self.nodes else NODE_R
        rb = self.nodes[b].r if b in self.nodes else NODE_R
        # tokens keep their pixel size: clear the icons by half a token along the hop
        per_px = theme.scale() / max(0.2, self.transform().m11())
        margin = (abs(ux) * TOKEN_W / 2 + abs(uy) * TOKEN_H / 2 + 3) * per_px
        side = (TOKEN_W / 2 + 14) * per_px
        # never paused on a node's name, nor parked on the link's delay label
        half_w, half_h = (TOKEN_W / 2 + 4) * per_px, (TOKEN_H / 2 + 4) * per_px  # + the ring
        names = tuple(box for name in (a, b) if (item := self._item_of(name)) is not None
                      and (box := item.label_box()) is not None)
        link = self.links.get(frozenset((a, b)))
        start, end = layout.token_run((pa.x(), pa.y()), (pb.x(), pb.y()), ra, rb, margin,
                                      side, half_w, half_h, names,
                                      _box(link[1].sceneBoundingRect()) if link else None)
        return QPointF(*start), QPointF(*end)

    def _item_of(self, name: str) -> NodeItem | None:
        return self.nodes.get(name) or self.mn_items.get(name)

    # --- following the controller ----------------------------------------------------------
    def update_state(self, position: int) -> None:
        c = self.controller
        if c.scenario is None:
            return
        self._update_nodes(position)
        self._update_mns(position)
        self.place_legend()
        self._update_tunnels(position)
        self._redraw_moving_tunnels()
        self._update_crosses(position)
        self.refresh_link_labels()
        self._sync_tokens(position)
        self.update_tokens(c.display_time())
        self._on_selection(c.selected)
        self._highlight_mns()

    def _on_frame(self, t: float) -> None:
        """An animation frame: moving MNs walk on, the tunnels to them follow, tokens
        run along their hops."""
        if self._move_mns_to_time(t):
            self._redraw_moving_tunnels(every_frame=True)
        self.update_tokens(t)

    def _on_mn_selected(self, _name: str) -> None:
        self._highlight_mns()
        self._update_tunnels(self.controller.position)
        self._fade_tokens()

    def _update_nodes(self, position: int) -> None:
        status = self.controller.node_up_at(position)
        for name, item in self.nodes.items():
            item.set_up(status.get(name, True))

    def _path(self, a: str, b: str) -> list[str]:
        key = (a, b)
        if key not in self._paths:
            path = self._unique_path(a, b)
            if path is not AMBIGUOUS:  # one shortest path: as networkx finds it
                self._paths[key] = list(path) or [a, b]
                return self._paths[key]
            import networkx as nx  # not at start-up: about 150 ms (issue 13)
            if self._graph is None:
                graph: nx.Graph[str] = nx.Graph()
                graph.add_nodes_from(self.positions)
                sc = self.controller.scenario
                graph.add_edges_from((lk.a, lk.b) for lk in (sc.links if sc else ()))
                self._graph = graph
            try:
                self._paths[key] = nx.shortest_path(self._graph, a, b)
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                self._paths[key] = [a, b]
        return self._paths[key]

    def _unique_path(self, a: str, b: str):
        """The hop-count shortest path when it is the only one (hmipviz.engine.routes)."""
        if self._hop_neighbours is None:
            sc = self.controller.scenario
            adjacent: dict[str, list[tuple[str, float]]] = {n: [] for n in self.positions}
            for lk in (sc.links if sc else ()):
                if lk.a != lk.b:
                    adjacent.setdefault(lk.a, []).append((lk.b, 1.0))
                    adjacent.setdefault(lk.b, []).append((lk.a, 1.0))
            self._hop_neighbours = adjacent
        return unique_shortest_path(self._hop_neighbours.__getitem__, self._hop_neighbours,
                                    a, b)

    def _endpoint(self, address: str) -> str | None:
        """The node a care-of address leads to: the MN it belongs to if that MN is on
        the prefix's AR, else the prefix's owner (a MAP for an RCoA)."""
        from ipaddress import IPv6Address
        sim = self.controller.sim
        if sim is None:  # no scenario open: no caches, no tunnels
            return None
        try:
            ip = IPv6Address(address)
            owner = sim.topology.owner_of(ip)
        except ValueError:
            return None
        if owner is None:
            return None
        if self.several:
            mn = sim.mn_of(ip)
            if mn is not None and self._mn_ars.get(mn) == owner:
                return mn
        elif owner == self._mn_ar and self.mn_item is not None:
            return self.mn_item.name
        return owner

    def _update_tunnels(self, position: int) -> None:
        """The tunnels the binding caches hold at ``position``; rebuilt only when they
        (or where they run) changed, since many MNs make many tunnels."""
        c = self.controller
        state = c.caches_at(position)
        chosen = c.selected_mn
        roles = {n.name: n for n in c.scenario.nodes} if c.scenario is not None else {}
        drawn = set()
        wanted = []
        for node, rows in state.caches.items():
            spec = roles.get(node)
            for row in rows:
                end = self._endpoint(row.care_of_address)
                if end is None or end == node:
                    continue
                if spec is not None and spec.role == "ha":
                    color, what = theme.TUNNEL_HOME, "home agent tunnel"
                elif spec is not None and (spec.role == "map" or spec.map_address is not None):
                    color, what = theme.TUNNEL_LOCAL, "MAP tunnel"
                else:
                    color, what = theme.TUNNEL_CN, "binding at the CN"
                key = (node, end, color)
                if key in drawn:
                    continue
                drawn.add(key)
                tip = (f"{what}: {node} \u2192 {end}\n{row.home_address} \u2192 "
                       f"{row.care_of_address} (seq {row.sequence})"
                       + (f" for {row.peer}" if self.several else ""))
                # a binding whose care-of address is on an AR the MN has left: what is
                # tunnelled there is lost; drawn dotted and faint, not like a live one
                stale = (roles.get(end) is not None and roles[end].role == "ar"
                         and roles[end].map_address is None)
                if stale:
                    tip = (f"stale {what}: {node} \u2192 {end}, which the MN has left; "
                           f"what {node} tunnels there is lost until its binding is "
                           f"updated\n{row.home_address} \u2192 {row.care_of_address} "
                           f"(seq {row.sequence})")
                names = self._tunnel_names(node, end)
                # a static MN's end is where it is drawn now; a moving one's follows it
                # every frame anyway
                static = end in self.mn_items and c.mn_trajectory(end) is None
                at = self.node_pos(end) if static else None
                wanted.append((node, end, color, tip, tuple(names),
                               None if at is None else (at.x(), at.y()),
                               bool(chosen) and row.peer != chosen, stale))
        if wanted == self._tunnel_specs:
            return
        self._tunnel_specs = wanted
        for item in self.tunnels:
            self.scene_.removeItem(item)
        self.tunnels.clear()
        self._moving_tunnels.clear()
        for _node, end, color, tip, hops, _at, faint, stale in wanted:
            tunnel = self._add_tunnel(list(hops), end, color, tip,
                                    offset=-13 if color == theme.TUNNEL_HOME else 13,
                                    stale=stale)
            if tunnel is not None and faint:
                tunnel.setOpacity(0.18)  # another MN's tunnel: kept, faint

    def _tunnel_names(self, a: str, b: str) -> list[str]:
        """The nodes a tunnel from ``a`` to ``b`` passes (to an MN: via its AR)."""
        if b in self.mn_items:
            ar = self._mn_ars.get(b)
            return (self._path(a, ar) + [b]) if ar else [a, b]
        return self._path(a, b)

    def _add_tunnel(self, names: list[str], b: str, color: str, tip: str,
                    offset: float, stale: bool = False) -> QGraphicsPathItem | None:
        item = make_tunnel([self.node_pos(n) for n in names], color, tip, offset, stale)
        if item is not None:
            item.setData(2, (tuple(names), offset))  # what follow_dragged_mn re-routes
            self.scene_.addItem(item)
            self.tunnels.append(item)
            if b in self.mn_items and self.controller.mn_trajectory(b) is not None:
                self._moving_tunnels.append((item, names, offset))
        return item

    def follow_dragged_mn(self, name: str) -> None:
        """While the MN is dragged, the tunnels that end at it end where it is, not
        where it was picked up (issue 13: the MN-MAP line dangled)."""
        for item in self.tunnels:
            meta = item.data(2)
            if meta and meta[0] and meta[0][-1] == name:
                names, offset = meta
                item.setPath(tunnel_path([self.node_pos(n) for n in names], offset))

    def _redraw_moving_tunnels(self, every_frame: bool = False) -> None:
        """Re-route the tunnels that end at a moving MN to where it is. Each frame only
        once it has moved a couple of pixels: a long dashed path repainted every frame
        for a sub-pixel step is most of a frame's drawing with twenty MNs."""
        min_px = 2.0 / max(0.05, self.transform().m11()) if every_frame else 0.0
        for item, names, offset in self._moving_tunnels:
            end = self.node_pos(names[-1])
            drawn = item.data(1)
            if drawn is not None and min_px and (
                    abs(drawn[0] - end.x()) + abs(drawn[1] - end.y()) < min_px):
                continue
            item.setData(1, (end.x(), end.y()))
            item.setPath(tunnel_path([self.node_pos(n) for n in names], offset))

    # a drop stays on the canvas for this many steps, fading a little each step (ui.md:
    # "a lost packet fades out with a cross"), so it is seen even when playing fast
    CROSS_OPACITY = (1.0, 0.55, 0.25)

    def _update_crosses(self, position: int) -> None:
        for item in self.crosses:
            self.scene_.removeItem(item)
        self.crosses.clear()
        c = self.controller
        end = position
        for opacity in self.CROSS_OPACITY:
            if end < 0:
                return
            lo, hi = c.group_range(end)
            for j in range(lo, min(hi, position) + 1):
                e = c.trace[j]
                if isinstance(e, PacketDropped) and e.node in self.nodes:
                    cross = CrossItem(f"{e.kind} dropped at {e.node}: {e.reason}")
                    cross.setPos(self.node_pos(e.node) + QPointF(NODE_R * 0.9, -NODE_R * 0.9))
                    cross.setOpacity(opacity)
                    self.scene_.addItem(cross)
                    self.crosses.append(cross)
            end = lo - 1

    def _sync_tokens(self, position: int) -> None:
        c = self.controller
        flying = c.in_flight_at(position)
        keep = set(flying)
        for i in [i for i in self.tokens if i not in keep]:
            self.scene_.removeItem(self.tokens.pop(i))
        for i in flying:
            if i not in self.tokens:
                e = c.trace[i]
                if not isinstance(e, PacketSent):  # in flight: always a PacketSent
                    continue
                if e.node not in self.nodes or e.to_node not in self.nodes:
                    continue
                token = TokenItem(self, i, e)
                if self.several:
                    self._mark_token(token, c.mn_of(i))
                self.scene_.addItem(token)
                self.tokens[i] = token

    def update_tokens(self, t: float) -> None:
        """Place every token at its share of its hop at display time ``t``."""
        for token in self.tokens.values():
            e = token.event
            f = layout.token_fraction(e.t, e.arrive_t, t)
            a, b = self._hop_points(e.node, e.to_node)
            token.setPos(a + (b - a) * f)

    def _mark_token(self, token: TokenItem, mn: str | None) -> None:
        """Several MNs: the token carries its MN's badge and colour; faded while
        another MN is chosen."""
        item = self.mn_items.get(mn) if mn else None
        if item is not None and mn:
            token.set_mn(mn, item.badge, item.colour)
        chosen = self.controller.selected_mn
        token.setOpacity(0.25 if chosen and mn != chosen else 1.0)

    def _fade_tokens(self) -> None:
        if not self.several:
            return
        c = self.controller
        for i, token in self.tokens.items():
            self._mark_token(token, c.mn_of(i))

    def _on_selection(self, i: int) -> None:
        for idx, token in self.tokens.items():
            token.set_selected(idx == i)
        e = self.controller.event_at(i)
        node = None
        if e is not None and not isinstance(e, PacketSent):
            node = e.node
        for name, item in self.nodes.items():
            item.set_highlight(name == node and name not in self.mn_items)

    def keyPressEvent(self, event) -> None:
        mn_selected = self.mn_selected_by_key()
        key = event.key()
        if key == Qt.Key.Key_Escape and self.controller.selected_mn:
            self.controller.select_mn(None)  # show all MNs again
            event.accept()
            return
        if mn_selected and key == Qt.Key.Key_N:
            self.move_mn_to(self.next_ar())
            event.accept()
            return
        if mn_selected and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            k = key - Qt.Key.Key_1
            if k < len(self.ar_order):
                self.move_mn_to(self.ar_order[k])
            event.accept()
            return
        if mn_selected and key == Qt.Key.Key_0:
            self.move_mn_to(None)
            event.accept()
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.2)
            return
        if key == Qt.Key.Key_Minus:
            self.zoom(1 / 1.2)
            return
        super().keyPressEvent(event)

    # --- menus ----------------------------------------------------------------------------
    def node_menu(self, item: NodeItem, screen_pos) -> None:
        menu = QMenu(self)
        c = self.controller
        if item.name in self.mn_items:
            name = item.name
            for i, ar in enumerate(self.ar_order):
                act = menu.addAction(f"Move to {ar}", partial(self.move_mn_to, ar, name))
                if i < 9:
                    act.setShortcut(str(i + 1))
            menu.addAction("Detach (no link)", lambda: self.move_mn_to(None, name))
            if self.several:
                menu.addSeparator()
                if c.selected_mn == name:
                    menu.addAction("Show all MNs", lambda: c.select_mn(None))
                else:
                    menu.addAction(f"Show only {name}", lambda: c.select_mn(name))
        else:
            up = c.node_up_at(c.position).get(item.name, True)
            if up:
                menu.addAction(f"Fail {item.name}", lambda: c.fail_node(item.name))
            else:
                menu.addAction(f"Restore {item.name}", lambda: c.restore_node(item.name))
        menu.exec(screen_pos)

    # --- zoom and pan ------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15 ** steps)
        event.accept()

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.05 / current, min(8.0 / current, factor))
        self.scale(factor, factor)
        self._user_zoomed = True
        self.place_legend()
        self._rescaled()

    def _rescaled(self) -> None:
        """The zoom changed: MN badges keep their pixel size (their bounds change), and
        tokens, which keep theirs too, take their runs for the new zoom (a token placed
        before the first fit would otherwise stay far from its hop)."""
        for item in self.mn_items.values():
            if item.badge:
                item.prepareGeometryChange()
                item.update()
        if self.tokens:
            self.update_tokens(self.controller.display_time())

    # --- tests and lessons -------------------------------------------------------------------
    def cell_item(self, ar: str) -> CellItem:
        return self.cells[ar]

    def token_items(self) -> list[TokenItem]:
        return list(self.tokens.values())

    def tunnel_count(self) -> int:
        return len(self.tunnels)


__all__ = ["QtTopologyView", "compute_layout", "NodeItem", "MnItem", "CellItem", "TokenItem"]
