"""Engine packets <-> real IPv6 bytes, and the byte-range tree the inspector shows.

This module (with ``capture.py``) is the only place that imports scapy
(architecture rule 1). Three public entry points:

* :func:`encode` turns a :class:`~hmipviz.engine.messages.Packet` into the IPv6
  datagram a real stack would send: IPv6 header, type 2 routing header,
  Destination Options with the Home Address option (at 8n+6), then the payload,
  with every checksum over the RFC 6275 pseudo-header (HAO address as source,
  RH2 home address as destination).
* :func:`decode` parses bytes back, strictly: anything a receiver must drop
  raises :class:`DecodeError` and nothing else ever escapes.
* :func:`dissect` gives the Wireshark-like tree of :class:`FieldNode` with exact
  byte ranges for the packet inspector; it never raises.

Why two encoders: :func:`encode_with_scapy` builds every message from scapy
layers, with every field set explicitly because scapy's defaults are wrong for us
(BU flags "KHA", BA K flag, RA preference "high", MAP option defaults, Nonce
Indices length 16, Binding Authorization Data length 16). It manages only about
800-1,300 packets/s, so the hot messages (RS, RA, BU, BA, echo, UDP, tunnels, raw
payloads) have a hand-written ``struct`` fast path (60,000-140,000 packets/s)
whose bytes the tests compare with scapy's over many random values. The cold
messages (BE, BRR, HoTI/CoTI/HoT/CoT, Parameter Problem, unknown MH types)
always go through scapy.

Why the decoder is hand-written too: scapy's dissector is lenient (it accepts
truncated packets, wrong lengths and bad checksums without a word) and runs at
3,300-5,800 packets/s, so the strict validation had to be written by hand anyway;
extracting the fields in the same pass (15,000-80,000 packets/s) is then cheaper
than a second parse. The tests decode the same bytes with scapy and check that
both agree.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass, replace
from functools import lru_cache
from ipaddress import IPv6Address, IPv6Network


from hmipviz.engine.messages import (
    BA_STATUS_TEXT,
    NH_ESP,
    MH_BA,
    MH_BE,
    MH_BRR,
    MH_BU,
    MH_COT,
    MH_COTI,
    MH_HOT,
    MH_HOTI,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    NH_NONE,
    NH_UDP,
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
    MobilityOption,
    NonceIndices,
    Packet,
    PacketTooBig,
    ParameterProblem,
    Payload,
    PrefixInformation,
    RawPayload,
    RouterAdvertisement,
    RouterSolicitation,
    MalformedMobilityHeader,
    TimeExceeded,
    Tunnelled,
    Type2RoutingHeader,
    UdpDatagram,
    UnknownMobility,
)
from hmipviz.wire.esp import ICV_OCTETS, EspError, protect

__all__ = [
    "DecodeError",
    "EncodeError",
    "FieldNode",
    "MAX_TUNNEL_DEPTH",
    "decode",
    "dissect",
    "encode",
    "encode_with_scapy",
    "internet_checksum",
    "mobility_data",
]

# --- numbers the engine's messages module does not need ------------------------------

NH_HOP_BY_HOP = 0
NH_ROUTING = 43
NH_DSTOPT = 60

ICMPV6_PACKET_TOO_BIG = 2
ICMPV6_TIME_EXCEEDED = 3
ICMPV6_PARAM_PROBLEM = 4
ICMPV6_ECHO_REQUEST = 128
ICMPV6_ECHO_REPLY = 129
ICMPV6_RS = 133
ICMPV6_RA = 134

ND_OPT_SOURCE_LLADDR = 1
ND_OPT_PREFIX_INFO = 3
ND_OPT_MAP = 23  # RFC 5380 s.5

DSTOPT_PAD1 = 0x00
DSTOPT_PADN = 0x01
DSTOPT_HAO = 0xC9  # RFC 6275 s.6.3

MHOPT_PAD1 = 0
MHOPT_PADN = 1
MHOPT_BRA = 2
MHOPT_ALTCOA = 3
MHOPT_NONCE_INDICES = 4
MHOPT_AUTH_DATA = 5

AUTHENTICATOR_OCTETS = 12  # 96 bits (RFC 6275 s.5.2.6)
MAX_TUNNEL_DEPTH = 8  # nested IPv6-in-IPv6 layers; twice RFC 2473's default limit of 4
LIFETIME_UNIT_S = 4  # MH lifetimes and the refresh interval count 4-second units
MAX_LIFETIME_S = 0xFFFF * LIFETIME_UNIT_S + LIFETIME_UNIT_S - 1  # rounds down to 0xFFFF

# Minimum Mobility Header length per MH Type (RFC 6275 s.6.1, s.9.2): shorter ones
# are dropped. The message's options start at the same offset.
_MH_MIN_LEN = {MH_BRR: 8, MH_HOTI: 16, MH_COTI: 16, MH_HOT: 24, MH_COT: 24,
               MH_BU: 12, MH_BA: 12, MH_BE: 24}


class DecodeError(ValueError):
    """The bytes are not a packet a receiver would accept; the message says why."""


class EncodeError(ValueError):
    """A field value does not fit on the wire (for example a 17-bit sequence number)."""


# --- Internet checksum -------------------------------------------------------------------


def _ones_complement_sum(data: bytes) -> int:
    """16-bit one's complement sum of big-endian words (RFC 1071), folded."""
    if len(data) & 1:
        data += b"\x00"
    total = sum(array("H", data))  # native byte order: RFC 1071 s.2(B) says it is fine
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    total &= 0xFFFF
    if sys.byteorder == "little":
        total = ((total & 0xFF) << 8) | (total >> 8)
    return total


def _pseudo_header(src: IPv6Address, dst: IPv6Address, length: int, nh: int) -> bytes:
    """RFC 8200 s.8.1 pseudo-header: source, final destination, length, next header."""
    return src.packed + dst.packed + struct.pack("!IxxxB", length, nh)


def internet_checksum(src: IPv6Address, dst: IPv6Address, nh: int, upper: bytes) -> int:
    """Checksum for an upper-layer message whose checksum field is zero.

    ``src`` is the home address when a Home Address option is present and ``dst``
    the RH2 home address when a type 2 routing header is (RFC 6275 s.6.1.1, s.6.3).
    """
    return ~_ones_complement_sum(_pseudo_header(src, dst, len(upper), nh) + upper) & 0xFFFF


def _checksum_ok(src: IPv6Address, dst: IPv6Address, nh: int, upper: bytes) -> bool:
    return _ones_complement_sum(_pseudo_header(src, dst, len(upper), nh) + upper) == 0xFFFF


# --- validation (one place for both encoders) ------------------------------------------


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise EncodeError(message)


def _uint(value: object, bits: int, what: str) -> None:
    if not (isinstance(value, int) and 0 <= value < (1 << bits)):
        raise EncodeError(f"{what} must be an integer in 0..{(1 << bits) - 1}, got {value!r}")


def _octets(value: object, length: int, what: str) -> None:
    if not (isinstance(value, bytes) and len(value) == length):
        raise EncodeError(f"{what} must be {length} bytes, got {value!r}")


def _address(value: object, what: str) -> None:
    if not isinstance(value, IPv6Address):
        raise EncodeError(f"{what} must be an IPv6Address, got {value!r}")
    if value.scope_id is not None:  # not on the wire, so it could not survive decoding
        raise EncodeError(f"{what} must not carry a %scope, got {value}")


def _lifetime(value: object, what: str) -> None:
    if not (isinstance(value, int) and 0 <= value <= MAX_LIFETIME_S):
        raise EncodeError(f"{what} must be 0..{MAX_LIFETIME_S} s, got {value!r}")


def _mac_bytes(mac: str) -> bytes:
    """'02:00:5e:10:00:01' -> 6 bytes."""
    parts = mac.split(":") if isinstance(mac, str) else []
    _need(len(parts) == 6 and all(len(p) == 2 for p in parts),
          f"link-layer address must look like 02:00:00:00:00:01, got {mac!r}")
    try:
        return bytes.fromhex("".join(parts))
    except ValueError:
        raise EncodeError(f"link-layer address is not hex: {mac!r}") from None


def _validate_mobility_options(options: tuple[MobilityOption, ...]) -> None:
    _need(isinstance(options, tuple), "mobility options must be a tuple")
    for opt in options:
        if isinstance(opt, BindingRefreshAdvice):
            _lifetime(opt.interval_s, "refresh interval")
        elif isinstance(opt, AlternateCareOfAddress):
            _address(opt.address, "alternate care-of address")
        elif isinstance(opt, NonceIndices):
            _uint(opt.home_nonce_index, 16, "home nonce index")
            _uint(opt.careof_nonce_index, 16, "care-of nonce index")
        elif isinstance(opt, BindingAuthorizationData):
            _octets(opt.authenticator, AUTHENTICATOR_OCTETS, "authenticator")
        else:
            raise EncodeError(f"not a mobility option: {opt!r}")


