"""What lesson checks are made of: names from the scenario, addresses, packet fields.

Converters validate a lesson's parameter values against its scenario, built on the
shared pieces of :mod:`hmipviz.convert` (raising its :class:`~hmipviz.convert.Bad` with a
sentence); :class:`AddressBook` says which node an address belongs to, and
:data:`FIELDS` reads named fields of a decoded packet for ``where`` tables. The check
vocabulary itself is in :mod:`hmipviz.lesson.checks`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from hmipviz import convert as cv
from hmipviz.convert import Bad as Bad
from hmipviz.convert import suggest as suggest
from hmipviz.convert import type_name as type_name
from hmipviz.engine import describe
from hmipviz.engine.addresses import interface_id_of, prefix64
from hmipviz.engine.events import PacketSent
from hmipviz.engine.messages import (
    BindingAck,
    BindingUpdate,
    MapOption,
    Packet,
    RouterAdvertisement,
)
from hmipviz.scenario import Scenario
from hmipviz.wire.codec import DecodeError, decode

if TYPE_CHECKING:
    from hmipviz.sim import Simulation

MN_REFS = ("hoa", "lcoa", "rcoa")
NOTHING = "nothing"  # the answer of a prediction when no message comes
ANY = "any"


# =====================================================================================
# Validation: what a lesson may name, and converters for parameter values
# =====================================================================================


@dataclass(frozen=True)
class Scope:
    """The names a lesson's checks and actions may use, taken from its scenario."""

    roles: dict[str, str]  # node name -> role
    mn: str
    maps: frozenset[str]  # nodes with a MAP function (role map, or ar with map_address)
    duration_s: float = math.inf  # the scenario's, bounding every time value
    # MAP name -> the ARs whose RAs carry its MAP option (its domain; a flat AR-MAP's
    # domain holds at least itself)
    domains: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario) -> Scope:
        roles = {n.name: n.role for n in scenario.nodes}
        mn = next((n.name for n in scenario.nodes if n.role == "mn"), "MN")
        maps = frozenset(n.name for n in scenario.nodes if n.is_map)
        domains: dict[str, set[str]] = {m: set() for m in maps}
        for n in scenario.nodes:
            if n.role == "ar":
                for o in n.map_options:
                    domains.setdefault(o.map, set()).add(n.name)
                if n.is_map:
                    domains.setdefault(n.name, set()).add(n.name)
        return cls(roles, mn, maps, scenario.duration_s,
                   {m: frozenset(a) for m, a in domains.items()})

    def names(self, roles: Iterable[str] | None = None) -> list[str]:
        wanted = set(roles) if roles is not None else None
        return [n for n, r in self.roles.items() if wanted is None or r in wanted]


Convert = Callable[[Any, Scope], Any]
"""A lesson converter: like :data:`hmipviz.convert.Convert`, with the scenario's names."""


def text(value: Any, scope: Scope) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Bad(f"must be a non-empty string, not {type_name(value)}")
    return value


def boolean(value: Any, scope: Scope) -> bool:
    return cv.boolean(value)


def integer(lo: int, hi: int | None = None) -> Convert:
    def convert(value: Any, scope: Scope) -> int:
        cv.need(value, "an integer", cv.is_int(value))
        if value < lo or (hi is not None and value > hi):
            raise Bad(f"must be {lo}..{hi}, not {value}" if hi is not None
                      else f"must be at least {lo}, not {value}")
        return value
    return convert


def number(lo: float = 0.0, above: bool = False, hi: float | None = None) -> Convert:
    """A finite number, at least ``lo`` (or above it), at most ``hi`` when given."""
    def convert(value: Any, scope: Scope) -> float:
        number_ = cv.finite(value)
        if number_ < lo or (above and number_ == lo):
            raise Bad(f"must be {'above' if above else 'at least'} {lo:g}, not {value}")
        if hi is not None and number_ > hi:
            raise Bad(f"must be at most {hi:g}, not {value:g}")
        return number_
    return convert


