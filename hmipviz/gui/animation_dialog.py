"""File > Export animation... and File > Export ladder as Mermaid / PlantUML: the dialogs
and what they run. The work is :mod:`hmipviz.gui.animation_export` and
:mod:`hmipviz.ladder_text`; the menu actions are in :mod:`hmipviz.gui.window_menus`.

The animation dialog proposes the times around the current position (half a second
before to a second after), the window's playback speed, the format from the file's
suffix (MP4 is disabled, with a tooltip saying how to get it, when PyAV is not
installed); recording shows a progress dialog whose Cancel leaves no file behind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from hmipviz import animation_encode as encoding
from hmipviz import ladder_text
from hmipviz.animation_plan import MAX_FPS, MAX_SPEED, MIN_SPEED, PlanError, plan_frames
from hmipviz.gui.animation_export import (
    AnimationRequest,
    Cancelled,
    default_name,
    export_animation,
    path_with_format,
    walking,
)
from hmipviz.gui.export_folder import export_start, remember_export

SIZES = ("640x360", "960x540", "1280x720", "1920x1080")
ESTIMATE_EVENTS = 20000  # a longer span is not planned while the user types
FORMAT_NAMES = {"gif": "Animated GIF", "webp": "Animated WebP", "apng": "Animated PNG (APNG)",
                "mp4": "MP4 video (H.264)"}


def in_dialog_words(message: str) -> str:
    """A plan's message names the command's options; the dialog names its fields."""
    for option, field in (("--from/--to", "the times"), ("--from", "From"), ("--to", "To"),
                          ("--fps", "Frame rate"), ("--speed", "Speed"), ("--size", "Size")):
        message = message.replace(option, field)
    return message


class AnimationDialog(QDialog):
    """The choices of one animation export; :meth:`request` reads them."""

    def __init__(self, controller, parent: QWidget | None = None, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.setAccessibleName("Export animation")
        c = controller
        end = float(c.end_time)
        now = float(c.time_at(c.position)) if c.position >= 0 else 0.0
        self.from_box = self._time_box(end, max(0.0, now - 0.5))
        self.to_box = self._time_box(end, min(end, now + 1.0))
        self.fps_box = QSpinBox()
        self.fps_box.setRange(1, int(MAX_FPS))
        self.fps_box.setValue(15)
        self.fps_box.setSuffix(" fps")
        self.speed_box = QDoubleSpinBox()
        self.speed_box.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_box.setSingleStep(0.5)
        self.speed_box.setValue(float(getattr(c, "speed", 1.0)))
        self.speed_box.setSuffix("\u00d7")
        self.speed_box.setToolTip("Playback speed, as the window's: at 1\u00d7 one hop takes "
                                  "0.6 s on screen whatever its real delay")
        self.size_box = QComboBox()
        self.size_box.setEditable(True)
        self.size_box.addItems(SIZES)
        self.size_box.setCurrentText("960x540")
        self.caption_box = QCheckBox("The caption under the canvas")
        self.caption_box.setChecked(True)
        self.ladder_box = QCheckBox("The ladder diagram under the canvas")
        self.format_box = QComboBox()
        for fmt in encoding.FORMATS:
            self.format_box.addItem(FORMAT_NAMES[fmt], fmt)
            why = encoding.unavailable(fmt)
            if why:
                k = self.format_box.count() - 1
                model = self.format_box.model()
                if isinstance(model, QStandardItemModel):
                    item = model.item(k)
                    if item is not None:
                        item.setEnabled(False)
                self.format_box.setItemData(k, why, Qt.ItemDataRole.ToolTipRole)
        name = default_name(getattr(c.scenario, "name", ""), "gif")
        self.path_edit = QLineEdit(str(Path(start_dir) / name) if start_dir else name)
        self.path_edit.setAccessibleName("Animation file")
        browse = QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(browse)
        self.path_edit.textChanged.connect(self._format_from_path)
        self.format_box.currentIndexChanged.connect(self._path_from_format)

        form = QFormLayout(self)
        form.addRow("From (s)", self.from_box)
        form.addRow("To (s)", self.to_box)
        form.addRow("Frame rate", self.fps_box)
        form.addRow("Speed", self.speed_box)
        form.addRow("Size (pixels)", self.size_box)
        form.addRow("", self.caption_box)
        form.addRow("", self.ladder_box)
        form.addRow("Format", self.format_box)
        form.addRow("File", where)
        self.estimate = QLabel()
        self.estimate.setAccessibleName("Animation length")
        self.estimate.setWordWrap(True)
        form.addRow("", self.estimate)
        self.controller = c
        for box in (self.from_box, self.to_box, self.speed_box):
            box.valueChanged.connect(self._update_estimate)
        self.fps_box.valueChanged.connect(self._update_estimate)
        self._update_estimate()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _time_box(end: float, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setDecimals(3)
        box.setRange(0.0, end)
        box.setSingleStep(0.1)
        box.setSuffix(" s")
        box.setValue(value)
        return box

    def _update_estimate(self, *_a) -> None:
        """How long the animation plays and how many frames it has, when the run has
        already got past the end time (the estimate never runs the engine)."""
        c = self.controller
        t0, t1 = self.from_box.value(), self.to_box.value()
        trace = c.trace
        if not trace or trace[-1].t <= t1:
            self.estimate.setText("Its length is known once the run has got there.")
            return
        if c.index_at_time(t1) - c.index_at_time(t0) > ESTIMATE_EVENTS:
            self.estimate.setText("A long span: many frames.")
            return
        try:
            plan = plan_frames(c.timeline, t0, t1, float(self.fps_box.value()),
                               self.speed_box.value(), walking(c))
        except PlanError as exc:
            self.estimate.setText(in_dialog_words(str(exc)))
            return
        seconds = sum(plan.durations_ms()) / 1000.0
        self.estimate.setText(f"Plays for {seconds:.1f} s: {len(plan.frames)} frames.")

    def _format_from_path(self, text: str) -> None:
        try:
            fmt = encoding.format_for(text)
        except encoding.EncodeError:
            return
        k = self.format_box.findData(fmt)
        if k >= 0 and k != self.format_box.currentIndex():
            self.format_box.blockSignals(True)
            self.format_box.setCurrentIndex(k)
            self.format_box.blockSignals(False)

    def _path_from_format(self, _k: int) -> None:
        fmt = self.format_box.currentData()
        self.path_edit.blockSignals(True)
        self.path_edit.setText(path_with_format(self.path_edit.text(), fmt))
        self.path_edit.blockSignals(False)

    def _browse(self) -> None:
        filters = ";;".join(encoding.DESCRIPTIONS[f] for f in encoding.FORMATS
                            if not encoding.unavailable(f))
        path, _ = QFileDialog.getSaveFileName(self, "Export animation", self.path_edit.text(),
                                              filters)
        if path:
            self.path_edit.setText(path)

    def request(self) -> AnimationRequest:
        """The choices; :class:`PlanError` or EncodeError names what is wrong."""
        text = self.size_box.currentText().lower().replace("\u00d7", "x")
        try:
            width, height = (int(v) for v in text.split("x"))
        except ValueError:
            raise PlanError(f"size {text!r}: expected WIDTHxHEIGHT, e.g. 960x540") from None
        fmt = self.format_box.currentData()
        path = self.path_edit.text().strip()
        if not path:
            raise PlanError("choose a file to write")
        why = encoding.unavailable(fmt)
        if why:
            raise encoding.EncodeError(why)
        return AnimationRequest(path_with_format(path, fmt), self.from_box.value(),
                                self.to_box.value(), float(self.fps_box.value()), width,
                                height, self.speed_box.value(), self.caption_box.isChecked(),
                                self.ladder_box.isChecked(), fmt)


def record(window, request: AnimationRequest) -> int | None:
    """Record with a progress dialog (Cancel: nothing written, None)."""
    bar = QProgressDialog("Recording the animation\u2026", "Cancel", 0, 0, window)
    bar.setWindowTitle("Export animation")
    bar.setWindowModality(Qt.WindowModality.WindowModal)
    bar.setMinimumDuration(0)
    bar.setAutoReset(False)
    bar.setValue(0)

    def progress(done: int, total: int) -> bool:
        if bar.maximum() != total:
            bar.setMaximum(total)
        bar.setValue(done)
        bar.setLabelText(f"Recording frame {done} of {total}\u2026")
        QApplication.processEvents()
        return not bar.wasCanceled()

    try:
        return export_animation(window.controller, request, progress)
    except Cancelled:
        return None
    finally:
        bar.close()
        bar.deleteLater()


def export_animation_dialog(window) -> None:
    """File > Export animation...: choose, record, tell."""
    if window.controller.scenario is None:
        return
    start = Path(export_start("animation")).parent  # where the last export went
    dialog = AnimationDialog(window.controller, window, start_dir=str(start))
    if not dialog.exec():
        return
    try:
        request = dialog.request()
        frames = record(window, request)
    except (PlanError, encoding.EncodeError) as exc:
        window.show_error(f"Cannot record the animation: {in_dialog_words(str(exc))}")
        return
    except OSError as exc:
        window.show_error(f"Cannot write the animation: {exc.strerror or exc}")
        return
    if frames is None:
        window.statusBar().showMessage("Animation cancelled; nothing was written", 6000)
    else:
        remember_export(str(request.path))
        window.statusBar().showMessage(f"Wrote {request.path}: {frames} frames", 8000)


def ladder_text_for(window, fmt: str) -> str:
    """The window's ladder (its filters, up to the position) as ``fmt`` text."""
    ladder = window.ladder
    ladder.sync()
    c = window.controller
    mode = {"hmipv6": "HMIPv6", "mipv6": "Mobile IPv6"}.get(c.mode or "", c.mode or "")
    title = f"hmipviz: {getattr(c.scenario, 'name', '')} ({mode}), up to " \
            f"{c.time_at(c.position) if c.position >= 0 else 0.0:.3f} s"
    return ladder_text.render(ladder.model, fmt, title)


def export_ladder_text(window, fmt: str, path: str) -> None:
    from hmipviz.fileio import atomic_write
    atomic_write(path, ladder_text_for(window, fmt))


def export_ladder_text_dialog(window, fmt: str) -> None:
    """File > Export ladder as Mermaid / PlantUML..."""
    suffix, what = (".mmd", "Mermaid (*.mmd *.mermaid)") if fmt == "mermaid" else \
        (".puml", "PlantUML (*.puml *.plantuml)")
    name = f"{getattr(window.controller.scenario, 'name', 'ladder')}-ladder{suffix}"
    path, _ = QFileDialog.getSaveFileName(window, "Export ladder as text",
                                          export_start(name), what)
    if not path:
        return
    if ladder_text.format_for(path) is None:
        path += suffix
    try:
        export_ladder_text(window, fmt, path)
    except OSError as exc:
        window.show_error(f"Cannot write {path}: {exc.strerror or exc}")
        return
    remember_export(path)
    window.statusBar().showMessage(f"Wrote {path}", 6000)


__all__ = ["AnimationDialog", "export_animation_dialog", "export_ladder_text",
           "export_ladder_text_dialog", "ladder_text_for", "record"]
