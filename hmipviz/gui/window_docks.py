"""The main window's docks: binding caches, packet inspector, teacher controls, events,
ladder and plot, and how they are arranged (tabbed, split) and reset. The plot (and with
it pyqtgraph, the one view dependency that can be missing from a broken install) and the
teacher controls (behind the packet inspector at start) are built the first time their
dock is shown (issue 13: start-up time). Mixed into :class:`hmipviz.gui.main_window.MainWindow`."""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from hmipviz.gui import theme
from hmipviz.gui.caches import QtBindingCaches
from hmipviz.gui.event_list import QtEventList
from hmipviz.gui.inspector import QtPacketInspector
from hmipviz.gui.ladder import QtLadder
from hmipviz.gui.window_host import WindowHost

if TYPE_CHECKING:
    from hmipviz.gui.plot import QtSignallingPlot
    from hmipviz.gui.properties import QtTeacherControls

log = logging.getLogger("hmipviz.gui")


class Placeholder(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(f"color:{theme.muted_text().name()}; padding: 20px")


class WindowDocks(WindowHost):
    """The docks of the main window (``self.docks`` by key)."""

    def _build_docks(self) -> None:
        c = self.controller
        self.docks: dict[str, QDockWidget] = {}
        self.caches = QtBindingCaches(c)
        self._teacher: QtTeacherControls | None = None  # built when first shown or used
        self.events = QtEventList(c)
        self._dock("caches", "Binding caches", self.caches, Qt.DockWidgetArea.RightDockWidgetArea)
        self.inspector = QtPacketInspector(c)
        self._dock("inspector", "Packet inspector", self.inspector,
                   Qt.DockWidgetArea.RightDockWidgetArea)
        # the teacher controls have a dock of their own (issue 13): beside the inspector,
        # never a tab of the binding caches, so a change and its effect are seen at once
        teacher_dock = self._dock("teacher", "Teacher controls", QWidget(),
                                  Qt.DockWidgetArea.RightDockWidgetArea)
        teacher_dock.visibilityChanged.connect(self._maybe_build_teacher)
        self._dock("events", "Events", self.events, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.ladder = QtLadder(c)
        self._dock("ladder", "Ladder diagram", self.ladder,
                   Qt.DockWidgetArea.BottomDockWidgetArea)
        self.plot: QtSignallingPlot | None = None
        self._plot_built = False
        plot_dock = self._dock("plot", "Signalling plot",
                               Placeholder("The plot appears when this tab is shown."),
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        plot_dock.visibilityChanged.connect(self._maybe_build_plot)
        self.arrange_docks()  # window_layout: by the window's width

    def _dock(self, key: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{key}Dock")
        dock.setAccessibleName(f"{title} dock")
        if key == "inspector":  # its hex view wants 560 px: scroll in a narrow column
            from PySide6.QtWidgets import QFrame, QScrollArea
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(widget)
            scroll.setAccessibleName(f"{title} (scrolls sideways when narrow)")
            dock.setWidget(scroll)
        else:
            dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                         QDockWidget.DockWidgetFeature.DockWidgetClosable |
                         QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    @property
    def teacher(self) -> QtTeacherControls:
        """The teacher controls, built the first time their dock shows or they are asked
        for (they sit behind the packet inspector at start: issue 13's start-up time)."""
        if self._teacher is None:
            from hmipviz.gui.properties import QtTeacherControls
            c = self.controller
            self._teacher = QtTeacherControls(c)
            self._teacher._on_position(c.position)  # the settings at the time on screen
            dock = self.docks["teacher"]
            placeholder = dock.widget()
            dock.setWidget(self._teacher)
            placeholder.deleteLater()
        return self._teacher

    def _maybe_build_teacher(self, visible: bool) -> None:
        if visible:
            self.teacher  # noqa: B018  (built now, before the dock paints)

    def _maybe_build_plot(self, visible: bool) -> None:
        if not visible or self._plot_built:
            return
        self._plot_built = True
        QTimer.singleShot(0, self._build_plot)

    def _build_plot(self) -> None:
        if importlib.util.find_spec("pyqtgraph") is None:  # a dependency, but installs break
            log.warning("the signalling plot needs pyqtgraph, which is not installed")
            self.docks["plot"].setWidget(Placeholder(
                "The signalling plot needs pyqtgraph, which is not installed here: "
                "pip install pyqtgraph"))
            return
        from hmipviz.gui.plot import QtSignallingPlot
        self.plot = QtSignallingPlot(self.controller)
        self.docks["plot"].setWidget(self.plot)

    def reset_layout(self) -> None:
        """View > Reset layout: every dock back in its place for this window's width,
        shown (the lesson's only while a lesson is open), the canvas fitted."""
        for key, dock in self.docks.items():
            dock.setFloating(False)
            if key != "lesson":
                dock.show()
        self.arrange_docks()
        self.topology.fit()

    def _hide_stale_tab_bars(self) -> None:
        """Qt (6.11) can leave a dock area's first tab bar visible after a second group
        of docks is tabified before the window is shown: hide any bar whose tabs another
        visible bar already shows."""
        from PySide6.QtWidgets import QTabBar

        from hmipviz.gui.qt_children import descendants
        # not findChildren: it would keep the bars Qt deletes alive in Python (qt_children)
        bars = [b for b in descendants(self, QTabBar, direct_only=True)
                if b.isVisible() and b.count()]
        tabs = {id(b): {b.tabText(i) for i in range(b.count())} for b in bars}
        for i, b in enumerate(bars):
            for j, other in enumerate(bars):
                if other is b or not other.isVisible():
                    continue
                mine, theirs = tabs[id(b)], tabs[id(other)]
                if mine < theirs or (mine == theirs and j < i):
                    b.hide()
                    break


__all__ = ["WindowDocks", "Placeholder"]
