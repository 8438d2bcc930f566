"""One field table per fixed-layout message: where each field sits, what Wireshark calls
it, how the inspector labels it and which attribute of the engine's message it fills.

In the spirit of scapy's ``fields_desc``: the strict decoder (:mod:`.decode`) reads
message attributes through :func:`read`, and the dissector (:mod:`.dissect`) builds
the inspector's :class:`FieldNode` lines through :func:`nodes`, from the same table,
so a field's offset, width and name are written down once. The encoder keeps its
hand-written ``struct`` fast path (:mod:`.encode`), checked byte for byte against scapy.

Offsets count from the start of the part a table describes (for a Mobility Header
message, the octet after the checksum); ``size`` is the span Wireshark gives the
field, so a flag inside a 16-bit flags word spans both octets, as in Wireshark.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv6Address
from typing import Any, Literal

from hmipviz.engine.addresses import address
from hmipviz.engine.messages import BA_STATUS_TEXT

from .common import mac_text

__all__ = ["Field", "FieldNode", "Layout", "nodes", "read"]

Kind = Literal["uint", "flag", "address", "hex", "mac", "reserved"]


@dataclass(frozen=True)
class FieldNode:
    """One line of the packet inspector's tree: a layer or a field and its bytes.

    ``start``/``end`` are offsets into the dissected bytes (end exclusive); fields
    narrower than a byte share their byte. ``key`` is Wireshark's field name (such as
    ``mip6.bu.m_flag``) where Wireshark has one, so the inspector, the lessons and a
    display filter use the same word.
    """

    label: str
    key: str
    start: int
    end: int
    children: tuple[FieldNode, ...] = ()


@dataclass(frozen=True)
class Field:
    """A field of a fixed layout: ``size`` octets at ``offset``, big-endian.

    ``mask`` picks bits of that word (0: all of it); ``attr`` is the engine message's
    attribute the decoder fills (None: on the wire but not modelled); ``scale``
    turns wire units into the attribute's (4 for lifetimes in 4-second units);
    ``names`` gives value names (status codes, next headers); ``meaning`` says what a
    set flag means.
    """

    key: str
    label: str
    offset: int
    size: int
    kind: Kind = "uint"
    attr: str | None = None
    mask: int = 0
    scale: int = 1
    unit: str = ""
    names: Mapping[int, str] | None = None
    meaning: str = ""
    fmt: str = ""  # str.format pattern for the value, e.g. "0x{0:04x} ({0})"

    # compiled once from the table row: the decoder reads every field of every packet
    _raw: Callable[[bytes, int], int] = field(init=False, repr=False, compare=False)
    _value: Callable[[bytes, int], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_raw", _raw_reader(self.offset, self.size, self.mask))
        object.__setattr__(self, "_value", _value_reader(self))

    def raw(self, data: bytes, base: int) -> int:
        """The field's integer value (masked and shifted)."""
        return self._raw(data, base)

    def value(self, data: bytes, base: int) -> Any:
        """What the engine's message holds for this field."""
        return self._value(data, base)

    def text(self, data: bytes, base: int) -> str:
        """The inspector's label for this field's value."""
        at = base + self.offset
        if self.kind == "reserved":
            return self.label
        if self.kind == "flag":
            state = "set" if self.raw(data, base) else "not set"
            return f"{self.label} flag: {state} ({self.meaning})"
        if self.kind == "address":
            return f"{self.label}: {IPv6Address(data[at:at + 16])}"
        if self.kind == "hex":
            return f"{self.label}: {data[at:at + self.size].hex()}"
        if self.kind == "mac":
            return f"{self.label}: {mac_text(data[at:at + 6])}"
        raw = self.raw(data, base)
        if self.names is not None:
            return f"{self.label}: {self.names.get(raw, 'unknown')} ({raw})"
        if self.fmt:
            return f"{self.label}: {self.fmt.format(raw)}{self.unit}"
        if self.scale != 1:
            return f"{self.label}: {raw} ({raw * self.scale}{self.unit})"
        return f"{self.label}: {raw}{self.unit}"

    def node(self, data: bytes, base: int, label: str | None = None) -> FieldNode:
        start = base + self.offset
        return FieldNode(self.text(data, base) if label is None else label, self.key,
                         start, start + self.size)


