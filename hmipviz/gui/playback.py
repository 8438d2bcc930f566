"""The playback toolbar: reset, step back, play/pause, step forward, jump to the next
idle moment, speed, simulated time, a time scrubber over the whole run, and the
HMIPv6 / Mobile IPv6 mode switch.

``QtPlaybackBar(controller)`` owns the QActions (with their shortcuts: Space, Left,
Right, Home, End) so the main window can put the very same actions in its menus.

The clocks that pace playback are here too: :class:`WallClock` (the window's, real
milliseconds) and :class:`FakeClock`, which a test or a benchmark injects into the
controller so that it *steps* time, one animation frame at a time, instead of waiting
on the wall clock (a scenario that takes a minute to play at 1x plays in the time its
engine needs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolBar,
    QToolButton,
    QWidget,
)

from hmipviz.gui import theme

SPEED_STEPS = 100  # slider units per decade
FRAME_MS = 16  # one animation frame
HOP_MS = 600.0  # a whole hop on screen at 1x, whatever its real delay
EPS = 1e-9
# Signalling focus (issue 13 item 5): with it on, a hop of these packet kinds plays this
# many times faster than a signalling hop, so after a drag the handover's messages come
# at once and data hops in flight never slow the one the caption describes. Every kind
# not listed (RS, RA, BUs and BAs, return routability, errors) plays at 1.
FOCUS_SPEED: dict[str, float] = {"data": 5.0}


def focus_factor(kind: str, focus: bool) -> float:
    """How much faster than a signalling hop a hop of ``kind`` plays."""
    return FOCUS_SPEED.get(kind, 1.0) if focus else 1.0


@dataclass
class Segment:
    """Playback between two instants of the trace, t0 to t1 of simulated time: the
    packets in flight move along their links. It lasts ``HOP_MS / speed`` scaled by the
    largest fraction of a hop any token covers in it, so one hop takes about 600 ms at
    1x whatever its real delay and concurrent hops stay in simulated-time order."""

    t0: float
    t1: float
    duration_ms: float
    start_ms: float = 0.0  # the clock when this segment (re)started
    u0: float = 0.0  # progress already made before that (speed changes)

    @classmethod
    def between(cls, t0: float, t1: float, hops: Sequence[tuple[float, float]],
                speed: float, now_ms: float,
                factors: Sequence[float] | None = None) -> Segment | None:
        """The segment from t0 to t1 with these hops (sent, arrive times) in flight;
        None when nothing moves (the instant is applied at once). ``factors``: each
        hop's speed factor (signalling focus: :data:`FOCUS_SPEED`), 1 when None. Only
        the hops of the slowest class set the pace: with a signalling hop in flight the
        segment lasts what that hop needs, and data hops never hold it up."""
        if not hops or t1 <= t0 + EPS:
            return None
        if factors is None:
            factors = [1.0] * len(hops)
        floor = min(factors)
        frac = max(min(1.0, (t1 - t0) / max(arrive - sent, EPS))
                   for (sent, arrive), f in zip(hops, factors, strict=True) if f == floor)
        return cls(t0, t1, HOP_MS / speed * frac / floor, now_ms)

    def progress(self, now_ms: float) -> float:
        """0 at the start, 1 once it has lasted its duration."""
        if self.duration_ms <= 0:
            return 1.0
        elapsed = now_ms - self.start_ms
        return min(1.0, self.u0 + (1 - self.u0) * elapsed / self.duration_ms)

    def time_at(self, now_ms: float) -> float:
        """The simulated time on screen at clock ``now_ms``."""
        return self.t0 + (self.t1 - self.t0) * self.progress(now_ms)

    def rescale(self, factor: float, now_ms: float) -> None:
        """Keep the progress made, go on ``factor`` times as long (a speed change)."""
        self.u0 = self.progress(now_ms)
        self.duration_ms *= factor
        self.start_ms = now_ms


class WallClock:
    """Real milliseconds since the clock was made: the window's playback pace."""

    def __init__(self) -> None:
        self._timer = QElapsedTimer()
        self._timer.start()

    def __call__(self) -> float:
        return float(self._timer.elapsed())


