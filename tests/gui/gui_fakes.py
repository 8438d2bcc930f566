"""A stand-in controller for testing views alone, driven by a real Simulation.

It has exactly the signals and attributes of the controller contract (hmipviz.gui
.controller.QtController) that the inspector, ladder and plot use, and nothing else.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from hmipviz.engine.events import PacketSent
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation


class FakeController(QObject):
    scenarioLoaded = Signal()
    traceExtended = Signal(int)
    positionChanged = Signal(int)
    selectionChanged = Signal(int)
    playingChanged = Signal(bool)

    def __init__(self, sim: Simulation) -> None:
        super().__init__()
        self.sim = sim
        self.scenario = sim.scenario
        self.trace = sim.trace
        self.position = len(self.trace) - 1
        self.selected = -1

    def select(self, i: int) -> None:
        self.selected = i
        self.selectionChanged.emit(i)

    def seek(self, i: int) -> None:
        self.position = i
        self.positionChanged.emit(i)

    def packet_bytes(self, i: int) -> bytes | None:
        e = self.trace[i]
        return e.data if isinstance(e, PacketSent) else None

    def run_until(self, t: float) -> None:
        """Simulate further and show everything (what the real controller does when
        playing to the end)."""
        self.sim.run(until_s=t)
        self.traceExtended.emit(len(self.trace))
        self.seek(len(self.trace) - 1)


def figure1_sim(move_at_s: float | None = 5.0, until_s: float = 8.0) -> Simulation:
    """The built-in figure1 scenario, with the MN moved to AR2 at ``move_at_s``."""
    sim = Simulation(load_scenario("figure1"))
    if move_at_s is not None:
        sim.move("AR2", at_s=move_at_s)
    sim.run(until_s=until_s)
    return sim


def shown_window(qtbot, scenario: str = "two-domains", size: tuple[int, int] | None = None):
    """A main window on a built-in scenario, without saved settings, shown (and exposed)
    at ``size`` if given: the set-up many window tests share."""
    from hmipviz.gui.main_window import MainWindow

    w = MainWindow(scenario=load_scenario(scenario), restore_settings=False)
    qtbot.addWidget(w)
    if size is not None:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w
