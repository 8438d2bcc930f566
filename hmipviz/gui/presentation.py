"""Classroom mode: the window made readable from the back of a lecture hall and driven
from the keyboard or a presenter remote.

``Presentation(window)`` switches a :class:`~hmipviz.gui.main_window.MainWindow` in and
out of the mode (``hmipviz --present``, F11 or F5; Esc leaves). In the mode:

- the window is full screen, with no menu bar and no status bar;
- every font is scaled by :attr:`Presentation.scale` (at least 1.5, 1.75 by default,
  kept in the settings; Ctrl+= and Ctrl+- change it), and so are the toolbar icons, the
  packet tokens and the caption's kind chip;
- a high-contrast theme: black on white, stronger MAP-domain tints, dark links, and a
  black caption bar with large white text at the bottom;
- the secondary docks (caches, inspector, teacher controls, events, ladder, plot) are
  hidden; a lesson's dock stays;
- the current message is spotlighted on the canvas: a halo around its token (or the node
  it concerns) and a glow along its hop;
- playback starts at a slow-motion speed (0.5x by default) so a room can follow each
  message;
- the keys, whatever widget has the focus: Space play/pause; Right or PageDown one event
  forward, Left or PageUp one back (presenter remotes send PageDown/PageUp); Home back to
  the start; 1-9 move the MN to that access router (in the scenario's order), 0 detach
  it; with a lesson open, Enter goes to the next step (once it is done), H shows a
  hint, S does the step (Show me); Esc, F11 or F5 leave.

The window fills the screen (its geometry is set too, so it does also without a window
manager) and the playback toolbar goes on two rows when one is too narrow, so no
control hides in its overflow menu.

Leaving restores the fonts, palette, dock layout, window state and speed there were,
in a geometry that fits the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPixmapCache,
    QRadialGradient,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPathItem,
    QWidget,
)
from shiboken6 import isValid as _alive  # shiboken6 ships with PySide6

from hmipviz.engine.events import PacketSent
from hmipviz.gui import theme
from hmipviz.gui.qt_children import descendants

MIN_SCALE, MAX_SCALE = 1.5, 3.0
DEFAULT_SCALE = 1.75
DEFAULT_SPEED = 0.5
SCALE_STEP = 0.25
SECONDARY_DOCKS = ("caches", "inspector", "teacher", "events", "ladder", "plot")

CAPTION_STYLE = ("QFrame#caption { background: #111111; border: none; "
                 "border-top: 3px solid #F0E442; }"
                 "QFrame#caption QLabel { color: #FFFFFF; background: transparent; }")
SPOT_FILL = QColor(240, 228, 66)  # Okabe-Ito yellow
SPOT_RING = QColor("#E69F00")


def _settings():
    from hmipviz.gui.main_window import settings
    return settings()


def clamp_scale(x: float) -> float:
    return max(MIN_SCALE, min(MAX_SCALE, float(x)))


# =====================================================================================
# the spotlight on the canvas
# =====================================================================================
class _Halo(QGraphicsItem):
    """A soft yellow disc with an orange ring, a constant size on screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(19)  # under the tokens (20), over everything else
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.radius = 40.0

    def boundingRect(self) -> QRectF:
        r = self.radius + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self.radius
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        g = QRadialGradient(QPointF(0, 0), r)
        inner, outer = QColor(SPOT_FILL), QColor(SPOT_FILL)
        inner.setAlpha(150)
        outer.setAlpha(30)
        g.setColorAt(0.0, inner)
        g.setColorAt(0.75, inner)
        g.setColorAt(1.0, outer)
        painter.setPen(QPen(SPOT_RING, 3))
        painter.setBrush(QBrush(g))
        painter.drawEllipse(QPointF(0, 0), r, r)


