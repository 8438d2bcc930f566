"""Scenario model: the topology, the time line and the settings of one simulation.

The frozen dataclasses a loaded scenario is made of, the error that lists every problem
of a file, and which keys each role has (shared by the reader and the writer).
``docs/scenarios.md`` documents the file format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network

from hmipviz.mobility import MobilitySpec

ROLES = ("mn", "ar", "map", "ha", "cn", "router", "host")
MODES = ("hmipv6", "mipv6")
SECURITIES = ("none", "esp")  # RFC 5380 s.12.1: ESP on the MN-MAP and MN-HA signalling
FLOW_KINDS = ("echo", "udp")


@dataclass(frozen=True)
class MapOptionSpec:
    """One MAP option an AR advertises (RFC 5380 s.5)."""

    map: str
    pref: int = 10
    lifetime_s: int = 600
    r: bool = True
    dist: int | None = None  # None: hop count from AR to MAP plus one
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class NodeSpec:
    name: str
    role: str
    address: IPv6Address | None = None
    prefix: IPv6Network | None = None
    position: tuple[float, float] | None = None
    # MAP
    valid_onlink_prefixes: tuple[IPv6Network, ...] | None = None
    max_lifetime_s: int | None = None
    # AR
    radius: float = 120.0
    map_options: tuple[MapOptionSpec, ...] = ()
    # An AR with a MAP function of its own (flat architecture, RFC 5380 s.9.2) has a
    # MAP address, from whose /64 its RCoAs are formed.
    map_address: IPv6Address | None = None
    # AR: find MAP failures by probing the MAPs it advertises (RFC 5380 s.10)
    probe_maps: bool = False
    # HA: addresses already in use on the home link, found by DAD (RFC 6275 s.10.3.1)
    duplicate_addresses: tuple[IPv6Address, ...] = ()
    # MN
    home_agent: str | None = None
    home_address: IPv6Address | None = None
    interface_id: int = 0
    attach: str | None = None
    route_optimization: bool = False  # return routability with CNs (RFC 6275 s.5.2)
    # further MAPs the MN also registers with whenever advertised (RFC 5380 s.7.1 MAY)
    extra_maps: tuple[str, ...] = ()
    # how the MN moves by itself (hmipviz.mobility, metres); None: it stays put
    mobility: MobilitySpec | None = None
    # the [[mn_group]] that generated this MN ("": written as a [[node]] of its own)
    group: str = ""
    line: int = field(default=0, compare=False)  # where it was read; not part of equality

    @property
    def is_map(self) -> bool:
        return self.role == "map" or (self.role == "ar" and self.map_address is not None)


@dataclass(frozen=True)
class LinkSpec:
    a: str
    b: str
    delay_ms: float = 1.0
    loss: float = 0.0
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class MoveSpec:
    at_s: float
    to: str | None  # an AR, or None to detach
    line: int = field(default=0, compare=False)  # where it was read; not part of equality
    mn: str | None = None  # the MN that moves (None: the scenario's only MN)


@dataclass(frozen=True)
class NodeActionSpec:
    """``[[fail]]`` / ``[[restore]]``: a node goes down or comes back."""

    at_s: float
    node: str
    line: int = field(default=0, compare=False)  # where it was read; not part of equality


@dataclass(frozen=True)
class FlowSpec:
    source: str  # `from` in the file
    destination: str  # `to` in the file
    kind: str  # "echo" | "udp"
    start_s: float
    interval_ms: float
    stop_s: float | None = None
    # MN flows: send from the RCoA without a Home Address option (RFC 5380 s.6.5)
    use_rcoa: bool = False
    # one of the MN's extra_maps: the MN uses that MAP's RCoA with this flow's
    # correspondent (RFC 5380 s.7.1), with use_rcoa or route optimisation
    map: str | None = None
    line: int = field(default=0, compare=False)  # where it was read; not part of equality
    mn: str | None = None  # optional: the flow's MN end, named again
    group: str = ""  # the [[mn_group]] whose flow template made it


@dataclass(frozen=True)
class InjectSpec:
    at_s: float
    source: str  # `from` in the file
    data: bytes
    line: int = field(default=0, compare=False)  # where it was read; not part of equality
    mn: str | None = None  # optional: the MN the crafted packet concerns


@dataclass(frozen=True)
class GroupFlowSpec:
    """A group's flow template: one flow between each member and ``peer`` (a CN or
    host), from the member (``to_peer``) or to it; starts spread over one interval."""

    peer: str
    to_peer: bool = True
    kind: str = "echo"
    interval_ms: float = 1000.0
    start_s: float = 0.0
    stop_s: float | None = None


@dataclass(frozen=True)
class MnGroupSpec:
    """``[[mn_group]]``: ``count`` MNs named ``name`` + 1, 2, ... sharing one HA."""

    name: str
    count: int
    home_agent: str
    home_prefix: IPv6Network
    interface_id: int = 1  # the first member's; the others count up from it
    attach: str | None = None
    mobility: MobilitySpec | None = None
    flow: GroupFlowSpec | None = None
    route_optimization: bool = False
    line: int = field(default=0, compare=False)

    def member_names(self) -> list[str]:
        return [f"{self.name}{k}" for k in range(1, self.count + 1)]

    def member_address(self, k: int) -> IPv6Address:
        """Member ``k``'s (1-based) home address: the home prefix + its interface id."""
        iid = self.interface_id + k - 1
        return IPv6Address(int(self.home_prefix.network_address) | iid)

    def flow_start_s(self, k: int) -> float:
        """Member ``k``'s flow starts ``(k - 1) / count`` of an interval after the
        template's start, so a group's packets do not all leave at one instant."""
        assert self.flow is not None
        return self.flow.start_s + (k - 1) * self.flow.interval_ms / 1000.0 / self.count


