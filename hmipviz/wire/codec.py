"""Engine packets <-> real IPv6 bytes, and the byte-range tree the inspector shows.

The wire layer (with ``capture.py``) is the only place that imports scapy
(docs/architecture.md, "Layering"). This module is its front door; the work is
done in:

* :mod:`.encode` - :func:`encode`, the ``struct`` fast path, and
  :func:`encode_with_scapy`, the scapy reference it is checked against;
* :mod:`.validate` - what cannot go on the wire, before either encoder runs;
* :mod:`.decode` - :func:`decode`, strict: anything a receiver must drop raises
  :class:`DecodeError` and nothing else ever escapes;
* :mod:`.dissect` - :func:`dissect`, the Wireshark-like tree of :class:`FieldNode`
  with exact byte ranges and Wireshark's field names, for the packet inspector;
* :mod:`.fields` - one field table per message, which the decoder and the dissector
  both read; :mod:`.keys` - the dissector's old keys and their Wireshark names.

Every name this module exported before the split is still importable from here.
"""

from __future__ import annotations

from hmipviz.engine.messages import BindingAuthorizationData, Packet

from .common import (
    AUTHENTICATOR_OCTETS,
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
    LIFETIME_UNIT_S,
    MAX_LIFETIME_S,
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
    NH_HOP_BY_HOP,
    NH_ROUTING,
    DecodeError,
    EncodeError,
    internet_checksum,
)
from .decode import _decode_cached, decode
from .dissect import dissect
from .encode import _encode_cached, encode, encode_with_scapy, forget_last_encoded
from .fields import FieldNode

__all__ = [
    "AUTHENTICATOR_OCTETS", "DSTOPT_HAO", "DSTOPT_PAD1", "DSTOPT_PADN", "DecodeError",
    "EncodeError", "FieldNode", "ICMPV6_ECHO_REPLY", "ICMPV6_ECHO_REQUEST",
    "ICMPV6_PACKET_TOO_BIG", "ICMPV6_PARAM_PROBLEM", "ICMPV6_RA", "ICMPV6_RS",
    "ICMPV6_TIME_EXCEEDED", "LIFETIME_UNIT_S", "MAX_LIFETIME_S", "MAX_TUNNEL_DEPTH",
    "MHOPT_ALTCOA", "MHOPT_AUTH_DATA", "MHOPT_BRA", "MHOPT_NONCE_INDICES", "MHOPT_PAD1",
    "MHOPT_PADN", "ND_OPT_MAP", "ND_OPT_PREFIX_INFO", "ND_OPT_SOURCE_LLADDR", "NH_DSTOPT",
    "NH_HOP_BY_HOP", "NH_ROUTING", "_decode_cached", "_encode_cached", "decode", "dissect",
    "clear_caches", "encode", "encode_with_scapy", "internet_checksum", "mobility_data",
]


def clear_caches() -> None:
    """Forget the encoded and decoded packets kept for speed (up to 4,096 of each).

    For a window that drops a long history: entries made all through the run are
    scattered over the heap and pin memory the dropped history freed."""
    _encode_cached.cache_clear()
    _decode_cached.cache_clear()
    forget_last_encoded()


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
        raise EncodeError("mobility_data needs a BU or BA with one Binding Authorization Data "
                          "option")
    return bad[0].mobility_data