class FakeClock:
    """Milliseconds that move only when told: injected into a controller (``install``),
    playback no longer runs from a timer; :meth:`frame` advances the clock one frame and
    runs that frame, :meth:`run_until` runs frames until a condition holds. The
    animation is the same as on screen (segments last ``HOP_MS / speed``), only nobody
    waits for it."""

    def __init__(self, controller=None, start_ms: float = 0.0,
                 frame_ms: float = FRAME_MS) -> None:
        self.ms = float(start_ms)
        self.frame_ms = float(frame_ms)
        self.controller = None
        if controller is not None:
            self.install(controller)

    def __call__(self) -> float:
        return self.ms

    def install(self, controller) -> FakeClock:
        """Pace ``controller`` by this clock; its frames come from :meth:`frame`."""
        was_playing = controller.playing
        controller.pause()
        controller.clock_ms = self
        controller.frames_from_timer = False
        self.controller = controller
        if was_playing:
            controller.play()
        return self

    def advance(self, ms: float) -> None:
        """Let ``ms`` pass without running a frame (what a paused window sees)."""
        self.ms += ms

    def frame(self) -> None:
        """One animation frame later: the controller does what its timer would."""
        self.ms += self.frame_ms
        c = self.controller
        if c is not None and c.playing:
            c.frame()

    def run_until(self, condition: Callable[[], bool], timeout_ms: float = 600_000.0,
                  process_events: bool = True) -> int:
        """Run frames until ``condition()`` holds; the number of frames run. Raises
        AssertionError when ``timeout_ms`` of clock time pass first, or when playback
        has stopped and the condition still does not hold (no frame can change it)."""
        from PySide6.QtCore import QCoreApplication

        frames = 0
        end = self.ms + timeout_ms
        while not condition():
            c = self.controller
            if c is not None and not c.playing:
                raise AssertionError(
                    f"playback stopped at t = {c.display_time():.6f} s before the "
                    "condition held")
            if self.ms >= end:
                raise AssertionError(f"the condition did not hold within {timeout_ms:g} ms "
                                     "of playback")
            self.frame()
            frames += 1
            if process_events and QCoreApplication.instance() is not None:
                QCoreApplication.processEvents()
        return frames


def speed_to_slider(x: float) -> int:
    return round(math.log10(max(0.1, min(10.0, x))) * SPEED_STEPS)


def slider_to_speed(v: int) -> float:
    return round(10 ** (v / SPEED_STEPS), 2)


