"""The hand-written ESP (wire/esp.py) against scapy's SecurityAssociation, the reference:
NULL encryption, HMAC-SHA1-96, transport mode; same bytes both ways for random packets,
keys, SPIs and sequence numbers; a tampered packet or a wrong key or SPI is refused."""

from __future__ import annotations

import hashlib
import hmac
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation

from hmipviz.engine.messages import (
    BindingAck,
    BindingUpdate,
    EchoRequest,
    HomeAddressOption,
    Packet,
    RawPayload,
    Type2RoutingHeader,
)
from hmipviz.wire.codec import encode
from hmipviz.wire.esp import ICV_OCTETS, EspError, _split, protect, unprotect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_codec import HA, HOA, LCOA, MAP, RCOA, packets, u32

KEY = bytes(range(20))
# SPI 0 is reserved and never sent (RFC 4303 s.2.1); scapy's dissector reads it as a
# NAT-T keepalive marker, so the comparisons draw SPIs from 256 up (1-255: IANA reserved)
spis = st.integers(256, 0xFFFFFFFF)


def scapy_sa(spi: int, sequence: int, key: bytes) -> SecurityAssociation:
    return SecurityAssociation(ESP, spi=spi, seq_num=sequence, crypt_algo="NULL",
                               crypt_key=None, auth_algo="HMAC-SHA1-96", auth_key=key)


def scapy_protect(plain: bytes, spi: int, sequence: int, key: bytes) -> bytes:
    return bytes(scapy_sa(spi, sequence, key).encrypt(IPv6(plain)))


def scapy_unprotect(data: bytes, spi: int, key: bytes) -> bytes:
    return bytes(scapy_sa(spi, 0, key).decrypt(IPv6(data)))


def scapy_open(data: bytes, spi: int, key: bytes) -> tuple[int, bytes]:
    """(Next Header, payload) scapy reads from the ESP layer once its ICV verified.

    Not scapy's whole ``decrypt``: that dissects the payload again and rebuilds it, which
    for a truncated upper layer (a 1-octet "TCP segment") raises, and for an empty one
    invents a 20-octet TCP header; ours hands back the bytes that were protected.
    """
    sa = scapy_sa(spi, 0, key)
    esp = IPv6(data)[ESP]
    sa.check_spi(esp)
    sa.auth_algo.verify(esp, key)
    opened = sa.crypt_algo.decrypt(sa, esp, None, ICV_OCTETS)
    return opened.nh, bytes(opened.data)


LOCAL_BU = Packet(LCOA, MAP, BindingUpdate(1, 600, map_registration=True),
                  hao=HomeAddressOption(RCOA))
BA_TO_MN = Packet(MAP, LCOA, BindingAck(0, 1, 600), routing=Type2RoutingHeader(RCOA))


def test_esp_after_the_home_address_option_golden_layout() -> None:
    plain = encode(LOCAL_BU)  # 40 IPv6 + 24 Destination Options + 16 MH
    data = protect(plain, 0x1234, 7, KEY)
    assert data == scapy_protect(plain, 0x1234, 7, KEY)
    assert data[6] == 60 and data[40] == 50  # IPv6 -> DestOpt (HAO) -> ESP
    assert data[40:64] == bytes([50]) + plain[41:64]
    esp = data[64:]
    assert struct.unpack_from("!II", esp) == (0x1234, 7)
    # 16 MH octets + 2 padding (1, 2) + Pad Length 2 + Next Header 135 = 20, a multiple of 4
    assert esp[8:24] == plain[64:] and esp[24:28] == bytes([1, 2, 2, 135])
    assert esp[28:] == hmac.new(KEY, esp[:28], hashlib.sha1).digest()[:12]
    assert struct.unpack_from("!H", data, 4)[0] == len(data) - 40
    assert unprotect(data, 0x1234, KEY) == plain


def test_esp_after_the_type_2_routing_header() -> None:
    plain = encode(BA_TO_MN)
    data = protect(plain, 0xFFFFFFFF, 0xFFFFFFFF, KEY)
    assert data == scapy_protect(plain, 0xFFFFFFFF, 0xFFFFFFFF, KEY)
    assert data[6] == 43 and data[40] == 50 and data[64:68] == b"\xff\xff\xff\xff"
    assert unprotect(data, 0xFFFFFFFF, KEY) == plain


