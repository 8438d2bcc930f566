"""The scenario editor (Scenario > Edit, or E): a window of its own over the main one,
with the palette of roles and tools on the left, the canvas in the middle, the selected
item's properties on the right and the validator's problems below.

Every change is an :mod:`hmipviz.scenario.edit` dataclass applied to the document text
and pushed on a QUndoStack (Ctrl+Z, Ctrl+Shift+Z); after each one the text is checked
by the same validator as ``hmipviz check`` (:mod:`hmipviz.scenario.edit_check`). "Run
this scenario" (Ctrl+Return, or closing the window) leaves the editor and restarts the
simulation on the edited scenario; while the scenario has problems it stays in the
editor with them listed, and nothing is lost.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from hmipviz.fileio import atomic_write
from hmipviz.gui import theme
from hmipviz.gui.editor_canvas import LINK, SELECT, EditorCanvas
from hmipviz.gui.editor_panel import PropertyPanel
from hmipviz.gui.topology_nodes import _role_shape, _svg_renderer
from hmipviz.scenario.edit import (
    EMPTY_DOCUMENT,
    Batch,
    Edit,
    RemoveItem,
    RemoveNode,
    RenameNode,
    apply_edit,
)
from hmipviz.scenario.edit_check import Validation, validate

PALETTE_ROLES = ("ha", "cn", "router", "map", "ar", "mn", "host")
_ROLE_BUTTON = {"ha": "HA", "cn": "CN", "router": "Router", "map": "MAP", "ar": "AR",
                "mn": "MN", "host": "Host"}


def role_icon(role: str, size: int = 32) -> QIcon:
    """The role's canvas icon as a tool button icon."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer = _svg_renderer(role)
    if renderer is not None:
        renderer.render(painter, QRectF(1, 1, size - 2, size - 2))
    else:
        from PySide6.QtGui import QColor, QPen
        fill = QColor(theme.ROLE_FILL.get(role, "#777777"))
        painter.translate(QPointF(size / 2, size / 2))
        painter.setPen(QPen(fill.darker(140), 1.2))
        painter.setBrush(fill)
        painter.drawPath(_role_shape(role, size / 2 - 2))
    painter.end()
    return QIcon(pixmap)


