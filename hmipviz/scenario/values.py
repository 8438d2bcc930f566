"""Typed values only scenario files have (node names, addresses, prefixes, interface
ids, packet bytes), built on the shared converters of :mod:`hmipviz.convert`."""

from __future__ import annotations

import re
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from hmipviz import convert as cv

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
# The Lifetime of a BU/BA is 16 bits in units of 4 s (RFC 6275 s.6.1.7, s.6.1.8).
_MAX_BINDING_LIFETIME_S = 0xFFFF * 4
_NAME_PATTERN = "[A-Za-z][A-Za-z0-9_.-]*"
_NAME_RE = re.compile(_NAME_PATTERN + r"\Z")
# What an address or prefix may be made of: a schema's first check (the loader parses it).
_ADDRESS_CHARS = "[0-9A-Fa-f:.]+"


def _node_name(value: Any) -> str:
    name: str = cv.text(value)
    if not _NAME_RE.match(name):
        raise cv.Bad(
            f'"{name}" must start with a letter and hold only letters, digits, "_", "-" and "."'
        )
    if name.lower() == "none":
        raise cv.Bad('must not be "none": a move uses to = "none" to detach the MN')
    return name


cv.describe(_node_name, {"type": "string", "pattern": f"^{_NAME_PATTERN}$",
                         "not": {"pattern": "^[Nn][Oo][Nn][Ee]$"}})


def _address(value: Any) -> IPv6Address:
    cv.need(value, "a string holding an IPv6 address", isinstance(value, str))
    try:
        address = IPv6Address(value)
    except ValueError:
        raise cv.Bad(f'"{value}" is not a valid IPv6 address') from None
    special = address.is_multicast or address.is_unspecified or address.is_loopback
    if special or address.is_link_local or address.scope_id:
        raise cv.Bad(f'"{value}" must be a global unicast address')
    return address


def _prefix(value: Any) -> IPv6Network:
    cv.need(value, 'a string holding an IPv6 prefix like "2001:db8:1::/64"', isinstance(value, str))
    if "/" not in value:
        raise cv.Bad(f'"{value}" needs a prefix length, e.g. "{value}/64"')
    try:
        return IPv6Network(value)  # strict: host bits must be zero
    except ValueError as error:
        raise cv.Bad(f'"{value}" is not a valid IPv6 prefix ({error})') from None


cv.describe(_address, {"type": "string", "pattern": f"^{_ADDRESS_CHARS}$"})
cv.describe(_prefix, {"type": "string", "pattern": f"^{_ADDRESS_CHARS}/[0-9]+$"})
_addresses = cv.array_of(_address, "an array of IPv6 addresses")
_prefixes = cv.array_of(_prefix, "an array of IPv6 prefixes")
_names = cv.array_of(cv.text, 'an array of node names like ["MAP2"]')


def _position(value: Any) -> tuple[float, float]:
    numbers = [cv.finite_or_none(v) for v in value] if isinstance(value, list) else []
    x, y = numbers if len(numbers) == 2 else (None, None)
    if x is None or y is None:
        raise cv.Bad("must be [x, y], two numbers")
    return (x, y)


cv.describe(_position, {"type": "array", "items": {"type": "number"},
                        "minItems": 2, "maxItems": 2})


def _interface_id(value: Any) -> int:
    """The MN's 64-bit interface id, as an integer or as an address like "::a"."""
    if cv.is_int(value):
        if not 0 <= value <= _U64_MAX:
            raise cv.Bad(f"must fit in 64 bits, not {value}")
        iid = value
    elif isinstance(value, str):
        try:
            iid = int(IPv6Address(value)) & _U64_MAX
        except ValueError:
            raise cv.Bad(f'"{value}" is not an interface id like "::a"') from None
    else:
        raise cv.Bad(f'must be an integer or a string like "::a", not {cv.type_name(value)}')
    if iid == 0:
        raise cv.Bad(
            "must not be 0 (RFC 4291 s.2.6.1 reserves it for the Subnet-Router anycast address)"
        )
    return iid


cv.describe(_interface_id, {"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": _U64_MAX},
    {"type": "string", "pattern": f"^{_ADDRESS_CHARS}$"},
]})


def _hex(value: Any) -> bytes:
    cv.need(value, "a string of hex digits", isinstance(value, str))
    digits = "".join(value.split())
    for i, c in enumerate(digits):
        if c not in "0123456789abcdefABCDEF":
            raise cv.Bad(f'is not hexadecimal: "{c}" at digit {i + 1}')
    if len(digits) % 2:
        raise cv.Bad(f"has an odd number of hex digits ({len(digits)})")
    return bytes.fromhex(digits)


cv.describe(_hex, {"type": "string", "pattern": "^[0-9A-Fa-f\\s]*$"})


# --- mobility models (hmipviz.mobility; metres, seconds) -----------------------------------


def _points() -> cv.Convert:
    def convert(value: Any) -> tuple[tuple[float, float], ...]:
        cv.need(value, "an array of [x, y] points in metres", isinstance(value, list))
        if not value:
            raise cv.Bad("must hold at least one [x, y] point")
        found = []
        for i, item in enumerate(value, start=1):
            try:
                found.append(_position(item))
            except cv.Bad as bad:
                raise cv.Bad(f"item {i}: {bad}") from None
        return tuple(found)
    return cv.describe(convert, {"type": "array", "minItems": 1,
                                 "items": cv.schema_of(_position)})


def _area() -> cv.Convert:
    def convert(value: Any) -> tuple[float, float, float, float]:
        numbers = [cv.finite(v) for v in value] if isinstance(value, list) else []
        if len(numbers) != 4 or None in numbers:
            raise cv.Bad("must be [x0, y0, x1, y1], four numbers in metres")
        x0, y0, x1, y1 = numbers
        if not (x0 < x1 and y0 < y1):
            raise cv.Bad(f"[{cv.fmt(x0)}, {cv.fmt(y0)}, {cv.fmt(x1)}, {cv.fmt(y1)}] needs "
                         "x0 < x1 and y0 < y1")
        return (x0, y0, x1, y1)
    return cv.describe(convert, {"type": "array", "items": {"type": "number"},
                                 "minItems": 4, "maxItems": 4})


def _span(key: str, positive: bool) -> cv.Convert:
    """A number or a [low, high] range; a speed must be above 0, a pause at least 0."""
    wanted = "above 0" if positive else "at least 0"

    def convert(value: Any) -> tuple[float, float]:
        items = value if isinstance(value, list) else [value]
        numbers = [cv.finite(v) for v in items]
        if len(numbers) not in (1, 2) or None in numbers or isinstance(value, bool):
            raise cv.Bad("must be a number or [low, high], two numbers")
        lo, hi = numbers[0], numbers[-1]
        if (lo <= 0 if positive else lo < 0) or lo > hi:
            raise cv.Bad(f"must be {wanted} with low <= high, not {cv.fmt(lo)} .. "
                         f"{cv.fmt(hi)}")
        return (lo, hi)
    one = {"type": "number", ("exclusiveMinimum" if positive else "minimum"): 0}
    return cv.describe(convert, {"anyOf": [
        one, {"type": "array", "items": one, "minItems": 1, "maxItems": 2}]})
