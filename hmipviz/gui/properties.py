"""Teacher controls: what a lecturer changes live to show a point.

``QtTeacherControls(controller)``: protocol mode (restarts the scenario), the data
flow on/off, moving the MN, failing/restoring a node (a MAP, typically), an AR's MAP
option (Pref, valid lifetime) and a link's delay and loss. Every change is a user
action of the controller, so it happens at the simulated time on screen and, made
while in the past, starts a new branch.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmipviz.gui import theme


class QtTeacherControls(QWidget):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("teacherControls")
        self.setAccessibleName("Teacher controls")
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(8, 8, 8, 8)
        col.setSpacing(10)

        # --- protocol ---------------------------------------------------------------------
        box = QGroupBox("Protocol")
        row = QHBoxLayout(box)
        self.mode_group = QButtonGroup(self)
        self.mode_radio: dict[str, QRadioButton] = {}
        for mode, text in (("hmipv6", "HMIPv6 (RFC 5380)"), ("mipv6", "Mobile IPv6 (RFC 6275)")):
            r = QRadioButton(text)
            r.setAccessibleName(f"{text} mode")
            r.setToolTip("Switching restarts the scenario in this mode")
            self.mode_group.addButton(r)
            self.mode_radio[mode] = r

            def choose(on: bool, m: str = mode) -> None:
                if on:
                    self._mode(m)

            r.toggled.connect(choose)
            row.addWidget(r)
        self.restart_button = QPushButton("Restart")
        self.restart_button.setAccessibleName("Restart the scenario")
        self.restart_button.setToolTip("Start the scenario again, dropping every change")
        self.restart_button.clicked.connect(controller.restart)
        row.addStretch(1)
        row.addWidget(self.restart_button)
        col.addWidget(box)

        # --- mobile node and data ----------------------------------------------------------
        box = QGroupBox("Mobile node and data")
        form = QFormLayout(box)
        mv = QHBoxLayout()
        self.ar_box = QComboBox()
        self.ar_box.setAccessibleName("Access router to move the MN to")
        self.move_button = QPushButton("Move MN")
        self.move_button.setAccessibleName("Move the MN to the chosen access router")
        self.move_button.clicked.connect(self._move)
        self.detach_button = QPushButton("Detach")
        self.detach_button.setAccessibleName("Detach the MN from every access router")
        self.detach_button.clicked.connect(lambda: controller.move_mn(None))
        mv.addWidget(self.ar_box, 1)
        mv.addWidget(self.move_button)
        mv.addWidget(self.detach_button)
        form.addRow("Move to", mv)
        self.flow_button = QPushButton()
        self.flow_button.setAccessibleName("Start or stop the data flow")
        self.flow_button.setCheckable(True)
        self.flow_button.clicked.connect(self._flow)
        form.addRow("Data flow", self.flow_button)
        col.addWidget(box)

        # --- node failure -------------------------------------------------------------------
        box = QGroupBox("Fail or restore a node")
        fr = QHBoxLayout(box)
        self.node_box = QComboBox()
        self.node_box.setAccessibleName("Node to fail or restore")
        self.fail_button = QPushButton("Fail")
        self.fail_button.setAccessibleName("Fail the chosen node")
        self.fail_button.clicked.connect(lambda: self._node(True))
        self.restore_button = QPushButton("Restore")
        self.restore_button.setAccessibleName("Restore the chosen node")
        self.restore_button.clicked.connect(lambda: self._node(False))
        fr.addWidget(self.node_box, 1)
        fr.addWidget(self.fail_button)
        fr.addWidget(self.restore_button)
        col.addWidget(box)

        # --- MAP option ---------------------------------------------------------------------
        box = QGroupBox("MAP option advertised by an AR (RFC 5380 s.5, s.7)")
        form = QFormLayout(box)
        self.opt_ar = QComboBox()
        self.opt_ar.setAccessibleName("Access router whose MAP option to change")
        self.opt_ar.currentIndexChanged.connect(self._fill_maps)
        self.opt_map = QComboBox()
        self.opt_map.setAccessibleName("MAP of the option")
        self.opt_map.currentIndexChanged.connect(self._fill_option)
        self.opt_pref = QSpinBox()
        self.opt_pref.setRange(0, 15)
        self.opt_pref.setAccessibleName("MAP option preference")
        self.opt_pref.setToolTip("Pref 0: the MAP takes no new bindings (s.7.1)")
        self.opt_life = QSpinBox()
        self.opt_life.setRange(0, 4294967)
        self.opt_life.setSuffix(" s")
        self.opt_life.setAccessibleName("MAP option valid lifetime")
        self.opt_life.setToolTip("Valid lifetime 0: the MAP must not be used")
        self.opt_apply = QPushButton("Apply")
        self.opt_apply.setAccessibleName("Apply the MAP option change")
        self.opt_apply.clicked.connect(self._apply_option)
        form.addRow("AR", self.opt_ar)
        form.addRow("MAP", self.opt_map)
        form.addRow("Pref", self.opt_pref)
        form.addRow("Lifetime", self.opt_life)
        form.addRow("", self.opt_apply)
        col.addWidget(box)

        # --- links ---------------------------------------------------------------------------
        box = QGroupBox("Link delay and loss")
        form = QFormLayout(box)
        self.link_box = QComboBox()
        self.link_box.setAccessibleName("Link to change")
        self.link_box.currentIndexChanged.connect(self._fill_link)
        self.delay = QDoubleSpinBox()
        self.delay.setRange(0.0, 5000.0)
        self.delay.setDecimals(1)
        self.delay.setSuffix(" ms")
        self.delay.setAccessibleName("Link delay")
        self.loss = QDoubleSpinBox()
        self.loss.setRange(0.0, 100.0)
        self.loss.setDecimals(1)
        self.loss.setSuffix(" %")
        self.loss.setAccessibleName("Link loss")
        self.link_apply = QPushButton("Apply")
        self.link_apply.setAccessibleName("Apply the link change")
        self.link_apply.clicked.connect(self._apply_link)
        form.addRow("Link", self.link_box)
        form.addRow("Delay", self.delay)
        form.addRow("Loss", self.loss)
        form.addRow("", self.link_apply)
        col.addWidget(box)

        note = QLabel("Changes happen at the time on screen. Made while stepped back, they "
                      "start a new branch and the old future is discarded.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color:{theme.muted_text().name()}")
        col.addWidget(note)
        col.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)

        controller.scenarioLoaded.connect(self._fill)
        controller.modeChanged.connect(self._on_mode)
        controller.positionChanged.connect(self._on_position)
        self._fill()

    # --- filling ----------------------------------------------------------------------------
    def _on_position(self, _i: int) -> None:
        """Show the settings as they stood at the position (not the live engine's);
        a field the teacher is editing keeps what they typed."""
        self._sync_flow()
        if not any(w.hasFocus() for w in (self.opt_pref, self.opt_life)):
            self._fill_option()
        if not any(w.hasFocus() for w in (self.delay, self.loss)):
            self._fill_link()

    def _fill(self) -> None:
        c = self.controller
        sc = c.scenario
        if sc is None:
            return
        for box in (self.ar_box, self.node_box, self.opt_ar, self.link_box):
            box.blockSignals(True)
            box.clear()
        for n in sc.nodes:
            if n.role == "ar":
                self.ar_box.addItem(n.name)
                if n.map_options:
                    self.opt_ar.addItem(n.name)
            if n.role not in ("mn",):
                self.node_box.addItem(f"{n.name} ({theme.ROLE_LETTER.get(n.role, n.role)})",
                                      n.name)
        maps = [i for i in range(self.node_box.count())
                if "(MAP)" in self.node_box.itemText(i)]
        if maps:
            self.node_box.setCurrentIndex(maps[0])
        for lk in sc.links:
            self.link_box.addItem(f"{lk.a} \u2013 {lk.b}", (lk.a, lk.b))
        for box in (self.ar_box, self.node_box, self.opt_ar, self.link_box):
            box.blockSignals(False)
        self._fill_maps()
        self._fill_link()
        self._on_mode(c.mode or "hmipv6")
        self._sync_flow()

    def _fill_maps(self, *_a) -> None:
        self.opt_map.blockSignals(True)
        self.opt_map.clear()
        sc = self.controller.scenario
        name = self.opt_ar.currentText()
        if sc is not None and name:
            for o in sc.node(name).map_options:
                self.opt_map.addItem(o.map)
        self.opt_map.blockSignals(False)
        self._fill_option()

    def _fill_option(self, *_a) -> None:
        c = self.controller
        ar, m = self.opt_ar.currentText(), self.opt_map.currentText()
        enabled = bool(ar and m)
        for w in (self.opt_pref, self.opt_life, self.opt_apply):
            w.setEnabled(enabled)
        if not enabled:
            return
        # the value at the position shown (stepping back shows the earlier setting)
        current = c.map_option_at(c.position, ar, m)
        if current is not None and current.pref is not None:
            self.opt_pref.setValue(current.pref)
            self.opt_life.setValue(current.lifetime_s)

    def _fill_link(self, *_a) -> None:
        pair = self.link_box.currentData()
        enabled = pair is not None
        for w in (self.delay, self.loss, self.link_apply):
            w.setEnabled(enabled)
        if not enabled:
            return
        c = self.controller
        link = c.link_params_at(c.position, *pair)
        if link is not None:
            self.delay.setValue(link.delay_ms)
            self.loss.setValue(link.loss * 100)

    def _on_mode(self, mode: str) -> None:
        r = self.mode_radio.get(mode)
        if r is not None and not r.isChecked():
            r.blockSignals(True)
            r.setChecked(True)
            r.blockSignals(False)

    def _sync_flow(self) -> None:
        c = self.controller
        on = c.flow_running_at(c.position)
        self.flow_button.setChecked(on)
        self.flow_button.setText("Stop data flow" if on else "Start data flow")

    # --- actions ------------------------------------------------------------------------------
    def _mode(self, mode: str) -> None:
        if mode != self.controller.mode:
            self.controller.set_mode(mode)

    def _move(self) -> None:
        ar = self.ar_box.currentText()
        if ar:
            self.controller.move_mn(ar)

    def _flow(self) -> None:
        c = self.controller
        c.set_flow(not c.flow_running_at(c.position))
        self._sync_flow()

    def _node(self, fail: bool) -> None:
        name = self.node_box.currentData()
        if not name:
            return
        if fail:
            self.controller.fail_node(name)
        else:
            self.controller.restore_node(name)

    def _apply_option(self) -> None:
        ar, m = self.opt_ar.currentText(), self.opt_map.currentText()
        if ar and m:
            self.controller.set_map_option(ar, m, pref=self.opt_pref.value(),
                                           lifetime_s=self.opt_life.value())

    def _apply_link(self) -> None:
        pair = self.link_box.currentData()
        if pair:
            self.controller.set_link(pair[0], pair[1], delay_ms=self.delay.value(),
                                     loss=self.loss.value() / 100.0)

    def select_node(self, name: str) -> None:
        """The canvas selected ``name``: preselect it where it makes sense."""
        i = self.node_box.findData(name)
        if i >= 0:
            self.node_box.setCurrentIndex(i)
        i = self.opt_ar.findText(name)
        if i >= 0:
            self.opt_ar.setCurrentIndex(i)
        i = self.ar_box.findText(name)
        if i >= 0:
            self.ar_box.setCurrentIndex(i)


__all__ = ["QtTeacherControls"]