def _validate(p: Packet, recurse: bool = True) -> None:
    """Reject what cannot be put on the wire, before either encoder runs.

    ``recurse=False`` leaves a tunnel's inner packet to the ``encode`` call that
    encodes it (and caches it), so nothing is checked twice.
    """
    if not isinstance(p, Packet):
        raise EncodeError(f"not a Packet: {p!r}")
    if recurse and p.tunnel_depth() > MAX_TUNNEL_DEPTH:
        raise EncodeError(f"more than {MAX_TUNNEL_DEPTH} nested tunnels")
    _address(p.src, "source address")
    _address(p.dst, "destination address")
    _uint(p.hop_limit, 8, "hop limit")
    _uint(p.traffic_class, 8, "traffic class")
    _uint(p.flow_label, 20, "flow label")
    if p.routing is not None:
        _need(isinstance(p.routing, Type2RoutingHeader), "routing must be a Type2RoutingHeader")
        _address(p.routing.home_address, "routing header home address")
        _need(p.routing.segments_left in (0, 1), "type 2 routing header Segments Left must be 0 or 1")
    if p.hao is not None:
        _need(isinstance(p.hao, HomeAddressOption), "hao must be a HomeAddressOption")
        _address(p.hao.home_address, "home address option")
    if p.esp is not None:
        _uint(p.esp.spi, 32, "ESP SPI")
        _uint(p.esp.sequence, 32, "ESP sequence number")
        _octets(p.esp.auth_key, 20, "ESP HMAC-SHA1 key (a received packet's marking has none)")
    pl = p.payload
    if isinstance(pl, Tunnelled):
        if recurse:
            _validate(pl.inner)
    elif isinstance(pl, RawPayload):
        _uint(pl.next_header, 8, "next header")
        _need(isinstance(pl.data, bytes), "raw payload data must be bytes")
    elif isinstance(pl, RouterSolicitation):
        if pl.source_lladdr is not None:
            _mac_bytes(pl.source_lladdr)
    elif isinstance(pl, RouterAdvertisement):
        _uint(pl.cur_hop_limit, 8, "Cur Hop Limit")
        _uint(pl.router_lifetime_s, 16, "router lifetime")
        _uint(pl.reachable_time_ms, 32, "reachable time")
        _uint(pl.retrans_timer_ms, 32, "retrans timer")
        if pl.source_lladdr is not None:
            _mac_bytes(pl.source_lladdr)
        for pi in pl.prefixes:
            _need(isinstance(pi, PrefixInformation), "RA prefixes must be PrefixInformation")
            _need(isinstance(pi.prefix, IPv6Network), "prefix must be an IPv6Network")
            _uint(pi.valid_lifetime_s, 32, "prefix valid lifetime")
            _uint(pi.preferred_lifetime_s, 32, "prefix preferred lifetime")
        for mo in pl.map_options:
            _need(isinstance(mo, MapOption), "RA map_options must be MapOption")
            _uint(mo.dist, 4, "MAP option Dist")
            _uint(mo.pref, 4, "MAP option Pref")
            _uint(mo.valid_lifetime_s, 32, "MAP option valid lifetime")
            _address(mo.map_address, "MAP address")
    elif isinstance(pl, (EchoRequest, EchoReply)):
        _uint(pl.ident, 16, "echo identifier")
        _uint(pl.seq, 16, "echo sequence number")
        _need(isinstance(pl.data, bytes), "echo data must be bytes")
    elif isinstance(pl, UdpDatagram):
        _uint(pl.sport, 16, "UDP source port")
        _uint(pl.dport, 16, "UDP destination port")
        _need(isinstance(pl.data, bytes), "UDP data must be bytes")
    elif isinstance(pl, ParameterProblem):
        _uint(pl.code, 8, "parameter problem code")
        _uint(pl.pointer, 32, "parameter problem pointer")
        _need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
    elif isinstance(pl, PacketTooBig):
        _uint(pl.mtu, 32, "packet too big MTU")
        _need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
    elif isinstance(pl, TimeExceeded):
        _uint(pl.code, 8, "time exceeded code")
        _need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
    elif isinstance(pl, BindingUpdate):
        _uint(pl.sequence, 16, "BU sequence number")
        _lifetime(pl.lifetime_s, "BU lifetime")
        _validate_mobility_options(pl.options)
    elif isinstance(pl, BindingAck):
        _uint(pl.status, 8, "BA status")
        _uint(pl.sequence, 16, "BA sequence number")
        _lifetime(pl.lifetime_s, "BA lifetime")
        _validate_mobility_options(pl.options)
    elif isinstance(pl, BindingError):
        _uint(pl.status, 8, "BE status")
        _address(pl.home_address, "BE home address")
    elif isinstance(pl, BindingRefreshRequest):
        pass
    elif isinstance(pl, (HomeTestInit, CareofTestInit)):
        _octets(pl.cookie, 8, "init cookie")
    elif isinstance(pl, (HomeTest, CareofTest)):
        _uint(pl.nonce_index, 16, "nonce index")
        _octets(pl.cookie, 8, "init cookie")
        _octets(pl.token, 8, "keygen token")
    elif isinstance(pl, MalformedMobilityHeader):
        _need(isinstance(pl.data, bytes) and len(pl.data) >= 1,
              "MalformedMobilityHeader data must be the header's bytes")

    elif isinstance(pl, UnknownMobility):
        _need(isinstance(pl.mh_type, int) and 8 <= pl.mh_type <= 255,
              "UnknownMobility mh_type must be 8..255 (0..7 have their own classes)")
        _need(isinstance(pl.data, bytes) and len(pl.data) >= 2 and (6 + len(pl.data)) % 8 == 0,
              "UnknownMobility data must make the header a multiple of 8 octets (len 2, 10, ...)")
    else:
        raise EncodeError(f"unknown payload type {type(pl).__name__}")


# --- scapy encoder (the reference) ------------------------------------------------------


def encode_with_scapy(packet: Packet) -> bytes:
    """The reference encoding, built entirely from scapy layers."""
    _validate(packet)
    from .scapy_layers import scapy_packet  # scapy loads only when it is needed
    try:
        return bytes(scapy_packet(packet))
    except struct.error as exc:  # a length that overflows its field
        raise EncodeError(f"packet too long for IPv6 without jumbograms ({exc})") from exc


# --- fast encoder -------------------------------------------------------------------------
# Hand-written because scapy builds only ~1,200 packets/s; tests/wire/test_codec.py
# checks that these bytes are identical to encode_with_scapy's for random packets.

_IPV6_FIXED = struct.Struct("!IHBB")
_RH2_FIXED = struct.Struct("!BBBBI")
_MH_FIXED = struct.Struct("!BBBBH")


def _pad(n: int) -> bytes:
    """Pad1 or PadN of n octets; the same layout for destination and mobility options."""
    if n == 0:
        return b""
    if n == 1:
        return b"\x00"
    return bytes((1, n - 2)) + bytes(n - 2)