class Spotlight(QObject):
    """Follows the current message (the selection, which follows playback) on the
    topology canvas: a halo where its token is, or on the node an event concerns, and
    a glow along the hop it travels."""

    def __init__(self, view, controller) -> None:
        super().__init__(view)
        self.view = view
        self.controller = controller
        self.enabled = False
        self.halo: _Halo | None = None
        self.glow: QGraphicsPathItem | None = None
        controller.positionChanged.connect(self.update)
        controller.selectionChanged.connect(self.update)
        controller.frameAdvanced.connect(self.update)
        controller.scenarioLoaded.connect(self.update)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self._remove()
        self.update()

    def _remove(self) -> None:
        for item in (self.halo, self.glow):
            if item is not None and _alive(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.halo = self.glow = None

    def _items(self) -> tuple[_Halo, QGraphicsPathItem]:
        scene = self.view.scene()
        # the view's rebuild() clears the scene, deleting our items with it
        if self.halo is None or not _alive(self.halo) or self.halo.scene() is not scene:
            self.halo = _Halo()
            scene.addItem(self.halo)
        if self.glow is None or not _alive(self.glow) or self.glow.scene() is not scene:
            self.glow = QGraphicsPathItem()
            colour = QColor(SPOT_FILL)
            colour.setAlpha(150)
            pen = QPen(colour, 16)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            self.glow.setPen(pen)
            self.glow.setZValue(-7)
            self.glow.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            scene.addItem(self.glow)
        return self.halo, self.glow

    def current(self) -> int:
        c = self.controller
        return c.selected if c.selected >= 0 else c.current_message(c.position)

    def target(self) -> tuple[QPointF | None, tuple[str, str] | None]:
        """Where the halo goes and which hop glows (scene coordinates / node names)."""
        c, view = self.controller, self.view
        i = self.current()
        e = c.event_at(i)
        if e is None:
            return None, None
        if isinstance(e, PacketSent):
            hop = (e.node, e.to_node) if e.node in view.nodes and e.to_node in view.nodes \
                else None
            token = view.tokens.get(i)
            if token is not None and token.scene() is not None:
                return token.pos(), hop
            node = view.nodes.get(e.to_node)
            return (node.pos() if node is not None else None), hop
        node = view.nodes.get(e.node)
        return (node.pos() if node is not None else None), None

    def update(self, *_args) -> None:
        if not self.enabled or self.controller.scenario is None:
            return
        halo, glow = self._items()
        at, hop = self.target()
        halo.radius = 26.0 * theme.scale()
        halo.prepareGeometryChange()
        if at is None:
            halo.setVisible(False)
        else:
            halo.setPos(at)
            halo.setVisible(True)
        if hop is None:
            glow.setVisible(False)
            return
        a, b = self.view.node_pos(hop[0]), self.view.node_pos(hop[1])
        path = QPainterPath(a)
        path.lineTo(b)
        glow.setPath(path)
        glow.setVisible(True)

    def visible(self) -> bool:
        return bool(self.enabled and self.halo is not None and _alive(self.halo)
                    and self.halo.isVisible())


# =====================================================================================
# the mode
# =====================================================================================
def _app() -> QApplication:
    """The running QApplication (classroom mode changes its font, palette and filters)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("classroom mode needs a running QApplication")
    return app


def _drop_pixmaps_of_the_old_palette() -> None:
    """Empty Qt's pixmap cache after a palette change: the style and the icons cache what
    they drew under a key that includes the palette, so each switch of classroom mode
    added a new set (about 90 KB an on/off, measured; issue 9 soak) and the old ones
    stayed until the cache's 10 MB limit, live memory scattered over the heap."""
    QPixmapCache.clear()


class Presentation(QObject):
    """Classroom mode of a main window; see the module docstring."""

    changed = Signal(bool)
    scaleChanged = Signal(float)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.active = False
        s = _settings()
        try:
            self.scale = clamp_scale(float(s.value("presentation/scale", DEFAULT_SCALE)))
        except (TypeError, ValueError):
            self.scale = DEFAULT_SCALE
        try:
            self.speed = float(s.value("presentation/speed", DEFAULT_SPEED))
        except (TypeError, ValueError):
            self.speed = DEFAULT_SPEED
        self.spotlight = Spotlight(window.topology, self.controller)
        self._saved: dict | None = None
        self._fonts: list[tuple[QWidget, QFont]] = []
        self._styles: list[tuple[QWidget, str]] = []

    # --- switching --------------------------------------------------------------------
    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        if self.active:
            return
        w, app, c = self.window, _app(), self.controller
        getattr(w, "teacher", None)  # built now if not yet (window_docks): restyled below
        self._saved = {
            "state": w.saveState(),
            "geometry": w.saveGeometry(),
            "window_state": w.windowState(),
            "speed": c.speed,
            "font": QFont(app.font()),
            "palette": app.palette(),
            "menubar": w.menuBar().isVisible() or not w.isVisible(),
            "statusbar": w.statusBar().isVisible() or not w.isVisible(),
            "icon_size": QSize(w.playback.iconSize()),
            "shown_docks": [key for key in SECONDARY_DOCKS
                            if key in getattr(w, "docks", {}) and not w.docks[key].isHidden()],
        }
        self.active = True
        for key in SECONDARY_DOCKS:
            dock = getattr(w, "docks", {}).get(key)
            if dock is not None:
                dock.hide()
        self._apply_look(self.scale)
        w.menuBar().setVisible(False)
        w.statusBar().setVisible(False)
        screen = w.screen() or QApplication.primaryScreen()
        if screen is not None:  # fill the screen, with or without a window manager
            w.setGeometry(screen.geometry())
        w.setWindowState(w.windowState() | Qt.WindowState.WindowFullScreen)
        fit_rows = getattr(w, "update_toolbar_rows", None)
        if fit_rows is not None:
            fit_rows()
        c.set_speed(self.speed)
        app.installEventFilter(self)
        self.spotlight.set_enabled(True)
        self._sync_action()
        self.changed.emit(True)

    def leave(self) -> None:
        if not self.active:
            return
        w, app, c = self.window, _app(), self.controller
        saved = self._saved or {}
        app.removeEventFilter(self)
        self.spotlight.set_enabled(False)
        self.active = False
        self._restore_look(saved)
        w.menuBar().setVisible(saved.get("menubar", True))
        w.statusBar().setVisible(saved.get("statusbar", True))
        w.setWindowState(saved.get("window_state", Qt.WindowState.WindowNoState))
        if "geometry" in saved and not (saved["window_state"] & (
                Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)):
            w.restoreGeometry(saved["geometry"])
        if "state" in saved:
            # the docks hidden on entering are shown again first: Qt 6.11's restoreState
            # crashed (SIGSEGV, issue 9 soak) restoring them into a full-screen window
            # whose fonts had changed while they were hidden
            for key in saved.get("shown_docks", ()):
                dock = getattr(w, "docks", {}).get(key)
                if dock is not None and _alive(dock):
                    dock.show()
            w.restoreState(saved["state"])
        fit = getattr(w, "fit_to_screen", None)
        if fit is not None:  # a window that fits the screen it is on now
            fit()
        fit_rows = getattr(w, "update_toolbar_rows", None)
        if fit_rows is not None:
            fit_rows()
        if abs(c.speed - self.speed) < 1e-6:  # keep a speed the teacher chose meanwhile
            c.set_speed(saved.get("speed", 1.0))
        self._saved = None
        self._sync_action()
        self.changed.emit(False)

    def set_scale(self, factor: float) -> None:
        """The presentation scale (kept in the settings); applied at once if active."""
        factor = clamp_scale(factor)
        if abs(factor - self.scale) < 1e-9:
            return
        self.scale = factor
        _settings().setValue("presentation/scale", factor)
        if self.active:
            saved = self._saved or {}
            self._restore_look(saved, keep_palette=True)
            self._apply_look(factor)
        self.scaleChanged.emit(factor)

    def _sync_action(self) -> None:
        action = getattr(self.window, "present_action", None)
        if action is not None:
            action.setChecked(self.active)

    # --- the look ------------------------------------------------------------------------
    def _apply_look(self, factor: float) -> None:
        w, app = self.window, _app()
        if self._saved is None:
            raise RuntimeError("the classroom look is applied only in classroom mode")
        base = QFont(self._saved["font"])
        # widgets with a font of their own: scale it (remembered, restored on leaving)
        self._fonts = []
        # descendants, not findChildren: that keeps what Qt deletes alive (qt_children)
        for widget in [w, *descendants(w, QWidget)]:
            if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                f = QFont(widget.font())
                self._fonts.append((widget, QFont(f)))
                if f.pointSizeF() > 0:
                    f.setPointSizeF(f.pointSizeF() * factor)
                elif f.pixelSize() > 0:
                    f.setPixelSize(round(f.pixelSize() * factor))
                widget.setFont(f)
        theme.set_high_contrast(False)
        muted = theme.muted_text().name()
        theme.set_scale(factor)
        theme.set_high_contrast(True)
        app.setPalette(theme.high_contrast_palette())
        _drop_pixmaps_of_the_old_palette()
        self._styles = []
        for widget in [w, *descendants(w, QWidget)]:  # light grey text fades on a projector
            style = widget.styleSheet()
            if muted in style:
                self._restyle(widget, style.replace(muted, theme.muted_text().name()))
        big = QFont(base)
        if base.pointSizeF() > 0:
            big.setPointSizeF(base.pointSizeF() * factor)
        else:
            big.setPixelSize(round(base.pixelSize() * factor))
        app.setFont(big)
        self._restyle(w.caption, CAPTION_STYLE)
        self._restyle(w.caption.detail, "color: #E8E8E8;")
        self._refresh_views(factor)

    def _restore_look(self, saved: dict, keep_palette: bool = False) -> None:
        app = _app()
        theme.set_scale(1.0)
        if not keep_palette:
            theme.set_high_contrast(False)
            if "palette" in saved:
                app.setPalette(saved["palette"])
                _drop_pixmaps_of_the_old_palette()
        if "font" in saved:
            app.setFont(saved["font"])
        for widget, font in self._fonts:
            if _alive(widget):
                widget.setFont(font)
        self._fonts = []
        for widget, style in self._styles:
            if _alive(widget):
                widget.setStyleSheet(style)
        self._styles = []
        self._refresh_views(1.0, saved.get("icon_size"))

    def _restyle(self, widget: QWidget, style: str) -> None:
        self._styles.append((widget, widget.styleSheet()))
        widget.setStyleSheet(style)

    def _refresh_views(self, factor: float, icon_size: QSize | None = None) -> None:
        """What does not follow the application font by itself."""
        w = self.window
        base = QSize(24, 24) if icon_size is None else icon_size
        w.playback.setIconSize(QSize(round(base.width() * factor),
                                     round(base.height() * factor)))
        cap = w.caption
        cap.chip.setFixedSize(QSize(int(56 * factor), int(30 * factor)))
        cap.text.setFont(theme.ui_font(2.0))
        cap.fix_height()
        cap.refresh()
        view = w.topology
        view.token_font = theme.ui_font(-2.0, bold=True)
        view.legend.setFont(QApplication.font())
        view.legend.relayout()
        view.setBackgroundBrush(theme.canvas_background())
        view.rebuild()
        caches = getattr(w, "caches", None)
        if caches is not None and hasattr(caches, "_build"):
            caches._build()
        lessons = getattr(w, "lessons", None)
        if lessons is not None and hasattr(lessons, "fit_dock"):
            lessons.fit_dock()
        self.spotlight.update()

    # --- keys ---------------------------------------------------------------------------------
    def _mine(self, obj) -> bool:
        if not isinstance(obj, QWidget):
            return False
        top = obj.window()
        return top is self.window

    def eventFilter(self, obj, event) -> bool:  # Qt's name
        t = event.type()
        if t not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not self.active \
                or not self._mine(obj):
            return False
        if self._action_for(event) is None:
            return False
        if t == QEvent.Type.ShortcutOverride:
            event.accept()  # ours: no shortcut of the window may take it
            return True
        if not event.isAutoRepeat() or event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Left,
                                                         Qt.Key.Key_PageDown,
                                                         Qt.Key.Key_PageUp):
            self._action_for(event)()
        return True

    def _action_for(self, event):
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        c = self.controller
        ctrl = Qt.KeyboardModifier.ControlModifier
        if mods == ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
            return lambda: self.set_scale(self.scale + SCALE_STEP)
        if mods == ctrl and key == Qt.Key.Key_Minus:
            return lambda: self.set_scale(self.scale - SCALE_STEP)
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return None
        if key == Qt.Key.Key_Space:
            return c.toggle_play
        if key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Down):
            return c.step_forward
        if key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Up):
            return c.step_back
        if key == Qt.Key.Key_Home:
            return c.reset
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._lesson() is not None:
            return self._lesson().next_step
        if key == Qt.Key.Key_H and self._lesson() is not None:
            return self._lesson().show_hint
        if key == Qt.Key.Key_S and self._lesson() is not None:
            return self._lesson().show_me
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_F5):
            return self.leave
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            return lambda: self.move_mn_to(key - Qt.Key.Key_1)
        if key == Qt.Key.Key_0:
            return lambda: self.window.topology.move_mn_to(None)
        return None

    def _lesson(self):
        """The open lesson's panel (Enter: next step, H: hint, S: show me), or None."""
        host = getattr(self.window, "lessons", None)
        panel = getattr(host, "panel", None)
        return panel if panel is not None and panel.run is not None else None

    def move_mn_to(self, n: int) -> bool:
        """Move the MN to the ``n``-th access router (0-based, scenario order)."""
        view = self.window.topology
        if not 0 <= n < len(view.ar_order):
            self.window.statusBar().showMessage(f"There is no AR number {n + 1}", 3000)
            return False
        view.move_mn_to(view.ar_order[n])
        return True


__all__ = ["Presentation", "Spotlight", "MIN_SCALE", "MAX_SCALE", "DEFAULT_SCALE",
           "DEFAULT_SPEED", "clamp_scale"]
