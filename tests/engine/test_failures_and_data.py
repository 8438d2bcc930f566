"""MAP failure, fall-back to Mobile IPv6, data through the tunnels, crafted packets."""

from __future__ import annotations

from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from nets import (
    CN_ADDR,
    HA_ADDR,
    HOA,
    LCOA1,
    MAP1_ADDR,
    RCOA1,
    RCOA2,
    echo,
    figure1,
    originated,
    sent,
    two_domains,
)

from hmipviz.engine.events import (
    BindingChanged,
    HandoverStarted,
    PacketDropped,
    PacketReceived,
)
from hmipviz.engine.messages import (
    BindingAck,
    BindingUpdate,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    Packet,
    Type2RoutingHeader,
)
from hmipviz.scenario import InjectSpec, LinkSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode


def cache(sim, node):
    return {e.home_address: (e.care_of_address, e.sequence) for e in sim.binding_caches()[node]}


def test_map_failure_makes_the_mn_choose_another_map():
    sim = Simulation(two_domains(shared_ars=True, fails=[(4.0, "MAP1")], duration_s=8.0))
    sim.run()
    lost = [e.change for e in sim.trace if isinstance(e, BindingChanged) and e.node == "MAP1"]
    assert lost == ["added", "lost"]
    ras = [decode(e.data).payload for e in sent(sim.trace, "RA", since_t=4.0)]
    assert ras[0].map_options[0].map_address == MAP1_ADDR
    assert ras[0].map_options[0].valid_lifetime_s == 0  # s.10: the AR advertises lifetime 0
    after = [x for x in originated(sim.trace, since_t=4.0) if x[1] not in ("RA", "RS")]
    assert after[:2] == [("MN", "local BU", 0), ("MAP2", "local BA", 0)]
    assert ("MN", "BU to HA", 1) in after
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 1)}
    assert cache(sim, "HA") == {HOA: (RCOA2, 2)}
    kinds = [e.kind for e in sim.trace if isinstance(e, HandoverStarted)]
    assert kinds == ["initial", "MAP change"]


def test_without_any_map_left_the_mn_falls_back_to_mobile_ipv6_and_returns_later():
    # MAP1 off the path to the ARs, so only its MAP function is lost
    sim = Simulation(two_domains(fails=[(3.0, "MAP1")], restores=[(6.0, "MAP1")],
                                 duration_s=9.0))
    sim.run()
    home = [decode(e.data) for e in sent(sim.trace, "BU to HA", node="MN")]
    # initial via RCoA; after the failure straight from the LCoA (s.7.1); back to the RCoA
    assert [(p.tunnel_depth(), p.innermost().src) for p in home] == [
        (1, RCOA1), (0, LCOA1), (1, RCOA1)]
    assert cache(sim, "HA") == {HOA: (RCOA1, 3)}
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 2)}


def test_echo_from_the_cn_is_double_encapsulated_and_the_reply_reverse_tunnelled():
    sim = Simulation(figure1(flows=[echo(1.0, 200.0)], duration_s=1.6))
    sim.run()
    to_mn = [e for e in sim.trace if getattr(e, "to_node", None) == "MN" and e.kind == "data"]
    p = decode(to_mn[0].data)
    assert p.tunnel_depth() == 2
    middle, inner = p.payload.inner, p.payload.inner.payload.inner
    assert [(x.src, x.dst) for x in (p, middle, inner)] == [
        (MAP1_ADDR, LCOA1), (HA_ADDR, RCOA1), (CN_ADDR, HOA)]
    assert isinstance(inner.payload, EchoRequest)
    from_mn = [e for e in sim.trace if getattr(e, "node", None) == "MN"
               and getattr(e, "origin", False) and e.kind == "data"]
    r = decode(from_mn[0].data)
    rm, ri = r.payload.inner, r.payload.inner.payload.inner
    assert [(x.src, x.dst) for x in (r, rm, ri)] == [
        (LCOA1, MAP1_ADDR), (RCOA1, HA_ADDR), (HOA, CN_ADDR)]
    assert isinstance(ri.payload, EchoReply)
    replies = [e for e in sim.trace if isinstance(e, PacketReceived) and e.node == "CN"]
    assert len(replies) == 3  # requests at 1.0, 1.2, 1.4 s answered after a 148 ms RTT


