"""First registration, intra- and inter-MAP handovers (RFC 5380 s.6.1, s.6.2, s.8)."""

from __future__ import annotations

from ipaddress import IPv6Address as A
from itertools import pairwise

from nets import (
    HA_ADDR,
    HOA,
    LCOA1,
    LCOA2,
    LCOA3,
    MAP1_ADDR,
    MAP2_ADDR,
    RCOA1,
    RCOA2,
    figure1,
    originated,
    sent,
    two_domains,
)
from pair import attach, binding_cache, mn_and_map

from hmipviz.engine.events import BindingChanged, HandoverCompleted, HandoverStarted, Note
from hmipviz.engine.messages import BindingAck, BindingUpdate, Tunnelled
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode


def cache(sim: Simulation, node: str) -> dict:
    return {e.home_address: (e.care_of_address, e.sequence, e.lifetime_s)
            for e in sim.binding_caches()[node]}


def test_initial_registration_message_sequence_and_caches():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    assert originated(sim.trace) == [
        ("MN", "RS", 0),
        ("AR1", "RA", 0),
        ("MN", "local BU", 0),
        ("MAP1", "local BA", 0),
        ("MN", "BU to HA", 1),     # RCoA -> HA, tunnelled LCoA -> MAP (s.6.1)
        ("MAP1", "BU to HA", 0),   # MAP decapsulates and forwards
        ("HA", "BA from HA", 0),
        ("MAP1", "BA from HA", 1),  # intercepted for the RCoA, tunnelled to the LCoA
    ]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 1, 600)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}
    bul = {(e.peer, e.home_address): (e.care_of_address, e.acknowledged, e.granted_lifetime_s)
           for e in sim.binding_update_list()}
    assert bul == {("MAP1", RCOA1): (LCOA1, True, 600), ("HA", HOA): (RCOA1, True, 600)}
    assert sim.internal_errors == 0


def test_local_bu_fields_decoded_from_the_bytes():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    bu_hop = sent(sim.trace, "local BU")[0]
    p = decode(bu_hop.data)
    assert (p.src, p.dst, p.hao.home_address) == (LCOA1, MAP1_ADDR, RCOA1)
    bu = p.payload
    assert isinstance(bu, BindingUpdate)
    assert (bu.ack, bu.map_registration, bu.home_registration) == (True, True, False)
    assert (bu.sequence, bu.lifetime_s) == (1, 600)
    ba = decode(sent(sim.trace, "local BA")[0].data)
    assert isinstance(ba.payload, BindingAck)
    assert (ba.src, ba.dst, ba.routing.home_address) == (MAP1_ADDR, LCOA1, RCOA1)
    assert (ba.payload.status, ba.payload.sequence, ba.payload.lifetime_s) == (0, 1, 600)


def test_bu_to_ha_is_sent_from_the_rcoa_through_the_map_tunnel():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    outer = decode(sent(sim.trace, "BU to HA", node="MN")[0].data)
    assert (outer.src, outer.dst) == (LCOA1, MAP1_ADDR)
    assert isinstance(outer.payload, Tunnelled)
    inner = outer.payload.inner
    assert (inner.src, inner.dst, inner.hao.home_address) == (RCOA1, HA_ADDR, HOA)
    bu = inner.payload
    assert (bu.home_registration, bu.map_registration, bu.ack) == (True, False, True)
    # the BA from the HA reaches the MN double-addressed: MAP -> LCoA [HA -> RCoA, RH2 HoA]
    ba_outer = decode(sent(sim.trace, "BA from HA", node="MAP1")[0].data)
    ba_inner = ba_outer.payload.inner
    assert (ba_outer.src, ba_outer.dst) == (MAP1_ADDR, LCOA1)
    assert (ba_inner.src, ba_inner.dst, ba_inner.routing.home_address) == (HA_ADDR, RCOA1, HOA)


def test_intra_map_handover_sends_exactly_one_local_bu_and_nothing_to_the_ha():
    sim = Simulation(figure1(moves=[(5.0, "AR2")], duration_s=8.0))
    sim.run()
    after = originated(sim.trace, since_t=5.0)
    signalling = [x for x in after if x[1] not in ("RA", "RS")]
    assert signalling == [("MN", "local BU", 0), ("MAP1", "local BA", 0)]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA2, 2, 600)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}
    kinds = [(e.kind, e.from_ar, e.to_ar) for e in sim.trace if isinstance(e, HandoverStarted)]
    assert kinds == [("initial", None, "AR1"), ("intra-MAP", "AR1", "AR2")]
    done = [e for e in sim.trace if isinstance(e, HandoverCompleted)][-1]
    assert done.kind == "intra-MAP" and done.started_t == 5.0
    # link down at 5 s + 50 ms L2 switch + RS/RA + BU/BA over 2 ms links
    assert 0.05 < done.latency_s < 0.2


