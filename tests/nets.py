"""Small topologies for engine tests, built in Python so each test shows its network."""

from __future__ import annotations

from ipaddress import IPv6Address as A
from ipaddress import IPv6Network as N

from hmipviz.engine.events import PacketSent
from hmipviz.scenario import (
    FlowSpec,
    LinkSpec,
    MapOptionSpec,
    MoveSpec,
    NodeActionSpec,
    NodeSpec,
    Scenario,
)

HOA = A("2001:db8:1::a")
LCOA1, LCOA2, LCOA3, LCOA4 = (A(f"2001:db8:{i}::a") for i in (2, 3, 4, 5))
RCOA1, RCOA2 = A("2001:db8:100::a"), A("2001:db8:200::a")
MAP1_ADDR, MAP2_ADDR = A("2001:db8:100::1"), A("2001:db8:200::1")
HA_ADDR, CN_ADDR = A("2001:db8:1::1"), A("2001:db8:50::1")


def ar(name: str, n: int, *maps: MapOptionSpec) -> NodeSpec:
    return NodeSpec(name, "ar", A(f"2001:db8:{n}::1"), N(f"2001:db8:{n}::/64"),
                    map_options=tuple(maps))


def core(mn=None, **map1) -> list[NodeSpec]:
    return [
        NodeSpec("HA", "ha", HA_ADDR, N("2001:db8:1::/64")),
        NodeSpec("CN", "cn", CN_ADDR, N("2001:db8:50::/64")),
        NodeSpec("R", "router", A("2001:db8:ff::1"), N("2001:db8:ff::/64")),
        NodeSpec("MAP1", "map", MAP1_ADDR, N("2001:db8:100::/64"), **map1),
        NodeSpec("MN", "mn", home_agent="HA", home_address=HOA, interface_id=0xA,
                 attach="AR1", **(mn or {})),
    ]


def figure1(moves=(), flows=(), duration_s=10.0, mode="hmipv6", protocol=None, fails=(),
            restores=(), map1=None, injects=(), extra_nodes=(), extra_links=(),
            mn=None) -> Scenario:
    """RFC 5380 Figure 1: HA and CN behind R, MAP1 above AR1 and AR2. ``mn``: more
    NodeSpec fields for the MN (``route_optimization``)."""
    nodes = core(mn, **(map1 or {})) + [ar("AR1", 2, MapOptionSpec("MAP1")),
                                     ar("AR2", 3, MapOptionSpec("MAP1"))] + list(extra_nodes)
    links = [LinkSpec("HA", "R", 20), LinkSpec("CN", "R", 20), LinkSpec("R", "MAP1", 10),
             LinkSpec("MAP1", "AR1", 2), LinkSpec("MAP1", "AR2", 2)] + list(extra_links)
    return Scenario("figure1", mode=mode, duration_s=duration_s, nodes=tuple(nodes),
                    links=tuple(links), moves=tuple(MoveSpec(t, to) for t, to in moves),
                    flows=tuple(flows), protocol=protocol or {}, injects=tuple(injects),
                    fails=tuple(NodeActionSpec(t, n) for t, n in fails),
                    restores=tuple(NodeActionSpec(t, n) for t, n in restores))


def two_domains(moves=(), flows=(), duration_s=15.0, map1=None, mode="hmipv6",
                fails=(), restores=(), shared_ars=False, mn=None, protocol=None,
                extra_nodes=(), extra_links=()) -> Scenario:
    """MAP1 over AR1/AR2 and MAP2 over AR3/AR4; with shared_ars every AR advertises both
    MAPs (MAP1 pref 10, MAP2 pref 5, so MAP1 wins while it is alive). ``mn``: more
    NodeSpec fields for the MN (``extra_maps``, ``route_optimization``)."""
    m1, m2 = MapOptionSpec("MAP1", pref=10), MapOptionSpec("MAP2", pref=5)
    if shared_ars:
        ars = [ar("AR1", 2, m1, m2), ar("AR2", 3, m1, m2), ar("AR3", 4, m1, m2),
               ar("AR4", 5, m1, m2)]
    else:
        ars = [ar("AR1", 2, m1), ar("AR2", 3, m1), ar("AR3", 4, m2), ar("AR4", 5, m2)]
    nodes = core(mn, **(map1 or {})) + [
        NodeSpec("MAP2", "map", MAP2_ADDR, N("2001:db8:200::/64"))] + ars
    links = [LinkSpec("HA", "R", 20), LinkSpec("CN", "R", 20), LinkSpec("R", "MAP1", 10),
             LinkSpec("R", "MAP2", 10), LinkSpec("R", "AGG", 5)]
    nodes.append(NodeSpec("AGG", "router", A("2001:db8:fe::1"), N("2001:db8:fe::/64")))
    links += [LinkSpec("AGG", a, 2) for a in ("AR1", "AR2", "AR3", "AR4")]
    nodes += list(extra_nodes)
    links += list(extra_links)
    return Scenario("two-domains", mode=mode, duration_s=duration_s, nodes=tuple(nodes),
                    links=tuple(links), moves=tuple(MoveSpec(t, to) for t, to in moves),
                    flows=tuple(flows), protocol=protocol or {},
                    fails=tuple(NodeActionSpec(t, n) for t, n in fails),
                    restores=tuple(NodeActionSpec(t, n) for t, n in restores))


def echo(start_s=1.0, interval_ms=100.0, source="CN") -> FlowSpec:
    return FlowSpec(source, "MN" if source != "MN" else "CN", "echo", start_s, interval_ms)


def originated(trace, since_t: float = -1.0, kinds=None, include_data=False):
    """(node, kind, tunnel depth) of every packet a node built, in order."""
    out = []
    for e in trace:
        if isinstance(e, PacketSent) and e.origin and e.t >= since_t:
            if not include_data and e.kind == "data":
                continue
            if kinds is not None and e.kind not in kinds:
                continue
            out.append((e.node, e.kind, e.tunnel_depth))
    return out


def sent(trace, kind: str, node: str | None = None, since_t: float = -1.0):
    return [e for e in trace if isinstance(e, PacketSent) and e.origin and e.kind == kind
            and (node is None or e.node == node) and e.t >= since_t]