def _raw_reader(offset: int, size: int, mask: int) -> Callable[[bytes, int], int]:
    shift = (mask & -mask).bit_length() - 1 if mask else 0
    word = {2: struct.Struct("!H"), 4: struct.Struct("!I")}.get(size)
    if size == 1:
        if mask:
            return lambda d, b: (d[b + offset] & mask) >> shift
        return lambda d, b: d[b + offset]
    if word is not None:
        unpack = word.unpack_from
        if mask:
            return lambda d, b: (int(unpack(d, b + offset)[0]) & mask) >> shift
        return lambda d, b: int(unpack(d, b + offset)[0])
    end = offset + size
    if mask:
        return lambda d, b: (int.from_bytes(d[b + offset:b + end], "big") & mask) >> shift
    return lambda d, b: int.from_bytes(d[b + offset:b + end], "big")


def _value_reader(f: Field) -> Callable[[bytes, int], Any]:
    start, end, raw, scale = f.offset, f.offset + f.size, f._raw, f.scale
    if f.kind == "address":
        return lambda d, b: address(d[b + start:b + start + 16])
    if f.kind == "hex":
        return lambda d, b: d[b + start:b + end]
    if f.kind == "mac":
        return lambda d, b: mac_text(d[b + start:b + start + 6])
    if f.kind == "flag":
        return lambda d, b: bool(raw(d, b))
    if scale != 1:
        return lambda d, b: raw(d, b) * scale
    return raw


@dataclass(frozen=True)
class Layout:
    """A message part of fixed length ``size`` and its fields, in wire order."""

    name: str
    size: int
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", _compile_reader(self))

    read: Callable[[bytes, int], dict[str, Any]] = field(init=False, repr=False,
                                                         compare=False)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


def _compile_reader(layout: Layout) -> Callable[[bytes, int], dict[str, Any]]:
    """One function per table that unpacks every modelled field with one ``struct``
    call and returns ``{attribute: value}``: what dataclasses do for ``__init__``, and
    for the same reason (the decoder reads every packet through it)."""
    spans = sorted({(f.offset, f.size) for f in layout.fields if f.attr is not None})
    fmt, at = "!", 0
    names: dict[tuple[int, int], str] = {}
    for offset, size in spans:
        if offset < at:  # overlaps a wider span already unpacked: read it alone
            continue
        fmt += f"{offset - at}x" if offset > at else ""
        fmt += {1: "B", 2: "H", 4: "I"}.get(size, f"{size}s")
        names[(offset, size)] = f"v{len(names)}"
        at = offset + size
    items = []
    for f in layout.fields:
        if f.attr is None:
            continue
        v = (names.get((f.offset, f.size))
             or f"int.from_bytes(d[b + {f.offset}:b + {f.offset + f.size}], 'big')")
        if f.mask:
            v = f"(({v} & {f.mask}) >> {(f.mask & -f.mask).bit_length() - 1})"
        if f.kind == "address":
            v = f"IPv6Address({v})"
        elif f.kind == "mac":
            v = f"mac_text({v})"
        elif f.kind == "flag":
            v = f"bool({v})"
        elif f.scale != 1:
            v = f"{v} * {f.scale}"
        items.append(f"{f.attr!r}: {v}")
    unpacked = "".join(f"{n}, " for n in names.values())
    source = ("def read(d, b):\n"
              + (f"    {unpacked}= unpack_from(d, b)\n" if names else "")
              + f"    return {{{', '.join(items)}}}\n")
    scope: dict[str, Any] = {"unpack_from": struct.Struct(fmt).unpack_from,
                             "IPv6Address": address, "mac_text": mac_text}
    exec(source, scope)  # safe: the source is built from the tables above only
    reader: Callable[[bytes, int], dict[str, Any]] = scope["read"]
    return reader


def read(layout: Layout, data: bytes, base: int) -> dict[str, Any]:
    """``{attribute: value}`` for the fields the engine models (the decoder's half)."""
    return layout.read(data, base)


def nodes(layout: Layout, data: bytes, base: int,
          labels: Mapping[str, str] | None = None) -> list[FieldNode]:
    """The inspector's lines for every field (the dissector's half); ``labels``
    overrides the label of a key (checksums, whose text needs the pseudo-header)."""
    labels = labels or {}
    return [f.node(data, base, labels.get(f.key)) for f in layout.fields]


# --- names ----------------------------------------------------------------------------------

NH_NAMES = {0: "IPv6 Hop-by-Hop Options", 17: "UDP", 41: "IPv6", 43: "Routing Header",
            44: "Fragment Header", 50: "ESP", 58: "ICMPv6", 59: "No Next Header",
            60: "Destination Options", 135: "Mobility Header"}
MH_NAMES = {0: "Binding Refresh Request", 1: "Home Test Init", 2: "Care-of Test Init",
            3: "Home Test", 4: "Care-of Test", 5: "Binding Update",
            6: "Binding Acknowledgement", 7: "Binding Error"}
