"""Figures read off a trace: handover latencies, losses and signalling load.

The CLI's summary, the GUI's plot and the benchmarks all use these, so a number on
screen and a number in a report are the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import describe
from .engine.events import (
    Event,
    HandoverCompleted,
    HandoverStarted,
    PacketDropped,
    PacketReceived,
    PacketSent,
)

# which kind of node each signalling message is addressed to
SIGNALLING_TARGET = {
    describe.LOCAL_BU: "MAP",
    describe.HOME_BU: "HA",
    describe.CN_BU: "CN",
    describe.HOTI: "CN",
    describe.COTI: "CN",
}


@dataclass(frozen=True)
class HandoverFigures:
    kind: str
    from_ar: str | None
    to_ar: str | None
    start_s: float
    first_bu_s: float | None
    last_ba_s: float | None
    first_data_s: float | None
    latency_s: float | None
    packets_lost: int


@dataclass(frozen=True)
class SignallingFigures:
    target: str  # MAP | HA | CN
    messages: int
    bytes: int


def handovers(trace: list[Event], mn: str) -> list[HandoverFigures]:
    out: list[HandoverFigures] = []
    starts = [(i, e) for i, e in enumerate(trace)
              if isinstance(e, HandoverStarted) and e.node == mn]
    for n, (i, start) in enumerate(starts):
        end_index = starts[n + 1][0] if n + 1 < len(starts) else len(trace)
        window = trace[i:end_index]
        done = next((e for e in window if isinstance(e, HandoverCompleted)), None)
        t0 = done.started_t if done else start.t
        first_bu = next((e.t for e in window if isinstance(e, PacketSent) and e.origin
                         and e.node == mn and e.kind in SIGNALLING_TARGET), None)
        first_data = next((e.t for e in window if isinstance(e, PacketReceived)
                           and e.node == mn and e.kind == describe.DATA), None)
        horizon = first_data if first_data is not None else (done.t if done else None)
        # losses from the moment the link went down (which precedes the HandoverStarted)
        lost = sum(1 for e in trace if isinstance(e, PacketDropped) and e.kind == describe.DATA
                   and t0 <= e.t and (horizon is None or e.t <= horizon))
        # latency: link down to the last BA that completes the registration
        latency = done.t - t0 if done else None
        # the completed handover names what it turned out to be (a refused local BU makes
        # an intra-MAP move a fall-back to Mobile IPv6)
        kind = done.kind if done else start.kind
        out.append(HandoverFigures(kind, start.from_ar, start.to_ar, t0, first_bu,
                                   done.t if done else None, first_data, latency, lost))
    return out


def signalling(trace: list[Event], mn: str) -> list[SignallingFigures]:
    counts: dict[str, list[int]] = {t: [0, 0] for t in ("MAP", "HA", "CN")}
    for e in trace:
        if isinstance(e, PacketSent) and e.origin and e.node == mn:
            target = SIGNALLING_TARGET.get(e.kind)
            if target:
                counts[target][0] += 1
                counts[target][1] += len(e.data)
    return [SignallingFigures(t, m, b) for t, (m, b) in counts.items()]


def format_summary(trace: list[Event], mn: str, scenario: str, mode: str,
                   duration_s: float) -> str:
    lines = [f"scenario {scenario} ({mode}), simulated {duration_s:g} s, {len(trace)} events"]
    hos = handovers(trace, mn)
    lines.append(f"handovers: {len(hos)}")
    for h in hos:
        def ms(v: float | None) -> str:
            return "-" if v is None else f"{v:.3f}"
        lines.append(
            f"  {h.kind:<10} {h.from_ar or '-'} -> {h.to_ar or '-'}  start {h.start_s:.3f} s"
            f"  first BU {ms(h.first_bu_s)}  last BA {ms(h.last_ba_s)}"
            f"  first data {ms(h.first_data_s)}"
            f"  latency {'-' if h.latency_s is None else f'{h.latency_s * 1000:.1f} ms'}"
            f"  lost {h.packets_lost}")
    lines.append("signalling sent by the MN:")
    for s in signalling(trace, mn):
        lines.append(f"  to {s.target:<3}  {s.messages:4d} messages  {s.bytes:6d} bytes")
    sent = sum(1 for e in trace if isinstance(e, PacketSent))
    dropped = sum(1 for e in trace if isinstance(e, PacketDropped))
    lines.append(f"packet hops: {sent}, drops: {dropped}")
    return "\n".join(lines)
