"""The packet inspector's tree: a Wireshark-like :class:`FieldNode` per layer and field,
with exact byte ranges and Wireshark's field names as keys; it never raises.

It walks the same header chain as the strict decoder, leniently: what it cannot follow
ends in a ``malformed`` node, and what it can still read is shown. The fixed parts come
from the field tables in :mod:`.fields`; tests/wire/test_dissect_pdml.py checks every
name, offset and size against tshark's PDML for every message of every built-in.
"""

from __future__ import annotations

from ipaddress import IPv6Address

from hmipviz.engine.messages import (
    MH_BA,
    MH_BE,
    MH_BRR,
    MH_BU,
    MH_COT,
    MH_COTI,
    MH_HOT,
    MH_HOTI,
    NH_ESP,
    NH_ICMPV6,
    NH_IPV6,
    NH_MOBILITY,
    NH_NONE,
    NH_UDP,
)

from . import fields as f
from .common import (
    DSTOPT_HAO,
    DSTOPT_PAD1,
    DSTOPT_PADN,
    ICMPV6_ECHO_REPLY,
    ICMPV6_ECHO_REQUEST,
    ICMPV6_PACKET_TOO_BIG,
    ICMPV6_PARAM_PROBLEM,
    ICMPV6_RA,
    ICMPV6_RS,
    ICMPV6_TIME_EXCEEDED,
    MAX_TUNNEL_DEPTH,
    MHOPT_ALTCOA,
    MHOPT_AUTH_DATA,
    MHOPT_BRA,
    MHOPT_NONCE_INDICES,
    MHOPT_PAD1,
    MHOPT_PADN,
    ND_OPT_MAP,
    ND_OPT_PREFIX_INFO,
    ND_OPT_SOURCE_LLADDR,
    NH_DSTOPT,
    NH_ROUTING,
    checksum_ok,
    internet_checksum,
    mac_text,
)
from .decode import MH_MIN_LEN
from .esp import ICV_OCTETS
from .fields import FieldNode

__all__ = ["FieldNode", "dissect"]

# MH Type -> (table of the message's fixed part, what Wireshark calls its subtree)
_MH_LAYOUTS = {MH_BU: f.BU, MH_BA: f.BA, MH_BE: f.BE, MH_BRR: f.BRR, MH_HOTI: f.HOTI,
               MH_COTI: f.COTI, MH_HOT: f.HOT, MH_COT: f.COT}
# Mobility option type -> (table, Wireshark's name for the option, its length octet)
_MOBILITY_OPTIONS = {MHOPT_BRA: (f.BRA, "mip6.options.bra", 2),
                     MHOPT_ALTCOA: (f.ALTCOA, "mip6.options.acoa", 16),
                     MHOPT_NONCE_INDICES: (f.NONCE_INDICES, "mip6.options.ni", 4)}
# ICMPv6 type -> table of what follows the checksum
_ICMPV6_LAYOUTS = {ICMPV6_RA: f.RA, ICMPV6_RS: f.RS, ICMPV6_ECHO_REQUEST: f.ECHO,
                   ICMPV6_ECHO_REPLY: f.ECHO, ICMPV6_PARAM_PROBLEM: f.PARAM_PROBLEM,
                   ICMPV6_PACKET_TOO_BIG: f.PACKET_TOO_BIG,
                   ICMPV6_TIME_EXCEEDED: f.TIME_EXCEEDED}


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

    def __enter__(self) -> _Layer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.out.append(FieldNode(self.label, self.key, self.start, self.end, tuple(self.children)))


