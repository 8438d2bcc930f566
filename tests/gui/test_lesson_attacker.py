"""Lesson 9's attacker box in the real window (offscreen Qt): the student plays EVE,
fills in her local BU and clicks Send; the step passes without Show me, and the
summary says the student did it. A wrong field (a stale sequence number, no address)
does not pass and says why."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hmipviz.engine.events import PacketSent
from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow
from hmipviz.scenario import load_scenario


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "progress")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _settle(controller, until, limit: int = 400) -> None:
    for _ in range(limit):
        if until():
            return
        if not controller.jump_to_next_idle():
            break
    assert until(), "the expected state never came"


def _click(widget) -> None:
    QApplication.processEvents()
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _map1_binds(c) -> str:
    """The care-of address MAP1 binds the MN's RCoA to."""
    rcoa = c.sim.mn.rcoa
    return next(str(e.care_of_address) for e in c.sim.binding_caches()["MAP1"]
                if e.home_address == rcoa)


def _type(edit, text: str) -> None:
    edit.clear()
    QTest.keyClicks(edit, text)


def test_the_student_sends_eves_bu_and_the_step_passes_without_show_me(qtbot, window):
    assert window.open_lesson("9")
    panel = window.lessons.panel
    c = window.controller
    box = panel.attacker
    assert box.isHidden()  # step 1 is the MN's registration: no attack yet
    _settle(c, lambda: panel.next_button.isEnabled())
    _click(panel.next_button)
    assert panel.run.index == 1 and not box.isHidden()
    assert box.send_button.text() == "Send EVE's BU"
    assert not box.esp.isEnabled()  # EVE holds no SA in lesson 9
    shown = []
    panel.show_runner.finished.connect(lambda *a: shown.append(a))

    # no address: nothing is sent, the box says what is missing
    before = len(c.trace)
    _click(box.send_button)
    assert "Type the address" in box.feedback.text() and len(c.trace) == before

    # a stale sequence number: MAP1 refuses it (135, to EVE) and the step does not pass
    rcoa = str(panel.run.sim.mn.rcoa)
    _type(box.home, rcoa)
    box.seq.setValue(1)
    _click(box.send_button)
    _settle(c, lambda: any(isinstance(e, PacketSent) and e.kind == "local BA"
                           and e.to_node == "AR1" and e.node == "MAP1"
                           for e in c.trace[before:]))
    c.pause()
    assert not panel.next_button.isEnabled()
    assert _map1_binds(c) == str(c.sim.mn.lcoa)  # still the MN's

    # the right fields: MAP1 binds the MN's RCoA to EVE
    _type(box.home, rcoa)
    box.seq.setValue(100)
    _click(box.send_button)
    assert "Sent: a local BU for" in box.feedback.text()
    _settle(c, lambda: panel.next_button.isEnabled())
    assert shown == [] and panel.run.shown == set()
    sent = [e for e in c.trace if isinstance(e, PacketSent) and e.node == "EVE"
            and e.kind == "local BU"]
    assert len(sent) == 2  # both of the student's BUs, through the controller
    assert _map1_binds(c) == "2001:db8:66::e"  # EVE's address
    from hmipviz.lesson import summary
    report = summary.report(panel.run)
    # the teacher's summary says the student did step 2, not Show me
    assert report.steps[1].result == summary.DONE
    from hmipviz.lesson_policy import summary_markdown
    text = summary_markdown(panel.lesson, panel.run)
    assert "\u2713 2. EVE sends a local BU for the MN's RCoA: done\n" in text



def test_the_student_restarts_with_esp_from_the_lesson_panel(qtbot, window, tmp_path):
    """Lesson 9's "start again with ESP": the window has no security control of its own,
    so the step shows a Restart box; choosing esp and clicking Restart does the step."""
    from hmipviz.lesson import Progress, ProgressStore
    ProgressStore(tmp_path / "progress").save(Progress("09-security", 4, (0, 1, 2, 3)))
    assert window.open_lesson("9")
    panel = window.lessons.panel
    c = window.controller
    assert panel.run.step.title == "Start again with ESP"
    box = panel.restart_box
    assert not box.isHidden() and panel.attacker.isHidden()
    assert box.security.currentData() == "none"  # the scenario's: the student chooses
    box.security.setCurrentIndex(box.security.findData("esp"))
    c.autoplay_on_action = False
    _click(box.button)
    c.pause()
    _settle(c, lambda: panel.next_button.isEnabled())
    assert c.sim.scenario.security == "esp" and panel.run.shown == set()
