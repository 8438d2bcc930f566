"""The MN under the timelines users make: quick drags, drags back, outages, refusals
(issue 8's numbered items, each asserting the exact messages)."""

from __future__ import annotations

from ipaddress import IPv6Network as N

import pytest
from mn_sources import off_link_sends
from nets import (
    HA_ADDR,
    HOA,
    LCOA1,
    LCOA2,
    LCOA3,
    LCOA4,
    MAP1_ADDR,
    MAP2_ADDR,
    RCOA1,
    RCOA2,
    echo,
    figure1,
    originated,
    sent,
    two_domains,
)

from hmipviz.engine.binding_update_list import TimerAction, TimerKey
from hmipviz.engine.events import HandoverCompleted, Note, StateChanged
from hmipviz.engine.nodes.mn_states import MNState
from hmipviz.report import handovers
from hmipviz.scenario import LinkSpec, MapOptionSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode


def cache(sim: Simulation, node: str) -> dict:
    return {e.home_address: e.care_of_address for e in sim.binding_caches()[node]}


def bu_fields(sim: Simulation, kind: str, since_t: float = -1.0) -> list[tuple]:
    """(time, outer source, care-of in the HAO's binding, lifetime) of each BU sent."""
    out = []
    for e in sent(sim.trace, kind, node="MN", since_t=since_t):
        p = decode(e.data)
        inner = p.payload.inner if hasattr(p.payload, "inner") else p
        out.append((round(e.t, 3), p.src, inner.src, inner.payload.lifetime_s))
    return out


def registrations(sim: Simulation, since_t: float = -1.0) -> list[tuple[str, str]]:
    """(sender, kind) of each BU and BA where it is made (not where a MAP relays it)."""
    makers = {"local BU": ("MN",), "BU to HA": ("MN",), "BA from HA": ("HA",),
              "local BA": ("MAP1", "MAP2")}
    return [(n, k) for n, k, _ in originated(sim.trace, since_t=since_t)
            if n in makers.get(k, ())]


def registered_everywhere(sim: Simulation, rcoa=RCOA1, lcoa=LCOA2, map_name="MAP1") -> None:
    assert sim.mn.state == MNState.REGISTERED
    assert cache(sim, map_name) == {rcoa: lcoa}
    assert cache(sim, "HA") == {HOA: rcoa}
    assert all(e.acknowledged for e in sim.mn.bul.values())


# --- 1: the home registration survives an intra-MAP move before the MAP's BA ----------
def test_intra_map_move_before_the_first_local_ba_still_registers_with_the_ha():
    # the local BU leaves at 0.045 s; its BA would reach AR1 at 0.053 s, after the MN left
    sim = Simulation(figure1(moves=[(0.047, "AR2")], duration_s=5.0))
    sim.run()
    assert registrations(sim) == [
        ("MN", "local BU"), ("MAP1", "local BA"),  # lost: the MN has left AR1
        ("MN", "local BU"), ("MAP1", "local BA"), ("MN", "BU to HA"), ("HA", "BA from HA")]
    registered_everywhere(sim, lcoa=LCOA2)


def test_intra_map_move_during_an_inter_map_registration_still_tells_the_ha():
    # AR2 (MAP1) -> AR3 (MAP2) at 5 s, then AR4 (MAP2) before MAP2's BA reached the MN
    sim = Simulation(two_domains(moves=[(0.0, "AR2"), (5.0, "AR3"), (5.1, "AR4")],
                                 duration_s=10.0))
    sim.run()
    assert cache(sim, "HA") == {HOA: RCOA2}
    assert cache(sim, "MAP2") == {RCOA2: LCOA4}
    assert sim.mn.state == MNState.REGISTERED
    assert off_link_sends(sim) == []


