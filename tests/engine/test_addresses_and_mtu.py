"""Which address the MN uses where (RFC 5380 s.6.1, s.6.5, s.6.6) and the path MTU each
encapsulation layer costs (s.11)."""

from __future__ import annotations

from dataclasses import replace

from nets import (
    CN_ADDR,
    HOA,
    LCOA1,
    LCOA3,
    MAP1_ADDR,
    MAP2_ADDR,
    RCOA1,
    RCOA2,
    echo,
    figure1,
    sent,
    two_domains,
)

from hmipviz.engine.events import PacketReceived, PacketSent
from hmipviz.engine.messages import EchoReply, EchoRequest, Tunnelled
from hmipviz.path_mtu import flow_mtu, format_flow_mtu, overhead_octets
from hmipviz.scenario import FlowSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode

AR_PREFIXES = ("2001:db8:2:", "2001:db8:3:", "2001:db8:4:", "2001:db8:5:")


def test_local_bus_always_come_from_an_lcoa_never_from_another_maps_rcoa():
    # s.6.1 MUST NOT: an RCoA of one MAP as the care-of address in a BU to another MAP
    sim = Simulation(two_domains(moves=[(3.0, "AR2"), (6.0, "AR3"), (9.0, "AR4"),
                                        (12.0, "AR1")], duration_s=14.0))
    sim.run()
    bus = [decode(e.data) for e in sent(sim.trace, "local BU", node="MN")]
    assert len(bus) >= 6
    for p in bus:
        assert not isinstance(p.payload, Tunnelled)  # straight from the link, no tunnel
        assert str(p.src).startswith(AR_PREFIXES), p.src
        assert p.hao.home_address in (RCOA1, RCOA2)
        assert p.src not in (RCOA1, RCOA2)
    # the one to the previous MAP after the inter-MAP move, too (s.8)
    assert (bus[2].dst, bus[2].src, bus[3].dst, bus[3].src) == (
        MAP2_ADDR, LCOA3, MAP1_ADDR, LCOA3)


def test_rcoa_as_source_without_a_home_address_option():
    flow = FlowSpec("MN", "CN", "echo", 1.0, 500.0, use_rcoa=True)
    sim = Simulation(figure1(flows=[flow], duration_s=2.2))
    sim.run()
    out = decode(sent(sim.trace, "data", node="MN")[0].data)
    assert (out.src, out.dst) == (LCOA1, MAP1_ADDR)
    inner = out.payload.inner
    assert (inner.src, inner.dst, inner.hao) == (RCOA1, CN_ADDR, None)
    assert isinstance(inner.payload, EchoRequest)
    replies = [decode(e.data) for e in sent(sim.trace, "data", node="CN")]
    assert [(p.src, p.dst, p.routing) for p in replies] == [(CN_ADDR, RCOA1, None)] * 3
    got = [e for e in sim.trace if isinstance(e, PacketReceived) and e.node == "MN"
           and e.kind == "data"]
    assert len(got) == 3
    # neither the HA nor a binding is involved (s.6.5)
    assert not [e for e in sim.trace if isinstance(e, PacketSent) and e.kind == "data"
                and e.node == "HA"]
    assert sim.binding_caches()["CN"] == []


def test_the_cn_answering_an_rcoa_flow_breaks_on_a_new_rcoa():
    flow = FlowSpec("MN", "CN", "echo", 1.0, 200.0, use_rcoa=True)
    sim = Simulation(two_domains(flows=[flow], moves=[(3.0, "AR3")], duration_s=5.0))
    sim.run()
    sources = [decode(e.data).payload.inner.src for e in sent(sim.trace, "data", node="MN")]
    assert RCOA1 in sources and RCOA2 in sources  # the flow's address changed with the MAP


def test_upper_layer_mtu_counts_every_tunnel_and_option():
    sim = Simulation(figure1(flows=[echo(1.0, 500.0)], duration_s=2.0))
    sim.run()
    # 1500 - inner IPv6 - RCoA->HA tunnel - LCoA->MAP tunnel
    assert sim.mn.upper_layer_mtu(CN_ADDR) == 1500 - 3 * 40
    ro = replace(figure1(flows=[echo(1.0, 500.0)], duration_s=2.0), nodes=tuple(
        replace(n, route_optimization=True) if n.role == "mn" else n
        for n in figure1().nodes))
    sim = Simulation(ro)
    sim.run()
    # route-optimised: inner IPv6 + Home Address option + the MAP tunnel
    assert sim.mn.upper_layer_mtu(CN_ADDR) == 1500 - 40 - 24 - 40
    mipv6 = Simulation(figure1(duration_s=1.0, mode="mipv6"))
    mipv6.run()
    assert mipv6.mn.upper_layer_mtu(CN_ADDR) == 1500 - 2 * 40


def test_flow_mtu_measured_on_the_bytes_matches_the_mns_own_figure():
    sim = Simulation(figure1(flows=[echo(1.0, 500.0)], duration_s=2.0))
    sim.run()
    rows = {r.direction: r for r in flow_mtu(sim)}
    to_mn, from_mn = rows["CN -> MN"], rows["MN -> CN"]
    assert (to_mn.max_layers, to_mn.max_overhead_octets, to_mn.upper_layer_mtu) == (3, 120, 1380)
    assert to_mn.worst_link in ("MAP1-AR1", "AR1-MN")
    assert from_mn.upper_layer_mtu == sim.mn.upper_layer_mtu(CN_ADDR) == 1380
    assert "flow 1 CN -> MN: up to 3 IPv6 headers, 120 octets of headers, 1380 left" in \
        format_flow_mtu(flow_mtu(sim), 1500)


def test_flow_mtu_with_route_optimisation_counts_rh2_and_hao():
    base = figure1(flows=[echo(1.0, 250.0)], duration_s=3.0)
    sim = Simulation(replace(base, nodes=tuple(
        replace(n, route_optimization=True) if n.role == "mn" else n for n in base.nodes)))
    sim.run()
    rows = {r.direction: r for r in flow_mtu(sim)}
    assert rows["CN -> MN"].upper_layer_mtu == 1380  # the first requests, through the HA
    # the route-optimised replies: inner IPv6 + HAO + MAP tunnel = 104 octets
    ro_hops = [decode(e.data) for e in sent(sim.trace, "data", node="MN") if e.t > 2.0]
    assert ro_hops and all(p.payload.inner.hao.home_address == HOA for p in ro_hops)
    assert isinstance(ro_hops[0].payload.inner.payload, EchoReply)
    assert {overhead_octets(p) for p in ro_hops} == {(104, 2)}
    assert sim.mn.upper_layer_mtu(CN_ADDR) == 1500 - 104
    # and the CN's route-optimised requests: IPv6 + RH2 + the MAP tunnel
    to_mn = [decode(e.data) for e in sim.trace if isinstance(e, PacketSent)
             and e.to_node == "MN" and e.kind == "data" and e.t > 2.0]
    assert {overhead_octets(p) for p in to_mn} == {(104, 2)}
