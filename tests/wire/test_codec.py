"""The codec against hand-written RFC layouts, scapy, and hostile bytes.

Golden packets are spelt out byte by byte from the RFC figures (RFC 8200, RFC 6275
s.6.1.7/6.1.8/6.3/6.4, RFC 4861 s.4.2/4.6.2, RFC 5380 s.4/s.5), with checksums from
the independent RFC 1071 function below, so a bug shared by the codec and scapy
would still show.
"""

from __future__ import annotations

import struct
from ipaddress import IPv6Address, IPv6Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import UDP
from scapy.layers.inet6 import (
    HAO,
    MIP6MH_BA,
    MIP6MH_BU,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptMAP,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    MIP6OptAltCoA,
    MIP6OptBindingAuthData,
    MIP6OptBRAdvice,
    MIP6OptNonceIndices,
)

from hmipviz.engine.messages import (
    ALL_NODES,
    AlternateCareOfAddress,
    BindingAck,
    BindingAuthorizationData,
    BindingError,
    BindingRefreshAdvice,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeAddressOption,
    HomeTest,
    HomeTestInit,
    MapOption,
    NonceIndices,
    Packet,
    PacketTooBig,
    ParameterProblem,
    PrefixInformation,
    RawPayload,
    RouterAdvertisement,
    RouterSolicitation,
    TimeExceeded,
    Tunnelled,
    Type2RoutingHeader,
    UdpDatagram,
    UnknownMobility,
    encapsulate,
)
from hmipviz.wire.codec import (
    MAX_TUNNEL_DEPTH,
    DecodeError,
    EncodeError,
    FieldNode,
    decode,
    dissect,
    encode,
    encode_with_scapy,
)

A = IPv6Address
LCOA = A("2001:db8:1::a")
MAP = A("2001:db8:100::1")
RCOA = A("2001:db8:100::a")
HA = A("2001:db8:5::1")
HOA = A("2001:db8:5::a")
CN = A("2001:db8:9::9")
AR_LL = A("fe80::1")


# --- an independent Internet checksum (RFC 1071, the slow obvious way) -------------------


