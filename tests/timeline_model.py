"""Small HMIPv6 networks and recorded time lines for the model-based test (issue 8).

A topology is scenario TOML text, read by the normal loader, so every network the test
draws is one a user could write. A time line is the list of actions a test applied to a
running :class:`~hmipviz.sim.Simulation`, each with its time. From both, a failing
example prints a scenario that reproduces it with ``hmipviz run``; what the scenario
format cannot say (a link's loss changed for a while, a MAP option changed) is printed
as the Python calls to make on the Simulation instead.
"""

from __future__ import annotations

import inspect
import math
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path

from hmipviz.engine.addresses import address_in, prefix64
from hmipviz.engine.config import ProtocolConfig
from hmipviz.engine.messages import (
    BindingUpdate,
    EchoRequest,
    HomeAddressOption,
    Packet,
)
from hmipviz.scenario import Scenario, load_scenario
from hmipviz.sim import Simulation
from hmipviz.wire.codec import encode

HOA = IPv6Address("2001:db8:1::a")
INTERFACE_ID = 0xA
EVE_ADDRESS = IPv6Address("2001:db8:66::e")
PING_IDENT = 0x7171  # the identifier of the final echo request, unlike any flow's
PING_DATA = b"timeline-ping"


# --- topologies ---------------------------------------------------------------------

@dataclass(frozen=True)
class NodeDef:
    """One ``[[node]]`` table of a fixed node."""

    name: str
    role: str
    address: str
    prefix: str
    map_address: str | None = None
    map_options: tuple[tuple[str, int, int], ...] = ()  # (MAP name, Pref, valid lifetime s)
    valid_onlink_prefixes: tuple[str, ...] | None = None
    max_lifetime_s: int | None = None


@dataclass(frozen=True)
class Topology:
    """A network without the MN: its nodes and links. Every topology has a host EVE on
    AR1's link, the sender of crafted BUs; ``crafted`` says whether the test draws them
    here (with security "none" a crafted BU legitimately changes bindings)."""

    name: str
    description: str
    nodes: tuple[NodeDef, ...]
    links: tuple[tuple[str, str, float], ...]
    crafted: bool = True

    def node(self, name: str) -> NodeDef:
        return next(n for n in self.nodes if n.name == name)

    @property
    def ars(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes if n.role == "ar")

    @property
    def maps(self) -> tuple[str, ...]:
        """Nodes with a MAP function: MAPs, and ARs with a map_address (flat)."""
        return tuple(n.name for n in self.nodes if n.role == "map" or n.map_address)

    def map_address(self, name: str) -> IPv6Address:
        n = self.node(name)
        return IPv6Address(n.map_address if n.map_address else n.address)

    def lcoa(self, ar: str) -> IPv6Address:
        """The LCoA the MN forms on ``ar``'s link (RFC 4862, RFC 5380 s.6.1)."""
        return address_in(IPv6Network(self.node(ar).prefix), INTERFACE_ID)

    def rcoa(self, map_name: str) -> IPv6Address:
        """The RCoA the MN forms from a MAP's prefix (RFC 5380 s.6)."""
        return address_in(prefix64(self.map_address(map_name)), INTERFACE_ID)

    def accepts(self, map_name: str, ar: str) -> bool:
        """Whether the MAP accepts LCoAs from ``ar``'s prefix (s.6.2, status 129 if not)."""
        valid = self.node(map_name).valid_onlink_prefixes
        return valid is None or IPv6Network(self.node(ar).prefix) in {
            IPv6Network(p) for p in valid}

    def advertised(self, ar: str) -> tuple[str, ...]:
        return tuple(m for m, _, _ in self.node(ar).map_options)

    @property
    def static_links(self) -> tuple[tuple[str, str], ...]:
        """Links a path outage may cut (not EVE's: she is no part of any path)."""
        return tuple((a, b) for a, b, _ in self.links if "EVE" not in (a, b))


def _ar(n: int, name: str, *options: tuple[str, int, int], **kw) -> NodeDef:
    return NodeDef(name, "ar", f"2001:db8:{n}::1", f"2001:db8:{n}::/64",
                   map_options=tuple(options), **kw)