def test_routing_header_and_home_address_option_as_scapy_places_them() -> None:
    """With both headers scapy (and Linux) puts ESP between them; ours does the same."""
    plain = encode(Packet(HA, HOA, BindingAck(0, 2, 40), routing=Type2RoutingHeader(HOA),
                          hao=HomeAddressOption(RCOA)))
    data = protect(plain, 9, 1, KEY)
    assert data == scapy_protect(plain, 9, 1, KEY)
    assert data[6] == 43 and data[40] == 50 and data[64 + 8:64 + 8 + 24] == plain[64:88]
    assert unprotect(data, 9, KEY) == plain


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packets, spis, u32, st.binary(max_size=80))
@example(Packet(LCOA, MAP, RawPayload(6, b"")), 256, 0, b"")  # scapy's decrypt invents TCP
@example(Packet(LCOA, MAP, RawPayload(6, b"\x00")), 256, 0, b"")  # scapy's decrypt raises
def test_random_packets_protect_and_unprotect_like_scapy(packet: Packet, spi: int,
                                                         sequence: int, key: bytes) -> None:
    plain = encode(packet)
    data = protect(plain, spi, sequence, key)
    assert data == scapy_protect(plain, spi, sequence, key)
    # ESP adds its 8-octet header, 0-3 octets of padding, Pad Length, Next Header, the ICV
    assert len(data) - len(plain) - 8 - ICV_OCTETS in (2, 3, 4, 5)
    assert unprotect(data, spi, key) == plain
    _, nh, start = _split(plain, until_esp=False)  # where protect put ESP, as scapy did
    assert scapy_open(data, spi, key) == (nh, plain[start:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packets, spis, st.binary(min_size=20, max_size=20), st.data())
def test_any_tampered_octet_fails_the_icv(packet: Packet, spi: int, key: bytes,
                                          data: st.DataObject) -> None:
    plain = encode(packet)
    protected = protect(plain, spi, 1, key)
    esp_at = _split(protected, until_esp=True)[2]
    assert struct.unpack_from("!II", protected, esp_at) == (spi, 1)
    # any octet after the SPI (sequence, payload, padding, trailer, ICV) is covered
    at = data.draw(st.integers(esp_at + 4, len(protected) - 1), label="octet")
    flip = data.draw(st.integers(1, 255), label="xor")
    tampered = protected[:at] + bytes([protected[at] ^ flip]) + protected[at + 1:]
    with pytest.raises(EspError, match=r"^ESP ICV check failed \(HMAC-SHA1-96\)$"):
        unprotect(tampered, spi, key)


def test_wrong_key_fails_the_icv_and_scapy_agrees() -> None:
    from scapy.layers.ipsec import IPSecIntegrityError

    data = protect(encode(LOCAL_BU), 5, 1, KEY)
    other = bytes(20)
    with pytest.raises(EspError, match="ICV check failed"):
        unprotect(data, 5, other)
    with pytest.raises(IPSecIntegrityError):
        scapy_unprotect(data, 5, other)


@pytest.mark.parametrize("mangle, message", [
    (lambda d: d[:40 + 24 + 8 + 2 + ICV_OCTETS - 1], "malformed ESP packet"),  # too short
    (lambda d: d[:30], "malformed ESP packet"),  # not even an IPv6 header
    (lambda d: d[:64] + struct.pack("!I", 6) + d[68:], "malformed ESP packet .SPI"),
])
def test_malformed_esp_is_refused(mangle, message: str) -> None:
    data = protect(encode(LOCAL_BU), 5, 1, KEY)
    with pytest.raises(EspError, match=message):
        unprotect(mangle(data), 5, KEY)


def test_plain_packet_has_no_esp_header() -> None:
    with pytest.raises(EspError, match=r"malformed ESP packet \(no ESP header\)"):
        unprotect(encode(LOCAL_BU), 5, KEY)


def test_pad_length_longer_than_the_payload_is_refused() -> None:
    """An SA holder who signs nonsense still gets a clear error, not a slice of junk."""
    header = bytearray(encode(Packet(LCOA, MAP, EchoRequest(1, 1)))[:40])
    header[6] = 50
    covered = struct.pack("!II", 5, 1) + bytes([200, 59])
    esp = covered + hmac.new(KEY, covered, hashlib.sha1).digest()[:12]
    struct.pack_into("!H", header, 4, len(esp))
    with pytest.raises(EspError, match="Pad Length"):
        unprotect(bytes(header) + esp, 5, KEY)


def test_protect_refuses_what_does_not_fit() -> None:
    plain = encode(LOCAL_BU)
    with pytest.raises(EspError, match="cannot apply ESP"):
        protect(plain, 1 << 32, 1, KEY)
    with pytest.raises(EspError, match="cannot apply ESP"):
        protect(plain[:20], 1, 1, KEY)
    big = encode(Packet(LCOA, MAP, EchoRequest(1, 1, bytes(65535 - 8 - 24))))
    with pytest.raises(EspError, match=r"cannot apply ESP.*too long"):
        protect(big, 1, 1, KEY)
