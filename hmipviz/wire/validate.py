"""Refuse what cannot go on the wire, before either encoder runs: one place for the
range and type checks of every field, each failure an :class:`EncodeError` naming it."""

from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

from hmipviz.engine.addresses import Address
from hmipviz.engine.messages import (
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
    MalformedMobilityHeader,
    MapOption,
    MobilityOption,
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
)
from hmipviz.wire.common import AUTHENTICATOR_OCTETS, MAX_LIFETIME_S, MAX_TUNNEL_DEPTH, EncodeError

__all__ = ["mac_bytes", "need", "validate"]



def need(ok: bool, message: str) -> None:
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


def mac_bytes(mac: object) -> bytes:
    """'02:00:5e:10:00:01' -> 6 bytes."""
    parts = mac.split(":") if isinstance(mac, str) else []
    need(len(parts) == 6 and all(len(p) == 2 for p in parts),
         f"link-layer address must look like 02:00:00:00:00:01, got {mac!r}")
    try:
        return bytes.fromhex("".join(parts))
    except ValueError:
        raise EncodeError(f"link-layer address is not hex: {mac!r}") from None


def _validate_mobility_options(options: tuple[MobilityOption, ...]) -> None:
    need(isinstance(options, tuple), "mobility options must be a tuple")
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


def validate(p: Packet, recurse: bool = True) -> None:
    """Reject what cannot be put on the wire, before either encoder runs.

    ``recurse=False`` leaves a tunnel's inner packet to the ``encode`` call that
    encodes it (and caches it), so nothing is checked twice.
    """
    if not isinstance(p, Packet):
        raise EncodeError(f"not a Packet: {p!r}")
    if recurse and p.tunnel_depth() > MAX_TUNNEL_DEPTH:
        raise EncodeError(f"more than {MAX_TUNNEL_DEPTH} nested tunnels")
    # the engine's own values first, in one test (every packet sent comes here); the
    # checks that name the field decide anything else
    src, dst, hop_limit, flow_label = p.src, p.dst, p.hop_limit, p.flow_label
    if not (src.__class__ is Address and dst.__class__ is Address  # never scoped
            and hop_limit.__class__ is int and 0 <= hop_limit <= 0xFF
            and p.traffic_class.__class__ is int and 0 <= p.traffic_class <= 0xFF
            and flow_label.__class__ is int and 0 <= flow_label <= 0xFFFFF):
        _address(src, "source address")
        _address(dst, "destination address")
        _uint(hop_limit, 8, "hop limit")
        _uint(p.traffic_class, 8, "traffic class")
        _uint(flow_label, 20, "flow label")
    if p.routing is not None:
        need(isinstance(p.routing, Type2RoutingHeader), "routing must be a Type2RoutingHeader")
        _address(p.routing.home_address, "routing header home address")
        need(p.routing.segments_left in (0, 1),
             "type 2 routing header Segments Left must be 0 or 1")
    if p.hao is not None:
        need(isinstance(p.hao, HomeAddressOption), "hao must be a HomeAddressOption")
        _address(p.hao.home_address, "home address option")
    if p.esp is not None:
        _uint(p.esp.spi, 32, "ESP SPI")
        _uint(p.esp.sequence, 32, "ESP sequence number")
        _octets(p.esp.auth_key, 20, "ESP HMAC-SHA1 key (a received packet's marking has none)")
    pl = p.payload
    if isinstance(pl, Tunnelled):
        if recurse:
            validate(pl.inner)
    elif isinstance(pl, RawPayload):
        _uint(pl.next_header, 8, "next header")
        need(isinstance(pl.data, bytes), "raw payload data must be bytes")
    elif isinstance(pl, RouterSolicitation):
        if pl.source_lladdr is not None:
            mac_bytes(pl.source_lladdr)
    elif isinstance(pl, RouterAdvertisement):
        _uint(pl.cur_hop_limit, 8, "Cur Hop Limit")
        _uint(pl.router_lifetime_s, 16, "router lifetime")
        _uint(pl.reachable_time_ms, 32, "reachable time")
        _uint(pl.retrans_timer_ms, 32, "retrans timer")
        if pl.source_lladdr is not None:
            mac_bytes(pl.source_lladdr)
        for pi in pl.prefixes:
            need(isinstance(pi, PrefixInformation), "RA prefixes must be PrefixInformation")
            need(isinstance(pi.prefix, IPv6Network), "prefix must be an IPv6Network")
            _uint(pi.valid_lifetime_s, 32, "prefix valid lifetime")
            _uint(pi.preferred_lifetime_s, 32, "prefix preferred lifetime")
        for mo in pl.map_options:
            need(isinstance(mo, MapOption), "RA map_options must be MapOption")
            _uint(mo.dist, 4, "MAP option Dist")
            _uint(mo.pref, 4, "MAP option Pref")
            _uint(mo.valid_lifetime_s, 32, "MAP option valid lifetime")
            _address(mo.map_address, "MAP address")
    elif isinstance(pl, (EchoRequest, EchoReply)):
        _uint(pl.ident, 16, "echo identifier")
        _uint(pl.seq, 16, "echo sequence number")
        need(isinstance(pl.data, bytes), "echo data must be bytes")
    elif isinstance(pl, UdpDatagram):
        _uint(pl.sport, 16, "UDP source port")
        _uint(pl.dport, 16, "UDP destination port")
        need(isinstance(pl.data, bytes), "UDP data must be bytes")
    elif isinstance(pl, ParameterProblem):
        _uint(pl.code, 8, "parameter problem code")
        _uint(pl.pointer, 32, "parameter problem pointer")
        need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
    elif isinstance(pl, PacketTooBig):
        _uint(pl.mtu, 32, "packet too big MTU")
        need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
    elif isinstance(pl, TimeExceeded):
        _uint(pl.code, 8, "time exceeded code")
        need(isinstance(pl.invoking, bytes), "invoking packet must be bytes")
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
        need(isinstance(pl.data, bytes) and len(pl.data) >= 1,
             "MalformedMobilityHeader data must be the header's bytes")

    elif isinstance(pl, UnknownMobility):
        need(isinstance(pl.mh_type, int) and 8 <= pl.mh_type <= 255,
             "UnknownMobility mh_type must be 8..255 (0..7 have their own classes)")
        need(isinstance(pl.data, bytes) and len(pl.data) >= 2 and (6 + len(pl.data)) % 8 == 0,
             "UnknownMobility data must make the header a multiple of 8 octets (len 2, 10, ...)")
    else:
        raise EncodeError(f"unknown payload type {type(pl).__name__}")