def test_inter_map_handover_new_rcoa_home_bu_and_previous_map_forwarding():
    sim = Simulation(two_domains(moves=[(5.0, "AR3")], duration_s=8.0))
    sim.run()
    after = [x for x in originated(sim.trace, since_t=5.0) if x[1] not in ("RA", "RS")]
    # new MAP and previous MAP (s.8) first, the HA only after the new MAP's BA (s.6.1)
    assert after[:2] == [("MN", "local BU", 0), ("MN", "local BU", 0)]
    assert ("MN", "BU to HA", 1) in after
    assert after.index(("MN", "BU to HA", 1)) > after.index(("MAP2", "local BA", 0))
    bus = [decode(e.data) for e in sent(sim.trace, "local BU", since_t=5.0)]
    assert [(p.dst, p.hao.home_address, p.src) for p in bus] == [
        (MAP2_ADDR, RCOA2, LCOA3), (MAP1_ADDR, RCOA1, LCOA3)]
    assert cache(sim, "MAP2") == {RCOA2: (LCOA3, 1, 600)}
    assert cache(sim, "MAP1") == {RCOA1: (LCOA3, 2, 600)}  # forwards to the new LCoA
    assert cache(sim, "HA") == {HOA: (RCOA2, 2, 600)}
    home = decode(sent(sim.trace, "BU to HA", node="MN", since_t=5.0)[0].data)
    assert (home.src, home.dst) == (LCOA3, MAP2_ADDR)  # tunnelled to the NEW map
    assert home.payload.inner.src == RCOA2


def test_previous_map_with_valid_onlink_prefixes_rejects_with_129():
    from ipaddress import IPv6Network as N
    sim = Simulation(two_domains(
        moves=[(5.0, "AR3")], duration_s=8.0,
        map1={"valid_onlink_prefixes": (N("2001:db8:2::/64"), N("2001:db8:3::/64"))}))
    sim.run()
    bas = [decode(e.data).payload for e in sent(sim.trace, "local BA", node="MAP1",
                                                 since_t=5.0)]
    assert [(b.status, b.lifetime_s) for b in bas] == [(129, 0)]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 1, 600)}  # old binding left to expire
    assert cache(sim, "HA") == {HOA: (RCOA2, 2, 600)}


def test_map_lifetime_caps_the_home_binding():
    sim = Simulation(figure1(duration_s=1.0, map1={"max_lifetime_s": 40}))
    sim.run()
    ba = decode(sent(sim.trace, "local BA")[0].data).payload
    assert ba.lifetime_s == 40
    home = decode(sent(sim.trace, "BU to HA", node="MN")[0].data).payload.inner.payload
    assert home.lifetime_s == 40  # RFC 5380 s.6.1: not larger than the MAP granted
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 40)}


def test_bindings_are_refreshed_before_expiry():
    # MN and MAP alone (tests/pair.py): the HA plays no part in the local binding
    pair, _, _ = mn_and_map(max_lifetime_s=20)
    attach(pair)
    pair.advance(40.0)
    local = pair.times("local BU", node="MN")
    # granted 20 s, refreshed at 80 %: about every 16 s
    assert len(local) == 3
    assert 15.9 < local[1] - local[0] < 16.2 and 15.9 < local[2] - local[1] < 16.2
    changes = [e.change for e in pair.emitted(BindingChanged, "MAP1")]
    assert changes == ["added", "refreshed", "refreshed"]
    assert "expired" not in changes


def test_binding_expires_at_the_map_when_the_mn_stops_refreshing():
    pair, mn, map1 = mn_and_map(max_lifetime_s=20)
    attach(pair)
    pair.advance(2.0)
    mn.detach(pair.now)  # the MN leaves every link at 2 s
    pair.collect("MN")
    pair.advance(28.0)
    changes = [(e.change, round(e.t)) for e in pair.emitted(BindingChanged, "MAP1")]
    assert changes == [("added", 0), ("expired", 20)]
    assert binding_cache(map1) == {}


def test_bu_retransmission_backs_off_exponentially_and_never_gives_up():
    # RFC 6275 s.11.8 / s.13: a first home registration starts at
    # InitialBindackTimeoutFirstReg (1.5 s), doubles up to MAX_BINDACK_TIMEOUT (32 s)
    # and goes on at that rate for as long as no BA comes. MN and MAP alone
    # (tests/pair.py): the home BUs the MAP forwards reach no HA, as if it were down.
    pair, _, _ = mn_and_map()
    attach(pair)
    pair.advance(200.0)
    home = pair.sent("MN", "BU to HA")
    times = [h.t for h in home]
    gaps = [round(b - a, 3) for a, b in pairwise(times)]
    assert gaps == [1.5, 3.0, 6.0, 12.0, 24.0, 32.0, 32.0, 32.0, 32.0]
    seqs = [h.packet.payload.inner.payload.sequence for h in home]
    assert seqs == list(range(1, 11))
    assert not any(isinstance(e, Note) and "giving up" in e.text for e in pair.events)