def rfc1071(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = 0
    for i in range(0, len(data), 2):
        total += (data[i] << 8) | data[i + 1]
        while total > 0xFFFF:
            total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo(src: IPv6Address, dst: IPv6Address, length: int, nh: int) -> bytes:
    return src.packed + dst.packed + length.to_bytes(4, "big") + bytes(3) + bytes([nh])


def with_checksum(upper: bytes, at: int, src: IPv6Address, dst: IPv6Address, nh: int) -> bytes:
    """``upper`` with its zero checksum field at ``at`` filled in by rfc1071."""
    assert upper[at:at + 2] == b"\x00\x00"
    ck = rfc1071(pseudo(src, dst, len(upper), nh) + upper)
    return upper[:at] + ck.to_bytes(2, "big") + upper[at + 2:]


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


def ipv6_header(plen: int, nh: int, hlim: int, src: IPv6Address, dst: IPv6Address) -> bytes:
    return h("60000000") + plen.to_bytes(2, "big") + bytes([nh, hlim]) + src.packed + dst.packed


# --- golden packets ------------------------------------------------------------------------

LOCAL_BU = Packet(LCOA, MAP,
                  BindingUpdate(sequence=1, lifetime_s=600, ack=True, map_registration=True),
                  hao=HomeAddressOption(RCOA))


def test_local_bu_golden_bytes() -> None:
    mh = h("3b 01 05 00 0000"  # Payload Proto 59, Header Len 1, MH Type 5, Reserved, Checksum
           "0001"  # Sequence # 1
           "88 00"  # A and M set (RFC 5380 s.4 figure 2), Reserved
           "0096"  # Lifetime 150 x 4 s = 600 s
           "01 02 0000")  # PadN to a multiple of 8 octets
    mh = with_checksum(mh, 4, RCOA, MAP, 135)  # pseudo-header source = HAO address
    dstopt = h("87 02" "01 02 0000" "c9 10") + RCOA.packed  # NH 135, 24 octets, PadN, HAO
    expected = ipv6_header(len(dstopt) + len(mh), 60, 64, LCOA, MAP) + dstopt + mh
    data = encode(LOCAL_BU)
    assert data == expected
    assert data == encode_with_scapy(LOCAL_BU)
    assert data[72] == 0x88  # BU flags byte
    assert struct.unpack_from("!H", data, 74)[0] == 150
    assert (46 - 40) % 8 == 6 and data[46] == 0xC9  # HAO at 8n+6 in its header
    assert data[48:64] == RCOA.packed
    # the checksum would be different with the care-of address as source
    assert struct.unpack_from("!H", data, 68)[0] != struct.unpack_from(
        "!H", with_checksum(mh[:4] + b"\0\0" + mh[6:], 4, LCOA, MAP, 135), 4)[0]


def test_ba_with_type2_routing_header_golden_bytes() -> None:
    ba = Packet(MAP, LCOA, BindingAck(status=0, sequence=1, lifetime_s=600),
                routing=Type2RoutingHeader(RCOA))
    mh = h("3b 01 06 00 0000" "00" "00" "0001" "0096" "01 02 0000")  # status 0, K clear
    mh = with_checksum(mh, 4, MAP, RCOA, 135)  # pseudo-header destination = RH2 address
    rh2 = h("87 02 02 01 00000000") + RCOA.packed  # Hdr Ext Len 2, Type 2, Segments Left 1
    expected = ipv6_header(len(rh2) + len(mh), 43, 64, MAP, LCOA) + rh2 + mh
    assert encode(ba) == expected == encode_with_scapy(ba)
    assert decode(expected) == ba


RA = Packet(AR_LL, ALL_NODES, RouterAdvertisement(
    prefixes=(PrefixInformation(IPv6Network("2001:db8:1::/64")),),
    map_options=(MapOption(dist=2, pref=10, r=True, valid_lifetime_s=600, map_address=MAP),),
    source_lladdr="02:00:00:00:00:01"), hop_limit=255)


def test_ra_with_prefix_and_map_option_golden_bytes() -> None:
    icmp = h("86 00 0000"  # type 134, code 0, checksum
             "40 00 0708"  # Cur Hop Limit 64, flags 0, Router Lifetime 1800
             "00000000 00000000"  # Reachable Time, Retrans Timer
             "01 01 020000000001"  # Source link-layer address
             "03 04 40 c0 00278d00 00093a80 00000000") + A("2001:db8:1::").packed + h(
             "17 03 2a 80 00000258") + MAP.packed  # MAP: Dist 2 Pref 10, R, 600 s
    icmp = with_checksum(icmp, 2, AR_LL, ALL_NODES, 58)
    expected = ipv6_header(len(icmp), 58, 255, AR_LL, ALL_NODES) + icmp
    data = encode(RA)
    assert data == expected == encode_with_scapy(RA)
    map_at = 40 + 16 + 8 + 32
    assert data[map_at:map_at + 4] == bytes([0x17, 0x03, 0x2A, 0x80])
    assert decode(data) == RA


def test_double_encapsulated_echo_golden_bytes() -> None:
    inner = Packet(CN, HOA, EchoRequest(ident=1, seq=2, data=b"ping"))
    packet = encapsulate(MAP, LCOA, encapsulate(HA, RCOA, inner))
    echo = with_checksum(h("80 00 0000 0001 0002") + b"ping", 2, CN, HOA, 58)
    inner_bytes = ipv6_header(len(echo), 58, 64, CN, HOA) + echo
    middle = ipv6_header(len(inner_bytes), 41, 64, HA, RCOA) + inner_bytes
    expected = ipv6_header(len(middle), 41, 64, MAP, LCOA) + middle
    data = encode(packet)
    assert data == expected == encode_with_scapy(packet)
    assert data[6] == 41 and data[46] == 41 and data[86] == 58
    assert struct.unpack_from("!H", data, 4)[0] == 92  # each tunnel costs 40 octets
    assert decode(data) == packet and decode(data).tunnel_depth() == 2


def test_scapy_recomputes_a_wrong_mh_checksum_from_parsed_headers() -> None:
    """Pins the trap the essentials doc warns about: why we check checksums ourselves."""
    layers = IPv6(encode(LOCAL_BU))
    assert [type(o).__name__ for o in layers[IPv6ExtHdrDestOpt].options] == ["PadN", "HAO"]
    layers[MIP6MH_BU].cksum = None
    assert bytes(layers) != encode(LOCAL_BU)


def test_lifetimes_round_down_to_4_second_units() -> None:
    bu = Packet(LCOA, MAP, BindingUpdate(sequence=1, lifetime_s=603, map_registration=True),
                hao=HomeAddressOption(RCOA))
    assert struct.unpack_from("!H", encode(bu), 74)[0] == 150
    assert decode(encode(bu)).payload.lifetime_s == 600


# --- every message type round-trips ----------------------------------------------------------

ALL_TYPES = [
    LOCAL_BU,
    Packet(MAP, LCOA, BindingAck(0, 1, 600), routing=Type2RoutingHeader(RCOA)),
    Packet(MAP, LCOA, BindingAck(135, 7, 0, key_management=True,
                                 options=(BindingRefreshAdvice(300),)),
           routing=Type2RoutingHeader(RCOA)),
    RA,
    Packet(AR_LL, ALL_NODES, RouterAdvertisement(prefixes=()), hop_limit=255),
    Packet(A("fe80::a"), A("ff02::2"), RouterSolicitation("0a:1b:2c:3d:4e:5f"), hop_limit=255),
    Packet(A("::"), A("ff02::2"), RouterSolicitation(), hop_limit=255),
    Packet(CN, HOA, EchoRequest(1, 2, b"data")),
    Packet(HOA, CN, EchoReply(1, 2, b""), hao=HomeAddressOption(HOA)),
    Packet(CN, RCOA, EchoReply(65535, 65535, b"x" * 100), routing=Type2RoutingHeader(HOA)),
    Packet(RCOA, CN, UdpDatagram(5000, 9000, b"abc"), hao=HomeAddressOption(HOA)),
    Packet(CN, RCOA, UdpDatagram(9000, 5000, b""), routing=Type2RoutingHeader(HOA)),
    Packet(MAP, LCOA, ParameterProblem(0, 42, encode(LOCAL_BU))),
    Packet(MAP, LCOA, BindingError(1, RCOA)),
    Packet(MAP, LCOA, BindingError(2, RCOA)),
    Packet(CN, RCOA, BindingRefreshRequest(), routing=Type2RoutingHeader(HOA)),
    Packet(HOA, CN, HomeTestInit(b"12345678")),
    Packet(RCOA, CN, CareofTestInit(b"abcdefgh")),
    Packet(CN, HOA, HomeTest(3, b"12345678", b"tokentok")),
    Packet(CN, RCOA, CareofTest(4, b"abcdefgh", b"TOKENTOK")),
    Packet(RCOA, CN, BindingUpdate(9, 420, options=(
        NonceIndices(3, 4), BindingAuthorizationData(bytes(range(12))))),
           hao=HomeAddressOption(HOA)),
    Packet(RCOA, HA, BindingUpdate(10, 400, home_registration=True, key_management=True,
                                   link_local_compat=True,
                                   options=(AlternateCareOfAddress(RCOA),)),
           hao=HomeAddressOption(HOA)),
    Packet(LCOA, MAP, UnknownMobility(42, b"\x00\x00")),
    Packet(LCOA, MAP, UnknownMobility(200, bytes(range(10)))),
    Packet(LCOA, MAP, RawPayload(59, b"")),
    Packet(LCOA, MAP, RawPayload(50, b"esp-ish bytes")),
    Packet(LCOA, MAP, EchoRequest(1, 1), traffic_class=0xB8, flow_label=0xABCDE, hop_limit=1),
    encapsulate(MAP, LCOA, Packet(CN, RCOA, EchoRequest(1, 2, b"hi"))),
    encapsulate(MAP, LCOA, encapsulate(HA, RCOA, Packet(CN, HOA, EchoRequest(1, 2, b"hi")))),
    encapsulate(LCOA, MAP, encapsulate(RCOA, HA, encapsulate(HOA, CN, LOCAL_BU))),
    encapsulate(RCOA, HA, Packet(HOA, CN, HomeTestInit(b"cookie!!"))),
]


@pytest.mark.parametrize("packet", ALL_TYPES, ids=lambda p: type(p.innermost().payload).__name__)
def test_round_trip_and_scapy_agree(packet: Packet) -> None:
    data = encode(packet)
    assert decode(data) == packet
    assert data == encode_with_scapy(packet)
    assert_checksums_verify(data)


def test_unknown_icmpv6_type_is_a_raw_payload() -> None:
    ns = with_checksum(h("87 00 0000 00000000") + MAP.packed, 2, LCOA, MAP, 58)  # type 135
    packet = Packet(LCOA, MAP, RawPayload(58, ns))
    assert decode(encode(packet)) == packet


def test_tunnels_up_to_the_limit_round_trip() -> None:
    packet = Packet(CN, HOA, EchoRequest(1, 2))
    for _ in range(MAX_TUNNEL_DEPTH):
        packet = encapsulate(MAP, LCOA, packet)
    assert decode(encode(packet)) == packet
    with pytest.raises(EncodeError, match="nested tunnels"):
        encode(encapsulate(MAP, LCOA, packet))
    too_deep = ipv6_header(len(encode(packet)), 41, 64, MAP, LCOA) + encode(packet)
    with pytest.raises(DecodeError, match="nested tunnels"):
        decode(too_deep)


# --- checksums, walked by hand ---------------------------------------------------------------


def assert_checksums_verify(data: bytes) -> None:
    """Walk the header chain independently and check every upper-layer checksum."""
    src, dst = A(data[8:24]), A(data[24:40])
    nh, pos = data[6], 40
    while nh in (43, 60):
        if nh == 43 and data[pos + 2] == 2 and data[pos + 3]:
            dst = A(data[pos + 8:pos + 24])
        if nh == 60:
            opt = pos + 2
            while opt < pos + 8 * (data[pos + 1] + 1):
                if data[opt] == 0:
                    opt += 1
                    continue
                if data[opt] == 0xC9:
                    src = A(data[opt + 2:opt + 18])
                opt += 2 + data[opt + 1]
        nh, pos = data[pos], pos + 8 * (data[pos + 1] + 1)
    upper = data[pos:]
    if nh == 41:
        assert_checksums_verify(upper)
    elif nh in (17, 58, 135):
        assert rfc1071(pseudo(src, dst, len(upper), nh) + upper) == 0, f"bad checksum, nh {nh}"


# --- Hypothesis: random packets ----------------------------------------------------------------

addresses = st.integers(0, 2**128 - 1).map(IPv6Address)
u8, u16, u32 = st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
lifetimes = st.integers(0, 0xFFFF).map(lambda units: units * 4)
small_bytes = st.binary(max_size=48)
macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))
eight = st.binary(min_size=8, max_size=8)

