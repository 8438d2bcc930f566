"""What a scenario or lesson file may hold: its size, its nesting, and the range of
every ``[protocol]`` value.

The limits are data here, in one place, so the loader (``hmipviz.scenario``), the lesson
loader and ``docs/scenarios.md`` agree; a test checks the document against this table.
Nothing here knows TOML beyond what is needed to measure nesting without parsing, so a
hostile file is refused before tomllib (which recurses once per level) ever sees it.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from hmipviz.tomlpos import STRING

# --- the file --------------------------------------------------------------------------

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest scenario or lesson file read. A 10,000-node scenario is about 2 MB."""

MAX_NESTING = 32
"""Deepest nesting of arrays and tables (``[`` and ``{``) a file may use. A scenario
needs 3 (``map_options = [{ ... }]`` inside ``[[node]]``) and the deepest lesson check
about 8; tomllib and the line index recurse once per level."""


class InputError(Exception):
    """A file that cannot be read as text; the message is complete (``path: what``)."""


def read_limited(path: Path, label: str, what: str) -> bytes:
    """At most :data:`MAX_FILE_BYTES` of ``path``, read without trusting its size.

    A device (``/dev/zero``) is refused before reading; a pipe or a file that grows is
    read only up to the limit, so nothing is ever read without bound. ``what`` names
    the kind of file in messages ("scenario", "lesson").
    """
    try:
        if path.is_dir():
            raise InputError(f"{label}: is a directory, not a {what} file")
        mode = os.stat(path).st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise InputError(f"{label}: is a device, not a {what} file")
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except PermissionError:
        raise InputError(f"{label}: cannot read: permission denied") from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"{label}: cannot read: {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"{label}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
            f"a {what} file is text of at most that size"
        )
    return data


# What matters to nesting: brackets, and strings and comments, inside which they do not.
_TOKEN = re.compile(STRING.pattern + r"|#[^\n]*|[\[\]{}]")


def nesting_problem(text: str, limit: int = MAX_NESTING) -> tuple[int, str] | None:
    """(line, message) where ``text`` nests arrays and tables deeper than ``limit``.

    A linear scan that skips strings and comments, so brackets inside them do not
    count. On text that is not TOML (an unclosed string) the count may be off, but the
    scan still ends, and tomllib reports the real syntax error afterwards.
    """
    depth = 0
    for token in _TOKEN.finditer(text):
        c = token.group()
        if c == "[" or c == "{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, token.start()) + 1
                return line, (
                    f"arrays and tables nested more than {limit} deep; a scenario needs "
                    "at most 3 levels and a lesson check about 8"
                )
        elif (c == "]" or c == "}") and depth:
            depth -= 1
    return None


# --- values in [scenario] and [[flow]] -------------------------------------------------

MAX_DURATION_S = 86_400.0
"""Longest scenario (one simulated day): every time value of a scenario or lesson lies
within its duration, so this bounds how long a run or a lesson check can take."""

MIN_FLOW_INTERVAL_MS = 1.0
"""Shortest interval between a flow's packets: 1,000 packets a simulated second."""


# --- [protocol] --------------------------------------------------------------------------

_U16 = 2**16 - 1
_U32 = 2**32 - 1
# The Lifetime of a BU/BA is 16 bits in units of 4 s (RFC 6275 s.6.1.7, s.6.1.8); below
# 4 s a lifetime rounds down to 0, which deregisters.
_LIFETIME = (4, _U16 * 4)
_DAY_S = 86_400.0
_MINUTE_MS = 60_000.0

# The largest packet a flow makes: its payload, an 8-byte ICMPv6 or UDP header, a Home
# Address option and a type 2 routing header (24 bytes each), tunnelled twice (HA to MAP,
# MAP to LCoA: 40 bytes each, plus 8 for a Tunnel Encapsulation Limit option). The IPv6
# payload length (RFC 8200 s.3, 16 bits) of the outermost header must hold all but the
# outermost 40 bytes: 65,000 + 8 + 48 + 96 = 65,152 <= 65,535.
MAX_FLOW_PAYLOAD_BYTES = 65_000


@dataclass(frozen=True)
class Range:
    """The values a ``[protocol]`` key accepts: ``lo``..``hi`` inclusive, and ``off``
    too when the key has an "off" value outside that span."""

    lo: float
    hi: float
    why: str
    off: float | None = None

    def holds(self, value: float) -> bool:
        return math.isfinite(value) and (self.lo <= value <= self.hi or value == self.off)

    def text(self) -> str:
        """As the docs write it: ``1..255``, ``0 (off) or 0.01..0.99``."""
        span = f"{_number(self.lo)}..{_number(self.hi)}"
        return span if self.off is None else f"{_number(self.off)} (off) or {span}"

    def wanted(self) -> str:
        """As messages write it, after "must be": ``in 1..255``, ``0 (off) or in ...``."""
        span = f"in {_number(self.lo)}..{_number(self.hi)}"
        return span if self.off is None else f"{_number(self.off)} (off) or {span}"