def _map(n: int, name: str, **kw) -> NodeDef:
    return NodeDef(name, "map", f"2001:db8:{n}00::1", f"2001:db8:{n}00::/64", **kw)


_CORE = (
    NodeDef("HA", "ha", "2001:db8:1::1", "2001:db8:1::/64"),
    NodeDef("CN", "cn", "2001:db8:50::1", "2001:db8:50::/64"),
    NodeDef("R", "router", "2001:db8:ff::1", "2001:db8:ff::/64"),
    NodeDef("EVE", "host", str(EVE_ADDRESS), "2001:db8:66::/64"),
)
_CORE_LINKS = (("HA", "R", 20.0), ("CN", "R", 20.0), ("EVE", "AR1", 1.0))

ONE_MAP = Topology(
    "one-map", "One MAP above three ARs (RFC 5380 Figure 1 with a third AR).",
    _CORE + (_map(1, "MAP1"),) + tuple(
        _ar(n + 1, f"AR{n}", ("MAP1", 10, 600)) for n in (1, 2, 3)),
    _CORE_LINKS + (("R", "MAP1", 10.0), ("MAP1", "AR1", 2.0), ("MAP1", "AR2", 2.0),
                   ("MAP1", "AR3", 2.0)))

TWO_MAPS = Topology(
    "two-maps",
    "MAP1 over AR1 and AR2, MAP2 over AR3; AR2 also advertises MAP2, AR3 also MAP1, "
    "which refuses AR3's prefix (status 129, s.6.2); AR4 advertises no MAP (plain "
    "Mobile IPv6 there).",
    _CORE + (_map(1, "MAP1", valid_onlink_prefixes=("2001:db8:2::/64", "2001:db8:3::/64")),
             _map(2, "MAP2"),
             _ar(2, "AR1", ("MAP1", 10, 600)),
             _ar(3, "AR2", ("MAP1", 10, 600), ("MAP2", 5, 600)),
             _ar(4, "AR3", ("MAP2", 10, 600), ("MAP1", 15, 600)),
             _ar(5, "AR4")),
    _CORE_LINKS + (("R", "MAP1", 10.0), ("R", "MAP2", 10.0), ("MAP1", "AR1", 2.0),
                   ("MAP1", "AR2", 2.0), ("MAP2", "AR3", 2.0), ("R", "AR4", 5.0)))

BEHIND_ROUTERS = Topology(
    "behind-routers",
    "MAP1 two router hops above the ARs (Dist 3), granting at most 40 s, advertised "
    "with a valid lifetime of 100 s.",
    _CORE + (_map(1, "MAP1", max_lifetime_s=40),
             NodeDef("AGG1", "router", "2001:db8:fe::1", "2001:db8:fe::/64"),
             NodeDef("AGG2", "router", "2001:db8:fd::1", "2001:db8:fd::/64")) + tuple(
        _ar(n + 1, f"AR{n}", ("MAP1", 10, 100)) for n in (1, 2, 3)),
    _CORE_LINKS + (("R", "MAP1", 10.0), ("MAP1", "AGG1", 3.0), ("MAP1", "AGG2", 3.0),
                   ("AGG1", "AR1", 1.0), ("AGG1", "AR2", 1.0), ("AGG2", "AR3", 1.0)))

FLAT = Topology(
    "flat", "Flat architecture (s.9.2): every AR is its own MAP, as the built-in flat.",
    _CORE + tuple(_ar(n + 1, f"AR{n}", (f"AR{n}", 10, 600), map_address=f"2001:db8:10{n + 1}::1")
                  for n in (1, 2, 3)),
    _CORE_LINKS + tuple(("R", f"AR{n}", 5.0) for n in (1, 2, 3)))

TOPOLOGIES = {t.name: t for t in (ONE_MAP, TWO_MAPS, BEHIND_ROUTERS, FLAT)}