# --- 2: nothing leaves the MN from an address that is not on its link --------------------
@pytest.mark.parametrize("second_move_s", [5.09, 5.1, 5.12])
def test_retransmitted_bu_to_the_previous_map_carries_the_current_lcoa(second_move_s):
    sim = Simulation(two_domains(moves=[(0.0, "AR2"), (5.0, "AR3"), (second_move_s, "AR4")],
                                 duration_s=10.0))
    sim.run()
    assert off_link_sends(sim) == []
    s8 = bu_fields(sim, "local BU", since_t=5.0)
    # the s.8 BU to MAP1 leaves from AR3's LCoA; sent again on AR4, it carries AR4's
    assert [(src, coa) for _, src, coa, _ in s8 if src == coa] == \
        [(src, src) for _, src, _, _ in s8]
    assert {src for t, src, _, _ in s8 if t > second_move_s} <= {LCOA4}
    to_map1 = [(round(e.t, 3), decode(e.data).src) for e in
               sent(sim.trace, "local BU", node="MN", since_t=5.0)
               if decode(e.data).dst == MAP1_ADDR]
    assert to_map1[0] == (5.08, LCOA3)
    # acknowledged on AR3 before the second move, or sent again from AR4
    assert cache(sim, "MAP1") == {RCOA1: to_map1[-1][1]}
    assert len(to_map1) == (1 if second_move_s > 5.1 else 2)  # its BA reached AR3 at 5.1


@pytest.mark.parametrize("move_s", [16.03, 16.06, 16.1, 16.14])
def test_home_refresh_around_an_inter_map_move_leaves_from_the_current_rcoa(move_s):
    # MAP1 grants 20 s, so the home binding (20 s) is refreshed at about 16.1 s
    sim = Simulation(two_domains(moves=[(0.0, "AR2"), (move_s, "AR3")], duration_s=25.0,
                                 map1={"max_lifetime_s": 20}))
    sim.run()
    assert off_link_sends(sim) == []
    home = bu_fields(sim, "BU to HA")
    # every home BU for MAP1's RCoA asks at most the 20 s MAP1 granted (s.6.1)
    assert all(lifetime <= 20 for _, _, coa, lifetime in home if coa == RCOA1)
    assert home[-1][2] == RCOA2
    assert cache(sim, "HA") == {HOA: RCOA2}


@pytest.mark.parametrize("source", ["MN", "CN"])
def test_route_optimised_data_never_leaves_from_a_previous_address(source):
    # echoes every 10 ms, route-optimised, across an inter-MAP move and back
    flows = [echo(1.0, 10.0, source=source)]
    sim = Simulation(two_domains(moves=[(0.0, "AR2"), (8.0, "AR3"), (12.0, "AR2")],
                                 duration_s=16.0, flows=flows,
                                 mn={"route_optimization": True}))
    sim.run()
    assert len(sent(sim.trace, "BA from CN")) >= 3  # bound, rebound, rebound
    assert off_link_sends(sim) == []


# --- 3: no giving up; registered only with acknowledged bindings -------------------------
def test_a_path_outage_longer_than_the_retries_is_recovered_from():
    sim = Simulation(figure1(duration_s=200.0))
    sim.run(until_s=1.0)
    sim.set_link("MAP1", "AR2", loss=1.0)  # AR2's uplink dies; nobody tells the ARs
    sim.move("AR2", at_s=2.0)
    sim.run(until_s=150.0)
    assert sim.mn.state == MNState.LOCAL_REGISTRATION
    tries = [e.t for e in sent(sim.trace, "local BU", node="MN", since_t=2.0)]
    assert len(tries) > 8  # past max_bu_retransmissions, at MAX_BINDACK_TIMEOUT
    assert round(tries[-1] - tries[-2], 3) == 32.0
    sim.set_link("MAP1", "AR2", loss=0.0)
    sim.run()
    registered_everywhere(sim, lcoa=LCOA2)
    assert not any(isinstance(e, Note) and "giving up" in e.text for e in sim.trace)


def test_back_on_the_same_link_after_the_bindings_ran_out_the_mn_registers_again():
    sim = Simulation(figure1(moves=[(5.0, None), (60.0, "AR1")], duration_s=65.0,
                             map1={"max_lifetime_s": 20}))
    sim.run()
    assert registrations(sim, since_t=60.0) == [
        ("MN", "local BU"), ("MAP1", "local BA"), ("MN", "BU to HA"), ("HA", "BA from HA")]
    states = [e.input for e in sim.trace if isinstance(e, StateChanged) and e.t >= 60.0]
    assert "same LCoA, bindings hold" not in states
    registered_everywhere(sim, lcoa=LCOA1)


