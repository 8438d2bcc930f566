"""scapy layer stacks for our packets: the reference encoding that the struct encoders
(encode.py, encode_rare.py) are checked against in the tests.

Nothing at run time uses it; encode.encode_with_scapy loads it on first use, so
importing the codec (and starting the window) never pays for importing scapy.
"""

from __future__ import annotations

from typing import Any

from scapy.layers.inet import UDP
from scapy.layers.inet6 import (
    HAO,
    MIP6MH_BA,
    MIP6MH_BE,
    MIP6MH_BRR,
    MIP6MH_BU,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptMAP,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    MIP6MH_CoT,
    MIP6MH_CoTI,
    MIP6MH_Generic,
    MIP6MH_HoT,
    MIP6MH_HoTI,
    MIP6OptAltCoA,
    MIP6OptBindingAuthData,
    MIP6OptBRAdvice,
    MIP6OptNonceIndices,
)
from scapy.packet import Packet as ScapyPacket
from scapy.packet import Raw

from ..engine.messages import (
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
    BindingError,
    BindingRefreshAdvice,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeTest,
    HomeTestInit,
    MalformedMobilityHeader,
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
    TimeExceeded,
    Tunnelled,
    UdpDatagram,
    UnknownMobility,
)
from .common import (
    AUTHENTICATOR_OCTETS,
    DSTOPT_HAO,
    ICMPV6_ECHO_REPLY,
    ICMPV6_ECHO_REQUEST,
    ICMPV6_PACKET_TOO_BIG,
    ICMPV6_PARAM_PROBLEM,
    ICMPV6_RA,
    ICMPV6_RS,
    ICMPV6_TIME_EXCEEDED,
    LIFETIME_UNIT_S,
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
)


