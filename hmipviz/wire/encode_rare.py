"""The ``struct`` encoding of the messages a run sends rarely: Binding Error, Binding
Refresh Request, the return-routability tests (HoTI, CoTI, HoT, CoT), Mobility Headers of
unknown type, and the ICMPv6 errors (Parameter Problem, Packet Too Big, Time Exceeded).

Why hand-written although they are rare: before this module they went through scapy,
and the first one a run or the window met imported scapy, about 44 MB of resident memory
and a noticeable pause, for a handful of packets (issue 9). scapy stays the reference:
tests/wire/test_encode_rare.py and test_codec.py check these bytes against
:func:`~hmipviz.wire.encode.encode_with_scapy` for every type and random field values.

Layouts: RFC 6275 s.6.1.2-6.1.6 and s.6.1.9 (every message here is already a multiple
of 8 octets, so no padding), RFC 4443 s.3.2-3.4. Checksums use the same pseudo-header
as the hot messages (HAO address as source, RH2 address as destination).
"""

from __future__ import annotations

import struct

from hmipviz.engine.messages import (
    MH_BE,
    MH_BRR,
    MH_COT,
    MH_COTI,
    MH_HOT,
    MH_HOTI,
    NH_ICMPV6,
    NH_MOBILITY,
    NH_NONE,
    BindingError,
    BindingRefreshRequest,
    CareofTest,
    CareofTestInit,
    HomeTest,
    HomeTestInit,
    Packet,
    PacketTooBig,
    ParameterProblem,
    TimeExceeded,
    UnknownMobility,
)

from .common import (
    ICMPV6_PACKET_TOO_BIG,
    ICMPV6_PARAM_PROBLEM,
    ICMPV6_TIME_EXCEEDED,
    internet_checksum,
)
from .validate import need

__all__ = ["rare_upper"]

_MH_FIXED = struct.Struct("!BBBBH")  # Payload Proto, Header Len, MH Type, Reserved, Checksum
_ICMP_ERROR = struct.Struct("!BBHI")  # Type, Code, Checksum, the 32-bit word after it


def _checksummed(p: Packet, nh: int, upper: bytes, at: int) -> bytes:
    ck = internet_checksum(p.home_source, p.final_destination, nh, upper)
    return upper[:at] + struct.pack("!H", ck) + upper[at + 2:]


def _mh(p: Packet, mh_type: int, body: bytes) -> tuple[int, bytes]:
    """A Mobility Header around ``body`` (whose 6 + len is a multiple of 8)."""
    need(6 + len(body) <= 8 * 256, "Mobility Header too long for its Header Len field "
         "(over 2,048 octets)")
    fixed = _MH_FIXED.pack(NH_NONE, (6 + len(body)) // 8 - 1, mh_type, 0, 0)
    return NH_MOBILITY, _checksummed(p, NH_MOBILITY, fixed + body, 4)


def _icmp_error(p: Packet, icmp_type: int, code: int, word: int,
                invoking: bytes) -> tuple[int, bytes]:
    icmp = _ICMP_ERROR.pack(icmp_type, code, 0, word) + invoking
    return NH_ICMPV6, _checksummed(p, NH_ICMPV6, icmp, 2)


def rare_upper(p: Packet) -> tuple[int, bytes] | None:
    """(Next Header, upper-layer bytes) for the rare payloads; None for anything else."""
    pl = p.payload
    if isinstance(pl, (HomeTestInit, CareofTestInit)):  # s.6.1.3, s.6.1.4
        mh_type = MH_HOTI if isinstance(pl, HomeTestInit) else MH_COTI
        return _mh(p, mh_type, bytes(2) + pl.cookie)
    if isinstance(pl, (HomeTest, CareofTest)):  # s.6.1.5, s.6.1.6
        mh_type = MH_HOT if isinstance(pl, HomeTest) else MH_COT
        return _mh(p, mh_type, struct.pack("!H", pl.nonce_index) + pl.cookie + pl.token)
    if isinstance(pl, BindingError):  # s.6.1.9
        return _mh(p, MH_BE, bytes((pl.status, 0)) + pl.home_address.packed)
    if isinstance(pl, BindingRefreshRequest):  # s.6.1.2
        return _mh(p, MH_BRR, bytes(2))
    if isinstance(pl, UnknownMobility):
        return _mh(p, pl.mh_type, pl.data)
    if isinstance(pl, ParameterProblem):  # RFC 4443 s.3.4
        return _icmp_error(p, ICMPV6_PARAM_PROBLEM, pl.code, pl.pointer, pl.invoking)
    if isinstance(pl, PacketTooBig):  # RFC 4443 s.3.2
        return _icmp_error(p, ICMPV6_PACKET_TOO_BIG, 0, pl.mtu, pl.invoking)
    if isinstance(pl, TimeExceeded):  # RFC 4443 s.3.3: the word is Unused
        return _icmp_error(p, ICMPV6_TIME_EXCEEDED, pl.code, 0, pl.invoking)
    return None