# --- 4: a refusal concerns one LCoA -------------------------------------------------------
def test_a_map_that_refused_one_lcoa_is_used_again_on_a_link_it_accepts():
    # MAP1 accepts only AR1's prefix (s.6.2): on AR2 it answers 129, on AR1 it binds
    sim = Simulation(figure1(moves=[(0.0, "AR2"), (5.0, "AR1")], duration_s=10.0,
                             map1={"valid_onlink_prefixes": (N("2001:db8:2::/64"),)}))
    sim.run()
    statuses = [decode(e.data).payload.status for e in sent(sim.trace, "local BA")]
    assert statuses[0] == 129
    assert statuses[-1] == 0
    assert cache(sim, "MAP1") == {RCOA1: LCOA1}
    assert cache(sim, "HA") == {HOA: RCOA1}
    kinds = [h.kind for h in handovers(sim.trace, "MN")]
    assert kinds == ["initial", "back to a MAP"]


def test_a_refused_intra_map_move_is_reported_as_a_fall_back_to_mobile_ipv6():
    sim = Simulation(figure1(moves=[(5.0, "AR2")], duration_s=10.0,
                             map1={"valid_onlink_prefixes": (N("2001:db8:2::/64"),)}))
    sim.run()
    done = [(e.kind, e.t > 5.0) for e in sim.trace if isinstance(e, HandoverCompleted)]
    assert done == [("initial", False), ("to Mobile IPv6", True)]
    assert [h.kind for h in handovers(sim.trace, "MN")] == ["initial", "to Mobile IPv6"]
    assert cache(sim, "HA") == {HOA: LCOA2}  # fallback: the LCoA at the HA (s.7.1)


# --- 6: lifetimes within the MAP option's Valid Lifetime ----------------------------------
def test_lifetimes_never_exceed_the_rcoa_valid_lifetime():
    scenario = figure1(duration_s=3.0)
    nodes = tuple(n if n.role != "ar" else n.__class__(**{
        **n.__dict__, "map_options": (MapOptionSpec("MAP1", lifetime_s=100),)})
        for n in scenario.nodes)
    sim = Simulation(scenario.__class__(**{**scenario.__dict__, "nodes": nodes}))
    sim.run()
    assert [lt for *_, lt in bu_fields(sim, "local BU")] == [100]
    assert [lt for *_, lt in bu_fields(sim, "BU to HA")] == [100]


# --- 8: InitialBindackTimeoutFirstReg -----------------------------------------------------
def test_a_slow_home_agent_gets_one_first_registration_not_two():
    # about 1.2 s round trip to the HA: above 1 s, below InitialBindackTimeoutFirstReg
    scenario = figure1(duration_s=5.0)
    links = tuple(LinkSpec("HA", "R", 560) if {link.a, link.b} == {"HA", "R"} else link
                  for link in scenario.links)
    sim = Simulation(scenario.__class__(**{**scenario.__dict__, "links": links}))
    sim.run()
    assert [k for _, k in registrations(sim) if k in ("BU to HA", "BA from HA")] == \
        ["BU to HA", "BA from HA"]
    assert cache(sim, "HA") == {HOA: RCOA1}
    assert sim.mn.state == MNState.REGISTERED


# --- 9: a MAP advertised again is taken at once -------------------------------------------
def test_a_restored_map_is_taken_while_the_mobile_ipv6_home_bu_is_outstanding():
    scenario = two_domains(shared_ars=True, fails=[(4.0, "MAP1"), (4.0, "MAP2")],
                           restores=[(6.0, "MAP1")], duration_s=12.0)
    links = tuple(LinkSpec("HA", "R", 900) if {link.a, link.b} == {"HA", "R"} else link
                  for link in scenario.links)
    sim = Simulation(scenario.__class__(**{**scenario.__dict__, "links": links}))
    sim.run()
    fallback_bu = next(e.t for e in sent(sim.trace, "BU to HA", since_t=4.0))
    fallback_ba = next(e.t for e in sent(sim.trace, "BA from HA", since_t=fallback_bu))
    first_local = next(e.t for e in sent(sim.trace, "local BU", since_t=6.0))
    ras = [e.t for e in sent(sim.trace, "RA", since_t=6.0) if e.link == "AR1-MN"]
    # at the first RA on its link that shows MAP1 alive again (2 ms access link)
    assert first_local == pytest.approx(ras[0] + 0.002)
    assert first_local < fallback_ba + 1.8  # not after the fallback's home BA
    registered_everywhere(sim, lcoa=LCOA1)


