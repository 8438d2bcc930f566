"""Frozen dataclasses for every packet the engine sends or receives.

A :class:`Packet` is one IPv6 datagram: the fixed header, the extension headers
Mobile IPv6 uses (type 2 routing header, Destination Options with the Home Address
option), and one payload. IPv6-in-IPv6 tunnels (RFC 2473) nest a whole Packet as
the payload (:class:`Tunnelled`). The wire layer turns these into bytes and back;
nothing here knows about bytes, so the engine stays free of scapy.

Field names follow RFC 6275 / RFC 5380 / RFC 4861 and carry units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network

from .addresses import address
from .frozen import fast_init
from .ipsec import EspSecurity

# --- IANA numbers the engine needs --------------------------------------------------

NH_IPV6 = 41  # IPv6-in-IPv6 (RFC 2473)
NH_UDP = 17
NH_ICMPV6 = 58
NH_NONE = 59
NH_MOBILITY = 135
NH_ESP = 50

MH_BRR = 0
MH_HOTI = 1
MH_COTI = 2
MH_HOT = 3
MH_COT = 4
MH_BU = 5
MH_BA = 6
MH_BE = 7

# Binding Acknowledgement status codes (RFC 6275 s.6.1.8)
BA_ACCEPTED = 0
BA_ACCEPTED_PREFIX_DISCOVERY = 1
BA_REASON_UNSPECIFIED = 128
BA_ADMIN_PROHIBITED = 129
BA_INSUFFICIENT_RESOURCES = 130
BA_HOME_REG_NOT_SUPPORTED = 131
BA_NOT_HOME_SUBNET = 132
BA_NOT_HOME_AGENT = 133
BA_DAD_FAILED = 134
BA_SEQ_OUT_OF_WINDOW = 135
BA_EXPIRED_HOME_NONCE = 136
BA_EXPIRED_COA_NONCE = 137
BA_EXPIRED_NONCES = 138
BA_REG_TYPE_CHANGE = 139

BA_STATUS_TEXT = {
    0: "accepted",
    1: "accepted, prefix discovery necessary",
    128: "reason unspecified",
    129: "administratively prohibited",
    130: "insufficient resources",
    131: "home registration not supported",
    132: "not home subnet",
    133: "not home agent for this mobile node",
    134: "duplicate address detection failed",
    135: "sequence number out of window",
    136: "expired home nonce index",
    137: "expired care-of nonce index",
    138: "expired nonces",
    139: "registration type change disallowed",
}

# Binding Error status codes (RFC 6275 s.6.1.9)
BE_UNKNOWN_HAO = 1
BE_UNRECOGNIZED_MH = 2

BE_STATUS_TEXT = {
    1: "unknown binding for Home Address destination option",
    2: "unrecognized MH Type value",
}

ALL_NODES = address("ff02::1")
ALL_ROUTERS = address("ff02::2")


# --- Extension headers ---------------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class HomeAddressOption:
    """Destination option 201 (RFC 6275 s.6.3): the MN's home address (or RCoA)."""

    home_address: IPv6Address


@fast_init
@dataclass(frozen=True, slots=True)
class Type2RoutingHeader:
    """Routing header type 2 (RFC 6275 s.6.4): one home address, Segments Left 1."""

    home_address: IPv6Address
    segments_left: int = 1


# --- Neighbour Discovery (RFC 4861, RFC 5380 s.5) -----------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class PrefixInformation:
    prefix: IPv6Network
    on_link: bool = True
    autonomous: bool = True
    valid_lifetime_s: int = 2592000
    preferred_lifetime_s: int = 604800


@fast_init
@dataclass(frozen=True, slots=True)
class MapOption:
    """The MAP option, ND option type 23 (RFC 5380 s.5)."""

    dist: int
    pref: int
    r: bool
    valid_lifetime_s: int
    map_address: IPv6Address


@fast_init
@dataclass(frozen=True, slots=True)
class RouterSolicitation:
    source_lladdr: str | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class RouterAdvertisement:
    prefixes: tuple[PrefixInformation, ...]
    map_options: tuple[MapOption, ...] = ()
    source_lladdr: str | None = None
    cur_hop_limit: int = 64
    router_lifetime_s: int = 1800
    reachable_time_ms: int = 0
    retrans_timer_ms: int = 0


