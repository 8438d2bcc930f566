"""The state the parts of the topology canvas share, declared once for the type checker.

The canvas (:class:`~hmipviz.gui.topology_view.QtTopologyView`) is one class assembled
from parts in their own modules (the MN layer in ``topology_mns``, the fit in
``topology_fit``) to keep files small. The parts read the canvas's state and call one
another, so each part derives from :class:`TopologyViewCore`, which declares that state
and the methods one part calls on another, as the engine's
:class:`~hmipviz.engine.nodes.mn_core.MobileNodeCore` does for the MN and
:class:`~hmipviz.gui.controller_core.ControllerCore` for the controller.

The core adds nothing at run time but the one Qt base the canvas has anyway
(``QGraphicsView``): the attributes are annotations only, set in the canvas's
``__init__``, the signal is declared as the canvas defines it, and the methods (under
``TYPE_CHECKING``) are implemented by the module named beside each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

if TYPE_CHECKING:
    from hmipviz.gui.controller import QtController
    from hmipviz.gui.topology_legend import Legend
    from hmipviz.gui.topology_nodes import CellItem, NodeItem


class TopologyViewCore(QGraphicsView):
    """The canvas's state (set in :meth:`QtTopologyView.__init__`) and shared methods."""

    mnDropTarget: ClassVar[Signal]

    # --- set in QtTopologyView.__init__ ---------------------------------------------------
    controller: QtController
    scene_: QGraphicsScene
    nodes: dict[str, NodeItem]
    cells: dict[str, CellItem]
    links: dict[frozenset[str], tuple[QGraphicsLineItem, QGraphicsSimpleTextItem]]
    domain_labels: list[QGraphicsSimpleTextItem]
    _domain_cells: list[list[tuple[tuple[float, float], float]]]
    ar_order: list[str]
    legend: Legend
    # --- set in MnLayerMixin._clear_mns (topology_mns.py) --------------------------------
    no_link: QGraphicsSimpleTextItem | None
    _drag_target: str | None
    _user_zoomed: bool

    if TYPE_CHECKING:
        # --- in QtTopologyView (topology_view.py) ----------------------------------------
        def node_pos(self, name: str) -> QPointF: ...
        def cell_at(self, p: QPointF) -> str | None: ...
        def update_state(self, position: int) -> None: ...
        def update_tokens(self, t: float) -> None: ...
        def follow_dragged_mn(self, name: str) -> None: ...
        def _rescaled(self) -> None: ...

        # --- in CanvasFit (topology_fit.py) ----------------------------------------------
        def _scene_tuple(self) -> tuple[float, float, float, float]: ...


__all__ = ["TopologyViewCore"]