# --- 12: the binding update list counts from the BU's sending ------------------------------
def test_binding_update_list_lifetimes_count_from_sending_the_bu():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    local = sim.mn.bul[(MAP1_ADDR, RCOA1)]
    home = sim.mn.bul[(HA_ADDR, HOA)]
    assert local.expires_at_s == local.sent_at_s + 600
    assert home.expires_at_s == home.sent_at_s + 600
    assert local.sent_at_s < local.acked_at_s
    refresh = sim.mn.bul.timer(TimerKey(TimerAction.REFRESH, MAP1_ADDR, RCOA1))
    assert refresh == pytest.approx(local.sent_at_s + 600 * 0.8)


def test_icmpv6_errors_reaching_the_mn_are_explained_not_refused():
    from nets import CN_ADDR

    from hmipviz.engine.messages import Packet, PacketTooBig, TimeExceeded
    from hmipviz.wire.codec import encode
    sim = Simulation(figure1(duration_s=3.0))
    sim.inject("CN", encode(Packet(CN_ADDR, HOA, PacketTooBig(1400, bytes(48)))), at_s=1.0)
    sim.inject("CN", encode(Packet(CN_ADDR, HOA, TimeExceeded(0, bytes(48)))), at_s=1.5)
    sim.run()
    notes = [e.text for e in sim.trace if isinstance(e, Note) and e.node == "MN"]
    assert any("Packet Too Big" in n and "MTU 1400" in n for n in notes)
    assert any("Time Exceeded" in n for n in notes)
    assert not [e for e in sim.trace if getattr(e, "reason", "").startswith("MN does not")]


def test_back_on_the_link_where_its_map_is_alive_again_the_mn_takes_the_map_first():
    # fallen back while MAP1 was down; away while it comes back; back on the same link:
    # the pending Mobile IPv6 home BU must not leave with the LCoA (s.6.6, s.9 eager)
    sim = Simulation(figure1(moves=[(0.0, "AR1"), (0.375, None), (0.875, "AR1")],
                             fails=[(0.25, "MAP1")], restores=[(0.875, "MAP1")],
                             duration_s=5.0, protocol={"l2_switch_ms": 50.0}))
    sim.run()
    home_after = [(src, coa) for t, src, coa, _ in bu_fields(sim, "BU to HA") if t > 0.875]
    assert home_after and all(coa == RCOA1 for _, coa in home_after)
    assert [h.kind for h in handovers(sim.trace, "MN")][-1] == "back to a MAP"
    registered_everywhere(sim, lcoa=LCOA1)


def test_a_bu_deferred_by_max_update_rate_leaves_a_second_after_not_in_a_loop():
    # found by the timeline fuzzer: with "times[0] <= now - 1.0" a rounding kept the BU
    # deferred to the very instant it was due, so the timer fired without end
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    mn = sim.mn
    t0 = 0.0011234  # (t0 + 1.0) - 1.0 < t0 in binary floating point
    now = t0 + 1.0
    assert now - 1.0 < t0
    entry = mn.bul[(MAP1_ADDR, RCOA1)]
    times = mn.bul.sent_times(MAP1_ADDR)
    times.clear()
    times.extend([t0, t0, t0])
    before = len(mn.pull())
    mn._transmit(entry, now, "test", "RFC 6275 s.11.8")
    assert mn.bul.timer(TimerKey(TimerAction.DEFERRED, MAP1_ADDR, RCOA1)) is None
    assert before == 0 and len(mn.pull()) == 1  # sent now, one second after the first