def _number(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}"


_BU_LIFETIME = "a BU's Lifetime is 16 bits in units of 4 s, RFC 6275 s.6.1.7"

# Keys of fields that other branches add to ProtocolConfig are here already; the loader
# only reads keys ProtocolConfig has.
PROTOCOL_RANGES: dict[str, Range] = {
    "initial_bindack_timeout_s": Range(0.01, 3600.0, "RFC 6275 s.12 sets 1 s"),
    "initial_bindack_timeout_first_reg_s": Range(0.01, 3600.0, "RFC 6275 s.13 sets 1.5 s"),
    "max_bindack_timeout_s": Range(0.01, _DAY_S, "RFC 6275 s.12 sets 32 s"),
    "max_update_rate_per_s": Range(1, 1000, "RFC 6275 s.12 sets 3; 0 would never send a BU"),
    "max_bu_retransmissions": Range(0, 100, "0: the first BU is never retransmitted"),
    "map_binding_lifetime_s": Range(*_LIFETIME, _BU_LIFETIME),
    "home_binding_lifetime_s": Range(*_LIFETIME, _BU_LIFETIME),
    "ha_max_lifetime_s": Range(*_LIFETIME, _BU_LIFETIME),
    "map_max_lifetime_s": Range(*_LIFETIME, _BU_LIFETIME),
    "refresh_fraction": Range(0.01, 0.99, "at 0 the MN would refresh without pause, at 1 too late"),
    "ra_min_interval_s": Range(0.03, 1800.0, "RFC 6275 s.7.5 minimum, RFC 4861 s.6.2.1 maximum"),
    "ra_max_interval_s": Range(0.07, 1800.0, "RFC 6275 s.7.5 minimum, RFC 4861 s.6.2.1 maximum"),
    "max_ra_delay_s": Range(0.0, 0.5, "RFC 4861 s.10 MAX_RA_DELAY_TIME"),
    "l2_switch_ms": Range(0.0, _MINUTE_MS, "at most a minute"),
    "access_link_delay_ms": Range(0.0, _MINUTE_MS, "at most a minute"),
    "default_hop_limit": Range(1, 255, "Hop Limit is 8 bits and 0 is never sent, RFC 8200 s.3"),
    "prefix_valid_lifetime_s": Range(
        1, _U32, "a 32-bit field, RFC 4861 s.4.6.2; 0 would withdraw the prefix"
    ),
    "prefix_preferred_lifetime_s": Range(0, _U32, "a 32-bit field, RFC 4861 s.4.6.2"),
    "router_lifetime_s": Range(1, 9000, "RFC 4861 s.6.2.1; 0 would mean no default router"),
    "binding_error_interval_s": Range(0.01, 3600.0, "RFC 6275 s.9.3.3 requires a rate limit"),
    "brr_fraction": Range(0.01, 0.99, "a fraction of the granted lifetime", off=0.0),
    "map_probe_interval_s": Range(0.1, 3600.0, "RFC 5380 s.10 suggests 10 s"),
    "map_probe_timeout_s": Range(0.01, 3600.0, "RFC 5380 s.10 leaves it open"),
    "map_probe_fast_interval_s": Range(0.1, 3600.0, "RFC 5380 s.10 suggests 5 s"),
    "map_probe_fast_period_s": Range(0.0, _DAY_S, "RFC 5380 s.10 suggests 15 s"),
    "max_rr_binding_lifetime_s": Range(*_LIFETIME, "RFC 6275 s.12 sets 420 s; " + _BU_LIFETIME),
    "max_token_lifetime_s": Range(1.0, _DAY_S, "RFC 6275 s.12 sets 210 s"),
    "max_nonce_lifetime_s": Range(1.0, _DAY_S, "RFC 6275 s.12 sets 240 s"),
    "cn_nonce_interval_s": Range(1.0, _DAY_S, "RFC 6275 s.5.2.2 leaves it to the CN"),
    "link_mtu": Range(1280, _U16, "RFC 8200 s.5 minimum, 16-bit Payload Length"),
    "binding_cache_limit": Range(1, 1_000_000, "a cache that holds nothing refuses every BU"),
    "tunnel_encapsulation_limit": Range(0, 255, "an 8-bit option, RFC 2473 s.5.1"),
    "flow_payload_bytes": Range(
        0,
        MAX_FLOW_PAYLOAD_BYTES,
        "the largest flow packet, tunnelled twice, must fit an IPv6 payload of 65,535 bytes",
    ),
}

PROTOCOL_ORDER: tuple[tuple[str, str, str], ...] = (
    ("ra_min_interval_s", "ra_max_interval_s", "RFC 4861 s.6.2.1"),
    ("ra_max_interval_s", "router_lifetime_s", "RFC 4861 s.6.2.1"),
    ("prefix_preferred_lifetime_s", "prefix_valid_lifetime_s", "RFC 4862 s.5.5.3"),
)
"""Pairs (smaller, larger, source) whose effective values must keep this order."""
