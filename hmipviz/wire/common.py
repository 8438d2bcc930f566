"""What every part of the wire layer shares: protocol numbers the engine does not need,
the two error types, and the Internet checksum over the IPv6 pseudo-header."""

from __future__ import annotations

import struct
import sys
from array import array
from ipaddress import IPv6Address

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

IPV6_FIXED = struct.Struct("!IHBB")  # version/class/flow, payload length, next header, hops


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


def checksum_ok(src: IPv6Address, dst: IPv6Address, nh: int, upper: bytes) -> bool:
    """True when ``upper`` (checksum field filled in) sums to all ones."""
    return _ones_complement_sum(_pseudo_header(src, dst, len(upper), nh) + upper) == 0xFFFF


def mac_text(raw: bytes) -> str:
    """6 bytes -> '02:00:5e:10:00:01'."""
    return ":".join(f"{b:02x}" for b in raw)