def test_a_cn_holding_an_old_care_of_address_is_told_the_new_one():
    # found by the timeline fuzzer: the CN accepts a BU whose BA is lost while the MN
    # moves; the MN must not forget that the CN may bind its old care-of address
    sim = Simulation(two_domains(duration_s=30.0, mode="mipv6", flows=[echo(1.0, 100.0)],
                                 mn={"route_optimization": True}))
    while not sent(sim.trace, "BA from CN"):
        sim.step()
    sim.set_link("R", "AGG", loss=1.0)  # the BA from the CN is lost on its way
    sim.move("AR2", at_s=sim.now + 0.005)
    sim.run(until_s=sim.now + 0.3)
    sim.set_link("R", "AGG", loss=0.0)
    sim.run()
    assert cache(sim, "CN") == {HOA: LCOA2}
    assert cache(sim, "HA") == {HOA: LCOA2}


def test_the_mn_keeps_telling_a_cn_with_a_stale_binding_until_it_answers():
    # found by the timeline fuzzer: after six unanswered BUs the MN gave up on the CN,
    # which went on binding the LCoA the MN had left and losing every packet
    sim = Simulation(figure1(duration_s=200.0, mode="mipv6", flows=[echo(1.0, 100.0)],
                             moves=[(10.0, "AR2")], restores=[(100.0, "MAP1")],
                             mn={"route_optimization": True}))
    while not sent(sim.trace, "BU to CN", since_t=10.0):
        sim.step()
    sim.fail("MAP1")  # the only way up from the ARs, while that BU is in flight
    sim.run()
    tries = [e.t for e in sent(sim.trace, "BU to CN", node="MN", since_t=10.0)]
    assert len(tries) > 7 and tries[-1] > 100.0  # on past max_bu_retransmissions
    assert cache(sim, "CN") == {HOA: LCOA2}
    assert not any(isinstance(e, Note) and "given up" in e.text for e in sim.trace)


def test_a_map_option_no_ra_renews_runs_out_and_the_rcoa_is_given_up():
    # found by the timeline fuzzer: with its AR silent, the MN went on using an RCoA
    # whose MAP option had run out (RFC 5380 s.5: Valid Lifetime is the RCoA's validity)
    scenario = figure1(duration_s=40.0)
    nodes = tuple(n if n.role != "ar" else n.__class__(**{
        **n.__dict__, "map_options": (MapOptionSpec("MAP1", lifetime_s=12),)})
        for n in scenario.nodes)
    sim = Simulation(scenario.__class__(**{**scenario.__dict__, "nodes": nodes}))
    sim.run(until_s=5.0)
    sim.fail("AR1")  # no more RAs; the MN stays on AR1's link
    sim.run()
    expired = [e for e in sim.trace if isinstance(e, Note) and "no RA renewed" in e.text]
    assert len(expired) == 1 and 12.0 < expired[0].t < 20.0
    assert sim.mn.current_map is None and sim.mn.rcoa is None
    late = [lt for t, _, coa, lt in bu_fields(sim, "local BU") if t > expired[0].t]
    assert late == []  # no local BU for an RCoA that is no longer valid


def test_data_keeps_flowing_while_a_refresh_is_outstanding():
    # found by the timeline fuzzer: while a refresh was unanswered the MN forgot the
    # binding it still had and dropped every packet it should have answered
    sim = Simulation(figure1(duration_s=20.0, map1={"max_lifetime_s": 20},
                             flows=[echo(15.0, 5.0)]))
    sim.run()
    refresh = [t for t, *_ in bu_fields(sim, "BU to HA")][1]
    assert 15.0 < refresh < 17.0
    dropped = [e for e in sim.trace if getattr(e, "node", "") == "MN"
               and "no registered care-of address" in getattr(e, "reason", "")]
    assert dropped == []
    replies = [e.t for e in sim.trace if getattr(e, "kind", "") == "data"
               and getattr(e, "node", "") == "MN" and getattr(e, "origin", False)]
    assert any(refresh < t < refresh + 0.1 for t in replies)


