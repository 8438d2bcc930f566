"""Binding caches dock: the MNs' binding update lists and every MAP / HA / CN cache.

``QtBindingCaches(controller)`` shows one small table per cache-holding node, each a
:class:`CacheTableModel` (QAbstractTableModel) over the rows the controller folds
from the trace up to the current position (``controller.caches_at``). The remaining
lifetime counts down with the simulated time on screen; a row that just changed
flashes for about a second; the row the current message (or the selected event)
touches is outlined.

With several MNs the binding update lists share one table and every table gets an
"MN" column; choosing an MN (the combo box here, or a click on the canvas) keeps only
that MN's entries (``controller.caches_at(i, mn)``), "All MNs" shows them all.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QElapsedTimer,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmipviz.engine import describe
from hmipviz.engine.events import BindingChanged, PacketSent
from hmipviz.gui import theme
from hmipviz.gui.mn_picker import MnPicker
from hmipviz.timeline import CacheRow, CachesAt

FLASH_MS = 1000.0
BUL = "binding update list"


@lru_cache(maxsize=4096)
def _short(address: str) -> str:
    """theme.short_address, remembered: a table repaints its cells often and many MNs
    make many cells."""
    return theme.short_address(address)


def _row_key(row: CacheRow) -> tuple:
    return (row.peer, row.home_address) if row.table == BUL else (row.home_address,)


def _row_state(row: CacheRow) -> tuple:
    return (row.care_of_address, row.sequence, row.lifetime_s, row.change, row.since_t)


class CacheTableModel(QAbstractTableModel):
    """One binding cache (or the binding update list) at one moment."""

    def __init__(self, owner: str, is_bul: bool, parent=None, mn_column: bool = False) -> None:
        super().__init__(parent)
        self.owner = owner
        self.is_bul = is_bul
        self.rows: list[CacheRow] = []
        self.now = 0.0
        self.flash: dict[tuple, float] = {}  # key -> clock ms when the flash started
        self.outlined: set[tuple] = set()
        self.clock: QElapsedTimer | None = None
        self._remaining_text: list[str] = []
        first = "Home address / RCoA"  # set_first_header() names it for a MAP or a HA
        self.columns: tuple[str, ...]
        if is_bul:
            self.columns = ("Peer", first, "Care-of address", "Seq", "Remaining", "State")
        else:
            self.columns = (first, "Care-of address", "Seq", "Remaining")
        self._first_col = 1 if is_bul else 0
        if mn_column:  # several MNs: whose entry each row is
            self.columns = ("MN",) + self.columns
            self._first_col += 1
        self._mono = theme.mono_cell_font()  # the table's size
        self._flash_colour = QColor(theme.FLASH)

    def set_first_header(self, text: str) -> None:
        cols = list(self.columns)
        cols[self._first_col] = text
        self.columns = tuple(cols)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(cols) - 1)

    # --- updates --------------------------------------------------------------------
    def set_rows(self, rows: list[CacheRow], now: float, flash_keys: set[tuple],
                 outlined: set[tuple], clock_ms: float) -> bool:
        """Show ``rows``; True when a row's content changed (columns may need new
        widths), not just its outline or flash."""
        same_shape = [_row_key(r) for r in rows] == [_row_key(r) for r in self.rows]
        for k in flash_keys:
            self.flash[k] = clock_ms
        self.now = now
        outlined = set(outlined)
        if same_shape:
            # repaint only the rows that changed (many MNs: many rows, and every
            # repaint of a resize-to-contents table reads all of them)
            old_outlined, old_rows = self.outlined, self.rows
            self.outlined = outlined
            self.rows = rows
            content = [r for r, (a, b) in enumerate(zip(old_rows, rows, strict=False)) if a != b]
            changed = content + [
                r for r, b in enumerate(rows)
                if (_row_key(b) in outlined) != (_row_key(b) in old_outlined)
                or _row_key(b) in flash_keys]
            self._remaining_text = [self._remaining(r) for r in rows]
            if changed:
                self.dataChanged.emit(self.index(min(changed), 0),
                                      self.index(max(changed), len(self.columns) - 1))
            return bool(content)
        self.beginResetModel()
        self.outlined = outlined
        self.rows = rows
        self._remaining_text = [self._remaining(r) for r in rows]
        self.endResetModel()
        return True

    def set_now(self, now: float) -> None:
        """Count the remaining lifetimes down; repaint only cells whose text changed."""
        self.now = now
        col = self.columns.index("Remaining")
        changed = []
        for r, row in enumerate(self.rows):
            text = self._remaining(row)
            if r < len(self._remaining_text) and text != self._remaining_text[r]:
                self._remaining_text[r] = text
                changed.append(r)
        if changed:  # one signal for the column: one repaint, however many rows
            self.dataChanged.emit(self.index(changed[0], col), self.index(changed[-1], col),
                                  [Qt.ItemDataRole.DisplayRole])

    def flashing(self, clock_ms: float) -> bool:
        live = {k: t for k, t in self.flash.items() if clock_ms - t < FLASH_MS}
        fading = self.flash.keys() | live.keys()  # still fading, or just done
        self.flash = live
        rows = [r for r, row in enumerate(self.rows) if _row_key(row) in fading]
        if rows:  # repaint the flashing rows only
            self.dataChanged.emit(self.index(rows[0], 0),
                                  self.index(rows[-1], len(self.columns) - 1),
                                  [Qt.ItemDataRole.BackgroundRole])
        return bool(live)

    def _remaining(self, row: CacheRow) -> str:
        return f"{row.remaining_s(self.now):.1f} of {row.lifetime_s} s"

    def is_outlined(self, r: int) -> bool:
        return 0 <= r < len(self.rows) and _row_key(self.rows[r]) in self.outlined

    def key_of(self, r: int) -> tuple:
        return _row_key(self.rows[r])

    # --- model ------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        name = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, name)
        if role == Qt.ItemDataRole.FontRole and name in (
                "Home address / RCoA", "Care-of address", "RCoA", "Home address"):
            return self._mono
        if role == Qt.ItemDataRole.BackgroundRole:
            start = self.flash.get(_row_key(row))
            if start is not None and self.clock is not None:
                age = self.clock.elapsed() - start
                if age < FLASH_MS:
                    c = QColor(self._flash_colour)
                    c.setAlpha(int(200 * (1 - age / FLASH_MS)))
                    return QBrush(c)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and row.pending:
            return QBrush(theme.muted_text())
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = "binding update list entry" if row.table == BUL else "binding cache entry"
            return (f"{row.node} {kind}\n{row.home_address} \u2192 {row.care_of_address}\n"
                    f"sequence {row.sequence}, lifetime {row.lifetime_s} s, flags "
                    f"{row.flags or '-'}\nlast change: {row.change} at t = {row.since_t:.4f} s "
                    f"(event {row.index + 1}; double-click to go there)")
        if role == Qt.ItemDataRole.TextAlignmentRole and name in ("Seq", "Remaining"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def cell_text(self, row: CacheRow, name: str) -> str:
        if name == "MN":
            return row.node if row.table == BUL else row.peer
        if name == "Peer":
            return row.peer
        if name == "Care-of address":
            return _short(row.care_of_address)
        if name == "Seq":
            return str(row.sequence)
        if name == "Remaining":
            return self._remaining(row)
        if name == "State":
            return "BU sent, no BA yet" if row.pending else "acknowledged"
        return _short(row.home_address)

    def column_texts(self, name: str) -> list[str]:
        """Every row's text in column ``name`` (tests, lessons)."""
        return [self.cell_text(r, name) for r in self.rows]