mobility_options = st.lists(st.one_of(
    st.builds(BindingRefreshAdvice, lifetimes),
    st.builds(AlternateCareOfAddress, addresses),
    st.builds(NonceIndices, u16, u16),
    st.builds(BindingAuthorizationData, st.binary(min_size=12, max_size=12)),
), max_size=4).map(tuple)

prefix_infos = st.builds(
    PrefixInformation,
    st.tuples(addresses, st.integers(0, 128)).map(lambda t: IPv6Network(t, strict=False)),
    st.booleans(), st.booleans(), u32, u32)
map_options = st.builds(MapOption, st.integers(0, 15), st.integers(0, 15), st.booleans(), u32,
                        addresses)

leaf_payloads = st.one_of(
    st.builds(BindingUpdate, u16, lifetimes, st.booleans(), st.booleans(), st.booleans(),
              st.booleans(), st.booleans(), mobility_options),
    st.builds(BindingAck, u8, u16, lifetimes, st.booleans(), mobility_options),
    st.builds(BindingError, u8, addresses),
    st.just(BindingRefreshRequest()),
    st.builds(HomeTestInit, eight),
    st.builds(CareofTestInit, eight),
    st.builds(HomeTest, u16, eight, eight),
    st.builds(CareofTest, u16, eight, eight),
    st.builds(UnknownMobility, st.integers(8, 255),
              st.integers(0, 3).flatmap(
                  lambda k: st.binary(min_size=2 + 8 * k, max_size=2 + 8 * k))),
    st.builds(RouterSolicitation, st.none() | macs),
    st.builds(RouterAdvertisement, st.lists(prefix_infos, max_size=3).map(tuple),
              st.lists(map_options, max_size=3).map(tuple), st.none() | macs, u8, u16, u32, u32),
    st.builds(EchoRequest, u16, u16, small_bytes),
    st.builds(EchoReply, u16, u16, small_bytes),
    st.builds(UdpDatagram, u16, u16, small_bytes),
    st.builds(ParameterProblem, st.integers(0, 3), u32, small_bytes),
    st.builds(PacketTooBig, u32, small_bytes),
    st.builds(TimeExceeded, st.integers(0, 1), small_bytes),
    st.builds(RawPayload, st.sampled_from([6, 44, 50, 51, 59, 103, 253]), small_bytes),
)


