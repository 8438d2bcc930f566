"""Converters from TOML values to typed values, shared by scenario and lesson files.

A converter takes one value as tomllib returned it and gives back the typed value, or
raises :class:`Bad` with text that completes ``<key> ...`` ("must be an integer, not a
string"); the loaders add the file, line and key. Both loaders build on these pieces,
so a number is judged the same way everywhere: nan, inf and integers too large for a
float are refused with the same message (a time that never comes would freeze a run).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

Convert = Callable[[Any], Any]
"""A converter: a TOML value in, a typed value out, :class:`Bad` when unusable."""

_SCHEMA_ATTR = "json_schema"


def describe(convert: Convert, schema: dict[str, Any]) -> Convert:
    """``convert``, carrying the JSON Schema of the values it accepts (or a looser one:
    what a schema cannot say, the converter still checks). Written where the converter
    is made, from the same bounds, so ``hmipviz schema`` has one source."""
    setattr(convert, _SCHEMA_ATTR, schema)
    return convert


def schema_of(convert: Convert) -> dict[str, Any]:
    """The JSON Schema ``convert`` was described with; {} (anything) if none."""
    schema: dict[str, Any] = getattr(convert, _SCHEMA_ATTR, {})
    return dict(schema)


class Bad(Exception):
    """A value that cannot be used; its text completes ``<key> ...``."""


def type_name(value: Any) -> str:
    """What a TOML value is, with its article: "an integer", "a table"."""
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
    return "a date/time"  # the only other values tomllib returns


def suggest(word: Any, options: Iterable[Any]) -> str:
    """`` (did you mean "x"?)`` for the closest option, or nothing."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def fmt(x: float) -> str:
    """A number as a person writes it: 5, 0.25."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def is_int(value: Any) -> TypeGuard[int]:
    """An integer, and not a boolean (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return is_int(value) or isinstance(value, float)


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float, or None (not a number, inf, nan, or too large)."""
    if not is_number(value):
        return None
    try:
        number = float(value)
    except OverflowError:  # TOML integers are unbounded
        return None
    return number if math.isfinite(number) else None


def finite(value: Any) -> float:
    """``value`` as a finite float; anything else is :class:`Bad`, with one message for
    nan and inf ("must be a finite number, not nan") in every file."""
    need(value, "a number", is_number(value))
    number = finite_or_none(value)
    if number is None:
        shown = f"a {len(str(abs(value)))}-digit number" if is_int(value) else value
        raise Bad(f"must be a finite number, not {shown}")
    return number


def need(value: Any, wanted: str, ok: bool) -> None:
    """:class:`Bad` "must be <wanted>, not <what value is>" unless ``ok``."""
    if not ok:
        raise Bad(f"must be {wanted}, not {type_name(value)}")


def _string(value: Any, wanted: str = "a string") -> str:
    """``value`` typed as the string it is; else :class:`Bad` as :func:`need` words it."""
    if isinstance(value, str):
        return value
    raise Bad(f"must be {wanted}, not {type_name(value)}")


def text(value: Any) -> str:
    """A string with something in it."""
    string = _string(value)
    if not string.strip():
        raise Bad("must not be empty")
    return string


describe(text, {"type": "string", "pattern": "\\S"})


def any_text(value: Any) -> str:
    """A string, possibly empty."""
    return _string(value)


def boolean(value: Any) -> bool:
    need(value, "true or false", isinstance(value, bool))
    return value is True


describe(any_text, {"type": "string"})
describe(boolean, {"type": "boolean"})


def integer(lo: int, hi: int | None = None) -> Convert:
    """An integer in lo..hi (inclusive)."""
    span = f"from {lo} to {hi}" if hi is not None else f"at least {lo}"

    def convert(value: Any) -> int:
        if not is_int(value):
            raise Bad(f"must be an integer, not {type_name(value)}")
        if value < lo or (hi is not None and value > hi):
            raise Bad(f"must be {span}, not {value}")
        return value

    bounds = {"minimum": lo} if hi is None else {"minimum": lo, "maximum": hi}
    return describe(convert, {"type": "integer", **bounds})


def number(
    lo: float, *, above: bool = False, below: float | None = None, at_most: float | None = None
) -> Convert:
    """A finite number, at least ``lo`` (or above it), and below ``below`` or at most
    ``at_most`` if given."""
    bounds = [f"above {fmt(lo)}" if above else f"at least {fmt(lo)}"]
    if below is not None:
        bounds.append(f"below {fmt(below)}")
    if at_most is not None:
        bounds.append(f"at most {fmt(at_most)}")
        below = math.nextafter(at_most, math.inf)
    wanted = " and ".join(bounds)

    def convert(value: Any) -> float:
        number = finite(value)
        if not (number > lo if above else number >= lo) or (below is not None and number >= below):
            raise Bad(f"must be {wanted}, not {fmt(number)}")
        return number

    schema: dict[str, Any] = {"type": "number", ("exclusiveMinimum" if above else "minimum"): lo}
    if at_most is not None:
        schema["maximum"] = at_most
    elif below is not None:
        schema["exclusiveMaximum"] = below
    return describe(convert, schema)


def choice(options: tuple[str, ...]) -> Convert:
    """One of ``options``, with the closest one suggested for a misspelling."""

    def convert(value: Any) -> str:
        string = _string(value)
        if string not in options:
            raise Bad(
                f'must be one of {", ".join(options)}, not "{string}"{suggest(string, options)}'
            )
        return string

    return describe(convert, {"enum": list(options)})


def array_of(item: Convert, what: str) -> Convert:
    """A converter for a TOML array whose items ``item`` converts; names a bad item."""

    def convert(value: Any) -> tuple[Any, ...]:
        need(value, what, isinstance(value, list))
        found = []
        for i, raw in enumerate(value, start=1):
            try:
                found.append(item(raw))
            except Bad as bad:
                raise Bad(f"item {i}: {bad}") from None
        return tuple(found)

    return describe(convert, {"type": "array", "items": schema_of(item)})