ICMPV6_NAMES = {1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded",
                4: "Parameter Problem", 128: "Echo Request", 129: "Echo Reply",
                133: "Router Solicitation", 134: "Router Advertisement",
                135: "Neighbour Solicitation", 136: "Neighbour Advertisement", 137: "Redirect"}
BE_STATUS = {1: "unknown binding for Home Address destination option",
             2: "unrecognized MH Type value"}


def _flag(key: str, letter: str, meaning: str, offset: int, size: int, mask: int,
          attr: str | None = None) -> Field:
    return Field(key, letter, offset, size, "flag", attr, mask=mask, meaning=meaning)


F = Field
_S = " s"

# --- IPv6 and its extension headers (RFC 8200, RFC 6275 s.6.3, s.6.4) ----------------------

IPV6 = Layout("IPv6 header", 40, (
    F("ipv6.version", "Version", 0, 1, mask=0xF0),
    F("ipv6.tclass", "Traffic Class", 0, 4, attr="traffic_class", mask=0x0FF00000,
      fmt="0x{0:02x}"),
    F("ipv6.flow", "Flow Label", 1, 3, attr="flow_label", mask=0xFFFFF, fmt="0x{0:05x}"),
    F("ipv6.plen", "Payload Length", 4, 2),
    F("ipv6.nxt", "Next Header", 6, 1, names=NH_NAMES),
    F("ipv6.hlim", "Hop Limit", 7, 1, attr="hop_limit"),
    F("ipv6.src", "Source Address", 8, 16, "address", "src"),
    F("ipv6.dst", "Destination Address", 24, 16, "address", "dst"),
))

ROUTING = Layout("routing header", 4, (
    F("ipv6.routing.nxt", "Next Header", 0, 1, names=NH_NAMES),
    F("ipv6.routing.len", "Hdr Ext Len", 1, 1),
    F("ipv6.routing.type", "Routing Type", 2, 1),
    F("ipv6.routing.segleft", "Segments Left", 3, 1, attr="segments_left"),
))
RH2 = Layout("type 2 routing header", 24, ROUTING.fields + (
    F("ipv6.routing.mipv6.reserved", "Reserved", 4, 4, "reserved"),
    F("ipv6.routing.mipv6.home_address", "Home Address", 8, 16, "address", "home_address"),
))

DSTOPTS = Layout("destination options header", 2, (
    F("ipv6.dstopts.nxt", "Next Header", 0, 1, names=NH_NAMES),
    F("ipv6.dstopts.len", "Hdr Ext Len", 1, 1),
))
OPTION_HEAD = Layout("option type and length", 2, (
    F("ipv6.opt.type", "Type", 0, 1),
    F("ipv6.opt.length", "Length", 1, 1),
))
HAO = Layout("Home Address option", 18, OPTION_HEAD.fields + (
    F("ipv6.opt.mipv6.home_address", "Home Address", 2, 16, "address", "home_address"),
))

# --- Mobility Header (RFC 6275 s.6.1, RFC 5380 s.4) -----------------------------------------

MH = Layout("Mobility Header", 6, (
    F("mip6.proto", "Payload Proto", 0, 1, names=NH_NAMES),
    F("mip6.hlen", "Header Len", 1, 1),
    F("mip6.mhtype", "MH Type", 2, 1, names=MH_NAMES),
    F("mip6.reserved", "Reserved", 3, 1, "reserved"),
    F("mip6.csum", "Checksum", 4, 2),
))
BU = Layout("Binding Update", 6, (
    F("mip6.bu.seqnr", "Sequence number", 0, 2, attr="sequence"),
    _flag("mip6.bu.a_flag", "A", "acknowledge requested", 2, 2, 0x8000, "ack"),
    _flag("mip6.bu.h_flag", "H", "home registration", 2, 2, 0x4000, "home_registration"),
    _flag("mip6.bu.l_flag", "L", "link-local address compatibility", 2, 2, 0x2000,
          "link_local_compat"),
    _flag("mip6.bu.k_flag", "K", "key management mobility capability", 2, 2, 0x1000,
          "key_management"),
    _flag("mip6.bu.m_flag", "M", "MAP registration", 2, 2, 0x0800, "map_registration"),
    _flag("mip6.nemo.bu.r_flag", "R", "mobile router, RFC 3963", 2, 2, 0x0400),
    _flag("mip6.bu.p_flag", "P", "proxy registration, RFC 5213", 2, 2, 0x0200),
    F("mip6.bu.lifetime", "Lifetime", 4, 2, attr="lifetime_s", scale=4, unit=_S),
))
BA = Layout("Binding Acknowledgement", 6, (
    F("mip6.ba.status", "Status", 0, 1, attr="status", names=BA_STATUS_TEXT),
    _flag("mip6.ba.k_flag", "K", "key management mobility capability", 1, 1, 0x80,
          "key_management"),
    F("mip6.ba.seqnr", "Sequence number", 2, 2, attr="sequence"),
    F("mip6.ba.lifetime", "Lifetime", 4, 2, attr="lifetime_s", scale=4, unit=_S),
))
BE = Layout("Binding Error", 18, (
    F("mip6.be.status", "Status", 0, 1, attr="status", names=BE_STATUS),
    F("mip6.be.reserved", "Reserved", 1, 1, "reserved"),
    F("mip6.be.haddr", "Home Address", 2, 16, "address", "home_address"),
))
BRR = Layout("Binding Refresh Request", 2, (
    F("mip6.binding_refresh_request", "Reserved", 0, 2, "reserved"),
))


