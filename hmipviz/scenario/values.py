"""Typed values of a scenario file: converters that turn one TOML value into what the
model holds, or raise ``_Bad`` with text that completes ``<key> ...``."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from ipaddress import IPv6Address, IPv6Network
from typing import Any

Convert = Callable[[Any], Any]

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1
# The Lifetime of a BU/BA is 16 bits in units of 4 s (RFC 6275 s.6.1.7, s.6.1.8).
_MAX_BINDING_LIFETIME_S = 0xFFFF * 4
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")


def _suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest option, or nothing."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _fmt(x: float) -> str:
    """A number as a person writes it: 5, 0.25."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


# --- typed values -------------------------------------------------------------------------


class _Bad(Exception):
    """A value that cannot be used; its text completes ``<key> ...``."""


def _type_name(value: Any) -> str:
    for kind, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
    ):
        if isinstance(value, kind):
            return name
    return "a date/time"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (not a number, inf, nan, or too large)."""
    if not (_is_int(value) or isinstance(value, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # TOML integers are unbounded
        return None
    return number if math.isfinite(number) else None


def _need(value: Any, wanted: str, ok: bool) -> None:
    if not ok:
        raise _Bad(f"must be {wanted}, not {_type_name(value)}")


def _text(value: Any) -> str:
    _need(value, "a string", isinstance(value, str))
    if not value.strip():
        raise _Bad("must not be empty")
    return value


def _any_text(value: Any) -> str:
    _need(value, "a string", isinstance(value, str))
    return value


def _boolean(value: Any) -> bool:
    _need(value, "true or false", isinstance(value, bool))
    return value


def _integer(lo: int, hi: int | None = None) -> Convert:
    """An integer in lo..hi (inclusive)."""
    span = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"

    def convert(value: Any) -> int:
        _need(value, "an integer", _is_int(value))
        if value < lo or (hi is not None and value > hi):
            raise _Bad(f"must be {span}, not {value}")
        return value

    return convert


def _number(
    lo: float, *, above: bool = False, below: float | None = None, at_most: float | None = None
) -> Convert:
    """A finite number, at least ``lo`` (or above it), and below ``below`` or at most
    ``at_most`` if given."""
    bounds = [f"above {_fmt(lo)}" if above else f"at least {_fmt(lo)}"]
    if below is not None:
        bounds.append(f"below {_fmt(below)}")
    if at_most is not None:
        bounds.append(f"at most {_fmt(at_most)}")
        below = math.nextafter(at_most, math.inf)
    wanted = " and ".join(bounds)

    def convert(value: Any) -> float:
        _need(value, "a number", _is_int(value) or isinstance(value, float))
        number = _finite(value)
        if number is None:
            raise _Bad(f"must be a finite number, not {value}")
        if not (number > lo if above else number >= lo) or (below is not None and number >= below):
            raise _Bad(f"must be {wanted}, not {_fmt(number)}")
        return number

    return convert


def _choice(options: tuple[str, ...]) -> Convert:
    def convert(value: Any) -> str:
        _need(value, "a string", isinstance(value, str))
        if value not in options:
            raise _Bad(
                f'must be one of {", ".join(options)}, not "{value}"{_suggest(value, options)}'
            )
        return value

    return convert


def _node_name(value: Any) -> str:
    value = _text(value)
    if not _NAME_RE.match(value):
        raise _Bad(
            f'"{value}" must start with a letter and hold only letters, digits, "_", "-" and "."'
        )
    if value.lower() == "none":
        raise _Bad('must not be "none": a move uses to = "none" to detach the MN')
    return value


def _address(value: Any) -> IPv6Address:
    _need(value, "a string holding an IPv6 address", isinstance(value, str))
    try:
        address = IPv6Address(value)
    except ValueError:
        raise _Bad(f'"{value}" is not a valid IPv6 address') from None
    special = address.is_multicast or address.is_unspecified or address.is_loopback
    if special or address.is_link_local or address.scope_id:
        raise _Bad(f'"{value}" must be a global unicast address')
    return address


def _prefix(value: Any) -> IPv6Network:
    _need(value, 'a string holding an IPv6 prefix like "2001:db8:1::/64"', isinstance(value, str))
    if "/" not in value:
        raise _Bad(f'"{value}" needs a prefix length, e.g. "{value}/64"')
    try:
        return IPv6Network(value)  # strict: host bits must be zero
    except ValueError as error:
        raise _Bad(f'"{value}" is not a valid IPv6 prefix ({error})') from None


def _array_of(item: Convert, what: str) -> Convert:
    """A converter for a TOML array whose items ``item`` converts; names a bad item."""
    def convert(value: Any) -> tuple:
        _need(value, what, isinstance(value, list))
        found = []
        for i, raw in enumerate(value, start=1):
            try:
                found.append(item(raw))
            except _Bad as bad:
                raise _Bad(f"item {i}: {bad}") from None
        return tuple(found)
    return convert


_addresses = _array_of(_address, "an array of IPv6 addresses")
_prefixes = _array_of(_prefix, "an array of IPv6 prefixes")
_names = _array_of(_text, 'an array of node names like ["MAP2"]')


def _position(value: Any) -> tuple[float, float]:
    numbers = [_finite(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != 2 or None in numbers:
        raise _Bad("must be [x, y], two numbers")
    return (numbers[0], numbers[1])


def _interface_id(value: Any) -> int:
    """The MN's 64-bit interface id, as an integer or as an address like "::a"."""
    if _is_int(value):
        if not 0 <= value <= _U64_MAX:
            raise _Bad(f"must fit in 64 bits, not {value}")
        iid = value
    elif isinstance(value, str):
        try:
            iid = int(IPv6Address(value)) & _U64_MAX
        except ValueError:
            raise _Bad(f'"{value}" is not an interface id like "::a"') from None
    else:
        raise _Bad(f'must be an integer or a string like "::a", not {_type_name(value)}')
    if iid == 0:
        raise _Bad(
            "must not be 0 (RFC 4291 s.2.6.1 reserves it for the Subnet-Router anycast address)"
        )
    return iid


def _hex(value: Any) -> bytes:
    _need(value, "a string of hex digits", isinstance(value, str))
    digits = "".join(value.split())
    for i, c in enumerate(digits):
        if c not in "0123456789abcdefABCDEF":
            raise _Bad(f'is not hexadecimal: "{c}" at digit {i + 1}')
    if len(digits) % 2:
        raise _Bad(f"has an odd number of hex digits ({len(digits)})")
    return bytes.fromhex(digits)