def time_s(lo: float = 0.0, above: bool = False) -> Convert:
    """A time in seconds within the scenario's duration (``Scope.duration_s``): a lesson
    runs the engine at most that far, so no step can wait without end."""
    first = number(lo, above)

    def convert(value: Any, scope: Scope) -> float:
        number_ = first(value, scope)
        if number_ > scope.duration_s:
            raise Bad(f"must be at most the scenario's duration_s ({scope.duration_s:g} s), "
                      f"not {value:g}; set a longer duration_s in the front matter")
        return number_
    return convert


def choice(options: Iterable[str]) -> Convert:
    opts = tuple(options)

    def convert(value: Any, scope: Scope) -> str:
        if not isinstance(value, str) or value not in opts:
            listed = ", ".join(f'"{o}"' for o in opts)
            raise Bad(f"must be one of {listed}, not {value!r}{suggest(value, opts)}")
        return value
    return convert


def kind(value: Any, scope: Scope) -> str:
    """A packet kind as the engine names it (:data:`hmipviz.engine.describe.KINDS`)."""
    return choice(describe.KINDS)(value, scope)


def kind_or_any(value: Any, scope: Scope) -> str:
    return choice(describe.KINDS + (ANY,))(value, scope)


def kinds(value: Any, scope: Scope) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Bad(f"must be an array of packet kinds, not {type_name(value)}")
    return tuple(kind(v, scope) for v in value)


_ROLE_A = {"mn": "the MN", "ar": "an AR", "map": "a MAP", "ha": "a HA", "cn": "a CN",
           "router": "a router", "host": "a host"}


def node(*roles: str, extra: tuple[str, ...] = ()) -> Convert:
    """A node of the scenario, of one of ``roles`` (any role when none are given)."""
    def convert(value: Any, scope: Scope) -> str:
        if isinstance(value, str) and value in extra:
            return value
        if not isinstance(value, str):
            raise Bad(f"must be a node name, not {type_name(value)}")
        allowed = scope.names(roles or None)
        if value not in allowed:
            what = " or ".join(_ROLE_A[r] for r in roles) if roles else "a node"
            known = value in scope.roles
            why = (f"is {_ROLE_A[scope.roles[value]]}, not {what}" if known else
                   f"is not {what} of the scenario{suggest(value, allowed + list(extra))}")
            raise Bad(f'"{value}" {why}')
        return value
    return convert


def map_node(value: Any, scope: Scope) -> str:
    """A node with a MAP function: role ``map``, or an ``ar`` with a ``map_address``."""
    if not isinstance(value, str) or value not in scope.maps:
        raise Bad(f"must name a MAP of the scenario, not {value!r}"
                  f"{suggest(value, sorted(scope.maps))}")
    return value


def agent_node(value: Any, scope: Scope) -> str:
    """A node that keeps a binding cache: a HA, a MAP or a CN."""
    if isinstance(value, str) and (value in scope.maps or scope.roles.get(value) in ("ha", "cn")):
        return value
    options = sorted(scope.maps) + scope.names(["ha", "cn"])
    raise Bad(f"must name a HA, MAP or CN of the scenario, not {value!r}"
              f"{suggest(value, options)}")


@dataclass(frozen=True)
class ArSet:
    """Access routers a check accepts: one, any of a list, or any AR of a MAP's domain
    (``{ under = "MAP2" }``), so that a different correct move passes too. ``label``
    says which, in words."""

    names: frozenset[str]
    label: str

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __str__(self) -> str:
        return self.label


def ar_set(*, extra: tuple[str, ...] = ()) -> Convert:
    """An :class:`ArSet`: ``"AR2"``, ``["AR3", "AR4"]`` or ``{ under = "MAP2" }``."""
    one = node("ar", extra=extra)

    def convert(value: Any, scope: Scope) -> ArSet:
        if isinstance(value, str):
            return ArSet(frozenset({one(value, scope)}), value)
        if isinstance(value, list):
            if not value:
                raise Bad("must name at least one AR")
            names = [one(v, scope) for v in value]
            label = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
            return ArSet(frozenset(names), label)
        if isinstance(value, dict):
            if set(value) != {"under"}:
                raise Bad('as a table takes one key, "under" (a MAP), e.g. '
                          '{ under = "MAP2" }')
            m = map_node(value["under"], scope)
            names = sorted(scope.domains.get(m, ()))
            if not names:
                raise Bad(f'"{m}" is advertised by no AR: its domain is empty')
            return ArSet(frozenset(names), f"any AR of {m}'s domain ({', '.join(names)})")
        raise Bad('must be an AR, an array of ARs, or { under = "MAP" }, not '
                  f"{type_name(value)}")
    return convert


