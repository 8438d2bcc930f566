"""ESP-protected MN-MAP and MN-HA signalling (RFC 5380 s.12.1, RFC 6275 s.5.1) and the
hijack it prevents: a host on an AR's link sends a local BU for the MN's RCoA with its
own address as the LCoA."""

from __future__ import annotations

import hashlib
import hmac
import struct
from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from nets import (
    HA_ADDR,
    HOA,
    LCOA1,
    LCOA2,
    MAP1_ADDR,
    RCOA1,
    echo,
    figure1,
    originated,
    sent,
)

from hmipviz.engine.events import (
    PacketDropped,
    PacketReceived,
    SecurityAssociationEstablished,
)
from hmipviz.engine.messages import (
    NH_ESP,
    BindingUpdate,
    HomeAddressOption,
    Packet,
    RawPayload,
    Tunnelled,
)
from hmipviz.scenario import InjectSpec, LinkSpec, NodeSpec
from hmipviz.sim import Simulation
from hmipviz.wire.codec import decode, encode
from hmipviz.wire.esp import unprotect

EVE = A("2001:db8:66::e")
HIJACK_BU = Packet(EVE, MAP1_ADDR, BindingUpdate(100, 600, ack=True, map_registration=True),
                   hao=HomeAddressOption(RCOA1))


def hijack(security: str, injects=((4.0, HIJACK_BU),), duration_s=12.0) -> Simulation:
    """figure1 with EVE hanging off AR1; CN pings the MN; the MN moves to AR2 at 10 s."""
    eve = NodeSpec("EVE", "host", EVE, N("2001:db8:66::/64"))
    sc = figure1(flows=[echo(1.0, 250.0)], moves=[(10.0, "AR2")], duration_s=duration_s,
                 extra_nodes=[eve], extra_links=[LinkSpec("EVE", "AR1", 1)],
                 injects=[InjectSpec(t, "EVE", p if isinstance(p, bytes) else encode(p))
                          for t, p in injects])
    sim = Simulation(sc, security=security)
    sim.run()
    assert sim.internal_errors == 0
    return sim


def map_cache(sim):
    return {e.home_address: (e.care_of_address, e.sequence)
            for e in sim.binding_caches()["MAP1"]}


def data_received(sim, node, since=0.0, until=99.0):
    return [e for e in sim.trace if isinstance(e, PacketReceived) and e.node == node
            and e.kind == "data" and since <= e.t < until]


def esp_of(data: bytes) -> bytes:
    """The ESP part of a datagram (after RH2 / Destination Options)."""
    nh, pos = data[6], 40
    while nh in (43, 60):
        nh, pos = data[pos], pos + 8 * (data[pos + 1] + 1)
    assert nh == NH_ESP
    return data[pos:]


# --- ESP on the signalling -----------------------------------------------------------

def test_security_associations_are_set_up_once_per_peer_before_the_first_bu():
    sim = Simulation(figure1(duration_s=1.0), security="esp")
    sim.run()
    sas = [e for e in sim.trace if isinstance(e, SecurityAssociationEstablished)]
    assert [(e.peer, e.protected_address) for e in sas] == [("MAP1", str(RCOA1)),
                                                            ("HA", str(HOA))]
    assert sas[0].algorithm == "ESP transport mode, NULL encryption, HMAC-SHA1-96"
    first_bu = sent(sim.trace, "local BU", node="MN")[0]
    assert sas[0].t <= first_bu.t and sim.trace.index(sas[0]) < sim.trace.index(first_bu)
    mn, map1, ha = sim.nodes["MN"], sim.nodes["MAP1"], sim.nodes["HA"]
    # each side holds the mirror of the other's pair
    assert mn.sad.outbound(MAP1_ADDR).spi == sas[0].spi_out == map1.sad.inbound(sas[0].spi_out).spi
    assert map1.sad.outbound(RCOA1).spi == sas[0].spi_in
    assert ha.sad.outbound(HOA).spi == sas[1].spi_in
    assert originated(sim.trace) == [
        ("MN", "RS", 0), ("AR1", "RA", 0), ("MN", "local BU", 0), ("MAP1", "local BA", 0),
        ("MN", "BU to HA", 1), ("MAP1", "BU to HA", 0), ("HA", "BA from HA", 0),
        ("MAP1", "BA from HA", 1)]
    assert map_cache(sim) == {RCOA1: (LCOA1, 1)}


def test_bus_and_bas_travel_in_esp_with_a_real_hmac_sha1_96():
    sim = Simulation(figure1(duration_s=1.0), security="esp")
    sim.run()
    mn = sim.nodes["MN"]
    for kind, node, key in (("local BU", "MN", mn.sad.outbound(MAP1_ADDR)),
                            ("BU to HA", "MAP1", mn.sad.outbound(HA_ADDR))):
        data = sent(sim.trace, kind, node=node)[0].data
        p = decode(data)
        assert isinstance(p.payload, RawPayload) and p.payload.next_header == NH_ESP
        assert p.hao is not None  # the Home Address option stays in front of ESP
        esp = esp_of(data)
        spi, seq = struct.unpack_from("!II", esp)
        assert (spi, seq) == (key.spi, 1)
        icv = hmac.new(key.auth_key, esp[:-12], hashlib.sha1).digest()[:12]  # RFC 2404
        assert esp[-12:] == icv
        assert esp[-13] == 135  # Next Header in the ESP trailer: the Mobility Header
        plain = decode(unprotect(data, spi, key.auth_key))
        assert isinstance(plain.payload, BindingUpdate)
    # the BU to the HA is protected end to end, inside the MN -> MAP tunnel
    outer = decode(sent(sim.trace, "BU to HA", node="MN")[0].data)
    assert isinstance(outer.payload, Tunnelled)
    assert outer.payload.inner.payload.next_header == NH_ESP
    ba = decode(sent(sim.trace, "local BA", node="MAP1")[0].data)
    assert ba.routing.home_address == RCOA1 and ba.payload.next_header == NH_ESP