def tool_icon(tool: str, size: int = 32) -> QIcon:
    """Select: a mouse pointer; Link: two nodes joined by a line."""
    from PySide6.QtGui import QColor, QPen, QPolygonF

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QColor("#333333")
    u = size / 32.0
    if tool == SELECT:
        arrow = QPolygonF([QPointF(9 * u, 4 * u), QPointF(9 * u, 26 * u), QPointF(14 * u, 21 * u),
                           QPointF(18 * u, 29 * u), QPointF(21 * u, 27.5 * u),
                           QPointF(17 * u, 19.5 * u), QPointF(24 * u, 19.5 * u)])
        painter.setPen(QPen(ink, 1.6 * u))
        painter.setBrush(QColor("white"))
        painter.drawPolygon(arrow)
    else:
        painter.setPen(QPen(QColor("#0072B2"), 2.5 * u, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(8 * u, 24 * u), QPointF(24 * u, 8 * u))
        painter.setPen(QPen(ink, 1.5 * u))
        painter.setBrush(QColor("#E69F00"))
        painter.drawEllipse(QPointF(8 * u, 24 * u), 5 * u, 5 * u)
        painter.setBrush(QColor("#56B4E9"))
        painter.drawEllipse(QPointF(24 * u, 8 * u), 5 * u, 5 * u)
    painter.end()
    return QIcon(pixmap)


def _command(window: EditorWindow, before: str, after: str, text: str):
    from PySide6.QtGui import QUndoCommand

    class Command(QUndoCommand):
        def redo(self) -> None:
            window.show_text(after)

        def undo(self) -> None:
            window.show_text(before)

    return Command(text)


class EditorWindow(QMainWindow):
    """See the module docstring. ``scenarioReady`` (Scenario, text) is emitted when the
    teacher leaves the editor with a valid scenario."""

    scenarioReady = Signal(object, str)

    def __init__(self, text: str = EMPTY_DOCUMENT, *, path: str | None = None,
                 name: str = "untitled", layout: dict[str, tuple[float, float]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtGui import QUndoStack

        self.setObjectName("scenarioEditor")
        self.setAccessibleName("Scenario editor")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.path = path
        self.name = name  # what problems are labelled with while there is no file
        self.text = text
        self.validation = Validation(None, ())
        self._left = False
        self._shown_once = False
        self.undo_stack = QUndoStack(self)
        self.canvas = EditorCanvas(self)
        self.canvas.set_layout(layout or {})
        self.setCentralWidget(self.canvas)
        self.panel = PropertyPanel(self)
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("editorProblems")
        self.problem_list.setAccessibleName("Problems the validator found")
        self.problem_list.setWordWrap(True)
        self.problem_list.itemActivated.connect(self._problem_chosen)
        self.problem_list.itemClicked.connect(self._problem_chosen)
        self._build_docks()
        self._build_actions()
        self._build_palette()
        self._build_menus()
        self.validity = QLabel()
        self.validity.setObjectName("editorValidity")
        self.statusBar().addPermanentWidget(self.validity)
        self.canvas.editRequested.connect(self.apply)
        self.panel.editRequested.connect(self.apply)
        self.canvas.selectionKeyChanged.connect(self._selected)
        self.canvas.statusMessage.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.canvas.toolChanged.connect(self._tool_changed)
        self.canvas.deleteRequested.connect(self.delete_selected)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.show_text(text)
        self.resize(1280, 820)
        self._update_title()

    # --- building --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        props = QDockWidget("Properties", self)
        props.setObjectName("editorPropertiesDock")
        props.setWidget(self.panel)
        props.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, props)
        problems = QDockWidget("Problems", self)
        problems.setObjectName("editorProblemsDock")
        problems.setWidget(self.problem_list)
        problems.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, problems)
        self.props_dock = props
        self.problems_dock = problems

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # the canvas gets the room: the panel about a third, the problem list a few lines
        width = max(320, min(420, self.width() // 3))
        self.resizeDocks([self.props_dock], [width], Qt.Orientation.Horizontal)
        self.resizeDocks([self.problems_dock], [max(80, self.height() // 9)],
                         Qt.Orientation.Vertical)
        if not self._shown_once:  # the network fills the canvas once the docks are sized
            self._shown_once = True
            QTimer.singleShot(0, self.canvas.fit)

    def _build_actions(self) -> None:
        s = self.undo_stack
        self.undo_action = s.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = s.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.delete_action = QAction("&Delete", self)
        self.delete_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete),
                                         QKeySequence(Qt.Key.Key_Backspace)])
        self.delete_action.setToolTip("Remove the selected nodes, links and flows (Delete)")
        self.delete_action.triggered.connect(self.delete_selected)
        self.run_action = QAction("\u25b6  Run this scenario", self)
        self.run_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.run_action.setToolTip("Leave the editor and restart the simulation on this "
                                   "scenario (Ctrl+Return); it stays here while it has problems")
        self.run_action.triggered.connect(self.leave)
        self.save_action = QAction("&Save", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.save_as_action = QAction("Save &as\u2026", self)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(self.save_as_dialog)
        self.new_action = QAction("&New (empty canvas)", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_document)
        self.fit_action = QAction("&Fit to window", self)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.triggered.connect(self.canvas.fit)
        for action in (self.undo_action, self.redo_action, self.delete_action, self.run_action,
                       self.save_action, self.save_as_action, self.new_action, self.fit_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _build_palette(self) -> None:
        bar = QToolBar("Palette", self)
        bar.setObjectName("editorPalette")
        bar.setAccessibleName("Palette: tools and node roles")
        bar.setMovable(False)
        bar.setIconSize(QSize(30, 30))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, bar)
        group = QActionGroup(self)
        self.tool_actions: dict[str, QAction] = {}
        self.palette_actions: dict[str, QAction] = {}

        def add(tool: str, text: str, icon: QIcon, shortcut: str, tip: str) -> QAction:
            action = QAction(icon, text, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({shortcut})")
            action.triggered.connect(lambda _=False, t=tool: self.canvas.set_tool(t))
            group.addAction(action)
            bar.addAction(action)
            self.tool_actions[tool] = action
            return action

        add(SELECT, "Select", tool_icon(SELECT), "V",
            "Select and move; Shift+drag from a node draws a line").setChecked(True)
        add(LINK, "Link", tool_icon(LINK), "K",
            "Drag from node to node: a link; MN to AR: attach; MN and CN: a flow")
        bar.addSeparator()
        for k, role in enumerate(PALETTE_ROLES, start=1):
            self.palette_actions[role] = add(
                role, _ROLE_BUTTON[role], role_icon(role), str(k),
                f"Add a {theme.ROLE_TEXT.get(role, role)}: click the canvas where it goes")
        for button in bar.findChildren(QToolButton):
            button.setMinimumWidth(64)
        self.palette_bar = bar

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.new_action)
        m.addSeparator()
        m.addAction(self.save_action)
        m.addAction(self.save_as_action)
        m.addSeparator()
        m.addAction(self.run_action)
        close = m.addAction("&Close editor", self.close)
        close.setShortcut(QKeySequence("Ctrl+W"))
        m = mb.addMenu("&Edit")
        m.addAction(self.undo_action)
        m.addAction(self.redo_action)
        m.addSeparator()
        m.addAction(self.delete_action)
        select_all = m.addAction("Select &all", self._select_all)
        select_all.setShortcut(QKeySequence.StandardKey.SelectAll)
        m = mb.addMenu("&View")
        m.addAction(self.fit_action)
        tools = QToolBar("Edit", self)
        tools.setObjectName("editorToolbar")
        tools.setMovable(False)
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        from PySide6.QtWidgets import QStyle
        self.undo_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack))
        self.redo_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward))
        self.delete_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
        self.save_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        for action in (self.undo_action, self.redo_action, self.delete_action, self.save_action):
            tools.addAction(action)
        for action in (self.undo_action, self.redo_action):  # their text grows with the edit
            button = tools.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        spacer = QWidget()
        from PySide6.QtWidgets import QSizePolicy
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tools.addWidget(spacer)
        tools.addAction(self.run_action)
        run_button = tools.widgetForAction(self.run_action)
        if run_button is not None:
            run_button.setObjectName("editorRunButton")
            run_button.setStyleSheet("QToolButton { font-weight: bold; padding: 4px 12px; }")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tools)

    # --- the document ----------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.path or self.name

    def apply(self, edit: Edit) -> bool:
        """Push ``edit`` on the undo stack (it applies at once); False if it changed
        nothing."""
        try:
            after = apply_edit(self.text, edit)
        except (KeyError, IndexError) as missing:  # an item gone meanwhile: nothing to do
            self.statusBar().showMessage(f"Nothing to change: {missing} is not there", 5000)
            return False
        except (ValueError, TypeError) as error:  # a value TOML cannot hold
            self.statusBar().showMessage(f"Not changed: {error}", 8000)
            return False
        if after == self.text:
            return False
        self.undo_stack.push(_command(self, self.text, after, edit.text))
        if isinstance(edit, RenameNode):
            self.canvas.select_key(("node", edit.new))
        return True

    def show_text(self, text: str) -> None:
        """Show ``text`` (an edit, an undo or a redo): canvas, properties and problems."""
        self.text = text
        stem = Path(self.path).stem if self.path else self.name.removeprefix("builtin:")
        self.validation = validate(text, label=self.label, default_name=stem,
                                   source=self.path or "<editor>")
        self.canvas.set_document(text, self.validation)
        keys = self.canvas.selected_keys()
        self.panel.show_item(keys[0] if len(keys) == 1 else None, text, self.validation)
        self._show_problems()

    def _show_problems(self) -> None:
        self.problem_list.clear()
        for problem in self.validation.problems:
            item = QListWidgetItem(f"\u26a0  {problem.message}")
            item.setData(Qt.ItemDataRole.UserRole, problem.path)
            item.setToolTip(problem.message)
            self.problem_list.addItem(item)
        n = len(self.validation.problems)
        if n:
            self.validity.setText(f"<b style='color:#c00000'>\u2716 {n} problem"
                                  f"{'s' if n > 1 else ''}</b>")
            self.problems_dock.setWindowTitle(f"Problems ({n})")
        else:
            self.validity.setText("<b style='color:#007a4d'>\u2714 valid</b>: Ctrl+Return runs it")
            self.problems_dock.setWindowTitle("Problems (none)")
            self.problem_list.addItem(QListWidgetItem("No problems: the scenario is valid."))
        self.run_action.setEnabled(True)

    def _problem_chosen(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if not path or len(path) < 2:
            self.canvas.select_key(None)
            return
        kind, index = path[0], path[1]
        if kind == "node":
            names = [i.name for i in self.canvas.nodes.values() if i.index == index]
            self.canvas.select_key(("node", names[0]) if names else None)
        else:
            self.canvas.select_key((kind, index))

    def _selected(self, key: Any) -> None:
        self.panel.show_item(key, self.text, self.validation)

    def _tool_changed(self, tool: str) -> None:
        action = self.tool_actions.get(tool)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    def _select_all(self) -> None:
        for item in self.canvas.items_by_key.values():
            item.setSelected(True)

    def delete_selected(self) -> bool:
        """Delete: the selected links and flows, then the selected nodes, as one step."""
        keys = self.canvas.selected_keys()
        items = sorted((k for k in keys if k[0] in ("link", "flow")),
                       key=lambda k: (k[0], -k[1]))
        edits: list[Edit] = [RemoveItem(kind, index) for kind, index in items]
        edits += [RemoveNode(str(k[1])) for k in keys if k[0] == "node"]
        if not edits:
            return False
        return self.apply(edits[0] if len(edits) == 1 else Batch(tuple(edits),
                                                                 f"Delete {len(edits)} items"))

    def new_document(self) -> None:
        """An empty canvas (one undo step, so it can be taken back)."""
        if self.text != EMPTY_DOCUMENT:
            self.undo_stack.push(_command(self, self.text, EMPTY_DOCUMENT, "New scenario"))
            self.path = None
            self.name = "untitled"
            self._update_title()

    # --- saving and leaving ------------------------------------------------------------------
    def save(self) -> bool:
        if not self.path:
            return self.save_as_dialog()
        return self.save_to(self.path)

    def save_as_dialog(self) -> bool:
        start = self.path or str(Path.home() / "scenario.toml")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario", start,
                                              "Scenario files (*.toml)")
        return bool(path) and self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the document as it is (the teacher's layout and comments included),
        atomically."""
        try:
            atomic_write(Path(path), self.text)
        except (OSError, UnicodeError) as error:
            QMessageBox.warning(self, "hmipviz", f"Cannot save {path}: {error}")
            return False
        self.path = path
        self.undo_stack.setClean()
        self.show_text(self.text)  # the messages now name the file
        note = "" if self.validation.ok else " (it still has problems: hmipviz check lists them)"
        self.statusBar().showMessage(f"Saved {path}{note}", 6000)
        self._update_title()
        return True

    def leave(self) -> bool:
        """Run this scenario: the main window restarts on it and the editor closes; while
        the scenario has problems it stays open with them listed."""
        if self.validation.scenario is None:
            self.problems_dock.show()
            self.problems_dock.raise_()
            n = len(self.validation.problems)
            self.statusBar().showMessage(
                f"Not run: {n} problem{'s' if n > 1 else ''} to fix first (listed below). "
                "Nothing is lost.", 10000)
            return False
        self._left = True
        self.scenarioReady.emit(self.validation.scenario, self.text)
        self.close()
        return True

    def closeEvent(self, event) -> None:
        if self._left or (self.undo_stack.isClean() and self.undo_stack.count() == 0):
            super().closeEvent(event)
            return
        if self.validation.ok:
            self._left = True
            self.scenarioReady.emit(self.validation.scenario, self.text)
            super().closeEvent(event)
            return
        event.ignore()  # stays open: the problems are listed, nothing is lost
        self.leave()
        box = QMessageBox(QMessageBox.Icon.Question, "Scenario editor",
                          f"The scenario has {len(self.validation.problems)} problem(s), so it "
                          "cannot run yet. Keep editing, or discard the changes?",
                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Cancel).setText("Keep editing")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Discard.value:
                self.discard()

        box.finished.connect(answered)
        box.open()  # not exec(): the window goes on while it asks
        self.close_question = box

    def discard(self) -> None:
        """Close without running the edits (the window keeps its scenario)."""
        self._left = True
        self.close()

    def _clean_changed(self, _clean: bool) -> None:
        with contextlib.suppress(RuntimeError):  # the stack is deleted with the window
            self._update_title()

    def _update_title(self) -> None:
        name = Path(self.path).name if self.path else self.name
        star = "" if self.undo_stack.isClean() else " *"
        self.setWindowTitle(f"hmipviz scenario editor \u2014 {name}{star}")


def open_editor(window: Any, new: bool = False) -> EditorWindow:
    """Scenario > Edit (E) or New: the editor on the window's scenario (or an empty
    canvas); leaving it runs the edited scenario in the window."""
    from hmipviz.layout import compute_layout
    from hmipviz.scenario import dump_scenario
    from hmipviz.scenario.save_toml import read_base

    existing = getattr(window, "editor", None)
    if existing is not None and existing.isVisible():  # one editor: raised, or emptied
        if new:
            existing.new_document()
        existing.raise_()
        existing.activateWindow()
        return existing
    scenario = getattr(window, "_scenario_full", None) or window.controller.scenario
    layout: dict[str, tuple[float, float]] = {}
    name = "untitled"
    if new or scenario is None:
        text, path = EMPTY_DOCUMENT, None
    else:
        text = window.document_text() or read_base(scenario) or dump_scenario(scenario)
        path = window._scenario_path
        name = scenario.source if scenario.source.startswith("builtin:") else scenario.name
        layout = {k: (float(v[0]), float(v[1])) for k, v in compute_layout(scenario).items()}
        for node in scenario.nodes:  # an MN without a position: below its AR
            if node.role == "mn" and node.position is None and node.attach in layout:
                x, y = layout[node.attach]
                layout[node.name] = (x - 30.0, y + 60.0)
    window.controller.pause()
    editor = EditorWindow(text, path=path, name=name, layout=layout, parent=window)
    editor.setWindowFlag(Qt.WindowType.Window, True)

    def run(edited: Any, edited_text: str) -> None:
        window.run_edited(edited, edited_text, editor.path)

    editor.scenarioReady.connect(run)
    window.editor = editor
    editor.show()
    editor.canvas.fit()
    return editor


__all__ = ["EditorWindow", "PALETTE_ROLES", "open_editor", "role_icon"]
