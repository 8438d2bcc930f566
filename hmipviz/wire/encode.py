"""Engine packets -> the IPv6 bytes a real stack would send.

IPv6 header, type 2 routing header, Destination Options with the Home Address option
(at 8n+6), then the payload, with every checksum over the RFC 6275 pseudo-header (HAO
address as source, RH2 home address as destination).

Why two encoders: :func:`encode_with_scapy` builds every message from scapy layers,
with every field set explicitly because scapy's defaults are wrong for us (BU flags
"KHA", BA K flag, RA preference "high", MAP option defaults, Nonce Indices length 16,
Binding Authorization Data length 16). It manages only about 800-1,300 packets/s, so
the hot messages (RS, RA, BU, BA, echo, UDP, tunnels, raw payloads) have a hand-written
``struct`` fast path (60,000-140,000 packets/s) whose bytes the tests compare with
scapy's over many random values. The cold messages (BE, BRR, HoTI/CoTI/HoT/CoT,
ICMPv6 errors, unknown MH types) have theirs in :mod:`.encode_rare`, so that a run
never imports scapy (44 MB, issue 9): only the tests call :func:`encode_with_scapy`.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from functools import lru_cache

from hmipviz.engine.messages import (
    MH_BA,
    MH_BU,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    NH_NONE,
    NH_UDP,
    AlternateCareOfAddress,
    BindingAck,
    BindingRefreshAdvice,
    BindingUpdate,
    EchoReply,
    EchoRequest,
    MalformedMobilityHeader,
    MapOption,
    MobilityOption,
    NonceIndices,
    Packet,
    PrefixInformation,
    RawPayload,
    RouterAdvertisement,
    RouterSolicitation,
    Tunnelled,
    UdpDatagram,
)

from .common import (
    AUTHENTICATOR_OCTETS,
    DSTOPT_HAO,
    DSTOPT_PADN,
    ICMPV6_ECHO_REPLY,
    ICMPV6_ECHO_REQUEST,
    ICMPV6_RA,
    ICMPV6_RS,
    IPV6_FIXED,
    LIFETIME_UNIT_S,
    MAX_TUNNEL_DEPTH,
    MHOPT_ALTCOA,
    MHOPT_AUTH_DATA,
    MHOPT_BRA,
    MHOPT_NONCE_INDICES,
    ND_OPT_MAP,
    ND_OPT_PREFIX_INFO,
    ND_OPT_SOURCE_LLADDR,
    NH_DSTOPT,
    NH_ROUTING,
    EncodeError,
    internet_checksum,
)
from .encode_rare import rare_upper
from .esp import EspError, protect
from .validate import mac_bytes, need, validate

__all__ = ["encode", "encode_with_scapy"]



def encode_with_scapy(packet: Packet) -> bytes:
    """The reference encoding, built entirely from scapy layers."""
    validate(packet)
    from .scapy_layers import scapy_packet  # scapy loads only when it is needed
    try:
        return bytes(scapy_packet(packet))
    except struct.error as exc:  # a length that overflows its field
        raise EncodeError(f"packet too long for IPv6 without jumbograms ({exc})") from exc


# --- fast encoder -------------------------------------------------------------------------
# Hand-written because scapy builds only ~1,200 packets/s; tests/wire/test_codec.py
# checks that these bytes are identical to encode_with_scapy's for random packets.


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
        out += bytes((ND_OPT_SOURCE_LLADDR, 1)) + mac_bytes(lladdr)
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
    """(Next Header, upper-layer bytes); None only for a payload type nothing encodes."""
    pl = p.payload
    if isinstance(pl, Tunnelled):
        return NH_IPV6, encode(pl.inner)
    if isinstance(pl, RawPayload):
        return pl.next_header, pl.data
    if isinstance(pl, MalformedMobilityHeader):
        return NH_MOBILITY, pl.data  # as received: a tunnel end point forwards it unchanged
    if isinstance(pl, BindingUpdate):
        flags = ((0x80 if pl.ack else 0) | (0x40 if pl.home_registration else 0)
                 | (0x20 if pl.link_local_compat else 0) | (0x10 if pl.key_management else 0)
                 | (0x08 if pl.map_registration else 0))
        body = struct.pack("!HBBH", pl.sequence, flags, 0, pl.lifetime_s // LIFETIME_UNIT_S)
        return NH_MOBILITY, _fast_mh(p, MH_BU, body + _fast_mobility_options(pl.options, 12))
    if isinstance(pl, BindingAck):
        body = struct.pack("!BBHH", pl.status, 0x80 if pl.key_management else 0, pl.sequence,
                           pl.lifetime_s // LIFETIME_UNIT_S)
        return NH_MOBILITY, _fast_mh(p, MH_BA, body + _fast_mobility_options(pl.options, 12))
    if isinstance(pl, RouterAdvertisement):
        icmp = struct.pack("!BBHBBHII", ICMPV6_RA, 0, 0, pl.cur_hop_limit, 0,
                           pl.router_lifetime_s, pl.reachable_time_ms, pl.retrans_timer_ms)
        icmp += _fast_nd_options(pl.source_lladdr, pl.prefixes, pl.map_options)
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if isinstance(pl, RouterSolicitation):
        icmp = struct.pack("!BBHI", ICMPV6_RS, 0, 0, 0) + _fast_nd_options(pl.source_lladdr)
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if isinstance(pl, (EchoRequest, EchoReply)):
        icmp_type = ICMPV6_ECHO_REQUEST if isinstance(pl, EchoRequest) else ICMPV6_ECHO_REPLY
        icmp = struct.pack("!BBHHH", icmp_type, 0, 0, pl.ident, pl.seq) + pl.data
        return NH_ICMPV6, _with_checksum(p, NH_ICMPV6, icmp, 2)
    if isinstance(pl, UdpDatagram):
        need(8 + len(pl.data) <= 0xFFFF, "UDP datagram too long (over 65,535 bytes)")
        udp = struct.pack("!HHHH", pl.sport, pl.dport, 8 + len(pl.data), 0) + pl.data
        return NH_UDP, _with_checksum(p, NH_UDP, udp, 6, zero_as_ffff=True)
    return rare_upper(p)


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
    need(plen <= 0xFFFF, "packet too long for IPv6 without jumbograms (payload over 65,535 bytes)")
    first_word = (6 << 28) | (p.traffic_class << 20) | p.flow_label
    return (IPV6_FIXED.pack(first_word, plen, nh, p.hop_limit) + p.src.packed + p.dst.packed
            + ext + body)


@lru_cache(maxsize=4096)
def _encode_cached(packet: Packet) -> bytes:
    validate(packet, recurse=False)  # the fast path encodes (and checks) inner packets itself
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
    if fast is None:  # validate() refuses payload types the fast path does not know
        raise EncodeError(f"no encoder for {type(packet.payload).__name__}")
    return fast


# the packet encoded last and its bytes: a tunnel entry measures the inner packet
# (encode_packet) just before the simulator encodes the outer one, which encodes the
# inner one again; found by identity, that is no second hash of the whole packet
_last: tuple[Packet | None, bytes] = (None, b"")


def forget_last_encoded() -> None:
    """Drop the one packet :func:`encode` remembers (with the caches, for memory)."""
    global _last
    _last = (None, b"")


def encode(packet: Packet) -> bytes:
    """The IPv6 datagram for ``packet``; raises :class:`EncodeError` for bad fields.

    Lifetimes go on the wire in 4-second units, rounded down. Cached: a node that
    re-sends an identical packet (periodic RAs) gets the same bytes object back.
    """
    global _last  # one slot, replaced whole (a tuple): never seen half-written
    last = _last
    if last[0] is packet:
        return last[1]
    data = _encode_cached(packet)
    _last = (packet, data)
    return data