# --- ICMPv6 / UDP data ----------------------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class EchoRequest:
    ident: int
    seq: int
    data: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class EchoReply:
    ident: int
    seq: int
    data: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class UdpDatagram:
    sport: int
    dport: int
    data: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class ParameterProblem:
    """ICMPv6 Parameter Problem (RFC 4443 s.3.4), used for bad Mobility Headers."""

    code: int
    pointer: int
    invoking: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class PacketTooBig:
    """ICMPv6 Packet Too Big (RFC 4443 s.3.2): a tunnel entry point's answer to a packet
    that does not fit its tunnel (RFC 2473 s.7.1, RFC 8201)."""

    mtu: int
    invoking: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class TimeExceeded:
    """ICMPv6 Time Exceeded (RFC 4443 s.3.3); code 0: hop limit exceeded in transit."""

    code: int
    invoking: bytes = b""


# --- Mobility options (RFC 6275 s.6.2) -------------------------------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class BindingRefreshAdvice:
    interval_s: int  # carried in units of 4 seconds


@fast_init
@dataclass(frozen=True, slots=True)
class AlternateCareOfAddress:
    address: IPv6Address


@fast_init
@dataclass(frozen=True, slots=True)
class NonceIndices:
    home_nonce_index: int
    careof_nonce_index: int


@fast_init
@dataclass(frozen=True, slots=True)
class BindingAuthorizationData:
    """Option 5 (RFC 6275 s.6.2.7). ``mobility_data`` is filled in by the decoder: the
    received Mobility Header with its checksum zeroed and this authenticator left out,
    which is what the authenticator covers (s.5.2.6). Not part of equality."""

    authenticator: bytes  # 96 bits
    mobility_data: bytes = field(default=b"", compare=False, repr=False)


MobilityOption = (
    BindingRefreshAdvice
    | AlternateCareOfAddress
    | NonceIndices
    | BindingAuthorizationData
)


# --- Mobility Header messages (RFC 6275 s.6.1, RFC 5380 s.4) ---------------------------


