"""IPv6 address helpers: SLAAC-style addresses, sequence-number arithmetic, MACs."""

from __future__ import annotations

import hashlib
from ipaddress import IPv6Address, IPv6Network

LINK_LOCAL = IPv6Network("fe80::/64")


def interface_id_of(value: int | str) -> int:
    """An interface identifier from an int or text such as ``"::a"`` (low 64 bits)."""
    if isinstance(value, str):
        value = int(IPv6Address(value))
    return value & ((1 << 64) - 1)


def address_in(prefix: IPv6Network, interface_id: int) -> IPv6Address:
    """Prefix + interface identifier, as stateless autoconfiguration forms it (RFC 4862)."""
    return IPv6Address(int(prefix.network_address) | interface_id_of(interface_id))


def link_local(interface_id: int) -> IPv6Address:
    return address_in(LINK_LOCAL, interface_id)


def prefix64(address: IPv6Address) -> IPv6Network:
    """The /64 an address sits in: a MAP's RCoA prefix comes from its address (s.6)."""
    return IPv6Network((int(address) >> 64 << 64, 64))


def seq_greater(x: int, y: int) -> bool:
    """RFC 6275 s.9.5.1: x is newer than y when (x - y) mod 2^16 is in 1..32767."""
    return 0 < (x - y) % 65536 < 32768


def seq_next(x: int) -> int:
    return (x + 1) % 65536


def mac_address(node: str, link: str) -> str:
    """A stable, locally administered MAC for ``node``'s interface on ``link``.

    Derived with a hash (not Python's salted ``hash()``) so captures are byte-identical
    between runs.
    """
    digest = hashlib.sha256(f"{node}|{link}".encode()).digest()
    octets = bytes([0x02]) + digest[:5]
    return ":".join(f"{b:02x}" for b in octets)


def multicast_mac(address: IPv6Address) -> str:
    """RFC 2464 s.7: 33:33 followed by the last four octets of the group address."""
    tail = address.packed[-4:]
    return "33:33:" + ":".join(f"{b:02x}" for b in tail)


def short(address: IPv6Address | str | None) -> str:
    """Compressed text form, '-' for none."""
    if address is None:
        return "-"
    return str(IPv6Address(address)) if not isinstance(address, IPv6Address) else str(address)
