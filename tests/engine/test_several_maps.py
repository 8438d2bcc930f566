"""Several MAP registrations at once (RFC 5380 s.3.1, s.6.1, s.7.1 MAY, s.9.1).

The MN selects MAP1 (s.9.1) for its home registration and, with ``extra_maps``, keeps a
second binding with MAP2, each from the on-link LCoA; a flow's ``map`` makes the MN use
MAP2's RCoA with that flow's correspondent.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from nets import (
    CN_ADDR,
    HA_ADDR,
    HOA,
    LCOA1,
    LCOA2,
    MAP1_ADDR,
    MAP2_ADDR,
    RCOA1,
    RCOA2,
    originated,
    sent,
    two_domains,
)

from hmipviz.engine.events import (
    MapSelected,
    Note,
    PacketReceived,
    PacketSent,
    SecurityAssociationEstablished,
)
from hmipviz.engine.messages import (
    NH_ESP,
    BindingUpdate,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeTestInit,
    Packet,
    RawPayload,
    Tunnelled,
    UdpDatagram,
)
from hmipviz.engine.nodes.correspondent import CorrespondentNode
from hmipviz.scenario import FlowSpec, LinkSpec, MapOptionSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode

CN2_ADDR = A("2001:db8:60::1")
CN2 = NodeSpec("CN2", "cn", CN2_ADDR, N("2001:db8:60::/64"))
AR_PREFIXES = ("2001:db8:2:", "2001:db8:3:", "2001:db8:4:", "2001:db8:5:")
EXTRA = {"extra_maps": ("MAP2",)}
EXTRA_RO = {"extra_maps": ("MAP2",), "route_optimization": True}


def net(mn=None, flows=(), **kw):
    """Every AR advertises MAP1 (Pref 10, selected) and MAP2 (Pref 5); CN2 beside CN."""
    return two_domains(shared_ars=True, mn=mn, flows=flows, extra_nodes=[CN2],
                       extra_links=[LinkSpec("CN2", "R", 20)], **kw)


def run(scenario, until=None, **kw) -> Simulation:
    sim = Simulation(scenario, **kw)
    sim.run(until)
    assert sim.internal_errors == 0
    return sim


def cache(sim: Simulation, node: str) -> dict:
    return {e.home_address: (e.care_of_address, e.sequence, e.lifetime_s)
            for e in sim.binding_caches()[node]}


def layers(packet: Packet) -> list[tuple[A, A]]:
    out = [(packet.src, packet.dst)]
    while isinstance(packet.payload, Tunnelled):
        packet = packet.payload.inner
        out.append((packet.src, packet.dst))
    return out


def local_bus(sim: Simulation, since_t: float = -1.0) -> list[tuple[A, A, A]]:
    """(destination MAP, source, Home Address option) of each local BU the MN sent."""
    out = []
    for e in sent(sim.trace, "local BU", node="MN", since_t=since_t):
        p = decode(e.data)
        assert not isinstance(p.payload, Tunnelled)  # straight from the link (s.6.1)
        assert isinstance(p.payload, BindingUpdate) and p.payload.map_registration
        out.append((p.dst, p.src, p.hao.home_address))
    return out


# --- registration -----------------------------------------------------------------------

def test_attach_sends_a_local_bu_to_each_map_from_the_lcoa_and_homes_via_the_selected_one():
    sim = run(net(mn=EXTRA, duration_s=1.0))
    assert originated(sim.trace) == [
        ("MN", "RS", 0),
        ("AR1", "RA", 0),
        ("MN", "local BU", 0),      # MAP1, the s.9.1 choice
        ("MN", "local BU", 0),      # MAP2, the extra one: from the same LCoA
        ("MAP1", "local BA", 0),
        ("MAP2", "local BA", 0),
        ("MN", "BU to HA", 1),      # only through MAP1
        ("MAP1", "BU to HA", 0),
        ("HA", "BA from HA", 0),
        ("MAP1", "BA from HA", 1),
    ]
    assert local_bus(sim) == [(MAP1_ADDR, LCOA1, RCOA1), (MAP2_ADDR, LCOA1, RCOA2)]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 1, 600)}
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 1, 600)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}  # the selected MAP's RCoA
    home = decode(sent(sim.trace, "BU to HA", node="MN")[0].data)
    assert layers(home) == [(LCOA1, MAP1_ADDR), (RCOA1, HA_ADDR)]
    bul = {(e.peer, e.home_address): (e.care_of_address, e.acknowledged)
           for e in sim.binding_update_list()}
    assert bul == {("MAP1", RCOA1): (LCOA1, True), ("MAP2", RCOA2): (LCOA1, True),
                   ("HA", HOA): (RCOA1, True)}
    # one MAP selection (s.9.1); the extra MAP is a note, not a new selection
    assert [e.map_address for e in sim.trace if isinstance(e, MapSelected)] == [str(MAP1_ADDR)]
    notes = [e.text for e in sim.trace if isinstance(e, Note) and "also registering" in e.text]
    assert notes == ["also registering with MAP2 (RCoA 2001:db8:200::a) besides the selected "
                     "MAP1: each MAP used on its own, the HA keeps the selected MAP's RCoA"]
    assert sim.mn.owns(RCOA2) and sim.mn.describe()["extra MAPs"] == \
        "MAP2 (RCoA 2001:db8:200::a)"


def test_without_extra_maps_nothing_changes():
    sim = run(net(duration_s=1.0))
    assert local_bus(sim) == [(MAP1_ADDR, LCOA1, RCOA1)]
    assert cache(sim, "MAP2") == {}
    assert not sim.mn.owns(RCOA2)


def test_intra_domain_move_updates_each_map_once_and_neither_ha_nor_cn():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2")]
    sim = run(net(mn=EXTRA_RO, flows=flows, moves=[(3.0, "AR2")], duration_s=4.0))
    after = [x for x in originated(sim.trace, since_t=3.0) if x[1] not in ("RA", "RS")]
    assert after == [("MN", "local BU", 0), ("MN", "local BU", 0),
                     ("MAP1", "local BA", 0), ("MAP2", "local BA", 0)]
    assert local_bus(sim, since_t=3.0) == [(MAP1_ADDR, LCOA2, RCOA1), (MAP2_ADDR, LCOA2, RCOA2)]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA2, 2, 600)}
    assert cache(sim, "MAP2") == {RCOA2: (LCOA2, 2, 600)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}
    assert cache(sim, "CN") == {HOA: (RCOA2, 1, 420)}
    # after the move the CN's packets reach the new LCoA through MAP2
    late = [e for e in sim.trace if isinstance(e, PacketSent) and e.to_node == "MN"
            and e.kind == "data" and e.t > 3.5]
    assert layers(decode(late[0].data)) == [(MAP2_ADDR, LCOA2), (CN_ADDR, RCOA2)]


def test_both_bindings_are_refreshed():
    sim = run(net(mn=EXTRA, duration_s=17.0,
                  protocol={"map_binding_lifetime_s": 20, "home_binding_lifetime_s": 20}))
    # refreshed at 0.8 x 20 s = 16 s, still from the LCoA
    assert local_bus(sim, since_t=10.0) == [(MAP1_ADDR, LCOA1, RCOA1), (MAP2_ADDR, LCOA1, RCOA2)]
    assert cache(sim, "MAP1") == {RCOA1: (LCOA1, 2, 20)}
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 2, 20)}


def test_a_binding_refresh_request_from_the_extra_map_is_answered():
    sim = run(net(mn=EXTRA, duration_s=20.0,
                  protocol={"map_binding_lifetime_s": 20, "home_binding_lifetime_s": 20,
                            "refresh_fraction": 0.95}))
    brrs = [p for p in (decode(e.data) for e in sent(sim.trace, "Binding Refresh Request"))
            if p.payload.inner.src in (MAP1_ADDR, MAP2_ADDR)]  # not the HA's
    # at 0.9 x 20 s, each MAP through its tunnel to the LCoA
    assert sorted(layers(p) for p in brrs) == [[(MAP1_ADDR, LCOA1), (MAP1_ADDR, RCOA1)],
                                               [(MAP2_ADDR, LCOA1), (MAP2_ADDR, RCOA2)]]
    assert local_bus(sim, since_t=17.0) == [(MAP1_ADDR, LCOA1, RCOA1), (MAP2_ADDR, LCOA1, RCOA2)]
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 2, 20)}


# --- which RCoA a flow uses ------------------------------------------------------------------

def test_a_flow_bound_to_map2_leaves_through_the_map2_tunnel_with_rcoa2_as_source():
    flows = [FlowSpec("MN", "CN", "echo", 1.0, 500.0, use_rcoa=True, map="MAP2"),
             FlowSpec("MN", "CN2", "udp", 1.0, 500.0, use_rcoa=True)]
    sim = run(net(mn=EXTRA, flows=flows, duration_s=2.2))
    out = [decode(e.data) for e in sent(sim.trace, "data", node="MN")]
    to_cn = [p for p in out if p.payload.inner.dst == CN_ADDR]
    to_cn2 = [p for p in out if p.payload.inner.dst == CN2_ADDR]
    assert [layers(p) for p in to_cn] == [[(LCOA1, MAP2_ADDR), (RCOA2, CN_ADDR)]] * 3
    assert all(p.payload.inner.hao is None and isinstance(p.payload.inner.payload, EchoRequest)
               for p in to_cn)  # s.6.5: no Home Address option
    # the flow without map: the selected MAP's RCoA
    assert [layers(p) for p in to_cn2] == [[(LCOA1, MAP1_ADDR), (RCOA1, CN2_ADDR)]] * 3
    assert isinstance(to_cn2[0].payload.inner.payload, UdpDatagram)
    replies = [decode(e.data) for e in sent(sim.trace, "data", node="CN")]
    assert [(p.src, p.dst, p.routing) for p in replies] == [(CN_ADDR, RCOA2, None)] * 3
    tunnelled = [p for p in (decode(e.data) for e in sent(sim.trace, "data", node="MAP2"))
                 if p.dst == LCOA1]
    assert [layers(p) for p in tunnelled] == [[(MAP2_ADDR, LCOA1), (CN_ADDR, RCOA2)]] * 3
    got = [e for e in sim.trace if isinstance(e, PacketReceived) and e.node == "MN"
           and e.kind == "data"]
    assert len(got) == 3
    assert sim.binding_caches()["CN"] == [] and cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}


def _token(kcn: bytes, address: A, nonce: bytes, octet: int) -> bytes:
    """RFC 6275 s.5.2.5, computed here, not with the engine's helper."""
    return hmac.new(kcn, address.packed + nonce + bytes([octet]), hashlib.sha1).digest()[:8]