def map_or_none(value: Any, scope: Scope) -> str:
    return "none" if value == "none" else map_node(value, scope)


def address_literal(value: Any, scope: Scope) -> str:
    try:
        return str(IPv6Address(value))
    except (ValueError, TypeError):
        raise Bad(f"must be an IPv6 address, not {value!r}") from None


def address_ref(value: Any, scope: Scope) -> str:
    """``hoa``/``lcoa``/``rcoa`` (the MN's addresses now), a node name, or an address."""
    if not isinstance(value, str):
        raise Bad(f"must be an address: hoa, lcoa, rcoa, a node name or an IPv6 address, "
                  f"not {type_name(value)}")
    if value in MN_REFS or value in scope.roles:
        return value
    try:
        IPv6Address(value)
    except ValueError:
        raise Bad(f'"{value}" is not hoa, lcoa, rcoa, a node name or an IPv6 address'
                  f"{suggest(value, list(MN_REFS) + list(scope.roles))}") from None
    return value


# =====================================================================================
# Addresses: who an address belongs to, what a reference means now
# =====================================================================================


class AddressBook:
    """Names of addresses in one simulation, so checks can say "from MN to MAP1".

    Fixed nodes own their configured addresses; the MN owns its home address and every
    address formed from its interface id under an AR's or a MAP's prefix (its LCoAs and
    RCoAs, RFC 5380 s.6). Link-local addresses repeat from link to link, so they name
    nobody: a link-scope message is attributed to the node that put it on the link.
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        s = sim.scenario
        self._names: dict[IPv6Address, str] = {}
        self._prefixes: dict[str, list[IPv6Network]] = {}
        mobile_prefixes: list[IPv6Network] = []
        for spec in s.nodes:
            prefixes = [spec.prefix] if spec.prefix is not None else []
            if spec.address is not None:
                self._names[spec.address] = spec.name
            if spec.map_address is not None:
                self._names[spec.map_address] = spec.name
                prefixes.append(prefix64(spec.map_address))
            self._prefixes[spec.name] = prefixes
            if spec.role in ("ar", "map"):
                mobile_prefixes.extend(prefixes)
        self.mn = sim.mn_name
        self._mobile_prefixes = mobile_prefixes
        self._iid = 0
        if self.mn:
            self._names[sim.mn.home_address] = self.mn
            self._iid = interface_id_of(sim.mn.interface_id)

    def name_of(self, address: IPv6Address | None) -> str | None:
        if address is None:
            return None
        if address in self._names:
            return self._names[address]
        if self.mn and interface_id_of(int(address)) == self._iid and any(
                address in p for p in self._mobile_prefixes):
            return self.mn
        return None

    def is_node(self, name: str) -> bool:
        return name in self._prefixes

    def prefixes_of(self, name: str) -> list[IPv6Network]:
        return self._prefixes.get(name, [])

    def agent_address(self, name: str) -> IPv6Address | None:
        """The address a node is registered with: a MAP's address, a flat AR's
        ``map_address``, a HA's or CN's own address."""
        spec = self.sim.scenario.node(name)
        if spec.role == "ar" and spec.map_address is not None:
            return spec.map_address
        return spec.address

    def resolve(self, ref: str) -> IPv6Address | None:
        """What an address reference means now (``lcoa`` changes as the MN moves)."""
        mn = self.sim.mn if self.mn else None
        if ref == "hoa":
            return mn.home_address if mn else None
        if ref == "lcoa":
            return mn.lcoa if mn else None
        if ref == "rcoa":
            return mn.rcoa if mn else None
        if ref in self._prefixes:
            spec = self.sim.scenario.node(ref)
            return spec.address if spec.address is not None else (
                mn.home_address if mn and ref == self.mn else None)
        return IPv6Address(ref)

    def in_prefix_of(self, address: IPv6Address | None, name: str) -> bool:
        return address is not None and any(address in p for p in self.prefixes_of(name))


# =====================================================================================
# Packet fields, for `where` tables
# =====================================================================================


@dataclass(frozen=True)
class Sent:
    """A PacketSent with its decoded packet, as fields see it."""

    event: PacketSent
    packet: Packet | None
    map_option: MapOption | None  # the option the check selected, in an RA


def _payload(s: Sent) -> Any:
    return s.packet.innermost().payload if s.packet is not None else None


def _bu(attr: str) -> Callable[[Sent], Any]:
    def get(s: Sent) -> Any:
        m = _payload(s)
        return getattr(m, attr) if isinstance(m, BindingUpdate) else None
    return get


def _ba(attr: str) -> Callable[[Sent], Any]:
    def get(s: Sent) -> Any:
        m = _payload(s)
        return getattr(m, attr) if isinstance(m, BindingAck) else None
    return get


def _opt(attr: str) -> Callable[[Sent], Any]:
    def get(s: Sent) -> Any:
        return getattr(s.map_option, attr) if s.map_option is not None else None
    return get


def _inner(get: Callable[[Packet], Any]) -> Callable[[Sent], Any]:
    return lambda s: get(s.packet.innermost()) if s.packet is not None else None


def _outer(get: Callable[[Packet], Any]) -> Callable[[Sent], Any]:
    return lambda s: get(s.packet) if s.packet is not None else None


def _ra_count(s: Sent) -> int | None:
    m = _payload(s)
    return len(m.map_options) if isinstance(m, RouterAdvertisement) else None


def _ra_prefix(s: Sent) -> IPv6Network | None:
    m = _payload(s)
    if isinstance(m, RouterAdvertisement) and m.prefixes:
        return m.prefixes[0].prefix
    return None


@dataclass(frozen=True)
class FieldDef:
    get: Callable[[Sent], Any]
    type: str  # int | bool | address | prefix
    doc: str


# Names are Wireshark's field names, which the packet inspector (hmipviz.wire.dissect)
# uses too, so what a learner reads in the inspector, filters in Wireshark and a
# lesson checks is the same word. packet.*, tunnel.*, inner.* and the MAP option count
# are ours: Wireshark has no single field for them.
FIELDS: dict[str, FieldDef] = {
    "packet.length": FieldDef(lambda s: len(s.event.data), "int",
                              "octets of the whole IPv6 packet on this hop, "
                              "tunnel headers included"),
    "tunnel.depth": FieldDef(lambda s: s.event.tunnel_depth, "int",
                             "IPv6-in-IPv6 headers around the message (0: not tunnelled)"),
    "ipv6.src": FieldDef(_outer(lambda p: p.src), "address", "outermost source address"),
    "ipv6.dst": FieldDef(_outer(lambda p: p.dst), "address", "outermost destination address"),
    "ipv6.hlim": FieldDef(_outer(lambda p: p.hop_limit), "int", "outermost hop limit"),
    "inner.src": FieldDef(_inner(lambda p: p.src), "address",
                          "source address of the innermost packet"),
    "inner.dst": FieldDef(_inner(lambda p: p.dst), "address",
                          "destination address of the innermost packet"),
    "ipv6.routing.type": FieldDef(_inner(lambda p: 2 if p.routing is not None else None), "int",
                             "2 when the innermost packet has a type 2 routing header"),
    "ipv6.routing.mipv6.home_address": FieldDef(
        _inner(lambda p: p.routing.home_address if p.routing else None), "address",
        "the address in the type 2 routing header (RFC 6275 s.6.4)"),
    "ipv6.opt.mipv6.home_address": FieldDef(
        _inner(lambda p: p.hao.home_address if p.hao else None), "address",
        "the address in the Home Address destination option (RFC 6275 s.6.3)"),
    "mip6.bu.seqnr": FieldDef(_bu("sequence"), "int", "Binding Update sequence number"),
    "mip6.bu.lifetime": FieldDef(_bu("lifetime_s"), "int", "Binding Update lifetime, seconds"),
    "mip6.bu.a_flag": FieldDef(_bu("ack"), "bool", "A flag: acknowledgement requested"),
    "mip6.bu.h_flag": FieldDef(_bu("home_registration"), "bool", "H flag: home registration"),
    "mip6.bu.l_flag": FieldDef(_bu("link_local_compat"), "bool", "L flag"),
    "mip6.bu.k_flag": FieldDef(_bu("key_management"), "bool", "K flag"),
    "mip6.bu.m_flag": FieldDef(_bu("map_registration"), "bool",
                               "M flag: MAP registration (RFC 5380 s.4)"),
    "mip6.ba.status": FieldDef(_ba("status"), "int", "Binding Acknowledgement status"),
    "mip6.ba.seqnr": FieldDef(_ba("sequence"), "int", "Binding Acknowledgement sequence number"),
    "mip6.ba.lifetime": FieldDef(_ba("lifetime_s"), "int",
                                 "lifetime granted by the Binding Acknowledgement, seconds"),
    "icmpv6.opt.map.count": FieldDef(_ra_count, "int",
                                     "number of MAP options in a Router Advertisement "
                                     "(ours: Wireshark filters "
                                     "count(icmpv6.opt.map.global_address))"),
    "icmpv6.opt.map.distance": FieldDef(_opt("dist"), "int", "MAP option Dist (RFC 5380 s.5)"),
    "icmpv6.opt.map.preference": FieldDef(_opt("pref"), "int", "MAP option Pref"),
    "icmpv6.opt.map.flag.r": FieldDef(_opt("r"), "bool", "MAP option R flag"),
    "icmpv6.opt.map.valid_lifetime": FieldDef(_opt("valid_lifetime_s"), "int",
                                        "MAP option Valid Lifetime, seconds"),
    "icmpv6.opt.map.global_address": FieldDef(_opt("map_address"), "address",
                                       "MAP option Global Address"),
    "icmpv6.opt.prefix": FieldDef(_ra_prefix, "prefix",
                                         "the on-link prefix of a Router Advertisement"),
}

# Names lesson files used before the fields took Wireshark's names: still accepted,
# with a warning from `hmipviz check` (deprecated_fields).
DEPRECATED_FIELDS: dict[str, str] = {
    "routing.type": "ipv6.routing.type",
    "routing.home_address": "ipv6.routing.mipv6.home_address",
    "dstopt.hao.address": "ipv6.opt.mipv6.home_address",
    "mip6.bu.seq": "mip6.bu.seqnr",
    "mip6.bu.flag_a": "mip6.bu.a_flag",
    "mip6.bu.flag_h": "mip6.bu.h_flag",
    "mip6.bu.flag_l": "mip6.bu.l_flag",
    "mip6.bu.flag_k": "mip6.bu.k_flag",
    "mip6.bu.flag_m": "mip6.bu.m_flag",
    "mip6.ba.seq": "mip6.ba.seqnr",
    "icmpv6.opt_map.count": "icmpv6.opt.map.count",
    "icmpv6.opt_map.dist": "icmpv6.opt.map.distance",
    "icmpv6.opt_map.pref": "icmpv6.opt.map.preference",
    "icmpv6.opt_map.flag_r": "icmpv6.opt.map.flag.r",
    "icmpv6.opt_map.lifetime": "icmpv6.opt.map.valid_lifetime",
    "icmpv6.opt_map.address": "icmpv6.opt.map.global_address",
    "icmpv6.opt_prefix.prefix": "icmpv6.opt.prefix",
}
_DEPRECATED_USE = re.compile(r'"(' + "|".join(re.escape(k) for k in DEPRECATED_FIELDS) + r')"\s*=')


def deprecated_fields(text: str, path: str) -> list[str]:
    """``path:line: warning: ...`` for every old field name a lesson file uses."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _DEPRECATED_USE.finditer(line):
            old = match.group(1)
            out.append(f'{path}:{number}: warning: packet field "{old}" is deprecated, '
                       f'use Wireshark\'s name "{DEPRECATED_FIELDS[old]}"')
    return out


