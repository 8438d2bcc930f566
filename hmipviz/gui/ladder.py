"""The sequence (ladder) diagram: one lifeline per node, one arrow per packet hop.

``QtLadder(controller)`` draws every ``PacketSent`` up to ``controller.position`` as a
horizontal arrow from the sender's lifeline to the receiver's, one row per hop in trace
(time) order, coloured and labelled by kind (tunnelled hops dashed), and every
``PacketDropped`` as a red cross on the lifeline of the node where it was lost.
Rows are evenly spaced (a handover takes milliseconds, the gaps between them seconds),
so the time of each row is written in the left margin, and a dotted rule marks
quiet gaps. Clicking a row selects that event; a selection made elsewhere is
highlighted and scrolled into view.

Rows beyond the position (the future already simulated, seen after a step back or a
click on an earlier row) stay on screen, faded, and are left out of the exports.
Rows are added as the trace grows and removed only when a new branch discards the
future; a position change repaints just the rows it crossed. While the widget is
hidden (another dock tab in front) it only remembers that it is out of date.

Only the rows in or near the viewport have a graphics item (a few dozen, whatever the
length of the run): a long run has hundreds of thousands of rows, and an item per row
cost about 1.4 kB of C++ heap each (issue 9 soak: 280 MB for a 290,000-event
history), freed only when the history was dropped, into a heap that then stayed large.
Scrolling and resizing hand items to the rows that come into view; the model keeps
the rows themselves compactly (:mod:`hmipviz.gui.ladder_model`).

The rows themselves (filters, lifelines, branches) are :mod:`hmipviz.gui.ladder_model`
(no Qt); their painting is :mod:`hmipviz.gui.ladder_items`.

Exports paint the rows directly rather than through QGraphicsScene.render(): in
PySide6 6.12 on Python 3.11 that call drops a reference to None per call.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz.fileio import atomic_path
from hmipviz.gui import engine_thread
from hmipviz.gui.export_folder import export_start, remember_export
from hmipviz.gui.ladder_items import (
    LadderHeader,
    LadderScene,
    LadderView,
    RowItem,
    icon_renderer,
    mid_color,
    paint_row,
    text_color,
)
from hmipviz.gui.ladder_model import (
    COL_W,
    GUTTER,
    HEADER_H,
    ROW_H,
    LadderModel,
    LadderRow,
    lifeline_order,
)
from hmipviz.gui.mn_picker import MnPicker

MAX_PNG_SIDE = 30000
# rows above and below the viewport that keep an item, so a small scroll shows rows
# already painted; the items at any time are the viewport's rows plus twice this
MARGIN_ROWS = 12


class QtLadder(QWidget):
    """Sequence diagram of the trace up to the controller's position.

    Construct with the controller; it connects ``scenarioLoaded``, ``traceExtended``,
    ``positionChanged`` and ``selectionChanged`` itself. Clicking a row calls
    ``controller.select(index)``. Exports: :meth:`export_svg`, :meth:`export_png`.
    """

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("ladder")
        self.setAccessibleName("Sequence diagram")
        self.model = LadderModel()  # what the rows are (no Qt)
        self._items: dict[int, RowItem] = {}  # trace index -> item, rows near the viewport
        self._programmatic = False
        self._selected_row: LadderRow | None = None
        self._dirty = True
        self._follow = True
        self._exporting = False

        self.time_font = QFont(self.font())
        self.time_font.setStyleHint(QFont.StyleHint.Monospace)
        self.time_font.setFamily("monospace")
        self.time_font.setPointSizeF(max(7.5, self.font().pointSizeF() - 1))
        self.label_font = QFont(self.font())
        self.name_font = QFont(self.font())
        self.name_font.setBold(True)

        self.scene = LadderScene(self)
        # a few dozen items come and go as the view scrolls: a linear search is cheaper
        # than keeping Qt's BSP index up to date
        self.scene.setItemIndexMethod(LadderScene.ItemIndexMethod.NoIndex)
        self.view = LadderView(self.scene)
        self.view.rowClicked.connect(self._row_clicked)
        self.view.resized.connect(self._realize)
        self.view.horizontalScrollBar().valueChanged.connect(self._hscrolled)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.header = LadderHeader(self)

        self.data_box = QCheckBox("Data packets")
        self.data_box.setChecked(True)
        self.data_box.setToolTip("Show data packets (uncheck to let the signalling stand out)")
        self.data_box.toggled.connect(lambda on: self.set_filters(show_data=on))
        self.ra_box = QCheckBox("RS / RA")
        self.ra_box.setChecked(True)
        self.ra_box.setToolTip("Show Router Solicitations and Advertisements")
        self.ra_box.toggled.connect(lambda on: self.set_filters(show_ra=on))
        self.hops_box = QCheckBox("Forwarding hops")
        self.hops_box.setChecked(True)
        self.hops_box.setToolTip("Show every hop; uncheck to see only where each packet was "
                                 "sent or re-encapsulated")
        self.hops_box.toggled.connect(lambda on: self.set_filters(show_forwarding=on))
        self.export_button = QToolButton()
        self.export_button.setText("Export…")
        self.export_button.setToolTip("Save the diagram as SVG or PNG")
        self.export_button.clicked.connect(self.export_dialog)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Ladder arrow count")
        self.mn_box = MnPicker(controller, self)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.mn_box)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.data_box)
        bar.addWidget(self.ra_box)
        bar.addWidget(self.hops_box)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.header)
        lay.addWidget(self.view, 1)

        controller.scenarioLoaded.connect(self._on_scenario_loaded)
        controller.traceExtended.connect(self._on_trace)
        controller.positionChanged.connect(self._on_trace)
        controller.selectionChanged.connect(self._on_selection)
        truncated = getattr(controller, "traceTruncated", None)
        if truncated is not None:
            truncated.connect(self._on_trace)
        chosen = getattr(controller, "mnSelected", None)
        if chosen is not None:
            chosen.connect(self.set_mn)
        self._on_scenario_loaded()

    def sizeHint(self) -> QSize:
        return QSize(900, 420)

    # --- the model's state, under the names the tests and exports use ----------------
    @property
    def show_data(self) -> bool:
        return self.model.show_data

    @property
    def show_ra(self) -> bool:
        return self.model.show_ra

    @property
    def show_forwarding(self) -> bool:
        return self.model.show_forwarding

    @property
    def _rows(self) -> list[LadderRow]:
        return self.model.rows

    @property
    def _last_hop(self) -> dict[int, LadderRow]:
        return self.model.last_hop

    @property
    def _pos(self) -> int:
        return self.model.pos

    # --- geometry ------------------------------------------------------------------
    def lifeline_xs(self) -> list[float]:
        return list(self.model.x.values())

    def lifeline_x(self, name: str) -> float | None:
        return self.model.x.get(name)

    def scene_width(self) -> float:
        return self.model.scene_width()

    def paint_header(self, p: QPainter, dx: float, width: float) -> None:
        """Names and icons at the lifelines' x (scene x + dx); shared with the exports."""
        pal = QApplication.palette()
        p.fillRect(QRectF(0, 0, width, HEADER_H), pal.color(QPalette.ColorRole.Window))
        p.setPen(QPen(mid_color(), 1))
        p.drawLine(QPointF(0, HEADER_H - 0.5), QPointF(width, HEADER_H - 0.5))
        p.setFont(self.time_font)
        p.setPen(text_color())
        p.drawText(QRectF(0, 0, GUTTER + dx - 10, HEADER_H - 4),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "time")
        p.setFont(self.name_font)
        icon = 28.0
        for name, role in self.model.nodes:
            x = self.model.x[name] + dx
            if x < -COL_W or x > width + COL_W:
                continue
            renderer = icon_renderer(role)
            if renderer is not None:
                renderer.render(p, QRectF(x - icon / 2, 4, icon, icon))
            p.setPen(text_color())
            p.drawText(QRectF(x - COL_W / 2, 4 + icon, COL_W, HEADER_H - icon - 6),
                       Qt.AlignmentFlag.AlignCenter, name)

    # --- following the controller --------------------------------------------------
    def set_mn(self, name: str) -> None:
        """Only ``name``'s arrows and lifeline among the MNs ("": every MN), then
        rebuild."""
        self.model.mn = name or ""
        self.model.mn_of = getattr(self.controller, "mn_of", None)
        self.model.set_nodes(getattr(self.controller, "scenario", None), self.model.mn)
        self.header.update()
        self.set_filters()

    def _on_scenario_loaded(self) -> None:
        self.model.mn = ""
        self.model.set_nodes(getattr(self.controller, "scenario", None))
        self._clear()
        self.header.update()
        self._on_trace()

    def _clear(self) -> None:
        self.model.clear()
        self._items.clear()
        self._selected_row = None
        self._follow = True
        self._programmatic = True
        try:
            self.scene.clear()
            self._update_rect()
        finally:
            self._programmatic = False

    def _on_trace(self, *_args) -> None:
        if self.isVisible():
            self._sync()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._sync()

    def _sync(self) -> None:
        """Catch up with the trace and the position (see :meth:`LadderModel.sync`):
        add and remove only the rows that changed, repaint the rows the position
        crossed."""
        self._dirty = False
        trace = self.controller.trace
        n = len(trace)
        pos = int(getattr(self.controller, "position", n - 1))
        # the rows are the history's (one per hop): made where the history is
        # (gui/engine_thread.py), not among the window's long-lived objects
        change = engine_thread.call(self.model.sync, trace, pos)
        for row in change.removed:
            if row is self._selected_row:
                self._selected_row = None
        if change.removed:
            rows = self.model.rows  # an item whose row was cut (or replaced) goes
            self._drop_items(lambda item: item.row >= len(rows) or rows[item.row] is not
                             item.model)
        if change.new_lifelines:
            self.header.update()
        if change.crossed:  # their faded state changed: repaint those that have items
            crossed = {row.index for row in change.crossed} if len(change.crossed) < len(
                self._items) else None
            for index, item in self._items.items():
                if crossed is None or index in crossed:
                    item.update()
        self._update_rect()
        shown = self.model.shown()
        ahead = len(self.model.rows) - shown
        self.count_label.setText(f"{shown} rows" + (f" (+{ahead} ahead)" if ahead else ""))
        if self._follow and shown:
            self._scroll_to(self.model.rows[shown - 1])
        sel = getattr(self.controller, "selected", -1)
        if self._selected_row is None and sel is not None and sel >= 0:
            self._highlight(sel, scroll=False)
        self._realize()

    # --- items for the rows in view ---------------------------------------------------
    def _drop_items(self, unwanted) -> None:
        for index in [i for i, item in self._items.items() if unwanted(item)]:
            self.scene.removeItem(self._items.pop(index))

    def _realize(self) -> None:
        """Items for the rows in or near the viewport, none for the others."""
        with contextlib.suppress(RuntimeError):  # being destroyed
            visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
            margin = MARGIN_ROWS * ROW_H
            wanted = self.model.rows_between(visible.top() - margin, visible.bottom() + margin)
            keep = {id(row) for row in wanted}
            self._drop_items(lambda item: id(item.model) not in keep)
            for row in wanted:
                if row.index not in self._items:
                    item = RowItem(self, row)
                    self.scene.addItem(item)
                    self._items[row.index] = item

    def item_count(self) -> int:
        """Graphics items in the diagram's scene (bounded by the viewport, not the run)."""
        return len(self.scene.items())

    def _scroll_to(self, row: LadderRow) -> None:
        self._programmatic = True
        try:
            self.view.ensureVisible(QRectF(GUTTER, row.top, 10, ROW_H), 40, int(ROW_H * 2))
        finally:
            self._programmatic = False

    def is_future(self, index: int) -> bool:
        return self.model.is_future(index)

    def _update_rect(self) -> None:
        self.scene.setSceneRect(QRectF(0, 0, self.scene_width(), self.model.height()))
        self.view.resetCachedContent()

    def _hscrolled(self, _value: int) -> None:
        with contextlib.suppress(RuntimeError):  # being destroyed
            self.header.update()

    def _scrolled(self, _value: int) -> None:
        """Follow the present while it is in view; stop when the user scrolls away."""
        self._realize()
        if self._programmatic:
            return
        shown = self.model.shown()
        if not shown:
            self._follow = True
            return
        row = self.model.rows[shown - 1]
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        self._follow = visible.top() - ROW_H <= row.top <= visible.bottom()

    def set_filters(self, *, show_data: bool | None = None, show_ra: bool | None = None,
                    show_forwarding: bool | None = None) -> None:
        """Show or hide data packets, RS/RA and forwarding hops, then rebuild."""
        for value, attr, box in ((show_data, "show_data", self.data_box),
                                 (show_ra, "show_ra", self.ra_box),
                                 (show_forwarding, "show_forwarding", self.hops_box)):
            if value is not None:
                setattr(self.model, attr, value)
                box.blockSignals(True)  # no second rebuild through toggled
                box.setChecked(value)
                box.blockSignals(False)
        self._clear()
        self._sync()
        sel = getattr(self.controller, "selected", -1)
        if sel is not None and sel >= 0:
            self._highlight(sel)

    # --- selection -----------------------------------------------------------------
    def _row_clicked(self, index: int) -> None:
        self.controller.select(index)

    def selected_row(self) -> LadderRow | None:
        """The highlighted row (painted with a band), or None."""
        return self._selected_row

    def _repaint_row(self, row: LadderRow | None) -> None:
        item = self._items.get(row.index) if row is not None else None
        if item is not None and item.model is row:
            item.update()

    def _highlight(self, i: int, scroll: bool = True) -> None:
        old, self._selected_row = self._selected_row, None
        self._repaint_row(old)
        row = (self.model.row_for(i, self.controller.trace)
               if i is not None and i >= 0 else None)
        if row is None:
            return
        self._selected_row = row
        self._repaint_row(row)
        if scroll:
            self._scroll_to(row)

    def _on_selection(self, i: int) -> None:
        if self._dirty and self.isVisible():
            self._sync()
        self._highlight(i)

    # --- test hooks ----------------------------------------------------------------
    def sync(self) -> None:
        """Catch up now even if hidden (tests, exports)."""
        self._sync()

    def arrow_indices(self) -> list[int]:
        """Trace indices of the arrows (PacketSent rows) up to the position, in order."""
        return self.model.arrow_indices()

    def drop_indices(self) -> list[int]:
        """Trace indices of the drop crosses up to the position."""
        return self.model.drop_indices()

    def future_indices(self) -> list[int]:
        """Rows known beyond the position (after a step back), drawn faded."""
        return self.model.future_indices()

    def selected_index(self) -> int:
        return self._selected_row.index if self._selected_row is not None else -1

    def row_center(self, index: int) -> QPointF | None:
        """Scene point in the middle of the arrow for trace ``index`` (for clicking)."""
        row = self.model.row_at(index)
        if row is None:
            return None
        x = (row.x1 + row.x2) / 2 if row.x2 is not None else row.x1
        return QPointF(x, row.top + ROW_H * 0.64)

    def click_index(self, index: int) -> bool:
        """What a click on that arrow does (for keyboard users and tests)."""
        if self.model.row_at(index) is None:
            return False
        self._row_clicked(index)
        return True

    # --- export --------------------------------------------------------------------
    def _render(self, p: QPainter) -> None:
        """Header, lifelines and every row, painted directly.

        Not QGraphicsScene.render(): in PySide6 6.12 each call drops a reference to
        None too many (fatal "none_dealloc" at exit), so the rows paint themselves.
        """
        size = self._export_size()
        rect = QRectF(0, 0, size.width(), size.height() - HEADER_H)
        self.paint_header(p, 0.0, rect.width())
        p.save()
        p.translate(0, HEADER_H)
        p.setClipRect(QRectF(0, 0, rect.width(), rect.height()))
        self.scene.drawBackground(p, QRectF(0, 0, rect.width(), rect.height()))
        self._exporting = True
        try:
            for row in self.model.rows:  # every row, with an item or not
                if row.index > self.model.pos:
                    break
                p.save()
                p.translate(0, row.top)
                paint_row(self, p, row, False)
                p.restore()
        finally:
            self._exporting = False
            p.restore()

    def _export_size(self) -> QSize:
        return QSize(*self.model.export_size())

    def export_svg(self, path: str | os.PathLike[str]) -> None:
        """The diagram as shown (same filters) as SVG; written to a temp name, then renamed."""
        from PySide6.QtSvg import QSvgGenerator

        self._sync()
        target = Path(path)
        size = self._export_size()
        scenario = getattr(self.controller, "scenario", None)
        with atomic_path(target) as tmp:
            gen = QSvgGenerator()
            gen.setFileName(str(tmp))
            gen.setSize(size)
            gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
            gen.setTitle(f"hmipviz sequence diagram: {getattr(scenario, 'name', '')}")
            gen.setDescription("Packet hops in time order, generated by hmipviz")
            p = QPainter()
            try:
                if not p.begin(gen):
                    raise OSError(f"cannot write {target}")
                p.setRenderHints(QPainter.RenderHint.Antialiasing
                                 | QPainter.RenderHint.TextAntialiasing)
                self._render(p)
            finally:
                if p.isActive():
                    p.end()
            if tmp.stat().st_size == 0:
                raise OSError(f"cannot write {target}")

    def export_png(self, path: str | os.PathLike[str], scale: float = 1.0) -> None:
        """The diagram as PNG; raises ValueError when it would be too tall (use SVG,
        or hide data packets)."""
        self._sync()
        target = Path(path)
        size = self._export_size()
        w, h = int(size.width() * scale), int(size.height() * scale)
        if max(w, h) > MAX_PNG_SIDE:
            raise ValueError(f"the diagram is {h} pixels tall, too big for a PNG: hide data "
                             "packets or export SVG instead")
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QApplication.palette().color(QPalette.ColorRole.Base))
        p = QPainter(image)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        p.scale(scale, scale)
        self._render(p)
        p.end()
        with atomic_path(target) as tmp:
            # PySide6 6.11's stub types format as bytes; the binding accepts only str
            if not image.save(str(tmp), "PNG"):  # type: ignore[call-overload]
                raise OSError(f"cannot write {target}")

    def export_dialog(self) -> None:
        """Ask where, write SVG or PNG (by suffix or the filter chosen), remember the
        folder (the dock's Export button and File > Export ladder diagram)."""
        scenario = getattr(self.controller, "scenario", None)
        name = f"{getattr(scenario, 'name', 'ladder')}-ladder.svg"
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export sequence diagram", export_start(name),
            "SVG image (*.svg);;PNG image (*.png)")
        if not path:
            return
        try:
            if path.lower().endswith(".png") or (chosen.startswith("PNG") and
                                                 not path.lower().endswith(".svg")):
                self.export_png(path if path.lower().endswith(".png") else path + ".png")
            else:
                self.export_svg(path if path.lower().endswith(".svg") else path + ".svg")
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not export the diagram", str(exc))
            return
        remember_export(path)  # the next export dialog starts in this folder


__all__ = ["QtLadder", "lifeline_order"]