def test_route_optimisation_binds_each_cn_to_its_maps_rcoa():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2"),
             FlowSpec("CN2", "MN", "echo", 1.0, 500.0)]
    sim = run(net(mn=EXTRA_RO, flows=flows, duration_s=2.6))
    assert cache(sim, "CN") == {HOA: (RCOA2, 1, 420)}
    assert cache(sim, "CN2") == {HOA: (RCOA1, 1, 420)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}
    for e in sent(sim.trace, "HoTI", node="MN"):
        # the home test goes through the selected MAP and the HA, never through MAP2:
        # no packet goes down a hierarchy of MAPs (s.9.1)
        hoti = decode(e.data)
        assert layers(hoti)[:2] == [(LCOA1, MAP1_ADDR), (RCOA1, HA_ADDR)]
        assert isinstance(hoti.innermost().payload, HomeTestInit)
    cotis = {decode(e.data).innermost().dst: decode(e.data)
             for e in sent(sim.trace, "CoTI", node="MN")}
    assert layers(cotis[CN_ADDR]) == [(LCOA1, MAP2_ADDR), (RCOA2, CN_ADDR)]
    assert layers(cotis[CN2_ADDR]) == [(LCOA1, MAP1_ADDR), (RCOA1, CN2_ADDR)]
    assert isinstance(cotis[CN_ADDR].innermost().payload, CareofTestInit)
    bus = {decode(e.data).innermost().dst: decode(e.data)
           for e in sent(sim.trace, "BU to CN", node="MN")}
    assert layers(bus[CN_ADDR]) == [(LCOA1, MAP2_ADDR), (RCOA2, CN_ADDR)]
    assert bus[CN_ADDR].payload.inner.hao.home_address == HOA
    # the CN made its care-of keygen token for RCoA2 (RFC 6275 s.5.2.5)
    cn = sim.nodes["CN"]
    assert isinstance(cn, CorrespondentNode)
    nonces = {n.index: n.value for n in cn.nonces.all()}
    cot = next(decode(e.data).payload for e in sent(sim.trace, "CoT", node="CN"))
    assert cot.token == _token(cn.kcn, RCOA2, nonces[cot.nonce_index], 1)
    # route-optimised data to and from the CN through MAP2's tunnel
    late = [e for e in sim.trace if isinstance(e, PacketSent) and e.t > 2.0 and e.kind == "data"]
    to_mn = [decode(e.data) for e in late if e.to_node == "MN"]
    assert {tuple(layers(p)) for p in to_mn} == {((MAP2_ADDR, LCOA1), (CN_ADDR, RCOA2)),
                                                 ((MAP1_ADDR, LCOA1), (CN2_ADDR, RCOA1))}
    assert all(p.payload.inner.routing.home_address == HOA for p in to_mn)
    from_mn = [decode(e.data) for e in late if e.node == "MN"]
    assert {tuple(layers(p)) for p in from_mn} == {((LCOA1, MAP2_ADDR), (RCOA2, CN_ADDR)),
                                                   ((LCOA1, MAP1_ADDR), (RCOA1, CN2_ADDR))}
    assert all(p.payload.inner.hao.home_address == HOA and
               isinstance(p.payload.inner.payload, EchoReply) for p in from_mn)
    # s.11: one MAP tunnel, whichever MAP it is
    assert sim.mn.upper_layer_mtu(CN_ADDR) == sim.mn.upper_layer_mtu(CN2_ADDR) == 1500 - 104


