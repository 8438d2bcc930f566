"""IPv6 address helpers: SLAAC-style addresses, sequence-number arithmetic, MACs,
and :class:`Address`, the engine's cheap IPv6 address."""

from __future__ import annotations

import hashlib
from ipaddress import IPv6Address, IPv6Network
from typing import Any

LINK_LOCAL = IPv6Network("fe80::/64")


class Address(IPv6Address):
    """An ``IPv6Address`` that computes its text, hash and octets once.

    The simulator compares, hashes and formats the same few addresses for every
    packet; the standard class does each in Python on every call (a quarter of a run's
    time, measured). This subclass is equal to, hashes like, prints like and
    ``repr``s like the ``IPv6Address`` of the same value, so every output stays the
    same; the value is the integer ``_ip`` as before. Get instances from
    :func:`address`, which hands out one object per value.
    """

    __slots__ = ("_hash", "_packed", "_text")
    # the private slots of IPv6Address this class reads, which typeshed does not declare
    _ip: int
    _scope_id: str | None

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        if self._scope_id is not None:
            raise ValueError(f"{value!r}: a scoped address (with %zone) is not used here")
        self._text = IPv6Address.__str__(self)
        self._hash = hash((self._ip, None))  # what IPv6Address.__hash__ gives
        self._packed = self._ip.to_bytes(16, "big")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        # the usual cases first: another Address (never scoped), or None (an address
        # not set yet), for which raising and catching AttributeError cost a microsecond
        if other.__class__ is Address:
            return self._ip == other._ip
        if other is None:
            return NotImplemented
        try:
            return (self._ip == other._ip and other._version == 6  # type: ignore[attr-defined]
                    and getattr(other, "_scope_id", None) is None)
        except AttributeError:
            return NotImplemented

    def __ne__(self, other: object) -> bool:
        if self is other:
            return False
        if other.__class__ is Address:
            return self._ip != other._ip
        if other is None:
            return NotImplemented
        try:
            return not (self._ip == other._ip  # type: ignore[attr-defined]
                        and other._version == 6  # type: ignore[attr-defined]
                        and getattr(other, "_scope_id", None) is None)
        except AttributeError:
            return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"IPv6Address({self._text!r})"

    def __format__(self, fmt: str) -> str:
        return self._text if not fmt else super().__format__(fmt)

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        # unpickled through address(): the one object for the value, without parsing
        # and formatting it again (a snapshot restore unpickles every address it holds)
        return address, (self._ip,)

    def __copy__(self) -> Address:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Address:
        return self

    @property
    def packed(self) -> bytes:
        return self._packed

    @property
    def is_multicast(self) -> bool:
        return self._ip >> 120 == 0xFF  # ff00::/8

    @property
    def is_link_local(self) -> bool:
        return self._ip >> 118 == 0x3FA  # fe80::/10


_interned: dict[Any, Address] = {}
_INTERN_MAX = 1 << 16  # crafted packets may bring any number of addresses


def address(value: int | bytes | str | IPv6Address) -> Address:
    """The :class:`Address` for an int, 16 octets, text or ``IPv6Address``, one object
    per value, so that comparing two of them is mostly an identity test."""
    found = _interned.get(value)  # the decoder's 16 octets, mostly: one look-up
    return found if found is not None else _intern(value)


def _intern(value: int | bytes | str | IPv6Address) -> Address:
    key = int(value) if isinstance(value, IPv6Address) else value
    found = _interned.get(key)
    if found is None:
        made = Address(key)
        if len(_interned) >= _INTERN_MAX:
            _interned.clear()
        found = _interned.setdefault(made._ip, made)  # bytes, text and int: one object
        _interned[key] = found
    return found


def interface_id_of(value: int | str) -> int:
    """An interface identifier from an int or text such as ``"::a"`` (low 64 bits)."""
    if isinstance(value, str):
        value = int(IPv6Address(value))
    return value & ((1 << 64) - 1)


def address_in(prefix: IPv6Network, interface_id: int) -> IPv6Address:
    """Prefix + interface identifier, as stateless autoconfiguration forms it (RFC 4862)."""
    return address(int(prefix.network_address) | interface_id_of(interface_id))


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
