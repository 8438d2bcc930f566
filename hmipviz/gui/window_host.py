"""What the main window's mixins (:mod:`~hmipviz.gui.window_menus`,
:mod:`~hmipviz.gui.window_docks`, :mod:`~hmipviz.gui.window_layout`) use of the window
they are mixed into: declared once for the type checker, so each mixin is checked against
:class:`~PySide6.QtWidgets.QMainWindow` and the parts :class:`MainWindow` gives. At run
time ``WindowHost`` is plain ``object``: the mixins' behaviour and the window's MRO are
unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    from hmipviz.gui.caches import QtBindingCaches
    from hmipviz.gui.controller import QtController
    from hmipviz.gui.playback import QtPlaybackBar
    from hmipviz.gui.presentation import Presentation
    from hmipviz.gui.topology_view import QtTopologyView

    class WindowHost(QMainWindow):
        """The main window as its mixins see it (never instantiated)."""

        # given by MainWindow.__init__
        controller: QtController
        topology: QtTopologyView
        playback: QtPlaybackBar
        presentation: Presentation
        # given by WindowDocks._build_docks
        docks: dict[str, QDockWidget]
        caches: QtBindingCaches

        # slots of MainWindow the menus connect to
        def open_scenario(self, source: str) -> bool: raise NotImplementedError
        def open_dialog(self) -> None: raise NotImplementedError
        def save_dialog(self) -> None: raise NotImplementedError
        def save(self) -> None: raise NotImplementedError
        def edit_scenario(self, new: bool = False) -> object: raise NotImplementedError
        def recent_files(self) -> list[str]: raise NotImplementedError
        def _clear_recent(self) -> None: raise NotImplementedError
        def export_capture_dialog(self) -> None: raise NotImplementedError
        def export_ladder_dialog(self) -> None: raise NotImplementedError
        def export_screenshot_dialog(self) -> None: raise NotImplementedError
        def toggle_full_screen(self) -> None: raise NotImplementedError
        def toggle_presentation(self) -> None: raise NotImplementedError
        def set_scenario_moves(self, on: bool) -> None: raise NotImplementedError
        def _on_scenario_loaded(self) -> None: raise NotImplementedError
        # one mixin calls into another
        def arrange_docks(self) -> None: raise NotImplementedError  # WindowLayout
        def reset_layout(self) -> None: raise NotImplementedError  # WindowDocks
        def _hide_stale_tab_bars(self) -> None: raise NotImplementedError  # WindowDocks
else:
    WindowHost = object

__all__ = ["WindowHost"]
