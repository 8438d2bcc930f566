"""The main window: canvas + caption in the middle, docks around (ui.md layout).

``MainWindow(controller)`` puts together the topology canvas, the caption bar, the
playback toolbar and the docks (binding caches, packet inspector, teacher controls,
events, ladder, plot). The inspector, ladder and plot live in their own modules and are
imported guardedly, so the window works while any of them is missing; the plot (and
with it pyqtgraph) is built the first time its dock is shown.

Window geometry, dock layout and recent files are kept in QSettings (organisation
"hmipviz"). :func:`install_excepthook` makes any exception in a slot a dialog and a log
line instead of the end of the app.
"""

from __future__ import annotations

import html
import importlib
import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QActionGroup, QColor, QFont, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hmipviz.engine.events import PacketSent
from hmipviz.gui import theme
from hmipviz.gui.caches import QtBindingCaches
from hmipviz.gui.controller import QtController
from hmipviz.gui.event_words import event_kind, event_rfc, event_text
from hmipviz.gui.event_list import QtEventList
from hmipviz.gui.lesson_host import LessonHost
from hmipviz.gui.playback import QtPlaybackBar
from hmipviz.gui.presentation import Presentation
from hmipviz.gui.properties import QtTeacherControls
from hmipviz.gui.topology_view import QtTopologyView

log = logging.getLogger("hmipviz.gui")

ORGANISATION = "hmipviz"
APPLICATION = "hmipviz"
MAX_RECENT = 8

# Views written in their own modules: (module, class names to try, dock title, object name)
OPTIONAL_VIEWS = {
    "inspector": ("inspector", ("QtPacketInspector", "QtInspector", "PacketInspector"),
                  "Packet inspector", "inspectorDock"),
    "ladder": ("ladder", ("QtLadder", "QtLadderView", "QtSequenceDiagram"),
               "Ladder diagram", "ladderDock"),
    "plot": ("plot", ("QtSignallingPlot", "QtPlot", "QtPlotView", "SignallingPlot"),
             "Signalling plot", "plotDock"),
}


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def _make_optional_view(key: str, controller) -> tuple[QWidget | None, str]:
    """The view for ``key`` from its module, or (None, why not)."""
    module_name, class_names, _title, _obj = OPTIONAL_VIEWS[key]
    try:
        module = importlib.import_module(f"hmipviz.gui.{module_name}")
    except ImportError as exc:
        return None, f"not available in this version ({exc})"
    cls = next((getattr(module, n) for n in class_names if hasattr(module, n)), None)
    if cls is None:  # any QWidget subclass the module defines will do
        cls = next((v for v in vars(module).values() if isinstance(v, type)
                    and issubclass(v, QWidget) and v.__module__ == module.__name__
                    and v.__name__.startswith("Qt")), None)
    if cls is None:
        return None, f"hmipviz.gui.{module_name} has no view class"
    return cls(controller), ""