def _scapy_mobility_options(options: tuple[MobilityOption, ...]) -> list[ScapyPacket]:
    out: list[ScapyPacket] = []
    for opt in options:
        if isinstance(opt, BindingRefreshAdvice):
            out.append(MIP6OptBRAdvice(otype=MHOPT_BRA, olen=2,
                                       rinter=opt.interval_s // LIFETIME_UNIT_S))
        elif isinstance(opt, AlternateCareOfAddress):
            out.append(MIP6OptAltCoA(otype=MHOPT_ALTCOA, olen=16, acoa=str(opt.address)))
        elif isinstance(opt, NonceIndices):
            out.append(MIP6OptNonceIndices(otype=MHOPT_NONCE_INDICES, olen=4,
                                           hni=opt.home_nonce_index,
                                           coni=opt.careof_nonce_index))
        else:
            authenticator = int.from_bytes(opt.authenticator, "big")
            out.append(MIP6OptBindingAuthData(otype=MHOPT_AUTH_DATA, olen=AUTHENTICATOR_OCTETS,
                                              authenticator=authenticator))
    return out


def _scapy_nd_options(lladdr: str | None, prefixes: tuple[PrefixInformation, ...] = (),
                      map_options: tuple[MapOption, ...] = ()) -> list[ScapyPacket]:
    out: list[ScapyPacket] = []
    if lladdr is not None:
        out.append(ICMPv6NDOptSrcLLAddr(type=ND_OPT_SOURCE_LLADDR, len=1, lladdr=lladdr))
    for pi in prefixes:
        out.append(ICMPv6NDOptPrefixInfo(
            type=ND_OPT_PREFIX_INFO, len=4, prefixlen=pi.prefix.prefixlen,
            L=int(pi.on_link), A=int(pi.autonomous), R=0, res1=0,
            validlifetime=pi.valid_lifetime_s, preferredlifetime=pi.preferred_lifetime_s,
            res2=0, prefix=str(pi.prefix.network_address)))
    for mo in map_options:
        out.append(ICMPv6NDOptMAP(type=ND_OPT_MAP, len=3, dist=mo.dist, pref=mo.pref,
                                  R=int(mo.r), res=0, validlifetime=mo.valid_lifetime_s,
                                  addr=str(mo.map_address)))
    return out


def _scapy_upper(pl: Payload) -> tuple[int, list[ScapyPacket]]:
    """Next Header value and scapy layers for a payload; checksums left to scapy."""
    mh: dict[str, Any] = {"nh": NH_NONE, "len": None, "res": 0, "cksum": None}
    if isinstance(pl, Tunnelled):
        return NH_IPV6, [scapy_packet(pl.inner)]
    if isinstance(pl, RawPayload):
        return pl.next_header, [Raw(load=pl.data)] if pl.data else []
    if isinstance(pl, RouterSolicitation):
        return NH_ICMPV6, [ICMPv6ND_RS(type=ICMPV6_RS, code=0, cksum=None, res=0),
                           *_scapy_nd_options(pl.source_lladdr)]
    if isinstance(pl, RouterAdvertisement):
        ra = ICMPv6ND_RA(type=ICMPV6_RA, code=0, cksum=None, chlim=pl.cur_hop_limit,
                         M=0, O=0, H=0, prf=0, P=0, res=0,
                         routerlifetime=pl.router_lifetime_s,
                         reachabletime=pl.reachable_time_ms, retranstimer=pl.retrans_timer_ms)
        return NH_ICMPV6, [ra, *_scapy_nd_options(pl.source_lladdr, pl.prefixes, pl.map_options)]
    if isinstance(pl, (EchoRequest, EchoReply)):
        cls, t = ((ICMPv6EchoRequest, ICMPV6_ECHO_REQUEST) if isinstance(pl, EchoRequest)
                  else (ICMPv6EchoReply, ICMPV6_ECHO_REPLY))
        return NH_ICMPV6, [cls(type=t, code=0, cksum=None, id=pl.ident, seq=pl.seq, data=pl.data)]
    if isinstance(pl, ParameterProblem):
        pp = ICMPv6ParamProblem(type=ICMPV6_PARAM_PROBLEM, code=pl.code, cksum=None, ptr=pl.pointer)
        return NH_ICMPV6, [pp, Raw(load=pl.invoking)] if pl.invoking else [pp]
    if isinstance(pl, PacketTooBig):
        ptb = ICMPv6PacketTooBig(type=ICMPV6_PACKET_TOO_BIG, code=0, cksum=None, mtu=pl.mtu)
        return NH_ICMPV6, [ptb, Raw(load=pl.invoking)] if pl.invoking else [ptb]
    if isinstance(pl, TimeExceeded):
        te = ICMPv6TimeExceeded(type=ICMPV6_TIME_EXCEEDED, code=pl.code, cksum=None, unused=0)
        return NH_ICMPV6, [te, Raw(load=pl.invoking)] if pl.invoking else [te]
    if isinstance(pl, UdpDatagram):
        udp = UDP(sport=pl.sport, dport=pl.dport, len=None, chksum=None)
        return NH_UDP, [udp, Raw(load=pl.data)] if pl.data else [udp]
    if isinstance(pl, BindingUpdate):
        flags = ("A" if pl.ack else "") + ("H" if pl.home_registration else "") + \
                ("L" if pl.link_local_compat else "") + ("K" if pl.key_management else "") + \
                ("M" if pl.map_registration else "")
        return NH_MOBILITY, [MIP6MH_BU(**mh, mhtype=MH_BU, seq=pl.sequence, flags=flags, reserved=0,
                                       mhtime=pl.lifetime_s // LIFETIME_UNIT_S, autopad=1,
                                       options=_scapy_mobility_options(pl.options))]
    if isinstance(pl, BindingAck):
        return NH_MOBILITY, [MIP6MH_BA(**mh, mhtype=MH_BA, status=pl.status,
                                       flags="K" if pl.key_management else 0, res2=0,
                                       seq=pl.sequence, mhtime=pl.lifetime_s // LIFETIME_UNIT_S,
                                       autopad=1, options=_scapy_mobility_options(pl.options))]
    if isinstance(pl, BindingError):
        return NH_MOBILITY, [MIP6MH_BE(**mh, mhtype=MH_BE, status=pl.status, reserved=0,
                                       ha=str(pl.home_address), options=[])]
    if isinstance(pl, BindingRefreshRequest):
        return NH_MOBILITY, [MIP6MH_BRR(**mh, mhtype=MH_BRR, res2=0, autopad=1, options=[])]
    if isinstance(pl, (HomeTestInit, CareofTestInit)):
        init: type[ScapyPacket] = MIP6MH_HoTI if isinstance(pl, HomeTestInit) else MIP6MH_CoTI
        t = MH_HOTI if isinstance(pl, HomeTestInit) else MH_COTI
        return NH_MOBILITY, [init(**mh, mhtype=t, reserved=b"\x00\x00", cookie=pl.cookie,
                                 autopad=1, options=[])]
    if isinstance(pl, (HomeTest, CareofTest)):
        test: type[ScapyPacket] = MIP6MH_HoT if isinstance(pl, HomeTest) else MIP6MH_CoT
        t = MH_HOT if isinstance(pl, HomeTest) else MH_COT
        return NH_MOBILITY, [test(**mh, mhtype=t, index=pl.nonce_index, cookie=pl.cookie,
                                 token=pl.token, autopad=1, options=[])]
    if isinstance(pl, MalformedMobilityHeader):
        return NH_MOBILITY, [Raw(load=pl.data)]

    if isinstance(pl, UnknownMobility):
        return NH_MOBILITY, [MIP6MH_Generic(**mh, mhtype=pl.mh_type, msg=pl.data)]
    raise EncodeError(f"unknown payload type {type(pl).__name__}")


def scapy_packet(p: Packet) -> ScapyPacket:
    """The scapy layer stack for one packet, header order as RFC 6275 s.6.3 wants."""
    nh, upper = _scapy_upper(p.payload)
    ext: list[ScapyPacket] = []
    if p.hao is not None:
        # Built from [HAO] alone so scapy pads it to 8n+6 itself and its checksum code
        # recognises the option (it only looks at single-option headers).
        ext.insert(0, IPv6ExtHdrDestOpt(nh=nh, len=None, autopad=1, options=[
            HAO(otype=DSTOPT_HAO, optlen=16, hoa=str(p.hao.home_address))]))
        nh = NH_DSTOPT
    if p.routing is not None:
        ext.insert(0, IPv6ExtHdrRouting(nh=nh, len=2, type=2, segleft=p.routing.segments_left,
                                        reserved=0, addresses=[str(p.routing.home_address)]))
        nh = NH_ROUTING
    pkt = IPv6(version=6, tc=p.traffic_class, fl=p.flow_label, plen=None, nh=nh,
               hlim=p.hop_limit, src=str(p.src), dst=str(p.dst))
    for layer in (*ext, *upper):
        pkt = pkt / layer
    return pkt


