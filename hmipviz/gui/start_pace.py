"""Pace for a lecture (issue 13 item 5): where an opened scenario starts, the "Watch the
start" button, and signalling focus.

- A scenario opened in the window (File > Open, a built-in, the command line) shows its
  first idle moment after the initial registration (:mod:`hmipviz.first_idle`), not
  t = 0: the 0.1 s of RS, RA, local BU and BU to the HA otherwise takes about 20 s at
  1x before anything the lecture is about. The "Watch the start" button in the caption
  area goes back to t = 0 and plays; View > "Open scenarios at t = 0" (kept in
  QSettings) restores the old behaviour. Lessons start where their steps say: they load
  the controller themselves and never come through :meth:`StartPace.opened`.
- View > "Signalling focus" plays data hops at 5x (:data:`hmipviz.gui.playback
  .FOCUS_SPEED`), so after a drag the handover's messages come at once. It is on by
  default in presentation mode and off outside it; each mode remembers its own choice.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtWidgets import QApplication, QSizePolicy, QStyle, QToolButton

KEY_AT_ZERO = "pace/openAtZero"
KEY_FOCUS = {False: "pace/signallingFocus", True: "pace/signallingFocusPresenting"}
FOCUS_DEFAULT = {False: False, True: True}  # (presenting) -> on by default


def _bool(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


class StartPace(QObject):
    """The window's start position, its "Watch the start" button and the two View menu
    settings. Made once by the main window, after its caption, menus and presentation."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        c = self.controller = window.controller
        self.button = QToolButton()
        self.button.setObjectName("watchStart")
        self.button.setText("Watch the start")
        # a standard icon, not a glyph: the media symbols are missing from many fonts
        self.button.setIcon(self.button.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaSkipBackward))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAccessibleName("Watch the start")
        self.button.setToolTip("The scenario opened after its initial registration. Go "
                               "back to t = 0 and play it: Router Solicitation, RA, local "
                               "BU to the MAP, BU to the HA.")
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.button.clicked.connect(self.watch_start)
        self.button.hide()
        window.caption.layout().addWidget(self.button)

        menu = self._view_menu()
        menu.addSeparator()
        self.at_zero_action = menu.addAction("Open scenarios at t = &0")
        self.at_zero_action.setCheckable(True)
        self.at_zero_action.setToolTip("On: a scenario opens at its very start. Off: at "
                                       "the first idle moment after the initial "
                                       "registration, with a Watch the start button")
        self.at_zero_action.setChecked(self.opens_at_zero())
        self.at_zero_action.toggled.connect(self._set_at_zero)
        self.focus_action = menu.addAction("Signalling &focus: data hops at 5\u00d7")
        self.focus_action.setCheckable(True)
        self.focus_action.setToolTip("Data packets pass at 5\u00d7 speed so the handover "
                                     "messages come at once after a drag (on by default "
                                     "in classroom mode)")
        self.focus_action.toggled.connect(self._set_focus)
        presentation = getattr(window, "presentation", None)
        if presentation is not None:
            presentation.changed.connect(self._apply_focus)
        self._apply_focus()
        c.scenarioLoaded.connect(self._loaded)

    # --- settings ------------------------------------------------------------------------
    def _settings(self):
        from hmipviz.gui.main_window import settings
        return settings()

    def _view_menu(self):
        for action in self.window.menuBar().actions():
            if action.text().replace("&", "") == "View" and action.menu() is not None:
                return action.menu()
        return self.window.menuBar().addMenu("&View")

    def opens_at_zero(self) -> bool:
        return _bool(self._settings().value(KEY_AT_ZERO), False)

    def _set_at_zero(self, on: bool) -> None:
        self._settings().setValue(KEY_AT_ZERO, bool(on))

    def _presenting(self) -> bool:
        presentation = getattr(self.window, "presentation", None)
        return bool(presentation is not None and presentation.active)

    def _apply_focus(self, *_a) -> None:
        """Entering or leaving presentation mode: that mode's focus setting, and the
        button at the mode's text size (under the caption's style sheet it would keep
        the size it was made with)."""
        self.button.setFont(QApplication.font())
        side = self.button.fontMetrics().height()
        self.button.setIconSize(QSize(side, side))
        p = self._presenting()
        on = _bool(self._settings().value(KEY_FOCUS[p]), FOCUS_DEFAULT[p])
        self.controller.set_signalling_focus(on)
        if self.focus_action.isChecked() != on:
            self.focus_action.blockSignals(True)
            self.focus_action.setChecked(on)
            self.focus_action.blockSignals(False)

    def _set_focus(self, on: bool) -> None:
        self._settings().setValue(KEY_FOCUS[self._presenting()], bool(on))
        self.controller.set_signalling_focus(on)

    # --- the start -----------------------------------------------------------------------
    def _loaded(self) -> None:
        self.button.hide()  # a lesson, a restart, a mode switch: from t = 0 as before

    def opened(self) -> bool:
        """A scenario was just opened in the window: show its first idle moment (unless
        the setting says t = 0 or a lesson is open). True when it moved there."""
        lessons = getattr(self.window, "lessons", None)
        if self.opens_at_zero() or (lessons is not None and lessons.panel is not None):
            return False
        if not self.controller.seek_first_idle():
            return False
        self.button.show()
        return True

    def watch_start(self) -> None:
        """Back to t = 0 and play."""
        c = self.controller
        c.reset()
        c.play()


__all__ = ["StartPace", "KEY_AT_ZERO", "KEY_FOCUS"]
