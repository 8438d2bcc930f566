"""The event list: every trace event as a table row, filterable, searchable.

``QtEventList(controller)``: a QTableView over :class:`EventTableModel` (a
QAbstractTableModel reading the controller's trace) through :class:`EventFilterModel`
(kind, node, MN and text filters). Selecting a row selects that event in every view and
seeks playback there; rows after the current position are drawn greyed (they are the
future of the history, still selectable).
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz.engine.events import PacketReceived, PacketSent
from hmipviz.gui import theme
from hmipviz.gui.event_words import (
    event_direction,
    event_kind,
    event_rfc,
    event_text,
)
from hmipviz.gui.mn_picker import MnPicker

COLUMNS = ("#", "Time (s)", "Node", "Direction", "Kind", "Summary", "RFC")
COL_INDEX, COL_TIME, COL_NODE, COL_DIR, COL_KIND, COL_SUMMARY, COL_RFC = range(7)

KindRole = Qt.ItemDataRole.UserRole + 1
NodesRole = Qt.ItemDataRole.UserRole + 2
TraceIndexRole = Qt.ItemDataRole.UserRole + 3
HopRole = Qt.ItemDataRole.UserRole + 4

NON_PACKET_KINDS = ("binding", "handover", "link", "movement", "MAP selection", "MN state",
                    "node status", "note")


class EventTableModel(QAbstractTableModel):
    """Rows = the controller's trace events, in order (row == trace index)."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._rows = 0
        self._position = -1
        self._marked = -1
        self._future = QBrush(theme.muted_text())
        self._bold = QFont()
        self._bold.setBold(True)
        self._mono = theme.mono_cell_font()  # the table's size
        self._current_bg = QBrush(QColor(0, 114, 178, 40))
        controller.scenarioLoaded.connect(self.reset)
        controller.traceExtended.connect(self._on_extended)
        controller.traceTruncated.connect(self._on_extended)
        controller.positionChanged.connect(self._on_position)

    # --- following the controller -----------------------------------------------------
    def reset(self) -> None:
        self.beginResetModel()
        self._rows = len(self.controller.trace)
        self._position = self.controller.position
        self.endResetModel()

    def _on_extended(self, n: int) -> None:
        n = len(self.controller.trace)
        if n > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, n - 1)
            self._rows = n
            self.endInsertRows()
        elif n < self._rows:
            self.beginRemoveRows(QModelIndex(), n, self._rows - 1)
            self._rows = n
            self.endRemoveRows()

    def _on_position(self, i: int) -> None:
        old, self._position = self._position, i
        lo, hi = sorted((old, i))
        lo = max(lo, 0)
        hi = min(hi + 1, self._rows - 1)
        if self._rows and hi >= lo:
            self.dataChanged.emit(self.index(lo, 0), self.index(hi, len(COLUMNS) - 1),
                                  [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole,
                                   Qt.ItemDataRole.BackgroundRole])

    # --- the model --------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def event_at(self, row: int):
        trace = self.controller.trace
        return trace[row] if 0 <= row < len(trace) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        e = self.event_at(row)
        if e is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_INDEX:
                return row + 1  # numbered from 1, as the toolbar's "event N of M"
            if col == COL_TIME:
                return f"{e.t:.4f}"
            if col == COL_NODE:
                return e.node
            if col == COL_DIR:
                return event_direction(e) if isinstance(e, PacketSent) else (
                    "\u2192 " + e.node if isinstance(e, PacketReceived) else "")
            if col == COL_KIND:
                return event_kind(e)
            if col == COL_SUMMARY:
                return event_text(e)
            if col == COL_RFC:
                return event_rfc(e)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            text = event_text(e)
            if isinstance(e, PacketSent):
                text += (f"\nhop {e.node} \u2192 {e.to_node} on link {e.link}, "
                         f"delay {(e.arrive_t - e.t) * 1000:.3g} ms, {len(e.data)} bytes")
            return text
        if role == Qt.ItemDataRole.ForegroundRole:
            if row > self._position:
                return self._future
            if col == COL_KIND and isinstance(e, PacketSent):
                return QBrush(theme.kind_color(e.kind).darker(115))
            return None
        if role == Qt.ItemDataRole.FontRole:
            if row == self._position:
                return self._bold
            if col in (COL_TIME, COL_INDEX):
                return self._mono
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if row == self._position:
                return self._current_bg
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_INDEX, COL_TIME):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == KindRole:
            return event_kind(e)
        if role == NodesRole:
            return (e.node, e.to_node) if isinstance(e, PacketSent) else (e.node,)
        if role == TraceIndexRole:
            return row
        if role == HopRole:
            return not isinstance(e, PacketSent) or e.origin
        return None


    def apply_theme(self) -> None:
        """Future rows' grey for the light or dark theme (gui/theme_scheme.py)."""
        self._future = QBrush(theme.muted_text())
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self._rows - 1, self.columnCount() - 1))


