"""The main window's menus and their actions (File, View, Simulation, Help) and the
help dialogs. Mixed into :class:`hmipviz.gui.main_window.MainWindow`, which gives the
slots."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox

from hmipviz.gui.web_export import export_web_page_dialog
from hmipviz.gui.window_host import WindowHost


def _animation_dialog():
    from hmipviz.gui import animation_dialog
    return animation_dialog


class WindowMenus(WindowHost):
    """Builds the menu bar (``_build_menus``) and keeps its checkable actions in step."""

    def _build_menus(self) -> None:
        c = self.controller
        mb = self.menuBar()
        # File
        m = mb.addMenu("&File")
        self.open_action = m.addAction("&Open scenario\u2026", self.open_chooser)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setToolTip("A built-in scenario (with what it does) or a file")
        m.addAction("Open scenario &file\u2026", self.open_dialog)
        self.builtin_menu = m.addMenu("&Built-in scenarios")
        self.builtin_menu.aboutToShow.connect(self._fill_builtins)  # not at start-up
        self.recent_menu = m.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = m.addAction("&Save scenario", self.save)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setToolTip("Keeps the comments and layout of the opened file")
        a = m.addAction("Save scenario &as\u2026", self.save_dialog)
        a.setShortcut(QKeySequence("Ctrl+Shift+S"))
        m.addSeparator()
        m.addAction("Export &capture (pcapng)\u2026", self.export_capture_dialog)
        m.addAction("Export &ladder diagram\u2026", self.export_ladder_dialog)
        m.addAction("Export screens&hot (PNG)\u2026", self.export_screenshot_dialog)
        # animation, ladder as text: hmipviz.gui.animation_dialog (QtSvg, the encoders)
        # is imported when one is chosen, not at start-up (issue 13)
        m.addAction("Export &animation (GIF, WebP, APNG, MP4)\u2026",
                    lambda: _animation_dialog().export_animation_dialog(self))
        m.addAction("Export ladder as &Mermaid\u2026",
                    lambda: _animation_dialog().export_ladder_text_dialog(self, "mermaid"))
        m.addAction("Export ladder as &PlantUML\u2026",
                    lambda: _animation_dialog().export_ladder_text_dialog(self, "plantuml"))
        m.addAction("Export &web page\u2026", lambda: export_web_page_dialog(self))
        m.addSeparator()
        q = m.addAction("&Quit", self.close)
        # Ctrl+Q everywhere (the platform's StandardKey.Quit is empty on Windows), once
        q.setShortcut(QKeySequence("Ctrl+Q"))
        self.addAction(q)  # with the menu bar hidden too (classroom mode, issue 13)
        # View
        m = mb.addMenu("&View")
        for key in ("caches", "inspector", "teacher", "events", "ladder", "plot"):
            m.addAction(self.docks[key].toggleViewAction())
        m.addSeparator()

        def show_legend(on: object = None) -> None:
            self.topology.set_legend_shown(self.legend_action.isChecked())

        self.legend_action = m.addAction("Show &legend", show_legend)
        self.legend_action.setCheckable(True)
        self.legend_action.setChecked(True)
        self.legend_action.setShortcut(QKeySequence("L"))
        self.legend_action.setToolTip("Show or hide the legend over the canvas (L); click "
                                      "its title to collapse it")
        self.addAction(self.legend_action)  # L works with the menu bar hidden too
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
            def set_scale(f: float = factor) -> None:
                self.presentation.set_scale(f)

            a = scale_menu.addAction(f"{factor:g}\u00d7", set_scale)
            a.setCheckable(True)
            a.setData(factor)
            self.scale_actions.addAction(a)
        self.fullscreen_action = m.addAction("F&ull screen", self.toggle_full_screen)
        self.fullscreen_action.setCheckable(True)
        self.fullscreen_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        m.addAction("&Reset layout", self.reset_layout)
        from hmipviz.gui.theme_scheme import add_theme_menu
        self.theme_choice = add_theme_menu(m, self)  # View > Theme: system, light, dark
        m.addSeparator()
        self.compare_action = m.addAction("&Compare Mobile IPv6 and HMIPv6\u2026",
                                          self.open_compare)
        self.compare_action.setToolTip("The same actions in both modes, side by side")
        # Scenario: the editor (gui/editor_window.py)
        m = mb.addMenu("S&cenario")
        self.edit_action = m.addAction("&Edit scenario\u2026", self.edit_scenario)
        self.edit_action.setShortcut(QKeySequence("E"))
        self.edit_action.setToolTip("Draw and change the network; leaving runs it (E)")
        self.addAction(self.edit_action)
        a = m.addAction("&New scenario (empty canvas)\u2026", lambda: self.edit_scenario(True))
        a.setShortcut(QKeySequence.StandardKey.New)
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
            def set_mode(mm: str = mode) -> None:
                if c.mode != mm:
                    c.set_mode(mm)

            a = m.addAction(text, set_mode)
            a.setCheckable(True)
            a.setData(mode)
            self.mode_actions.addAction(a)
        c.modeChanged.connect(self._sync_mode_actions)
        self._sync_mode_actions(c.mode or "hmipv6")

        def own_moves() -> None:
            self.set_scenario_moves(self.scripted_action.isChecked())

        self.scripted_action = m.addAction("Scenario's own &moves", own_moves)
        self.scripted_action.setCheckable(True)
        self.scripted_action.setChecked(True)
        self.scripted_action.setToolTip("Off: the scenario's scripted moves, failures and "
                                        "restores do not happen, only yours (it starts over)")
        self._on_scenario_loaded()
        a = m.addAction("&Restart scenario", c.restart)
        a.setShortcut(QKeySequence("Ctrl+R"))
        m.addSeparator()
        m.addAction("Move MN to the &next AR",
                    lambda: self.topology.move_mn_to(self.topology.next_ar()))
        m.addAction("&Detach the MN (no link)", lambda: self.topology.move_mn_to(None))
        a = m.addAction("Start / stop the &data flow",
                        lambda: c.set_flow(not c.flow_running_at(c.position)))
        a.setShortcut(QKeySequence("Ctrl+D"))
        m.addSeparator()
        m.addAction("&Experiments\u2026", self.show_experiments)
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

    def open_chooser(self) -> None:
        """File > Open: the built-ins with their descriptions, or a file."""
        from hmipviz.gui.open_builtin import OpenScenarioDialog
        try:
            from hmipviz.scenario import builtin_scenarios
            items = builtin_scenarios()
        except Exception:  # no built-ins in this install: straight to the file dialog
            items = {}
        if not items:
            self.open_dialog()
            return
        dialog = OpenScenarioDialog(items, self)
        if dialog.exec() and dialog.chosen is not None:
            if dialog.chosen:
                self.open_scenario(dialog.chosen)
            else:
                self.open_dialog()

    def open_compare(self):
        """View -> Compare: this run's actions in both modes (gui/compare_window.py)."""
        from hmipviz.gui.compare_window import open_for
        return open_for(self)

    def show_experiments(self) -> None:
        """Simulation -> Experiments...: the window of hmipviz/gui/experiment_window.py."""
        from .experiment_window import show_experiments
        show_experiments(self)

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
            def open_builtin(n: str = name) -> None:
                self.open_scenario(n)

            a = self.builtin_menu.addAction(name, open_builtin)
            a.setToolTip(" ".join(description.split()) or first)
            a.setStatusTip(first)
        self.builtin_menu.setToolTipsVisible(True)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for path in recent:
            def open_recent(p: str = path) -> None:
                self.open_scenario(p)

            self.recent_menu.addAction(path, open_recent)
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear the list", self._clear_recent)

    def _sync_scale_actions(self, factor: float) -> None:
        for a in self.scale_actions.actions():
            a.setChecked(abs(a.data() - factor) < 1e-6)

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
            ("L", "show / hide the legend (click its title to collapse it)"),
            ("Ctrl+O / Ctrl+S", "open / save a scenario"),
            ("E, Ctrl+N", "edit the scenario / draw a new one (docs/editor.md)"),
            ("Ctrl+L", "open a lesson file"),
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


__all__ = ["WindowMenus"]