class _OutlineDelegate(QStyledItemDelegate):
    """Draws the outline around the row the current message touches."""

    def paint(self, painter: QPainter, option, index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        model = cast(CacheTableModel, index.model())  # this delegate is set on its tables only
        if not model.is_outlined(index.row()):
            return
        painter.save()
        pen = QPen(theme.HIGHLIGHT, 2)
        painter.setPen(pen)
        r: QRect = option.rect.adjusted(0, 1, 0, -1)
        painter.drawLine(r.topLeft(), r.topRight())
        painter.drawLine(r.bottomLeft(), r.bottomRight())
        if index.column() == 0:
            painter.drawLine(r.topLeft(), r.bottomLeft())
        if index.column() == model.columnCount() - 1:
            painter.drawLine(r.topRight(), r.bottomRight())
        painter.restore()


class _Section(QWidget):
    """Title + table (or 'empty') for one node's cache."""

    def __init__(self, title: str, role: str, model: CacheTableModel, controller) -> None:
        super().__init__()
        self.model = model
        self.controller = controller
        self.setAccessibleName(title)
        chip = QLabel(theme.ROLE_LETTER.get(role, role.upper()))
        chip.setStyleSheet(f"background:{theme.ROLE_FILL.get(role, '#777')}; color:white;"
                           "border-radius:3px; padding:0px 4px; font-weight:bold;")
        chip.setFont(theme.ui_font(-1.5, bold=True))
        self.title = QLabel(title)
        self.title.setFont(theme.ui_font(0, bold=True))
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet(f"color:{theme.muted_text().name()}")
        head = self.head = QHBoxLayout()  # the title row (the MN chooser joins it)
        head.setContentsMargins(2, 3, 2, 1)
        head.addWidget(chip)
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 1)
        self.table = QTableView()
        self.table.setAccessibleName(f"{title} table")
        self.table.setModel(model)
        self.table.setItemDelegate(_OutlineDelegate(self.table))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        # With several MNs the tables are long and the lifetimes count down every
        # frame: columns are sized when rows change (resize-to-contents would read
        # every row on each countdown tick). One MN: sized by Qt, as always.
        self._manual_widths = "MN" in model.columns
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive if self._manual_widths
                                else QHeaderView.ResizeMode.ResizeToContents)
        hh.setStretchLastSection(True)
        # compact rows: every cache of two MAP domains in view at 1600x1000 (issue 13)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.table.doubleClicked.connect(self._go_to_change)
        self.empty = QLabel("no bindings")
        self.empty.setStyleSheet(f"color:{theme.muted_text().name()}; font-style:italic;"
                                 "padding-left:6px")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.table)
        lay.addWidget(self.empty)
        model.modelReset.connect(self._fit)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._manual_widths:
            self.table.resizeColumnsToContents()

    def _fit(self, resize: bool = True) -> None:
        if resize and self._manual_widths:
            self.table.resizeColumnsToContents()
        n = self.model.rowCount()
        self.table.setVisible(n > 0)
        self.empty.setVisible(n == 0)
        h = self.table.horizontalHeader().sizeHint().height()
        h += n * self.table.verticalHeader().defaultSectionSize()
        sb = self.table.horizontalScrollBar()
        extra = sb.sizeHint().height() if sb.isVisible() else 0
        self.table.setFixedHeight(h + 2 * self.table.frameWidth() + extra + 2)

    def _go_to_change(self, index: QModelIndex) -> None:
        if index.isValid():
            self.controller.select(self.model.rows[index.row()].index)


