"""The attacker's box in the lesson panel: the student plays EVE (lesson 9).

A step whose solution sends a crafted local BU (``inject_bu``, see
:mod:`hmipviz.lesson.attack`) shows this box instead of leaving the attack to Show me.
The student fills in what decides the attack: the MAP, the address to bind (the Home
Address option: the MN's RCoA, read from the binding caches), the sequence number
(newer than the MN's, or the MAP refuses it with status 135) and whether the BU
travels through a security association. **Send** goes through
:meth:`hmipviz.lesson.LessonRun.inject_bu`, so the window's controller records the
packet as any other action (history, stepping back, replay) and the step counts as
done by the student, not by Show me.

The ESP choice offers the MN's SA only in a lesson whose solutions lend it (lesson 14's
attacker with a valid SA); otherwise it says that the sender holds none.
"""

from __future__ import annotations

import logging
from ipaddress import IPv6Address
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmipviz.gui.lesson_widgets import bad_colour, esc, good_colour
from hmipviz.lesson import LessonError, LessonRun, attack
from hmipviz.lesson import fields as lf
from hmipviz.lesson.model import Action

log = logging.getLogger("hmipviz.gui")


def _attack_of(run: LessonRun | None) -> Action | None:
    """The current step's ``inject_bu`` (its solution's), or None."""
    if run is None:
        return None
    return next((a for a in run.step.solution if a.verb == attack.VERB), None)


def _lends_sa(run: LessonRun) -> bool:
    return any(a.verb == attack.VERB and a.get("sa", "none") != "none"
               for s in run.lesson.steps for a in s.solution)


class AttackerBox(QGroupBox):
    """See the module docstring. ``panel`` is the lesson panel (its ``run``,
    ``controller``, ``live()`` and ``detached``)."""

    def __init__(self, panel: Any, parent: QWidget | None = None) -> None:
        super().__init__("Attacker", parent)
        self.panel = panel
        self.setObjectName("attackerBox")
        self.setAccessibleName("Attacker")
        self.sender_name = ""
        lay = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.map_box = QComboBox()
        self.map_box.setAccessibleName("MAP the BU goes to")
        form.addRow("To MAP", self.map_box)
        self.home = QLineEdit()
        self.home.setAccessibleName("Home Address option: the RCoA to bind")
        self.home.setPlaceholderText("the RCoA to bind, e.g. 2001:db8:\u2026")
        self.home.setToolTip("The Home Address option of a local BU carries the RCoA "
                             "the MAP binds to the BU's source address (RFC 5380 s.6.1)")
        form.addRow("Home Address option", self.home)
        self.seq = QSpinBox()
        self.seq.setRange(0, 65535)
        self.seq.setValue(attack.DEFAULT_SEQ)
        self.seq.setAccessibleName("Sequence number")
        self.seq.setToolTip("The MAP accepts a BU only if its sequence number is newer "
                            "than the last it accepted for that RCoA (RFC 6275 s.9.5.1)")
        form.addRow("Sequence number", self.seq)
        self.esp = QComboBox()
        self.esp.setAccessibleName("ESP")
        form.addRow("ESP", self.esp)
        lay.addLayout(form)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send the attacker's BU")
        self.send_button.clicked.connect(self.send)
        lay.addWidget(self.send_button)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Attacker feedback")
        self.feedback.setVisible(False)
        lay.addWidget(self.feedback)
        self.setVisible(False)

    # --- following the lesson ------------------------------------------------------
    def configure(self, run: LessonRun | None) -> None:
        """Show the box on a step that asks for the attack, emptied for a new try."""
        action = _attack_of(run)
        self.setVisible(action is not None)
        self.feedback.setVisible(False)
        if action is None or run is None:
            return
        self.sender_name = str(action.value)
        scenario = run.lesson.scenario
        self.setTitle(f"Attacker: you are {self.sender_name}")
        self.intro.setText(f"{esc(self.sender_name)} sends a local BU (flags A and M) "
                           "from its own address. Fill in the fields, then send it.")
        self.send_button.setText(f"Send {self.sender_name}'s BU")
        maps = [n.name for n in scenario.nodes
                if n.role == "map" or (n.role == "ar" and n.map_address is not None)]
        self.map_box.clear()
        self.map_box.addItems(maps)
        self.map_box.setCurrentIndex(0)  # the student picks; the first is no hint
        self.home.clear()
        self.seq.setValue(attack.DEFAULT_SEQ)
        self.esp.clear()
        self.esp.addItem(f"none: {self.sender_name} holds no SA", "none")
        lend = _lends_sa(run)
        if lend:
            mn = lf.Scope.of(scenario).mn
            self.esp.addItem(f"the {mn}'s SA with the MAP (lent to {self.sender_name})", mn)
        self.esp.setEnabled(lend)
        self.esp.setToolTip("" if lend else
                            f"{self.sender_name} has no security association with any "
                            "MAP: her BU can only travel without ESP")

    # --- the student's send ----------------------------------------------------------
    def params(self) -> dict[str, Any] | None:
        """The fields as ``inject_bu`` parameters; None (and a message) when the
        address is not one."""
        text = self.home.text().strip()
        try:
            home = str(IPv6Address(text))
        except ValueError:
            self._say(f'"{text}" is not an IPv6 address: type the RCoA to bind, as '
                      "MAP1's binding cache shows it." if text else
                      "Type the address the BU should bind (the Home Address option).",
                      bad=True)
            return None
        return {"map": self.map_box.currentText(), "home": home, "seq": self.seq.value(),
                "sa": self.esp.currentData() or "none"}

    def send(self) -> bool:
        """Send the crafted BU as the student filled it in; True when it was sent."""
        panel = self.panel
        run: LessonRun | None = panel.run
        if run is None or panel.detached or not self.sender_name:
            return False
        params = self.params()
        if params is None:
            return False
        c = panel.controller
        if not panel.live():
            c.seek(len(c.trace) - 1)  # act on the newest state, as a drag would
        try:
            run.inject_bu(self.sender_name, **params)
        except (attack.AttackError, LessonError, ValueError) as exc:
            self._say(str(exc), bad=True)
            return False
        self._say(f"Sent: a local BU for {params['home']} with sequence number "
                  f"{params['seq']}" + (" through the lent SA" if params["sa"] != "none"
                                        else ", without ESP")
                  + f". Watch {params['map']}'s answer.")
        return True

    def _say(self, text: str, bad: bool = False) -> None:
        colour = bad_colour() if bad else good_colour()
        self.feedback.setText(f"<span style='color:{colour}'>{esc(text)}</span>")
        self.feedback.setVisible(True)