def _init(k: str) -> Layout:
    return Layout(f"{k} message", 10, (
        F(f"mip6.{k}.reserved", "Reserved", 0, 2, "reserved"),
        F(f"mip6.{k}.cookie", "Init Cookie", 2, 8, "hex", "cookie"),
    ))


def _test(k: str) -> Layout:
    # Wireshark has no mip6.cot.token: it files the CoT's keygen token under mip6.hot.token
    return Layout(f"{k} message", 18, (
        F(f"mip6.{k}.nindex", "Nonce Index", 0, 2, attr="nonce_index"),
        F(f"mip6.{k}.cookie", "Init Cookie", 2, 8, "hex", "cookie"),
        F("mip6.hot.token", "Keygen Token", 10, 8, "hex", "token"),
    ))


HOTI, COTI, HOT, COT = _init("hoti"), _init("coti"), _test("hot"), _test("cot")

# Mobility options (RFC 6275 s.6.2): Wireshark names the type octet nowhere.
MOPT_HEAD = (F("mip6.opt.type", "Type", 0, 1), F("mip6.mobility_opt.len", "Length", 1, 1))
BRA = Layout("Binding Refresh Advice", 4, MOPT_HEAD + (
    F("mip6.bra.interval", "Refresh Interval", 2, 2, attr="interval_s", scale=4, unit=_S),))
ALTCOA = Layout("Alternate Care-of Address", 18, MOPT_HEAD + (
    F("mip6.acoa.acoa", "Alternate Care-of Address", 2, 16, "address", "address"),))
NONCE_INDICES = Layout("Nonce Indices", 6, MOPT_HEAD + (
    F("mip6.ni.hni", "Home Nonce Index", 2, 2, attr="home_nonce_index"),
    F("mip6.ni.cni", "Care-of Nonce Index", 4, 2, attr="careof_nonce_index")))
AUTH_DATA = Layout("Binding Authorization Data", 14, MOPT_HEAD + (
    F("mip6.bad.auth", "Authenticator", 2, 12, "hex", "authenticator"),))

# --- ICMPv6 (RFC 4443, RFC 4861, RFC 5380 s.5) -----------------------------------------------

ICMPV6 = Layout("ICMPv6 header", 4, (
    F("icmpv6.type", "Type", 0, 1, names=ICMPV6_NAMES),
    F("icmpv6.code", "Code", 1, 1),
    F("icmpv6.checksum", "Checksum", 2, 2),
))
# The message bodies count from the octet after the checksum.
RA = Layout("Router Advertisement", 12, (
    F("icmpv6.nd.ra.cur_hop_limit", "Cur Hop Limit", 0, 1, attr="cur_hop_limit"),
    _flag("icmpv6.nd.ra.flag.m", "M", "managed address configuration", 1, 1, 0x80),
    _flag("icmpv6.nd.ra.flag.o", "O", "other configuration", 1, 1, 0x40),
    _flag("icmpv6.nd.ra.flag.h", "H", "home agent, RFC 6275 s.7.1", 1, 1, 0x20),
    F("icmpv6.nd.ra.flag.prf", "Router Preference", 1, 1, mask=0x18),
    F("icmpv6.nd.ra.flag.rsv", "Reserved", 1, 1, "reserved", mask=0x03),
    F("icmpv6.nd.ra.router_lifetime", "Router Lifetime", 2, 2, attr="router_lifetime_s",
      unit=_S),
    F("icmpv6.nd.ra.reachable_time", "Reachable Time", 4, 4, attr="reachable_time_ms",
      unit=" ms"),
    F("icmpv6.nd.ra.retrans_timer", "Retrans Timer", 8, 4, attr="retrans_timer_ms",
      unit=" ms"),
))
RS = Layout("Router Solicitation", 4, (F("icmpv6.reserved", "Reserved", 0, 4, "reserved"),))
ECHO = Layout("Echo", 4, (
    F("icmpv6.echo.identifier", "Identifier", 0, 2, attr="ident", fmt="0x{0:04x} ({0})"),
    F("icmpv6.echo.sequence_number", "Sequence", 2, 2, attr="seq"),
))
PARAM_PROBLEM = Layout("Parameter Problem", 4, (
    F("icmpv6.pointer", "Pointer", 0, 4, attr="pointer"),))
