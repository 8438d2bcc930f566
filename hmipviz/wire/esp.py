"""ESP in transport mode on real bytes (RFC 4303), NULL encryption (RFC 2410) and
HMAC-SHA1-96 integrity (RFC 2404): what protects the MN-MAP and MN-HA signalling
(RFC 5380 s.12.1, RFC 6275 s.5.1, RFC 4877).

scapy's :class:`~scapy.layers.ipsec.SecurityAssociation` does the work: it puts the ESP
header after the type 2 routing header and the Destination Options header with the
Home Address option (they are processed before ESP, RFC 6275 s.6.3), pads, and computes
or checks the ICV. The engine only says which SA to use (``EspSecurity`` on a packet);
only this module touches a MAC. A fresh scapy SA is made per packet with the sequence
number the engine chose, so no scapy object lives in the simulation's state (snapshots
deep-copy it) and runs repeat byte for byte.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scapy.layers.ipsec import SecurityAssociation

__all__ = ["ICV_OCTETS", "EspError", "protect", "unprotect", "esp_header"]

ICV_OCTETS = 12  # HMAC-SHA1-96
NULL = "NULL"
HMAC_SHA1_96 = "HMAC-SHA1-96"


class EspError(ValueError):
    """The ESP packet does not verify (wrong ICV) or cannot be parsed."""


def _sa(spi: int, sequence: int, auth_key: bytes) -> SecurityAssociation:
    # imported here so that loading the codec (and starting the GUI) skips scapy
    from scapy.layers.ipsec import ESP, SecurityAssociation
    return SecurityAssociation(ESP, spi=spi, seq_num=sequence, crypt_algo=NULL, crypt_key=None,
                               auth_algo=HMAC_SHA1_96, auth_key=auth_key)


def protect(plain: bytes, spi: int, sequence: int, auth_key: bytes) -> bytes:
    """The IPv6 datagram ``plain`` with its upper layer wrapped in ESP."""
    from scapy.layers.inet6 import IPv6
    try:
        return bytes(_sa(spi, sequence, auth_key).encrypt(IPv6(plain)))
    except Exception as exc:  # scapy raises whatever it likes on odd input
        raise EspError(f"cannot apply ESP ({type(exc).__name__}: {exc})") from exc


def unprotect(data: bytes, spi: int, auth_key: bytes) -> bytes:
    """The datagram without its ESP layer, once the ICV verified with ``auth_key``."""
    from scapy.layers.inet6 import IPv6
    from scapy.layers.ipsec import IPSecIntegrityError
    try:
        return bytes(_sa(spi, 0, auth_key).decrypt(IPv6(data)))
    except IPSecIntegrityError as exc:
        raise EspError("ESP ICV check failed (HMAC-SHA1-96)") from exc
    except Exception as exc:
        raise EspError(f"malformed ESP packet ({type(exc).__name__})") from exc


def esp_header(body: bytes) -> tuple[int, int]:
    """(SPI, sequence number) from the first 8 octets of an ESP payload."""
    if len(body) < 8 + 2 + ICV_OCTETS:
        raise EspError("truncated ESP packet")
    return struct.unpack_from("!II", body)
