"""What one run measured, read off its trace: one row per handover, one per signalling
node, and the run's totals. Plain dicts and numbers, so they go to JSON and CSV as is."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hmipviz.engine import describe
from hmipviz.engine.events import PacketReceived, PacketSent
from hmipviz.report import SIGNALLING_TARGET, RunFigures
from hmipviz.scenario import NodeSpec
from hmipviz.sim_mns import EventMobiles

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


@dataclass
class _MnEvents:
    """What one MN's handovers need from the trace, in time order."""

    home_bus: list[float] = field(default_factory=list)  # HA received its home BU
    local_bus: list[tuple[float, str]] = field(default_factory=list)  # (t, MAP)
    rs_received: list[tuple[float, str]] = field(default_factory=list)  # (t, AR)
    ra_sent: list[tuple[float, str]] = field(default_factory=list)  # (t, AR) to this MN


def _fold(sim: Simulation) -> tuple[dict[str, RunFigures], dict[str, _MnEvents]]:
    """One pass over the trace: each MN's handover figures (as `hmipviz run` figures
    them) and the events its rows need. With one MN every event is its event, as in a
    one-MN run's summary; with several, :class:`EventMobiles` says whose each is."""
    names = list(sim.mn_names)
    figures = {name: RunFigures(name) for name in names}
    seen = {name: _MnEvents() for name in names}
    mobiles = EventMobiles(sim.mobiles)
    has = {n.name for n in sim.scenario.nodes if n.role == "ha"}
    maps = {n.name for n in sim.scenario.nodes if n.is_map}
    only = names[0] if len(names) == 1 else None
    for e in sim.trace:
        mn = mobiles.of(e)  # every event, in order: it tracks the packets in flight
        owner = only or mn
        if owner is not None:
            figures[owner].add(e)
        if isinstance(e, PacketReceived) and mn is not None:
            if e.kind == describe.HOME_BU and e.node in has:
                seen[mn].home_bus.append(e.t)
            elif e.kind == describe.LOCAL_BU and e.node in maps:
                seen[mn].local_bus.append((e.t, e.node))
            elif e.kind == describe.RS:
                seen[mn].rs_received.append((e.t, e.node))
        elif isinstance(e, PacketSent) and e.kind == describe.RA and e.to_node in seen:
            seen[e.to_node].ra_sent.append((e.t, e.node))
    return figures, seen


def _in_window(times: list, start_s: float, end_s: float) -> list:
    """The entries of a time-ordered list (times or (t, ...) tuples) in [start, end)."""
    keys = [t if isinstance(t, float) else t[0] for t in times]
    return times[bisect_left(keys, start_s):bisect_left(keys, end_s)]


def _ra_answer_s(seen: _MnEvents, ar: str | None, start_s: float, end_s: float
                 ) -> float | None:
    """How long ``ar`` took to answer this MN's Router Solicitation in this window."""
    rs_t = next((t for t, node in _in_window(seen.rs_received, start_s, end_s)
                 if node == ar), None)
    if rs_t is None:
        return None
    ra_t = next((t for t, node in _in_window(seen.ra_sent, rs_t, float("inf"))
                 if node == ar), None)
    return None if ra_t is None else max(0.0, ra_t - rs_t)


def measure(sim: Simulation) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every handover of every MN with its latency, losses, home BUs and the model; and
    one row per MN: its handovers and the BUs the HA and the MAPs received from it."""
    scenario = sim.scenario
    graph = model.link_graph(scenario)
    figures, seen = _fold(sim)
    rows, per_mn = [], []
    for mn in sim.mn_names:
        home_agent = scenario.node(mn).home_agent or ""
        hos = figures[mn].handovers()
        mine = seen[mn]
        for n, h in enumerate(hos):
            end_s = hos[n + 1].start_s if n + 1 < len(hos) else float("inf")
            ha_bus = len(_in_window(mine.home_bus, h.start_s, end_s))
            map_name = next((m for _, m in _in_window(mine.local_bus, h.start_s, end_s)),
                            None)
            ra_s = _ra_answer_s(mine, h.to_ar, h.start_s, end_s)
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
                "model_latency_ms": None if terms is None else round(terms.latency_s * 1000,
                                                                     6),
            })
        per_mn.append({"mn": mn, "handovers": len(hos),
                       "moves": sum(1 for h in hos if h.kind != model.INITIAL),
                       "ha_bus": len(mine.home_bus), "map_bus": len(mine.local_bus),
                       "packets_lost": sum(h.packets_lost for h in hos)})
    return rows, per_mn


def handover_rows(sim: Simulation) -> list[dict[str, Any]]:
    """Every handover of every MN (see :func:`measure`)."""
    return measure(sim)[0]


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
    "mns": "mobile nodes in the run",
    "ha_messages_per_mn_s": "signalling messages received by the HA(s) per MN per second",
    "map_messages_per_mn_s": "signalling messages received by the MAP(s) per MN per second",
    "map_max_messages_per_s": "signalling messages received by the busiest MAP per second",
}


def run_metrics(hos: list[dict[str, Any]], sig: list[dict[str, Any]], mns: int = 1
                ) -> dict[str, Any]:
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
    out["mns"] = mns
    out["ha_messages_per_mn_s"] = round(out["ha_messages_per_s"] / max(1, mns), 6)
    out["map_messages_per_mn_s"] = round(out["map_messages_per_s"] / max(1, mns), 6)
    out["map_max_messages_per_s"] = max(
        (s["messages_per_s"] for s in sig if s["role"] == "MAP"), default=0.0)
    return out