def packets_with(payloads: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        Packet, addresses, addresses, payloads, u8,
        st.none() | st.builds(Type2RoutingHeader, addresses, st.sampled_from([0, 1])),
        st.none() | st.builds(HomeAddressOption, addresses),
        u8, st.integers(0, 0xFFFFF))


packets = st.recursive(packets_with(leaf_payloads),
                       lambda inner: packets_with(st.builds(Tunnelled, inner)), max_leaves=3)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packets)
def test_random_packets_round_trip_identically_to_scapy(packet: Packet) -> None:
    data = encode(packet)
    assert data == encode_with_scapy(packet)  # the fast path is byte-identical to scapy
    assert decode(data) == packet
    assert_checksums_verify(data)
    assert_dissection_tiles(data)


# --- scapy as an independent decoder ----------------------------------------------------------


def scapy_view(data: bytes) -> dict[str, object]:
    """What scapy's own dissector reads from the bytes, for the fields we model."""
    s = IPv6(data)
    view: dict[str, object] = {"src": A(s.src), "dst": A(s.dst), "hlim": s.hlim}
    if IPv6ExtHdrRouting in s:
        view["rh2"] = (A(s[IPv6ExtHdrRouting].addresses[0]), s[IPv6ExtHdrRouting].segleft)
    if IPv6ExtHdrDestOpt in s:
        view["hao"] = A(s[HAO].hoa)
    if MIP6MH_BU in s:
        bu = s[MIP6MH_BU]
        view["bu"] = (bu.seq, int(bu.flags), bu.mhtime * 4)
        view["opts"] = _scapy_mobility_options(bu.options)
    if MIP6MH_BA in s:
        ba = s[MIP6MH_BA]
        view["ba"] = (ba.status, int(ba.flags), ba.seq, ba.mhtime * 4)
        view["opts"] = _scapy_mobility_options(ba.options)
    if ICMPv6ND_RA in s:
        ra = s[ICMPv6ND_RA]
        view["ra"] = (ra.chlim, ra.routerlifetime, ra.reachabletime, ra.retranstimer)
        view["maps"] = [(o.dist, o.pref, o.R, o.validlifetime, A(o.addr))
                        for o in _layers(s, ICMPv6NDOptMAP)]
        view["prefixes"] = [(o.prefixlen, o.L, o.A, o.validlifetime, o.preferredlifetime,
                             A(o.prefix))
                            for o in _layers(s, ICMPv6NDOptPrefixInfo)]
    if ICMPv6ND_RA in s or ICMPv6ND_RS in s:
        view["slla"] = [o.lladdr for o in _layers(s, ICMPv6NDOptSrcLLAddr)]
    for cls in (ICMPv6EchoRequest, ICMPv6EchoReply):
        if cls in s:
            view["echo"] = (cls.__name__, s[cls].id, s[cls].seq, bytes(s[cls].data))
    if UDP in s:
        view["udp"] = (s[UDP].sport, s[UDP].dport, bytes(s[UDP].payload))
    return view