DEFAULT_DURATION_S = 30.0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    mode: str = "hmipv6"
    seed: int = 1
    duration_s: float = DEFAULT_DURATION_S
    security: str = "none"
    nodes: tuple[NodeSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    moves: tuple[MoveSpec, ...] = ()
    fails: tuple[NodeActionSpec, ...] = ()
    restores: tuple[NodeActionSpec, ...] = ()
    flows: tuple[FlowSpec, ...] = ()
    injects: tuple[InjectSpec, ...] = ()
    mn_groups: tuple[MnGroupSpec, ...] = ()  # written back as [[mn_group]] tables
    # [protocol] overrides; compared (a different protocol is a different scenario) but
    # left out of the hash because a dict has none.
    protocol: dict[str, float] = field(default_factory=dict, hash=False)
    source: str = field(default="<memory>", compare=False)  # path as given, or builtin:NAME

    def node(self, name: str) -> NodeSpec:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def nodes_with_role(self, role: str) -> list[NodeSpec]:
        return [n for n in self.nodes if n.role == role]

    def move_problem(self, m: MoveSpec) -> str | None:
        """Why an extra move (``--move AT:AR[:MN]``, written as on the command line)
        cannot be added to this scenario, or None: the one wording of `hmipviz run`, the
        exports and the web page."""
        ars = sorted(n.name for n in self.nodes if n.role == "ar")
        mns = [n.name for n in self.nodes if n.role == "mn"]
        where = f"--move {m.at_s:g}:{m.to or 'none'}"
        if m.to is not None and m.to not in ars:
            return f"{where}: {m.to!r} is not an AR of scenario {self.name} (ARs: {', '.join(ars)})"
        if m.mn is not None and m.mn not in mns:
            return (f"{where}:{m.mn}: {m.mn!r} is not an MN of scenario {self.name} "
                    f"(MNs: {', '.join(mns)})")
        if m.mn is None and len(mns) > 1:
            return (f"{where}: scenario {self.name} has {len(mns)} MNs; name one: "
                    f"{m.at_s:g}:{m.to or 'none'}:{mns[0]}")
        return None


class ScenarioError(Exception):
    """Everything wrong with one scenario, one ``path:line: what`` message per problem.

    All problems are collected before raising, so a file can be fixed in one pass.
    Problems with the file itself (missing, unreadable) have no line: ``path: what``.
    """

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages: list[str] = list(messages)
        super().__init__(*self.messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)


# --- which keys each table has ----------------------------------------------------------


@dataclass(frozen=True)
class _RoleKeys:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return _NODE_COMMON + self.required + self.optional


_NODE_COMMON = ("name", "role", "position")
_ROLE_KEYS = {
    "mn": _RoleKeys(("home_agent", "home_address"),
                    ("interface_id", "attach", "route_optimization", "extra_maps", "mobility")),
    "ar": _RoleKeys(
        ("address", "prefix"),
        ("map_address", "valid_onlink_prefixes", "max_lifetime_s", "radius", "map_options",
         "probe_maps"),
    ),
    "map": _RoleKeys(("address", "prefix"), ("valid_onlink_prefixes", "max_lifetime_s")),
    "ha": _RoleKeys(("address", "prefix"), ("duplicate_addresses",)),
    "cn": _RoleKeys(("address", "prefix")),
    "router": _RoleKeys(("address", "prefix")),
    "host": _RoleKeys(("address", "prefix")),
}
_ALL_NODE_KEYS = tuple(dict.fromkeys(k for keys in _ROLE_KEYS.values() for k in keys.all))
_SCENARIO_KEYS = ("name", "description", "mode", "seed", "duration_s", "security")
_TOP_KEYS = ("scenario", "protocol")
