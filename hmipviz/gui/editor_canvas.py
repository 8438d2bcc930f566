"""The scenario editor's canvas: the document's nodes, links and flows as items, the
tools of the palette (select and move, draw a link, place a node of a role), and the
edits they make, sent out as :mod:`hmipviz.scenario.edit` dataclasses.

Qt conventions: a click selects, a drag moves (one undo step per drag), Shift+drag or
the Link tool draws a line from node to node with a rubber band and the target
highlighted, Esc cancels a line being drawn or a node being placed, Delete removes the
selection, the wheel zooms under the mouse.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QGraphicsView

from hmipviz.gui import theme
from hmipviz.gui.editor_items import (
    SELECTED,
    AttachItem,
    CellItem,
    EditorItem,
    FlowItem,
    LinkItem,
    NodeItem,
    snapped,
)
from hmipviz.scenario.edit import Batch, Edit, MoveNode, number, read, tables
from hmipviz.scenario.edit_check import Validation
from hmipviz.scenario.edit_propose import propose_connection, propose_node

SELECT, LINK = "select", "link"
Point = tuple[float, float]
_GRID = 40.0


def _position(table: Any) -> Point | None:
    p = table.get("position")
    try:
        if isinstance(p, (list, tuple)) and len(p) == 2:
            return (float(p[0]), float(p[1]))
    except (TypeError, ValueError):
        pass
    return None


class EditorCanvas(QGraphicsView):
    """See the module docstring. ``editRequested`` carries one Edit per user action."""

    editRequested = Signal(object)
    selectionKeyChanged = Signal(object)  # ("node", name) | ("link", i) | ("flow", i) | None
    toolChanged = Signal(str)
    deleteRequested = Signal()  # the context menu's Delete
    statusMessage = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("editorCanvas")
        self.setAccessibleName("Scenario editor canvas")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.text = ""
        self.tool = SELECT
        self.nodes: dict[str, NodeItem] = {}
        self.items_by_key: dict[tuple[str, Any], EditorItem] = {}
        self._layout: dict[str, Point] = {}
        self._link_from: NodeItem | None = None
        self._rubber: QGraphicsLineItem | None = None
        self._target: NodeItem | None = None
        self._ghost: NodeItem | None = None
        self._rebuilding = False
        self._scene.selectionChanged.connect(self._selection_changed)
        self._scene.setSceneRect(QRectF(-200, -200, 1400, 1100))

    # --- the document ------------------------------------------------------------------
    def set_layout(self, positions: dict[str, Point]) -> None:
        """Where nodes without a ``position`` in the document are drawn."""
        self._layout = dict(positions)

    def set_document(self, text: str, validation: Validation) -> None:
        """Rebuild the items from ``text``; the selection is kept where it still exists."""
        selected = self.selected_keys()
        self._rebuilding = True
        self.cancel()
        self._scene.clear()
        self.nodes.clear()
        self.items_by_key.clear()
        self.text = text
        doc = read(text)
        node_tables = tables(doc, "node")
        for i, table in enumerate(node_tables):
            item = NodeItem(table, i)
            if item.name in self.nodes:  # a duplicate name: the validator says so
                item.key = ("node", f"{item.name}#{i}")
            pos = _position(table) or self._layout.get(item.name) or self._free_spot(i)
            item.setPos(QPointF(*pos))
            item.snap = True
            self._scene.addItem(item)
            if item.role == "ar":
                radius = table.get("radius", 120)
                if isinstance(radius, (int, float)) and 0 < radius < 5000:
                    CellItem(item, float(radius))
            self.nodes.setdefault(item.name, item)
            self.items_by_key[item.key] = item
            item.set_problems([p.message for p in validation.for_item("node", i)])
        for kind, cls, ends in (("link", LinkItem, ("a", "b")), ("flow", FlowItem, ("from", "to"))):
            for i, table in enumerate(tables(doc, kind)):
                a, b = (self.nodes.get(str(table.get(e))) for e in ends)
                if a is None or b is None or a is b:
                    continue  # an end that is not there: listed with the problems
                edge = cls(i, table, a, b)
                self._scene.addItem(edge)
                self.items_by_key[edge.key] = edge
                edge.set_problems([p.message for p in validation.for_item(kind, i)])
        for item in list(self.nodes.values()):
            ar = self.nodes.get(str(item.table.get("attach")))
            if item.role == "mn" and ar is not None:
                self._scene.addItem(AttachItem(item, ar))
        self._fit_scene_rect()
        for key in selected:
            if key in self.items_by_key:
                self.items_by_key[key].setSelected(True)
        self._rebuilding = False  # the window shows the selection's properties itself

    def _free_spot(self, i: int) -> Point:
        return (100.0 + 160.0 * (i % 6), 100.0 + 160.0 * (i // 6))

    def _fit_scene_rect(self) -> None:
        rect = self._scene.itemsBoundingRect().united(QRectF(0, 0, 1000, 700))
        self._scene.setSceneRect(rect.adjusted(-150, -150, 150, 150))

    def node_position(self, name: str) -> Point:
        pos = self.nodes[name].pos()
        return (pos.x(), pos.y())

    def fit(self) -> None:
        rect = self._scene.itemsBoundingRect()
        if rect.isEmpty():
            rect = QRectF(0, 0, 1000, 700)
        self.fitInView(rect.adjusted(-60, -60, 60, 60), Qt.AspectRatioMode.KeepAspectRatio)

    # --- selection -----------------------------------------------------------------------
    def selected_keys(self) -> list[tuple[str, Any]]:
        return [i.key for i in self._scene.selectedItems() if isinstance(i, EditorItem)]

    def select_key(self, key: tuple[str, Any] | None) -> None:
        self._scene.clearSelection()
        item = self.items_by_key.get(key) if key is not None else None
        if item is not None:
            item.setSelected(True)
            self.ensureVisible(item, 80, 80)

    def _selection_changed(self) -> None:
        if self._rebuilding:
            return
        keys = self.selected_keys()
        self.selectionKeyChanged.emit(keys[0] if len(keys) == 1 else None)

    # --- tools ---------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        """SELECT, LINK, or a role: the next click on the canvas places a node of it."""
        self.cancel()
        self.tool = tool
        placing = tool not in (SELECT, LINK)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag if tool == SELECT
                         else QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if tool != SELECT
                                  else Qt.CursorShape.ArrowCursor)
        if placing:
            self._ghost = NodeItem({"name": theme.ROLE_LETTER.get(tool, tool), "role": tool}, -1)
            self._ghost.setOpacity(0.45)
            self._ghost.setEnabled(False)
            self._ghost.setVisible(False)
            self._scene.addItem(self._ghost)
            self.statusMessage.emit(f"Click where the new {theme.ROLE_TEXT.get(tool, tool)} "
                                    "goes (Esc cancels)")
        elif tool == LINK:
            self.statusMessage.emit("Drag from one node to another: a link (an MN to an AR: "
                                    "attach; an MN and a CN: a flow). Esc cancels")
        self.toolChanged.emit(tool)

    def cancel(self) -> bool:
        """Esc: drop the line being drawn or the node being placed; True if there was one."""
        had = self._rubber is not None or self._ghost is not None
        if self._rubber is not None:
            self._scene.removeItem(self._rubber)
            self._rubber = None
        if self._target is not None:
            self._target.link_target = False
            self._target.update()
            self._target = None
        self._link_from = None
        if self._ghost is not None:
            self._scene.removeItem(self._ghost)
            self._ghost = None
        return had

    def node_at(self, scene_pos: QPointF) -> NodeItem | None:
        for item in self._scene.items(scene_pos):
            if isinstance(item, NodeItem) and item is not self._ghost:
                return item
        return None

    # --- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        if self.tool not in (SELECT, LINK):
            if not event.modifiers() & Qt.KeyboardModifier.AltModifier:
                pos = QPointF(snapped(pos.x()), snapped(pos.y()))
            self.place(self.tool, (pos.x(), pos.y()))
            event.accept()
            return
        node = self.node_at(pos)
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if node is not None and (self.tool == LINK or shift):
            self.start_link(node.name)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        if self._ghost is not None:
            self._ghost.setVisible(True)
            self._ghost.setPos(QPointF(snapped(pos.x()), snapped(pos.y())))
        if self._link_from is not None:
            self.drag_link_to((pos.x(), pos.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._link_from is not None and event.button() == Qt.MouseButton.LeftButton:
            pos = self.mapToScene(event.position().toPoint())
            self.finish_link((pos.x(), pos.y()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._emit_moves()

    def _emit_moves(self) -> None:
        """Nodes dragged away from where the document has them: one MoveNode each, one
        undo step for the drag."""
        moves: list[Edit] = []
        doc = read(self.text)
        for name, item in self.nodes.items():
            given = next((_position(t) for t in tables(doc, "node") if t.get("name") == name),
                         None)
            shown = given or self._layout.get(name) or self._free_spot(item.index)
            x, y = item.pos().x(), item.pos().y()
            if math.hypot(x - shown[0], y - shown[1]) > 1e-6:
                moves.append(MoveNode(name, (number(x), number(y))))
        if len(moves) == 1:
            self.editRequested.emit(moves[0])
        elif moves:
            self.editRequested.emit(Batch(tuple(moves), f"Move {len(moves)} nodes"))

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.cancel() or self.tool != SELECT:
                self.set_tool(SELECT)
                self.statusMessage.emit("Cancelled")
            else:
                self._scene.clearSelection()
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:
        """Right-click: on an item, Delete (and Link from here on a node); on the
        background, Add <role> here."""
        from PySide6.QtWidgets import QMenu

        pos = self.mapToScene(event.pos())
        menu = QMenu(self)
        item = next((i for i in self._scene.items(pos)
                     if isinstance(i, EditorItem) and i.flags()
                     & i.GraphicsItemFlag.ItemIsSelectable), None)
        if item is not None:
            if not item.isSelected():
                self._scene.clearSelection()
                item.setSelected(True)
            if isinstance(item, NodeItem):
                menu.addAction("Link from here\u2026", lambda: self.start_link(item.name))
            menu.addAction("Delete", self.deleteRequested.emit)
        else:
            where = (snapped(pos.x()), snapped(pos.y()))
            for role in ("ha", "cn", "router", "map", "ar", "mn", "host"):
                def add(r: str = role) -> None:
                    self.place(r, where)

                menu.addAction(f"Add {theme.ROLE_TEXT.get(role, role)} here", add)
        menu.exec(event.globalPos())

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            factor = 1.15 ** steps
            current = self.transform().m11()
            factor = max(0.1 / current, min(6.0 / current, factor))
            self.scale(factor, factor)
        event.accept()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """A light dot grid, as drawing tools have, on the canvas colour."""
        rect = QRectF(rect)
        painter.fillRect(rect, theme.canvas_background())
        if self.transform().m11() < 0.35:
            return
        colour = QColor(theme.muted_text())
        colour.setAlpha(70)
        painter.setPen(QPen(colour, 0))
        left = math.floor(rect.left() / _GRID) * _GRID
        top = math.floor(rect.top() / _GRID) * _GRID
        points = []
        y = top
        while y < rect.bottom():
            x = left
            while x < rect.right():
                points.append(QPointF(x, y))
                x += _GRID
            y += _GRID
        painter.drawPoints(points)

    # --- the actions the mouse does (also called by tests and keyboard users) -----------
    def place(self, role: str, position: Point) -> None:
        """Place a new node of ``role`` at ``position``, proposed by edit_propose."""
        self.editRequested.emit(propose_node(self.text, role, position))
        self.set_tool(SELECT)

    def start_link(self, name: str) -> None:
        self.cancel()
        self._link_from = self.nodes[name]
        start = self._link_from.pos()
        self._rubber = QGraphicsLineItem(QLineF(start, start))
        self._rubber.setPen(QPen(SELECTED, 2.5, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        self._rubber.setZValue(50)
        self._scene.addItem(self._rubber)

    def drag_link_to(self, position: Point) -> None:
        if self._link_from is None or self._rubber is None:
            return
        point = QPointF(*position)
        self._rubber.setLine(QLineF(self._link_from.pos(), point))
        target = self.node_at(point)
        if target is self._link_from:
            target = None
        if target is not self._target:
            if self._target is not None:
                self._target.link_target = False
                self._target.update()
            self._target = target
            if target is not None:
                target.link_target = True
                target.update()

    def finish_link(self, position: Point) -> None:
        source = self._link_from
        target = self.node_at(QPointF(*position))
        self.cancel()
        if source is None or target is None or target is source:
            return
        edit = propose_connection(self.text, source.name, target.name)
        if edit is None:
            self.statusMessage.emit(f"{source.name} and {target.name} are linked already")
            return
        self.editRequested.emit(edit)


__all__ = ["EditorCanvas", "LINK", "SELECT"]