def _layers(s, cls):  # every instance of an ND option class in the chain
    i = 1
    while s.getlayer(cls, i) is not None:
        yield s.getlayer(cls, i)
        i += 1


def _scapy_mobility_options(options) -> list[object]:
    out: list[object] = []
    for o in options:
        if isinstance(o, MIP6OptBRAdvice):
            out.append(BindingRefreshAdvice(o.rinter * 4))
        elif isinstance(o, MIP6OptAltCoA):
            out.append(AlternateCareOfAddress(A(o.acoa)))
        elif isinstance(o, MIP6OptNonceIndices):
            out.append(NonceIndices(o.hni, o.coni))
        elif isinstance(o, MIP6OptBindingAuthData):
            out.append(BindingAuthorizationData(o.authenticator.to_bytes(12, "big")))
    return out


def our_view(p: Packet) -> dict[str, object]:
    view: dict[str, object] = {"src": p.src, "dst": p.dst, "hlim": p.hop_limit}
    if p.routing:
        view["rh2"] = (p.routing.home_address, p.routing.segments_left)
    if p.hao:
        view["hao"] = p.hao.home_address
    pl = p.payload
    if isinstance(pl, BindingUpdate):
        flags = (pl.ack << 6 | pl.home_registration << 5 | pl.link_local_compat << 4
                 | pl.key_management << 3 | pl.map_registration << 2)  # scapy's PRMKLHA order
        view["bu"] = (pl.sequence, flags, pl.lifetime_s)
        view["opts"] = list(pl.options)
    if isinstance(pl, BindingAck):
        view["ba"] = (pl.status, 4 if pl.key_management else 0, pl.sequence, pl.lifetime_s)
        view["opts"] = list(pl.options)
    if isinstance(pl, RouterAdvertisement):
        view["ra"] = (pl.cur_hop_limit, pl.router_lifetime_s, pl.reachable_time_ms,
                      pl.retrans_timer_ms)
        view["maps"] = [(m.dist, m.pref, int(m.r), m.valid_lifetime_s, m.map_address)
                        for m in pl.map_options]
        view["prefixes"] = [(i.prefix.prefixlen, int(i.on_link), int(i.autonomous),
                             i.valid_lifetime_s, i.preferred_lifetime_s, i.prefix.network_address)
                            for i in pl.prefixes]
    if isinstance(pl, (RouterAdvertisement, RouterSolicitation)):
        view["slla"] = [pl.source_lladdr] if pl.source_lladdr else []
    if isinstance(pl, (EchoRequest, EchoReply)):
        name = "ICMPv6EchoRequest" if isinstance(pl, EchoRequest) else "ICMPv6EchoReply"
        view["echo"] = (name, pl.ident, pl.seq, pl.data)
    if isinstance(pl, UdpDatagram):
        view["udp"] = (pl.sport, pl.dport, pl.data)
    return view


