"""Route optimisation with a CN (RFC 6275 s.5.2, s.9.4, s.9.5, s.11.6, s.11.7.2; RFC 5380
s.6.1, s.6.1.1, s.6.6, s.12.2).

Keygen tokens and authenticators are recomputed here with hmac/hashlib straight from
the RFC 6275 s.5.2.5 / s.5.2.6 formulas over the bytes that crossed the links, not with
the engine's helpers.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from ipaddress import IPv6Address as A

from nets import (
    CN_ADDR,
    HA_ADDR,
    HOA,
    LCOA1,
    LCOA2,
    LCOA3,
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

from hmipviz.engine.config import ProtocolConfig
from hmipviz.engine.events import (
    BindingChanged,
    PacketReceived,
    PacketSent,
    RouteOptimizationChanged,
)
from hmipviz.engine.messages import (
    BindingAck,
    BindingAuthorizationData,
    BindingError,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    HomeTest,
    HomeTestInit,
    NonceIndices,
    Packet,
    Tunnelled,
)
from hmipviz.engine.nodes.correspondent import CorrespondentNode
from hmipviz.engine.nodes.route_optimization import RO_STATES, RO_TRANSITIONS
from hmipviz.scenario import NodeActionSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode, mobility_data


def ro_run(scenario, until=None, **config) -> Simulation:
    """Run with ``route_optimization = true`` on the MN, as a scenario file says it."""
    scenario = replace(scenario, nodes=tuple(
        replace(n, route_optimization=True) if n.role == "mn" else n for n in scenario.nodes))
    sim = Simulation(scenario, config=ProtocolConfig(**config) if config else None)
    sim.run(until)
    assert sim.internal_errors == 0
    return sim


def cn_cache(sim):
    return {e.home_address: (e.care_of_address, e.sequence, e.lifetime_s)
            for e in sim.binding_caches()["CN"]}


def first(sim, kind, node=None, since_t=-1.0) -> PacketSent:
    return sent(sim.trace, kind, node=node, since_t=since_t)[0]


def layers(packet: Packet) -> list[tuple[A, A]]:
    out = [(packet.src, packet.dst)]
    while isinstance(packet.payload, Tunnelled):
        packet = packet.payload.inner
        out.append((packet.src, packet.dst))
    return out


# --- independent RFC 6275 s.5.2.5 / s.5.2.6 arithmetic ------------------------------------

def token(kcn: bytes, address: A, nonce: bytes, octet: int) -> bytes:
    return hmac.new(kcn, address.packed + nonce + bytes([octet]), hashlib.sha1).digest()[:8]


def mh_of(data: bytes) -> bytes:
    """The Mobility Header of a datagram (IPv6, then RH2 and/or DestOpt, then the MH)."""
    nh, pos = data[6], 40
    while nh in (43, 60):
        nh, pos = data[pos], pos + 8 * (data[pos + 1] + 1)
    assert nh == 135
    return data[pos:]


def authenticator_over(kbm: bytes, care_of: A, cn: A, mh: bytes) -> tuple[bytes, bytes]:
    """(computed, on the wire): the BAD option is last, its 12 octets end the header."""
    data = mh[:4] + b"\0\0" + mh[6:-12]
    return hmac.new(kbm, care_of.packed + cn.packed + data, hashlib.sha1).digest()[:12], mh[-12:]


# --- the exchange -----------------------------------------------------------------------------

def test_return_routability_message_sequence_and_cn_cache():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.4))
    rr = [x for x in originated(sim.trace, since_t=1.0)]
    assert rr == [
        ("MN", "HoTI", 2),   # LCoA -> MAP [RCoA -> HA [HoA -> CN]]  (RFC 5380 s.12.2)
        ("MN", "CoTI", 1),   # LCoA -> MAP [RCoA -> CN]
        ("MAP1", "HoTI", 1),
        ("MAP1", "CoTI", 0),
        ("HA", "HoTI", 0),
        ("CN", "CoT", 0),
        ("MAP1", "CoT", 1),
        ("CN", "HoT", 0),
        ("HA", "HoT", 1),
        ("MAP1", "HoT", 2),
        ("MN", "BU to CN", 1),
        ("MAP1", "BU to CN", 0),
        ("CN", "BA from CN", 0),
        ("MAP1", "BA from CN", 1),
    ]
    assert cn_cache(sim) == {HOA: (RCOA1, 1, 420)}  # the CN knows the RCoA, not the LCoA
    states = [(e.old, e.new, e.input) for e in sim.trace if isinstance(e, RouteOptimizationChanged)]
    assert states == [("no binding", "return routability", "start tests"),
                      ("return routability", "BU sent", "keygen tokens complete"),
                      ("BU sent", "route optimised", "BA accepted")]
    changes = [(e.node, e.change) for e in sim.trace if isinstance(e, BindingChanged)
               and e.peer in ("CN", "MN") and e.table == "binding cache" and e.node == "CN"]
    assert changes == [("CN", "added")]


def test_hoti_through_the_ha_and_coti_from_the_rcoa_addresses():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.4))
    hoti = decode(first(sim, "HoTI", "MN").data)
    assert layers(hoti) == [(LCOA1, MAP1_ADDR), (RCOA1, HA_ADDR), (HOA, CN_ADDR)]
    assert isinstance(hoti.innermost().payload, HomeTestInit)
    coti = decode(first(sim, "CoTI", "MN").data)
    assert layers(coti) == [(LCOA1, MAP1_ADDR), (RCOA1, CN_ADDR)]
    assert isinstance(coti.innermost().payload, CareofTestInit)
    hot = decode(first(sim, "HoT", "MAP1").data)
    assert layers(hot) == [(MAP1_ADDR, LCOA1), (HA_ADDR, RCOA1), (CN_ADDR, HOA)]
    cot = decode(first(sim, "CoT", "MAP1").data)
    assert layers(cot) == [(MAP1_ADDR, LCOA1), (CN_ADDR, RCOA1)]
    # the cookies come back unchanged
    assert hot.innermost().payload.cookie == hoti.innermost().payload.cookie
    assert cot.innermost().payload.cookie == coti.innermost().payload.cookie
    # HoTI and CoTI carry no Home Address option; the BU does (s.6.1)
    assert hoti.innermost().hao is None and coti.innermost().hao is None


def test_keygen_tokens_and_authenticators_match_an_independent_computation():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.4))
    cn = sim.nodes["CN"]
    assert isinstance(cn, CorrespondentNode)
    kcn = cn.kcn
    assert len(kcn) == 20
    nonces = {n.index: n.value for n in cn.nonces.all()}
    hot = decode(first(sim, "HoT", "CN").data).payload
    cot = decode(first(sim, "CoT", "CN").data).payload
    assert isinstance(hot, HomeTest) and isinstance(cot, CareofTest)
    home_token = token(kcn, HOA, nonces[hot.nonce_index], 0)
    careof_token = token(kcn, RCOA1, nonces[cot.nonce_index], 1)
    assert hot.token == home_token and cot.token == careof_token
    kbm = hashlib.sha1(home_token + careof_token).digest()

    # the BU as the CN received it (after the MAP decapsulated it)
    bu_bytes = first(sim, "BU to CN", "MAP1").data
    bu = decode(bu_bytes)
    assert (bu.src, bu.dst, bu.hao.home_address) == (RCOA1, CN_ADDR, HOA)
    m = bu.payload
    assert isinstance(m, BindingUpdate)
    assert (m.ack, m.home_registration, m.map_registration, m.lifetime_s) == (
        True, False, False, 420)
    assert m.options[0] == NonceIndices(hot.nonce_index, cot.nonce_index)
    computed, wire = authenticator_over(kbm, RCOA1, CN_ADDR, mh_of(bu_bytes))
    assert computed == wire == m.options[1].authenticator

    ba_bytes = first(sim, "BA from CN", "CN").data
    ba = decode(ba_bytes)
    assert (ba.src, ba.dst, ba.routing.home_address) == (CN_ADDR, RCOA1, HOA)
    assert (ba.payload.status, ba.payload.sequence, ba.payload.lifetime_s) == (0, 1, 420)
    computed, wire = authenticator_over(kbm, RCOA1, CN_ADDR, mh_of(ba_bytes))
    assert computed == wire


def test_route_optimised_data_uses_rh2_and_hao_through_the_map_tunnel():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.6))
    request = decode(next(e for e in sent(sim.trace, "data", node="CN") if e.t >= 1.5).data)
    assert (request.src, request.dst, request.routing.home_address) == (CN_ADDR, RCOA1, HOA)
    assert isinstance(request.payload, EchoRequest)
    to_mn = next(e for e in sim.trace if isinstance(e, PacketSent) and e.to_node == "MN"
             and e.kind == "data" and e.t >= 1.5)
    assert layers(decode(to_mn.data)) == [(MAP1_ADDR, LCOA1), (CN_ADDR, RCOA1)]
    reply = decode(next(e for e in sent(sim.trace, "data", node="MN") if e.t >= 1.5).data)
    assert layers(reply) == [(LCOA1, MAP1_ADDR), (RCOA1, CN_ADDR)]
    inner = reply.payload.inner
    assert inner.hao.home_address == HOA and isinstance(inner.payload, EchoReply)
    received = [e for e in sim.trace if isinstance(e, PacketReceived) and e.node == "CN"
                and e.t >= 1.5]
    assert len(received) == 1  # the reply arrived at the CN and passed the HAO check


def test_location_privacy_cn_and_ha_never_see_the_lcoa():
    sim = ro_run(figure1(flows=[echo(1.0, 200.0)], moves=[(2.0, "AR2")], duration_s=3.0))
    lcoas = {LCOA1, LCOA2}
    for e in sim.trace:
        if isinstance(e, PacketSent) and e.to_node in ("CN", "HA"):
            p = decode(e.data)
            seen = set()
            while True:
                seen |= {p.src, p.dst}
                if p.hao:
                    seen.add(p.hao.home_address)
                if p.routing:
                    seen.add(p.routing.home_address)
                if not isinstance(p.payload, Tunnelled):
                    break
                p = p.payload.inner
            assert not seen & lcoas, (e.node, e.kind, e.summary)


def test_intra_map_move_needs_no_new_binding_at_the_cn():
    sim = ro_run(figure1(flows=[echo(1.0, 200.0)], moves=[(2.0, "AR2")], duration_s=3.0))
    after = [x for x in originated(sim.trace, since_t=2.0) if x[1] not in ("RA", "RS")]
    assert after == [("MN", "local BU", 0), ("MAP1", "local BA", 0)]
    assert cn_cache(sim) == {HOA: (RCOA1, 1, 420)}
    # route-optimised data reaches the new LCoA through the MAP
    late = [e for e in sim.trace if isinstance(e, PacketSent) and e.to_node == "MN"
            and e.kind == "data" and e.t > 2.5]
    assert layers(decode(late[0].data)) == [(MAP1_ADDR, LCOA2), (CN_ADDR, RCOA1)]


def test_inter_map_move_needs_only_a_care_of_test_and_a_bu():
    sim = ro_run(two_domains(flows=[echo(1.0, 500.0)], moves=[(5.0, "AR3")], duration_s=6.0))
    after = [x for x in originated(sim.trace, since_t=5.0)
             if x[1] not in ("RA", "RS", "local BU", "local BA", "BU to HA", "BA from HA")]
    assert after == [("MN", "CoTI", 1), ("MAP2", "CoTI", 0), ("CN", "CoT", 0),
                     ("MAP2", "CoT", 1), ("MN", "BU to CN", 1), ("MAP2", "BU to CN", 0),
                     ("CN", "BA from CN", 0), ("MAP2", "BA from CN", 1)]
    # the CoTI leaves only after the HA acknowledged the new RCoA
    home_ba = first(sim, "BA from HA", "MAP2", since_t=5.0).t
    assert first(sim, "CoTI", "MN", since_t=5.0).t > home_ba
    coti = decode(first(sim, "CoTI", "MN", since_t=5.0).data)
    assert layers(coti) == [(LCOA3, MAP2_ADDR), (RCOA2, CN_ADDR)]
    assert cn_cache(sim) == {HOA: (RCOA2, 2, 420)}


def test_lifetime_is_capped_by_the_map_grant():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.4,
                         map1={"max_lifetime_s": 200}))
    bu = decode(first(sim, "BU to CN", "MN").data).innermost().payload
    home = decode(first(sim, "BU to HA", "MN").data).innermost().payload
    assert (bu.lifetime_s, home.lifetime_s) == (200, 200)
    assert cn_cache(sim) == {HOA: (RCOA1, 1, 200)}


def test_expired_home_nonce_gets_136_and_only_the_home_test_is_repeated():
    sim = ro_run(two_domains(flows=[echo(1.0, 500.0)], moves=[(10.0, "AR3")],
                             duration_s=11.0), max_nonce_lifetime_s=5.0)
    after = [x for x in originated(sim.trace, since_t=10.0)
             if x[0] == "MN" and x[1] in ("HoTI", "CoTI", "BU to CN")]
    assert after == [("MN", "CoTI", 1), ("MN", "BU to CN", 1), ("MN", "HoTI", 2),
                     ("MN", "BU to CN", 1)]
    statuses = [decode(e.data).payload.status for e in sent(sim.trace, "BA from CN", "CN")]
    assert statuses == [0, 136, 0]
    assert cn_cache(sim) == {HOA: (RCOA2, 3, 420)}


def test_both_nonces_expired_get_138_on_a_refresh_and_both_tests_are_repeated():
    sim = ro_run(figure1(flows=[echo(1.0, 1000.0)], duration_s=19.0),
                 max_nonce_lifetime_s=5.0, max_rr_binding_lifetime_s=20,
                 max_token_lifetime_s=300.0)
    refresh = [x for x in originated(sim.trace, since_t=10.0)
               if x[0] == "MN" and x[1] in ("HoTI", "CoTI", "BU to CN")]
    # refresh at 0.8 x 20 s: tokens still "fresh" for the MN, nonces stale at the CN
    assert refresh == [("MN", "BU to CN", 1), ("MN", "HoTI", 2), ("MN", "CoTI", 1),
                       ("MN", "BU to CN", 1)]
    statuses = [decode(e.data).payload.status for e in sent(sim.trace, "BA from CN", "CN")]
    assert statuses == [0, 138, 0]


def test_rr_works_in_plain_mobile_ipv6_mode_with_the_lcoa():
    sim = ro_run(figure1(flows=[echo(1.0, 500.0)], duration_s=1.4, mode="mipv6"))
    hoti = decode(first(sim, "HoTI", "MN").data)
    assert layers(hoti) == [(LCOA1, HA_ADDR), (HOA, CN_ADDR)]
    coti = decode(first(sim, "CoTI", "MN").data)
    assert layers(coti) == [(LCOA1, CN_ADDR)]
    assert cn_cache(sim) == {HOA: (LCOA1, 1, 420)}


def test_without_the_switch_there_is_no_route_optimisation():
    sim = Simulation(figure1(flows=[echo(1.0, 500.0)], duration_s=2.0))
    sim.run()
    assert [x for x in originated(sim.trace) if x[1] in ("HoTI", "CoTI", "BU to CN")] == []
    assert sim.binding_caches()["CN"] == []


def test_a_cn_that_lost_its_binding_answers_binding_error_1_and_the_mn_binds_again():
    sc = figure1(flows=[echo(1.0, 500.0, source="MN")], duration_s=4.0)
    sc = replace(sc, fails=(NodeActionSpec(2.0, "CN"),), restores=(NodeActionSpec(2.2, "CN"),))
    sim = ro_run(sc)
    be = [decode(e.data) for e in sent(sim.trace, "Binding Error", node="CN")]
    assert [(p.dst, p.payload) for p in be] == [(RCOA1, BindingError(1, HOA))]
    again = [x for x in originated(sim.trace, since_t=2.2)
             if x[0] == "MN" and x[1] in ("HoTI", "CoTI", "BU to CN")]
    assert again == [("MN", "BU to CN", 1)]  # tokens still fresh: straight to the BU
    assert cn_cache(sim) == {HOA: (RCOA1, 2, 420)}


# --- the CN on its own (sans-I/O): nonce checks and the authenticator -------------------

def _cn() -> CorrespondentNode:
    import random
    return CorrespondentNode("CN", CN_ADDR, None, config=ProtocolConfig(),
                             rng=random.Random(7), mobility_data=mobility_data)


def _tokens(cn: CorrespondentNode, now: float) -> tuple[HomeTest, CareofTest]:
    cn.receive(decode(encode(Packet(HOA, CN_ADDR, HomeTestInit(b"h" * 8)))), now, "R")
    cn.receive(decode(encode(Packet(RCOA1, CN_ADDR, CareofTestInit(b"c" * 8)))), now, "R")
    hot, cot = [s.packet.payload for s in cn.pull() if hasattr(s, "packet")]
    return hot, cot


def _bu(kbm: bytes, hni: int, coni: int, seq: int = 1) -> Packet:
    draft = Packet(RCOA1, CN_ADDR, BindingUpdate(seq, 400, options=(
        NonceIndices(hni, coni), BindingAuthorizationData(bytes(12)))), hao=HomeAddressOption(HOA))
    data = mh_of(encode(draft))
    auth = hmac.new(kbm, RCOA1.packed + CN_ADDR.packed + data[:4] + b"\0\0" + data[6:-12],
                    hashlib.sha1).digest()[:12]
    real = Packet(RCOA1, CN_ADDR, BindingUpdate(seq, 400, options=(
        NonceIndices(hni, coni), BindingAuthorizationData(auth))), hao=HomeAddressOption(HOA))
    return decode(encode(real))


def _answers(cn: CorrespondentNode) -> list:
    return [o.packet.payload for o in cn.pull() if hasattr(o, "packet")]


def test_cn_checks_each_nonce_index_and_the_authenticator():
    cn = _cn()
    hot, cot = _tokens(cn, 0.0)
    kbm = hashlib.sha1(hot.token + cot.token).digest()
    cn.receive(_bu(kbm, hot.nonce_index, 99), 1.0, "R")
    assert [a.status for a in _answers(cn)] == [137]
    cn.receive(_bu(kbm, 99, cot.nonce_index), 1.0, "R")
    assert [a.status for a in _answers(cn)] == [136]
    cn.receive(_bu(kbm, 98, 99), 1.0, "R")
    assert [a.status for a in _answers(cn)] == [138]
    cn.receive(_bu(bytes(20), hot.nonce_index, cot.nonce_index), 1.0, "R")  # wrong Kbm
    assert _answers(cn) == [] and len(cn.cache) == 0
    cn.receive(_bu(kbm, hot.nonce_index, cot.nonce_index), 1.0, "R")
    [ba] = _answers(cn)
    assert isinstance(ba, BindingAck) and (ba.status, ba.lifetime_s) == (0, 400)
    assert cn.cache.get(HOA).care_of_address == RCOA1
    # after MAX_NONCE_LIFETIME (240 s) the same indices are refused
    cn.receive(_bu(kbm, hot.nonce_index, cot.nonce_index, seq=2), 241.0, "R")
    assert [a.status for a in _answers(cn)] == [138]


def test_ro_state_table_is_complete_data():
    states = {s for (s, _), t in RO_TRANSITIONS.items() for s in (s, t)} - {"*"}
    assert states == set(RO_STATES)
