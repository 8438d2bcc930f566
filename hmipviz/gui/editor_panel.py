"""The scenario editor's property panel: the settings of the selected node, link or
flow (or of the scenario when nothing is selected), each field sending an edit when the
teacher finishes typing. A field the validator has a problem with is outlined in red with
the validator's message as its tooltip, and the item's problems are listed on top."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmipviz.gui import theme
from hmipviz.scenario.edit import (
    AddMapOption,
    Edit,
    Inline,
    RemoveMapOption,
    RenameNode,
    SetItemKey,
    SetMapOptionKey,
    SetNodeKey,
    SetScenarioKey,
    Value,
    node_index,
    read,
    tables,
)
from hmipviz.scenario.edit_check import Problem, Validation
from hmipviz.scenario.model import MODES, SECURITIES

_BAD_STYLE = "border: 2px solid #E0001B; border-radius: 3px; background: #fff0f0; color: black;"
Make = Callable[[Value | None], Edit]


def parse_value(text: str, kind: str) -> Value | None:
    """What a field's text means: "" is None (the key is removed: its default), numbers
    as numbers, lists split at commas; anything unreadable goes in as typed, for the
    validator to word."""
    text = text.strip()
    if not text:
        return None
    if kind == "list":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if kind == "number":
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
    if kind in ("numbers", "points"):  # "x0, y0, x1, y1", "1, 3" or "x, y; x, y"
        if kind == "numbers":
            parts = tuple(parse_value(p, "number") for p in text.split(","))
        else:
            parts = tuple(parse_value(p, "numbers") for p in text.split(";") if p.strip())
        return text if None in parts else parts  # "1,,2" goes in as typed
    return text


def show_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value)
    return str(value)


class PropertyPanel(QScrollArea):
    """See the module docstring; ``editRequested`` carries each Edit."""

    editRequested = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("editorProperties")
        self.setAccessibleName("Properties of the selected item")
        self.setWidgetResizable(True)
        self.setMinimumWidth(300)
        self.key: tuple[str, Any] | None = None
        self.text = ""
        self.validation = Validation(None, ())
        self.fields: dict[str, QWidget] = {}  # by key (map options: "map_options.0.pref")
        self.buttons: dict[str, QPushButton] = {}
        self._body: QWidget | None = None

    # --- building ------------------------------------------------------------------------
    def show_item(self, key: tuple[str, Any] | None, text: str, validation: Validation) -> None:
        self.key, self.text, self.validation = key, text, validation
        doc = read(text)
        for widget in list(self.fields.values()) + list(self.buttons.values()):
            widget.blockSignals(True)  # a focus-out of the old fields edits nothing more
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()  # not now: this may run inside one of its fields' signals
        self.fields.clear()
        self.buttons.clear()
        body = QWidget()
        self._outer = QVBoxLayout(body)
        self._outer.setContentsMargins(10, 10, 10, 10)
        self._outer.setSpacing(8)
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        kind = key[0] if key else "scenario"
        if kind == "node":
            self._node(doc, str(key[1]) if key else "")
        elif kind in ("link", "flow") and key is not None:
            self._item(doc, kind, int(key[1]))
        else:
            self._scenario(doc)
        self._outer.addStretch(1)
        self.setWidget(body)
        self._body = body

    def _title(self, title: str, subtitle: str, problems: list[Problem]) -> None:
        head = QLabel(f"<span style='font-size:large'><b>{html.escape(title, quote=False)}"
                      f"</b></span><br><span style='color:gray'>"
                      f"{html.escape(subtitle, quote=False)}</span>")
        head.setTextFormat(Qt.TextFormat.RichText)
        self._outer.addWidget(head)
        if problems:
            box = QLabel("<br>".join(f"\u26a0 {html.escape(p.what, quote=False)}"
                                     for p in problems))
            box.setObjectName("itemProblems")
            box.setWordWrap(True)
            box.setStyleSheet("background:#fde8ea; color:#8a0010; border:1px solid #E0001B;"
                              "border-radius:4px; padding:6px;")
            self._outer.addWidget(box)
        self._outer.addLayout(self._form)

    def _problems_at(self, prefix: tuple[Any, ...]) -> list[Problem]:
        return [p for p in self.validation.problems if p.path[:len(prefix)] == prefix]

    def _mark(self, widget: QWidget, problems: list[Problem], tip: str = "") -> None:
        if problems:
            widget.setStyleSheet(_BAD_STYLE)
            widget.setToolTip("\n".join(p.message for p in problems))
        elif tip:
            widget.setToolTip(tip)

    def _line(self, label: str, name: str, value: Any, make: Make, kind: str = "text",
              path: tuple[Any, ...] = (), tip: str = "", placeholder: str = "") -> QLineEdit:
        field = QLineEdit(show_value(value))
        field.setPlaceholderText(placeholder)
        field.setAccessibleName(label)
        start = field.text()

        def finished() -> None:
            if field.text() != start:
                self.editRequested.emit(make(parse_value(field.text(), kind)))

        field.editingFinished.connect(finished)
        self._mark(field, self._problems_at(path) if path else [], tip)
        self._form.addRow(label, field)
        self.fields[name] = field
        return field

    def _combo(self, label: str, name: str, value: Any, choices: list[str], make: Make,
               path: tuple[Any, ...] = (), tip: str = "") -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(label)
        shown = show_value(value)
        items = list(choices) if shown in choices else list(choices) + [shown]
        combo.addItems(items)
        combo.setCurrentText(shown)

        def chosen(text: str) -> None:
            if text != shown:
                self.editRequested.emit(make(text or None))

        combo.textActivated.connect(chosen)
        self._mark(combo, self._problems_at(path) if path else [], tip)
        self._form.addRow(label, combo)
        self.fields[name] = combo
        return combo

    def _check(self, label: str, name: str, value: Any, make: Make, default: bool = False,
               tip: str = "") -> QCheckBox:
        box = QCheckBox(label)
        box.setChecked(bool(value) if isinstance(value, bool) else default)
        box.setToolTip(tip)

        def toggled(on: bool) -> None:
            self.editRequested.emit(make(None if on == default else on))

        box.toggled.connect(toggled)
        self._form.addRow("", box)
        self.fields[name] = box
        return box

    # --- the scenario ----------------------------------------------------------------------
    def _scenario(self, doc: dict[str, Any]) -> None:
        section = doc.get("scenario") if isinstance(doc.get("scenario"), dict) else {}
        assert isinstance(section, dict)
        self._title("Scenario", "nothing selected: the scenario's own settings",
                    self._problems_at(("scenario",)) + [p for p in self.validation.problems
                                                        if p.path == ()])

        def make(key: str) -> Make:
            return lambda v: SetScenarioKey(key, v)

        self._line("Name", "name", section.get("name"), make("name"),
                   path=("scenario", "name"), placeholder="the file's name")
        description = _TextBox(str(section.get("description", "")))
        description.setAccessibleName("Description")
        description.setFixedHeight(110)
        start = description.toPlainText()

        def described() -> None:
            if description.toPlainText() != start:
                self.editRequested.emit(SetScenarioKey("description", description.toPlainText()))

        description.editingFinished.connect(described)
        self._form.addRow("Description", description)
        self.fields["description"] = description
        self._combo("Mode", "mode", section.get("mode", "hmipv6"), list(MODES), make("mode"),
                    path=("scenario", "mode"))
        self._line("Duration (s)", "duration_s", section.get("duration_s", 30),
                   make("duration_s"), "number", ("scenario", "duration_s"))
        self._line("Seed", "seed", section.get("seed", 1), make("seed"), "number",
                   ("scenario", "seed"))
        self._combo("Security", "security", section.get("security", "none"), list(SECURITIES),
                    make("security"), path=("scenario", "security"))
        hint = QLabel("<i>Pick a role in the palette and click the canvas to add a node; "
                      "Shift+drag from node to node to link them.</i>")
        hint.setWordWrap(True)
        self._outer.addWidget(hint)

    # --- a node ----------------------------------------------------------------------------
    def _node(self, doc: dict[str, Any], name: str) -> None:
        try:
            index = node_index(doc, name)
        except KeyError:
            self._scenario(doc)
            return
        table = tables(doc, "node")[index]
        role = str(table.get("role"))
        path = ("node", index)
        self._title(name, theme.ROLE_TEXT.get(role, role), self._problems_at(path))

        def make(key: str) -> Make:
            return lambda v: SetNodeKey(name, key, v)

        self._line("Name", "name", name,
                   lambda v: RenameNode(name, str(v) if v is not None else ""),
                   path=path + ("name",))
        names = {r: [str(t.get("name")) for t in tables(doc, "node") if t.get("role") == r]
                 for r in ("ha", "ar", "map")}
        if role == "mn":
            self._combo("Home agent", "home_agent", table.get("home_agent"), names["ha"],
                        make("home_agent"), path + ("home_agent",))
            self._line("Home address", "home_address", table.get("home_address"),
                       make("home_address"), path=path + ("home_address",),
                       tip="inside the home agent's prefix (RFC 6275 s.2)")
            self._line("Interface id", "interface_id", table.get("interface_id"),
                       make("interface_id"), path=path + ("interface_id",),
                       placeholder="from the home address")
            self._combo("Attached to", "attach", table.get("attach"), [""] + names["ar"],
                        make("attach"), path + ("attach",),
                        tip="the AR at time 0 (or drag from the MN to an AR)")
            self._check("Route optimisation with CNs", "route_optimization",
                        table.get("route_optimization"), make("route_optimization"),
                        tip="RFC 6275 s.5.2, RFC 5380 s.6.1.1")
            self._mobility(name, table.get("mobility"), path + ("mobility",))
            return
        self._line("Address", "address", table.get("address"), make("address"),
                   path=path + ("address",))
        self._line("Prefix", "prefix", table.get("prefix"), make("prefix"),
                   path=path + ("prefix",), tip="a /64 of the node's own link")
        if role in ("map", "ar"):
            self._line("Valid on-link prefixes", "valid_onlink_prefixes",
                       table.get("valid_onlink_prefixes"), make("valid_onlink_prefixes"),
                       "list", path + ("valid_onlink_prefixes",),
                       placeholder="any (comma-separated /64s)")
            self._line("Max lifetime (s)", "max_lifetime_s", table.get("max_lifetime_s"),
                       make("max_lifetime_s"), "number", path + ("max_lifetime_s",),
                       placeholder="protocol default")
        if role == "ar":
            self._line("Cell radius (m)", "radius", table.get("radius", 120), make("radius"),
                       "number", path + ("radius",))
            self._line("MAP address (flat)", "map_address", table.get("map_address"),
                       make("map_address"), path=path + ("map_address",),
                       placeholder="none: not a MAP itself (s.9.2)")
            self._check("Probe the MAPs it advertises", "probe_maps", table.get("probe_maps"),
                        make("probe_maps"), tip="RFC 5380 s.10")
            maps = [str(t.get("name")) for t in tables(doc, "node")
                    if t.get("role") == "map" or (t.get("role") == "ar" and "map_address" in t)]
            self._map_options(name, table, maps, path)

    def _mobility(self, name: str, value: Any, path: tuple[Any, ...]) -> None:
        value = value if isinstance(value, dict) else {"model": "still"}
        model = str(value.get("model", "still"))

        def with_key(key: str) -> Make:
            def make(v: Value | None) -> Edit:
                pairs = [(k, _plain(x)) for k, x in value.items() if k != key]
                if v is not None:
                    pairs.append((key, v))
                return SetNodeKey(name, "mobility", Inline(tuple(pairs)))
            return make

        def set_model(v: Value | None) -> Edit:
            if v in (None, "still"):
                return SetNodeKey(name, "mobility", None)
            return SetNodeKey(name, "mobility", Inline((("model", v),)))

        self._combo("Mobility model", "mobility.model", model,
                    ["still", "waypoints", "random_waypoint"], set_model, path)
        if model == "waypoints":
            points = value.get("points", [])
            text = "; ".join(f"{p[0]}, {p[1]}" for p in points
                             if isinstance(p, (list, tuple)) and len(p) == 2)
            self._line("Waypoints (x, y; ...)", "mobility.points", text, with_key("points"),
                       "points", path + ("points",))
            self._line("Speed (m/s)", "mobility.speed_mps", value.get("speed_mps"),
                       with_key("speed_mps"), "number", path + ("speed_mps",))
            self._check("Loop", "mobility.loop", value.get("loop"), with_key("loop"))
        elif model == "random_waypoint":
            self._line("Area (x0, y0, x1, y1)", "mobility.area", value.get("area"),
                       with_key("area"), "numbers", path + ("area",))
            self._line("Speed (m/s or low, high)", "mobility.speed_mps", value.get("speed_mps"),
                       with_key("speed_mps"), "numbers", path + ("speed_mps",))
            self._line("Pause (s or low, high)", "mobility.pause_s", value.get("pause_s"),
                       with_key("pause_s"), "numbers", path + ("pause_s",))

    def _map_options(self, ar: str, table: dict[str, Any], maps: list[str],
                     path: tuple[Any, ...]) -> None:
        """One row per MAP option (RFC 5380 s.5): MAP, Pref, Valid Lifetime, R, Dist."""
        group = QGroupBox("MAP options advertised (RFC 5380 s.5)")
        rows = QVBoxLayout(group)
        options = table.get("map_options") if isinstance(table.get("map_options"), list) else []
        assert isinstance(options, list)
        for j, option in enumerate(options):
            rows.addLayout(self._option_row(ar, j, option, maps, path + ("map_options", j)))
        add_row = QHBoxLayout()
        advertised = {str(o.get("map")) for o in options}
        free = [m for m in maps if m not in advertised]
        chooser = QComboBox()
        chooser.addItems(free)
        chooser.setAccessibleName("MAP to advertise")
        add = QPushButton("Advertise MAP")
        add.setEnabled(bool(free))
        add.setToolTip("Add a MAP option (Pref 10) to this AR's Router Advertisements"
                       if free else "No other MAP to advertise: add a MAP node first")
        def advertise() -> None:
            if chooser.currentText():
                self.editRequested.emit(AddMapOption(ar, chooser.currentText()))

        add.clicked.connect(advertise)
        add_row.addWidget(chooser, 1)
        add_row.addWidget(add)
        rows.addLayout(add_row)
        self.fields["map_options.new"] = chooser
        self.buttons["map_options.add"] = add
        self._outer.addWidget(group)

    def _option_row(self, ar: str, j: int, option: dict[str, Any], maps: list[str],
                    where: tuple[Any, ...]) -> QHBoxLayout:
        row = QHBoxLayout()
        prefix = f"map_options.{j}"

        def send(key: str, value: Value | None) -> None:
            self.editRequested.emit(SetMapOptionKey(ar, j, key, value))

        combo = QComboBox()
        combo.setAccessibleName(f"MAP option {j + 1}: MAP")
        current = str(option.get("map", ""))
        combo.addItems(maps if current in maps else maps + [current])
        combo.setCurrentText(current)
        def chosen(text: str) -> None:
            if text != current:
                send("map", text)

        combo.textActivated.connect(chosen)
        row.addWidget(combo, 2)
        self.fields[f"{prefix}.map"] = combo
        for key, low, high, default, tip in (
                ("pref", 0, 15, 10, "Pref: 15 most preferred, 0 never for new bindings"),
                ("dist", 0, 15, 0, "Dist: hops to the MAP; auto = hop count + 1")):
            spin = QSpinBox()
            spin.setRange(low, high)
            if key == "dist":
                spin.setSpecialValueText("auto")
            spin.setKeyboardTracking(False)
            given = option.get(key, default)
            spin.setValue(given if isinstance(given, int) else default)
            spin.setPrefix(f"{key.capitalize()} ")
            spin.setToolTip(tip)
            auto = key == "dist"
            spin.valueChanged.connect(
                lambda v, k=key, auto=auto: send(k, None if auto and v == 0 else v))
            row.addWidget(spin, 1)
            self.fields[f"{prefix}.{key}"] = spin
        life = QLineEdit(show_value(option.get("lifetime_s", 600)))
        life.setToolTip("Valid Lifetime (s); 0 announces a failed MAP (s.10)")
        life.setMaximumWidth(70)
        life.setAccessibleName(f"MAP option {j + 1}: lifetime")
        start = life.text()
        def lifetime() -> None:
            if life.text() != start:
                send("lifetime_s", parse_value(life.text(), "number"))

        life.editingFinished.connect(lifetime)
        row.addWidget(life, 1)
        self.fields[f"{prefix}.lifetime_s"] = life
        r = QCheckBox("R")
        r.setToolTip("R flag: the RCoA stands for the home address in the local BU")
        r.setChecked(option.get("r", True) is not False)
        r.toggled.connect(lambda on: send("r", on))
        row.addWidget(r)
        self.fields[f"{prefix}.r"] = r
        remove = QPushButton("\u2715")
        remove.setToolTip("Stop advertising this MAP")
        remove.setFixedWidth(28)
        remove.clicked.connect(lambda: self.editRequested.emit(RemoveMapOption(ar, j)))
        row.addWidget(remove)
        self.buttons[f"{prefix}.remove"] = remove
        for widget in (combo, life):
            self._mark(widget, self._problems_at(where))
        return row

    # --- a link or a flow ------------------------------------------------------------------
    def _item(self, doc: dict[str, Any], kind: str, index: int) -> None:
        items = tables(doc, kind)
        if index >= len(items):
            self._scenario(doc)
            return
        table = items[index]
        path = (kind, index)

        def make(key: str) -> Make:
            return lambda v: SetItemKey(kind, index, key, v)

        if kind == "link":
            self._title(f"Link {table.get('a')}\u2013{table.get('b')}", "a wire between two "
                        "fixed nodes", self._problems_at(path))
            self._line("Delay (ms)", "delay_ms", table.get("delay_ms", 1), make("delay_ms"),
                       "number", path + ("delay_ms",), tip="one way, per packet")
            self._line("Loss (0 to 1)", "loss", table.get("loss", 0), make("loss"), "number",
                       path + ("loss",), tip="the share of packets lost, drawn from the seed")
            return
        self._title(f"Flow {table.get('from')} \u2192 {table.get('to')}",
                    "data between the MN and a correspondent", self._problems_at(path))
        self._combo("Kind", "kind", table.get("kind", "echo"), ["echo", "udp"], make("kind"),
                    path + ("kind",))
        self._line("Start (s)", "start_s", table.get("start_s", 0), make("start_s"), "number",
                   path + ("start_s",))
        self._line("Interval (ms)", "interval_ms", table.get("interval_ms", 1000),
                   make("interval_ms"), "number", path + ("interval_ms",))
        self._line("Stop (s)", "stop_s", table.get("stop_s"), make("stop_s"), "number",
                   path + ("stop_s",), placeholder="the end of the run")
        self._check("From the RCoA (no home address)", "use_rcoa", table.get("use_rcoa"),
                    make("use_rcoa"), tip="RFC 5380 s.6.5")


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


class _TextBox(QPlainTextEdit):
    """A multi-line field that says when the teacher leaves it, as QLineEdit does."""

    editingFinished = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


__all__ = ["PropertyPanel", "parse_value", "show_value"]