def test_registration_resumes_when_the_home_agent_comes_back():
    sim = Simulation(figure1(duration_s=120.0, fails=[(0.0, "HA")], restores=[(60.0, "HA")]))
    sim.run()
    assert cache(sim, "HA") == {HOA: (RCOA1, sim.mn.bul[(HA_ADDR, HOA)].sequence, 600)}
    assert sim.mn.state == "registered"


def test_mobile_ipv6_mode_binds_each_lcoa_with_the_ha():
    sim = Simulation(figure1(moves=[(5.0, "AR2")], duration_s=8.0, mode="mipv6"))
    sim.run()
    signalling = [x for x in originated(sim.trace) if x[1] not in ("RA", "RS")]
    assert signalling == [("MN", "BU to HA", 0), ("HA", "BA from HA", 0)] * 2
    assert cache(sim, "HA") == {HOA: (LCOA2, 2, 600)}
    assert sim.binding_caches()["MAP1"] == []
    first = decode(sent(sim.trace, "BU to HA")[0].data)
    assert (first.src, first.dst, first.hao.home_address) == (LCOA1, HA_ADDR, HOA)


def test_same_inputs_give_the_same_trace_byte_for_byte():
    def run():
        sim = Simulation(figure1(moves=[(3.0, "AR2"), (6.0, "AR1")], duration_s=9.0,
                                 flows=[__import__("nets").echo(1.0, 100.0)]))
        sim.run()
        return [e.to_json() for e in sim.trace]
    first, second = run(), run()
    assert first == second
    assert len(first) > 200


def test_move_to_the_same_ar_is_a_no_op():
    sim = Simulation(figure1(moves=[(2.0, "AR1")], duration_s=4.0))
    sim.run()
    assert [x for x in originated(sim.trace, since_t=2.0) if x[1] != "RA"] == []


def test_addresses_in_the_caches_use_the_interface_identifier():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    assert sim.mn.rcoa == A("2001:db8:100::a") and sim.mn.lcoa == A("2001:db8:2::a")


def test_at_most_three_bus_a_second_to_one_map():
    # four quick moves between AR1 and AR2: the fourth local BU waits (RFC 6275 s.11.8)
    moves = [(2.0, "AR2"), (2.15, "AR1"), (2.3, "AR2"), (2.45, "AR1")]
    sim = Simulation(figure1(moves=moves, duration_s=5.0))
    sim.run()
    times = [e.t for e in sent(sim.trace, "local BU", since_t=2.0)]
    assert len(times) == 4
    assert all(b - a >= 1.0 for a, b in zip(times, times[3:], strict=False))
    assert abs(times[3] - (times[0] + 1.0)) < 1e-9
    last = decode(sent(sim.trace, "local BU", since_t=2.0)[-1].data)
    assert last.src == LCOA1  # the held-back BU carries the newest LCoA
    assert cache(sim, "MAP1")[RCOA1][0] == LCOA1


def test_coming_back_to_the_same_ar_keeps_the_bindings():
    from hmipviz.engine.events import StateChanged
    sim = Simulation(figure1(moves=[(2.0, None), (3.0, "AR1")], duration_s=5.0))
    sim.run()
    states = [(e.old, e.new, e.input) for e in sim.trace if isinstance(e, StateChanged)
              and e.t >= 2.0]
    assert states == [("registered", "detached", "link down"),
                      ("detached", "awaiting RA", "link up"),
                      ("awaiting RA", "registered", "same LCoA, bindings hold")]
    signalling = [x for x in originated(sim.trace, since_t=2.0) if x[1] not in ("RA", "RS")]
    assert signalling == []
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 1, 600)}
    assert sim.mn.state == "registered"


def test_a_second_move_during_the_link_switch_wins():
    # 50 ms L2 switch: the move to AR1 at 5.02 s overtakes the one to AR2 at 5.0 s
    sim = Simulation(figure1(moves=[(5.0, "AR2"), (5.02, "AR1")], duration_s=7.0))
    sim.run()
    from hmipviz.engine.events import LinkChanged
    links = [(round(e.t, 3), e.ar) for e in sim.trace if isinstance(e, LinkChanged)
             and e.t >= 5.0]
    assert links == [(5.0, None), (5.07, "AR1")]
    assert sim.mn.ar == "AR1" and cache(sim, "MAP1") == {RCOA1: (LCOA1, 1, 600)}