def test_the_cn_lifetime_is_capped_by_the_extra_maps_grant():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2")]
    scenario = net(mn=EXTRA_RO, flows=flows, duration_s=2.0)
    scenario = replace(scenario, nodes=tuple(replace(n, max_lifetime_s=200)
                                             if n.name == "MAP2" else n for n in scenario.nodes))
    sim = run(scenario)
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 1, 200)}
    assert cache(sim, "CN") == {HOA: (RCOA2, 1, 200)}  # s.6.1: never beyond MAP2's grant
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}


def test_location_privacy_and_no_rcoa_as_care_of_towards_a_map():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 250.0, map="MAP2"),
             FlowSpec("CN2", "MN", "echo", 1.0, 250.0),
             FlowSpec("MN", "CN", "echo", 1.0, 250.0, use_rcoa=True, map="MAP2")]
    sim = run(net(mn=EXTRA_RO, flows=flows, moves=[(3.0, "AR2"), (6.0, "AR3")],
                  fails=[(8.0, "MAP2")], restores=[(10.0, "MAP2")], duration_s=12.0))
    bus = local_bus(sim)
    assert len(bus) == 7  # attach, two moves: 2 each; MAP2 restored: 1
    for dst, src, home in bus:
        # s.6.1 MUST NOT: an RCoA never is the care-of address of a BU to a MAP
        assert str(src).startswith(AR_PREFIXES) and src not in (RCOA1, RCOA2)
        assert (dst, home) in ((MAP1_ADDR, RCOA1), (MAP2_ADDR, RCOA2))
    lcoas = {A(f"2001:db8:{i}::a") for i in (2, 3, 4, 5)}
    for e in sim.trace:
        if isinstance(e, PacketSent) and e.to_node in ("CN", "CN2", "HA"):
            p, seen = decode(e.data), set()
            while True:
                seen |= {p.src, p.dst}
                if p.hao:
                    seen.add(p.hao.home_address)
                if not isinstance(p.payload, Tunnelled):
                    break
                p = p.payload.inner
            assert not seen & lcoas, (e.node, e.kind, e.summary)  # s.6.6


