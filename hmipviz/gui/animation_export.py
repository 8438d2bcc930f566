"""Animation export: the canvas (optionally with the caption and the ladder) recorded
between two times of the current branch, rendered offscreen from the trace.

:class:`AnimationCanvas` is a widget that is never shown on screen
(``WA_DontShowOnScreen``): a topology view, a caption bar and a ladder of its own,
attached to a controller like the window's and laid out at the video's size. For each
frame of the plan (:mod:`hmipviz.animation_plan`) the controller is put at the frame's
position with the window's own API (``seek``, then ``frameAdvanced`` with the display
time, as playback does), and the canvas paints itself into a QImage
(``QWidget.render``, no screen grab). So it works on Qt's offscreen platform, and the
same run gives the same pixels, hence the same file bytes.

:func:`export_animation` does the whole job on a controller (the window's, or a fresh
one for ``hmipviz export-animation``): it runs the engine to ``to_s`` if it has not got
there, plans, renders, encodes (:mod:`hmipviz.animation_encode`), and puts the
controller back where it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from hmipviz import animation_encode as encoding
from hmipviz.animation_plan import AnimationPlan, Frame, PlanError, plan_frames
from hmipviz.gui.caption import CaptionBar
from hmipviz.gui.ladder import QtLadder
from hmipviz.gui.theme import canvas_background
from hmipviz.gui.topology_view import QtTopologyView

PALETTE_SAMPLES = 8  # frames stacked to choose a GIF's one palette


class Cancelled(Exception):
    """The user pressed Cancel: nothing was written."""


@dataclass(frozen=True)
class AnimationRequest:
    """What to record: simulated ``from_s`` to ``to_s`` at ``fps`` frames a second of
    playback at ``speed``, ``width`` x ``height`` pixels, to ``path`` (``fmt`` from its
    suffix when None)."""

    path: str
    from_s: float
    to_s: float
    fps: float = 15.0
    width: int = 960
    height: int = 540
    speed: float = 1.0
    with_caption: bool = False
    with_ladder: bool = False
    fmt: str | None = None

    @property
    def format(self) -> str:
        return self.fmt or encoding.format_for(self.path)


class AnimationCanvas(QWidget):
    """The canvas, caption and ladder at a fixed size, never on screen.

    The ladder goes under the canvas, across the whole width (its columns need the
    room), without its filter bar and scroll bars; when its columns are wider than the
    frame it is painted scaled down to fit."""

    def __init__(self, controller, width: int, height: int, *, with_caption: bool,
                 with_ladder: bool) -> None:
        super().__init__()
        self.controller = controller
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.setObjectName("animationCanvas")
        self.topology = QtTopologyView(controller)
        self.caption = CaptionBar(controller) if with_caption else None
        self.ladder: QtLadder | None = None
        self._ladder_slot = QWidget()  # where the ladder is painted
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.topology, 3)
        if with_ladder:
            lay.addWidget(self._ladder_slot, 2)
        if self.caption is not None:
            lay.addWidget(self.caption)
        self.setFixedSize(width, height)
        self.show()  # not on screen (WA_DontShowOnScreen): sizes, layouts, fit
        lay.activate()
        if with_ladder:
            self.ladder = self._make_ladder()
        QApplication.processEvents()
        self.topology.fit()

    def _make_ladder(self) -> QtLadder:
        """A ladder of its own, as wide as its columns (scaled into the slot)."""
        ladder = QtLadder(self.controller)
        ladder.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        for child in ladder.findChildren(QWidget, options=Qt.FindChildOption
                                         .FindDirectChildrenOnly):
            if isinstance(child, (QAbstractButton, QLabel, QComboBox)):
                child.hide()  # the filter bar: nothing to click in a video
        for area in ladder.findChildren(QAbstractScrollArea):
            area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        slot = self._ladder_slot.size()
        self._ladder_scale = min(1.0, slot.width() / max(1.0, ladder.scene_width()))
        ladder.setFixedSize(int(slot.width() / self._ladder_scale),
                            int(slot.height() / self._ladder_scale))
        ladder.show()
        return ladder

    def show_frame(self, frame: Frame) -> None:
        """The state after ``frame.position``, tokens at ``frame.time_s``: what the
        window shows at that moment of playback."""
        c = self.controller
        if c.position != frame.position:
            c.seek(frame.position)
        c.frameAdvanced.emit(frame.time_s)
        # labels whose text changed asked for a new layout: do it now, as the window's
        # event loop would before it paints (nested layouts: a second pass)
        for _ in range(2):
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def grab_rgb(self) -> bytes:
        """This widget painted into an image: packed RGB, ``width * 3`` bytes a row."""
        w, h = self.width(), self.height()
        image = QImage(w, h, QImage.Format.Format_RGB888)
        image.fill(canvas_background())
        p = QPainter(image)
        try:
            self.render(p, QPoint(0, 0))
            if self.ladder is not None:
                p.setRenderHints(QPainter.RenderHint.Antialiasing |
                                 QPainter.RenderHint.TextAntialiasing |
                                 QPainter.RenderHint.SmoothPixmapTransform)
                p.translate(self._ladder_slot.pos().x(), self._ladder_slot.pos().y())
                p.scale(self._ladder_scale, self._ladder_scale)
                self.ladder.render(p, QPoint(0, 0))
        finally:
            p.end()
        row = w * 3
        data = bytes(image.constBits())
        stride = image.bytesPerLine()
        if stride == row:
            return data
        return b"".join(data[y * stride:y * stride + row] for y in range(h))

    def frame_rgb(self, frame: Frame) -> bytes:
        self.show_frame(frame)
        return self.grab_rgb()

    def close_all(self) -> None:
        for widget in (self.ladder, self):
            if widget is not None:
                widget.hide()
                widget.deleteLater()


def walking(controller) -> bool:
    """Some MN moves on its own, so time must be seen to pass (as the window plays)."""
    mobility = getattr(getattr(controller, "sim", None), "mobility", None)
    return bool(getattr(mobility, "trajectories", None))


def plan_for(controller, request: AnimationRequest) -> AnimationPlan:
    """The frames of ``request`` on ``controller``'s current branch (running its engine
    up to ``to_s`` first)."""
    if controller.scenario is None:
        raise PlanError("no scenario is open")
    end = float(controller.end_time)
    if request.to_s > end + 1e-9:
        raise PlanError(f"--to {request.to_s:g}: the run ends at {end:g} s")
    controller.pause()
    controller.seek_time(request.to_s)  # the engine runs past to_s: the plan can see it
    return plan_frames(controller.timeline, request.from_s, request.to_s, request.fps,
                       request.speed, walking(controller))


def export_animation(controller, request: AnimationRequest,
                     progress: Callable[[int, int], bool] | None = None) -> int:
    """Record ``request`` from ``controller`` and write it; the number of frames.
    ``progress(done, total)`` is called after each frame; False cancels
    (:class:`Cancelled`, nothing written). The controller's position and selection are
    restored afterwards."""
    fmt = request.format
    why = encoding.unavailable(fmt)
    if why:
        raise encoding.EncodeError(why)
    encoding.check_size(fmt, request.width, request.height)
    c = controller
    position, selected = c.position, c.selected
    canvas: AnimationCanvas | None = None
    try:
        plan = plan_for(c, request)
        durations = plan.durations_ms(encoding.unit_ms(fmt))
        canvas = AnimationCanvas(c, request.width, request.height,
                                 with_caption=request.with_caption,
                                 with_ladder=request.with_ladder)
        frames = plan.frames
        samples: list[bytes] = []
        if fmt == "gif":
            step = max(1, len(frames) // PALETTE_SAMPLES)
            samples = [canvas.frame_rgb(f) for f in frames[::step][:PALETTE_SAMPLES]]

        def rendered() -> Iterator[bytes]:
            for k, frame in enumerate(frames):
                yield canvas.frame_rgb(frame)
                if progress is not None and not progress(k + 1, len(frames)):
                    raise Cancelled
        return encoding.encode(request.path, fmt, rendered(),
                               (request.width, request.height), durations, samples)
    finally:
        if canvas is not None:
            canvas.close_all()
        c.seek(position)
        if selected != c.selected:
            c.select(selected, seek=False)


def offscreen_application() -> QApplication:
    """The QApplication; made on Qt's offscreen platform when there is none yet
    (``hmipviz export-animation``: never a window, the same pixels on any display)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication(["hmipviz"])


def default_name(scenario_name: str, fmt: str = "gif") -> str:
    suffix = {"apng": "png"}.get(fmt, fmt)
    return f"{scenario_name or 'hmipviz'}-animation.{suffix}"


def path_with_format(path: str, fmt: str) -> str:
    """``path`` with the suffix of ``fmt`` when its own names another (or none)."""
    try:
        if encoding.format_for(path) == fmt:
            return path
    except encoding.EncodeError:
        pass
    root, ext = os.path.splitext(path)
    if ext.lower() not in encoding.SUFFIXES:
        root = path
    return root + "." + {"apng": "png"}.get(fmt, fmt)


__all__ = ["AnimationCanvas", "AnimationRequest", "Cancelled", "export_animation",
           "plan_for", "default_name", "path_with_format", "offscreen_application", "walking"]