class EventFilterModel(QSortFilterProxyModel):
    """Kind / node / text filters over :class:`EventTableModel`."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.hidden_kinds: set[str] = set()
        self.node = ""  # "" = every node
        self.text = ""
        self.first_hop_only = False
        self.hide_state = False
        self.mn = ""  # "" = every MN; else only the events that concern this MN

    def set_filters(self, *, hidden_kinds=None, node=None, text=None,
                    first_hop_only=None, mn=None) -> None:
        new_api = hasattr(QSortFilterProxyModel, "beginFilterChange")  # Qt >= 6.9
        if new_api:
            self.beginFilterChange()  # before the parameters change
        if hidden_kinds is not None:
            self.hidden_kinds = set(hidden_kinds)
        if node is not None:
            self.node = node
        if text is not None:
            self.text = text.strip().lower()
        if first_hop_only is not None:
            self.first_hop_only = first_hop_only
        if mn is not None:
            self.mn = mn
        if new_api:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = cast(EventTableModel, self.sourceModel())  # the only source it is given
        e = model.event_at(row)
        if e is None:
            return False
        kind = event_kind(e)
        if kind in self.hidden_kinds:
            return False
        if self.first_hop_only and isinstance(e, PacketSent) and not e.origin:
            return False
        if self.mn and model.controller.mn_of(row) != self.mn:
            return False
        if self.node:
            nodes = (e.node, e.to_node) if isinstance(e, PacketSent) else (e.node,)
            if self.node not in nodes:
                return False
        if self.text:
            hay = " ".join((event_text(e), kind, e.node, event_rfc(e),
                            getattr(e, "to_node", ""))).lower()
            if self.text not in hay:
                return False
        return True


class QtEventList(QWidget):
    """Filter bar + table. ``controller.select(i)`` on click; follows the position."""

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("eventList")
        self.setAccessibleName("Event list")
        self.model = EventTableModel(controller, self)
        self.proxy = EventFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.follow = True  # keep the current position's row in view

        # --- filter bar --------------------------------------------------------------
        self.kind_button = QToolButton()
        self.kind_button.setText("Kinds \u25be")
        self.kind_button.setAccessibleName("Filter by message kind")
        self.kind_button.setToolTip("Show or hide message kinds and other events")
        self.kind_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kind_menu = QMenu(self)
        self.kind_actions: dict[str, QAction] = {}
        for kind in tuple(theme.KIND_ORDER) + NON_PACKET_KINDS:
            act = QAction(kind, self.kind_menu, checkable=True, checked=True)
            act.toggled.connect(self._kinds_changed)
            self.kind_menu.addAction(act)
            self.kind_actions[kind] = act
            if kind == theme.KIND_ORDER[-1]:
                self.kind_menu.addSeparator()
        self.kind_menu.addSeparator()
        self.kind_menu.addAction("Show all", lambda: self._set_all_kinds(True))
        self.kind_menu.addAction("Signalling only", self._signalling_only)
        self.kind_button.setMenu(self.kind_menu)

        self.node_box = QComboBox()
        self.node_box.setAccessibleName("Filter by node")
        self.node_box.setToolTip("Only events at (or hops from/to) this node")
        self.node_box.currentIndexChanged.connect(self._node_changed)

        self.hops_box = QCheckBox("First hop only")
        self.hops_box.setAccessibleName("Show only the first hop of each packet")
        self.hops_box.setToolTip("Hide the forwarding hops: one row per packet sent")
        self.hops_box.toggled.connect(self._hops_changed)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search events (address, kind, RFC section…)")
        self.search.setAccessibleName("Search events")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(self._search_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())

        self.count = QLabel()
        self.count.setAccessibleName("Event count")
        self.mn_box = MnPicker(controller, self)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 2)
        bar.addWidget(self.kind_button)
        bar.addWidget(self.mn_box)
        bar.addWidget(self.node_box)
        bar.addWidget(self.hops_box)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)

        # --- table ---------------------------------------------------------------------
        self.table = QTableView()
        self.table.setAccessibleName("Events table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 6)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(COL_SUMMARY, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        for col, sample in ((COL_INDEX, "00000"), (COL_TIME, "000.0000 "),
                            (COL_NODE, "MAP1 MAP"), (COL_DIR, "MAP1 \u2192 AR12 "),
                            (COL_KIND, "Binding Error  "), (COL_RFC, "RFC 5380 s.6.1, s.10")):
            hh.resizeSection(col, fm.horizontalAdvance(sample) + 16)
        # keyboard navigation in the table selects too; deferred, because the current row
        # also changes while the filter removes rows (a model update must not re-enter)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.clicked.connect(lambda idx: self._row_activated(idx, None))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)

        self._syncing = False
        self._scroll_timer = QTimer(self, singleShot=True, interval=60)
        self._selection_timer = QTimer(self, singleShot=True, interval=150)
        self._selection_timer.timeout.connect(self._flush_selection)
        self._scroll_timer.timeout.connect(self._scroll_to_position)
        controller.scenarioLoaded.connect(self._on_scenario)
        controller.selectionChanged.connect(self._on_selection)
        controller.positionChanged.connect(lambda _i: self._scroll_timer.start())
        controller.traceExtended.connect(self._update_count)
        if hasattr(controller, "mnSelected"):
            controller.mnSelected.connect(self._mn_chosen)
        playing = getattr(controller, "playingChanged", None)
        if playing is not None:  # paused: the row of the selection at once
            playing.connect(lambda on: None if on else self._flush_selection())
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        # a filter change removes rows or lays them out again: the count follows
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._on_scenario()

    def apply_theme(self) -> None:  # gui/theme_scheme.py calls it on a theme change
        self.model.apply_theme()

    # --- filters ------------------------------------------------------------------------
    def _on_scenario(self) -> None:
        self.model.reset()
        self.node_box.blockSignals(True)
        self.node_box.clear()
        self.node_box.addItem("All nodes", "")
        sc = self.controller.scenario
        if sc is not None:
            for n in sc.nodes:
                self.node_box.addItem(n.name, n.name)
        self.node_box.blockSignals(False)
        self.proxy.set_filters(node="")
        self._update_count()

    def _mn_chosen(self, name: str) -> None:
        """Only the chosen MN's events (""): all of them)."""
        self.proxy.set_filters(mn=name)
        self._update_count()
        self._scroll_timer.start()

    def _kinds_changed(self, _on=None) -> None:
        hidden = {k for k, a in self.kind_actions.items() if not a.isChecked()}
        self.proxy.set_filters(hidden_kinds=hidden)
        self.kind_button.setText("Kinds \u25be" if not hidden else
                                 f"Kinds ({len(self.kind_actions) - len(hidden)}) \u25be")
        self._after_filter()

    def _set_all_kinds(self, on: bool) -> None:
        for a in self.kind_actions.values():
            a.blockSignals(True)
            a.setChecked(on)
            a.blockSignals(False)
        self._kinds_changed()

    def _signalling_only(self) -> None:
        from hmipviz.engine import describe as d
        keep = {d.LOCAL_BU, d.LOCAL_BA, d.HOME_BU, d.HOME_BA, d.CN_BU, d.CN_BA, d.HOTI,
                d.COTI, d.HOT, d.COT, d.BE, d.BRR, d.RS, d.RA, "binding", "handover"}
        for k, a in self.kind_actions.items():
            a.blockSignals(True)
            a.setChecked(k in keep)
            a.blockSignals(False)
        self._kinds_changed()

    def set_hidden_kinds(self, kinds) -> None:
        kinds = set(kinds)
        for k, a in self.kind_actions.items():
            a.blockSignals(True)
            a.setChecked(k not in kinds)
            a.blockSignals(False)
        self._kinds_changed()

    def _node_changed(self, _i: int) -> None:
        self.proxy.set_filters(node=self.node_box.currentData() or "")
        self._after_filter()

    def _search_changed(self) -> None:
        self.proxy.set_filters(text=self.search.text())
        self._after_filter()

    def _hops_changed(self, on: bool) -> None:
        self.proxy.set_filters(first_hop_only=on)
        self._after_filter()

    def _after_filter(self) -> None:
        """After the filters change (a search cleared too): the count of what matches,
        and the current event in view, not the top of the table (issue 13), once the
        table has laid its rows out again (the next turn of the event loop)."""
        self._update_count()
        QTimer.singleShot(0, self._scroll_to_current)

    def _scroll_to_current(self) -> None:
        i = self.controller.selected
        if i is None or i < 0:
            i = self.controller.position
        if i < 0:
            self.table.scrollToTop()
            return
        k = i
        idx = self.proxy.mapFromSource(self.model.index(k, 0))
        while not idx.isValid() and k > 0 and i - k < 2000:
            k -= 1  # hidden by the filters: the last row shown before it
            idx = self.proxy.mapFromSource(self.model.index(k, 0))
        if idx.isValid():
            self.table.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _update_count(self, *_a) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {total}" if shown != total else f"{total} events")

    # --- selection ----------------------------------------------------------------------
    def _current_row_changed(self, current: QModelIndex, _previous) -> None:
        if self._syncing or not self.table.hasFocus() or not current.isValid():
            return
        source_row = self.proxy.mapToSource(current).row()
        QTimer.singleShot(0, lambda: self._select_source_row(source_row))

    def _select_source_row(self, i: int) -> None:
        if 0 <= i < len(self.controller.trace) and i != self.controller.selected:
            self.controller.select(i)

    def _row_activated(self, current: QModelIndex, _previous) -> None:
        if self._syncing or not current.isValid():
            return
        i = self.proxy.mapToSource(current).row()
        if i != self.controller.selected:
            self.controller.select(i)

    def _on_selection(self, i: int) -> None:
        if getattr(self.controller, "playing", False):
            # while playing the selection follows every frame: show it a few times a
            # second (selecting a row in a long table costs milliseconds)
            if not self._selection_timer.isActive():
                self._selection_timer.start()
            return
        self._selection_timer.stop()
        self._show_selection(i)

    def _flush_selection(self) -> None:
        self._show_selection(self.controller.selected)

    def _show_selection(self, i: int) -> None:
        self._syncing = True
        try:
            if i < 0:
                self.table.clearSelection()
                return
            src = self.model.index(i, 0)
            idx = self.proxy.mapFromSource(src)
            if idx.isValid():
                self.table.selectRow(idx.row())
                self.table.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._syncing = False

    def _scroll_to_position(self) -> None:
        if not self.follow or not self.isVisible():
            return
        p = self.controller.position
        if p < 0:
            self.table.scrollToTop()
            return
        # the last visible row at or before the position
        idx = self.proxy.mapFromSource(self.model.index(p, 0))
        k = p
        while not idx.isValid() and k > 0 and p - k < 200:
            k -= 1
            idx = self.proxy.mapFromSource(self.model.index(k, 0))
        if idx.isValid():
            self.table.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)

    def visible_rows(self) -> list[int]:
        """Trace indices of the rows the filters let through (tests, lessons)."""
        return [self.proxy.mapToSource(self.proxy.index(r, 0)).row()
                for r in range(self.proxy.rowCount())]


__all__ = ["QtEventList", "EventTableModel", "EventFilterModel", "COLUMNS"]