_FIELD_OPS = ("equals", "at_least", "at_most", "in_prefix_of", "present")


@dataclass(frozen=True)
class Expect:
    field: str
    op: str
    value: Any


def _expect_value(name: str, op: str, value: Any, scope: Scope) -> Any:
    ftype = FIELDS[name].type
    if op == "present":
        return boolean(value, scope)
    if op == "in_prefix_of":
        if ftype not in ("address", "prefix"):
            raise Bad(f'"{name}": in_prefix_of needs an address field')
        if isinstance(value, list) and value:  # any of these nodes
            return tuple(node()(v, scope) for v in value)
        return node()(value, scope)
    if op in ("at_least", "at_most"):
        if ftype != "int":
            raise Bad(f'"{name}": {op} needs a number field')
        return integer(0)(value, scope)
    if ftype == "bool":
        return boolean(value, scope)
    if ftype == "int":
        return integer(0)(value, scope)
    if ftype == "prefix":
        if not isinstance(value, str):
            raise Bad(f'"{name}" must be compared with a prefix or a node name')
        if value in scope.roles:
            return value
        try:
            IPv6Network(value)
        except ValueError:
            raise Bad(f'"{name}": "{value}" is not a prefix or a node name') from None
        return value
    return address_ref(value, scope)


def where(value: Any, scope: Scope) -> tuple[Expect, ...]:
    """``{ "mip6.bu.m_flag" = true, "packet.length" = { at_most = 1500 } }``."""
    if not isinstance(value, dict):
        raise Bad(f"must be a table of packet fields, not {type_name(value)}")
    out = []
    for name, expected in value.items():
        name = DEPRECATED_FIELDS.get(name, name)  # an old name: `hmipviz check` warns
        if name not in FIELDS:
            raise Bad(f'unknown packet field "{name}"{suggest(name, FIELDS)}')
        if isinstance(expected, dict):
            if len(expected) != 1 or next(iter(expected)) not in _FIELD_OPS:
                ops = ", ".join(_FIELD_OPS)
                raise Bad(f'"{name}": expected one of {ops} in {{ }}, '
                          f"not {', '.join(expected) or 'nothing'}")
            op, raw = next(iter(expected.items()))
        else:
            op, raw = "equals", expected
        out.append(Expect(name, op, _expect_value(name, op, raw, scope)))
    return tuple(out)


