"""The main window: canvas + caption in the middle, docks around (ui.md layout).

``MainWindow(controller)`` puts together the topology canvas, the caption bar, the
playback toolbar and the docks (binding caches, packet inspector, teacher controls,
events, ladder, plot). The docks are arranged in :mod:`hmipviz.gui.window_docks`, the menus
built in :mod:`hmipviz.gui.window_menus`, the caption in :mod:`hmipviz.gui.caption`.

Window geometry, dock layout and recent files are kept in QSettings (organisation
"hmipviz"); a first start fills the screen's available geometry and the docks follow
the width (:mod:`hmipviz.gui.window_layout`). :func:`install_excepthook` makes any
exception in a slot a dialog and a log line instead of the end of the app.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from hmipviz.gui.caption import CaptionBar
from hmipviz.gui.controller import QtController
from hmipviz.gui.export_folder import export_start, remember_export
from hmipviz.gui.lesson_host import LessonHost
from hmipviz.gui.on_expose import when_exposed
from hmipviz.gui.playback import QtPlaybackBar
from hmipviz.gui.presentation import Presentation
from hmipviz.gui.scrubber_marks import ScrubberMarks
from hmipviz.gui.start_pace import StartPace
from hmipviz.gui.topology_view import QtTopologyView
from hmipviz.gui.window_docks import WindowDocks
from hmipviz.gui.window_layout import WindowLayout
from hmipviz.gui.window_menus import WindowMenus
from hmipviz.script_marks import scripted_marks, without_scripted_actions

if TYPE_CHECKING:
    from hmipviz.scenario import Scenario

log = logging.getLogger("hmipviz.gui")

ORGANISATION = "hmipviz"
APPLICATION = "hmipviz"
MAX_RECENT = 8
# saved dock layouts of another version are not restored (2: issue 13's arrangement,
# with the teacher controls in a dock of their own and the timeline toolbar)
LAYOUT_VERSION = 2


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


# =====================================================================================
# the window
# =====================================================================================
class MainWindow(WindowMenus, WindowDocks, WindowLayout, QMainWindow):
    def __init__(self, controller: QtController | None = None, scenario=None, *,
                 present: bool = False, restore_settings: bool = True) -> None:
        super().__init__()
        self.controller = controller or QtController(parent=self)
        if scenario is not None:
            self.controller.load(scenario)
        self.setObjectName("mainWindow")
        self.setAccessibleName("hmipviz main window")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks |
                            QMainWindow.DockOption.AllowTabbedDocks |
                            QMainWindow.DockOption.AllowNestedDocks)
        self.resize(1600, 1000)
        self._scenario_path: str | None = None

        c = self.controller
        self.statusBar().setAccessibleName("Status bar")
        # --- centre: canvas + caption ---------------------------------------------------------
        self.topology = QtTopologyView(c)
        self.caption = CaptionBar(c)
        centre = QWidget()
        centre.setAccessibleName("Canvas and caption")
        v = QVBoxLayout(centre)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        v.addWidget(self.topology, 1)
        v.addWidget(self.caption)
        self.setCentralWidget(centre)

        self.playback = QtPlaybackBar(c, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.playback)
        self._split_toolbar()  # window_layout: time and scrubber may go on a second row
        self.marks = ScrubberMarks(self.playback.scrubber, c)
        # the scenario as opened (its own moves included)
        self._scenario_full: Scenario | None = None

        self._build_docks()

        self._build_menus()
        self.statusBar().showMessage("Ready. Space plays, \u2192 steps, drag the MN to hand over.",
                                     8000)

        c.scenarioLoaded.connect(self._update_title)
        c.modeChanged.connect(lambda _m: self._update_title())
        c.errorOccurred.connect(self.show_error)
        c.actionApplied.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.actionApplied.connect(lambda _t: self.topology.refresh_link_labels())
        self.topology.nodeClicked.connect(lambda name: self.teacher.select_node(name))
        c.scenarioLoaded.connect(self._on_scenario_loaded)
        self._on_scenario_loaded()
        self._update_title()
        if restore_settings:
            self._restore_settings()
        self.update_toolbar_rows()
        # classroom mode (presentation.py) and the lesson player (lesson_panel.py)
        self.presentation = Presentation(self)
        self.presentation.scaleChanged.connect(self._sync_scale_actions)
        self._sync_scale_actions(self.presentation.scale)
        self.theme_choice.follow(self.presentation)  # the theme again after classroom mode
        self.lessons = LessonHost(self)
        # issue 13 item 5: open at the first idle moment, Watch the start, signalling focus
        self.start_pace = StartPace(self)
        if scenario is not None and restore_settings:  # the user's window, not a test's
            # after the first frame is painted: running the engine to that moment (and
            # importing networkx for its routes) must not delay the window's appearance
            QTimer.singleShot(0, self.start_pace.opened)
        if present:
            self.presentation.enter()
        self.topology.setFocus()

    # --- scenario files ---------------------------------------------------------------------------
    def open_scenario(self, source: str) -> bool:
        """Load a scenario file or built-in name; problems are shown in plain words."""
        try:
            from hmipviz.scenario import ScenarioError, load_scenario
        except ImportError as exc:
            self.show_error(f"Cannot load scenarios: {exc}")
            return False
        try:
            scenario = load_scenario(source)
        except ScenarioError as exc:
            self.show_error("This scenario cannot be opened:\n\n" + str(exc),
                            "Fix the file (each line says where and what), then open it again.")
            return False
        except OSError as exc:
            self.show_error(f"Cannot read {source}: {exc}")
            return False
        self.controller.load(scenario)
        self.start_pace.opened()
        self._scenario_path = source if Path(str(source)).suffix == ".toml" else None
        if self._scenario_path:
            self._add_recent(str(Path(source).resolve()))
        self.statusBar().showMessage(f"Opened {scenario.name}", 5000)
        return True

    def open_dialog(self) -> None:
        start = str(settings().value("lastDir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start,
                                              "Scenario files (*.toml);;All files (*)")
        if path:
            settings().setValue("lastDir", str(Path(path).parent))
            self.open_scenario(path)

    def save_dialog(self) -> None:
        c = self.controller
        if c.scenario is None:
            return
        last_dir = settings().value("lastDir", str(Path.home()))
        start = self._scenario_path or str(Path(str(last_dir)) / f"{c.scenario.name}.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", start,
                                              "Scenario files (*.toml)")
        if path:
            self.save_scenario(path)

    def save_scenario(self, path: str) -> bool:
        try:
            from hmipviz.scenario import ScenarioError
        except ImportError as exc:
            self.show_error(f"Saving scenarios is not available yet: {exc}")
            return False
        try:  # the opened (or edited) file's comments and layout are kept
            from hmipviz.scenario.save_toml import save_keeping
            save_keeping(self.controller.scenario_with_actions(), path, self.document_text())
        except (ScenarioError, OSError) as exc:
            self.show_error(f"Cannot save {path}:\n{exc}")
            return False
        self._scenario_path = path
        self._add_recent(str(Path(path).resolve()))
        self.statusBar().showMessage(f"Saved {path} (with your moves in its time line)", 6000)
        return True

    def save(self) -> None:
        """File > Save: to the opened file when there is one, else Save as."""
        if self._scenario_path:
            self.save_scenario(self._scenario_path)
        else:
            self.save_dialog()

    # --- the scenario editor (gui/editor_window.py) -------------------------------------------
    def edit_scenario(self, new: bool = False):
        from hmipviz.gui.editor_window import open_editor
        return open_editor(self, new=new)

    def document_text(self) -> str | None:
        """The editor's text of the scenario that runs, if it came from the editor."""
        edited = getattr(self, "_edited", None)
        return edited[1] if edited and edited[0] is self._scenario_full else None

    def run_edited(self, scenario, text: str, path: str | None) -> None:
        """The editor was left with a valid scenario: it runs from the start."""
        self.controller.load(scenario)
        self._edited = (self._scenario_full, text)
        self._scenario_path = path
        self.statusBar().showMessage(f"Running the edited scenario {scenario.name}", 6000)

    def recent_files(self) -> list[str]:
        value = settings().value("recentFiles", [])
        if isinstance(value, str):  # QSettings gives a one-item list back as its item
            return [value]
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        settings().setValue("recentFiles", recent[:MAX_RECENT])

    def _clear_recent(self) -> None:
        settings().setValue("recentFiles", [])

    # --- exports --------------------------------------------------------------------------------
    def export_capture(self, path: str) -> int:
        from hmipviz.outputs import write_capture
        sim = self.controller.sim
        if sim is None:
            raise ValueError("no scenario is loaded")
        return write_capture(sim, path)

    def export_capture_dialog(self) -> None:
        c = self.controller
        name = f"{c.scenario.name}.pcapng" if c.scenario else "capture.pcapng"
        path, _ = QFileDialog.getSaveFileName(self, "Export capture", export_start(name),
                                              "pcapng capture (*.pcapng)")
        if not path:
            return
        try:
            n = self.export_capture(path)
        except Exception as exc:
            self.show_error(f"Cannot write {path}: {exc}")
            return
        remember_export(path)
        self.statusBar().showMessage(f"Wrote {n} packets to {path}", 6000)

    def export_ladder_dialog(self) -> None:
        """File > Export ladder diagram: the same dialog as the ladder dock's button."""
        self.ladder.export_dialog()

    def export_screenshot(self, path: str) -> bool:
        return self.grab().save(path, "PNG")

    def export_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export screenshot",
                                              export_start("hmipviz.png"), "PNG image (*.png)")
        if not path:
            return
        if self.export_screenshot(path):
            remember_export(path)
        else:
            self.show_error(f"Cannot write {path}")

    # --- view --------------------------------------------------------------------------------
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def toggle_presentation(self) -> None:
        """Classroom mode on or off (F11, F5; Esc leaves): see presentation.py."""
        self.presentation.toggle()

    def open_lesson(self, source) -> bool:
        """Open a lesson (a Lesson, a built-in name or number, or a .md file) in the
        lesson dock; a broken file shows its problems in a dialog."""
        return self.lessons.open(source)

    # --- dialogs -------------------------------------------------------------------------------
    def show_error(self, message: str, what_next: str = "") -> None:
        self.statusBar().showMessage(message.splitlines()[0], 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "hmipviz", message, parent=self)
        if what_next:
            box.setInformativeText(what_next)
        box.setAccessibleName("Error dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not one more per error
        box.open()

    # --- state --------------------------------------------------------------------------------
    def _update_title(self) -> None:
        c = self.controller
        if c.scenario is None:
            self.setWindowTitle("hmipviz")
            return
        mode = {"hmipv6": "HMIPv6", "mipv6": "Mobile IPv6"}.get(c.mode or "", c.mode or "")
        self.setWindowTitle(f"hmipviz \u2014 {c.scenario.name} ({mode})")

    def _restore_settings(self) -> None:
        """The saved geometry and docks, made to fit this screen; on a first start the
        screen's available geometry and the docks arranged for its width."""
        s = settings()
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            self.fit_to_screen()
        else:
            self.size_to_screen()
        state = s.value("windowState")
        if not (isinstance(state, QByteArray) and not state.isEmpty()
                and self.restoreState(state, LAYOUT_VERSION)):
            self.arrange_docks()  # first start, or a layout from before issue 13

    # --- the scenario's own moves ----------------------------------------------------------
    def _on_scenario_loaded(self) -> None:
        """A scenario opened (not our own reload without its moves): remember it, and
        its own moves are on again."""
        c = self.controller
        if c.scenario is None or c.scenario is getattr(self, "_scenario_alone", None):
            return
        self._scenario_full = c.scenario
        self._scenario_alone = None
        action = getattr(self, "scripted_action", None)
        if action is not None:
            action.setChecked(True)
            action.setEnabled(bool(scripted_marks(c.scenario)))

    def scenario_moves_on(self) -> bool:
        return getattr(self, "_scenario_alone", None) is None

    def set_scenario_moves(self, on: bool) -> None:
        """Simulation > Scenario's own moves: off restarts the scenario without its
        scripted moves, failures and restores, so the teacher drives alone; on restarts
        it as written. Either way the run starts over (in the same mode)."""
        c = self.controller
        full = self._scenario_full
        if full is None or on == self.scenario_moves_on():
            return
        if on:
            self._scenario_alone = None
            c.load(full, mode=c.mode)
            self.statusBar().showMessage("The scenario's own moves are back; it starts over.",
                                         6000)
        else:
            self._scenario_alone = without_scripted_actions(full)
            c.load(self._scenario_alone, mode=c.mode)
            self.statusBar().showMessage("The scenario's own moves are off: only your moves "
                                         "happen. It starts over.", 6000)
        action = getattr(self, "scripted_action", None)
        if action is not None and action.isChecked() != on:
            action.setChecked(on)

    def save_settings(self) -> None:
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState(LAYOUT_VERSION))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._hide_stale_tab_bars)
        # a tab raised before the window is mapped does not stay raised on X11: again
        # once the window manager (or Xvfb) has mapped it; then the user's tabs are theirs
        # (a later show, from minimised, leaves them as they are)
        if getattr(self, "_raise_later", None):
            QTimer.singleShot(0, self.raise_front_docks)
            when_exposed(self, self._raise_front_docks_once)

    def _raise_front_docks_once(self) -> None:
        self.raise_front_docks()
        self._raise_later = []

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._on_resized()  # window_layout: toolbar rows, narrow / wide docks

    def closeEvent(self, event) -> None:
        self.controller.pause()
        self.presentation.leave()  # save the everyday layout, not the classroom one
        if self.lessons.panel is not None:
            self.lessons.panel.cancel_show_me()
            self.lessons.panel.save_progress()
        self.save_settings()
        super().closeEvent(event)


