"""Issue 13 item 8/9: the teacher's settings are read from the trace's records at the
position shown, not from the live engine: change a setting, step back, every view shows
the earlier value; step forward again, the new one."""

from __future__ import annotations

import pytest

from hmipviz.gui.controller import QtController
from hmipviz.gui.properties import QtTeacherControls
from hmipviz.scenario import load_scenario


@pytest.fixture
def controller(qtbot):
    c = QtController(load_scenario("figure1"))
    c.autoplay_on_action = False
    return c


def _select(panel, ar: str, map_name: str, link: tuple[str, str]) -> None:
    panel.opt_ar.setCurrentText(ar)
    panel.opt_map.setCurrentText(map_name)
    for k in range(panel.link_box.count()):
        if panel.link_box.itemData(k) == link:
            panel.link_box.setCurrentIndex(k)


def test_stepping_back_shows_the_earlier_settings(qtbot, controller):
    c = controller
    panel = QtTeacherControls(c)
    qtbot.addWidget(panel)
    _select(panel, "AR1", "MAP1", ("R", "MAP1"))
    before_pref = panel.opt_pref.value()
    before_life = panel.opt_life.value()
    before_delay = panel.delay.value()
    assert c.flow_running_at(-1)  # figure1's flow is on from the start
    assert panel.flow_button.isChecked()
    c.seek_time(3.0)
    c.set_map_option("AR1", "MAP1", pref=3, lifetime_s=100)
    c.set_link("R", "MAP1", delay_ms=before_delay + 40.0, loss=0.0)
    c.set_flow(False)
    changed_at = c.position
    assert (panel.opt_pref.value(), panel.opt_life.value()) == (3, 100)
    assert panel.delay.value() == before_delay + 40.0
    assert not panel.flow_button.isChecked()
    # back to t = 0.12 s: the engine is still at 3 s, the views show the past
    c.seek_time(0.12)
    assert c.sim.now >= 3.0
    assert c.map_option_at(c.position, "AR1", "MAP1").pref == before_pref
    assert (panel.opt_pref.value(), panel.opt_life.value()) == (before_pref, before_life)
    assert panel.delay.value() == before_delay
    assert panel.flow_button.isChecked()
    # forward again: the change is back
    c.seek(changed_at)
    assert (panel.opt_pref.value(), panel.opt_life.value()) == (3, 100)
    assert panel.delay.value() == before_delay + 40.0
    assert not panel.flow_button.isChecked()


def test_a_branch_before_the_change_forgets_it(controller):
    c = controller
    c.seek_time(3.0)
    c.set_map_option("AR1", "MAP1", pref=3)
    base = c.map_option_at(-1, "AR1", "MAP1").pref
    assert c.map_option_at(c.position, "AR1", "MAP1").pref == 3 != base
    c.seek_time(1.0)
    c.move_mn("AR2")  # a new branch at 1 s: the change at 3 s is gone
    c.seek_time(4.0)
    assert c.map_option_at(c.position, "AR1", "MAP1").pref == base


def test_caption_and_caches_show_the_position_not_the_live_engine(qtbot, controller):
    """The change is a typed trace event: the caption names it at its index, and one
    event earlier (and at 2.9 s, after a later move) the caption and the caches show
    the earlier state while the engine stands later."""
    from hmipviz.engine.events import MapOptionChanged
    from hmipviz.gui.caches import QtBindingCaches
    from hmipviz.gui.caption import CaptionBar

    c = controller
    caches, caption = QtBindingCaches(c), CaptionBar(c)
    qtbot.addWidget(caches)
    qtbot.addWidget(caption)
    c.seek_time(3.0)
    c.set_map_option("AR1", "MAP1", pref=3, lifetime_s=100)
    k = next(i for i, e in enumerate(c.trace) if isinstance(e, MapOptionChanged))
    c.select(k)  # the event list's click: the caption describes the change
    assert "MAP option for MAP1 changed: Pref 3, Valid Lifetime 100 s" in caption._plain
    c.select(k - 1)
    assert "Pref 3" not in caption._plain
    old_coa = caches.model_for("MAP1").column_texts("Care-of address")
    c.seek(len(c.trace) - 1)
    c.move_mn("AR2")
    c.seek_time(5.0)
    assert caches.model_for("MAP1").column_texts("Care-of address") != old_coa
    c.seek_time(2.9)
    assert c.sim.now >= 5.0
    assert caches.model_for("MAP1").column_texts("Care-of address") == old_coa
    assert "Pref 3" not in caption._plain
