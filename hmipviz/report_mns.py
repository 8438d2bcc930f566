"""The summary of a run with several MNs: totals above each MN's handovers.

Each event goes to the :class:`~hmipviz.report.RunFigures` of the MN it concerns
(:class:`~hmipviz.sim_mns.EventMobiles` reads that off the event or its packet's
addresses), so every MN's handover lines are figured exactly as a one-MN run's are,
and a run costs one small fold per MN, not one per MN per event. Above them: the
handovers by kind, their mean and 95th-percentile latency, the data packets lost,
and the binding signalling each HA, MAP and CN received (RFC 5380 s.1, s.3: HMIPv6
exists to keep it off the HA and the CNs), per second and per MN.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .engine import describe
from .engine.events import Event, PacketDropped, PacketReceived, PacketSent
from .report import SIGNALLING_TARGET, HandoverFigures, RunFigures, format_handover
from .sim_mns import EventMobiles, MobileIndex


@dataclass(frozen=True)
class ReceivedSignalling:
    """Binding signalling one HA, MAP or CN processed during a run."""

    node: str
    target: str  # MAP | HA | CN
    messages: int
    bytes: int


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


class FleetFigures:
    """The summary's figures for several MNs, folded one event at a time."""

    def __init__(self, index: MobileIndex, targets: dict[str, str]) -> None:
        """``targets``: node name -> "HA", "MAP" or "CN" for each node whose received
        signalling is counted (an AR with a MAP function counts as a MAP)."""
        self.index = index
        self.mobiles = EventMobiles(index)
        self.per_mn = {name: RunFigures(name) for name in index.names}
        self.targets = targets
        self.events = 0
        self.packet_hops = 0
        self.drops = 0
        self.data_lost = 0
        self._in_flight: dict[int, int] = {}  # signalling packet id -> bytes of its hop
        self._received: dict[str, list[int]] = {n: [0, 0] for n in targets}

    def __call__(self, e: Event) -> None:
        self.add(e)

    def add(self, e: Event) -> None:
        self.events += 1
        figures = self.per_mn.get(self.mobiles.of(e))  # type: ignore[arg-type]
        if figures is not None:
            figures.add(e)
        if isinstance(e, PacketSent):
            self.packet_hops += 1
            if e.kind in SIGNALLING_TARGET:
                self._in_flight[e.packet_id] = len(e.data)
        elif isinstance(e, PacketReceived):
            size = self._in_flight.pop(e.packet_id, None)
            if size is not None and self.targets.get(e.node) == SIGNALLING_TARGET[e.kind]:
                counts = self._received[e.node]
                counts[0] += 1
                counts[1] += size
        elif isinstance(e, PacketDropped):
            self.drops += 1
            self._in_flight.pop(e.packet_id, None)
            if e.kind == describe.DATA:
                self.data_lost += 1

    def handovers(self) -> dict[str, list[HandoverFigures]]:
        return {name: figures.handovers() for name, figures in self.per_mn.items()}

    def received(self) -> list[ReceivedSignalling]:
        order = {"HA": 0, "MAP": 1, "CN": 2}
        rows = [ReceivedSignalling(n, t, *self._received[n]) for n, t in self.targets.items()]
        return sorted(rows, key=lambda r: order[r.target])


def signalling_targets(nodes: Iterable) -> dict[str, str]:
    """Node name -> HA / MAP / CN for the nodes of a scenario (``NodeSpec``s) that
    process binding signalling, in scenario order."""
    out = {}
    for n in nodes:
        if n.role == "ha":
            out[n.name] = "HA"
        elif n.role == "map" or (n.role == "ar" and n.map_address is not None):
            out[n.name] = "MAP"
        elif n.role == "cn":
            out[n.name] = "CN"
    return out


def format_fleet(figures: FleetFigures, scenario: str, mode: str, duration_s: float) -> str:
    mns = len(figures.per_mn)
    per_mn = figures.handovers()
    every = [h for hos in per_mn.values() for h in hos]
    kinds = Counter(h.kind for h in every)
    latencies = [h.latency_s for h in every if h.latency_s is not None]
    lines = [f"scenario {scenario} ({mode}), simulated {duration_s:g} s, "
             f"{figures.events} events, {mns} MNs"]
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    lines.append(f"handovers: {len(every)}" + (f" ({by_kind})" if by_kind else ""))
    if latencies:
        mean = sum(latencies) / len(latencies)
        p95 = percentile(latencies, 0.95) or 0.0
        lines.append(f"handover latency: mean {mean * 1000:.1f} ms, 95th percentile "
                     f"{p95 * 1000:.1f} ms ({len(latencies)} completed)")
    else:
        lines.append("handover latency: - (none completed)")
    lines.append(f"data packets lost: {figures.data_lost}")
    lines.append("signalling received (binding updates, HoTI/CoTI):")
    per_s = duration_s if duration_s > 0 else 1.0
    for r in figures.received():
        lines.append(f"  {r.target:<3} {r.node:<8} {r.messages:6d} messages {r.bytes:8d} bytes"
                     f"  {r.messages / per_s:8.2f} msg/s {r.bytes / per_s:9.1f} B/s"
                     f"  {r.messages / mns:7.2f} msg/MN {r.bytes / mns:8.1f} B/MN")
    lines.append(f"packet hops: {figures.packet_hops}, drops: {figures.drops}")
    lines.append("per MN:")
    for name, hos in per_mn.items():
        sent = figures.per_mn[name].signalling()
        bus = ", ".join(f"{s.messages} to {s.target}" for s in sent)
        count = f"{len(hos)} handover" + ("" if len(hos) == 1 else "s")
        lines.append(f"  {name}: {count}; signalling sent: {bus}")
        for h in hos:
            lines.append("    " + format_handover(h))
    return "\n".join(lines)
