"""decode(..., mobility_refusals=True): RFC 6275 s.9.2 problems come back as a payload the
receiving node answers, and tunnel end points can forward it byte for byte."""

from __future__ import annotations

from ipaddress import IPv6Address as A

import pytest

from hmipviz.engine.messages import (
    BindingUpdate,
    HomeAddressOption,
    MalformedMobilityHeader,
    Packet,
    UnknownMobility,
    encapsulate,
)
from hmipviz.wire.codec import DecodeError, decode, encode, internet_checksum

LCOA, MAP, RCOA = A("2001:db8:2::a"), A("2001:db8:100::1"), A("2001:db8:100::a")
BU = Packet(LCOA, MAP, BindingUpdate(1, 600, map_registration=True), hao=HomeAddressOption(RCOA))


def mutated(mutate, fix_checksum: bool = True) -> bytes:
    data = bytearray(encode(BU))
    mh = data[64:]
    mutate(mh)
    if fix_checksum:
        mh[4:6] = b"\0\0"
        mh[4:6] = internet_checksum(RCOA, MAP, 135, bytes(mh)).to_bytes(2, "big")
    return bytes(data[:64] + mh)


@pytest.mark.parametrize("mutate, fix, problem, pointer", [
    (lambda mh: mh.__setitem__(8, 0xFF), False, "checksum wrong", None),
    (lambda mh: mh.__setitem__(0, 6), True, "Payload Proto is 6, not 59", 64),
])
def test_refusals_carry_the_problem_and_the_pointer(mutate, fix, problem, pointer):
    data = mutated(mutate, fix)
    with pytest.raises(DecodeError, match=problem):
        decode(data)  # the strict default is unchanged
    m = decode(data, mobility_refusals=True).payload
    assert isinstance(m, MalformedMobilityHeader)
    assert problem in m.problem and m.pointer == pointer
    assert m.invoking == data and m.data == data[64:]


def test_header_len_below_the_minimum_points_at_header_len():
    # 8-octet header (Header Len 0) with MH Type 5: a BU needs 12
    mh = bytearray([59, 0, 5, 0, 0, 0, 0, 0])
    mh[4:6] = internet_checksum(LCOA, MAP, 135, bytes(mh)).to_bytes(2, "big")
    data = encode(Packet(LCOA, MAP, UnknownMobility(200, b"\0\0")))[:40] + bytes(mh)
    m = decode(data, mobility_refusals=True).payload
    assert isinstance(m, MalformedMobilityHeader) and m.pointer == 41


def test_unknown_type_wins_over_payload_proto_when_refusals_are_asked_for():
    data = encode(Packet(LCOA, MAP, UnknownMobility(42, b"\0\0")))
    mh = bytearray(data[40:])
    mh[0], mh[4:6] = 17, b"\0\0"
    mh[4:6] = internet_checksum(LCOA, MAP, 135, bytes(mh)).to_bytes(2, "big")
    bad = data[:40] + bytes(mh)
    assert decode(bad, mobility_refusals=True).payload == UnknownMobility(42, b"\0\0")
    with pytest.raises(DecodeError, match="Payload Proto"):
        decode(bad)


def test_a_refused_header_inside_a_tunnel_is_forwarded_unchanged():
    inner = mutated(lambda mh: mh.__setitem__(0, 6))
    outer = encode(encapsulate(A("2001:db8:1::1"), RCOA, decode(inner, mobility_refusals=True)))
    decoded = decode(outer, mobility_refusals=True)
    assert encode(decoded.payload.inner) == inner
    assert decoded.payload.inner.payload.pointer == 64  # relative to the inner packet
    with pytest.raises(DecodeError):
        decode(outer)


def test_framing_errors_are_still_dropped_as_malformed():
    data = bytearray(encode(BU))
    data[65] = 2  # Header Len runs past the IPv6 payload
    with pytest.raises(DecodeError, match="runs past"):
        decode(bytes(data), mobility_refusals=True)