@dataclass(frozen=True)
class World:
    """One drawn set-up: topology, mode, route optimisation and the MN's own flow."""

    topology: Topology
    mode: str = "hmipv6"  # "hmipv6" | "mipv6"
    route_optimization: bool = False
    mn_flow: str = "none"  # "none" | "home" (echo from the home address) | "rcoa" (udp)

    @property
    def hmipv6(self) -> bool:
        return self.mode == "hmipv6"

    @property
    def lcoas(self) -> dict[IPv6Address, str]:
        return {self.topology.lcoa(a): a for a in self.topology.ars}

    @property
    def rcoas(self) -> dict[IPv6Address, str]:
        return {self.topology.rcoa(m): m for m in self.topology.maps}

    def address_of(self, name: str) -> IPv6Address:
        return IPv6Address(self.topology.node(name).address)

    def usable_on(self, ar: str, options) -> list:
        """The MAP options on ``ar``'s link a new binding may use (s.7.1): non-zero Pref
        and Valid Lifetime, from a MAP that accepts this link's prefix (s.6.2)."""
        by_address = {self.topology.map_address(m): m for m in self.topology.maps}
        return [o for o in options if o.pref > 0 and o.valid_lifetime_s > 0
                and o.map_address in by_address
                and self.topology.accepts(by_address[o.map_address], ar)]


# --- the time line ----------------------------------------------------------------------

SCHEDULED = ("move", "fail", "restore", "inject")  # the scenario format has these
IMMEDIATE = ("set_link", "set_map_option")  # only the Python API has these


@dataclass(frozen=True)
class Action:
    t: float
    verb: str
    args: tuple = ()
    label: str = ""  # what a crafted packet is, for the reproducer's comment


@dataclass
class Timeline:
    actions: list[Action] = field(default_factory=list)

    def add(self, t: float, verb: str, *args, label: str = "") -> Action:
        a = Action(t, verb, tuple(args), label)
        self.actions.append(a)
        return a

    @property
    def end_s(self) -> float:
        return max((a.t for a in self.actions), default=0.0)

    def apply_scheduled(self, sim: Simulation, a: Action) -> None:
        """Hand a scheduled action to the running simulation (it happens at ``a.t``)."""
        if a.verb == "move":
            sim.move(a.args[0], at_s=a.t)
        elif a.verb == "fail":
            sim.fail(a.args[0], at_s=a.t)
        elif a.verb == "restore":
            sim.restore(a.args[0], at_s=a.t)
        elif a.verb == "inject":
            sim.inject(a.args[0], a.args[1], at_s=a.t)
        else:
            raise ValueError(a.verb)

    @staticmethod
    def apply_immediate(sim: Simulation, a: Action) -> None:
        """Apply an action the scenario cannot schedule; the simulation is at ``a.t``."""
        if a.verb == "set_link":
            sim.set_link(a.args[0], a.args[1], loss=a.args[2])
        elif a.verb == "set_map_option":
            ar, map_name, pref, lifetime_s = a.args
            sim.set_map_option(ar, map_name, pref=pref, lifetime_s=lifetime_s)
        else:
            raise ValueError(a.verb)


# --- packets the time line injects -----------------------------------------------------

def ping_bytes(world: World, seq: int) -> bytes:
    """An echo request from the CN to the home address, past any binding the CN holds:
    it must reach the MN through the HA wherever the MN is registered."""
    return encode(Packet(world.address_of("CN"), HOA, EchoRequest(PING_IDENT, seq, PING_DATA)))


CRAFTED_KINDS = ("hijack-rcoa", "rcoa-to-home-address", "hijack-home", "deregister-unknown",
                 "deregister-unknown-home")