class QtBindingCaches(QWidget):
    """Every binding cache and the MN's binding update list, following the position."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("bindingCaches")
        self.setAccessibleName("Binding caches")
        self.models: dict[str, CacheTableModel] = {}  # node name -> model; BUL under "MN"
        self.sections: dict[str, _Section] = {}
        self._shown: dict[str, dict[tuple, tuple]] = {}
        self._clock = QElapsedTimer()
        self._clock.start()
        self._flash_timer = QTimer(self, interval=40)
        self._flash_timer.timeout.connect(self._flash_tick)
        self._decoded: dict[int, str | None] = {}
        self._last_position = -1
        self._state_key: tuple | None = None
        self._state: CachesAt | None = None

        self.mn_box = MnPicker(controller, self)
        self.inner = QWidget()
        self.inner_layout = QVBoxLayout(self.inner)
        self.inner_layout.setContentsMargins(6, 0, 6, 6)
        self.inner_layout.setSpacing(4)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.inner)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll_area)
        if hasattr(controller, "mnSelected"):
            controller.mnSelected.connect(self._mn_chosen)

        controller.scenarioLoaded.connect(self._build)
        controller.positionChanged.connect(self._refresh)
        controller.selectionChanged.connect(lambda _i: self._refresh(controller.position))
        controller.frameAdvanced.connect(self._on_frame)
        controller.traceExtended.connect(self._maybe_new_tables)
        truncated = getattr(controller, "traceTruncated", None)
        if truncated is not None:  # a new branch: the remembered fold is of the old one
            truncated.connect(self._forget_state)
        self._build()

    # --- structure --------------------------------------------------------------------
    def _build(self) -> None:
        self.mn_box.setParent(self)  # out of the old title row before it is deleted
        self.mn_box.hide()
        while self.inner_layout.count():
            item = self.inner_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget:
                widget.deleteLater()
        for model in self.models.values():  # children of this widget: delete them too
            model.deleteLater()
        self.models.clear()
        self.sections.clear()
        self._shown.clear()
        self._decoded.clear()
        self._state_key = None
        c = self.controller
        if c.scenario is None:
            return
        mn = c.mn_name or "MN"
        bul = self._add_section(mn, self._bul_title(), "mn", True)
        if self._several():  # the MN chooser in the list's title row (no extra row)
            bul.subtitle.setText("")
            bul.head.addWidget(self.mn_box)
            self.mn_box.show()
        for name in c.cache_nodes():
            self._add_cache_section(name)
        self.inner_layout.addStretch(1)
        self._refresh(c.position)

    def _add_cache_section(self, name: str) -> None:
        spec = next((n for n in self.controller.scenario.nodes if n.name == name), None)
        role = spec.role if spec else "cn"
        if spec is not None and spec.role == "ar":
            role = "map"
        section = self._add_section(name, f"{name} binding cache", role, False)
        header = {"map": "RCoA", "ha": "Home address", "cn": "Home address"}.get(role)
        if header:
            section.model.set_first_header(header)
        section.subtitle.setText({"map": "RCoA \u2192 LCoA", "ha": "home address \u2192 CoA",
                                  "cn": "home address \u2192 CoA"}.get(role, ""))

    def _several(self) -> bool:
        return len(getattr(self.controller, "mn_names", ()) or ()) > 1

    def _bul_title(self) -> str:
        c = self.controller
        chosen = getattr(c, "selected_mn", "")
        if chosen:
            return f"{chosen} binding update list"
        if self._several():
            return "Binding update lists (every MN)"
        return f"{c.mn_name or 'MN'} binding update list"

    def bul_model(self) -> CacheTableModel | None:
        """The binding update list table (every MN's, or the chosen MN's)."""
        return self.models.get(self.controller.mn_name or "MN")

    def _mn_chosen(self, _name: str) -> None:
        section = self.sections.get(self.controller.mn_name or "MN")
        if section is not None:
            section.title.setText(self._bul_title())
        self._shown.clear()  # no flash: the rows changed by the filter, not the run
        self._refresh(self.controller.position)

    def _add_section(self, key: str, title: str, role: str, is_bul: bool) -> _Section:
        model = CacheTableModel(key, is_bul, self, mn_column=self._several())
        model.clock = self._clock
        section = _Section(title, role, model, self.controller)
        if is_bul:
            section.subtitle.setText("what the MN asked for")
        self.models[key] = model
        self.sections[key] = section
        pos = self.inner_layout.count()
        last = self.inner_layout.itemAt(pos - 1) if pos else None
        if last is not None and last.spacerItem() is not None:
            pos -= 1
        self.inner_layout.insertWidget(pos, section)
        return section

    def _forget_state(self, *_args) -> None:
        self._state_key = None
        self._decoded.clear()

    def _maybe_new_tables(self, _n: int) -> None:
        c = self.controller
        if c.scenario is None:
            return
        for name in c.cache_nodes():
            if name not in self.models:
                self._add_cache_section(name)

    # --- following the controller -------------------------------------------------------
    def _touched(self, i: int) -> set[tuple]:
        """Keys of the rows event ``i`` touches (its binding, or the BU/BA's address)."""
        e = self.controller.event_at(i)
        if isinstance(e, BindingChanged):
            return {(e.home_address,), (e.peer, e.home_address)}
        if isinstance(e, PacketSent) and e.kind in (
                describe.LOCAL_BU, describe.LOCAL_BA, describe.HOME_BU, describe.HOME_BA,
                describe.CN_BU, describe.CN_BA):
            address = self._binding_address(i, e)
            if address:
                return {("*", address)}
        return set()

    def _binding_address(self, i: int, e: PacketSent) -> str | None:
        """The home address (or RCoA) a BU/BA is about, read from its bytes."""
        if i in self._decoded:
            return self._decoded[i]
        address = None
        try:
            from hmipviz.wire.codec import decode
            p = decode(e.data).innermost()
            if p.hao is not None:
                address = str(p.hao.home_address)
            elif p.routing is not None:
                address = str(p.routing.home_address)
        except Exception:  # a crafted packet: nothing to outline
            address = None
        self._decoded[i] = address
        return address

    def _refresh(self, position: int) -> None:
        c = self.controller
        if c.scenario is None or not self.models:
            return
        key = (position, getattr(c, "selected_mn", ""), len(c.trace))
        state = self._state
        if self._state_key != key or state is None:  # a position and a selection change: fold once
            self._state_key = key
            state = self._state = c.caches_at(position, key[1] or None)
        now = c.display_time()
        touched = self._touched(c.current_message(position))
        sel = c.selected
        if 0 <= sel <= position:
            touched |= self._touched(sel)
        wildcard = {k[1] for k in touched if k and k[0] == "*"}
        clock_ms = self._clock.elapsed()
        # flash what a step changed, not everything a long jump changed
        small_step = abs(position - self._last_position) <= 100
        self._last_position = position
        tables = dict(state.caches)
        tables[c.mn_name or "MN"] = state.bul
        if self._several():  # MN by MN, in scenario order, whatever order they bound
            rank = {name: k for k, name in enumerate(c.mn_names)}
            tables = {key: sorted(rows, key=lambda r: (
                rank.get(r.node if r.table == BUL else r.peer, len(rank)), r.peer))
                for key, rows in tables.items()}
        any_flash = False
        for key, rows in tables.items():
            model = self.models.get(key)
            if model is None:
                self._add_cache_section(key)
                model = self.models[key]
            old = self._shown.get(key)
            new = {_row_key(r): _row_state(r) for r in rows}
            flash = set()
            if old is not None and small_step:
                flash = {k for k, v in new.items() if old.get(k) != v}
            self._shown[key] = new
            outlined = {k for k in new if k in touched or k[-1] in wildcard}
            changed = model.set_rows(rows, now, flash, outlined, clock_ms)
            self.sections[key]._fit(resize=changed)
            any_flash |= bool(flash)
        if any_flash and not self._flash_timer.isActive():
            self._flash_timer.start()

    def _on_frame(self, t: float) -> None:
        for model in self.models.values():
            model.set_now(t)

    def _flash_tick(self) -> None:
        now = self._clock.elapsed()
        alive = False
        for model in self.models.values():
            alive |= model.flashing(now)
        if not alive:
            self._flash_timer.stop()

    # --- for tests and lessons ---------------------------------------------------------
    def model_for(self, node: str) -> CacheTableModel | None:
        return self.models.get(node)


__all__ = ["QtBindingCaches", "CacheTableModel"]
