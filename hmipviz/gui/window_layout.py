"""The main window's responsive layout (issue 13): a first start sized to the screen,
geometry that always fits the screen, dock columns that leave the canvas at least 60 %
of the width up to 1280 px, and the playback toolbar on two rows when one is too
narrow for all of its controls. Mixed into :class:`hmipviz.gui.main_window.MainWindow`;
the numbers are :mod:`hmipviz.layout`'s (no Qt).

Wide (more than 1280 px): binding caches over the packet inspector in a column on the
right that runs the window's full height, the teacher controls a tab beside the
inspector (so a teacher changes a setting and watches the caches), events, ladder and
plot as tabs under the canvas, a lesson in a column on the left.
Narrow (1280 px or less): one column on the right, its docks as tabs (the lesson's
first), so the canvas keeps its share.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QToolBar, QToolButton

from hmipviz import layout
from hmipviz.gui.window_host import WindowHost

RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
SIDE_DOCKS = ("caches", "inspector", "teacher")
BOTTOM_DOCKS = ("events", "ladder", "plot")


def fitted(rect: QRect, avail: QRect) -> QRect:
    """``rect`` made to fit inside ``avail``: shrunk to its size, then moved in."""
    w, h = min(rect.width(), avail.width()), min(rect.height(), avail.height())
    x = min(max(rect.x(), avail.x()), avail.x() + avail.width() - w)
    y = min(max(rect.y(), avail.y()), avail.y() + avail.height() - h)
    return QRect(x, y, w, h)


class WindowLayout(WindowHost):
    """Geometry, dock arrangement and toolbar rows of the main window."""

    # --- geometry ---------------------------------------------------------------------
    def available_geometry(self) -> QRect:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1600, 1000)

    def size_to_screen(self) -> None:
        """First start (no saved geometry): the screen's available geometry."""
        self.setGeometry(self.available_geometry())

    def fit_to_screen(self) -> None:
        """Shrink and move the window into the screen if it sticks out of it (a layout
        saved on a larger screen, or the way back from presentation mode)."""
        if self.windowState() & (Qt.WindowState.WindowFullScreen |
                                 Qt.WindowState.WindowMaximized):
            return
        avail = self.available_geometry()
        rect = self.geometry()
        better = fitted(rect, avail)
        if better != rect:
            self.setGeometry(better)

    # --- toolbars ----------------------------------------------------------------------
    def _split_toolbar(self) -> None:
        """Move the time, scrubber and event counter of the playback bar into a toolbar
        of their own ("Timeline"), which goes on a second row when one row is too
        narrow (never into the overflow menu)."""
        pb = self.playback
        bar = QToolBar("Timeline", self)
        bar.setObjectName("timelineBar")
        bar.setAccessibleName("Timeline")
        bar.setMovable(False)
        moving = [a for a in pb.actions()
                  if pb.widgetForAction(a) in (pb.time_label, pb.scrubber, pb.event_label)]
        for a in moving:
            pb.removeAction(a)
            bar.addAction(a)
        # two separators now stand together where the widgets were: drop one
        acts = pb.actions()
        for a, b in pairwise(acts):
            if a.isSeparator() and b.isSeparator():
                pb.removeAction(b)
                break
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.timeline_bar = bar
        self._two_rows = False

    def toolbar_rows(self) -> int:
        return 2 if self.toolBarBreak(self.timeline_bar) else 1

    def _one_row_width(self) -> int:
        pb, bar = self.playback, self.timeline_bar
        return pb.sizeHint().width() + bar.sizeHint().width() - pb.scrubber.sizeHint().width() \
            + pb.scrubber.minimumWidth() + 24

    def update_toolbar_rows(self) -> None:
        self._set_two_rows(self._one_row_width() + 60 > self.width())
        QTimer.singleShot(0, self._check_overflow)

    def _set_two_rows(self, two: bool) -> None:
        self._two_rows = self.toolBarBreak(self.timeline_bar)  # restoreState may change it
        if two == self._two_rows:
            return
        self._two_rows = two
        if two:
            self.insertToolBarBreak(self.timeline_bar)
        else:
            self.removeToolBarBreak(self.timeline_bar)

    def _check_overflow(self) -> None:
        """Fonts differ from one system to the next: if a bar shows its overflow
        button after all, go to two rows."""
        if self.toolBarBreak(self.timeline_bar):
            return
        for bar in (self.playback, self.timeline_bar):
            if any(b.isVisible() for b in bar.findChildren(QToolButton)
                   if b.objectName() == "qt_toolbar_ext_button"):
                self._set_two_rows(True)
                return

    # --- docks ------------------------------------------------------------------------
    def is_narrow(self) -> bool:
        return self.width() <= layout.NARROW_W

    def arrange_docks(self) -> None:
        """Put the docks where this width wants them (see the module docstring)."""
        presenting = getattr(getattr(self, "presentation", None), "active", False)
        docks = self.docks
        shown = {k: not d.isHidden() for k, d in docks.items()}
        self.setCorner(Qt.Corner.BottomRightCorner, RIGHT)
        self.setCorner(Qt.Corner.TopRightCorner, RIGHT)
        narrow = self.is_narrow()
        self._narrow = narrow
        side = [docks[k] for k in SIDE_DOCKS if k in docks]
        lesson = docks.get("lesson")
        # out and in again: Qt does not reliably re-tabify docks already split
        for d in docks.values():
            d.setFloating(False)
            self.removeDockWidget(d)
        caches = docks["caches"]
        self.addDockWidget(RIGHT, caches)
        if narrow:
            column = side[1:] + ([lesson] if lesson is not None else [])
            for d in column:
                self.tabifyDockWidget(caches, d)
            front = lesson if lesson is not None else caches
            front.raise_()
            self._raise_later = [front, docks["events"]]
        else:
            self.splitDockWidget(caches, docks["inspector"], Qt.Orientation.Vertical)
            self.tabifyDockWidget(docks["inspector"], docks["teacher"])
            docks["inspector"].raise_()
            self._raise_later = [docks["inspector"], docks["events"]]
            if lesson is not None:
                self.addDockWidget(LEFT, lesson)
                lesson.raise_()
        events = docks["events"]
        self.addDockWidget(BOTTOM, events)
        for k in BOTTOM_DOCKS[1:]:
            self.tabifyDockWidget(events, docks[k])
        events.raise_()
        for k, d in docks.items():  # keep what was hidden hidden (and shown shown)
            d.setVisible(shown[k])
        if not presenting:
            self._size_docks()
        QTimer.singleShot(0, self._hide_stale_tab_bars)

    def _size_docks(self) -> None:
        docks, w, h = self.docks, self.width(), self.height()
        side = layout.side_column_width(w)
        lesson = docks.get("lesson")
        if lesson is not None and lesson.isVisible() and not self.is_narrow():
            lesson_w = self.lesson_width()
            side = min(side, int(w * 0.34))
            self.resizeDocks([lesson], [lesson_w], Qt.Orientation.Horizontal)
        self.resizeDocks([docks["caches"]], [side], Qt.Orientation.Horizontal)
        # wide: tall enough for ten rows of the ladder diagram (issue 13)
        bottom = int(h * (0.22 if self.is_narrow() else 0.33 if lesson is not None
                          and lesson.isVisible() else 0.43))
        self.resizeDocks([docks["events"]], [bottom], Qt.Orientation.Vertical)
        if not self.is_narrow():
            caches_h = self.caches_height()
            column = h - 60
            self.resizeDocks([docks["caches"], docks["inspector"]],
                             [caches_h, max(200, column - caches_h)], Qt.Orientation.Vertical)

    def caches_height(self) -> int:
        """Enough height for every cache of the scenario without scrolling, each with
        the rows it will have (two in the MN's list: MAP and HA; one elsewhere) and the
        dock's title, at most half the window."""
        caches = self.caches
        want = 0
        for key, section in getattr(caches, "sections", {}).items():
            table = section.table
            row_h = table.verticalHeader().defaultSectionSize()
            rows = max(table.model().rowCount(), 2 if key == next(iter(caches.sections))
                       else 1)
            head = table.horizontalHeader().sizeHint().height()
            title = section.title.sizeHint().height() + 6
            want += title + head + rows * row_h + 2 * table.frameWidth() + 8
        if not want:
            want = 300
        title_h = self.fontMetrics().height() + 10
        return int(min(self.height() * 0.5, want + title_h + 12))

    def lesson_width(self) -> int:
        fm = self.fontMetrics()
        return int(max(340, min(self.width() * 0.27, fm.averageCharWidth() * 58)))

    def place_lesson_dock(self, dock: QDockWidget) -> None:
        """A lesson dock just made (lesson_host): where this width wants it; the
        legend starts collapsed in lessons (the network is what the steps talk about)."""
        self.arrange_docks()
        self.topology.legend.set_user_collapsed(True)

    def raise_front_docks(self) -> None:
        """The tabs arrange_docks put in front (a tab raised before the window is
        shown does not always stay raised)."""
        for dock in getattr(self, "_raise_later", []):
            if not dock.isHidden():
                dock.raise_()

    def canvas_share(self) -> float:
        """The share of the window's width the canvas has."""
        return self.topology.width() / max(1, self.width())

    def _on_resized(self) -> None:
        self.update_toolbar_rows()
        if getattr(self, "_narrow", None) is not None and self._narrow != self.is_narrow():
            self.arrange_docks()


__all__ = ["WindowLayout", "fitted", "SIDE_DOCKS", "BOTTOM_DOCKS"]