def crafted_bu(world: World, kind: str, map_name: str, sequence: int) -> tuple[bytes, str]:
    """A BU EVE sends with security "none" (s.12.1), and a line saying what it is."""
    t = world.topology
    map_address, rcoa = t.map_address(map_name), t.rcoa(map_name)
    ha = world.address_of("HA")
    if kind == "hijack-rcoa":
        p = Packet(EVE_ADDRESS, map_address, BindingUpdate(sequence, 600, map_registration=True),
                   hao=HomeAddressOption(rcoa))
        what = f"local BU binding {map_name}'s RCoA {rcoa} to EVE"
    elif kind == "rcoa-to-home-address":
        p = Packet(HOA, map_address, BindingUpdate(sequence, 600, map_registration=True),
                   hao=HomeAddressOption(rcoa))
        what = f"spoofed local BU binding {map_name}'s RCoA {rcoa} to the home address"
    elif kind == "hijack-home":
        p = Packet(EVE_ADDRESS, ha, BindingUpdate(sequence, 600, home_registration=True),
                   hao=HomeAddressOption(HOA))
        what = "home BU binding the home address to EVE"
    elif kind == "deregister-unknown":
        unknown = address_in(prefix64(map_address), 0x77)
        p = Packet(EVE_ADDRESS, map_address, BindingUpdate(sequence, 0, map_registration=True),
                   hao=HomeAddressOption(unknown))
        what = f"lifetime-0 local BU to {map_name} for {unknown}, which has no binding"
    elif kind == "deregister-unknown-home":
        unknown = address_in(prefix64(HOA), 0x77)
        p = Packet(EVE_ADDRESS, ha, BindingUpdate(sequence, 0, home_registration=True),
                   hao=HomeAddressOption(unknown))
        what = f"lifetime-0 home BU to the HA for {unknown}, which has no binding"
    else:
        raise ValueError(kind)
    return encode(p), f"{what} (sequence {sequence})"


# --- scenario text --------------------------------------------------------------------

