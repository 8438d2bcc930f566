"""The controller's read-only answers about the trace at an index, delegated to its
:class:`hmipviz.timeline.Timeline` (no Qt here): every view asks these for the position
it draws, never the live engine, so stepping back shows the past."""

from __future__ import annotations

from hmipviz.engine.events import PacketSent
from hmipviz.gui.controller_core import ControllerCore
from hmipviz.timeline import CachesAt, LinkSetting, MapOptionSetting, Placement


class TimelineQueries(ControllerCore):
    """Mixed into :class:`hmipviz.gui.controller.QtController`."""

    def event_at(self, i: int):
        trace = self.timeline.trace
        return trace[i] if 0 <= i < len(trace) else None

    def time_at(self, i: int) -> float:
        return self.timeline.time_at(i)

    def group_range(self, i: int) -> tuple[int, int]:
        """First and last trace index of the simulated instant event ``i`` belongs to."""
        return self.timeline.group_range(i)

    def index_at_time(self, t: float) -> int:
        """The last trace index with time <= ``t`` (-1 if none)."""
        return self.timeline.index_at_time(t)

    def packet_bytes(self, i: int) -> bytes | None:
        e = self.event_at(i)
        return e.data if isinstance(e, PacketSent) else None

    def mn_ar_at(self, i: int, mn: str | None = None) -> str | None:
        """The AR ``mn``'s (default: the first MN's) link layer is on after event ``i``
        (None: no link)."""
        return self.timeline.mn_ar_at(i, mn)

    def mn_of(self, i: int) -> str | None:
        """The MN trace event ``i`` concerns (None: a fixed node's own business)."""
        return self.timeline.mn_of(i)

    def mn_trajectory(self, mn: str):
        """The engine's trajectory of an MN with a moving model (None otherwise): its
        legs are straight lines at constant speed, so a view interpolates along them
        (:meth:`hmipviz.mobility.Trajectory.leg_at`) rather than asking every frame.
        It is the engine's own answer for every time on this branch: a drag ends the
        model from that time on (``Simulation.place``), and acting in the past
        restores the engine, so the trajectory always matches the trace shown."""
        sim = getattr(self, "sim", None)
        if sim is None or not hasattr(sim, "mobility"):
            return None
        return sim.mobility.trajectories.get(mn)

    def node_up_at(self, i: int) -> dict[str, bool]:
        """Each node that failed at some point, and whether it is up after event ``i``."""
        return self.timeline.node_up_at(i)

    def cache_nodes(self) -> list[str]:
        """Nodes holding a binding cache (see :meth:`Timeline.cache_nodes`)."""
        return self.timeline.cache_nodes()

    def caches_at(self, i: int, mn: str | None = None) -> CachesAt:
        """Every binding cache and the binding update lists after event ``i`` (only
        ``mn``'s entries when given)."""
        return self.timeline.caches_at(i, mn)

    def binding_changes_between(self, a: int, b: int) -> list[int]:
        """Indices of BindingChanged events in (a, b]."""
        return self.timeline.binding_changes_between(a, b)

    def in_flight_at(self, i: int) -> list[int]:
        """Trace indices of PacketSent hops under way after event ``i``."""
        return self.timeline.in_flight_at(i)

    def current_message(self, i: int | None = None) -> int:
        """The event the caption describes at position ``i`` (default: the position).
        With one MN chosen (``select_mn``): its latest message in that instant, else
        the selection if it is that MN's, so the caption and the inspector stay with
        the MN the views are filtered to."""
        pos = self._position if i is None else i
        j = self.timeline.current_message(pos)
        mn = getattr(self, "_selected_mn", "")
        if not mn or j < 0 or self.mn_of(j) == mn:
            return j
        trace = self.timeline.trace
        lo, _hi = self.group_range(pos)
        k = next((k for k in range(pos, lo - 1, -1)
                  if self.mn_of(k) == mn and isinstance(trace[k], PacketSent)), -1)
        if k >= 0:
            return k
        sel = getattr(self, "_selected", -1)
        return sel if 0 <= sel <= pos and self.mn_of(sel) == mn else j

    def placement_at(self, i: int, mn: str | None = None) -> Placement | None:
        """The latest user drop of ``mn`` (default: the first MN) after event ``i``."""
        return self.timeline.placement_at(i, mn)

    def mn_links(self, mn: str | None = None) -> list[tuple[int, str | None]]:
        return self.timeline.mn_links(mn)

    def map_option_at(self, i: int, ar: str, map_name: str) -> MapOptionSetting | None:
        """The MAP option ``ar`` advertised for ``map_name`` after event ``i``."""
        return self.timeline.map_option_at(i, ar, map_name)

    def link_params_at(self, i: int, a: str, b: str) -> LinkSetting | None:
        """The delay and loss of link ``a``-``b`` after event ``i``."""
        return self.timeline.link_params_at(i, a, b)

    def flow_running_at(self, i: int) -> bool:
        """Whether the data flow was switched on after event ``i`` (from the trace's
        records, so stepping back shows the earlier state)."""
        return bool(self.timeline.flow_running_at(i))


__all__ = ["TimelineQueries"]
