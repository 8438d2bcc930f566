"""A combo box that chooses the MN the views are filtered to ("All MNs": show all).

Each filtered view (event list, sequence diagram, binding caches) carries one, so the
choice can be made where one is looking; they all follow ``controller.select_mn`` and
``mnSelected``, as does a click on an MN on the canvas. Hidden with fewer than two MNs,
so a one-MN scenario looks as it always did.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

ALL_MNS = "All MNs"


class MnPicker(QComboBox):
    """See the module docstring."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Show one mobile node")
        self.setToolTip("Show only the events, arrows and bindings of one mobile node "
                        "(or click it on the canvas; Esc there shows all again)")
        self.currentIndexChanged.connect(self._picked)
        if hasattr(controller, "mnSelected"):
            controller.scenarioLoaded.connect(self.refill)
            controller.mnSelected.connect(self._follow)
        self.refill()

    def refill(self) -> None:
        names = list(getattr(self.controller, "mn_names", []) or [])
        self.blockSignals(True)
        self.clear()
        self.addItem(ALL_MNS, "")
        for name in names:
            self.addItem(name, name)
        self.setCurrentIndex(max(0, self.findData(getattr(self.controller,
                                                          "selected_mn", ""))))
        self.blockSignals(False)
        self.setVisible(len(names) > 1)

    def _picked(self, _i: int) -> None:
        self.controller.select_mn(self.currentData() or None)

    def _follow(self, name: str) -> None:
        i = self.findData(name or "")
        if i >= 0 and i != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(i)
            self.blockSignals(False)


__all__ = ["MnPicker", "ALL_MNS"]