@settings(max_examples=300, deadline=None)
@given(packets_with(leaf_payloads.filter(lambda pl: isinstance(pl, (
    BindingUpdate, BindingAck, RouterAdvertisement, RouterSolicitation, EchoRequest, EchoReply,
    UdpDatagram)))))
def test_scapy_dissector_reads_what_we_decode(packet: Packet) -> None:
    data = encode(packet)
    assert scapy_view(data) == our_view(decode(data))


# --- decode errors ------------------------------------------------------------------------------


def remake_mh(data: bytes, mh_at: int, mutate) -> bytes:
    """Apply ``mutate`` to the MH bytes, then fix its checksum, so only the mutation is wrong."""
    p = decode(data)
    mh = bytearray(data[mh_at:])
    mutate(mh)
    mh[4:6] = b"\0\0"
    fixed = with_checksum(bytes(mh), 4, p.home_source, p.final_destination, 135)
    return data[:mh_at] + fixed


def test_mobility_header_checksum_wrong() -> None:
    data = bytearray(encode(LOCAL_BU))
    data[68] ^= 0x01
    with pytest.raises(DecodeError, match="mobility header checksum wrong"):
        decode(bytes(data))


def test_mh_checksum_over_care_of_source_is_rejected() -> None:
    """A sender that forgot the HAO in its pseudo-header (scapy's trap) is caught."""
    data = encode(LOCAL_BU)
    mh = data[64:68] + b"\0\0" + data[70:]
    wrong = with_checksum(mh, 4, LCOA, MAP, 135)
    with pytest.raises(DecodeError, match="checksum wrong"):
        decode(data[:64] + wrong)


def test_payload_proto_not_59_is_rejected_distinctly() -> None:
    def set_proto(mh: bytearray) -> None:
        mh[0] = 6
    data = remake_mh(encode(LOCAL_BU), 64, set_proto)
    with pytest.raises(DecodeError, match="Payload Proto is 6, not 59"):
        decode(data)