# --- when the extra MAP is not there ----------------------------------------------------

def test_an_extra_map_that_gets_selected_is_one_binding():
    # MAP2 is advertised only on AR3/AR4, alone: there it is the selected MAP itself
    moves = [(3.0, "AR3"), (6.0, "AR1")]
    plain = run(two_domains(moves=moves, duration_s=8.0))
    extra = run(two_domains(mn=EXTRA, moves=moves, duration_s=8.0))
    assert originated(extra.trace) == originated(plain.trace)
    assert local_bus(extra) == local_bus(plain)
    assert not [e for e in extra.trace if isinstance(e, Note) and "also registering" in e.text]


def test_pref_zero_allows_no_new_extra_binding_but_keeps_an_existing_one():
    def pref0_on(*ars):
        def edit(node):
            if node.name not in ars:
                return node
            return replace(node, map_options=(MapOptionSpec("MAP1", pref=10),
                                              MapOptionSpec("MAP2", pref=0)))
        base = net(mn=EXTRA, moves=[(3.0, "AR2")], duration_s=4.0)
        return replace(base, nodes=tuple(edit(n) for n in base.nodes))

    sim = run(pref0_on("AR1", "AR2"))  # s.7.1: Pref 0, no new binding with MAP2
    assert local_bus(sim) == [(MAP1_ADDR, LCOA1, RCOA1), (MAP1_ADDR, LCOA2, RCOA1)]
    sim = run(pref0_on("AR2"))  # bound on AR1; on AR2 the binding is only updated
    assert local_bus(sim, since_t=3.0) == [(MAP1_ADDR, LCOA2, RCOA1), (MAP2_ADDR, LCOA2, RCOA2)]
    assert cache(sim, "MAP2") == {RCOA2: (LCOA2, 2, 600)}


