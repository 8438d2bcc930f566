"""Run something once a top-level window is on screen (exposed), not after a guessed delay.

A dock tab raised before the window system has mapped the window does not always stay
raised on X11; the window raised its front tabs again 200 ms after each show, which also
undid a tab the user (or a test) had chosen in those 200 ms, and on every later show (a
restore from minimised) put the default tabs back in front. The first expose event is the
moment the guess stood for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QWidget


class _OnFirstExpose(QObject):
    def __init__(self, window: QWindow, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._callback = callback
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and isinstance(watched, QWindow) \
                and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)  # after Qt has handled the expose
            self.deleteLater()
        return False


def when_exposed(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` (from the event loop) once ``widget``'s window is exposed: at
    once if it already is."""
    handle = widget.windowHandle()
    if handle is None or handle.isExposed():
        QTimer.singleShot(0, callback)
    else:
        _OnFirstExpose(handle, callback)