def _nh_text(nh: int) -> str:
    return f"{f.NH_NAMES.get(nh, 'unknown')} ({nh})"


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
        header = f.IPV6
        version = header.field("ipv6.version").raw(d, off)
        plen = header.field("ipv6.plen").raw(d, off)
        nh = header.field("ipv6.nxt").raw(d, off)
        src, dst = IPv6Address(d[off + 8:off + 24]), IPv6Address(d[off + 24:off + 40])
        title = "Internet Protocol Version 6" + (" (encapsulated)" if depth else "")
        claimed_end = off + 40 + plen
        end = min(claimed_end, limit)
        plen_note = "" if claimed_end == limit else (
            f" [only {limit - off - 40} bytes follow]" if claimed_end > limit
            else f" [{limit - claimed_end} bytes more follow]")
        pos, ph_src, ph_dst = off + 40, src, dst
        # As in Wireshark, the IPv6 layer holds its routing and destination options
        # headers; it ends where the upper layer starts.
        with _Layer(self.out, f"{title}, Src: {src}, Dst: {dst}", "ipv6", off, off + 40) as L:
            L.children += f.nodes(header, d, off, {
                "ipv6.version": f"Version: {version}" + ("" if version == 6 else " [not 6]"),
                "ipv6.plen": f"Payload Length: {plen}{plen_note}",
                "ipv6.nxt": f"Next Header: {_nh_text(nh)}"})
            while nh in (NH_ROUTING, NH_DSTOPT):
                L.end = end  # holds a header cut short, until it is parsed
                if nh == NH_ROUTING:
                    nh, pos, home = self.routing(L.children, pos, end)
                    if home is not None:
                        ph_dst = home
                else:
                    nh, pos, hoa = self.dstopt(L.children, pos, end)
                    if hoa is not None:
                        ph_src = hoa
                L.end = min(pos, end)
        self.upper(nh, pos, end, ph_src, ph_dst, depth)
        if claimed_end > limit:
            raise _Malformed("IPv6 payload truncated (Payload Length too large)", limit)
        if claimed_end < limit and depth == 0:
            self.out.append(FieldNode(f"Trailing bytes ({limit - claimed_end})", "trailer",
                                      claimed_end, limit))

    def routing(self, out: list[FieldNode], off: int,
                limit: int) -> tuple[int, int, IPv6Address | None]:
        d = self.data
        self.need(off, 8, limit, "routing header")
        nxt, ext_len, rtype, segleft = d[off:off + 4]
        end = off + 8 * (ext_len + 1)
        label = ("Routing Header, Type 2 (Mobile IPv6)" if rtype == 2
                 else f"Routing Header, Type {rtype}")
        home = None
        with _Layer(out, label, "ipv6.routing", off, min(end, limit)) as L:
            L.children += f.nodes(f.ROUTING, d, off, {
                "ipv6.routing.nxt": f"Next Header: {_nh_text(nxt)}",
                "ipv6.routing.len": f"Hdr Ext Len: {ext_len} ({8 * (ext_len + 1)} bytes)"
                                    + ("" if rtype != 2 or ext_len == 2 else " [must be 2]")})
            self.need(off, end - off, limit, "routing header")
            if rtype == 2 and ext_len == 2:
                L.children += f.nodes(f.RH2, d, off)[len(f.ROUTING.fields):]
                if segleft:
                    home = IPv6Address(d[off + 8:off + 24])
            else:
                L.add(f"Type-specific data ({end - off - 4} bytes)", "ipv6.routing.unknown_data",
                      off + 4, end)
        return nxt, end, home

    def dstopt(self, out: list[FieldNode], off: int,
               limit: int) -> tuple[int, int, IPv6Address | None]:
        d = self.data
        self.need(off, 2, limit, "destination options header")
        nxt, ext_len = d[off], d[off + 1]
        end = off + 8 * (ext_len + 1)
        hoa = None
        with _Layer(out, "Destination Options Header", "ipv6.dstopts", off,
                    min(end, limit)) as L:
            L.children += f.nodes(f.DSTOPTS, d, off, {
                "ipv6.dstopts.nxt": f"Next Header: {_nh_text(nxt)}",
                "ipv6.dstopts.len": f"Hdr Ext Len: {ext_len} ({end - off} bytes)"})
            self.need(off, end - off, limit, "destination options header")
            pos = off + 2
            while pos < end:
                opt_type = d[pos]
                if opt_type == DSTOPT_PAD1:
                    L.add("Pad1", "ipv6.opt.pad1", pos, pos + 1)
                    pos += 1
                    continue
                self.need(pos, 2, end, "destination option")
                opt_len = d[pos + 1]
                self.need(pos, 2 + opt_len, end, "destination option")
                stop = pos + 2 + opt_len
                head = tuple(f.nodes(f.OPTION_HEAD, d, pos, {
                    "ipv6.opt.type": f"Type: 0x{opt_type:02x}"}))
                if opt_type == DSTOPT_PADN:
                    data = (FieldNode(f"PadN: {d[pos + 2:stop].hex()}", "ipv6.opt.padn",
                                      pos + 2, stop),) if opt_len else ()
                    L.add(f"PadN ({2 + opt_len} bytes)", "ipv6.opt", pos, stop, head + data)
                elif opt_type == DSTOPT_HAO and opt_len == 16:
                    hoa = IPv6Address(d[pos + 2:pos + 18])
                    L.add(f"Home Address Option: {hoa}", "ipv6.opt", pos, stop, tuple(
                        f.nodes(f.HAO, d, pos, {"ipv6.opt.type": "Type: Home Address (0xc9)"})))
                else:
                    L.add(f"Option 0x{opt_type:02x} ({opt_len} bytes of data)", "ipv6.opt",
                          pos, stop, head + (FieldNode("Unknown Option Payload", "ipv6.opt.unknown",
                                                       pos + 2, stop),))
                pos = stop
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
            self.out.append(FieldNode(f"Data: {_nh_text(nh)}, {end - off} bytes", "data.data",
                                      off, end))

    def esp(self, off: int, end: int, src: IPv6Address, dst: IPv6Address, depth: int) -> None:
        """ESP with NULL encryption (what the engine sends): the payload is readable, so
        it is dissected between the ESP header and the trailer (RFC 4303 s.2)."""
        d = self.data
        if end - off < 8 + 2 + ICV_OCTETS:  # too short for ESP as the engine sends it
            self.out.append(FieldNode(f"Data: {_nh_text(NH_ESP)}, {end - off} bytes",
                                      "data.data", off, end))
            return
        spi = f.ESP.field("esp.spi").raw(d, off)
        seq = f.ESP.field("esp.sequence").raw(d, off)
        trailer = end - ICV_OCTETS - 2
        pad_len = d[trailer] if trailer >= off + 8 else 0
        inner_nh = d[trailer + 1] if trailer >= off + 8 else NH_NONE
        body_end = trailer - pad_len
        readable = trailer >= off + 8 and body_end >= off + 8 and inner_nh in (
            NH_MOBILITY, NH_ICMPV6, NH_UDP, NH_IPV6)
        with _Layer(self.out, f"Encapsulating Security Payload, SPI: 0x{spi:08x}, Seq: {seq}",
                    "esp", off, off + 8) as L:
            L.children += f.nodes(f.ESP, d, off)
        if not readable:
            self.out.append(FieldNode(f"ESP payload, trailer and ICV ({end - off - 8} bytes)",
                                      "esp.encrypted_data", off + 8, end))
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
        if stored == correct or checksum_ok(src, dst, nh, body):
            return f"Checksum: 0x{stored:04x} [correct]"
        return f"Checksum: 0x{stored:04x} [incorrect, should be 0x{correct:04x}]"

    def mobility(self, off: int, limit: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 6, limit, "mobility header")
        proto, hlen, mh_type = d[off:off + 3]
        end = off + 8 * (hlen + 1)
        name = f.MH_NAMES.get(mh_type, f"unknown MH Type {mh_type}")
        with _Layer(self.out, f"Mobility Header: {name}", "mipv6", off, min(end, limit)) as L:
            stored = f.MH.field("mip6.csum").raw(d, off)
            L.children += f.nodes(f.MH, d, off, {
                "mip6.proto": f"Payload Proto: {_nh_text(proto)}"
                              + ("" if proto == NH_NONE else " [must be 59]"),
                "mip6.hlen": f"Header Len: {hlen} ({end - off} bytes)",
                "mip6.mhtype": f"MH Type: {name} ({mh_type})",
                "mip6.csum": (self.checksum_label(stored, off, end, NH_MOBILITY, src, dst, 4)
                              if end <= limit
                              else f"Checksum: 0x{stored:04x} [unverified, truncated]")})
            self.need(off, end - off, limit, f"{name} (Header Len says {end - off} bytes)")
            m = off + 6
            opts_at = off + MH_MIN_LEN.get(mh_type, end - off)
            self.need(off, opts_at - off, end, f"{name} (too short for its MH Type)")
            layout = _MH_LAYOUTS.get(mh_type)
            if layout is None:
                L.add(f"Message Data ({end - m} bytes)", "mip6.unknown_type_data", m, end)
                return
            L.children += f.nodes(layout, d, m)
            self.mobility_options(L, opts_at, end)

    def mobility_options(self, L: _Layer, pos: int, end: int) -> None:
        d = self.data
        while pos < end:
            opt_type = d[pos]
            if opt_type == MHOPT_PAD1:
                L.add("Pad1", "mip6.options.pad1", pos, pos + 1)
                pos += 1
                continue
            self.need(pos, 2, end, "mobility option")
            opt_len = d[pos + 1]
            self.need(pos, 2 + opt_len, end, "mobility option")
            stop = pos + 2 + opt_len
            head = tuple(FieldNode(f"{x.label}: {x.raw(d, pos)}", x.key, pos + x.offset,
                                   pos + x.offset + 1) for x in f.MOPT_HEAD)
            known = _MOBILITY_OPTIONS.get(opt_type)
            if opt_type == MHOPT_PADN:
                data = (FieldNode(f"PadN: {d[pos + 2:stop].hex()}", "mip6.padn", pos + 2, stop),
                        ) if opt_len else ()
                L.add(f"PadN ({2 + opt_len} bytes)", "mip6.options.padn", pos, stop, head + data)
            elif known is not None and opt_len == known[2]:
                layout, key, _ = known
                L.add(layout.name if layout is not f.ALTCOA
                      else f"Alternate Care-of Address: {IPv6Address(d[pos + 2:stop])}",
                      key, pos, stop, tuple(f.nodes(layout, d, pos)))
            elif opt_type == MHOPT_AUTH_DATA:
                L.add("Binding Authorization Data", "mip6.options.bad_auth", pos, stop, head + (
                    FieldNode(f"Authenticator: {d[pos + 2:stop].hex()}", "mip6.bad.auth",
                              pos + 2, stop),))
            else:
                L.add(f"Mobility option {opt_type} ({opt_len} bytes of data)",
                      "mip6.mobility_opt", pos, stop, head)
            pos = stop

    def icmpv6(self, off: int, end: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 4, end, "ICMPv6 header")
        icmp_type = d[off]
        name = f.ICMPV6_NAMES.get(icmp_type, f"type {icmp_type}")
        layout = _ICMPV6_LAYOUTS.get(icmp_type)
        with _Layer(self.out, f"Internet Control Message Protocol v6: {name}", "icmpv6", off,
                    end) as L:
            stored = f.ICMPV6.field("icmpv6.checksum").raw(d, off)
            L.children += f.nodes(f.ICMPV6, d, off, {
                "icmpv6.type": f"Type: {name} ({icmp_type})",
                "icmpv6.checksum": self.checksum_label(stored, off, end, NH_ICMPV6, src, dst, 2)})
            if layout is None:
                if end > off + 4:
                    L.add(f"Message body ({end - off - 4} bytes)", "icmpv6.unknown_data",
                          off + 4, end)
                return
            self.need(off, 4 + layout.size, end, name)
            b = off + 4
            L.children += f.nodes(layout, d, b)
            rest = b + layout.size
            if icmp_type in (ICMPV6_RA, ICMPV6_RS):
                self.nd_options(L, rest, end)
            elif end > rest and icmp_type in (ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY):
                L.add(f"Data ({end - rest} bytes)", "data.data", rest, end)
            elif end > rest:
                L.add(f"Invoking packet ({end - rest} bytes)", "icmpv6.invoking_packet", rest, end)

    def nd_options(self, L: _Layer, pos: int, end: int) -> None:
        d = self.data
        while pos < end:
            self.need(pos, 2, end, "neighbour discovery option")
            opt_type, units = d[pos], d[pos + 1]
            if units == 0:
                raise _Malformed("neighbour discovery option with length 0", pos)
            stop = pos + 8 * units
            self.need(pos, stop - pos, end, "neighbour discovery option")
            length = f"Length: {units} ({8 * units} bytes)"
            if opt_type == ND_OPT_MAP and units == 3:
                dist = f.MAP.field("icmpv6.opt.map.distance").raw(d, pos)
                pref = f.MAP.field("icmpv6.opt.map.preference").raw(d, pos)
                valid = f.MAP.field("icmpv6.opt.map.valid_lifetime").raw(d, pos)
                address = IPv6Address(d[pos + 8:pos + 24])
                L.add(f"ICMPv6 Option: MAP: {address} (Dist {dist}, Pref {pref})", "icmpv6.opt",
                      pos, stop, tuple(f.nodes(f.MAP, d, pos, {
                          "icmpv6.opt.type": "Type: MAP (23)", "icmpv6.opt.length": length,
                          "icmpv6.opt.map.distance": f"Dist: {dist}"
                                                     + (" [must not be 0]" if dist == 0 else ""),
                          "icmpv6.opt.map.valid_lifetime":
                              f"Valid Lifetime: {valid} s" + (" (MAP failed)" if valid == 0 else "")
                      })))
            elif opt_type == ND_OPT_PREFIX_INFO and units == 4:
                plen = f.PREFIX_INFO.field("icmpv6.opt.prefix.length").raw(d, pos)
                L.add(f"ICMPv6 Option: Prefix information: {IPv6Address(d[pos + 16:pos + 32])}"
                      f"/{plen}", "icmpv6.opt", pos, stop, tuple(f.nodes(f.PREFIX_INFO, d, pos, {
                          "icmpv6.opt.type": "Type: Prefix information (3)",
                          "icmpv6.opt.length": length})))
            elif opt_type == ND_OPT_SOURCE_LLADDR and units == 1:
                L.add(f"ICMPv6 Option: Source link-layer address: {mac_text(d[pos + 2:stop])}",
                      "icmpv6.opt", pos, stop, tuple(f.nodes(f.SLLA, d, pos, {
                          "icmpv6.opt.type": "Type: Source link-layer address (1)",
                          "icmpv6.opt.length": length})))
            else:
                L.add(f"ICMPv6 Option: type {opt_type} ({8 * units} bytes)", "icmpv6.opt",
                      pos, stop, (FieldNode(f"Type: {opt_type}", "icmpv6.opt.type", pos, pos + 1),
                                  FieldNode(length, "icmpv6.opt.length", pos + 1, pos + 2),
                                  FieldNode("Data", "icmpv6.unknown_data", pos + 2, stop)))
            pos = stop

    def udp(self, off: int, end: int, src: IPv6Address, dst: IPv6Address) -> None:
        d = self.data
        self.need(off, 8, end, "UDP header")
        sport = f.UDP.field("udp.srcport").raw(d, off)
        dport = f.UDP.field("udp.dstport").raw(d, off)
        length = f.UDP.field("udp.length").raw(d, off)
        stored = f.UDP.field("udp.checksum").raw(d, off)
        with _Layer(self.out, f"User Datagram Protocol, Src Port: {sport}, Dst Port: {dport}",
                    "udp", off, off + 8) as L:
            L.children += f.nodes(f.UDP, d, off, {
                "udp.length": f"Length: {length}"
                              + ("" if length == end - off else f" [payload is {end - off}]"),
                "udp.checksum": ("Checksum: 0x0000 [missing, mandatory over IPv6]" if stored == 0
                                 else self.checksum_label(stored, off, end, NH_UDP, src, dst, 6))})
        if end > off + 8:
            self.out.append(FieldNode(f"Data ({end - off - 8} bytes)", "data.data", off + 8, end))


def dissect(data: bytes) -> tuple[FieldNode, ...]:
    """The inspector's tree: one top-level node per layer, fields with byte ranges.

    Never raises: on bytes it cannot follow it returns what it parsed and a final
    ``malformed`` node covering the rest.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return (FieldNode(f"Malformed packet: not bytes ({type(data).__name__})", "malformed",
                          0, 0),)
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