def _q(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "0.0"
    return str(value)


def scenario_toml(world: World, timeline: Timeline | None = None,
                  duration_s: float = 86400.0) -> str:
    """The world as a scenario file; with a time line, its scheduled actions too."""
    t = world.topology
    out = ["# hmipviz scenario drawn by tests/engine/test_timelines.py. Format: docs/scenarios.md",
           "[scenario]", f"name = {_q('timeline-' + t.name)}",
           f"description = {_q(t.description)}", f"mode = {_q(world.mode)}", "seed = 1",
           f"duration_s = {_q(float(duration_s))}", ""]
    for n in t.nodes:
        out += ["[[node]]", f"name = {_q(n.name)}", f"role = {_q(n.role)}",
                f"address = {_q(n.address)}", f"prefix = {_q(n.prefix)}"]
        if n.map_address:
            out.append(f"map_address = {_q(n.map_address)}")
        if n.valid_onlink_prefixes is not None:
            out.append("valid_onlink_prefixes = [" + ", ".join(
                _q(p) for p in n.valid_onlink_prefixes) + "]")
        if n.max_lifetime_s is not None:
            out.append(f"max_lifetime_s = {n.max_lifetime_s}")
        if n.role == "ar":
            out.append("map_options = [" + ", ".join(
                f"{{ map = {_q(m)}, pref = {pref}, lifetime_s = {life} }}"
                for m, pref, life in n.map_options) + "]")
        out.append("")
    out += ["[[node]]", 'name = "MN"', 'role = "mn"', 'home_agent = "HA"',
            f"home_address = {_q(str(HOA))}", f"interface_id = {_q('::a')}", 'attach = "AR1"',
            f"route_optimization = {_q(world.route_optimization)}", ""]
    for a, b, delay in t.links:
        out += ["[[link]]", f"a = {_q(a)}", f"b = {_q(b)}", f"delay_ms = {_q(delay)}", ""]
    out += ["[[flow]]", 'from = "CN"', 'to = "MN"', 'kind = "echo"', "start_s = 1.0",
            "interval_ms = 500.0", ""]
    if world.mn_flow == "home":
        out += ["[[flow]]", 'from = "MN"', 'to = "CN"', 'kind = "echo"', "start_s = 1.5",
                "interval_ms = 1000.0", ""]
    elif world.mn_flow == "rcoa":
        out += ["[[flow]]", 'from = "MN"', 'to = "CN"', 'kind = "udp"', "start_s = 1.5",
                "interval_ms = 1000.0", "use_rcoa = true", ""]
    for a in (timeline.actions if timeline else ()):
        if a.verb == "move":
            out += ["[[move]]", f"at_s = {_q(a.t)}", f"to = {_q(a.args[0] or 'none')}", ""]
        elif a.verb in ("fail", "restore"):
            out += [f"[[{a.verb}]]", f"at_s = {_q(a.t)}", f"node = {_q(a.args[0])}", ""]
        elif a.verb == "inject":
            out += ["[[inject]]" + (f"  # {a.label}" if a.label else ""), f"at_s = {_q(a.t)}",
                    f"from = {_q(a.args[0])}", f"hex = {_q(a.args[1].hex())}", ""]
    return "\n".join(out)


@lru_cache(maxsize=64)
def load_world(toml_text: str) -> Scenario:
    """Read scenario text through the normal loader (which only reads files)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "timeline.toml"
        path.write_text(toml_text, encoding="utf-8")
        return load_scenario(path)


def strict_supported() -> bool:
    return "strict" in inspect.signature(Simulation).parameters


def new_simulation(scenario: Scenario) -> Simulation:
    """A Simulation in strict mode when the engine has one (an exception inside a node
    then fails the test instead of becoming a trace event)."""
    if strict_supported():
        return Simulation(scenario, strict=True)  # type: ignore[call-arg]
    return Simulation(scenario)


def replay(world: World, timeline: Timeline, end_s: float) -> Simulation:
    """Run a recorded time line the way the printed reproducer does."""
    sim = new_simulation(load_world(scenario_toml(world, timeline, end_s)))
    for a in timeline.actions:
        if a.verb in IMMEDIATE:
            sim.run(a.t)
            Timeline.apply_immediate(sim, a)
    sim.run(end_s)
    return sim


def reproducer(world: World, timeline: Timeline, end_s: float) -> str:
    """What a failing example prints: the scenario, and the Python calls for the verbs
    the scenario format lacks as comments, so the whole text is a valid scenario file."""
    text = scenario_toml(world, timeline, end_s)
    immediate = [a for a in timeline.actions if a.verb in IMMEDIATE]
    if not immediate:
        return "# ---- reproducer: save as timeline.toml, run `hmipviz run timeline.toml` ----\n" \
            + text
    calls = ["from hmipviz.scenario import load_scenario",
             "from hmipviz.sim import Simulation",
             "sim = Simulation(load_scenario('timeline.toml')"
             + (", strict=True)" if strict_supported() else ")")]
    for a in immediate:
        if a.verb == "set_link":
            calls.append(f"sim.run({a.t!r}); sim.set_link({a.args[0]!r}, {a.args[1]!r}, "
                         f"loss={a.args[2]!r})")
        else:
            ar, m, pref, life = a.args
            calls.append(f"sim.run({a.t!r}); sim.set_map_option({ar!r}, {m!r}, pref={pref!r}, "
                         f"lifetime_s={life!r})")
    calls.append(f"sim.run({end_s!r})")
    return ("# ---- reproducer: save as timeline.toml; the scenario format has no verb to change "
            "a link's loss or a MAP option for a while, so run the Python at the end "
            "(the lines after '# ---- python', without their '# ') ----\n" + text
            + "\n# ---- python ----\n" + "\n".join("# " + c for c in calls))


def settle_s(config: ProtocolConfig | None = None) -> float:
    """Long enough after the network is whole again for every registration to finish:
    a retransmission timer may just have backed off to MAX_BINDACK_TIMEOUT (RFC 6275
    s.11.8), the next BU then needs the MAP's answer and a second, fresh home
    registration (its own back-off, InitialBindackTimeoutFirstReg 1.5 s at most doubled
    a few times on a lossy start) and return routability with the CN; plus an RA
    interval to notice a restored MAP and the link-layer switch."""
    c = config or ProtocolConfig()
    return (2 * c.max_bindack_timeout_s + 4 * 1.5 + c.ra_max_interval_s
            + c.l2_switch_ms / 1000.0 + 5.0)