class QtPlaybackBar(QToolBar):
    def __init__(self, controller, parent=None) -> None:
        super().__init__("Playback", parent)
        self.controller = controller
        self.setObjectName("playbackBar")
        self.setAccessibleName("Playback controls")
        self.setMovable(False)
        self.setIconSize(QSize(24, 24))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        style = self.style()

        def action(text, icon, shortcut, slot, tip):
            act = QAction(style.standardIcon(icon), text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                keys = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
                tip = f"{tip} ({keys})"
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(lambda _=False: slot())
            return act

        c = controller
        self.reset_action = action("Reset", QStyle.StandardPixmap.SP_MediaSkipBackward,
                                   Qt.Key.Key_Home, c.reset, "Back to the start")
        self.back_action = action("Step back", QStyle.StandardPixmap.SP_MediaSeekBackward,
                                  Qt.Key.Key_Left, c.step_back, "Step back one event")
        self.play_action = action("Play", QStyle.StandardPixmap.SP_MediaPlay,
                                  Qt.Key.Key_Space, c.toggle_play, "Play / pause")
        self.forward_action = action("Step forward", QStyle.StandardPixmap.SP_MediaSeekForward,
                                     Qt.Key.Key_Right, c.step_forward,
                                     "Step forward one event")
        self.idle_action = action("Jump to next idle moment",
                                  QStyle.StandardPixmap.SP_MediaSkipForward, Qt.Key.Key_End,
                                  c.jump_to_next_idle,
                                  "Jump ahead until no packet is in flight")
        for act in (self.reset_action, self.back_action, self.play_action,
                    self.forward_action, self.idle_action):
            self.addAction(act)
            button = self.widgetForAction(act)
            if button is not None:
                button.setAccessibleName(act.text())

        self.addSeparator()
        speed_box = QWidget()
        lay = QHBoxLayout(speed_box)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QLabel("Speed"))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setAccessibleName("Playback speed")
        self.speed.setToolTip("Playback speed: 0.1\u00d7 (slow motion) to 10\u00d7. "
                              "One hop takes about 0.6 s at 1\u00d7.")
        self.speed.setRange(-SPEED_STEPS, SPEED_STEPS)
        self.speed.setValue(speed_to_slider(c.speed))
        self.speed.setFixedWidth(130)
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed.valueChanged.connect(lambda v: c.set_speed(slider_to_speed(v)))
        lay.addWidget(self.speed)
        self.speed_label = QLabel()
        self.speed_label.setFont(theme.mono_font())
        self.speed_label.setMinimumWidth(
            self.speed_label.fontMetrics().horizontalAdvance("10.0\u00d7 "))
        lay.addWidget(self.speed_label)
        speed_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.addWidget(speed_box)

        self.addSeparator()
        self.time_label = QLabel()
        self.time_label.setAccessibleName("Simulated time")
        self.time_label.setFont(theme.mono_font(1))
        self.time_label.setMinimumWidth(
            self.time_label.fontMetrics().horizontalAdvance("t = 000.0000 s ") + 8)
        self.time_label.setToolTip("Simulated time on screen")
        self.addWidget(self.time_label)

        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setAccessibleName("Time scrubber")
        self.scrubber.setToolTip("Drag to any moment of the run")
        self.scrubber.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scrubber.setMinimumWidth(220)
        self.scrubber.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scrubber.sliderMoved.connect(self._scrubbed)
        self.scrubber.actionTriggered.connect(self._scrub_action)
        self.addWidget(self.scrubber)
        self.event_label = QLabel()
        self.event_label.setAccessibleName("Event position")
        self.event_label.setFont(theme.mono_font(-1))
        self.event_label.setStyleSheet(f"color:{theme.muted_text().name()}; padding: 0 6px")
        self.addWidget(self.event_label)

        self.addSeparator()
        mode_box = QWidget()
        ml = QHBoxLayout(mode_box)
        ml.setContentsMargins(6, 0, 6, 0)
        ml.setSpacing(0)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for mode, text, tip in (("hmipv6", "HMIPv6", "Hierarchical Mobile IPv6 (RFC 5380)"),
                                ("mipv6", "MIPv6", "plain Mobile IPv6 (RFC 6275), no MAP")):
            b = QToolButton()
            b.setText(text)
            b.setCheckable(True)
            b.setAccessibleName(f"{text} mode")
            b.setToolTip(f"Restart the scenario in {tip}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            b.clicked.connect(lambda _=False, m=mode: self._mode_clicked(m))
            ml.addWidget(b)
        self.addWidget(mode_box)

        self._scrub_pending: float | None = None
        self._scrub_timer = QTimer(self, singleShot=True, interval=30)
        self._scrub_timer.timeout.connect(self._apply_scrub)
        c.playingChanged.connect(self._on_playing)
        c.speedChanged.connect(self._on_speed)
        c.frameAdvanced.connect(self._on_time)
        c.positionChanged.connect(self._on_position)
        c.traceExtended.connect(lambda _n: self._on_position(c.position))
        c.modeChanged.connect(self._on_mode)
        c.scenarioLoaded.connect(self._on_loaded)
        self._on_speed(c.speed)
        self._on_playing(c.playing)
        self._on_loaded()

    # --- following the controller -----------------------------------------------------
    def _on_loaded(self) -> None:
        self._on_mode(self.controller.mode or "hmipv6")
        self._on_position(self.controller.position)

    def _on_playing(self, playing: bool) -> None:
        pixmap = QStyle.StandardPixmap
        icon = pixmap.SP_MediaPause if playing else pixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("Pause" if playing else "Play")

    def _on_speed(self, x: float) -> None:
        self.speed_label.setText(f"{x:.1f}\u00d7" if x < 9.95 else "10\u00d7")
        if slider_to_speed(self.speed.value()) != round(x, 2):
            self.speed.blockSignals(True)
            self.speed.setValue(speed_to_slider(x))
            self.speed.blockSignals(False)

    def _on_time(self, t: float) -> None:
        self.time_label.setText(f"t = {t:.4f} s")
        if not self.scrubber.isSliderDown():
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(int(t * 1000))
            self.scrubber.blockSignals(False)

    def _on_position(self, i: int) -> None:
        c = self.controller
        end_ms = int(c.end_time * 1000)
        if self.scrubber.maximum() != end_ms:
            self.scrubber.blockSignals(True)
            self.scrubber.setRange(0, end_ms)
            self.scrubber.setPageStep(max(1, end_ms // 20))
            self.scrubber.blockSignals(False)
        self.event_label.setText(f"event {i + 1} of {len(c.trace)}")
        self._on_time(c.display_time())
        self.back_action.setEnabled(i >= 0)

    def _on_mode(self, mode: str) -> None:
        b = self.mode_buttons.get(mode)
        if b is not None and not b.isChecked():
            b.setChecked(True)

    # --- user input --------------------------------------------------------------------
    def _mode_clicked(self, mode: str) -> None:
        if mode != self.controller.mode:
            self.controller.set_mode(mode)

    def _scrubbed(self, value: int) -> None:
        self._scrub_pending = value / 1000.0
        if not self._scrub_timer.isActive():
            self._scrub_timer.start()

    def _scrub_action(self, _action: int) -> None:
        if not self.scrubber.isSliderDown():  # page clicks and keys
            QTimer.singleShot(0, lambda: self._scrubbed(self.scrubber.sliderPosition()))

    def _apply_scrub(self) -> None:
        if self._scrub_pending is not None:
            t, self._scrub_pending = self._scrub_pending, None
            self.controller.pause()
            self.controller.seek_time(t)


__all__ = ["QtPlaybackBar", "speed_to_slider", "slider_to_speed", "WallClock", "FakeClock",
           "Segment", "FRAME_MS", "HOP_MS", "FOCUS_SPEED", "focus_factor"]