# =====================================================================================
# errors
# =====================================================================================
_in_hook = False


def log_path() -> Path:
    """hmipviz.log in Qt's cache location for this application (on Linux
    ~/.cache/hmipviz/hmipviz.log when the organisation and application are "hmipviz")."""
    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return (Path(folder) if folder else Path.home() / ".cache" / "hmipviz") / "hmipviz.log"


def setup_logging() -> None:
    """The window's log file, rotated at about 1 MB (logsetup)."""
    from hmipviz.logsetup import add_rotating_file

    add_rotating_file(log_path())


def install_excepthook(parent: QWidget | None = None) -> None:
    """Any uncaught exception (a slot included) is logged and shown; the app goes on."""

    def hook(exc_type, exc, tb) -> None:
        global _in_hook
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception:\n%s", text)
        print(text, file=sys.stderr)
        if _in_hook or QApplication.instance() is None:
            return
        _in_hook = True
        try:
            box = QMessageBox(QMessageBox.Icon.Critical, "hmipviz: something went wrong",
                              f"{exc_type.__name__}: {exc}", parent=parent)
            box.setInformativeText("The window goes on working. The details are in "
                                   f"{log_path()}; please report them.")
            box.setDetailedText(text)
            box.exec()
        finally:
            _in_hook = False

    sys.excepthook = hook


__all__ = ["MainWindow", "CaptionBar", "install_excepthook", "settings", "setup_logging"]
