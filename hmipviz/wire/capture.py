"""pcapng export of a simulated run, so the very bytes the nodes exchanged open in Wireshark.

One pcapng interface per simulated link (named after it, e.g. ``MAP1-AR1``), one
comment per packet, timestamps from the simulated clock. Frames get an Ethernet
header with stable made-up MAC addresses so Wireshark dissects them like a real
capture. The file is written to a temporary name and renamed into place, so a
failure never leaves half a capture, and the same records always give the same
bytes (scapy's section header carries no hardware, OS or application strings).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from ipaddress import IPv6Address
from typing import Iterable

from scapy.data import DLT_EN10MB
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import PcapNgWriter

# The engine puts the same addresses in the Source Link-Layer Address options it sends.
from ..engine.addresses import mac_address, multicast_mac
from ..fileio import atomic_path

__all__ = ["CaptureRecord", "mac_address", "write_pcapng"]

ETHERTYPE_IPV6 = 0x86DD
_TICKS_PER_S = 1_000_000  # scapy writes no if_tsresol option: pcapng's default, microseconds


@dataclass(frozen=True)
class CaptureRecord:
    """One packet seen on one link at simulated time ``t_s``."""

    t_s: float
    link: str  # interface name in the capture, e.g. "MAP1-AR1"
    sender: str  # node names; they pick the Ethernet addresses
    receiver: str
    data: bytes  # the IPv6 datagram exactly as the receiver processed it
    comment: str = ""


def _destination_mac(record: CaptureRecord) -> str:
    """RFC 2464 s.7: IPv6 multicast goes to 33:33 plus the group's last 32 bits."""
    data = record.data
    if len(data) >= 40 and data[0] >> 4 == 6 and data[24] == 0xFF:
        return multicast_mac(IPv6Address(data[24:40]))
    return mac_address(record.receiver, record.link)


def _timestamp(t_s: float) -> Fraction:
    """Simulated seconds rounded to the nearest microsecond, exactly.

    scapy multiplies the time by 10**6 and truncates; a float such as 1.001 would
    lose a microsecond, a Fraction does not.
    """
    if not isinstance(t_s, (int, float)) or not math.isfinite(t_s) or t_s < 0:
        raise ValueError(f"capture time must be a finite number of seconds >= 0, got {t_s!r}")
    return Fraction(round(t_s * _TICKS_PER_S), _TICKS_PER_S)


class _LinkPcapNgWriter(PcapNgWriter):
    """scapy's pcapng writer without its unnamed interface 0.

    Stock PcapNgWriter writes an interface with no name in the file header and
    numbers named ones from 1; here the links are interfaces 0..n-1 in the order
    they first carry a packet.
    """

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.linktype = DLT_EN10MB
        self.interfaces2id = {None: -1}  # next id = max + 1 = 0

    def _write_header(self, pkt: object) -> None:
        if not self.header_present:
            self.header_present = True
            self._write_block_shb()


def _frame(record: CaptureRecord) -> Ether:
    if not isinstance(record, CaptureRecord):
        raise TypeError(f"expected CaptureRecord, got {type(record).__name__}")
    if not isinstance(record.data, bytes):
        raise TypeError("CaptureRecord.data must be bytes")
    frame = Ether(dst=_destination_mac(record), src=mac_address(record.sender, record.link),
                  type=ETHERTYPE_IPV6) / Raw(load=record.data)
    frame.time = record.t_s
    frame.sniffed_on = record.link
    frame.comment = record.comment.encode("utf-8") if record.comment else None
    return frame


def write_pcapng(path: str | os.PathLike[str], records: Iterable[CaptureRecord]) -> int:
    """Write ``records`` to ``path`` as pcapng; return how many packets were written.

    Atomic: the capture goes to a temporary file beside ``path`` that replaces it
    only once complete; on any error the temporary file is removed and the error
    re-raised.
    """
    count = 0
    with atomic_path(path) as tmp:
        writer = _LinkPcapNgWriter(str(tmp))
        try:
            for record in records:
                frame = _frame(record)
                if not writer.header_present:
                    writer.write_header(frame)
                writer.write_packet(frame, sec=_timestamp(record.t_s))
                count += 1
        finally:
            writer.close()
    return count
