"""RFC 6275 error handling in the MAP, HA and CN: s.9.2 (Mobility Header checks), s.9.3.1
(Home Address option without a binding), s.9.3.3 (Binding Errors), s.9.5.5 (Binding
Refresh Request), s.10.3.1 (DAD) and s.11.7.3 (status 135 recovery at the MN)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from nets import CN_ADDR, HA_ADDR, HOA, LCOA1, MAP1_ADDR, RCOA1, figure1, originated, sent

from hmipviz.engine.events import BindingChanged, Note, PacketDropped, PacketSent
from hmipviz.engine.messages import (
    BindingError,
    BindingRefreshRequest,
    BindingUpdate,
    EchoRequest,
    HomeAddressOption,
    Packet,
    ParameterProblem,
    UnknownMobility,
)
from hmipviz.scenario import InjectSpec, LinkSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode, internet_checksum

EVE = A("2001:db8:66::6")
UNSPECIFIED = A("::")


def run(*injects: tuple[float, bytes], duration_s=4.0, protocol=None, setup=None) -> Simulation:
    """figure1 plus a host EVE hanging off MAP1 that sends the given bytes."""
    host = NodeSpec("EVE", "host", EVE, N("2001:db8:66::/64"))
    sc = figure1(duration_s=duration_s, extra_nodes=[host], protocol=protocol,
                 extra_links=[LinkSpec("EVE", "MAP1", 1)],
                 injects=[InjectSpec(t, "EVE", data) for t, data in injects])
    sim = Simulation(sc)
    if setup is not None:
        setup(sim)
    sim.run()
    assert sim.internal_errors == 0
    return sim


def with_mh(packet: Packet, mutate) -> bytes:
    """The packet's bytes with ``mutate`` applied to its Mobility Header and the MH
    checksum recomputed, so that only the mutation is wrong."""
    data = encode(packet)
    at = len(data) - len(encode(Packet(packet.src, packet.dst, packet.payload))) + 40
    mh = bytearray(data[at:])
    mutate(mh)
    mh[4:6] = b"\0\0"
    ck = internet_checksum(packet.home_source, packet.final_destination, 135, bytes(mh))
    mh[4:6] = ck.to_bytes(2, "big")
    return data[:at] + bytes(mh)


def answers(sim: Simulation, node: str, since_t: float = 1.0) -> list[Packet]:
    return [decode(e.data) for e in sim.trace if isinstance(e, PacketSent) and e.origin
            and e.node == node and e.t >= since_t and e.kind not in ("RA", "RS")]


def drops(sim: Simulation, node: str, since_t: float = 1.0) -> list[str]:
    return [e.reason for e in sim.trace if isinstance(e, PacketDropped) and e.node == node
            and e.t >= since_t]


# --- s.9.2: unknown MH Type -> Binding Error status 2 -----------------------------------

def test_unknown_mh_type_gets_binding_error_2_from_map_ha_and_cn():
    for target, address in (("MAP1", MAP1_ADDR), ("HA", HA_ADDR), ("CN", CN_ADDR)):
        probe = encode(Packet(EVE, address, UnknownMobility(42, bytes(10))))
        sim = run((2.0, probe))
        out = answers(sim, target, since_t=2.0)
        assert [(p.src, p.dst, p.payload) for p in out] == [
            (address, EVE, BindingError(2, UNSPECIFIED))], target
        assert sent(sim.trace, "Binding Error", node=target)[0].rfc == "RFC 6275 s.9.3.3"
        assert any("MH Type 42 is unknown" in r for r in drops(sim, target, 2.0))


def test_binding_error_names_the_home_address_option_and_is_rate_limited():
    probe = encode(Packet(EVE, CN_ADDR, UnknownMobility(200, bytes(10)),
                          hao=HomeAddressOption(HOA)))
    sim = run((2.0, probe), (2.5, probe), (3.2, probe))
    out = answers(sim, "CN", since_t=2.0)
    # 2.0 s answered, 2.5 s suppressed (within binding_error_interval_s), 3.2 s answered
    assert [p.payload for p in out] == [BindingError(2, HOA), BindingError(2, HOA)]
    assert any("less than 1 s ago" in r for r in drops(sim, "CN", 2.4))


# --- s.9.3.1: Home Address option without a binding -> Binding Error status 1 ----------

def test_hao_without_binding_gets_binding_error_1_at_cn_and_ha():
    for target, address in (("CN", CN_ADDR), ("HA", HA_ADDR)):
        ping = encode(Packet(EVE, address, EchoRequest(7, 1, b"hi"),
                             hao=HomeAddressOption(A("2001:db8:1::99"))))
        sim = run((2.0, ping))
        out = answers(sim, target, since_t=2.0)
        assert [(p.src, p.dst, p.payload) for p in out] == [
            (address, EVE, BindingError(1, A("2001:db8:1::99")))], target


def test_hao_whose_binding_names_another_care_of_address_is_refused_too():
    # the HA binds HoA -> RCoA1; EVE claims the home address from its own address
    ping = encode(Packet(EVE, HA_ADDR, EchoRequest(7, 1), hao=HomeAddressOption(HOA)))
    sim = run((2.0, ping))
    assert [p.payload for p in answers(sim, "HA", 2.0)] == [BindingError(1, HOA)]


def test_a_binding_update_is_exempt_from_the_hao_check():
    bu = encode(Packet(EVE, HA_ADDR, BindingUpdate(1, 8, home_registration=True),
                       hao=HomeAddressOption(A("2001:db8:1::99"))))
    sim = run((2.0, bu))
    out = answers(sim, "HA", 2.0)
    assert len(out) == 1 and out[0].payload.status == 0  # accepted, not a Binding Error


# --- s.9.2: checksum, Payload Proto, Header Len ------------------------------------------

LOCAL_BU = Packet(EVE, MAP1_ADDR, BindingUpdate(1, 600, map_registration=True),
                  hao=HomeAddressOption(A("2001:db8:100::66")))


def test_wrong_mh_checksum_is_silently_discarded():
    data = bytearray(encode(LOCAL_BU))
    data[-1] ^= 0x40
    sim = run((2.0, bytes(data)))
    assert answers(sim, "MAP1", 2.0) == []
    assert drops(sim, "MAP1", 2.0) == [
        "malformed Mobility Header (mobility header checksum wrong): silently discarded "
        "(RFC 6275 s.9.2)"]


def test_payload_proto_not_59_gets_parameter_problem_pointing_at_it():
    data = with_mh(LOCAL_BU, lambda mh: mh.__setitem__(0, 6))
    sim = run((2.0, data))
    out = answers(sim, "MAP1", 2.0)
    assert len(out) == 1
    pp = out[0]
    assert (pp.src, pp.dst) == (MAP1_ADDR, EVE)
    # IPv6 header 40 + Destination Options with the HAO 24: the MH starts at 64
    assert pp.payload == ParameterProblem(0, 64, data)  # EVE is on the MAP's link
    assert sent(sim.trace, "ICMPv6 error", node="MAP1")[0].rfc.startswith("RFC 6275 s.9.2")
    assert A("2001:db8:100::66") not in {e.home_address for e in sim.binding_caches()["MAP1"]}


def test_header_len_below_the_type_minimum_gets_parameter_problem_pointing_at_it():
    # an 8-octet header claiming to be a BU (which needs 12): BRR bytes with MH Type 5
    short = with_mh(Packet(EVE, HA_ADDR, BindingRefreshRequest()),
                    lambda mh: mh.__setitem__(2, 5))
    sim = run((2.0, short))
    out = answers(sim, "HA", 2.0)
    # the quote is the packet as received: two routers took 2 off the hop limit
    as_received = short[:7] + bytes([62]) + short[8:]
    assert [(p.dst, p.payload) for p in out] == [(EVE, ParameterProblem(0, 41, as_received))]
    assert "too short for MH Type 5" in drops(sim, "HA", 2.0)[0]


def raw_mh(src: A, dst: A, mh: bytes) -> bytes:
    """An IPv6 packet carrying exactly ``mh`` as its Mobility Header, checksum filled in."""
    mh = bytearray(mh)
    mh[4:6] = internet_checksum(src, dst, 135, bytes(mh[:4]) + b"\0\0" + bytes(mh[6:])
                                ).to_bytes(2, "big")
    head = bytes.fromhex("60000000") + len(mh).to_bytes(2, "big") + bytes([135, 64])
    return head + src.packed + dst.packed + bytes(mh)


def test_unknown_type_is_checked_before_payload_proto():
    data = raw_mh(EVE, CN_ADDR, bytes([17, 1, 42, 0, 0, 0]) + bytes(10))
    assert [p.payload for p in answers(run((2.0, data)), "CN", 2.0)] == [
        BindingError(2, UNSPECIFIED)]


def test_parameter_problem_quotes_at_most_the_minimum_mtu():
    # a 1,448-byte BRR (type 0) padded with PadN options, Payload Proto 17
    body = bytes([0, 0]) + (bytes([1, 254]) + bytes(254)) * 5 + bytes([1, 118]) + bytes(118)
    mh = bytes([17, (6 + len(body)) // 8 - 1, 0, 0, 0, 0]) + body
    data = raw_mh(EVE, CN_ADDR, mh)
    assert len(data) == 1448
    [pp] = answers(run((2.0, data)), "CN", 2.0)
    assert pp.payload == ParameterProblem(0, 40, (data[:7] + bytes([62]) + data[8:])[:1232])
    assert len(encode(pp)) == 1280


# --- s.9.5.5: Binding Refresh Request ----------------------------------------------------

def test_map_and_ha_ask_for_a_refresh_when_the_mn_refreshes_late():
    sim = run(duration_s=40.0, protocol={"map_binding_lifetime_s": 40,
                                         "home_binding_lifetime_s": 40,
                                         "refresh_fraction": 0.95})
    brr = sent(sim.trace, "Binding Refresh Request")
    # 0.9 x 40 s after each registration; the HA's BRR is tunnelled on by the MAP
    assert [(e.node, round(e.t, 3), e.tunnel_depth) for e in brr] == [
        ("MAP1", 36.049, 1), ("HA", 36.087, 1), ("MAP1", 36.117, 2)]
    map_brr = decode(brr[0].data)  # through the MAP's tunnel, addressed to the RCoA
    assert (map_brr.src, map_brr.dst) == (MAP1_ADDR, LCOA1)
    inner = map_brr.payload.inner
    assert (inner.src, inner.dst, inner.payload) == (MAP1_ADDR, RCOA1, BindingRefreshRequest())
    ha_brr = decode(brr[1].data)
    assert (ha_brr.src, ha_brr.dst, ha_brr.payload.inner.dst) == (HA_ADDR, RCOA1, HOA)
    after = [x for x in originated(sim.trace, since_t=36.0) if x[1] not in ("RA", "RS")]
    assert after == [
        ("MAP1", "Binding Refresh Request", 1), ("MN", "local BU", 0), ("MAP1", "local BA", 0),
        ("HA", "Binding Refresh Request", 1), ("MAP1", "Binding Refresh Request", 2),
        ("MN", "BU to HA", 1), ("MAP1", "BU to HA", 0), ("HA", "BA from HA", 0),
        ("MAP1", "BA from HA", 1)]
    local = [e for e in sent(sim.trace, "local BU", node="MN") if e.t > 36]
    assert "Binding Refresh Request" in local[0].summary
    # refreshed by the BRR answers: the MN's own 38 s refresh is pushed back
    assert sent(sim.trace, "local BU", node="MN", since_t=37.0) == []
    assert {e.home_address: e.sequence for e in sim.binding_caches()["MAP1"]} == {RCOA1: 2}
    assert {e.home_address: e.sequence for e in sim.binding_caches()["HA"]} == {HOA: 2}


def test_no_refresh_request_when_the_mn_refreshes_on_time():
    sim = run(duration_s=40.0, protocol={"map_binding_lifetime_s": 40,
                                         "home_binding_lifetime_s": 40})
    assert sent(sim.trace, "Binding Refresh Request") == []
    assert len(sent(sim.trace, "local BU", node="MN")) == 2  # first one, refresh at 32 s


# --- s.10.3.1: DAD on the first home registration ----------------------------------------

def test_ha_answers_134_when_dad_finds_the_home_address_in_use():
    sc = figure1(duration_s=1.0)
    sc = replace(sc, nodes=tuple(replace(n, duplicate_addresses=(HOA,)) if n.role == "ha"
                                 else n for n in sc.nodes))
    sim = Simulation(sc)
    sim.run()
    ba = decode(sent(sim.trace, "BA from HA", node="HA")[0].data)
    assert (ba.dst, ba.routing.home_address) == (RCOA1, HOA)
    assert (ba.payload.status, ba.payload.lifetime_s) == (134, 0)
    assert sim.binding_caches()["HA"] == []
    assert [e.peer for e in sim.binding_update_list()] == ["MAP1"]
    notes = [e.text for e in sim.trace if isinstance(e, Note) and e.node == "MN"]
    assert any("status 134 (duplicate address detection failed)" in t for t in notes)


def test_dad_is_only_for_a_new_registration():
    def duplicate_later(sim):
        sim.run(1.0)
        sim.nodes["HA"].agent.duplicate_addresses = frozenset({HOA})
    sim = run(duration_s=40.0, protocol={"map_binding_lifetime_s": 40,
                                         "home_binding_lifetime_s": 40},
              setup=duplicate_later)
    statuses = [decode(e.data).payload.status for e in sent(sim.trace, "BA from HA", node="HA")]
    assert statuses == [0, 0]  # the refresh at 32 s is not a new registration


# --- s.11.7.3: status 135 recovery at the MN ---------------------------------------------

def test_mn_recovers_from_status_135_with_the_returned_sequence_plus_one():
    # someone pushed the MAP's sequence number for the RCoA up to 1000 (same LCoA, no A)
    spoof = encode(Packet(LCOA1, MAP1_ADDR, BindingUpdate(1000, 600, ack=False,
                                                          map_registration=True),
                          hao=HomeAddressOption(RCOA1)))
    sim = run((2.0, spoof), duration_s=8.0, protocol={"map_binding_lifetime_s": 8})
    local = [decode(e.data) for e in sent(sim.trace, "local BU", node="MN")]
    bas = [decode(e.data).payload for e in sent(sim.trace, "local BA", node="MAP1")]
    assert [p.payload.sequence for p in local] == [1, 2, 1001]
    assert [(b.status, b.sequence) for b in bas] == [(0, 1), (135, 1000), (0, 1001)]
    resent = [e for e in sent(sim.trace, "local BU", node="MN")][-1]
    assert resent.rfc == "RFC 6275 s.11.7.3" and "after status 135" in resent.summary
    assert {e.home_address: (e.care_of_address, e.sequence)
            for e in sim.binding_caches()["MAP1"]} == {RCOA1: (LCOA1, 1001)}
    mine = next(e for e in sim.binding_update_list() if e.peer == "MAP1")
    assert (mine.sequence, mine.acknowledged) == (1001, True)
    changes = [e.change for e in sim.trace if isinstance(e, BindingChanged)
               and e.node == "MAP1"]
    assert changes == ["added", "refreshed", "refreshed"]