def test_a_failed_extra_map_sends_its_cns_to_the_selected_maps_rcoa_and_back():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2")]
    sim = Simulation(net(mn=EXTRA_RO, flows=flows, fails=[(3.0, "MAP2")],
                         restores=[(6.0, "MAP2")], duration_s=8.0))
    sim.run(5.0)
    # the ARs advertise MAP2 with lifetime 0: the binding is lost (s.10), the CN gets a
    # care-of test and a BU for RCoA1 (the home keygen token is still fresh)
    after = [x for x in originated(sim.trace, since_t=3.0) if x[0] == "MN"
             and x[1] not in ("RS",)]
    assert after == [("MN", "CoTI", 1), ("MN", "BU to CN", 1)]
    coti = decode(sent(sim.trace, "CoTI", node="MN", since_t=3.0)[0].data)
    assert layers(coti) == [(LCOA1, MAP1_ADDR), (RCOA1, CN_ADDR)]
    assert cache(sim, "CN") == {HOA: (RCOA1, 2, 420)}
    assert ("MAP2", RCOA2) not in {(e.peer, e.home_address) for e in sim.binding_update_list()}
    sim.run()
    assert sim.internal_errors == 0
    # restored: a new binding with MAP2 from the LCoA, and the CN back on RCoA2
    assert local_bus(sim, since_t=6.0) == [(MAP2_ADDR, LCOA1, RCOA2)]
    assert cache(sim, "MAP2") == {RCOA2: (LCOA1, 2, 600)}
    assert cache(sim, "CN") == {HOA: (RCOA2, 3, 420)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 1, 600)}


def test_where_its_extra_map_is_not_advertised_a_cn_gets_the_selected_maps_rcoa():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2")]
    # AR1 and AR2 advertise MAP1 only, AR3 MAP2 only: on AR3 MAP2 is the selected MAP
    sim = Simulation(two_domains(mn=EXTRA_RO, flows=flows, moves=[(3.0, "AR3"), (6.0, "AR1")],
                                 duration_s=8.0))
    sim.run(2.9)
    assert cache(sim, "CN") == {HOA: (RCOA1, 1, 420)} and sim.mn.extra == {}
    sim.run(5.9)
    assert cache(sim, "CN") == {HOA: (RCOA2, 2, 420)} and sim.mn.extra == {}
    assert cache(sim, "HA") == {HOA: (RCOA2, 2, 600)}
    sim.run()
    assert cache(sim, "CN") == {HOA: (RCOA1, 3, 420)}
    assert cache(sim, "HA") == {HOA: (RCOA1, 3, 600)}
    assert sim.internal_errors == 0


def test_security_associations_with_each_map():
    flows = [FlowSpec("CN", "MN", "echo", 1.0, 500.0, map="MAP2")]
    sim = run(net(mn=EXTRA_RO, flows=flows, moves=[(3.0, "AR2")], duration_s=4.0),
              security="esp")
    peers = [e.peer for e in sim.trace if isinstance(e, SecurityAssociationEstablished)]
    assert peers == ["MAP1", "MAP2", "HA"]
    for e in sent(sim.trace, "local BU", node="MN"):
        p = decode(e.data)  # Destination Options (HAO), then ESP around the BU
        assert isinstance(p.payload, RawPayload) and p.payload.next_header == NH_ESP
    assert cache(sim, "MAP2") == {RCOA2: (LCOA2, 2, 600)}
    assert cache(sim, "CN") == {HOA: (RCOA2, 1, 420)}
    assert all(not n.counters for n in sim.nodes.values())
