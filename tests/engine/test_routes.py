"""Routes without networkx (issue 13's start-up): where the shortest path is unique the
plain Dijkstra of hmipviz.engine.routes finds the path networkx finds; where another is
as short it answers AMBIGUOUS and the topology asks networkx, so every route, and every
trace, is what it was."""

from __future__ import annotations

import random

import networkx as nx

from hmipviz.engine.routes import AMBIGUOUS, unique_shortest_path
from hmipviz.scenario import builtin_scenarios, load_scenario
from hmipviz.sim import Simulation


def _networkx_path(graph, a, b):
    try:
        return nx.shortest_path(graph, a, b, weight="weight")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return ()


def _compare(adjacent: dict[str, dict[str, float]]) -> tuple[int, int]:
    """Every pair: our answer is networkx's path or AMBIGUOUS, and AMBIGUOUS only where
    networkx has another path as short. (unique, ambiguous) pair counts."""
    graph = nx.Graph()
    graph.add_nodes_from(adjacent)
    for a, nbrs in adjacent.items():
        for b, w in nbrs.items():
            graph.add_edge(a, b, weight=w)
    unique = ambiguous = 0
    for a in adjacent:
        for b in adjacent:
            ours = unique_shortest_path(lambda n: adjacent[n].items(), adjacent, a, b)
            if ours is AMBIGUOUS:
                paths = list(nx.all_shortest_paths(graph, a, b, weight="weight"))
                assert len(paths) > 1, (a, b, paths)
                ambiguous += 1
            else:
                assert list(ours) == list(_networkx_path(graph, a, b)), (a, b)
                unique += 1
    return unique, ambiguous


def test_every_builtin_scenarios_routes_are_networkx_routes():
    for name in builtin_scenarios():
        sim = Simulation(load_scenario(name))
        sim.run(0.5)  # the MNs' access links in place
        topo = sim.topology
        adjacent = {n: {m: w for m, (_l, w) in nbrs.items()}
                    for n, nbrs in topo._adjacent.items()}
        unique, _ambiguous = _compare(adjacent)
        assert unique > len(adjacent), name


def test_figure1_routes_without_importing_networkx():
    """The window's first frame routes figure1's start without networkx (a fresh graph's
    next hops from the topology's own Dijkstra)."""
    sim = Simulation(load_scenario("figure1"))
    sim.run(0.5)
    assert sim.topology._graph is None  # networkx's graph never built
    assert sim.topology.next_hop("HA", "AR1") is not None


def test_equal_paths_are_left_to_networkx():
    square = {"A": {"B": 1.0, "C": 1.0}, "B": {"A": 1.0, "D": 1.0},
              "C": {"A": 1.0, "D": 1.0}, "D": {"B": 1.0, "C": 1.0}}
    assert unique_shortest_path(lambda n: square[n].items(), square, "A", "D") is AMBIGUOUS
    assert unique_shortest_path(lambda n: square[n].items(), square, "A", "B") == ["A", "B"]
    # ties of floats that round differently in either direction
    tri = {"A": {"B": 0.1, "C": 0.3}, "B": {"A": 0.1, "C": 0.2}, "C": {"A": 0.3, "B": 0.2}}
    assert unique_shortest_path(lambda n: tri[n].items(), tri, "A", "C") is AMBIGUOUS
    # a zero-delay link makes a second way of the same length
    zero = {"A": {"B": 0.0, "C": 1.0}, "B": {"A": 0.0, "C": 1.0}, "C": {"A": 1.0, "B": 1.0}}
    assert unique_shortest_path(lambda n: zero[n].items(), zero, "A", "C") is AMBIGUOUS
    assert unique_shortest_path(lambda n: zero[n].items(), zero, "A", "X") == ()
    assert unique_shortest_path(lambda n: zero[n].items(), zero, "A", "A") == ["A"]


def test_random_graphs_agree_with_networkx():
    rng = random.Random(13)
    total_ambiguous = 0
    for _ in range(60):
        n = rng.randint(2, 9)
        names = [f"N{i}" for i in range(n)]
        adjacent: dict[str, dict[str, float]] = {a: {} for a in names}
        for a in names:
            for b in names:
                if a < b and rng.random() < 0.4:
                    w = float(rng.choice([0, 1, 2, 3, 5, 10, 20]))
                    adjacent[a][b] = adjacent[b][a] = w
        _unique, ambiguous = _compare(adjacent)
        total_ambiguous += ambiguous
    assert total_ambiguous > 0  # the draw did make ties, and they were seen
