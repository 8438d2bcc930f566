"""The closed-form handover latency beside the measured one (docs/experiments.md).

With fixed link delays (no loss, no jitter) and no processing time in the nodes (the
simulator delivers a packet the instant it arrives), a handover that starts when the
link goes down completes when the last Binding Acknowledgement it needs reaches the MN:

    latency = L2 switch + movement detection + registration

    movement detection = access link (RS) + the AR's answer delay + access link (RA)
    registration, intra-MAP     = 2 (a + d(AR, MAP))                          RFC 5380 s.6.1
    registration, inter-MAP     = 2 (a + d(AR, MAP)) + 2 (a + d(AR, MAP) + d(MAP, HA))
                                  (local BU first, then the home BU through the MAP's tunnel)
    registration, Mobile IPv6   = 2 (a + d(AR, HA))                          RFC 6275 s.11.7.1

where ``a`` is the access link's one-way delay and ``d`` the delay of the shortest path
the simulator routes along (networkx, weighted by delay, hmipviz/engine/topology.py).
The AR answers a Router Solicitation after a random 0..max_ra_delay_s (RFC 4861
s.6.2.6, hmipviz/engine/nodes/access_router.py): callers pass the delay the trace shows,
or 0 when the experiment sets max_ra_delay_s = 0.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from hmipviz.engine.config import ProtocolConfig
from hmipviz.scenario import Scenario

INTRA_MAP = "intra-MAP"
INTER_MAP = "inter-MAP"
MIPV6 = "mipv6"
INITIAL = "initial"


@dataclass(frozen=True)
class ModelTerms:
    """The terms of one handover's latency, in seconds."""

    l2_switch_s: float
    detection_s: float
    registration_s: float

    @property
    def latency_s(self) -> float:
        return self.l2_switch_s + self.detection_s + self.registration_s


def link_graph(scenario: Scenario) -> nx.Graph[str]:
    """The wired links, weighted by one-way delay in seconds (as the simulator routes)."""
    g: nx.Graph[str] = nx.Graph()
    for link in scenario.links:
        g.add_edge(link.a, link.b, delay_s=link.delay_ms / 1000.0, weight=link.delay_ms)
    return g


def path_delay_s(graph: nx.Graph[str], a: str, b: str) -> float:
    """One-way delay along the shortest (least-delay) path from ``a`` to ``b``."""
    path = nx.shortest_path(graph, a, b, weight="weight")
    return sum(graph.edges[u, v]["delay_s"] for u, v in itertools.pairwise(path))


def handover_terms(scenario: Scenario, config: ProtocolConfig, kind: str, mode: str, ar: str,
                   map_name: str | None, home_agent: str, ra_answer_s: float,
                   graph: nx.Graph[str] | None = None) -> ModelTerms | None:
    """The model's terms for a handover of ``kind`` onto ``ar``; None for kinds the model
    does not cover (a MAP change, a fall-back to Mobile IPv6 after a refused local BU)."""
    g = graph if graph is not None else link_graph(scenario)
    access_s = config.access_link_delay_ms / 1000.0
    # the first attachment has no switch: the link comes up at once
    l2_s = 0.0 if kind == INITIAL else config.l2_switch_ms / 1000.0
    detection_s = 2 * access_s + ra_answer_s
    if mode == "mipv6":
        if kind not in (MIPV6, INITIAL):
            return None
        return ModelTerms(l2_s, detection_s, 2 * (access_s + path_delay_s(g, ar, home_agent)))
    if map_name is None:
        return None
    mn_map_s = access_s + path_delay_s(g, ar, map_name)
    local_s = 2 * mn_map_s
    if kind == INTRA_MAP:
        return ModelTerms(l2_s, detection_s, local_s)
    if kind in (INTER_MAP, INITIAL):
        home_s = 2 * (mn_map_s + path_delay_s(g, map_name, home_agent))
        return ModelTerms(l2_s, detection_s, local_s + home_s)
    return None


def expected_ra_answer_s(config: ProtocolConfig) -> float:
    """The mean of the AR's uniform 0..max_ra_delay_s answer delay."""
    return config.max_ra_delay_s / 2.0
