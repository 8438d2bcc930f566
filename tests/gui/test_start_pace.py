"""Issue 13 item 5 in the window: scenarios open at the first idle moment after the
initial registration with a Watch the start button (or at t = 0 by a persisted
setting; lessons keep their own start), and signalling focus plays data hops at 5x so a
drag's handover messages come at once (FakeClock: no wall-clock waits)."""

from __future__ import annotations

import pytest

from hmipviz.engine.events import HandoverCompleted, PacketSent
from hmipviz.first_idle import first_idle_index
from hmipviz.gui.controller import QtController
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.gui.playback import FakeClock, Segment
from hmipviz.gui.start_pace import KEY_AT_ZERO, KEY_FOCUS
from hmipviz.scenario import load_scenario


def _forget_pace_settings() -> None:
    for key in (KEY_AT_ZERO, *KEY_FOCUS.values()):
        settings().remove(key)


@pytest.fixture
def window(qtbot):
    _forget_pace_settings()  # the tests' settings folder is shared by the session
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    yield w
    _forget_pace_settings()


def test_open_shows_the_first_idle_moment_in_every_view(window):
    w, c = window, window.controller
    assert c.position == -1 and not w.start_pace.button.isVisibleTo(w)  # tests' default
    assert w.open_scenario("two-domains")
    i = c.position
    assert i == first_idle_index(c.trace, c.scenario, c.mn_names) > 0
    assert isinstance(c.trace[i], HandoverCompleted)
    # the views read the controller's answers at that position
    assert "initial handover complete" in w.caption._plain
    assert c.selected == c.current_message(i)  # the inspector shows that event
    assert w.caches.model_for("MAP1").column_texts("RCoA") == ["2001:db8:100::a"]
    assert w.caches.model_for("HA").rowCount() == 1
    assert w.playback.event_label.text() == f"event {i + 1} of {len(c.trace)}"
    assert w.start_pace.button.isVisibleTo(w)
    w.start_pace.button.click()  # back to t = 0, playing
    assert c.position == -1 and c.playing
    c.pause()


def test_the_t0_setting_restores_the_old_start_and_persists(window, qtbot):
    w, c = window, window.controller
    w.start_pace.at_zero_action.setChecked(True)
    assert w.open_scenario("figure1")
    assert c.position == -1 and not w.start_pace.button.isVisibleTo(w)
    other = MainWindow(scenario=load_scenario("figure1"), restore_settings=True)
    qtbot.addWidget(other)
    assert other.start_pace.at_zero_action.isChecked()
    assert other.controller.position == -1  # a fresh window honours it too
    other.start_pace.at_zero_action.setChecked(False)
    assert w.open_scenario("figure1")  # read from the settings at each open
    assert c.position > 0 and w.start_pace.button.isVisibleTo(w)


def test_a_lesson_keeps_its_own_start(window):
    w, c = window, window.controller
    assert w.open_lesson("1")
    start = c.position
    assert not w.start_pace.opened()  # the window does not move a lesson's run
    assert c.position == start and not w.start_pace.button.isVisibleTo(w)


def _drag_to_first_handover_message_ms(focus: bool) -> tuple[float, str]:
    """figure1 with its echo flow running: drag the MN to AR2 at t = 3 s and play; the
    clock's milliseconds until the first signalling hop after the drag is on screen."""
    c = QtController(load_scenario("figure1"))
    clock = FakeClock(c)
    c.set_signalling_focus(focus)
    c.seek_time(3.0)
    assert c.in_flight_at(c.position)  # data in flight when the drag comes
    c.move_mn("AR2")  # plays on
    start_ms, first = clock.ms, len(c.trace)

    def signalling():
        return next((j for j in range(first, len(c.trace))
                     if isinstance(e := c.trace[j], PacketSent) and e.kind != "data"), None)

    clock.run_until(lambda: (j := signalling()) is not None and c.position >= j,
                    timeout_ms=10_000)
    e = c.trace[signalling()]
    return clock.ms - start_ms, e.kind


def test_signalling_focus_brings_the_handover_message_at_once(qtbot):
    on_ms, kind = _drag_to_first_handover_message_ms(True)
    off_ms, kind_off = _drag_to_first_handover_message_ms(False)
    assert kind == kind_off == "RS"  # the MN solicits on its new link
    assert on_ms < 500  # under one hop's 600 ms at 1x
    assert off_ms > 3 * on_ms


def test_a_signalling_hop_sets_the_pace_not_the_data_beside_it():
    # a BU on a 10 ms link and a data hop on a 2 ms one, 2 ms of simulated time
    hops = [(0.0, 0.010), (0.0, 0.002)]
    plain = Segment.between(0.0, 0.002, hops, 1.0, 0.0)
    focus = Segment.between(0.0, 0.002, hops, 1.0, 0.0, factors=[1.0, 5.0])
    alone = Segment.between(0.0, 0.002, hops[:1], 1.0, 0.0)
    assert plain.duration_ms == pytest.approx(600.0)  # the data hop's whole hop
    assert focus.duration_ms == pytest.approx(alone.duration_ms) == pytest.approx(120.0)
    data_only = Segment.between(0.0, 0.002, hops[1:], 1.0, 0.0, factors=[5.0])
    assert data_only.duration_ms == pytest.approx(120.0)  # 600 ms at 5x


def test_focus_is_on_in_presentation_mode_and_each_mode_remembers(window):
    w, c = window, window.controller
    assert not c.signalling_focus and not w.start_pace.focus_action.isChecked()
    w.presentation.enter()
    assert c.signalling_focus and w.start_pace.focus_action.isChecked()
    w.start_pace.focus_action.setChecked(False)
    assert not c.signalling_focus
    w.presentation.leave()
    w.start_pace.focus_action.setChecked(True)  # the normal window's own choice
    w.presentation.enter()
    assert not c.signalling_focus  # presentation remembered "off"
    w.presentation.leave()
    assert c.signalling_focus
