"""Field selection steps in the real window (offscreen Qt): the learner selects AR1's
RA in the event list and clicks its Dist field in the inspector's tree; the window
reports the selection to the lesson, the step passes once the window is back at the
newest event, and the numeric question is graded against the field's value."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hmipviz.engine.events import PacketReceived, PacketSent
from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow
from hmipviz.lesson import Progress, ProgressStore
from hmipviz.scenario import load_scenario


def _click_field(inspector, key: str) -> None:
    """A real mouse click on the tree row of ``key``."""
    item = inspector._find(key)
    assert item is not None, key
    tree = inspector.tree
    tree.scrollToItem(item)
    QApplication.processEvents()
    rect = tree.visualItemRect(item)
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())


def test_select_the_dist_field_of_ar1s_ra_in_the_inspector(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: tmp_path / "p")
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    # resume at step 3, "Dist, the distance to the MAP" (steps 1-2 are replayed)
    ProgressStore(tmp_path / "p").save(Progress("02-map-discovery", 2, (0, 1)))
    assert w.open_lesson("2")
    panel = w.lessons.panel
    c = w.controller
    c.autoplay_on_action = False
    assert panel.run.step.title.startswith("Dist")
    mark = len(c.trace)

    def received_ra() -> int | None:
        """The RA received row of AR1's next RA (sent in this step)."""
        sent = next((i for i in range(mark, len(c.trace)) if isinstance(c.trace[i], PacketSent)
                     and c.trace[i].kind == "RA"), None)
        return None if sent is None else next(
            (i for i in range(sent, len(c.trace)) if isinstance(c.trace[i], PacketReceived)
             and c.trace[i].packet_id == c.trace[sent].packet_id), None)

    for _ in range(200):  # play on until AR1's next RA has reached the MN
        if received_ra() is not None:
            break
        assert c.jump_to_next_idle()
    assert not panel.next_button.isEnabled()  # nothing selected yet
    # the RA *received* row of the event list: the inspector shows its packet
    got = received_ra()
    c.select(got)
    _click_field(w.inspector, "icmpv6.opt.map.preference")  # not the one asked for
    c.seek(len(c.trace) - 1)
    assert not panel.next_button.isEnabled()
    c.select(got)
    _click_field(w.inspector, "icmpv6.opt.map.distance")
    assert w.inspector.selected_field_key() == "icmpv6.opt.map.distance"
    c.seek(len(c.trace) - 1)  # End (the received RA may be the newest event already)
    assert panel.next_button.isEnabled()
    fb = panel.answer_number("dist-value", 2)
    assert fb is not None and fb.correct
    assert not panel.answer_number("dist-value", 10).first_try  # only the first counts
