"""The struct encoding of the rare messages (wire/encode_rare.py) against scapy, the
reference: every type, with and without the Mobile IPv6 extension headers and tunnels,
fixed and random field values; and no payload type is left for scapy to encode."""

from __future__ import annotations

import sys
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmipviz.engine import messages
from hmipviz.engine.messages import (
    BindingError,
    BindingRefreshRequest,
    CareofTest,
    CareofTestInit,
    HomeAddressOption,
    HomeTest,
    HomeTestInit,
    Packet,
    PacketTooBig,
    ParameterProblem,
    TimeExceeded,
    Type2RoutingHeader,
    UnknownMobility,
    encapsulate,
)
from hmipviz.wire import encode as encode_module
from hmipviz.wire.codec import EncodeError, decode, encode, encode_with_scapy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_codec import (
    ALL_TYPES,
    CN,
    HA,
    HOA,
    LCOA,
    MAP,
    RCOA,
    addresses,
    assert_checksums_verify,
    eight,
    packets_with,
    small_bytes,
    u8,
    u16,
    u32,
)

INVOKING = encode(Packet(CN, HOA, messages.EchoRequest(7, 8, b"invoking")))

RARE = [
    BindingError(1, HOA),
    BindingError(2, RCOA),
    BindingRefreshRequest(),
    HomeTestInit(b"12345678"),
    CareofTestInit(b"abcdefgh"),
    HomeTest(0xFFFF, b"12345678", b"tokentok"),
    CareofTest(0, b"abcdefgh", b"TOKENTOK"),
    UnknownMobility(8, b"\x01\x02"),
    UnknownMobility(255, bytes(range(250)) + bytes(8)),  # 6 + 258 = 33 x 8 octets
    ParameterProblem(0, 42, INVOKING),
    ParameterProblem(2, 0xFFFFFFFF, b""),
    PacketTooBig(1280, INVOKING),
    PacketTooBig(0, b""),
    TimeExceeded(0, INVOKING),
    TimeExceeded(1, b"x"),
]

HEADERS = {
    "plain": {},
    "hao": {"hao": HomeAddressOption(HOA)},
    "rh2": {"routing": Type2RoutingHeader(HOA)},
    "rh2-segments-left-0": {"routing": Type2RoutingHeader(RCOA, 0)},
    "both": {"routing": Type2RoutingHeader(HOA), "hao": HomeAddressOption(RCOA)},
}


@pytest.mark.parametrize("headers", HEADERS.values(), ids=HEADERS.keys())
@pytest.mark.parametrize("payload", RARE, ids=lambda pl: type(pl).__name__)
def test_rare_message_is_byte_identical_to_scapy(payload: object, headers: dict) -> None:
    packet = Packet(MAP, LCOA, payload, hop_limit=17, traffic_class=3, flow_label=0x12345,
                    **headers)  # type: ignore[arg-type]
    data = encode(packet)
    assert data == encode_with_scapy(packet)
    assert_checksums_verify(data)
    assert decode(data) == packet
    tunnelled = encapsulate(HA, RCOA, encapsulate(MAP, LCOA, packet))
    assert encode(tunnelled) == encode_with_scapy(tunnelled)


def test_every_payload_type_has_a_struct_encoder() -> None:
    """encode never falls back to scapy: a new payload type must get a struct path."""
    covered = {type(p.innermost().payload) for p in ALL_TYPES} | {type(pl) for pl in RARE}
    payload_types = set(typing.get_args(messages.Payload))
    assert payload_types - {messages.MalformedMobilityHeader, messages.Tunnelled} <= covered
    for payload in RARE:
        assert encode_module._fast_upper(Packet(MAP, LCOA, payload)) is not None


def test_encode_does_not_call_scapy(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(packet: Packet) -> bytes:
        raise AssertionError(f"scapy asked to encode {packet}")

    monkeypatch.setattr(encode_module, "encode_with_scapy", refuse)
    encode_module._encode_cached.cache_clear()
    for payload in RARE:
        encode(Packet(MAP, LCOA, payload, hop_limit=5))
    for packet in ALL_TYPES:
        encode(packet)


def test_mobility_header_too_long_for_header_len() -> None:
    # Header Len is one octet: (6 + 2050) / 8 - 1 = 256 does not fit
    packet = Packet(LCOA, MAP, UnknownMobility(9, bytes(2050)))
    with pytest.raises(EncodeError, match="Header Len"):
        encode(packet)
    with pytest.raises(EncodeError, match="too long"):
        encode_with_scapy(packet)
    longest = Packet(LCOA, MAP, UnknownMobility(9, bytes(2042)))  # Header Len 255
    assert encode(longest) == encode_with_scapy(longest)


@pytest.mark.parametrize("payload", [
    ParameterProblem(0, 0, bytes(70000)),
    PacketTooBig(1280, bytes(70000)),
    TimeExceeded(0, bytes(70000)),
])
def test_icmpv6_error_too_long(payload: object) -> None:
    with pytest.raises(EncodeError, match="too long"):
        encode(Packet(MAP, LCOA, payload))  # type: ignore[arg-type]


rare_payloads = st.one_of(
    st.builds(BindingError, u8, addresses),
    st.just(BindingRefreshRequest()),
    st.builds(HomeTestInit, eight),
    st.builds(CareofTestInit, eight),
    st.builds(HomeTest, u16, eight, eight),
    st.builds(CareofTest, u16, eight, eight),
    st.builds(UnknownMobility, st.integers(8, 255),
              st.integers(0, 40).flatmap(lambda k: st.binary(min_size=2 + 8 * k,
                                                             max_size=2 + 8 * k))),
    st.builds(ParameterProblem, u8, u32, small_bytes),
    st.builds(PacketTooBig, u32, small_bytes | st.binary(min_size=1000, max_size=1300)),
    st.builds(TimeExceeded, u8, small_bytes),
)
rare_packets = st.recursive(packets_with(rare_payloads),
                            lambda inner: packets_with(st.builds(messages.Tunnelled, inner)),
                            max_leaves=2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rare_packets)
def test_random_rare_packets_are_byte_identical_to_scapy(packet: Packet) -> None:
    data = encode(packet)
    assert data == encode_with_scapy(packet)
    assert_checksums_verify(data)
    assert decode(data) == packet