def _bu_bytes(sim) -> bytes:
    return sent(sim.trace, "local BU", node="MN")[0].data


def test_replayed_tampered_unknown_and_plain_bus_are_dropped_silently_and_counted():
    first = Simulation(figure1(duration_s=1.0), security="esp")
    first.run()
    good = _bu_bytes(first)  # the same seed gives the same SAs, so these bytes are valid
    esp_at = len(good) - len(esp_of(good))
    tampered = bytearray(good)
    tampered[esp_at + 7] = 9  # a fresh sequence number the ICV does not cover
    unknown = bytearray(good)
    unknown[esp_at:esp_at + 4] = b"\xde\xad\xbe\xef"
    plain = encode(Packet(LCOA1, MAP1_ADDR, BindingUpdate(50, 600, map_registration=True),
                          hao=HomeAddressOption(RCOA1)))
    sim = hijack("esp", injects=[(2.0, good), (2.5, bytes(tampered)), (3.0, bytes(unknown)),
                                 (3.5, plain)], duration_s=4.0)
    drops = [e.reason for e in sim.trace if isinstance(e, PacketDropped) and e.node == "MAP1"
             and e.t >= 2.0]
    assert len(drops) == 4
    assert "was seen before" in drops[0] and "ESP replay: 1 so far" in drops[0]
    assert "ICV check failed" in drops[1]
    assert "no security association" in drops[2]
    assert "not protected by ESP" in drops[3]
    assert sim.nodes["MAP1"].counters == {"ESP replay": 1, "ESP check failed": 1,
                                          "ESP without SA": 1, "BU without ESP": 1}
    assert sent(sim.trace, "local BA", node="MAP1", since_t=2.0) == []  # no answers
    assert map_cache(sim) == {RCOA1: (LCOA1, 1)}


def test_a_bu_through_the_sa_of_another_address_is_refused():
    sim = Simulation(figure1(duration_s=3.0), security="esp")
    sim.run(1.0)
    mn = sim.nodes["MN"]
    esp = mn.sad.protect(MAP1_ADDR)  # the MN's own SA for RCoA1 ...
    other = Packet(LCOA1, MAP1_ADDR, BindingUpdate(7, 600, map_registration=True),
                   hao=HomeAddressOption(A("2001:db8:100::bad")), esp=esp)
    sim.inject("AR1", encode(other), at_s=2.0)  # ... used to bind another RCoA
    sim.run(3.0)
    assert sim.nodes["MAP1"].counters == {"BU through another address's SA": 1}
    assert A("2001:db8:100::bad") not in map_cache(sim)


# --- the hijack demo ---------------------------------------------------------------------

def test_without_esp_the_map_accepts_the_spoofed_bu_and_traffic_goes_to_the_attacker():
    sim = hijack("none")
    ba = decode(sent(sim.trace, "local BA", node="MAP1", since_t=4.0)[0].data)
    assert (ba.dst, ba.routing.home_address, ba.payload.status) == (EVE, RCOA1, 0)
    assert next(e for e in sim.trace if getattr(e, "node", None) == "MAP1"
            and getattr(e, "change", None) == "updated").care_of_address == str(EVE)
    stolen = data_received(sim, "EVE", 4.0, 10.0)
    assert len(stolen) >= 20  # every echo request from the CN for about 6 s
    assert data_received(sim, "MN", 4.1, 10.0) == []
    tunnelled = decode(next(e for e in sim.trace if getattr(e, "to_node", None) == "EVE"
                        and e.kind == "data").data)
    assert (tunnelled.src, tunnelled.dst, tunnelled.payload.inner.dst) == (MAP1_ADDR, EVE,
                                                                           RCOA1)
    # the MN takes its RCoA back with its next BU (status 135, then sequence 101)
    bas = [decode(e.data).payload for e in sent(sim.trace, "local BA", node="MAP1",
                                                 since_t=10.0)]
    assert [(b.status, b.sequence) for b in bas] == [(135, 100), (0, 101)]
    assert map_cache(sim) == {RCOA1: (LCOA2, 101)}
    assert data_received(sim, "MN", 10.5)


def test_with_esp_the_spoofed_bu_is_dropped_and_nothing_changes():
    sim = hijack("esp")
    assert [decode(e.data).dst for e in sent(sim.trace, "local BA", node="MAP1")] == [
        LCOA1, LCOA2]  # nothing for EVE
    assert sim.nodes["MAP1"].counters == {"BU without ESP": 1}
    assert data_received(sim, "EVE") == []
    assert len(data_received(sim, "MN", 4.0, 10.0)) >= 20
    assert map_cache(sim) == {RCOA1: (LCOA2, 2)}