def test_no_route_optimised_data_from_the_lcoa_once_a_map_is_selected_again():
    # found by the timeline fuzzer: after a fall-back the CN held a binding for the LCoA;
    # back with a MAP, the MN went on sending to it from the LCoA until the HA answered
    from nets import CN_ADDR

    from hmipviz.engine.events import MapSelected
    sim = Simulation(two_domains(duration_s=30.0, flows=[echo(1.0, 10.0, source="MN")],
                                 fails=[(5.0, "MAP1")], restores=[(15.0, "MAP1")],
                                 mn={"route_optimization": True}))
    sim.run()
    back = next(e.t for e in sim.trace if isinstance(e, MapSelected) and e.t > 15.0)
    fallen = [decode(e.data) for e in sent(sim.trace, "data", node="MN", since_t=6.0)
              if e.t < 15.0]
    assert any(p.src == LCOA1 and p.dst == CN_ADDR for p in fallen)  # RO in the fall-back
    after = [decode(e.data) for e in sent(sim.trace, "data", node="MN", since_t=back)]
    assert after and not any(p.src == LCOA1 and p.dst == CN_ADDR for p in after)
    assert cache(sim, "CN") == {HOA: RCOA1}


def test_no_bu_to_a_previous_map_whose_option_said_it_failed():
    # found by the timeline fuzzer: a forwarding BU to the previous MAP went out with a
    # 4-s lifetime although that MAP's last option had Valid Lifetime 0 (RFC 5380 s.10)
    from hmipviz.engine.messages import MapOption
    sim = Simulation(two_domains(moves=[(0.0, "AR2"), (5.0, "AR3")], duration_s=5.2))
    sim.run()
    mn = sim.mn
    assert mn.current_map == MAP2_ADDR
    failed = MapOption(2, 10, True, 0, MAP1_ADDR)
    mn.heard[MAP1_ADDR] = (failed, "AR2", sim.now)
    mn.pull()
    mn._send_local_bu(MAP1_ADDR, RCOA1, sim.now, "test", rfc="RFC 5380 s.8")
    sends = [o for o in mn.pull() if getattr(o, "packet", None) is not None]
    assert sends == []
    assert (MAP1_ADDR, RCOA1) not in mn.bul


def test_return_routability_goes_on_while_the_cn_binds_an_address_the_mn_left():
    # found by the timeline fuzzer: the care-of test to the CN gave up during an outage
    # although the CN still bound the LCoA of the previous link, so its data was lost
    sim = Simulation(two_domains(duration_s=250.0, mode="mipv6", flows=[echo(1.0, 100.0)],
                                 mn={"route_optimization": True}))
    sim.run(until_s=10.0)
    assert cache(sim, "CN") == {HOA: LCOA1}
    sim.set_link("CN", "R", loss=1.0)
    sim.move("AR3")
    sim.run(until_s=150.0)
    sim.set_link("CN", "R", loss=0.0)
    sim.run()
    assert cache(sim, "CN") == {HOA: LCOA3}
    assert not any(isinstance(e, Note) and "given up" in e.text for e in sim.trace)


def test_a_home_refresh_in_flight_is_not_a_new_rcoa() -> None:
    """A MAP option of 20 s caps the home binding too, so the MAP's refresh BA can
    arrive at the instant the HA's refresh BU leaves (lesson 17 found it): the RCoA has
    not changed and the HA still holds it, so the MN stays registered; before the fix it
    said "local BA, new RCoA" and went back to home registration on every refresh."""
    import dataclasses

    s = figure1(duration_s=60.0)
    short = tuple(dataclasses.replace(n, map_options=(MapOptionSpec("MAP1", lifetime_s=20),))
                  if n.role == "ar" else n for n in s.nodes)
    sim = Simulation(dataclasses.replace(s, nodes=short))
    sim.run(60.0)
    changes = [e for e in sim.trace if isinstance(e, StateChanged) and e.node == "MN"]
    new_rcoa = [e.t for e in changes if e.input == "local BA, new RCoA"]
    assert len(new_rcoa) == 1  # the first registration only: one RCoA all along
    after = [e for e in changes if e.t > new_rcoa[0]]
    assert [e.new for e in after].count(MNState.HOME_REGISTRATION.value) == 0
    refreshes = [e for e in after if e.input == "refresh acknowledged"]
    assert len(refreshes) >= 4  # local and home refreshes every 16 s went on
    home_bus = [e for e in sim.trace if getattr(e, "kind", "") == "BU to HA"
                and e.node == "MN" and type(e).__name__ == "PacketSent"]
    assert len(home_bus) >= 3  # the home binding was refreshed, not let lapse
    assert cache(sim, "HA") == {HOA: RCOA1}
