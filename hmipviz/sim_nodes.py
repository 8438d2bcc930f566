"""Build the simulated network from a scenario: one engine node per ``[[node]]``, the
links and the routing graph, MAP options with their Dist, and the security setting.

Kept apart from :mod:`hmipviz.sim`, which moves bytes between the nodes built here.
"""

from __future__ import annotations

from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any

from .engine.addresses import address as interned
from .engine.addresses import interface_id_of
from .engine.nodes.access_router import AccessRouter, AdvertisedMap
from .engine.nodes.base import Node
from .engine.nodes.correspondent import CorrespondentNode
from .engine.nodes.home_agent import HomeAgent
from .engine.nodes.map import MobilityAnchorPoint
from .engine.nodes.mobile_node import MobileNode
from .engine.nodes.router import Host, Router
from .engine.topology import Link
from .scenario import NodeSpec, Scenario
from .sim_mns import MobileIndex
from .sim_snapshot import SnapshotRandom
from .wire.codec import encode, mobility_data

if TYPE_CHECKING:
    from .sim import Simulation


def agents_of(node: Node) -> list:
    """What keeps a binding cache on a node: the home-agent function of a HA, a MAP or an
    AR with a MAP, or a correspondent node itself."""
    if isinstance(node, CorrespondentNode):
        return [node]
    agent = getattr(node, "agent", None)
    map_function = getattr(node, "map", None)  # a MAP's, or an AR's with a MAP function
    if agent is None and map_function is not None:
        agent = map_function.agent
    return [agent] if agent is not None else []


def build_network(sim: Simulation) -> list[str]:
    """Fill ``sim.nodes`` and ``sim.topology`` from ``sim.scenario``; return the MNs'
    names in scenario order."""
    s = sim.scenario
    for link in s.links:
        sim.topology.add_link(Link(link.a, link.b, link.delay_ms, link.loss))
    names: dict[IPv6Address, str] = {}
    for spec in s.nodes:
        if spec.address is not None:
            names[interned(spec.address)] = spec.name
        if spec.map_address is not None:
            names[interned(spec.map_address)] = spec.name
    mn_names: list[str] = []
    for spec in s.nodes:
        node = _make_node(sim, spec, names)
        if isinstance(node, MobileNode):
            mn_names.append(spec.name)
        node.encode_packet = encode
        node.names = names
        sim.nodes[spec.name] = node
        sim.topology.add_node(spec.name, node.prefixes())
    index = sim.mobiles = _index(s, mn_names)
    for node in sim.nodes.values():
        for agent in agents_of(node):
            agent.mobile_name = (mn_names[0] if mn_names else "") or "MN"
            if len(mn_names) > 1:  # which MN a binding belongs to, from its address
                agent.mobile_names = index.name_for_binding
        if sim.security == "esp" and (isinstance(node, (MobileNode, HomeAgent,
                                                        MobilityAnchorPoint))
                                      or getattr(node, "map", None) is not None):
            node.require_esp = True
    return mn_names


def _index(s: Scenario, mn_names: list[str]) -> MobileIndex:
    mns = set(mn_names)
    fixed = [a for spec in s.nodes if spec.name not in mns
             for a in (spec.address, spec.map_address) if a is not None]
    return MobileIndex([(spec.name, spec.home_address, interface_id_of(spec.interface_id))
                        for spec in s.nodes if spec.name in mns], fixed)



def _make_node(sim: Simulation, spec: NodeSpec, names: dict[IPv6Address, str]) -> Node:
    common: dict[str, Any]
    common = {"config": sim.config, "rng": SnapshotRandom(f"{sim.seed}/{spec.name}")}
    # the engine's addresses are interned Address objects: cheap to compare and hash
    args = (spec.name, _interned(spec.address), spec.prefix)
    scenario = sim.scenario
    if spec.role == "mn":
        # required keys of an MN, and every HA has an address (the scenario's checks)
        assert spec.home_agent is not None and spec.home_address is not None
        ha = scenario.node(spec.home_agent)
        assert ha.address is not None
        return MobileNode(*args, home_address=interned(spec.home_address),
                          home_agent=interned(ha.address),
                          interface_id=interface_id_of(spec.interface_id),
                          mode=sim.mode, names=names,
                          route_optimization=spec.route_optimization,
                          mobility_data=mobility_data,
                          extra_maps=tuple(map_address(scenario, m) for m in spec.extra_maps),
                          cn_maps=_cn_maps(scenario, spec), **common)
    if spec.role == "ar":
        return AccessRouter(*args, advertised=_advertised(sim, spec),
                            map_address=_interned(spec.map_address),
                            max_lifetime_s=spec.max_lifetime_s,
                            valid_onlink_prefixes=spec.valid_onlink_prefixes,
                            probe_maps=spec.probe_maps, **common)
    if spec.role == "map":
        return MobilityAnchorPoint(*args, max_lifetime_s=spec.max_lifetime_s,
                                   valid_onlink_prefixes=spec.valid_onlink_prefixes,
                                   **common)
    if spec.role == "ha":
        return HomeAgent(*args, duplicate_addresses=frozenset(
            spec.duplicate_addresses), **common)
    if spec.role == "cn":
        return CorrespondentNode(*args, mobility_data=mobility_data, **common)
    cls = {"router": Router, "host": Host}
    return cls[spec.role](*args, **common)


def _interned(value: IPv6Address | None) -> IPv6Address | None:
    return None if value is None else interned(value)


def map_address(scenario: Scenario, name: str) -> IPv6Address:
    """The global address of a MAP: a MAP node's, or a flat AR's map_address."""
    m = scenario.node(name)
    address = m.address if m.role == "map" else m.map_address
    assert address is not None
    return interned(address)


def _cn_maps(scenario: Scenario, mn: NodeSpec) -> dict[IPv6Address, IPv6Address]:
    """Correspondent address -> the extra MAP whose RCoA the MN uses with it, from the
    flows that name one (``map``, RFC 5380 s.7.1); the first flow decides."""
    out: dict[IPv6Address, IPv6Address] = {}
    for flow in scenario.flows:
        if flow.map is None:
            continue
        peer = flow.destination if flow.source == mn.name else flow.source
        address = scenario.node(peer).address
        if address is not None:
            out.setdefault(interned(address), map_address(scenario, flow.map))
    return out


def _advertised(sim: Simulation, spec: NodeSpec) -> tuple[AdvertisedMap, ...]:
    out = []
    for opt in spec.map_options:
        m = sim.scenario.node(opt.map)
        address = map_address(sim.scenario, opt.map)
        dist = opt.dist if opt.dist is not None else \
            sim.topology.hop_count(spec.name, m.name) + 1
        out.append(AdvertisedMap(m.name, address, dist, opt.pref, opt.r, opt.lifetime_s))
    return tuple(out)
