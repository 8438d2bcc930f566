"""Shortest paths without importing networkx, when the shortest path is unique.

Importing networkx costs about 150 ms, and the window's first frame needs routes (it
opens at the first idle moment after the initial registration, issue 13). Where there
is exactly one shortest path every correct algorithm finds it, so a plain Dijkstra
here gives the route networkx gives; where two paths are equally short (within float
rounding) the callers still ask networkx, so that its choice among them, and so every
trace, stays what it was.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping

# the answer when another shortest path exists: ask networkx
AMBIGUOUS = None
_REL_EPS = 1e-9


def unique_shortest_path(neighbours: Callable[[str], Iterable[tuple[str, float]]],
                         nodes: Mapping[str, object] | set[str], source: str,
                         target: str) -> list[str] | tuple[()] | None:
    """The one shortest path from ``source`` to ``target`` (weights from
    ``neighbours(node)``: (neighbour, weight) pairs, non-negative); ``()`` when there is
    no path or either node is unknown; :data:`AMBIGUOUS` (None) when another path is as
    short (within a relative 1e-9)."""
    if source not in nodes or target not in nodes:
        return ()
    if source == target:
        return [source]
    dist: dict[str, float] = {source: 0.0}
    pred: dict[str, str] = {}
    # a node reached as short by a second way (not through its pred): its path is not
    # the only one, nor any path through it
    second_way: set[str] = set()
    done: set[str] = set()
    heap: list[tuple[float, int, str]] = [(0.0, 0, source)]
    count = 1
    while heap:
        d, _n, here = heapq.heappop(heap)
        if here in done:
            continue
        done.add(here)
        if target in dist and not _close(d, dist[target]) and d > dist[target]:
            break  # everything left is longer than the target's path
        for there, weight in neighbours(here):
            nd = d + weight
            old = dist.get(there)
            if there == source or there == pred.get(here):
                continue
            if old is not None and _close(nd, old):
                if pred.get(there) != here:
                    second_way.add(there)
            elif there not in done and (old is None or nd < old):
                dist[there] = nd
                pred[there] = here
                second_way.discard(there)
                heapq.heappush(heap, (nd, count, there))
                count += 1
    if target not in dist:
        return ()
    path = [target]
    while path[-1] != source:
        if path[-1] in second_way:
            return AMBIGUOUS
        path.append(pred[path[-1]])
    path.reverse()
    return path


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _REL_EPS * max(1.0, abs(a), abs(b))


__all__ = ["unique_shortest_path", "AMBIGUOUS"]