class RestartBox(QGroupBox):
    """A restart of the network with a chosen security setting (lesson 9's "start again
    with ESP"): the window has no other control for it, so a step whose solution
    restarts with ``security`` shows this box instead of leaving it to Show me. The
    restart goes through :meth:`hmipviz.lesson.LessonRun.act`, as the learner's own."""

    def __init__(self, panel: Any, parent: QWidget | None = None) -> None:
        super().__init__("Restart the network", parent)
        self.panel = panel
        self.setObjectName("restartBox")
        self.setAccessibleName("Restart the network")
        form = QFormLayout(self)
        self.security = QComboBox()
        self.security.setAccessibleName("Security")
        self.security.addItem("none: BUs travel unprotected", "none")
        self.security.addItem("esp: IPsec ESP on the BUs to the MAP and the HA", "esp")
        form.addRow("Security", self.security)
        self.button = QPushButton("Restart")
        self.button.setAccessibleName("Restart the network with this security")
        self.button.clicked.connect(self.restart)
        form.addRow(self.button)
        self.setVisible(False)

    def configure(self, run: LessonRun | None) -> None:
        wanted = run is not None and any(a.verb == "reset" and a.get("security")
                                         for a in run.step.solution)
        self.setVisible(wanted)
        if wanted and run is not None:
            self.security.setCurrentIndex(max(0, self.security.findData(
                run.lesson.scenario.security)))

    def restart(self) -> bool:
        panel = self.panel
        run: LessonRun | None = panel.run
        if run is None or panel.detached:
            return False
        run.act(reset=True, security=self.security.currentData(),
                mode=panel.controller.mode or run.lesson.mode)
        panel.controller.play()
        return True


__all__ = ["AttackerBox", "RestartBox"]
