"""What one run measured, read off its trace: one row per handover, one per signalling
node, and the run's totals. Plain dicts and numbers, so they go to JSON and CSV as is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hmipviz.engine import describe
from hmipviz.engine.events import Event, PacketReceived, PacketSent
from hmipviz.report import SIGNALLING_TARGET, handovers
from hmipviz.scenario import NodeSpec

if TYPE_CHECKING:  # the simulator (and through it scapy) only where runs execute
    from hmipviz.sim import Simulation

from . import model
from .stats import mean, median, percentile


def node_role(node: NodeSpec) -> str | None:
    """The role a node's signalling load is counted under: HA, MAP or CN."""
    if node.role == "ha":
        return "HA"
    if node.is_map:
        return "MAP"
    if node.role == "cn":
        return "CN"
    return None


def _ra_answer_s(trace: list[Event], ar: str | None, mn: str, after_s: float,
                 before_s: float) -> float | None:
    """How long ``ar`` took to answer the MN's Router Solicitation in this window."""
    rs_t = next((e.t for e in trace if isinstance(e, PacketReceived) and e.node == ar
                 and e.kind == describe.RS and after_s <= e.t < before_s), None)
    if rs_t is None:
        return None
    ra_t = next((e.t for e in trace if isinstance(e, PacketSent) and e.node == ar
                 and e.to_node == mn and e.kind == describe.RA and e.t >= rs_t), None)
    return None if ra_t is None else max(0.0, ra_t - rs_t)


def handover_rows(sim: Simulation) -> list[dict[str, Any]]:
    """Every handover of the MN with its latency, losses, home BUs and the model."""
    trace, scenario, mn = sim.trace, sim.scenario, sim.mn_name
    has = {n.name for n in scenario.nodes if n.role == "ha"}
    maps = {n.name for n in scenario.nodes if n.is_map}
    home_agent = scenario.node(mn).home_agent or ""
    graph = model.link_graph(scenario)
    figures = handovers(trace, mn)
    rows = []
    for n, h in enumerate(figures):
        end_s = figures[n + 1].start_s if n + 1 < len(figures) else float("inf")
        ha_bus = sum(1 for e in trace if isinstance(e, PacketReceived) and e.node in has
                     and e.kind == describe.HOME_BU and h.start_s <= e.t < end_s)
        map_name = next((e.node for e in trace if isinstance(e, PacketReceived)
                         and e.node in maps and e.kind == describe.LOCAL_BU
                         and h.start_s <= e.t < end_s), None)
        ra_s = _ra_answer_s(trace, h.to_ar, mn, h.start_s, end_s)
        terms = None
        if h.to_ar is not None and ra_s is not None and home_agent:
            terms = model.handover_terms(scenario, sim.config, h.kind, sim.mode, h.to_ar,
                                         map_name, home_agent, ra_s, graph)
        rows.append({
            "mn": mn, "kind": h.kind, "from_ar": h.from_ar or "", "to_ar": h.to_ar or "",
            "map": map_name or "", "start_s": round(h.start_s, 9),
            "latency_ms": None if h.latency_s is None else round(h.latency_s * 1000, 6),
            "packets_lost": h.packets_lost, "ha_bus": ha_bus,
            "ra_answer_ms": None if ra_s is None else round(ra_s * 1000, 6),
            "model_latency_ms": None if terms is None else round(terms.latency_s * 1000, 6),
        })
    return rows


def signalling_rows(sim: Simulation, duration_s: float) -> list[dict[str, Any]]:
    """Signalling messages and bytes each HA, MAP and CN received (as the node they are
    addressed to: a home BU tunnelled through a MAP counts at the HA only)."""
    roles = {n.name: r for n in sim.scenario.nodes if (r := node_role(n)) is not None}
    last_hop_bytes: dict[tuple[int, str], int] = {}
    counts = {name: [0, 0] for name in roles}
    for e in sim.trace:
        if isinstance(e, PacketSent):
            last_hop_bytes[(e.packet_id, e.to_node)] = len(e.data)
        elif isinstance(e, PacketReceived) and e.node in roles and \
                SIGNALLING_TARGET.get(e.kind) == roles[e.node]:
            counts[e.node][0] += 1
            counts[e.node][1] += last_hop_bytes.get((e.packet_id, e.node), 0)
    return [{"node": name, "role": roles[name], "messages": m, "bytes": b,
             "messages_per_s": round(m / duration_s, 6), "bytes_per_s": round(b / duration_s, 6)}
            for name, (m, b) in counts.items()]


METRICS = {
    "moves": "handovers after the first attachment",
    "latency_ms_median": "median handover latency (link down to last BA), moves only",
    "latency_ms_p95": "95th percentile handover latency, moves only",
    "latency_ms_mean": "mean handover latency, moves only",
    "model_latency_ms_median": "median of the model's latency for the same moves",
    "lost_per_handover": "mean data packets lost per move",
    "ha_bus_per_handover": "mean BUs reaching the HA per move",
    "ha_messages_per_s": "signalling messages received by the HA(s) per second",
    "ha_bytes_per_s": "signalling bytes received by the HA(s) per second",
    "map_messages_per_s": "signalling messages received by the MAP(s) per second",
    "map_bytes_per_s": "signalling bytes received by the MAP(s) per second",
    "cn_messages_per_s": "signalling messages received by the CN(s) per second",
    "cn_bytes_per_s": "signalling bytes received by the CN(s) per second",
}


def run_metrics(hos: list[dict[str, Any]], sig: list[dict[str, Any]]) -> dict[str, Any]:
    moves = [h for h in hos if h["kind"] != model.INITIAL]
    lat = [h["latency_ms"] for h in moves if h["latency_ms"] is not None]
    mod = [h["model_latency_ms"] for h in moves if h["model_latency_ms"] is not None]
    out: dict[str, Any] = {
        "moves": len(moves),
        "latency_ms_median": median(lat), "latency_ms_p95": percentile(lat, 95),
        "latency_ms_mean": mean(lat), "model_latency_ms_median": median(mod),
        "lost_per_handover": mean([h["packets_lost"] for h in moves]),
        "ha_bus_per_handover": mean([h["ha_bus"] for h in moves]),
    }
    for role in ("HA", "MAP", "CN"):
        rows = [s for s in sig if s["role"] == role]
        out[f"{role.lower()}_messages_per_s"] = round(sum(s["messages_per_s"] for s in rows), 6)
        out[f"{role.lower()}_bytes_per_s"] = round(sum(s["bytes_per_s"] for s in rows), 6)
    return out
