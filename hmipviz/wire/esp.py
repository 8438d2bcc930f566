"""ESP in transport mode on real bytes (RFC 4303), NULL encryption (RFC 2410) and
HMAC-SHA1-96 integrity (RFC 2404): what protects the MN-MAP and MN-HA signalling
(RFC 5380 s.12.1, RFC 6275 s.5.1, RFC 4877).

Why hand-written with ``hmac``/``hashlib``/``struct``: this used to be scapy's
:class:`~scapy.layers.ipsec.SecurityAssociation`, and the first protected BU of a run
then imported scapy, about 44 MB of resident memory and its import time in the window
(issue 9). NULL encryption and an HMAC are a few lines; tests/wire/test_esp.py checks
that both directions give bytes identical to scapy's SA for random packets, keys, SPIs
and sequence numbers, so scapy stays the reference.

The layout follows scapy (which follows Linux): the ESP header goes after the Hop-by-Hop
and routing headers and after a Destination Options header that precedes any routing
header; a Destination Options header after a routing header stays inside ESP. With only
a Home Address option (MN to agent) or only a type 2 routing header (agent to MN) that
is the RFC 6275 s.6.3 order: those headers are processed before ESP; with both, the
option ends up inside ESP (no built-in scenario protects such a packet). Padding is 1, 2,
3, ... up to a 4-octet boundary (RFC 4303 s.2.4); the ICV covers SPI to Next Header
(s.2.8). The engine only says which SA to use (``EspSecurity`` on a packet); only this
module touches a MAC, and it keeps no state, so runs repeat byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

__all__ = ["ICV_OCTETS", "EspError", "protect", "unprotect", "esp_header"]

ICV_OCTETS = 12  # HMAC-SHA1-96
NH_ESP = 50
_NH_HOP_BY_HOP, _NH_ROUTING, _NH_DSTOPT = 0, 43, 60
_IPV6_HEADER_OCTETS = 40
_ESP_HEADER = struct.Struct("!II")  # SPI, Sequence Number


class EspError(ValueError):
    """The ESP packet does not verify (wrong ICV) or cannot be parsed."""


def _icv(auth_key: bytes, covered: bytes) -> bytes:
    """HMAC-SHA1 truncated to 96 bits (RFC 2404 s.2)."""
    return hmac.new(auth_key, covered, hashlib.sha1).digest()[:ICV_OCTETS]


def _split(datagram: bytes, until_esp: bool) -> tuple[int, int, int]:
    """(offset of the Next Header byte to rewrite, its value, offset of what follows).

    ``until_esp`` False: where ESP goes in a plain datagram (see the module docstring);
    True: where the ESP header of a protected datagram starts.
    """
    if len(datagram) < _IPV6_HEADER_OCTETS:
        raise ValueError("shorter than an IPv6 header")
    nh_at, pos = 6, _IPV6_HEADER_OCTETS
    nh = datagram[nh_at]
    after_routing = False
    while nh in (_NH_HOP_BY_HOP, _NH_ROUTING, _NH_DSTOPT):
        if nh == _NH_ROUTING:
            after_routing = True
        elif nh == _NH_DSTOPT and after_routing and not until_esp:
            break
        if pos + 2 > len(datagram):
            raise ValueError("truncated extension header")
        nh_at, nh, pos = pos, datagram[pos], pos + 8 * (datagram[pos + 1] + 1)
    if pos > len(datagram):
        raise ValueError("truncated extension header")
    return nh_at, nh, pos


def _reassemble(datagram: bytes, nh_at: int, nh: int, headers_end: int, rest: bytes) -> bytes:
    """The headers up to ``headers_end`` with a new Next Header and Payload Length."""
    out = bytearray(datagram[:headers_end])
    out[nh_at] = nh
    plen = headers_end - _IPV6_HEADER_OCTETS + len(rest)
    if plen > 0xFFFF:
        raise ValueError("packet too long for IPv6 without jumbograms")
    struct.pack_into("!H", out, 4, plen)
    return bytes(out) + rest


def protect(plain: bytes, spi: int, sequence: int, auth_key: bytes) -> bytes:
    """The IPv6 datagram ``plain`` with its upper layer wrapped in ESP."""
    try:
        nh_at, nh, start = _split(plain, until_esp=False)
        payload = plain[start:]
        pad_octets = -(len(payload) + 2) % 4  # Pad Length and Next Header end on 32 bits
        covered = (_ESP_HEADER.pack(spi, sequence) + payload
                   + bytes(range(1, pad_octets + 1)) + bytes((pad_octets, nh)))
        return _reassemble(plain, nh_at, NH_ESP, start, covered + _icv(auth_key, covered))
    except (ValueError, TypeError, struct.error) as exc:
        raise EspError(f"cannot apply ESP ({type(exc).__name__}: {exc})") from exc


def unprotect(data: bytes, spi: int, auth_key: bytes) -> bytes:
    """The datagram without its ESP layer, once the ICV verified with ``auth_key``."""
    try:
        nh_at, nh, start = _split(data, until_esp=True)
    except ValueError as exc:
        raise EspError(f"malformed ESP packet ({exc})") from exc
    if nh != NH_ESP:
        raise EspError("malformed ESP packet (no ESP header)")
    esp = data[start:_IPV6_HEADER_OCTETS + struct.unpack_from("!H", data, 4)[0]]
    if len(esp) < _ESP_HEADER.size + 2 + ICV_OCTETS:
        raise EspError("malformed ESP packet (shorter than its header, trailer and ICV)")
    if _ESP_HEADER.unpack_from(esp)[0] != spi:
        raise EspError(f"malformed ESP packet (SPI 0x{_ESP_HEADER.unpack_from(esp)[0]:08x} "
                       f"is not the SA's 0x{spi:08x})")
    covered, icv = esp[:-ICV_OCTETS], esp[-ICV_OCTETS:]
    try:
        expected = _icv(auth_key, covered)
    except TypeError as exc:
        raise EspError(f"malformed ESP packet ({exc})") from exc
    if not hmac.compare_digest(icv, expected):  # constant time (RFC 4303 s.3.4.4.1)
        raise EspError("ESP ICV check failed (HMAC-SHA1-96)")
    body = covered[_ESP_HEADER.size:]
    pad_octets, inner_nh = body[-2], body[-1]
    if pad_octets + 2 > len(body):
        raise EspError("malformed ESP packet (Pad Length longer than the payload)")
    try:
        return _reassemble(data, nh_at, inner_nh, start, body[:len(body) - pad_octets - 2])
    except ValueError as exc:
        raise EspError(f"malformed ESP packet ({exc})") from exc


def esp_header(body: bytes) -> tuple[int, int]:
    """(SPI, sequence number) from the first 8 octets of an ESP payload."""
    if len(body) < 8 + 2 + ICV_OCTETS:
        raise EspError("truncated ESP packet")
    return struct.unpack_from("!II", body)