def _fast_mobility_options(options: tuple[MobilityOption, ...], offset: int) -> bytes:
    """Options at their alignment (RFC 6275 s.6.2), then padding to 8 octets."""
    out = b""
    pos = offset
    for opt in options:
        if isinstance(opt, BindingRefreshAdvice):
            raw, x, y = struct.pack("!BBH", MHOPT_BRA, 2, opt.interval_s // LIFETIME_UNIT_S), 2, 0
        elif isinstance(opt, AlternateCareOfAddress):
            raw, x, y = bytes((MHOPT_ALTCOA, 16)) + opt.address.packed, 8, 6
        elif isinstance(opt, NonceIndices):
            raw, x, y = struct.pack("!BBHH", MHOPT_NONCE_INDICES, 4, opt.home_nonce_index,
                                    opt.careof_nonce_index), 2, 0
        else:
            raw, x, y = bytes((MHOPT_AUTH_DATA, AUTHENTICATOR_OCTETS)) + opt.authenticator, 8, 2
        delta = (y - pos) % x
        out += _pad(delta) + raw
        pos += delta + len(raw)
    return out + _pad(-pos % 8)


def _fast_nd_options(lladdr: str | None, prefixes: tuple[PrefixInformation, ...] = (),
                     map_options: tuple[MapOption, ...] = ()) -> bytes:
    out = b""
    if lladdr is not None:
        out += bytes((ND_OPT_SOURCE_LLADDR, 1)) + _mac_bytes(lladdr)
    for pi in prefixes:
        flags = (0x80 if pi.on_link else 0) | (0x40 if pi.autonomous else 0)
        out += struct.pack("!BBBBIII", ND_OPT_PREFIX_INFO, 4, pi.prefix.prefixlen, flags,
                           pi.valid_lifetime_s, pi.preferred_lifetime_s, 0)
        out += pi.prefix.network_address.packed
    for mo in map_options:
        out += struct.pack("!BBBBI", ND_OPT_MAP, 3, (mo.dist << 4) | mo.pref,
                           0x80 if mo.r else 0, mo.valid_lifetime_s) + mo.map_address.packed
    return out


def _with_checksum(p: Packet, nh: int, upper: bytes, at: int, zero_as_ffff: bool = False) -> bytes:
    ck = internet_checksum(p.home_source, p.final_destination, nh, upper)
    if zero_as_ffff and ck == 0:
        ck = 0xFFFF  # UDP over IPv6: 0 means "no checksum" (RFC 8200 s.8.1)
    return upper[:at] + struct.pack("!H", ck) + upper[at + 2:]


def _fast_mh(p: Packet, mh_type: int, body: bytes) -> bytes:
    mh = _MH_FIXED.pack(NH_NONE, (6 + len(body)) // 8 - 1, mh_type, 0, 0) + body
    return _with_checksum(p, NH_MOBILITY, mh, 4)


def _fast_upper(p: Packet) -> tuple[int, bytes] | None:
    """(Next Header, upper-layer bytes) for the hot payloads; None for the rest."""
    pl = p.payload
    t = type(pl)
    if t is Tunnelled:
        return NH_IPV6, encode(pl.inner)
    if t is RawPayload:
        return pl.next_header, pl.data
    if t is MalformedMobilityHeader:
        return NH_MOBILITY, pl.data  # as received: a tunnel end point forwards it unchanged

    if t is BindingUpdate:
        flags = ((0x80 if pl.ack else 0) | (0x40 if pl.home_registration else 0)
                 | (0x20 if pl.link_local_compat else 0) | (0x10 if pl.key_management else 0)
                 | (0x08 if pl.map_registration else 0))
        body = struct.pack("!HBBH", pl.sequence, flags, 0, pl.lifetime_s // LIFETIME_UNIT_S)
        return NH_MOBILITY, _fast_mh(p, MH_BU, body + _fast_mobility_options(pl.options, 12))
    if t is BindingAck:
        body = struct.pack("!BBHH", pl.status, 0x80 if pl.key_management else 0, pl.sequence,
                           pl.lifetime_s // LIFETIME_UNIT_S)
        return NH_MOBILITY, _fast_mh(p, MH_BA, body + _fast_mobility_options(pl.options, 12))
    if t is RouterAdvertisement:
        icmp = struct.pack("!BBHBBHII", ICMPV6_RA, 0, 0, pl.cur_hop_limit, 0,
                           pl.router_lifetime_s, pl.reachable_time_ms, pl.retrans_timer_ms)
        icmp += _fast_nd_options(pl.source_lladdr, pl.prefixes, pl.map_options)
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if t is RouterSolicitation:
        icmp = struct.pack("!BBHI", ICMPV6_RS, 0, 0, 0) + _fast_nd_options(pl.source_lladdr)
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if t is EchoRequest or t is EchoReply:
        icmp_type = ICMPV6_ECHO_REQUEST if t is EchoRequest else ICMPV6_ECHO_REPLY
        icmp = struct.pack("!BBHHH", icmp_type, 0, 0, pl.ident, pl.seq) + pl.data
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if t is UdpDatagram:
        _need(8 + len(pl.data) <= 0xFFFF, "UDP datagram too long (over 65,535 bytes)")
        udp = struct.pack("!HHHH", pl.sport, pl.dport, 8 + len(pl.data), 0) + pl.data
        return NH_UDP, _with_checksum(p, NH_UDP, udp, 6, zero_as_ffff=True)
    return None


def _encode_fast(p: Packet) -> bytes | None:
    upper = _fast_upper(p)
    if upper is None:
        return None
    nh, body = upper
    ext = b""
    if p.hao is not None:
        # PadN of 2 data octets puts the option at offset 4 + 2 = 6 (8n+6), and the
        # 16-octet address then ends the header exactly at 24 octets.
        ext = bytes((nh, 2, DSTOPT_PADN, 2, 0, 0, DSTOPT_HAO, 16)) + p.hao.home_address.packed
        nh = NH_DSTOPT
    if p.routing is not None:
        ext = (_RH2_FIXED.pack(nh, 2, 2, p.routing.segments_left, 0)
               + p.routing.home_address.packed + ext)
        nh = NH_ROUTING
    plen = len(ext) + len(body)
    _need(plen <= 0xFFFF, "packet too long for IPv6 without jumbograms (payload over 65,535 bytes)")
    first_word = (6 << 28) | (p.traffic_class << 20) | p.flow_label
    return (_IPV6_FIXED.pack(first_word, plen, nh, p.hop_limit) + p.src.packed + p.dst.packed
            + ext + body)


@lru_cache(maxsize=4096)
def _encode_cached(packet: Packet) -> bytes:
    _validate(packet, recurse=False)  # the fast path encodes (and checks) inner packets itself
    if packet.tunnel_depth() > MAX_TUNNEL_DEPTH:
        raise EncodeError(f"more than {MAX_TUNNEL_DEPTH} nested tunnels")
    if packet.esp is not None:
        # ESP goes round the finished upper layer (checksums included): wire.esp
        plain = _encode_cached(replace(packet, esp=None))
        try:
            return protect(plain, packet.esp.spi, packet.esp.sequence, packet.esp.auth_key)
        except EspError as exc:
            raise EncodeError(str(exc)) from exc
    fast = _encode_fast(packet)
    return fast if fast is not None else encode_with_scapy(packet)


def encode(packet: Packet) -> bytes:
    """The IPv6 datagram for ``packet``; raises :class:`EncodeError` for bad fields.

    Lifetimes go on the wire in 4-second units, rounded down. Cached: a node that
    re-sends an identical packet (periodic RAs) gets the same bytes object back.
    """
    return _encode_cached(packet)


# --- decoder --------------------------------------------------------------------------------


def _fail(message: str) -> DecodeError:
    return DecodeError(message)


def _mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _decode_mobility_options(mh: bytes, offset: int) -> tuple[MobilityOption, ...]:
    """Known options in order; Pad1/PadN dropped, unknown types skipped (RFC 6275 s.6.2.1)."""
    out: list[MobilityOption] = []
    pos, end = offset, len(mh)
    while pos < end:
        opt_type = mh[pos]
        if opt_type == MHOPT_PAD1:
            pos += 1
            continue
        if pos + 2 > end:
            raise _fail("truncated mobility option")
        opt_len = mh[pos + 1]
        value = mh[pos + 2:pos + 2 + opt_len]
        if len(value) != opt_len:
            raise _fail("mobility option runs past the end of the mobility header")
        if opt_type == MHOPT_BRA:
            if opt_len != 2:
                raise _fail("binding refresh advice option length is not 2")
            out.append(BindingRefreshAdvice(int.from_bytes(value, "big") * LIFETIME_UNIT_S))
        elif opt_type == MHOPT_ALTCOA:
            if opt_len != 16:
                raise _fail("alternate care-of address option length is not 16")
            out.append(AlternateCareOfAddress(IPv6Address(value)))
        elif opt_type == MHOPT_NONCE_INDICES:
            if opt_len != 4:
                raise _fail("nonce indices option length is not 4")
            hni, coni = struct.unpack("!HH", value)
            out.append(NonceIndices(hni, coni))
        elif opt_type == MHOPT_AUTH_DATA:
            if opt_len != AUTHENTICATOR_OCTETS:
                raise _fail("binding authorization data option length is not 12")
            # RFC 6275 s.5.2.6: what the authenticator covers, checksum zeroed
            covered = mh[:4] + b"\0\0" + mh[6:pos + 2] + mh[pos + 2 + opt_len:]
            out.append(BindingAuthorizationData(value, covered))
        pos += 2 + opt_len
    return tuple(out)


def _decode_mobility(mh: bytes, ph_src: IPv6Address, ph_dst: IPv6Address,
                     refusals: tuple[bytes, int] | None = None) -> Payload:
    """The MH message; ``refusals`` = (invoking packet, MH offset in it) turns the
    RFC 6275 s.9.2 refusals into a :class:`MalformedMobilityHeader` instead of an error.

    s.9.2 order: checksum (silently discard), MH Type (Binding Error status 2, from
    :class:`UnknownMobility`), Payload Proto and Header Len (ICMPv6 Parameter Problem
    pointing at the field). A Header Len that disagrees with the IPv6 Payload Length
    is a framing error, checked first, and always dropped as malformed.
    """
    if len(mh) < 8:
        raise _fail("truncated mobility header")
    proto, hlen, mh_type = mh[0], mh[1], mh[2]
    if (hlen + 1) * 8 > len(mh):
        raise _fail("mobility header Header Len runs past the IPv6 payload")
    if (hlen + 1) * 8 < len(mh):
        raise _fail("bytes after the mobility header (Header Len too small)")

    def refuse(problem: str, field_at: int | None) -> Payload:
        if refusals is None:
            raise _fail(problem)
        invoking, at = refusals
        return MalformedMobilityHeader(mh, problem, None if field_at is None else at + field_at,
                                       invoking)

    if not _checksum_ok(ph_src, ph_dst, NH_MOBILITY, mh):
        return refuse("mobility header checksum wrong", None)
    minimum = _MH_MIN_LEN.get(mh_type)
    if minimum is None and (refusals is not None or proto == NH_NONE):
        return UnknownMobility(mh_type, mh[6:])
    if proto != NH_NONE:
        return refuse(f"mobility header Payload Proto is {proto}, not 59 (RFC 6275 s.9.2)", 0)
    if len(mh) < minimum:
        return refuse(f"mobility header too short for MH Type {mh_type} (RFC 6275 s.9.2)", 1)
    options = _decode_mobility_options(mh, minimum)
    if mh_type == MH_BU:
        seq, flags, _res, units = struct.unpack_from("!HBBH", mh, 6)
        return BindingUpdate(sequence=seq, lifetime_s=units * LIFETIME_UNIT_S,
                             ack=bool(flags & 0x80), home_registration=bool(flags & 0x40),
                             link_local_compat=bool(flags & 0x20), key_management=bool(flags & 0x10),
                             map_registration=bool(flags & 0x08), options=options)
    if mh_type == MH_BA:
        status, flags, seq, units = struct.unpack_from("!BBHH", mh, 6)
        return BindingAck(status=status, sequence=seq, lifetime_s=units * LIFETIME_UNIT_S,
                          key_management=bool(flags & 0x80), options=options)
    if mh_type == MH_BE:
        return BindingError(status=mh[6], home_address=IPv6Address(mh[8:24]))
    if mh_type == MH_BRR:
        return BindingRefreshRequest()
    if mh_type == MH_HOTI:
        return HomeTestInit(cookie=mh[8:16])
    if mh_type == MH_COTI:
        return CareofTestInit(cookie=mh[8:16])
    index = struct.unpack_from("!H", mh, 6)[0]
    if mh_type == MH_HOT:
        return HomeTest(nonce_index=index, cookie=mh[8:16], token=mh[16:24])
    return CareofTest(nonce_index=index, cookie=mh[8:16], token=mh[16:24])


def _nd_options(icmp: bytes, offset: int) -> list[tuple[int, bytes]]:
    """(type, whole option) pairs; RFC 4861 s.4.6 framing checked."""
    out = []
    pos, end = offset, len(icmp)
    while pos < end:
        if pos + 2 > end:
            raise _fail("truncated neighbour discovery option")
        opt_type, units = icmp[pos], icmp[pos + 1]
        if units == 0:
            raise _fail("neighbour discovery option with length 0 (RFC 4861 s.4.6)")
        if pos + 8 * units > end:
            raise _fail("neighbour discovery option runs past the message")
        out.append((opt_type, icmp[pos:pos + 8 * units]))
        pos += 8 * units
    return out


def _source_lladdr(options: list[tuple[int, bytes]]) -> str | None:
    for opt_type, opt in options:
        if opt_type == ND_OPT_SOURCE_LLADDR:
            if len(opt) != 8:
                raise _fail("source link-layer address option length is not 1 (Ethernet)")
            return _mac_text(opt[2:8])
    return None


def _decode_icmpv6(icmp: bytes, ph_src: IPv6Address, ph_dst: IPv6Address) -> Payload:
    if len(icmp) < 4:
        raise _fail("truncated ICMPv6 header")
    if not _checksum_ok(ph_src, ph_dst, NH_ICMPV6, icmp):
        raise _fail("ICMPv6 checksum wrong")
    icmp_type, code = icmp[0], icmp[1]
    if icmp_type == ICMPV6_RA:
        if len(icmp) < 16:
            raise _fail("truncated router advertisement")
        if code != 0:
            raise _fail("router advertisement code is not 0 (RFC 4861 s.6.1.2)")
        chlim, _flags, lifetime, reachable, retrans = struct.unpack_from("!BBHII", icmp, 4)
        options = _nd_options(icmp, 16)
        prefixes, maps = [], []
        for opt_type, opt in options:
            if opt_type == ND_OPT_PREFIX_INFO:
                if len(opt) != 32:
                    raise _fail("prefix information option length is not 4")
                plen, flags, valid, preferred = struct.unpack_from("!BBII", opt, 2)
                if plen > 128:
                    raise _fail("prefix length over 128")
                prefix = IPv6Network((IPv6Address(opt[16:32]), plen), strict=False)
                prefixes.append(PrefixInformation(prefix, on_link=bool(flags & 0x80),
                                                  autonomous=bool(flags & 0x40),
                                                  valid_lifetime_s=valid,
                                                  preferred_lifetime_s=preferred))
            elif opt_type == ND_OPT_MAP:
                if len(opt) != 24:
                    raise _fail("MAP option length is not 3 (RFC 5380 s.5)")
                dist_pref, flags, valid = struct.unpack_from("!BBI", opt, 2)
                maps.append(MapOption(dist=dist_pref >> 4, pref=dist_pref & 0x0F,
                                      r=bool(flags & 0x80), valid_lifetime_s=valid,
                                      map_address=IPv6Address(opt[8:24])))
        return RouterAdvertisement(prefixes=tuple(prefixes), map_options=tuple(maps),
                                   source_lladdr=_source_lladdr(options), cur_hop_limit=chlim,
                                   router_lifetime_s=lifetime, reachable_time_ms=reachable,
                                   retrans_timer_ms=retrans)
    if icmp_type == ICMPV6_RS:
        if len(icmp) < 8:
            raise _fail("truncated router solicitation")
        if code != 0:
            raise _fail("router solicitation code is not 0 (RFC 4861 s.6.1.1)")
        return RouterSolicitation(source_lladdr=_source_lladdr(_nd_options(icmp, 8)))
    if icmp_type in (ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY) and code == 0:
        if len(icmp) < 8:
            raise _fail("truncated echo message")
        ident, seq = struct.unpack_from("!HH", icmp, 4)
        cls = EchoRequest if icmp_type == ICMPV6_ECHO_REQUEST else EchoReply
        return cls(ident=ident, seq=seq, data=icmp[8:])
    if icmp_type == ICMPV6_PARAM_PROBLEM:
        if len(icmp) < 8:
            raise _fail("truncated parameter problem message")
        return ParameterProblem(code=code, pointer=struct.unpack_from("!I", icmp, 4)[0],
                                invoking=icmp[8:])
    if icmp_type == ICMPV6_PACKET_TOO_BIG and code == 0:
        if len(icmp) < 8:
            raise _fail("truncated packet too big message")
        return PacketTooBig(mtu=struct.unpack_from("!I", icmp, 4)[0], invoking=icmp[8:])
    if icmp_type == ICMPV6_TIME_EXCEEDED:
        if len(icmp) < 8:
            raise _fail("truncated time exceeded message")
        return TimeExceeded(code=code, invoking=icmp[8:])
    return RawPayload(NH_ICMPV6, icmp)


def _decode_udp(udp: bytes, ph_src: IPv6Address, ph_dst: IPv6Address) -> UdpDatagram:
    if len(udp) < 8:
        raise _fail("truncated UDP header")
    sport, dport, length, checksum = struct.unpack_from("!HHHH", udp)
    if length != len(udp):
        raise _fail("UDP length does not match the IPv6 payload")
    if checksum == 0:
        raise _fail("UDP checksum missing (mandatory over IPv6, RFC 8200 s.8.1)")
    if not _checksum_ok(ph_src, ph_dst, NH_UDP, udp):
        raise _fail("UDP checksum wrong")
    return UdpDatagram(sport=sport, dport=dport, data=udp[8:])


def _decode_ipv6(data: bytes, depth: int, refusals: bool = False) -> Packet:
    if len(data) < 40:
        raise _fail("truncated IPv6 header")
    first_word, plen, nh, hop_limit = _IPV6_FIXED.unpack_from(data)
    if first_word >> 28 != 6:
        raise _fail(f"not IPv6 (version {first_word >> 28})")
    if plen == 0 and nh == NH_HOP_BY_HOP:
        raise _fail("jumbograms are not supported")
    if 40 + plen > len(data):
        raise _fail("truncated IPv6 payload")
    if 40 + plen < len(data):
        raise _fail("bytes after the IPv6 payload")
    src, dst = IPv6Address(data[8:24]), IPv6Address(data[24:40])
    pos = 40
    routing: Type2RoutingHeader | None = None
    hao: HomeAddressOption | None = None
    # RFC 6275 s.6.3 order: a type 2 routing header, then Destination Options. Any other
    # arrangement is left to RawPayload rather than guessed at.
    if nh == NH_ROUTING and len(data) < pos + 4:
        raise _fail("truncated routing header")
    if nh == NH_ROUTING and data[pos + 2] == 2:
        nxt, ext_len, _rtype, segments_left = data[pos:pos + 4]
        if ext_len != 2:
            raise _fail("type 2 routing header Hdr Ext Len is not 2")
        if pos + 24 > len(data):
            raise _fail("truncated type 2 routing header")
        if segments_left > 1:
            raise _fail("type 2 routing header Segments Left is not 0 or 1")
        routing = Type2RoutingHeader(IPv6Address(data[pos + 8:pos + 24]), segments_left)
        nh, pos = nxt, pos + 24
    if nh == NH_DSTOPT:
        if pos + 2 > len(data):
            raise _fail("truncated destination options header")
        nxt, end = data[pos], pos + 8 * (data[pos + 1] + 1)
        if end > len(data):
            raise _fail("truncated destination options header")
        opt = pos + 2
        while opt < end:
            opt_type = data[opt]
            if opt_type == DSTOPT_PAD1:
                opt += 1
                continue
            if opt + 2 > end or opt + 2 + data[opt + 1] > end:
                raise _fail("destination option runs past its header")
            opt_len = data[opt + 1]
            if opt_type == DSTOPT_HAO:
                if opt_len != 16:
                    raise _fail("home address option length is not 16")
                if hao is not None:
                    raise _fail("two home address options")
                hao = HomeAddressOption(IPv6Address(data[opt + 2:opt + 18]))
            elif opt_type != DSTOPT_PADN and opt_type >> 6 != 0:
                # RFC 8200 s.4.2: the two high bits say "discard" for this unknown option.
                raise _fail(f"unrecognised destination option 0x{opt_type:02x}")
            opt += 2 + opt_len
        nh, pos = nxt, end
    body = data[pos:]
    ph_src = hao.home_address if hao is not None else src
    ph_dst = routing.home_address if routing is not None and routing.segments_left else dst
    payload: Payload
    if nh == NH_MOBILITY:
        payload = _decode_mobility(body, ph_src, ph_dst, (data, pos) if refusals else None)
    elif nh == NH_ICMPV6:
        payload = _decode_icmpv6(body, ph_src, ph_dst)
    elif nh == NH_UDP:
        payload = _decode_udp(body, ph_src, ph_dst)
    elif nh == NH_IPV6:
        if depth >= MAX_TUNNEL_DEPTH:
            raise _fail(f"more than {MAX_TUNNEL_DEPTH} nested tunnels")
        payload = Tunnelled(_decode_ipv6(body, depth + 1, refusals))
    else:
        payload = RawPayload(nh, body)  # ESP too: only the SA's holder can open it
    return Packet(src=src, dst=dst, payload=payload, hop_limit=hop_limit, routing=routing,
                  hao=hao, traffic_class=(first_word >> 20) & 0xFF,
                  flow_label=first_word & 0xFFFFF)


@lru_cache(maxsize=4096)
def _decode_cached(data: bytes, refusals: bool = False) -> Packet:
    try:
        return _decode_ipv6(data, 0, refusals)
    except DecodeError:
        raise
    except Exception as exc:  # never let a parsing slip escape as anything else
        raise DecodeError(f"malformed packet ({type(exc).__name__})") from exc


def decode(data: bytes, *, mobility_refusals: bool = False) -> Packet:
    """Parse one IPv6 datagram; raises :class:`DecodeError` (only) for what must be dropped.

    Unknown MH Types come back as :class:`UnknownMobility` (the engine answers with a
    Binding Error), other unmodelled next headers and ICMPv6 types as
    :class:`RawPayload`. Cached on the bytes.

    With ``mobility_refusals`` (what the simulator uses for the node that processes
    the packet) a Mobility Header with a wrong checksum, Payload Proto or a Header Len
    below its type's minimum comes back as a
    :class:`~hmipviz.engine.messages.MalformedMobilityHeader`, so that the node can
    answer as RFC 6275 s.9.2 says instead of the packet vanishing in the decoder.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    return _decode_cached(bytes(data), mobility_refusals)


def mobility_data(packet: Packet) -> bytes:
    """The MH Data a Binding Authorization Data option covers (RFC 6275 s.5.2.6).

    ``packet`` (or the packet inside its tunnels) carries a BU or BA whose options
    include a :class:`BindingAuthorizationData` (any 12-octet placeholder): the result
    is its Mobility Header as :func:`encode` puts it on the wire, with the checksum
    zeroed and the authenticator left out. The MN and CN compute the authenticator
    over it and then send the same packet with the real authenticator in place.
    """
    data = decode(encode(packet.innermost())).payload
    bad = [o for o in getattr(data, "options", ()) if isinstance(o, BindingAuthorizationData)]
    if len(bad) != 1:
        raise EncodeError("mobility_data needs a BU or BA with one Binding Authorization Data option")
    return bad[0].mobility_data


# --- dissector -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldNode:
    """One line of the packet inspector's tree: a layer or a field and its bytes.

    ``start``/``end`` are offsets into the dissected bytes (end exclusive); fields
    narrower than a byte share their byte. ``key`` is a stable dotted id such as
    ``mip6.bu.flag_m`` that the GUI and lessons can look for.
    """

    label: str
    key: str
    start: int
    end: int
    children: tuple["FieldNode", ...] = ()


_NH_NAMES = {0: "IPv6 Hop-by-Hop Options", 17: "UDP", 41: "IPv6", 43: "Routing Header",
             44: "Fragment Header", 50: "ESP", 58: "ICMPv6", 59: "No Next Header",
             60: "Destination Options", 135: "Mobility Header"}
_MH_NAMES = {0: "Binding Refresh Request", 1: "Home Test Init", 2: "Care-of Test Init",
             3: "Home Test", 4: "Care-of Test", 5: "Binding Update",
             6: "Binding Acknowledgement", 7: "Binding Error"}
_ICMPV6_NAMES = {1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded",
                 4: "Parameter Problem", 128: "Echo Request", 129: "Echo Reply",
                 133: "Router Solicitation", 134: "Router Advertisement",
                 135: "Neighbour Solicitation", 136: "Neighbour Advertisement", 137: "Redirect"}
_BE_STATUS = {1: "unknown binding for Home Address destination option",
              2: "unrecognized MH Type value"}


class _Malformed(Exception):
    def __init__(self, reason: str, at: int) -> None:
        super().__init__(reason)
        self.reason, self.at = reason, at


class _Layer:
    """Children collected while a layer is parsed; emitted even if parsing stops."""

    def __init__(self, out: list[FieldNode], label: str, key: str, start: int, end: int) -> None:
        self.out, self.label, self.key, self.start, self.end = out, label, key, start, end
        self.children: list[FieldNode] = []

    def add(self, label: str, key: str, start: int, end: int,
            children: tuple[FieldNode, ...] = ()) -> FieldNode:
        node = FieldNode(label, key, start, end, children)
        self.children.append(node)
        return node

    def __enter__(self) -> "_Layer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.out.append(FieldNode(self.label, self.key, self.start, self.end, tuple(self.children)))


def _flag(name: str, meaning: str, key: str, byte: int, mask: int, at: int) -> FieldNode:
    state = "set" if byte & mask else "not set"
    return FieldNode(f"{name} flag: {state} ({meaning})", key, at, at + 1)


def _nh_text(nh: int) -> str:
    return f"{_NH_NAMES.get(nh, 'unknown')} ({nh})"


class _Dissector:
    """Walks the same header chain as the decoder, leniently, recording byte ranges."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out: list[FieldNode] = []

    def need(self, start: int, length: int, limit: int, what: str) -> None:
        if start + length > limit:
            raise _Malformed(f"truncated {what}", start)

    # IPv6 and extension headers
    def ipv6(self, off: int, limit: int, depth: int) -> None:
        d = self.data
        if depth > MAX_TUNNEL_DEPTH:
            raise _Malformed(f"more than {MAX_TUNNEL_DEPTH} nested tunnels", off)
        self.need(off, 40, limit, "IPv6 header")
        first_word, plen, nh, hlim = _IPV6_FIXED.unpack_from(d, off)
        src, dst = IPv6Address(d[off + 8:off + 24]), IPv6Address(d[off + 24:off + 40])
        title = "Internet Protocol Version 6" + (" (encapsulated)" if depth else "")
        claimed_end = off + 40 + plen
        end = min(claimed_end, limit)
        plen_note = "" if claimed_end == limit else (
            f" [only {limit - off - 40} bytes follow]" if claimed_end > limit
            else f" [{limit - claimed_end} bytes more follow]")
        with _Layer(self.out, f"{title}, Src: {src}, Dst: {dst}", "ipv6", off, off + 40) as L:
            version = first_word >> 28
            L.add(f"Version: {version}" + ("" if version == 6 else " [not 6]"),
                  "ipv6.version", off, off + 1)
            L.add(f"Traffic Class: 0x{(first_word >> 20) & 0xFF:02x}", "ipv6.tclass", off, off + 2)
            L.add(f"Flow Label: 0x{first_word & 0xFFFFF:05x}", "ipv6.flow", off + 1, off + 4)
            L.add(f"Payload Length: {plen}{plen_note}", "ipv6.plen", off + 4, off + 6)
            L.add(f"Next Header: {_nh_text(nh)}", "ipv6.nxt", off + 6, off + 7)
            L.add(f"Hop Limit: {hlim}", "ipv6.hlim", off + 7, off + 8)
            L.add(f"Source Address: {src}", "ipv6.src", off + 8, off + 24)
            L.add(f"Destination Address: {dst}", "ipv6.dst", off + 24, off + 40)
        pos, ph_src, ph_dst = off + 40, src, dst
        while nh in (NH_ROUTING, NH_DSTOPT):
            if nh == NH_ROUTING:
                nh, pos, home = self.routing(pos, end)
                if home is not None:
                    ph_dst = home
            else:
                nh, pos, hoa = self.dstopt(pos, end)
                if hoa is not None:
                    ph_src = hoa
        self.upper(nh, pos, end, ph_src, ph_dst, depth)
        if claimed_end > limit:
            raise _Malformed("IPv6 payload truncated (Payload Length too large)", limit)
        if claimed_end < limit and depth == 0:
            self.out.append(FieldNode(f"Trailing bytes ({limit - claimed_end})", "trailer",
                                      claimed_end, limit))

    def routing(self, off: int, limit: int) -> tuple[int, int, IPv6Address | None]:
        d = self.data
        self.need(off, 8, limit, "routing header")
        nxt, ext_len, rtype, segleft = d[off:off + 4]
        end = off + 8 * (ext_len + 1)
        label = "Routing Header, Type 2 (Mobile IPv6)" if rtype == 2 else f"Routing Header, Type {rtype}"
        home = None
        with _Layer(self.out, label, "routing", off, min(end, limit)) as L:
            L.add(f"Next Header: {_nh_text(nxt)}", "routing.nxt", off, off + 1)
            L.add(f"Hdr Ext Len: {ext_len} ({8 * (ext_len + 1)} bytes)"
                  + ("" if rtype != 2 or ext_len == 2 else " [must be 2]"),
                  "routing.len", off + 1, off + 2)
            L.add(f"Routing Type: {rtype}", "routing.type", off + 2, off + 3)
            L.add(f"Segments Left: {segleft}", "routing.segleft", off + 3, off + 4)
            self.need(off, end - off, limit, "routing header")
            if rtype == 2 and ext_len == 2:
                L.add("Reserved", "routing.reserved", off + 4, off + 8)
                address = IPv6Address(d[off + 8:off + 24])
                L.add(f"Home Address: {address}", "routing.home_address", off + 8, off + 24)
                if segleft:
                    home = address
            else:
                L.add(f"Type-specific data ({end - off - 4} bytes)", "routing.data", off + 4, end)
        return nxt, end, home

    def dstopt(self, off: int, limit: int) -> tuple[int, int, IPv6Address | None]:
        d = self.data
        self.need(off, 2, limit, "destination options header")
        nxt, ext_len = d[off], d[off + 1]
        end = off + 8 * (ext_len + 1)
        hoa = None
        with _Layer(self.out, "Destination Options Header", "dstopt", off, min(end, limit)) as L:
            L.add(f"Next Header: {_nh_text(nxt)}", "dstopt.nxt", off, off + 1)
            L.add(f"Hdr Ext Len: {ext_len} ({end - off} bytes)", "dstopt.len", off + 1, off + 2)
            self.need(off, end - off, limit, "destination options header")
            pos = off + 2
            while pos < end:
                opt_type = d[pos]
                if opt_type == DSTOPT_PAD1:
                    L.add("Pad1", "dstopt.pad1", pos, pos + 1)
                    pos += 1
                    continue
                self.need(pos, 2, end, "destination option")
                opt_len = d[pos + 1]
                self.need(pos, 2 + opt_len, end, "destination option")
                kids = (FieldNode(f"Type: 0x{opt_type:02x}", "dstopt.opt.type", pos, pos + 1),
                        FieldNode(f"Length: {opt_len}", "dstopt.opt.len", pos + 1, pos + 2))
                if opt_type == DSTOPT_PADN:
                    L.add(f"PadN ({2 + opt_len} bytes)", "dstopt.padn", pos, pos + 2 + opt_len, kids)
                elif opt_type == DSTOPT_HAO and opt_len == 16:
                    hoa = IPv6Address(d[pos + 2:pos + 18])
                    L.add(f"Home Address Option: {hoa}", "dstopt.hao", pos, pos + 18, (
                        FieldNode("Option Type: Home Address (0xc9)", "dstopt.hao.type", pos, pos + 1),
                        FieldNode("Option Length: 16", "dstopt.hao.len", pos + 1, pos + 2),
                        FieldNode(f"Home Address: {hoa}", "dstopt.hao.address", pos + 2, pos + 18)))
                else:
                    L.add(f"Option 0x{opt_type:02x} ({opt_len} bytes of data)", "dstopt.unknown",
                          pos, pos + 2 + opt_len, kids)
                pos += 2 + opt_len
        return nxt, end, hoa

    # upper layers
    def upper(self, nh: int, off: int, end: int, src: IPv6Address, dst: IPv6Address,
              depth: int) -> None:
        if nh == NH_MOBILITY:
            self.mobility(off, end, src, dst)
        elif nh == NH_ICMPV6:
            self.icmpv6(off, end, src, dst)
        elif nh == NH_UDP:
            self.udp(off, end, src, dst)
        elif nh == NH_IPV6:
            self.ipv6(off, end, depth + 1)
        elif nh == NH_ESP:
            self.esp(off, end, src, dst, depth)
        elif off < end or nh != NH_NONE:
            self.out.append(FieldNode(f"Data: {_nh_text(nh)}, {end - off} bytes", "data", off, end))

    def esp(self, off: int, end: int, src: IPv6Address, dst: IPv6Address, depth: int) -> None:
        """ESP with NULL encryption (what the engine sends): the payload is readable, so
        it is dissected between the ESP header and the trailer (RFC 4303 s.2)."""
        d = self.data
        if end - off < 8 + 2 + ICV_OCTETS:  # too short for ESP as the engine sends it
            self.out.append(FieldNode(f"Data: {_nh_text(NH_ESP)}, {end - off} bytes", "data",
                                      off, end))
            return
        spi, seq = struct.unpack_from("!II", d, off)
        trailer = end - ICV_OCTETS - 2
        pad_len = d[trailer] if trailer >= off + 8 else 0
        inner_nh = d[trailer + 1] if trailer >= off + 8 else NH_NONE
        body_end = trailer - pad_len
        readable = trailer >= off + 8 and body_end >= off + 8 and inner_nh in (
            NH_MOBILITY, NH_ICMPV6, NH_UDP, NH_IPV6)
        with _Layer(self.out, f"Encapsulating Security Payload, SPI: 0x{spi:08x}, Seq: {seq}",
                    "esp", off, off + 8) as L:
            L.add(f"SPI: 0x{spi:08x}", "esp.spi", off, off + 4)
            L.add(f"Sequence Number: {seq}", "esp.sequence", off + 4, off + 8)
        if not readable:
            self.out.append(FieldNode(f"ESP payload, trailer and ICV ({end - off - 8} bytes)",
                                      "esp.data", off + 8, end))
            return
        self.upper(inner_nh, off + 8, body_end, src, dst, depth)
        with _Layer(self.out, "ESP trailer (NULL encryption, HMAC-SHA1-96)", "esp.trailer",
                    body_end, end) as L:
            if pad_len:
                L.add(f"Padding ({pad_len} bytes)", "esp.pad", body_end, trailer)
            L.add(f"Pad Length: {pad_len}", "esp.pad_len", trailer, trailer + 1)
            L.add(f"Next Header: {_nh_text(inner_nh)}", "esp.protocol", trailer + 1, trailer + 2)
            L.add(f"ICV: {d[trailer + 2:end].hex()}", "esp.icv", trailer + 2, end)

    def checksum_label(self, stored: int, off: int, end: int, nh: int, src: IPv6Address,
                       dst: IPv6Address, at: int) -> str:
        body = self.data[off:end]
        correct = internet_checksum(src, dst, nh, body[:at] + b"\x00\x00" + body[at + 2:])
        if nh == NH_UDP and correct == 0:
            correct = 0xFFFF
        if stored == correct or _checksum_ok(src, dst, nh, body):
            return f"Checksum: 0x{stored:04x} [correct]"
        return f"Checksum: 0x{stored:04x} [incorrect, should be 0x{correct:04x}]"

    def mobility(self, off: int, limit: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 6, limit, "mobility header")
        proto, hlen, mh_type = d[off:off + 3]
        end = off + 8 * (hlen + 1)
        name = _MH_NAMES.get(mh_type, f"unknown MH Type {mh_type}")
        with _Layer(self.out, f"Mobility Header: {name}", "mip6", off, min(end, limit)) as L:
            L.add(f"Payload Proto: {_nh_text(proto)}" + ("" if proto == NH_NONE else " [must be 59]"),
                  "mip6.proto", off, off + 1)
            L.add(f"Header Len: {hlen} ({end - off} bytes)", "mip6.hlen", off + 1, off + 2)
            L.add(f"MH Type: {name} ({mh_type})", "mip6.type", off + 2, off + 3)
            L.add("Reserved", "mip6.reserved", off + 3, off + 4)
            stored = struct.unpack_from("!H", d, off + 4)[0]
            ck = (self.checksum_label(stored, off, end, NH_MOBILITY, src, dst, 4)
                  if end <= limit else f"Checksum: 0x{stored:04x} [unverified, truncated]")
            L.add(ck, "mip6.checksum", off + 4, off + 6)
            self.need(off, end - off, limit, f"{name} (Header Len says {end - off} bytes)")
            m = off + 6
            opts_at = off + _MH_MIN_LEN.get(mh_type, end - off)
            self.need(off, opts_at - off, end, f"{name} (too short for its MH Type)")
            if mh_type == MH_BU:
                seq, flags, _res, units = struct.unpack_from("!HBBH", d, m)
                L.add(f"Sequence number: {seq}", "mip6.bu.seq", m, m + 2)
                for bit, mask, meaning in (("A", 0x80, "acknowledge requested"),
                                           ("H", 0x40, "home registration"),
                                           ("L", 0x20, "link-local address compatibility"),
                                           ("K", 0x10, "key management mobility capability"),
                                           ("M", 0x08, "MAP registration"),
                                           ("R", 0x04, "mobile router, RFC 3963"),
                                           ("P", 0x02, "proxy registration, RFC 5213")):
                    L.children.append(_flag(bit, meaning, f"mip6.bu.flag_{bit.lower()}", flags, mask, m + 2))
                L.add("Reserved", "mip6.bu.reserved", m + 2, m + 4)
                L.add(f"Lifetime: {units} ({units * LIFETIME_UNIT_S} s)", "mip6.bu.lifetime", m + 4, m + 6)
            elif mh_type == MH_BA:
                status, flags, seq, units = struct.unpack_from("!BBHH", d, m)
                L.add(f"Status: {BA_STATUS_TEXT.get(status, 'unknown')} ({status})", "mip6.ba.status", m, m + 1)
                L.children.append(_flag("K", "key management mobility capability", "mip6.ba.flag_k",
                                        flags, 0x80, m + 1))
                L.add("Reserved", "mip6.ba.reserved", m + 1, m + 2)
                L.add(f"Sequence number: {seq}", "mip6.ba.seq", m + 2, m + 4)
                L.add(f"Lifetime: {units} ({units * LIFETIME_UNIT_S} s)", "mip6.ba.lifetime", m + 4, m + 6)
            elif mh_type == MH_BE:
                L.add(f"Status: {_BE_STATUS.get(d[m], 'unknown')} ({d[m]})", "mip6.be.status", m, m + 1)
                L.add("Reserved", "mip6.be.reserved", m + 1, m + 2)
                L.add(f"Home Address: {IPv6Address(d[m + 2:m + 18])}", "mip6.be.home_address", m + 2, m + 18)
            elif mh_type == MH_BRR:
                L.add("Reserved", "mip6.brr.reserved", m, m + 2)
            elif mh_type in (MH_HOTI, MH_COTI):
                k = "mip6.hoti" if mh_type == MH_HOTI else "mip6.coti"
                L.add("Reserved", f"{k}.reserved", m, m + 2)
                L.add(f"Init Cookie: {d[m + 2:m + 10].hex()}", f"{k}.cookie", m + 2, m + 10)
            elif mh_type in (MH_HOT, MH_COT):
                k = "mip6.hot" if mh_type == MH_HOT else "mip6.cot"
                L.add(f"Nonce Index: {struct.unpack_from('!H', d, m)[0]}", f"{k}.nonce_index", m, m + 2)
                L.add(f"Init Cookie: {d[m + 2:m + 10].hex()}", f"{k}.cookie", m + 2, m + 10)
                L.add(f"Keygen Token: {d[m + 10:m + 18].hex()}", f"{k}.token", m + 10, m + 18)
            else:
                L.add(f"Message Data ({end - m} bytes)", "mip6.data", m, end)
                return
            self.mobility_options(L, opts_at, end)

    def mobility_options(self, L: _Layer, pos: int, end: int) -> None:
        d = self.data
        while pos < end:
            opt_type = d[pos]
            if opt_type == MHOPT_PAD1:
                L.add("Pad1", "mip6.opt.pad1", pos, pos + 1)
                pos += 1
                continue
            self.need(pos, 2, end, "mobility option")
            opt_len = d[pos + 1]
            self.need(pos, 2 + opt_len, end, "mobility option")
            v, stop = pos + 2, pos + 2 + opt_len
            head = (FieldNode(f"Type: {opt_type}", "mip6.opt.type", pos, pos + 1),
                    FieldNode(f"Length: {opt_len}", "mip6.opt.len", pos + 1, pos + 2))
            if opt_type == MHOPT_PADN:
                L.add(f"PadN ({2 + opt_len} bytes)", "mip6.opt.padn", pos, stop, head)
            elif opt_type == MHOPT_BRA and opt_len == 2:
                units = struct.unpack_from("!H", d, v)[0]
                L.add("Binding Refresh Advice", "mip6.opt.bra", pos, stop, head + (
                    FieldNode(f"Refresh Interval: {units} ({units * LIFETIME_UNIT_S} s)",
                              "mip6.opt.bra.interval", v, stop),))
            elif opt_type == MHOPT_ALTCOA and opt_len == 16:
                a = IPv6Address(d[v:stop])
                L.add(f"Alternate Care-of Address: {a}", "mip6.opt.altcoa", pos, stop, head + (
                    FieldNode(f"Alternate Care-of Address: {a}", "mip6.opt.altcoa.address", v, stop),))
            elif opt_type == MHOPT_NONCE_INDICES and opt_len == 4:
                hni, coni = struct.unpack_from("!HH", d, v)
                L.add("Nonce Indices", "mip6.opt.ni", pos, stop, head + (
                    FieldNode(f"Home Nonce Index: {hni}", "mip6.opt.ni.home_nonce_index", v, v + 2),
                    FieldNode(f"Care-of Nonce Index: {coni}", "mip6.opt.ni.careof_nonce_index", v + 2, stop)))
            elif opt_type == MHOPT_AUTH_DATA:
                L.add("Binding Authorization Data", "mip6.opt.bad", pos, stop, head + (
                    FieldNode(f"Authenticator: {d[v:stop].hex()}", "mip6.opt.bad.authenticator", v, stop),))
            else:
                L.add(f"Mobility option {opt_type} ({opt_len} bytes of data)", "mip6.opt.unknown",
                      pos, stop, head)
            pos = stop

    def icmpv6(self, off: int, end: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 4, end, "ICMPv6 header")
        icmp_type, code = d[off], d[off + 1]
        name = _ICMPV6_NAMES.get(icmp_type, f"type {icmp_type}")
        fixed = {ICMPV6_RA: 16}.get(icmp_type, 8)
        with _Layer(self.out, f"Internet Control Message Protocol v6: {name}", "icmpv6", off,
                    min(off + fixed, end) if icmp_type in (ICMPV6_RA, ICMPV6_RS) else end) as L:
            L.add(f"Type: {name} ({icmp_type})", "icmpv6.type", off, off + 1)
            L.add(f"Code: {code}", "icmpv6.code", off + 1, off + 2)
            stored = struct.unpack_from("!H", d, off + 2)[0]
            L.add(self.checksum_label(stored, off, end, NH_ICMPV6, src, dst, 2),
                  "icmpv6.checksum", off + 2, off + 4)
            if icmp_type not in (ICMPV6_RA, ICMPV6_RS, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY,
                                 ICMPV6_PARAM_PROBLEM, ICMPV6_PACKET_TOO_BIG,
                                 ICMPV6_TIME_EXCEEDED):
                if end > off + 4:
                    L.add(f"Message body ({end - off - 4} bytes)", "icmpv6.body", off + 4, end)
                return
            self.need(off, fixed, end, name)
            b = off + 4
            if icmp_type == ICMPV6_RA:
                chlim, flags, life, reach, retrans = struct.unpack_from("!BBHII", d, b)
                L.add(f"Cur Hop Limit: {chlim}", "icmpv6.ra.cur_hop_limit", b, b + 1)
                for bit, mask, meaning in (("M", 0x80, "managed address configuration"),
                                           ("O", 0x40, "other configuration"),
                                           ("H", 0x20, "home agent, RFC 6275 s.7.1")):
                    L.children.append(_flag(bit, meaning, f"icmpv6.ra.flag_{bit.lower()}", flags, mask, b + 1))
                L.add(f"Router Preference: {(flags >> 3) & 3}", "icmpv6.ra.prf", b + 1, b + 2)
                L.add("Reserved", "icmpv6.ra.reserved", b + 1, b + 2)
                L.add(f"Router Lifetime: {life} s", "icmpv6.ra.router_lifetime", b + 2, b + 4)
                L.add(f"Reachable Time: {reach} ms", "icmpv6.ra.reachable_time", b + 4, b + 8)
                L.add(f"Retrans Timer: {retrans} ms", "icmpv6.ra.retrans_timer", b + 8, b + 12)
            elif icmp_type == ICMPV6_RS:
                L.add("Reserved", "icmpv6.rs.reserved", b, b + 4)
            elif icmp_type == ICMPV6_PARAM_PROBLEM:
                L.add(f"Pointer: {struct.unpack_from('!I', d, b)[0]}", "icmpv6.pp.pointer", b, b + 4)
                if end > b + 4:
                    L.add(f"Invoking packet ({end - b - 4} bytes)", "icmpv6.pp.invoking", b + 4, end)
            elif icmp_type in (ICMPV6_PACKET_TOO_BIG, ICMPV6_TIME_EXCEEDED):
                if icmp_type == ICMPV6_PACKET_TOO_BIG:
                    L.add(f"MTU: {struct.unpack_from('!I', d, b)[0]}", "icmpv6.ptb.mtu", b, b + 4)
                else:
                    L.add("Unused", "icmpv6.te.unused", b, b + 4)
                if end > b + 4:
                    L.add(f"Invoking packet ({end - b - 4} bytes)", "icmpv6.error.invoking",
                          b + 4, end)
            else:
                ident, seq = struct.unpack_from("!HH", d, b)
                L.add(f"Identifier: 0x{ident:04x} ({ident})", "icmpv6.echo.ident", b, b + 2)
                L.add(f"Sequence: {seq}", "icmpv6.echo.seq", b + 2, b + 4)
                if end > b + 4:
                    L.add(f"Data ({end - b - 4} bytes)", "icmpv6.echo.data", b + 4, end)
        if icmp_type in (ICMPV6_RA, ICMPV6_RS):
            self.nd_options(off + fixed, end)

    def nd_options(self, pos: int, end: int) -> None:
        d = self.data
        while pos < end:
            self.need(pos, 2, end, "neighbour discovery option")
            opt_type, units = d[pos], d[pos + 1]
            if units == 0:
                raise _Malformed("neighbour discovery option with length 0", pos)
            stop = pos + 8 * units
            self.need(pos, stop - pos, end, "neighbour discovery option")
            if opt_type == ND_OPT_MAP and units == 3:
                self.nd_map(pos)
            elif opt_type == ND_OPT_PREFIX_INFO and units == 4:
                self.nd_prefix(pos)
            elif opt_type == ND_OPT_SOURCE_LLADDR and units == 1:
                mac = _mac_text(d[pos + 2:pos + 8])
                self.out.append(FieldNode(f"ICMPv6 Option: Source link-layer address: {mac}",
                                          "icmpv6.opt_slla", pos, stop, (
                    FieldNode("Type: Source link-layer address (1)", "icmpv6.opt_slla.type", pos, pos + 1),
                    FieldNode("Length: 1 (8 bytes)", "icmpv6.opt_slla.len", pos + 1, pos + 2),
                    FieldNode(f"Link-layer address: {mac}", "icmpv6.opt_slla.lladdr", pos + 2, stop))))
            else:
                self.out.append(FieldNode(f"ICMPv6 Option: type {opt_type} ({8 * units} bytes)",
                                          "icmpv6.opt_unknown", pos, stop, (
                    FieldNode(f"Type: {opt_type}", "icmpv6.opt_unknown.type", pos, pos + 1),
                    FieldNode(f"Length: {units} ({8 * units} bytes)", "icmpv6.opt_unknown.len", pos + 1, pos + 2),
                    FieldNode("Data", "icmpv6.opt_unknown.data", pos + 2, stop))))
            pos = stop

    def nd_map(self, p: int) -> None:
        d = self.data
        dist, pref, r = d[p + 2] >> 4, d[p + 2] & 0x0F, d[p + 3] & 0x80
        valid = struct.unpack_from("!I", d, p + 4)[0]
        address = IPv6Address(d[p + 8:p + 24])
        k = "icmpv6.opt_map"
        self.out.append(FieldNode(f"ICMPv6 Option: MAP: {address} (Dist {dist}, Pref {pref})", k, p, p + 24, (
            FieldNode("Type: MAP (23)", f"{k}.type", p, p + 1),
            FieldNode("Length: 3 (24 bytes)", f"{k}.len", p + 1, p + 2),
            FieldNode(f"Dist: {dist}" + (" [must not be 0]" if dist == 0 else ""), f"{k}.dist", p + 2, p + 3),
            FieldNode(f"Pref: {pref}", f"{k}.pref", p + 2, p + 3),
            _flag("R", "RCoA allocated by the MAP, RFC 4877", f"{k}.r", d[p + 3], 0x80, p + 3),
            FieldNode("Reserved", f"{k}.reserved", p + 3, p + 4),
            FieldNode(f"Valid Lifetime: {valid} s" + (" (MAP failed)" if valid == 0 else ""),
                      f"{k}.valid_lifetime", p + 4, p + 8),
            FieldNode(f"Global Address for MAP: {address}", f"{k}.address", p + 8, p + 24))))

    def nd_prefix(self, p: int) -> None:
        d = self.data
        plen, flags, valid, preferred = struct.unpack_from("!BBII", d, p + 2)
        prefix = IPv6Address(d[p + 16:p + 32])
        k = "icmpv6.opt_prefix"
        self.out.append(FieldNode(f"ICMPv6 Option: Prefix information: {prefix}/{plen}", k, p, p + 32, (
            FieldNode("Type: Prefix information (3)", f"{k}.type", p, p + 1),
            FieldNode("Length: 4 (32 bytes)", f"{k}.len", p + 1, p + 2),
            FieldNode(f"Prefix Length: {plen}", f"{k}.prefix_len", p + 2, p + 3),
            _flag("L", "on-link", f"{k}.flag_l", flags, 0x80, p + 3),
            _flag("A", "autonomous address configuration", f"{k}.flag_a", flags, 0x40, p + 3),
            _flag("R", "router address, RFC 6275 s.7.2", f"{k}.flag_r", flags, 0x20, p + 3),
            FieldNode("Reserved1", f"{k}.reserved1", p + 3, p + 4),
            FieldNode(f"Valid Lifetime: {valid} s", f"{k}.valid_lifetime", p + 4, p + 8),
            FieldNode(f"Preferred Lifetime: {preferred} s", f"{k}.preferred_lifetime", p + 8, p + 12),
            FieldNode("Reserved2", f"{k}.reserved2", p + 12, p + 16),
            FieldNode(f"Prefix: {prefix}", f"{k}.prefix", p + 16, p + 32))))

    def udp(self, off: int, end: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 8, end, "UDP header")
        sport, dport, length, stored = struct.unpack_from("!HHHH", d, off)
        with _Layer(self.out, f"User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}",
                    "udp", off, off + 8) as L:
            L.add(f"Source Port: {sport}", "udp.sport", off, off + 2)
            L.add(f"Destination Port: {dport}", "udp.dport", off + 2, off + 4)
            L.add(f"Length: {length}" + ("" if length == end - off else f" [payload is {end - off}]"),
                  "udp.length", off + 4, off + 6)
            ck = ("Checksum: 0x0000 [missing, mandatory over IPv6]" if stored == 0
                  else self.checksum_label(stored, off, end, NH_UDP, src, dst, 6))
            L.add(ck, "udp.checksum", off + 6, off + 8)
        if end > off + 8:
            self.out.append(FieldNode(f"Data ({end - off - 8} bytes)", "data", off + 8, end))


def dissect(data: bytes) -> tuple[FieldNode, ...]:
    """The inspector's tree: one top-level node per layer, fields with byte ranges.

    Never raises: on bytes it cannot follow it returns what it parsed and a final
    ``malformed`` node covering the rest.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return (FieldNode(f"Malformed packet: not bytes ({type(data).__name__})", "malformed", 0, 0),)
    raw = bytes(data)
    dissector = _Dissector(raw)
    try:
        dissector.ipv6(0, len(raw), 0)
    except _Malformed as exc:
        dissector.out.append(FieldNode(f"Malformed packet: {exc.reason}", "malformed",
                                       min(exc.at, len(raw)), len(raw)))
    except Exception as exc:  # a dissector bug must not take the inspector down
        at = dissector.out[-1].end if dissector.out else 0
        dissector.out.append(FieldNode(f"Malformed packet: dissector error ({type(exc).__name__})",
                                       "malformed", min(at, len(raw)), len(raw)))
    return tuple(dissector.out)