@fast_init
@dataclass(frozen=True, slots=True)
class BindingUpdate:
    """Binding Update; with ``map_registration`` (M) set it is a local BU (RFC 5380 s.4)."""

    sequence: int
    lifetime_s: int  # carried in units of 4 seconds; 0 = deregistration
    ack: bool = True  # A
    home_registration: bool = False  # H
    link_local_compat: bool = False  # L
    key_management: bool = False  # K
    map_registration: bool = False  # M
    options: tuple[MobilityOption, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class BindingAck:
    status: int
    sequence: int
    lifetime_s: int
    key_management: bool = False
    options: tuple[MobilityOption, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class BindingError:
    status: int
    home_address: IPv6Address


@fast_init
@dataclass(frozen=True, slots=True)
class BindingRefreshRequest:
    pass


@fast_init
@dataclass(frozen=True, slots=True)
class HomeTestInit:
    cookie: bytes  # 8 octets


@fast_init
@dataclass(frozen=True, slots=True)
class CareofTestInit:
    cookie: bytes


@fast_init
@dataclass(frozen=True, slots=True)
class HomeTest:
    nonce_index: int
    cookie: bytes
    token: bytes


@fast_init
@dataclass(frozen=True, slots=True)
class CareofTest:
    nonce_index: int
    cookie: bytes
    token: bytes


@fast_init
@dataclass(frozen=True, slots=True)
class UnknownMobility:
    """A Mobility Header with an MH Type the engine does not know (kept for BE status 2)."""

    mh_type: int
    data: bytes = b""


MobilityMessage = (
    BindingUpdate
    | BindingAck
    | BindingError
    | BindingRefreshRequest
    | HomeTestInit
    | CareofTestInit
    | HomeTest
    | CareofTest
    | UnknownMobility
)


@fast_init
@dataclass(frozen=True, slots=True)
class MalformedMobilityHeader:
    """A Mobility Header that RFC 6275 s.9.2 tells the receiver to refuse, kept byte for byte.

    The decoder returns it instead of raising, so that tunnel end points forward it
    unchanged and the node it is addressed to answers as s.9.2 says: ``pointer`` None
    means silently discard (a wrong checksum); otherwise the node sends an ICMPv6
    Parameter Problem, code 0, whose Pointer is ``pointer`` (octets from the start of
    the IPv6 header of ``invoking``, the packet that carried the header, as received).
    """

    data: bytes  # the Mobility Header as received; encoding puts back exactly these
    problem: str
    pointer: int | None = None
    invoking: bytes = b""


@fast_init
@dataclass(frozen=True, slots=True)
class Tunnelled:
    """IPv6-in-IPv6 (Next Header 41): the payload is a whole inner packet."""

    inner: Packet


@fast_init
@dataclass(frozen=True, slots=True)
class RawPayload:
    """Anything the engine does not interpret, kept byte for byte; ESP (Next Header 50)
    too, until the node holding the SA opens it (the wire layer checks the ICV)."""

    next_header: int
    data: bytes = b""


Payload = (
    RouterSolicitation
    | RouterAdvertisement
    | EchoRequest
    | EchoReply
    | UdpDatagram
    | ParameterProblem
    | PacketTooBig
    | TimeExceeded
    | BindingUpdate
    | BindingAck
    | BindingError
    | BindingRefreshRequest
    | HomeTestInit
    | CareofTestInit
    | HomeTest
    | CareofTest
    | UnknownMobility
    | MalformedMobilityHeader
    | Tunnelled
    | RawPayload
)

MOBILITY_TYPES = (
    BindingUpdate,
    BindingAck,
    BindingError,
    BindingRefreshRequest,
    HomeTestInit,
    CareofTestInit,
    HomeTest,
    CareofTest,
    UnknownMobility,
    MalformedMobilityHeader,
)


class _HashOnce:
    """A slot for a frozen object's hash, computed on first use (fast_init sets it to
    None): the encoder's cache hashes every packet it is given, and an outer packet's
    hash takes its tunnelled packet's, which the tunnel entry had just hashed."""

    __slots__ = ("_hash",)


_set_hash = _HashOnce._hash.__set__  # type: ignore[attr-defined]


@fast_init
@dataclass(frozen=True, slots=True)
class Packet(_HashOnce):
    """One IPv6 datagram.

    Extension header order follows RFC 6275 s.6.3: the type 2 routing header first,
    then the Destination Options header carrying the Home Address option.
    """

    src: IPv6Address
    dst: IPv6Address
    payload: Payload
    hop_limit: int = 64
    routing: Type2RoutingHeader | None = None
    hao: HomeAddressOption | None = None
    traffic_class: int = 0
    flow_label: int = 0
    # transport-mode ESP around the payload (RFC 4303; RFC 6275 s.5.1, RFC 5380 s.12.1)
    esp: EspSecurity | None = None

    def __hash__(self) -> int:
        # the hash the dataclass would compute (every field), computed once
        h: int | None = self._hash  # type: ignore[attr-defined]
        if h is None:
            h = hash((self.src, self.dst, self.payload, self.hop_limit, self.routing,
                      self.hao, self.traffic_class, self.flow_label, self.esp))
            _set_hash(self, h)
        return h

    def with_hop_limit(self, hop_limit: int) -> Packet:
        """This packet with another Hop Limit (each forwarding hop; faster than
        ``dataclasses.replace``, which the tunnels would call for every packet)."""
        return Packet(self.src, self.dst, self.payload, hop_limit, self.routing, self.hao,
                      self.traffic_class, self.flow_label, self.esp)

    def innermost(self) -> Packet:
        """The packet inside every tunnel layer."""
        p = self
        while isinstance(p.payload, Tunnelled):
            p = p.payload.inner
        return p

    def tunnel_depth(self) -> int:
        depth, p = 0, self
        while isinstance(p.payload, Tunnelled):
            depth, p = depth + 1, p.payload.inner
        return depth

    @property
    def final_destination(self) -> IPv6Address:
        """Where the packet ends up once a type 2 routing header is processed."""
        if self.routing is not None and self.routing.segments_left > 0:
            return self.routing.home_address
        return self.dst

    @property
    def home_source(self) -> IPv6Address:
        """The source the upper layers see: the HAO's address when present."""
        return self.hao.home_address if self.hao is not None else self.src


def encapsulate(outer_src: IPv6Address, outer_dst: IPv6Address, inner: Packet) -> Packet:
    """IPv6-in-IPv6 encapsulation (RFC 2473)."""
    return Packet(src=outer_src, dst=outer_dst, payload=Tunnelled(inner))

