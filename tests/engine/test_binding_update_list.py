"""The MN's binding update list (engine/binding_update_list.py): typed timer keys, the
order simultaneous deadlines run in, and the public API route optimisation uses."""

from __future__ import annotations

import re
from ipaddress import IPv6Address as A
from pathlib import Path

import pytest
from nets import HA_ADDR, HOA, MAP1_ADDR, RCOA1, figure1

from hmipviz.engine.binding_cache import BindingUpdateListEntry
from hmipviz.engine.binding_update_list import BindingUpdateList, TimerAction, TimerKey
from hmipviz.sim import Simulation

CN = A("2001:db8:9::9")


def entry(peer: A, home: A, **kw) -> BindingUpdateListEntry:
    fields = dict(peer="P", peer_address=peer, home_address=home,
                  care_of_address=A("2001:db8:1::a"), sequence=1, requested_lifetime_s=600,
                  sent_at_s=0.0, map_registration=False, home_registration=False)
    fields.update(kw)
    return BindingUpdateListEntry(**fields)


def test_a_binding_timer_needs_its_home_address_and_the_others_refuse_one():
    with pytest.raises(ValueError, match="required"):
        TimerKey(TimerAction.REFRESH, MAP1_ADDR)
    with pytest.raises(ValueError, match="not used"):
        TimerKey(TimerAction.HOTI, CN, HOA)
    assert TimerKey(TimerAction.EXPIRE, MAP1_ADDR, RCOA1).binding_key == (MAP1_ADDR, RCOA1)
    assert TimerKey(TimerAction.COTI, CN).binding_key is None


def test_no_timer_is_the_absence_of_a_key_not_a_time_at_infinity():
    bul = BindingUpdateList()
    key = TimerKey(TimerAction.OPTION, MAP1_ADDR)
    assert bul.next_deadline() is None
    bul.set_timer(key, 5.0)
    assert bul.timer(key) == 5.0 and bul.next_deadline() == 5.0
    bul.set_timer(key, None)
    assert bul.timer(key) is None and bul.next_deadline() is None


def test_simultaneous_deadlines_run_by_action_name_then_address():
    bul = BindingUpdateList()
    keys = [TimerKey(TimerAction.RETRANSMIT, MAP1_ADDR, RCOA1),
            TimerKey(TimerAction.OPTION, MAP1_ADDR),
            TimerKey(TimerAction.COTI, CN),
            TimerKey(TimerAction.REFRESH, HA_ADDR, HOA),
            TimerKey(TimerAction.REFRESH, MAP1_ADDR, RCOA1),
            TimerKey(TimerAction.EXPIRE, HA_ADDR, HOA)]
    for k in keys:
        bul.set_timer(k, 3.0)
    bul.set_timer(TimerKey(TimerAction.HOTI, CN), 2.0)
    bul.set_timer(TimerKey(TimerAction.DEFERRED, HA_ADDR, HOA), 9.0)  # not due
    due = bul.due(3.0)
    assert [(k.action.value, k.peer) for k in due] == [
        ("hoti", CN), ("coti", CN), ("expire", HA_ADDR), ("option", MAP1_ADDR),
        ("refresh", min(HA_ADDR, MAP1_ADDR)), ("refresh", max(HA_ADDR, MAP1_ADDR)),
        ("retransmit", MAP1_ADDR)]


def test_clearing_a_binding_keeps_what_is_asked_and_other_bindings_timers():
    bul = BindingUpdateList()
    for action in (TimerAction.RETRANSMIT, TimerAction.REFRESH, TimerAction.EXPIRE):
        bul.set_timer(TimerKey(action, MAP1_ADDR, RCOA1), 1.0)
        bul.set_timer(TimerKey(action, HA_ADDR, HOA), 1.0)
    bul.set_timer(TimerKey(TimerAction.OPTION, MAP1_ADDR), 1.0)
    bul.clear_timers((MAP1_ADDR, RCOA1), keep=frozenset({TimerAction.EXPIRE}))
    left = {(k.action, k.peer) for k in bul.due(1.0)}
    assert left == {(TimerAction.EXPIRE, MAP1_ADDR), (TimerAction.OPTION, MAP1_ADDR),
                    (TimerAction.RETRANSMIT, HA_ADDR), (TimerAction.REFRESH, HA_ADDR),
                    (TimerAction.EXPIRE, HA_ADDR)}


def test_a_pending_refresh_leaves_the_acknowledged_binding_held_until_removed():
    bul = BindingUpdateList()
    key = (MAP1_ADDR, RCOA1)
    done = entry(MAP1_ADDR, RCOA1, acknowledged=True, granted_lifetime_s=600)
    bul.put(done)
    bul.acknowledged(done)
    refresh = entry(MAP1_ADDR, RCOA1, sequence=2)
    assert bul.put(refresh) is done
    assert bul[key] is refresh and bul.held_binding(key) is done
    bul.held[key] = ("why", "RFC")
    bul.set_timer(TimerKey(TimerAction.RETRANSMIT, *key), 2.0)
    assert bul.remove(key) is refresh
    assert key not in bul and bul.held_binding(key) is None and not bul.held
    assert bul.next_deadline() is None


def test_sequence_numbers_per_peer_and_after_status_135():
    bul = BindingUpdateList()
    assert [bul.next_sequence(HA_ADDR) for _ in range(2)] == [1, 2]
    assert bul.next_sequence(MAP1_ADDR) == 1
    bul.resume_sequence_after(HA_ADDR, 65535)
    assert bul.next_sequence(HA_ADDR) == 0  # 16 bits wrap (RFC 6275 s.9.5.1)


def test_the_mn_keeps_its_deadlines_in_the_list_with_typed_keys():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    bul = sim.mn.bul
    local = bul[(MAP1_ADDR, RCOA1)]
    assert bul.timer(TimerKey(TimerAction.EXPIRE, MAP1_ADDR, RCOA1)) == \
        pytest.approx(local.sent_at_s + 600)
    assert bul.timer(TimerKey(TimerAction.RETRANSMIT, MAP1_ADDR, RCOA1)) is None  # answered
    assert sim.mn.next_timer() == bul.next_deadline()


def test_route_optimisation_uses_no_private_state_of_the_mn():
    source = (Path(__file__).parents[2] / "hmipviz/engine/nodes/route_optimization.py"
              ).read_text()
    assert not re.findall(r"\bmn\._\w+", source)
    assert "deadlines" not in source


def test_route_optimisation_sets_its_test_timers_through_the_list():
    from hmipviz.scenario import load_scenario
    sim = Simulation(load_scenario("route-optimisation"))
    seen = set()
    while sim.next_time() is not None and sim.now < 10.0:
        sim.step()
        seen |= {k.action for k in sim.mn.bul.due(float("inf"))}  # every timer set
    assert {TimerAction.HOTI, TimerAction.COTI} <= seen