def field_holds(e: Expect, s: Sent, book: AddressBook) -> bool:
    actual = FIELDS[e.field].get(s)
    if e.op == "present":
        return (actual is not None) == e.value
    if actual is None:
        return False
    ftype = FIELDS[e.field].type
    if e.op == "at_least":
        return actual >= e.value
    if e.op == "at_most":
        return actual <= e.value
    if e.op == "in_prefix_of":
        names = e.value if isinstance(e.value, tuple) else (e.value,)
        if ftype == "prefix":
            return any(actual.subnet_of(p) for n in names for p in book.prefixes_of(n))
        return any(book.in_prefix_of(actual, n) for n in names)
    if ftype == "address":
        return actual == book.resolve(e.value)
    if ftype == "prefix":
        wanted = book.prefixes_of(e.value) if book.is_node(e.value) else [IPv6Network(e.value)]
        return actual in wanted
    return actual == e.value


# =====================================================================================
# Who sent a message, and to whom
# =====================================================================================


def packet_of(e: PacketSent) -> Packet | None:
    try:
        return decode(e.data)
    except DecodeError:
        return None


def originator(e: PacketSent, book: AddressBook) -> str | None:
    """Who built this message: the node that put it on the wire with its own source
    address (a tunnel end point forwarding someone else's packet does not count)."""
    if not e.origin:
        return None
    p = packet_of(e)
    if p is None:
        return e.node
    inner = p.innermost()
    if inner.src.is_link_local:
        return e.node  # link-scope: only the node on the link can have sent it
    owner = book.name_of(inner.src)
    return e.node if owner == e.node else None


def recipient(e: PacketSent, book: AddressBook) -> str | None:
    """Where a message is going: the owner of its final destination (the routing
    header's address when there is one); the link peer for link-scope multicast."""
    p = packet_of(e)
    if p is None:
        return e.to_node
    inner = p.innermost()
    dst = inner.final_destination
    if dst.is_multicast or dst.is_link_local:
        return e.to_node
    return book.name_of(dst)
