"""View -> Compare Mobile IPv6 and HMIPv6: the same demonstration in both modes, side by
side and time-locked.

Two canvases (the main window's :class:`~hmipviz.gui.topology_view.QtTopologyView`,
each on its own :class:`~hmipviz.gui.compare_sync.LockedController`), one scrubber and
one play button (:class:`~hmipviz.gui.compare_sync.CompareDriver`), over each canvas a
live count of the signalling that has reached the HA, the MAPs and the CNs so far, and
below them each finished handover's latency and packets lost in both modes
(:mod:`hmipviz.gui.compare_bars`). The figures are folded from each side's trace up to
the position it shows (:class:`hmipviz.compare.RunTally`). A drag on either canvas
moves the MN in both runs at the same simulated time.

The window opens with the main window's scenario and the user actions of its current
branch (:func:`hmipviz.compare.demo_actions`), from t = 0; what is done in it does not
change the main window's run.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz import compare
from hmipviz.gui import release, theme
from hmipviz.gui.compare_bars import MODE_COLORS, HandoverBars
from hmipviz.gui.compare_sync import CompareDriver, LockedController, make_sides
from hmipviz.gui.qt_children import descendants
from hmipviz.gui.topology_view import QtTopologyView

MODE_TITLES = {"hmipv6": "HMIPv6 (RFC 5380)", "mipv6": "Mobile IPv6 (RFC 6275)"}
TARGET_WORDS = {"HA": "HA", "MAP": "MAPs", "CN": "CNs"}
_REDRAW_MS = 50  # counters and bars at most this often


class SidePane(QWidget):
    """One mode: its title, its signalling counter and its canvas."""

    def __init__(self, mode: str, controller: LockedController, parent=None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.controller = controller
        self.setObjectName(f"compare-{mode}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel(MODE_TITLES[mode])
        self.title.setFont(theme.ui_font(1.0, bold=True))
        swatch = QLabel()
        swatch.setFixedSize(12, 12)
        swatch.setStyleSheet(f"background: {MODE_COLORS[mode]}; border-radius: 2px;")
        head.addWidget(swatch)
        head.addWidget(self.title)
        head.addStretch(1)
        lay.addLayout(head)
        self.counter = QLabel()
        self.counter.setObjectName(f"counter-{mode}")
        self.counter.setAccessibleName(f"Signalling received, {compare.MODE_NAMES[mode]}")
        self.counter.setToolTip("Signalling messages that reached their destination so "
                                "far, and their bytes: home BUs at the HA, local BUs at "
                                "the MAPs, BUs and return-routability tests at the CNs")
        self.counter.setTextFormat(Qt.TextFormat.RichText)
        self.counter.setFont(theme.ui_font(0.5))
        lay.addWidget(self.counter)
        self.view = QtTopologyView(controller, self)
        self.view.setMinimumSize(QSize(240, 200))
        self.view.legend.hide()  # half the canvas at this size; the main window has it
        lay.addWidget(self.view, 1)
        self.tally = self._new_tally()
        controller.scenarioLoaded.connect(self._reset_tally)
        controller.traceTruncated.connect(lambda _n: self._reset_tally())

    def _new_tally(self) -> compare.RunTally:
        c = self.controller
        nodes = c.scenario.nodes if c.scenario is not None else ()
        return compare.RunTally(c.trace, c.mn_name, compare.node_targets(nodes))

    def _reset_tally(self) -> None:
        self.tally = self._new_tally()

    def refresh(self) -> None:
        """Fold up to the position shown and say the counts."""
        self.tally.upto(self.controller.position)
        counts = self.tally.counters()
        cells = []
        for target in compare.TARGETS:
            m, b = counts[target]
            cells.append(f"<b>{TARGET_WORDS[target]}</b> {m}&nbsp;msg&nbsp;/&nbsp;{b}&nbsp;B")
        self.counter.setText("Signalling received: " + " &nbsp; ".join(cells))


class CompareWindow(QWidget):
    """See the module docstring."""

    def __init__(self, scenario, actions=(), parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        try:
            self._build(scenario, actions)
        except BaseException:
            # a view that failed half-way is already the main window's child, with the
            # runs built so far: it goes now, or it stays hidden with them for the
            # window's lifetime (issue 9 soak: a Show me that failed here left one a time)
            self.deleteLater()
            raise

    def _build(self, scenario, actions) -> None:
        self.setWindowTitle(f"Compare Mobile IPv6 and HMIPv6 \u2014 {scenario.name}"
                            if getattr(scenario, "name", "") else
                            "Compare Mobile IPv6 and HMIPv6")
        self.setAccessibleName("Compare Mobile IPv6 and HMIPv6")
        self.actions_replayed = tuple(actions)
        self.sides = make_sides(scenario, self.actions_replayed, self)
        self.driver = CompareDriver(self.sides, self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        self.intro = QLabel("The same actions in both protocols, on one clock. Drag the MN "
                            "on either side: it moves in both runs at the same moment.")
        self.intro.setWordWrap(True)
        self.intro.setForegroundRole(self.intro.foregroundRole())
        outer.addWidget(self.intro)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.panes = {m: SidePane(m, c) for m, c in self.sides.items()}
        for pane in self.panes.values():
            self.splitter.addWidget(pane)
        outer.addWidget(self.splitter, 1)
        outer.addLayout(self._build_controls())
        self.bars = HandoverBars(self)
        outer.addWidget(self.bars)
        self.status = QLabel()
        self.status.setObjectName("compareStatus")
        outer.addWidget(self.status)
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(_REDRAW_MS)
        self._redraw.timeout.connect(self.refresh)
        for c in self.sides.values():
            c.positionChanged.connect(lambda _i: self._schedule())
        self.driver.timeChanged.connect(self._on_time)
        self.driver.playingChanged.connect(self._on_playing)
        self.driver.actionApplied.connect(self.status.setText)
        self.status.setText(self.replayed_text())
        self.driver.seek(0.0)
        self.refresh()
        self._fit_to_screen()

    # --- building -----------------------------------------------------------------------
    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        style = self.style()

        def button(icon, tip, slot, key):
            b = QToolButton(self)
            b.setIcon(style.standardIcon(icon))
            b.setToolTip(f"{tip} ({key})")
            b.setAccessibleName(tip)
            b.clicked.connect(lambda _=False: slot())
            QShortcut(QKeySequence(key), self, activated=slot)
            row.addWidget(b)
            return b

        d = self.driver
        self.reset_button = button(QStyle.StandardPixmap.SP_MediaSkipBackward,
                                   "Back to the start", d.reset, "Home")
        self.play_button = button(QStyle.StandardPixmap.SP_MediaPlay, "Play / pause",
                                  d.toggle_play, "Space")
        self.step_button = button(QStyle.StandardPixmap.SP_MediaSeekForward,
                                  "Next instant of either run", d.step, "Right")
        self.time_label = QLabel()
        self.time_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("t = 000.000 s"))
        row.addWidget(self.time_label)
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setAccessibleName("Time, both runs")
        self.scrubber.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scrubber.sliderMoved.connect(self._scrubbed)
        self.scrubber.actionTriggered.connect(self._scrub_action)
        row.addWidget(self.scrubber, 1)
        self.speed_box = QComboBox()
        self.speed_box.setAccessibleName("Speed")
        for x in (0.25, 0.5, 1.0, 2.0, 5.0):
            self.speed_box.addItem(f"{x:g}\u00d7", x)
        self.speed_box.setCurrentIndex(2)
        self.speed_box.currentIndexChanged.connect(
            lambda i: d.set_speed(self.speed_box.itemData(i)))
        row.addWidget(self.speed_box)
        return row

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1200, 800)
            return
        avail = screen.availableGeometry()
        # leave room for the window manager's title bar on a 768-line projector
        self.resize(min(1500, avail.width()), min(950, avail.height() - 32))

    # --- keeping up -----------------------------------------------------------------------
    def _scrubbed(self, value: int) -> None:
        self.driver.pause()
        self.driver.seek(value / 1000.0)

    def _scrub_action(self, _action: int) -> None:
        if not self.scrubber.isSliderDown():  # page clicks and keys
            QTimer.singleShot(0, lambda: self.driver.seek(self.scrubber.value() / 1000.0))

    def _on_time(self, t: float) -> None:
        self.time_label.setText(f"t = {t:.3f} s")
        end = int(self.driver.end_time() * 1000)
        if self.scrubber.maximum() != end:
            self.scrubber.setMaximum(end)
        if not self.scrubber.isSliderDown():
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(int(t * 1000))
            self.scrubber.blockSignals(False)

    def _on_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else \
            QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _schedule(self) -> None:
        if not self._redraw.isActive():
            self._redraw.start()

    def refresh(self) -> None:
        """Counters and bars for the positions shown now."""
        for pane in self.panes.values():
            pane.refresh()
        self.bars.set_pairs(self.handover_pairs())

    def replayed_text(self) -> str:
        """What both runs replay, in words (the status line until the next action)."""
        acts = self.actions_replayed
        if not acts:
            return "No actions yet: the scenario's own. Drag the MN to compare a handover."
        words = ", ".join(f"{a.words()} at {a.t:.3f} s" for a in acts[:4])
        more = f" and {len(acts) - 4} more" if len(acts) > 4 else ""
        return f"Both runs replay the main window's actions: {words}{more}."

    # --- answers (tests, benchmarks) ----------------------------------------------------------
    def counters(self) -> dict[str, dict[str, tuple[int, int]]]:
        """Mode -> destination -> (messages, bytes), up to the position each side shows."""
        return {m: p.tally.upto(p.controller.position).counters()
                for m, p in self.panes.items()}

    def handover_pairs(self) -> list[compare.HandoverPair]:
        return compare.handover_pairs(
            {m: p.tally.upto(p.controller.position).handovers() for m, p in self.panes.items()})

    def closeEvent(self, event) -> None:
        self.driver.pause()
        super().closeEvent(event)


def _forget(window, view: CompareWindow) -> None:
    if getattr(window, "compare_window", None) is view:
        window.compare_window = None
    # its two runs are freed once the deletion is done: give the memory back then, as
    # the window does when it drops a long history (gui/release.py)
    QTimer.singleShot(0, release.release_freed_memory)


def open_for(window) -> CompareWindow | None:
    """Open (or raise) the compare view for the main window's scenario and actions."""
    c = window.controller
    if c.scenario is None:
        window.statusBar().showMessage("Open a scenario first, then compare the two modes.")
        return None
    # every compare view the window still has goes, not only the one it knows: one
    # left behind (hidden, its two runs with it) would live as long as the window
    for old in descendants(window, CompareWindow, direct_only=True):
        old.close()
        old.deleteLater()
    view = CompareWindow(c.scenario, compare.demo_actions(c.timeline), window)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.compare_window = view
    # forget it when it goes, but only if it is still the one open: the one it replaces
    # is deleted later, after this one is in place (issue 9 soak: the window then lost
    # track of the open compare view, which nothing closed again, two runs and all)
    view.destroyed.connect(lambda *_: _forget(window, view))
    view.show()
    view.raise_()
    return view


__all__ = ["CompareWindow", "SidePane", "open_for"]