@pytest.mark.parametrize("data, message", [
    (b"", "truncated IPv6 header"),
    (encode(LOCAL_BU)[:39], "truncated IPv6 header"),
    (encode(LOCAL_BU)[:-1], "truncated IPv6 payload"),
    (encode(LOCAL_BU) + b"\0", "bytes after the IPv6 payload"),
    (b"\x40" + encode(LOCAL_BU)[1:], "not IPv6"),
])
def test_framing_errors(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(data)


def test_bad_mh_header_len() -> None:
    data = encode(LOCAL_BU)
    for hlen, message in ((2, "runs past"), (0, "Header Len too small")):
        bad = bytearray(data)
        bad[65] = hlen
        with pytest.raises(DecodeError, match=message):
            decode(bytes(bad))


def test_mh_shorter_than_its_type_is_rejected() -> None:
    be = Packet(MAP, LCOA, BindingRefreshRequest())  # 8 octets; a BE needs 24
    data = remake_mh(encode(be), 40, lambda mh: mh.__setitem__(2, 7))
    with pytest.raises(DecodeError, match="too short for MH Type 7"):
        decode(data)


def test_bad_mobility_option_lengths() -> None:
    bu = Packet(RCOA, CN, BindingUpdate(9, 420, options=(NonceIndices(3, 4),)),
                hao=HomeAddressOption(HOA))
    data = encode(bu)
    ni_at = 64 + 12
    assert data[ni_at] == 4
    bad = remake_mh(data, 64, lambda mh: mh.__setitem__(13, 16))  # scapy's default length
    with pytest.raises(DecodeError, match=r"runs past|nonce indices option length"):
        decode(bad)


def test_unknown_mh_type_is_kept_for_a_binding_error() -> None:
    data = remake_mh(encode(Packet(LCOA, MAP, BindingRefreshRequest())), 40,
                     lambda mh: mh.__setitem__(2, 99))
    assert decode(data).payload == UnknownMobility(99, b"\x00\x00")


def test_icmpv6_and_udp_checksums_are_verified() -> None:
    echo = bytearray(encode(Packet(CN, HOA, EchoRequest(1, 2, b"x"), hao=HomeAddressOption(RCOA))))
    echo[-1] ^= 0xFF
    with pytest.raises(DecodeError, match="ICMPv6 checksum wrong"):
        decode(bytes(echo))
    udp = bytearray(encode(Packet(CN, HOA, UdpDatagram(1, 2, b"x"),
                                  routing=Type2RoutingHeader(RCOA))))
    udp[-1] ^= 0xFF
    with pytest.raises(DecodeError, match="UDP checksum wrong"):
        decode(bytes(udp))
    udp = bytearray(encode(Packet(CN, HOA, UdpDatagram(1, 2, b"x"))))
    udp[46:48] = b"\0\0"
    with pytest.raises(DecodeError, match="UDP checksum missing"):
        decode(bytes(udp))


def test_extension_header_errors() -> None:
    ba = encode(Packet(MAP, LCOA, BindingAck(0, 1, 600), routing=Type2RoutingHeader(RCOA)))
    for index, value, message in ((41, 4, "Hdr Ext Len is not 2"), (43, 2, "Segments Left")):
        bad = bytearray(ba)
        bad[index] = value
        with pytest.raises(DecodeError, match=message):
            decode(bytes(bad))
    bu = bytearray(encode(LOCAL_BU))
    bu[47] = 8  # HAO option length
    with pytest.raises(DecodeError):
        decode(bytes(bu))


def test_nd_option_with_length_zero_is_rejected() -> None:
    data = bytearray(encode(RA))
    data[40 + 16 + 1] = 0
    icmp = bytes(data[40:42]) + b"\0\0" + bytes(data[44:])
    fixed = data[:40] + with_checksum(icmp, 2, AR_LL, ALL_NODES, 58)
    with pytest.raises(DecodeError, match="length 0"):
        decode(bytes(fixed))


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(DecodeError):
        decode(None)  # type: ignore[arg-type]


# --- encode errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("packet, message", [
    (Packet(LCOA, MAP, BindingUpdate(70000, 600)), "sequence"),
    (Packet(LCOA, MAP, BindingUpdate(1, 300000)), "lifetime"),
    (Packet(LCOA, MAP, HomeTestInit(b"short")), "cookie"),
    (Packet(LCOA, MAP, BindingUpdate(1, 4, options=(BindingAuthorizationData(b"x" * 16),))),
     "authenticator"),
    (Packet(LCOA, MAP, UnknownMobility(42, b"abc")), "multiple of 8"),
    (Packet(LCOA, MAP, UnknownMobility(5, b"ab")), "8..255"),
    (Packet(AR_LL, ALL_NODES, RouterAdvertisement((), (MapOption(16, 1, False, 1, MAP),))), "Dist"),
    (Packet(AR_LL, ALL_NODES, RouterSolicitation("02-00-00-00-00-01")), "link-layer"),
    (Packet(LCOA, MAP, EchoRequest(1, 1), routing=Type2RoutingHeader(RCOA, 2)), "Segments Left"),
    (Packet(LCOA, MAP, EchoRequest(1, 1), flow_label=1 << 20), "flow label"),
    (Packet("2001:db8::1", MAP, EchoRequest(1, 1)), "IPv6Address"),  # type: ignore[arg-type]
    (Packet(A("fe80::1%eth0"), MAP, EchoRequest(1, 1)), "scope"),
    (Packet(LCOA, MAP, UdpDatagram(1, 2, bytes(70000))), "too long"),
    (Packet(LCOA, MAP, EchoRequest(1, 2, bytes(70000))), "too long"),
    (Packet(LCOA, MAP, ParameterProblem(0, 0, bytes(70000))), "too long"),
])
def test_encode_rejects_what_does_not_fit(packet: Packet, message: str) -> None:
    with pytest.raises(EncodeError, match=message):
        encode(packet)
    with pytest.raises(EncodeError, match=message):
        encode_with_scapy(packet)


# --- dissect ---------------------------------------------------------------------------------


def find(nodes: tuple[FieldNode, ...], key: str) -> list[FieldNode]:
    found = []
    for node in nodes:
        if node.key == key:
            found.append(node)
        found.extend(find(node.children, key))
    return found