class _Placeholder(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(f"color:{theme.muted_text().name()}; padding: 20px")


# =====================================================================================
# caption bar
# =====================================================================================
class _KindChip(QWidget):
    """The current message's kind: its colour, shape and glyph."""

    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.tunnelled = False
        self.setFixedSize(QSize(int(56 * theme.scale()), int(30 * theme.scale())))

    def set_kind(self, kind: str, tunnelled: bool) -> None:
        self.kind, self.tunnelled = kind, tunnelled
        self.setVisible(bool(kind))
        self.update()

    def paintEvent(self, _e) -> None:
        if not self.kind:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = theme.kind_color(self.kind)
        pen = QPen(fill.darker(160), 1.5)
        if self.tunnelled:
            pen = QPen(QColor("#202020"), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(fill)
        r = self.rect().adjusted(2, 2, -2, -2)
        p.drawRoundedRect(r, 6, 6)
        f = QFont(theme.ui_font(0, bold=True))
        p.setFont(f)
        p.setPen(QColor("white") if fill.lightness() < 150 else QColor("#111"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, theme.kind_glyph(self.kind))
        p.end()


class CaptionBar(QFrame):
    """What the current message is and why, with its RFC section and real link delay."""

    HINT = ("Press Space to play, \u2192 to step one event, or drag the MN into another "
            "access router's cell.")

    def __init__(self, controller) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("caption")
        self.setAccessibleName("Caption")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.chip = _KindChip()
        self.text = QLabel()
        self.text.setAccessibleName("Caption text")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setFont(theme.ui_font(2.0))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel()
        self.detail.setAccessibleName("Caption details")
        self.detail.setFont(theme.mono_font(0))
        self.detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.detail.setStyleSheet(f"color:{theme.muted_text().name()}")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 12, 6)
        lay.setSpacing(12)
        lay.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.detail, 0)
        fm = self.text.fontMetrics()
        self.setMinimumHeight(2 * fm.height() + 16)
        controller.positionChanged.connect(self.refresh)
        controller.selectionChanged.connect(self.refresh)
        controller.scenarioLoaded.connect(self.refresh)
        self.refresh()

    def refresh(self, *_a) -> None:
        c = self.controller
        if c.scenario is None:
            return
        pos = c.position
        i = c.current_message(pos)
        sel = c.selected
        if sel >= 0:
            lo, hi = c.group_range(pos) if pos >= 0 else (0, -1)
            if lo <= sel <= hi or sel > pos or i < 0:
                i = sel
        e = c.event_at(i)
        if e is None:
            self.chip.set_kind("", False)
            self.text.setText(f"<b>{html.escape(c.scenario.name)}</b> \u2014 "
                              f"{html.escape(self.HINT)}")
            self.detail.setText("")
            return
        kind = event_kind(e)
        summary = html.escape(event_text(e))
        rfc = event_rfc(e)
        head = kind[:1].upper() + kind[1:]
        text = f"<b>{html.escape(head)}</b>: {summary}"
        if rfc:
            text += f" \u2014 <i>{html.escape(rfc)}</i>"
        if i > pos:
            text += " <span style='color:gray'>(later in the history)</span>"
        self.text.setText(text)
        if isinstance(e, PacketSent):
            self.chip.set_kind(e.kind, e.tunnel_depth > 0)
            delay_ms = (e.arrive_t - e.t) * 1000
            self.detail.setText(f"{e.node} \u2192 {e.to_node}\nlink delay {delay_ms:.3g} ms, "
                                f"{len(e.data)} B\nt = {e.t:.4f} s")
        else:
            self.chip.set_kind("", False)
            self.detail.setText(f"{e.node}\nt = {e.t:.4f} s")


# =====================================================================================
# the window
# =====================================================================================
class MainWindow(QMainWindow):
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

        # --- docks ---------------------------------------------------------------------------
        self.docks: dict[str, QDockWidget] = {}
        self.caches = QtBindingCaches(c)
        self.teacher = QtTeacherControls(c)
        self.events = QtEventList(c)
        self._dock("caches", "Binding caches", self.caches, Qt.DockWidgetArea.RightDockWidgetArea)
        self.inspector = self._optional_dock("inspector", Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.docks["caches"], self.docks["inspector"], Qt.Orientation.Vertical)
        self._dock("teacher", "Teacher controls", self.teacher,
                   Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["caches"], self.docks["teacher"])
        self.docks["caches"].raise_()
        self._dock("events", "Events", self.events, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.ladder = self._optional_dock("ladder", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.plot: QWidget | None = None
        self._plot_built = False
        plot_dock = self._dock("plot", "Signalling plot",
                               _Placeholder("The plot appears when this tab is shown."),
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        plot_dock.visibilityChanged.connect(self._maybe_build_plot)
        self.tabifyDockWidget(self.docks["events"], self.docks["ladder"])
        self.tabifyDockWidget(self.docks["events"], plot_dock)
        self.docks["events"].raise_()
        self.resizeDocks([self.docks["caches"]], [560], Qt.Orientation.Horizontal)
        # the inspector's field tree needs the height more than the caches, which scroll
        self.resizeDocks([self.docks["caches"], self.docks["inspector"]], [370, 480],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["events"]], [250], Qt.Orientation.Vertical)
        self._default_state = self.saveState()

        self._build_menus()
        self.statusBar().showMessage("Ready. Space plays, \u2192 steps, drag the MN to hand over.",
                                     8000)

        c.scenarioLoaded.connect(self._update_title)
        c.modeChanged.connect(lambda _m: self._update_title())
        c.errorOccurred.connect(self.show_error)
        c.actionApplied.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.actionApplied.connect(lambda _t: self.topology.refresh_link_labels())
        self.topology.nodeClicked.connect(self.teacher.select_node)
        self._update_title()
        if restore_settings:
            self._restore_settings()
        # classroom mode (presentation.py) and the lesson player (lesson_panel.py)
        self.presentation = Presentation(self)
        self.presentation.scaleChanged.connect(self._sync_scale_actions)
        self._sync_scale_actions(self.presentation.scale)
        self.lessons = LessonHost(self)
        if present:
            self.presentation.enter()
        self.topology.setFocus()

    # --- docks ----------------------------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{key}Dock")
        dock.setAccessibleName(f"{title} dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                         QDockWidget.DockWidgetFeature.DockWidgetClosable |
                         QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _optional_dock(self, key: str, area) -> QWidget | None:
        _module, _classes, title, _obj = OPTIONAL_VIEWS[key]
        try:
            widget, why = _make_optional_view(key, self.controller)
        except Exception as exc:  # a broken view must not take the window down
            log.exception("cannot build the %s view", key)
            widget, why = None, f"failed to start: {exc}"
        self._dock(key, title, widget or _Placeholder(f"{title}: {why}"), area)
        return widget

    def _maybe_build_plot(self, visible: bool) -> None:
        if not visible or self._plot_built:
            return
        self._plot_built = True
        QTimer.singleShot(0, self._build_plot)

    def _build_plot(self) -> None:
        try:
            widget, why = _make_optional_view("plot", self.controller)
        except Exception as exc:
            log.exception("cannot build the plot view")
            widget, why = None, f"failed to start: {exc}"
        self.plot = widget
        self.docks["plot"].setWidget(widget or _Placeholder(f"Signalling plot: {why}"))

    # --- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        c = self.controller
        mb = self.menuBar()
        # File
        m = mb.addMenu("&File")
        self.open_action = m.addAction("&Open scenario\u2026", self.open_dialog)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.builtin_menu = m.addMenu("&Built-in scenarios")
        self._fill_builtins()
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = m.addAction("&Save scenario as\u2026", self.save_dialog)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        m.addSeparator()
        m.addAction("Export &capture (pcapng)\u2026", self.export_capture_dialog)
        m.addAction("Export &ladder diagram\u2026", self.export_ladder_dialog)
        m.addAction("Export screens&hot (PNG)\u2026", self.export_screenshot_dialog)
        m.addSeparator()
        q = m.addAction("&Quit", self.close)
        q.setShortcut(QKeySequence.StandardKey.Quit)
        q.setShortcut(QKeySequence("Ctrl+Q"))
        # View
        m = mb.addMenu("&View")
        for key in ("caches", "inspector", "teacher", "events", "ladder", "plot"):
            m.addAction(self.docks[key].toggleViewAction())
        m.addSeparator()
        a = m.addAction("&Fit to window", self.topology.fit)
        a.setShortcut(QKeySequence("Ctrl+0"))
        a = m.addAction("Zoom &in", lambda: self.topology.zoom(1.25))
        a.setShortcut(QKeySequence.StandardKey.ZoomIn)
        a = m.addAction("Zoom &out", lambda: self.topology.zoom(0.8))
        a.setShortcut(QKeySequence.StandardKey.ZoomOut)
        m.addSeparator()
        self.present_action = m.addAction("&Classroom mode (presentation)",
                                          self.toggle_presentation)
        self.present_action.setCheckable(True)
        self.present_action.setShortcuts([QKeySequence("F11"), QKeySequence("F5")])
        self.present_action.setToolTip("Full screen, large high-contrast text, keyboard "
                                       "and presenter remote; Esc leaves")
        self.addAction(self.present_action)  # F11 works with the menu bar hidden too
        scale_menu = m.addMenu("Classroom &scale")
        self.scale_actions = QActionGroup(self)
        for factor in (1.5, 1.75, 2.0, 2.5, 3.0):
            a = scale_menu.addAction(f"{factor:g}\u00d7",
                                     lambda f=factor: self.presentation.set_scale(f))
            a.setCheckable(True)
            a.setData(factor)
            self.scale_actions.addAction(a)
        self.fullscreen_action = m.addAction("F&ull screen", self.toggle_full_screen)
        self.fullscreen_action.setCheckable(True)
        self.fullscreen_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        m.addAction("&Reset layout", self.reset_layout)
        # Simulation
        m = mb.addMenu("&Simulation")
        pb = self.playback
        for act in (pb.play_action, pb.forward_action, pb.back_action, pb.reset_action,
                    pb.idle_action):
            m.addAction(act)
        a = m.addAction("Run to the &end", c.run_to_end)
        a.setShortcut(QKeySequence("Ctrl+End"))
        m.addSeparator()
        self.mode_actions = QActionGroup(self)
        for mode, text in (("hmipv6", "&HMIPv6 (RFC 5380)"), ("mipv6", "&Mobile IPv6 (RFC 6275)")):
            a = m.addAction(text, lambda mm=mode: c.set_mode(mm) if c.mode != mm else None)
            a.setCheckable(True)
            a.setData(mode)
            self.mode_actions.addAction(a)
        c.modeChanged.connect(self._sync_mode_actions)
        self._sync_mode_actions(c.mode or "hmipv6")
        a = m.addAction("&Restart scenario", c.restart)
        a.setShortcut(QKeySequence("Ctrl+R"))
        m.addSeparator()
        m.addAction("Move MN to the &next AR",
                    lambda: self.topology.move_mn_to(self.topology.next_ar()))
        m.addAction("&Detach the MN (no link)", lambda: self.topology.move_mn_to(None))
        a = m.addAction("Start / stop the &data flow", lambda: c.set_flow(not c.flow_running_at(c.position)))
        a.setShortcut(QKeySequence("Ctrl+D"))
        # Help
        m = mb.addMenu("&Help")
        a = m.addAction("&Keyboard shortcuts", self.show_shortcuts)
        a.setShortcut(QKeySequence("F1"))
        m.addAction("&About hmipviz", self.show_about)
        # shortcuts reach the window whatever has focus
        for act in (pb.play_action, pb.forward_action, pb.back_action, pb.reset_action,
                    pb.idle_action):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(act)

    def _sync_mode_actions(self, mode: str) -> None:
        for a in self.mode_actions.actions():
            a.setChecked(a.data() == mode)

    def _fill_builtins(self) -> None:
        self.builtin_menu.clear()
        try:
            from hmipviz.scenario import builtin_scenarios
            items = builtin_scenarios()
        except Exception as exc:  # scenario module without built-ins yet
            self.builtin_menu.addAction(f"(none: {exc})").setEnabled(False)
            return
        for name, description in items.items():
            first = description.strip().splitlines()[0] if description.strip() else ""
            a = self.builtin_menu.addAction(name, lambda n=name: self.open_scenario(n))
            a.setToolTip(first)
            a.setStatusTip(first)
        self.builtin_menu.setToolTipsVisible(True)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.open_scenario(p))
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear the list", self._clear_recent)

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
        self._scenario_path = source if Path(str(source)).suffix == ".toml" else None
        if self._scenario_path:
            self._add_recent(str(Path(source).resolve()))
        self.statusBar().showMessage(f"Opened {scenario.name}", 5000)
        return True

    def open_dialog(self) -> None:
        start = settings().value("lastDir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", start,
                                              "Scenario files (*.toml);;All files (*)")
        if path:
            settings().setValue("lastDir", str(Path(path).parent))
            self.open_scenario(path)

    def save_dialog(self) -> None:
        c = self.controller
        if c.scenario is None:
            return
        start = self._scenario_path or str(Path(settings().value("lastDir", str(Path.home())))
                                           / f"{c.scenario.name}.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", start,
                                              "Scenario files (*.toml)")
        if path:
            self.save_scenario(path)

    def save_scenario(self, path: str) -> bool:
        try:
            from hmipviz.scenario import ScenarioError, save_scenario
        except ImportError as exc:
            self.show_error(f"Saving scenarios is not available yet: {exc}")
            return False
        try:
            save_scenario(self.controller.scenario_with_actions(), path)
        except (ScenarioError, OSError) as exc:
            self.show_error(f"Cannot save {path}:\n{exc}")
            return False
        self._scenario_path = path
        self._add_recent(str(Path(path).resolve()))
        self.statusBar().showMessage(f"Saved {path} (with your moves in its time line)", 6000)
        return True

    def recent_files(self) -> list[str]:
        value = settings().value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        settings().setValue("recentFiles", recent[:MAX_RECENT])

    def _clear_recent(self) -> None:
        settings().setValue("recentFiles", [])

    # --- exports --------------------------------------------------------------------------------
    def export_capture(self, path: str) -> int:
        from hmipviz.outputs import write_capture
        return write_capture(self.controller.sim, path)

    def export_capture_dialog(self) -> None:
        c = self.controller
        name = f"{c.scenario.name}.pcapng" if c.scenario else "capture.pcapng"
        path, _ = QFileDialog.getSaveFileName(self, "Export capture", name,
                                              "pcapng capture (*.pcapng)")
        if not path:
            return
        try:
            n = self.export_capture(path)
        except Exception as exc:
            self.show_error(f"Cannot write {path}: {exc}")
            return
        self.statusBar().showMessage(f"Wrote {n} packets to {path}", 6000)

    def export_ladder_dialog(self) -> None:
        ladder = self.ladder
        if ladder is None or not hasattr(ladder, "export_svg"):
            self.show_error("The ladder diagram is not available in this version.")
            return
        path, chosen = QFileDialog.getSaveFileName(self, "Export ladder diagram", "ladder.svg",
                                                   "SVG (*.svg);;PNG (*.png)")
        if not path:
            return
        try:
            png = path.lower().endswith(".png") or (
                "PNG" in chosen and not path.lower().endswith(".svg"))
            if png:
                ladder.export_png(path)
            else:
                ladder.export_svg(path)
        except Exception as exc:
            self.show_error(f"Cannot write {path}: {exc}")
            return
        self.statusBar().showMessage(f"Wrote {path}", 6000)

    def export_screenshot(self, path: str) -> bool:
        return self.grab().save(path, "PNG")

    def export_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export screenshot", "hmipviz.png",
                                              "PNG image (*.png)")
        if path and not self.export_screenshot(path):
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

    def _sync_scale_actions(self, factor: float) -> None:
        for a in self.scale_actions.actions():
            a.setChecked(abs(a.data() - factor) < 1e-6)

    def open_lesson(self, source) -> bool:
        """Open a lesson (a Lesson, a built-in name or number, or a .md file) in the
        lesson dock; a broken file shows its problems in a dialog."""
        return self.lessons.open(source)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in self.docks.values():
            dock.setFloating(False)

    # --- dialogs -------------------------------------------------------------------------------
    def show_error(self, message: str, what_next: str = "") -> None:
        self.statusBar().showMessage(message.splitlines()[0], 10000)
        box = QMessageBox(QMessageBox.Icon.Warning, "hmipviz", message, parent=self)
        if what_next:
            box.setInformativeText(what_next)
        box.setAccessibleName("Error dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not one more per error
        box.open()

    def show_shortcuts(self) -> None:
        rows = [
            ("Space", "play / pause"), ("\u2192 / \u2190", "step one event forward / back"),
            ("Home", "back to the start"), ("End", "jump to the next idle moment"),
            ("Ctrl+End", "run to the end"), ("Ctrl+R", "restart the scenario"),
            ("drag the MN", "move it to another cell (outside every cell: no link)"),
            ("MN selected + N", "move it to the next AR"),
            ("MN selected + 1\u20269 / 0", "move it to that AR / detach it"),
            ("right-click a node", "fail or restore it"),
            ("wheel, + / \u2212", "zoom"), ("drag the background", "pan"),
            ("Ctrl+0", "fit the network to the window"), ("Ctrl+D", "start / stop data"),
            ("Ctrl+O / Ctrl+S", "open / save a scenario"), ("Ctrl+L", "open a lesson file"),
            ("F11 or F5", "classroom mode: full screen, large text"),
            ("  in it: Space, PgDn/PgUp, \u2192/\u2190", "play / pause, step (presenter remote)"),
            ("  in it: Home, 1\u20269, 0", "back to the start, MN to AR n, detach the MN"),
            ("  in it: Ctrl+= / Ctrl+\u2212, Esc", "larger / smaller text, leave"),
            ("  in it, in a lesson: Enter, H, S", "next step, hint, show me"),
            ("Ctrl+Shift+F", "full screen"), ("Ctrl+Q", "quit"),
        ]
        table = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>&nbsp;&nbsp;"
                        f"{html.escape(v)}</td></tr>" for k, v in rows)
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          f"<table>{table}</table>", parent=self)
        box.setAccessibleName("Keyboard shortcuts")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from hmipviz import __version__
        QMessageBox.about(self, "About hmipviz",
                          f"<h3>hmipviz {__version__}</h3><p>See Hierarchical Mobile IPv6 "
                          "(RFC 5380) happen: a real protocol engine carries real IPv6 bytes "
                          "between the nodes; drag the mobile node and watch the local "
                          "binding update, the binding caches and every packet's bytes.</p>"
                          "<p>MIT licence.</p>")

    # --- state --------------------------------------------------------------------------------
    def _update_title(self) -> None:
        c = self.controller
        if c.scenario is None:
            self.setWindowTitle("hmipviz")
            return
        mode = {"hmipv6": "HMIPv6", "mipv6": "Mobile IPv6"}.get(c.mode or "", c.mode or "")
        self.setWindowTitle(f"hmipviz \u2014 {c.scenario.name} ({mode})")

    def _restore_settings(self) -> None:
        s = settings()
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = s.value("windowState")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_settings(self) -> None:
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._hide_stale_tab_bars)

    def _hide_stale_tab_bars(self) -> None:
        """Qt (6.11) can leave a dock area's first tab bar visible after a second group
        of docks is tabified before the window is shown: hide any bar whose tabs another
        visible bar already shows."""
        from PySide6.QtWidgets import QTabBar
        bars = [b for b in self.findChildren(QTabBar)
                if b.parent() is self and b.isVisible() and b.count()]
        tabs = {id(b): {b.tabText(i) for i in range(b.count())} for b in bars}
        for i, b in enumerate(bars):
            for j, other in enumerate(bars):
                if other is b or not other.isVisible():
                    continue
                mine, theirs = tabs[id(b)], tabs[id(other)]
                if mine < theirs or (mine == theirs and j < i):
                    b.hide()
                    break

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
    return Path.home() / ".cache" / "hmipviz" / "hmipviz.log"


def setup_logging() -> None:
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("hmipviz").addHandler(handler)
    except OSError:
        pass


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
