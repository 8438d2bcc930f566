"""Issue 13 item 8: the teacher's changes are typed events in the engine's trace
(MapOptionChanged, LinkParamsChanged, FlowToggled), not free-text notes; the JSON Lines
trace carries them and reads them back; hmipviz.timeline folds them by index."""

from __future__ import annotations

import json

import pytest

from hmipviz.engine.events import (
    FlowToggled,
    LinkParamsChanged,
    MapOptionChanged,
    Note,
    event_from_json,
)
from hmipviz.outputs import trace_line
from hmipviz.scenario import load_scenario
from hmipviz.sim import Simulation
from hmipviz.timeline import FlowSetting, LinkSetting, MapOptionSetting, Timeline


@pytest.fixture(scope="module")
def changed():
    """figure1 to t = 3 s, then the teacher changes AR1's MAP option, a link and the flow."""
    sim = Simulation(load_scenario("figure1"))
    sim.run(until_s=3.0)
    before = len(sim.trace)
    sim.set_map_option("AR1", "MAP1", pref=3, lifetime_s=100)
    sim.set_link("R", "MAP1", delay_ms=50.0, loss=0.1)
    sim.set_flows(False)
    sim.run(until_s=3.5)
    return sim, before


def test_the_changes_are_typed_events_with_their_values(changed):
    sim, before = changed
    kinds = [e for e in sim.trace[before:] if isinstance(
        e, (MapOptionChanged, LinkParamsChanged, FlowToggled))]
    assert kinds == [
        MapOptionChanged(3.0, "AR1", "MAP1", "2001:db8:100::1", 3, 100),
        LinkParamsChanged(3.0, "R", "MAP1", "R-MAP1", 50.0, 0.1),
        FlowToggled(3.0, "CN", "MN", "echo", False, 0),
    ]
    # no free-text note says the same any more
    assert not [e for e in sim.trace if isinstance(e, Note) and "changed" in e.text]
    # the AR re-advertises at once with the new option (RFC 4861 s.6.2.4)
    ra = sim.trace[before + 1]
    assert ra.type == "PacketSent" and "pref 3, lifetime 100 s" in ra.summary


def test_the_json_lines_trace_round_trips(changed):
    sim, before = changed
    for e in sim.trace[before:before + 4]:  # the three changes and the RA between
        line = trace_line(e)
        back = event_from_json(json.loads(line))
        assert back == e
    obj = json.loads(trace_line(sim.trace[before]))
    assert obj == {"t": 3.0, "type": "MapOptionChanged", "node": "AR1", "map_name": "MAP1",
                   "map_address": "2001:db8:100::1", "pref": 3, "lifetime_s": 100}
    assert json.loads(trace_line(sim.trace[before + 3]))["flows_running"] == 0
    assert json.loads(trace_line(sim.trace[before + 2]))["delay_ms"] == 50.0


def test_a_map_option_no_longer_advertised_round_trips_with_nulls():
    e = MapOptionChanged(1.5, "AR2", "MAP2", "", None, None)
    obj = json.loads(trace_line(e))
    assert obj["pref"] is None and obj["lifetime_s"] is None
    assert event_from_json(obj) == e


def test_the_timeline_folds_the_events_by_index(changed):
    sim, before = changed
    tl = Timeline(sim.trace, sim.mn_name)
    tl.index_new()
    assert tl.map_option_at(before - 1, "AR1", "MAP1") is None  # nothing changed yet
    assert tl.map_option_at(before, "AR1", "MAP1") == MapOptionSetting(
        before, 3.0, "AR1", "MAP1", 3, 100)
    # then the AR's RA, then the link, then the flow, each from its own index on
    assert tl.link_params_at(before + 1, "MAP1", "R") is None
    assert tl.link_params_at(before + 2, "MAP1", "R") == LinkSetting(
        before + 2, 3.0, "R", "MAP1", 50.0, 0.1)
    assert tl.flow_running_at(before + 2) is None
    assert tl.flow_running_at(before + 3) is False
    assert tl.teacher_changes()[-1] == FlowSetting(before + 3, 3.0, False)
    assert tl.max_delay_s >= 0.05  # the slower link's hops count as in flight
    # a branch cut before the changes forgets them
    tl.truncate(before, 2.9)
    assert tl.teacher_changes() == []


def test_a_run_without_teacher_changes_records_none():
    sim = Simulation(load_scenario("two-domains"))
    sim.run(until_s=6.0)
    assert not [e for e in sim.trace if isinstance(
        e, (MapOptionChanged, LinkParamsChanged, FlowToggled))]