def assert_dissect_sane(data: bytes) -> None:
    nodes = dissect(data)
    assert nodes, "dissect returned nothing"
    # dissect turns its own bugs into a "dissector error" node rather than crash the
    # inspector; a fuzz test must see them
    assert not any("dissector error" in n.label for n in nodes), [n.label for n in nodes]

    def check(node: FieldNode, lo: int, hi: int) -> None:
        assert lo <= node.start <= node.end <= hi, (node.key, node.start, node.end, lo, hi)
        for child in node.children:
            check(child, node.start, node.end)

    for node in nodes:
        check(node, 0, len(data))


def assert_dissection_tiles(data: bytes) -> None:
    """A valid packet: no malformed node and the layers cover every byte in order."""
    nodes = dissect(data)
    assert not find(nodes, "malformed"), [n.label for n in nodes]
    position = 0
    for node in nodes:
        assert node.start == position, (node.key, node.start, position)
        position = node.end
    assert position == len(data)
    assert_dissect_sane(data)


def test_dissect_local_bu() -> None:
    nodes = dissect(encode(LOCAL_BU))
    assert [n.key for n in nodes] == ["ipv6", "mipv6"]
    assert [n.key for n in nodes[0].children][-1] == "ipv6.dstopts"  # inside, as in Wireshark
    assert nodes[0].end == 64
    (hao,) = find(nodes, "ipv6.opt.mipv6.home_address")
    assert (hao.start, hao.end) == (48, 64) and hao.label == f"Home Address: {RCOA}"
    (m_flag,) = find(nodes, "mip6.bu.m_flag")
    # a flag of the 16-bit flags word spans both octets, as in Wireshark
    assert m_flag.label == "M flag: set (MAP registration)"
    assert (m_flag.start, m_flag.end) == (72, 74)
    (h_flag,) = find(nodes, "mip6.bu.h_flag")
    assert "not set" in h_flag.label
    (seq,) = find(nodes, "mip6.bu.seqnr")
    assert seq.label == "Sequence number: 1" and (seq.start, seq.end) == (70, 72)
    (lifetime,) = find(nodes, "mip6.bu.lifetime")
    assert lifetime.label == "Lifetime: 150 (600 s)"
    (checksum,) = find(nodes, "mip6.csum")
    assert checksum.label.endswith("[correct]") and (checksum.start, checksum.end) == (68, 70)
    (src,) = find(nodes, "ipv6.src")
    assert (src.start, src.end) == (8, 24)


def test_dissect_ra_map_option() -> None:
    nodes = dissect(encode(RA))
    assert [n.key for n in nodes] == ["ipv6", "icmpv6"]
    (icmp,) = nodes[1:]
    # the options are inside, as in Wireshark
    assert (icmp.start, icmp.end) == (40, len(encode(RA)))
    assert [n.key for n in icmp.children if n.key == "icmpv6.opt"] == ["icmpv6.opt"] * 3
    (dist,) = find(nodes, "icmpv6.opt.map.distance")
    assert dist.label == "Dist: 2" and (dist.start, dist.end) == (98, 99)
    (address,) = find(nodes, "icmpv6.opt.map.global_address")
    assert (address.start, address.end) == (104, 120)
    assert find(nodes, "icmpv6.opt.map.flag.r")[0].label.startswith("R flag: set")


def test_dissect_tunnel_and_rh2() -> None:
    packet = encapsulate(
        MAP, LCOA, Packet(CN, RCOA, BindingAck(0, 1, 4), routing=Type2RoutingHeader(HOA)))
    nodes = dissect(encode(packet))
    assert [n.key for n in nodes] == ["ipv6", "ipv6", "mipv6"]
    assert "encapsulated" in nodes[1].label
    (home,) = find(nodes, "ipv6.routing.mipv6.home_address")
    assert (home.start, home.end) == (88, 104)
    assert find(nodes, "mip6.csum")[0].label.endswith("[correct]")


def test_dissect_marks_bad_checksum_and_truncation() -> None:
    data = bytearray(encode(LOCAL_BU))
    data[68] ^= 0xFF
    assert "incorrect" in find(dissect(bytes(data)), "mip6.csum")[0].label
    truncated = encode(LOCAL_BU)[:70]
    nodes = dissect(truncated)
    assert nodes[-1].key == "malformed" and nodes[-1].end == 70
    assert find(nodes, "ipv6.opt.mipv6.home_address")  # what could be parsed is still there
    assert dissect(b"\x01\x02")[-1].key == "malformed"
