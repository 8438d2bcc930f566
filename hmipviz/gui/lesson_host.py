"""The lesson dock in the main window and the Lessons menu (the built-in lessons, Open
lesson file..., Start over, Close). A lesson file that cannot be read shows its
:class:`~hmipviz.lesson.LessonError` messages in a dialog."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMenu, QMessageBox

if TYPE_CHECKING:  # imported when a lesson opens: the lesson code costs start-up time
    from hmipviz.gui.lesson_panel import QtLessonPanel

log = logging.getLogger("hmipviz.gui")


class _LessonDock(QDockWidget):
    """Closing the dock (its title bar's button) closes the lesson: a hidden lesson
    must not go on pausing playback at the end of each step."""

    def __init__(self, host: LessonHost) -> None:
        super().__init__("Lesson", host.window)
        self.host = host

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            QTimer.singleShot(0, self.host.close)


class LessonHost(QObject):
    """The Lessons menu and the lesson dock of a main window."""

    def __init__(self, window, progress_dir: str | Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.progress_dir = progress_dir
        self._warning = ""  # the progress store's last warning during an open
        self.panel: QtLessonPanel | None = None
        self.dock: QDockWidget | None = None
        self.menu = self._build_menu()

    def _build_menu(self) -> QMenu:
        mb = self.window.menuBar()
        menu = QMenu("&Lessons", mb)
        menu.setObjectName("lessonsMenu")
        help_action = next((a for a in mb.actions() if a.text().replace("&", "") == "Help"),
                           None)
        if help_action is not None:
            mb.insertMenu(help_action, menu)
        else:
            mb.addMenu(menu)
        self._builtins_at: QAction | None = None
        menu.aboutToShow.connect(self._fill_builtins)  # read the lesson files when asked
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        self.open_action = menu.addAction("&Open lesson file\u2026", self.open_dialog)
        self.open_action.setShortcut(QKeySequence("Ctrl+L"))
        self.window.addAction(self.open_action)  # with the menu bar hidden too
        self.start_over_action = menu.addAction("&Start the lesson over", self._start_over)
        self.export_action = menu.addAction("&Export the lesson summary\u2026",
                                            self._export)
        self.close_action = menu.addAction("&Close the lesson", self.close)
        self._sync_actions()
        return menu

    def _fill_builtins(self) -> None:
        """The built-in lessons at the top of the menu, read the first time it opens
        (not at start-up: that would import the lesson code)."""
        if self._builtins_at is not None:
            return
        from hmipviz.lesson import builtin_lessons
        menu = self.menu
        first = menu.actions()[0]  # the separator above "Open lesson file"
        try:
            items = builtin_lessons()
        except Exception as exc:  # the lessons folder is missing from this install
            items = []
            a = QAction(f"(no built-in lessons: {exc})", menu)
            a.setEnabled(False)
            menu.insertAction(first, a)
        for name, title, summary in items:
            number = name.split("-", 1)[0]
            label = f"{int(number)}. {title}" if number.isdigit() else title
            def open_it(_checked: bool = False, n: str = name) -> bool:
                return self.open(n)
            a = QAction(label.replace("&", "&&"), menu)
            a.triggered.connect(open_it)
            a.setToolTip(summary)
            a.setStatusTip(summary)
            menu.insertAction(first, a)
        self._builtins_at = first

    def _sync_actions(self) -> None:
        on = self.panel is not None and self.panel.lesson is not None
        self.start_over_action.setEnabled(on)
        self.export_action.setEnabled(on)
        self.close_action.setEnabled(on)

    def _ensure_dock(self) -> QtLessonPanel:
        if self.panel is None:
            from hmipviz.gui.lesson_panel import QtLessonPanel
            w = self.window
            self.panel = QtLessonPanel(w.controller, progress_dir=self.progress_dir)
            self.panel.nextLessonRequested.connect(self.open)
            self.panel.progressWarning.connect(self._progress_warning)
            inspector = getattr(w, "inspector", None)
            if inspector is not None and hasattr(inspector, "fieldSelected"):
                # "select the Dist field of AR1's RA": the lesson sees the selection
                inspector.fieldSelected.connect(self.panel.field_selected)
            dock = _LessonDock(self)
            dock.setObjectName("lessonDock")
            dock.setAccessibleName("Lesson dock")
            dock.setWidget(self.panel)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                             QDockWidget.DockWidgetFeature.DockWidgetClosable |
                             QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            # the lesson runs the window's full height, beside the bottom docks
            w.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
            w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            docks = getattr(w, "docks", None)
            if isinstance(docks, dict):
                docks["lesson"] = dock
            self.dock = dock
            place = getattr(w, "place_lesson_dock", None)
            if place is not None:  # the window's responsive layout (window_layout.py)
                place(dock)
                return self.panel
            self.fit_dock()
            # give the canvas back some of the width the lesson takes
            right = [d for d in (docks or {}).values()
                     if w.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea
                     and d.isVisible() and not d.isFloating()]
            if right and right[0].width() > 480:
                w.resizeDocks([right[0]], [480], Qt.Orientation.Horizontal)
        return self.panel

    def fit_dock(self) -> None:
        """About 58 characters wide (the window's font may have just been scaled)."""
        if self.dock is None:
            return
        fm = QFontMetrics(QApplication.font())
        width = max(380, min(self.window.width() * 2 // 5, fm.averageCharWidth() * 58))
        self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)

    def open(self, source) -> bool:
        """Open a lesson (a Lesson, a built-in name or number, or a file); a file that
        cannot be read shows its problems in a dialog. True when it is open."""
        from hmipviz.lesson import Lesson, LessonError, load_lesson
        if isinstance(source, Lesson):
            lesson = source
        else:
            try:
                lesson = load_lesson(source)
            except LessonError as exc:
                self._error(f"This lesson cannot be opened:\n\n{exc}",
                            "Each line names the file, the line and the problem. Fix the "
                            "file and open it again; `hmipviz check FILE` lists the same "
                            "problems.")
                return False
            except Exception as exc:  # never take the window down
                log.exception("cannot load lesson %s", source)
                self._error(f"This lesson cannot be opened: {exc}")
                return False
        self._warning = ""
        try:
            panel = self._ensure_dock()
            panel.load(lesson)
        except Exception as exc:
            log.exception("cannot start lesson %s", lesson.name)
            self._error(f"Lesson {lesson.title!r} cannot start: {exc}")
            return False
        dock = self.dock
        assert dock is not None, "made by _ensure_dock"
        dock.show()
        dock.raise_()
        self._sync_actions()
        status = getattr(self.window, "statusBar", None)
        if status is not None and not self._warning:  # a warning outweighs the title
            self.window.statusBar().showMessage(f"Lesson: {lesson.title}", 5000)
        return True

    def _progress_warning(self, text: str) -> None:
        self._warning = text
        if getattr(self.window, "statusBar", None) is not None:
            self.window.statusBar().showMessage(text, 30_000)

    def open_dialog(self) -> None:
        from hmipviz.resources import lessons_dir
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", str(lessons_dir()),
                                              "Lesson files (*.md);;All files (*)")
        if path:
            self.open(path)

    def _export(self) -> None:
        if self.panel is not None:
            self.panel.export_summary()

    def _start_over(self) -> None:
        if self.panel is not None:
            self.panel.start_over()

    def close(self) -> None:
        if self.panel is None or self.dock is None:
            return
        self.panel.save_progress()
        if self.window.controller.stop_when == self.panel._stop_here:
            self.window.controller.stop_when = None
        self.dock.hide()
        self.window.removeDockWidget(self.dock)
        docks = getattr(self.window, "docks", None)
        if isinstance(docks, dict):
            docks.pop("lesson", None)
        # no longer the window's "lessonDock" while its deletion waits for the event
        # loop: a restoreState meanwhile (leaving classroom mode in the same turn) would
        # put it back in the layout by that name, and Qt 6.11 then crashed (issue 9 soak)
        self.dock.setObjectName("")
        self.dock.setParent(None)
        self.dock.deleteLater()
        self.panel = None
        self.dock = None
        self._sync_actions()

    def _error(self, message: str, what_next: str = "") -> None:
        show = getattr(self.window, "show_error", None)
        if show is not None:
            show(message, what_next)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "hmipviz", message, parent=self.window)
        if what_next:
            box.setInformativeText(what_next)
        box.setAccessibleName("Error dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


__all__ = ["LessonHost"]