PACKET_TOO_BIG = Layout("Packet Too Big", 4, (F("icmpv6.mtu", "MTU", 0, 4, attr="mtu"),))
TIME_EXCEEDED = Layout("Time Exceeded", 4, (F("icmpv6.reserved", "Unused", 0, 4, "reserved"),))

ND_HEAD = (F("icmpv6.opt.type", "Type", 0, 1), F("icmpv6.opt.length", "Length", 1, 1))
SLLA = Layout("Source link-layer address option", 8, ND_HEAD + (
    F("icmpv6.opt.src_linkaddr", "Link-layer address", 2, 6, "mac"),))
PREFIX_INFO = Layout("Prefix Information option", 32, ND_HEAD + (
    F("icmpv6.opt.prefix.length", "Prefix Length", 2, 1),
    _flag("icmpv6.opt.prefix.flag.l", "L", "on-link", 3, 1, 0x80, "on_link"),
    _flag("icmpv6.opt.prefix.flag.a", "A", "autonomous address configuration", 3, 1, 0x40,
          "autonomous"),
    _flag("icmpv6.opt.prefix.flag.r", "R", "router address, RFC 6275 s.7.2", 3, 1, 0x20),
    F("icmpv6.opt.prefix.flag.reserved", "Reserved1", 3, 1, "reserved", mask=0x1F),
    F("icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", 4, 4, attr="valid_lifetime_s",
      unit=_S),
    F("icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime", 8, 4,
      attr="preferred_lifetime_s", unit=_S),
    F("icmpv6.opt.reserved", "Reserved2", 12, 4, "reserved"),
    F("icmpv6.opt.prefix", "Prefix", 16, 16, "address"),
))
MAP = Layout("MAP option", 24, ND_HEAD + (
    F("icmpv6.opt.map.distance", "Dist", 2, 1, attr="dist", mask=0xF0),
    F("icmpv6.opt.map.preference", "Pref", 2, 1, attr="pref", mask=0x0F),
    _flag("icmpv6.opt.map.flag.r", "R", "RCoA allocated by the MAP, RFC 4877", 3, 1, 0x80, "r"),
    F("icmpv6.opt.map.flag.reserved", "Reserved", 3, 1, "reserved", mask=0x7F),
    F("icmpv6.opt.map.valid_lifetime", "Valid Lifetime", 4, 4, attr="valid_lifetime_s",
      unit=_S),
    F("icmpv6.opt.map.global_address", "Global Address for MAP", 8, 16, "address",
      "map_address"),
))

# --- UDP and ESP ------------------------------------------------------------------------------

UDP = Layout("UDP header", 8, (
    F("udp.srcport", "Source Port", 0, 2, attr="sport"),
    F("udp.dstport", "Destination Port", 2, 2, attr="dport"),
    F("udp.length", "Length", 4, 2),
    F("udp.checksum", "Checksum", 6, 2),
))
ESP = Layout("ESP header", 8, (
    F("esp.spi", "SPI", 0, 4, fmt="0x{0:08x}"),
    F("esp.sequence", "Sequence Number", 4, 4),
))

#: Every table, for the tests that check them against Wireshark and scapy.
LAYOUTS: dict[str, Layout] = {
    "ipv6": IPV6, "rh2": RH2, "dstopts": DSTOPTS, "hao": HAO, "mh": MH, "bu": BU, "ba": BA,
    "be": BE, "brr": BRR, "hoti": HOTI, "coti": COTI, "hot": HOT, "cot": COT, "bra": BRA,
    "altcoa": ALTCOA, "nonce_indices": NONCE_INDICES, "auth_data": AUTH_DATA,
    "icmpv6": ICMPV6, "ra": RA, "rs": RS, "echo": ECHO, "param_problem": PARAM_PROBLEM,
    "packet_too_big": PACKET_TOO_BIG, "time_exceeded": TIME_EXCEEDED, "slla": SLLA,
    "prefix_info": PREFIX_INFO, "map": MAP, "udp": UDP, "esp": ESP,
}
