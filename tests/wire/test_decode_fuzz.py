"""Fuzzing the strict decoder and the dissector: whatever the bytes, decode gives a
Packet or a DecodeError it raised on purpose, and dissect a sane tree.

The decoder turns any other exception into a DecodeError (the simulator relies on
that), which would hide its own bugs from these tests; they call it with
``launder=False`` so that an IndexError or struct.error from a forgotten length check
fails them instead.
"""

from __future__ import annotations

import sys
from ipaddress import IPv6Address
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import example, given, settings

from hmipviz.engine.messages import Packet
from hmipviz.wire.codec import DecodeError, FieldNode, decode, dissect, encode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_codec import (
    ALL_TYPES,
    LCOA,
    MAP,
    assert_dissect_sane,
    ipv6_header,
    pseudo,
    rfc1071,
    u8,
)

VALID_SAMPLES = [encode(p) for p in ALL_TYPES]


def decode_or_reject(data: bytes) -> None:
    """decode gives a Packet or a DecodeError the decoder raised on purpose.

    ``launder=False``: an internal error (an IndexError, a struct.error, a ValueError
    from ipaddress: a check the decoder forgot) escapes as itself instead of becoming
    a DecodeError, so that these tests fail on it.
    """
    for refusals in (False, True):
        try:
            result = decode(data, mobility_refusals=refusals, launder=False)
        except DecodeError:
            continue
        assert isinstance(result, Packet)


def test_an_internal_error_is_laundered_only_when_asked(monkeypatch) -> None:
    """The strict flag the fuzz tests rely on does re-raise a decoder bug."""
    from hmipviz.wire import decode as decode_module

    def broken(*_args: object) -> Packet:
        raise IndexError("a check the decoder forgot")

    monkeypatch.setattr(decode_module, "_decode_ipv6", broken)
    data = b"`" + bytes(39) + b"fresh bytes, not in the cache"
    with pytest.raises(DecodeError, match="malformed packet \\(IndexError\\)"):
        decode(data)
    with pytest.raises(IndexError):
        decode(data, launder=False)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
@example(b"`" + bytes(39))
@example(ipv6_header(0, 41, 64, MAP, LCOA) * 1)
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    decode_or_reject(data)
    assert_dissect_sane(data)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(range(len(VALID_SAMPLES))), st.binary(min_size=0, max_size=160))
def test_random_bodies_behind_a_valid_ipv6_header_raise_only_decode_error(
        which: int, body: bytes) -> None:
    head = bytearray(VALID_SAMPLES[which][:40])
    head[4:6] = len(body).to_bytes(2, "big")
    data = bytes(head) + body
    decode_or_reject(data)
    assert_dissect_sane(data)


@settings(max_examples=1000, deadline=None)
@given(st.data())
def test_single_byte_mutations_give_a_packet_or_decode_error(data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(VALID_SAMPLES))
    index = data.draw(st.integers(0, len(original) - 1))
    value = data.draw(u8.filter(lambda v: v != original[index]))
    mutated = original[:index] + bytes([value]) + original[index + 1:]
    decode_or_reject(mutated)
    assert_dissect_sane(mutated)


def with_upper_checksum_fixed(data: bytes) -> bytes:
    """``data`` with its upper-layer checksum recomputed (over the HAO and RH2 addresses
    as the decoder takes them), so that a mutation is parsed past the checksum check."""
    out = bytearray(data)
    src = dst = home_src = home_dst = None
    segments_left = 0
    for node in walk(dissect(data)):
        field = data[node.start:node.end]
        if node.key == "ipv6.src":
            src, home_src, home_dst = IPv6Address(field), None, None
        elif node.key == "ipv6.dst":
            dst = IPv6Address(field)
        elif node.key == "ipv6.opt.mipv6.home_address":
            home_src = IPv6Address(field)
        elif node.key == "ipv6.routing.segleft":
            segments_left = field[0]
        elif node.key == "ipv6.routing.mipv6.home_address" and segments_left:
            home_dst = IPv6Address(field)
        elif node.key in ("mipv6", "icmpv6", "udp") and src is not None and dst is not None:
            nh, at = {"mipv6": (135, 4), "icmpv6": (58, 2), "udp": (17, 6)}[node.key]
            end = len(data) if node.key == "udp" else node.end
            upper = bytearray(out[node.start:end])
            if len(upper) >= at + 2:
                upper[at:at + 2] = b"\0\0"
                checksum = rfc1071(pseudo(home_src or src, home_dst or dst, len(upper), nh)
                                   + bytes(upper))
                out[node.start + at:node.start + at + 2] = checksum.to_bytes(2, "big")
            break
    return bytes(out)


def walk(nodes: tuple[FieldNode, ...]):
    for node in nodes:
        yield node
        yield from walk(node.children)


@settings(max_examples=1000, deadline=None)
@given(st.data())
def test_mutations_behind_a_good_checksum_give_a_packet_or_decode_error(
        data: st.DataObject) -> None:
    """Most mutations end at the checksum check; these are parsed to the end."""
    original = bytearray(data.draw(st.sampled_from([v for v in VALID_SAMPLES if len(v) > 40])))
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(40, len(original) - 1))
        original[index] = data.draw(st.sampled_from(
            [0, 1, 2, 3, 4, 5, 8, 16, 23, 41, 43, 58, 59, 60, 135, 0xC9, 255]) | u8)
    cut = data.draw(st.integers(40, len(original)))
    mutated = bytearray(original[:cut])
    mutated[4:6] = (len(mutated) - 40).to_bytes(2, "big")
    fixed = with_upper_checksum_fixed(bytes(mutated))
    decode_or_reject(fixed)
    assert_dissect_sane(fixed)