def test_packets_in_flight_during_a_handover_are_dropped_and_counted():
    from hmipviz.report import handovers
    sim = Simulation(figure1(flows=[echo(1.0, 20.0)], moves=[(3.0, "AR2")], duration_s=4.0))
    sim.run()
    drops = [e for e in sim.trace if isinstance(e, PacketDropped) and e.kind == "data"
             and 3.0 <= e.t < 3.3]
    assert drops and all("AR1" in e.reason or "left" in e.reason or "waiting" in e.reason
                         for e in drops)
    h = handovers(sim.trace, "MN")[-1]
    assert h.kind == "intra-MAP" and h.packets_lost == len(
        [e for e in drops if e.t <= h.first_data_s])


def _run_with_injection(packet: Packet, at_s=2.0, duration_s=3.0, host_prefix="2001:db8:66"):
    host = NodeSpec("EVE", "host", A(f"{host_prefix}::6"), N(f"{host_prefix}::/64"))
    sc = figure1(duration_s=duration_s, extra_nodes=[host],
                 extra_links=[LinkSpec("EVE", "MAP1", 1)],
                 injects=[InjectSpec(at_s, "EVE", encode(packet))])
    sim = Simulation(sc)
    sim.run()
    return sim


def test_ba_without_type2_routing_header_is_silently_ignored():
    forged = Packet(src=MAP1_ADDR, dst=LCOA1,
                    payload=BindingAck(status=0, sequence=1, lifetime_s=4))
    sim = _run_with_injection(forged)
    drops = [e.reason for e in sim.trace if isinstance(e, PacketDropped) and e.node == "MN"]
    assert any("without a type 2 routing header" in r for r in drops)
    mine = next(e for e in sim.binding_update_list() if e.peer == "MAP1")
    assert mine.granted_lifetime_s == 600


def test_stale_sequence_number_gets_status_135_with_the_last_accepted_number():
    stale = Packet(src=A("2001:db8:66::6"), dst=MAP1_ADDR, hao=HomeAddressOption(RCOA1),
                   payload=BindingUpdate(sequence=1, lifetime_s=600, ack=True,
                                         map_registration=True))
    sim = _run_with_injection(stale)
    ba = decode(sent(sim.trace, "local BA", node="MAP1", since_t=2.0)[0].data)
    assert (ba.dst, ba.routing.home_address) == (A("2001:db8:66::6"), RCOA1)
    assert (ba.payload.status, ba.payload.sequence, ba.payload.lifetime_s) == (135, 1, 0)
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 1)}


def test_lifetime_zero_deregisters():
    dereg = Packet(src=LCOA1, dst=MAP1_ADDR, hao=HomeAddressOption(RCOA1),
                   payload=BindingUpdate(sequence=9, lifetime_s=0, ack=True,
                                         map_registration=True))
    sim = _run_with_injection(dereg)
    changes = [e.change for e in sim.trace if isinstance(e, BindingChanged)
               and e.node == "MAP1"]
    assert changes == ["added", "deleted"]
    assert cache(sim, "MAP1") == {}


def test_local_bu_without_m_flag_is_rejected_by_the_map():
    plain = Packet(src=A("2001:db8:66::6"), dst=MAP1_ADDR,
                   hao=HomeAddressOption(A("2001:db8:100::66")),
                   payload=BindingUpdate(sequence=1, lifetime_s=600, ack=True))
    sim = _run_with_injection(plain)
    ba = decode(sent(sim.trace, "local BA", node="MAP1", since_t=2.0)[0].data).payload
    assert ba.status == 128
    assert A("2001:db8:100::66") not in cache(sim, "MAP1")


def test_rcoa_outside_the_map_prefix_gets_132():
    wrong = Packet(src=A("2001:db8:66::6"), dst=MAP1_ADDR,
                   hao=HomeAddressOption(A("2001:db8:200::9")),
                   payload=BindingUpdate(sequence=1, lifetime_s=600, ack=True,
                                         map_registration=True))
    sim = _run_with_injection(wrong)
    ba = decode(sent(sim.trace, "local BA", node="MAP1", since_t=2.0)[0].data).payload
    assert ba.status == 132


def test_home_agent_answers_a_ba_with_routing_header_to_the_home_address():
    sim = Simulation(figure1(duration_s=1.0))
    sim.run()
    ba = decode(sent(sim.trace, "BA from HA", node="HA")[0].data)
    assert ba.routing == Type2RoutingHeader(HOA)
    assert isinstance(ba.payload, BindingAck) and ba.payload.status == 0
