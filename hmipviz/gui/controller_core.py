"""The state the parts of the controller share, declared once for the type checker.

:class:`~hmipviz.gui.controller.QtController` is one class assembled from parts in their
own modules (the trace queries, walk pacing, the mode switch) to keep files small. The
parts read the controller's state and call one another, so each part derives from
:class:`ControllerCore`, which declares that state and the methods one part calls on
another, as :mod:`hmipviz.gui.view_cores` does for the topology canvas and the engine's
:class:`~hmipviz.engine.nodes.mn_core.MobileNodeCore` for the MN.

At run time it is a plain class that imports no Qt (the trace queries must not: they are
tested without a display); to the type checker it is a ``QObject``, as the controller
is, whose one Qt base stays its own ``QObject``. The
attributes are annotations only, set in :meth:`QtController.__init__`, the signals are
declared as the controller defines them, and the methods (under ``TYPE_CHECKING``) are
implemented by the module named beside each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    # the controller is a QObject (its signals need one); at run time its QObject base
    # comes from QtController itself, so this module imports no Qt
    from PySide6.QtCore import QObject as _ControllerBase
    from PySide6.QtCore import Signal

    from hmipviz.engine.events import Event
    from hmipviz.gui.playback import Segment
    from hmipviz.gui.run_history import RunHistory
    from hmipviz.scenario import Scenario
    from hmipviz.sim import Simulation
    from hmipviz.timeline import Timeline
else:
    _ControllerBase = object


class ControllerCore(_ControllerBase):
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
        def _set_position(self, i: int, follow: bool = True) -> None: ...
        def _branch_to(self, t: float) -> None: ...
        def _emit_extended(self, force: bool = False) -> None: ...

        # --- in TimelineQueries (timeline_queries.py) ------------------------------------
        def time_at(self, i: int) -> float: ...
        def group_range(self, i: int) -> tuple[int, int]: ...
        def in_flight_at(self, i: int) -> list[int]: ...


__all__ = ["ControllerCore"]
