"""Packet kinds (what the legend and colours key on) and one-line summaries.

The node that builds a packet knows why it sends it and names the kind; tunnel end
points pass the inner packet's kind on. :func:`classify` is the fallback for packets
nobody explained (crafted ones injected by a host).
"""

from __future__ import annotations

from .messages import (
    BA_STATUS_TEXT,
    NH_ESP,
    BindingAck,
    BindingError,
    BindingRefreshRequest,
    BindingUpdate,
    CareofTest,
    CareofTestInit,
    EchoReply,
    EchoRequest,
    HomeTest,
    HomeTestInit,
    MalformedMobilityHeader,
    Packet,
    PacketTooBig,
    ParameterProblem,
    RawPayload,
    RouterAdvertisement,
    RouterSolicitation,
    TimeExceeded,
    Tunnelled,
    UdpDatagram,
    UnknownMobility,
)

RS = "RS"
RA = "RA"
LOCAL_BU = "local BU"
LOCAL_BA = "local BA"
HOME_BU = "BU to HA"
HOME_BA = "BA from HA"
CN_BU = "BU to CN"
CN_BA = "BA from CN"
HOTI = "HoTI"
COTI = "CoTI"
HOT = "HoT"
COT = "CoT"
BE = "Binding Error"
BRR = "Binding Refresh Request"
DATA = "data"
ICMP_ERROR = "ICMPv6 error"
PROBE = "MAP probe"  # an AR's echo request to a MAP and its reply (RFC 5380 s.10)
OTHER = "other"

KINDS = (RS, RA, LOCAL_BU, LOCAL_BA, HOME_BU, HOME_BA, CN_BU, CN_BA, HOTI, COTI, HOT, COT,
         BE, BRR, DATA, ICMP_ERROR, PROBE, OTHER)

SIGNALLING_KINDS = frozenset({LOCAL_BU, HOME_BU, CN_BU, HOTI, COTI})


def classify(packet: Packet) -> str:
    """The kind of a packet from its content alone (innermost layer)."""
    p = packet.innermost()
    m = p.payload
    if isinstance(m, RouterSolicitation):
        return RS
    if isinstance(m, RouterAdvertisement):
        return RA
    if isinstance(m, BindingUpdate):
        if m.map_registration:
            return LOCAL_BU
        return HOME_BU if m.home_registration else CN_BU
    if isinstance(m, BindingAck):
        return LOCAL_BA if p.routing is not None and packet.tunnel_depth() == 0 else HOME_BA
    if isinstance(m, HomeTestInit):
        return HOTI
    if isinstance(m, CareofTestInit):
        return COTI
    if isinstance(m, HomeTest):
        return HOT
    if isinstance(m, CareofTest):
        return COT
    if isinstance(m, BindingError):
        return BE
    if isinstance(m, BindingRefreshRequest):
        return BRR
    if isinstance(m, (EchoRequest, EchoReply, UdpDatagram)):
        return DATA
    if isinstance(m, (ParameterProblem, PacketTooBig, TimeExceeded)):
        return ICMP_ERROR
    return OTHER


def payload_summary(packet: Packet) -> str:
    """A short protocol-level description of the innermost message."""
    p = packet.innermost()
    m = p.payload
    if isinstance(m, BindingUpdate):
        flags = "".join(f for f, on in (("A", m.ack), ("H", m.home_registration),
                                       ("L", m.link_local_compat), ("K", m.key_management),
                                       ("M", m.map_registration)) if on)
        return (f"BU seq={m.sequence} flags={flags or '-'} lifetime={m.lifetime_s}s "
                f"HoA={p.hao.home_address if p.hao else '-'} CoA={p.src}")
    if isinstance(m, BindingAck):
        return (f"BA status={m.status} ({BA_STATUS_TEXT.get(m.status, '?')}) seq={m.sequence} "
                f"lifetime={m.lifetime_s}s")
    if isinstance(m, RouterAdvertisement):
        maps = ", ".join(f"MAP {o.map_address} dist={o.dist} pref={o.pref} "
                         f"lifetime={o.valid_lifetime_s}s" for o in m.map_options)
        prefixes = ", ".join(str(pi.prefix) for pi in m.prefixes)
        return f"RA prefix {prefixes}" + (f"; {maps}" if maps else "")
    if isinstance(m, RouterSolicitation):
        return "RS"
    if isinstance(m, EchoRequest):
        return f"echo request id={m.ident} seq={m.seq} {p.src} -> {p.dst}"
    if isinstance(m, EchoReply):
        return f"echo reply id={m.ident} seq={m.seq} {p.src} -> {p.dst}"
    if isinstance(m, UdpDatagram):
        return f"UDP {m.sport} -> {m.dport}, {len(m.data)} bytes"
    if isinstance(m, BindingError):
        return f"Binding Error status={m.status} HoA={m.home_address}"
    if isinstance(m, UnknownMobility):
        return f"Mobility Header type {m.mh_type}"
    if isinstance(m, MalformedMobilityHeader):
        return f"malformed Mobility Header: {m.problem}"
    if isinstance(m, (HomeTestInit, CareofTestInit)):
        return f"{'HoTI' if isinstance(m, HomeTestInit) else 'CoTI'} cookie={m.cookie.hex()}"
    if isinstance(m, (HomeTest, CareofTest)):
        return (f"{'HoT' if isinstance(m, HomeTest) else 'CoT'} nonce index={m.nonce_index} "
                f"token={m.token.hex()}")
    if isinstance(m, BindingRefreshRequest):
        return "Binding Refresh Request"
    if isinstance(m, ParameterProblem):
        return f"ICMPv6 Parameter Problem code={m.code} pointer={m.pointer}"
    if isinstance(m, PacketTooBig):
        return f"ICMPv6 Packet Too Big MTU={m.mtu}"
    if isinstance(m, TimeExceeded):
        return f"ICMPv6 Time Exceeded code={m.code}"
    if isinstance(m, RawPayload) and m.next_header == NH_ESP and len(m.data) >= 8:
        spi, seq = int.from_bytes(m.data[:4], "big"), int.from_bytes(m.data[4:8], "big")
        return f"ESP SPI=0x{spi:08x} seq={seq}, {len(m.data)} bytes"
    if isinstance(m, RawPayload):
        return f"next header {m.next_header}, {len(m.data)} bytes"
    return type(m).__name__


def tunnel_summary(packet: Packet) -> str:
    """'LCoA -> MAP [RCoA -> HA [HoA -> CN]]' style path of addresses."""
    parts = []
    p = packet
    while True:
        parts.append(f"{p.src} -> {p.dst}")
        if isinstance(p.payload, Tunnelled):
            p = p.payload.inner
        else:
            break
    return " in ".join(reversed(parts)) if len(parts) > 1 else parts[0]
