"""The state the parts of the topology view and of the controller share, declared once
for the type checker.

The topology canvas (:class:`~hmipviz.gui.topology_view.QtTopologyView`) and the
controller (:class:`~hmipviz.gui.controller.QtController`) are each one class assembled
from parts in their own modules (the MN layer, the canvas fit; walk pacing, the mode
switch, the trace queries) to keep files small. The parts read the class's state and
call one another, so each part derives from the core here, which declares that state
and the methods one part calls on another, as the engine's
:class:`~hmipviz.engine.nodes.mn_core.MobileNodeCore` does for the MN.

The cores add nothing at run time but the one Qt base the assembled class has anyway
(``QGraphicsView``, ``QObject``): the attributes are annotations only, set in the final
class's ``__init__``, and the methods (under ``TYPE_CHECKING``) are implemented by the
module named beside each. The signals are declared as class variables, as the final
class defines them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

if TYPE_CHECKING:
    from hmipviz.engine.events import Event
    from hmipviz.gui.controller import QtController
    from hmipviz.gui.playback import Segment
    from hmipviz.gui.run_history import RunHistory
    from hmipviz.gui.topology_legend import Legend
    from hmipviz.gui.topology_nodes import CellItem, NodeItem
    from hmipviz.scenario import Scenario
    from hmipviz.sim import Simulation
    from hmipviz.timeline import Timeline


class TopologyViewCore(QGraphicsView):
    """The canvas's state (set in :meth:`QtTopologyView.__init__`) and shared methods."""

    mnDropTarget: ClassVar[Signal]

    # --- set in QtTopologyView.__init__ / rebuild ---------------------------------------
    controller: QtController
    scene_: QGraphicsScene
    nodes: dict[str, NodeItem]
    cells: dict[str, CellItem]
    ar_order: list[str]
    legend: Legend
    _drag_target: str | None
    _user_zoomed: bool

    if TYPE_CHECKING:
        # --- in QtTopologyView (topology_view.py) ----------------------------------------
        def node_pos(self, name: str) -> QPointF: ...
        def cell_at(self, p: QPointF) -> str | None: ...
        def update_state(self, position: int) -> None: ...
        def update_tokens(self, t: float) -> None: ...
        def _rescaled(self) -> None: ...

        # --- in CanvasFit (topology_fit.py) ----------------------------------------------
        def _scene_tuple(self) -> tuple[float, float, float, float]: ...


class ControllerCore(QObject):
    """The controller's state (set in :meth:`QtController.__init__`) and shared methods."""

    scenarioLoaded: ClassVar[Signal]
    traceExtended: ClassVar[Signal]
    positionChanged: ClassVar[Signal]
    selectionChanged: ClassVar[Signal]
    frameAdvanced: ClassVar[Signal]
    modeChanged: ClassVar[Signal]
    actionApplied: ClassVar[Signal]

    # --- set in QtController.__init__ ---------------------------------------------------
    scenario: Scenario | None
    sim: Simulation | None
    mode: str | None
    clock_ms: Callable[[], float]
    _speed: float
    _position: int
    _selected: int
    _seg: Segment | None
    _history: RunHistory
    _emitted_len: int
    _runs: dict[str, tuple[RunHistory, int, int, tuple]]

    if TYPE_CHECKING:
        # --- in QtController (controller.py) ---------------------------------------------
        @property
        def timeline(self) -> Timeline: ...
        @property
        def trace(self) -> list[Event]: ...
        def _engine(self) -> RunHistory: ...
        def load(self, scenario: Scenario, *, mode: str | None = None) -> None: ...
        def pause(self) -> None: ...
        def at_end(self) -> bool: ...
        def display_time(self) -> float: ...
        def _moved_to(self, i: int) -> None: ...
        def _branch_to(self, t: float) -> None: ...
        def _emit_extended(self, force: bool = False) -> None: ...

        # --- in TimelineQueries (timeline_queries.py) ------------------------------------
        def time_at(self, i: int) -> float: ...
        def group_range(self, i: int) -> tuple[int, int]: ...
        def in_flight_at(self, i: int) -> list[int]: ...


__all__ = ["ControllerCore", "TopologyViewCore"]
