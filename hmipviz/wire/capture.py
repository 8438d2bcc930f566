"""pcapng export of a simulated run, so the very bytes the nodes exchanged open in Wireshark.

A small writer of our own (the pcapng format, draft-ietf-opsawg-pcapng), written with
``struct`` block by block, so a run streams its capture as it goes and the file never
has to be held in memory. One section, little-endian:

- a Section Header Block naming the application (``shb_userappl``: hmipviz and its
  version) and, when given, a comment (the CLI puts the scenario, mode and seed there);
  no hardware or OS strings, so the same run gives the same bytes on any machine;
- one Interface Description Block per simulated link (``if_name`` after its two nodes,
  e.g. ``MAP1-AR1``; ``if_tsresol`` = 9: nanosecond timestamps), written just before
  the first packet on that link, so interfaces are numbered in first-use order;
- one Enhanced Packet Block per packet hop: the simulated time, an Ethernet frame with
  stable made-up MAC addresses (so Wireshark dissects it like a real capture) around
  the IPv6 datagram, and an ``opt_comment`` saying what the packet is and why.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import BinaryIO

# The engine puts the same addresses in the Source Link-Layer Address options it sends.
from ..engine.addresses import mac_address, multicast_mac
from ..fileio import OutputSet

__all__ = ["CaptureRecord", "PcapNgWriter", "mac_address", "write_pcapng"]

ETHERTYPE_IPV6 = 0x86DD
LINKTYPE_ETHERNET = 1
SNAPLEN = 262_144  # more than the largest IPv6 packet plus its Ethernet header
TICKS_PER_S = 1_000_000_000  # if_tsresol = 9: timestamps count nanoseconds

# block types (pcapng s.4)
SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
# option codes (pcapng s.3.5, s.4.1, s.4.2)
OPT_ENDOFOPT, OPT_COMMENT = 0, 1
SHB_USERAPPL = 4
IF_NAME, IF_TSRESOL = 2, 9


@dataclass(frozen=True)
class CaptureRecord:
    """One packet seen on one link at simulated time ``t_s``."""

    t_s: float
    link: str  # interface name in the capture, e.g. "MAP1-AR1"
    sender: str  # node names; they pick the Ethernet addresses
    receiver: str
    data: bytes  # the IPv6 datagram exactly as the receiver processed it
    comment: str = ""


def _pad4(n: int) -> int:
    return -n % 4


def _option(code: int, value: bytes) -> bytes:
    """One option: code, length, value padded to 32 bits (pcapng s.3.5)."""
    if len(value) > 0xFFFF:
        value = value[:0xFFFF]
    return struct.pack("<HH", code, len(value)) + value + b"\0" * _pad4(len(value))


def _options(items: list[tuple[int, bytes]]) -> bytes:
    """An option list ended by opt_endofopt; no options, no list at all."""
    if not items:
        return b""
    return b"".join(_option(code, value) for code, value in items) + \
        struct.pack("<HH", OPT_ENDOFOPT, 0)


def _block(block_type: int, body: bytes) -> bytes:
    """Type, total length, body (already a multiple of 4 octets), total length again."""
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def _ticks(t_s: float) -> int:
    """Simulated seconds as a whole number of nanoseconds (rounded, not truncated:
    1.001 s is 1,001,000,000 ns although 1.001 * 10**9 is a hair below it)."""
    if isinstance(t_s, bool) or not isinstance(t_s, (int, float)) or not math.isfinite(t_s) \
            or t_s < 0:
        raise ValueError(f"capture time must be a finite number of seconds >= 0, got {t_s!r}")
    return round(t_s * TICKS_PER_S)


def _mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


class PcapNgWriter:
    """Writes one pcapng section to a binary stream, packet by packet.

    The section header goes out at once; each link's interface block goes out before
    its first packet. The writer holds nothing per packet, only the link table and a
    cache of Ethernet headers, so memory does not grow with the length of the run.
    """

    def __init__(self, stream: BinaryIO, *, application: str | None = None,
                 comment: str | None = None) -> None:
        self._write = stream.write
        self._interfaces: dict[str, int] = {}
        self._headers: dict[tuple[str, str, str, bytes], bytes] = {}
        self.count = 0
        if application is None:
            from .. import __version__
            application = f"hmipviz {__version__}"
        options = [(OPT_COMMENT, comment.encode("utf-8"))] if comment else []
        options.append((SHB_USERAPPL, application.encode("utf-8")))
        # byte-order magic, version 1.0, section length -1 (not known while streaming)
        body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + _options(options)
        self._write(_block(SHB, body))

    def _interface(self, link: str) -> int:
        if_id = self._interfaces.get(link)
        if if_id is None:
            if_id = self._interfaces[link] = len(self._interfaces)
            body = struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN) + _options(
                [(IF_NAME, link.encode("utf-8")), (IF_TSRESOL, bytes([9]))])
            self._write(_block(IDB, body))
        return if_id

    def _ethernet(self, record: CaptureRecord) -> bytes:
        """RFC 2464: destination, source, EtherType 0x86DD; multicast to 33:33 plus the
        group's last 32 bits (s.7)."""
        data = record.data
        group = data[24:40] if len(data) >= 40 and data[0] >> 4 == 6 and data[24] == 0xFF \
            else b""
        key = (record.link, record.sender, record.receiver, group)
        header = self._headers.get(key)
        if header is None:
            dst = multicast_mac(IPv6Address(group)) if group else \
                mac_address(record.receiver, record.link)
            header = _mac_bytes(dst) + _mac_bytes(mac_address(record.sender, record.link)) + \
                struct.pack("!H", ETHERTYPE_IPV6)
            if len(self._headers) < 4096:
                self._headers[key] = header
        return header

    def write(self, record: CaptureRecord) -> None:
        """One Enhanced Packet Block (pcapng s.4.3)."""
        if not isinstance(record, CaptureRecord):
            raise TypeError(f"expected CaptureRecord, got {type(record).__name__}")
        if not isinstance(record.data, bytes):
            raise TypeError("CaptureRecord.data must be bytes")
        ticks = _ticks(record.t_s)
        if_id = self._interface(record.link)
        frame = self._ethernet(record) + record.data
        options = _options([(OPT_COMMENT, record.comment.encode("utf-8"))]
                           if record.comment else [])
        body = struct.pack("<IIIII", if_id, ticks >> 32, ticks & 0xFFFFFFFF, len(frame),
                           len(frame)) + frame + b"\0" * _pad4(len(frame)) + options
        self._write(_block(EPB, body))
        self.count += 1


def write_pcapng(path: str | os.PathLike[str], records: Iterable[CaptureRecord], *,
                 application: str | None = None, comment: str | None = None) -> int:
    """Write ``records`` to ``path`` as pcapng; return how many packets were written.

    Atomic for a regular file: the capture goes to a temporary file beside ``path``
    that replaces it only once complete; on any error the temporary file is removed
    and the error re-raised. A FIFO, a device or ``-`` is written directly.
    """
    with OutputSet() as outputs:
        writer = PcapNgWriter(outputs.add(path), application=application, comment=comment)
        for record in records:
            writer.write(record)
        outputs.commit()
    return writer.count
