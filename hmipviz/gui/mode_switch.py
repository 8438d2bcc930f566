"""The HMIPv6 / Mobile IPv6 switch that keeps the demonstration (mixed into
:class:`hmipviz.gui.controller.QtController`): the other mode runs this branch's actions
again at the same times, and the run left is kept so that switching back restores it
(issue 13). The actions themselves are :mod:`hmipviz.compare`'s, shared with the
compare view.
"""

from __future__ import annotations

from hmipviz.gui.controller_core import ControllerCore
from hmipviz.gui.run_history import RunHistory


class ModeSwitch(ControllerCore):
    """Needs the controller's history, position, selection, signals and ``load``."""

    def set_mode(self, mode: str) -> None:
        """HMIPv6 / Mobile IPv6: the scenario again in that mode from t = 0, with this
        branch's user actions replayed at the same simulated times (play to watch them
        happen). The run left is kept: switching back restores it with its position,
        unless the actions changed meanwhile."""
        from hmipviz import compare  # here: its imports are not needed at start-up
        if mode not in compare.MODES:
            raise ValueError(f"unknown mode {mode!r}: hmipv6 or mipv6")
        current = self.mode
        if self.scenario is None or current is None or mode == current:
            return
        self.pause()
        actions = compare.demo_actions(self.timeline)
        runs = dict(self._runs)
        runs[current] = (self._history, self._position, self._selected, actions)
        kept = runs.get(mode)
        name = compare.MODE_NAMES[mode]
        if kept is not None and kept[3] == actions:
            self._swap_in(mode, *kept[:3])
            self.actionApplied.emit(f"{name}: back to its run, where you left it")
        else:
            self.load(self.scenario, mode=mode)
            self.replay(actions)
            n = len(actions)
            self.actionApplied.emit(
                f"{name} from t = 0" + (f", your {n} action{'s' * (n != 1)} replayed at the "
                                        "same times: press Play" if n else ""))
        self._runs = runs

    def _swap_in(self, mode: str, history: RunHistory, position: int, selected: int) -> None:
        """Show a kept run again, at the position and selection it had."""
        self._seg = None
        self._history = history
        self.sim = history.sim
        self.mode = mode
        self._emitted_len = len(history.trace)
        self._position, self._selected = position, selected
        self.scenarioLoaded.emit()
        self.traceExtended.emit(len(history.trace))
        self.positionChanged.emit(position)
        self.selectionChanged.emit(selected)
        self.modeChanged.emit(mode)
        self.frameAdvanced.emit(self.display_time())

    def replay(self, actions) -> None:
        """Apply :mod:`hmipviz.compare` actions at their own times, recorded as the
        user's (a switch of mode, the compare view); the position does not move."""
        for a in actions:
            self._branch_to(a.t)
            self._apply_recorded(a)
        self._emit_extended()

    def _apply_recorded(self, a) -> None:
        """Apply one action at its time, recorded as :meth:`_act` records it."""
        from hmipviz import compare

        def run(t: float, a=a) -> None:
            a.apply(self.sim, t)
        if isinstance(a, compare.MoveMN):
            self._engine().apply(a.t, run, placement=(a.ar, a.point), record=("move", a.ar),
                                 mn=a.mn)
        elif isinstance(a, compare.FailNode | compare.RestoreNode):
            verb = "fail" if isinstance(a, compare.FailNode) else "restore"
            self._engine().apply(a.t, run, record=(verb, a.node))
        else:
            self._engine().apply(a.t, run, settings=True)


__all__ = ["ModeSwitch"]
