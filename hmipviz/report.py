"""Figures read off a trace: handover latencies, losses and signalling load.

Folded event by event (:class:`RunFigures`), so the CLI computes them while a run
streams its outputs, without keeping the trace.

The CLI's summary, the GUI's plot and the benchmarks all use these, so a number on
screen and a number in a report are the same number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .engine import describe
from .engine.events import (
    Event,
    HandoverCompleted,
    HandoverStarted,
    LinkChanged,
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


class _Handover:
    """One handover being folded. Its figures need the data drops between the moment
    the link went down (``t0``, possibly before the HandoverStarted event) and the
    first data packet after it, so it keeps cumulative drop counts, not events."""

    def __init__(self, start: HandoverStarted, before_start: int,
                 marks: dict[float, int]) -> None:
        self.start = start
        self.before_start = before_start  # data drops with t < start.t
        self.marks = marks  # MN link change time -> data drops before that time
        self.in_window = True  # until the MN's next HandoverStarted
        self.done: HandoverCompleted | None = None
        self.first_bu: float | None = None
        self.first_data: float | None = None
        self.upto_done: int | None = None  # data drops with t <= done.t, once time passed it
        self.upto_data: int | None = None  # data drops with t <= first_data

    def time_passed(self, t: float, drops: int) -> bool:
        """Time moved on to ``t`` with ``drops`` data drops so far; True when nothing is
        left to wait for."""
        if self.done is not None and self.upto_done is None and self.done.t < t:
            self.upto_done = drops
        if self.first_data is not None and self.upto_data is None and self.first_data < t:
            self.upto_data = drops
        return (self.done is None or self.upto_done is not None) and \
            (self.first_data is None or self.upto_data is not None)

    def figures(self, drops_now: int) -> HandoverFigures:
        done, start = self.done, self.start
        t0 = done.started_t if done else start.t
        before_t0 = self.before_start if t0 == start.t else self.marks.get(t0, self.before_start)
        if self.first_data is not None:
            upto = self.upto_data
        elif done is not None:
            upto = self.upto_done
        else:
            upto = None  # no horizon: every drop from t0 on counts
        lost = (drops_now if upto is None else upto) - before_t0
        # the completed handover names what it turned out to be (a refused local BU makes
        # an intra-MAP move a fall-back to Mobile IPv6)
        kind = done.kind if done else start.kind
        return HandoverFigures(kind, start.from_ar, start.to_ar, t0, self.first_bu,
                               done.t if done else None, self.first_data,
                               done.t - t0 if done else None, lost)


class RunFigures:
    """The summary's figures, folded one event at a time (in trace order).

    Holds counters and one small record per handover, never the events, so a run's
    summary costs the same memory after an hour as after a minute. Feed it as a
    simulation listener, or :meth:`add` a finished trace.
    """

    def __init__(self, mn: str) -> None:
        self.mn = mn
        self.events = 0
        self.packet_hops = 0
        self.drops = 0
        self._signalling: dict[str, list[int]] = {t: [0, 0] for t in ("MAP", "HA", "CN")}
        self._handovers: list[_Handover] = []
        self._waiting: list[_Handover] = []
        self._marks: dict[float, int] = {}
        self._now = float("-inf")
        self._data_drops = 0  # data drops so far
        self._data_drops_before_now = 0  # data drops with t < self._now

    def __call__(self, e: Event) -> None:
        self.add(e)

    def add(self, e: Event) -> None:
        if e.t > self._now:  # events come in time order; this instant is new
            if self._waiting:
                self._waiting = [h for h in self._waiting
                                 if not h.time_passed(e.t, self._data_drops)]
            self._now = e.t
            self._data_drops_before_now = self._data_drops
        self.events += 1
        current = self._handovers[-1] if self._handovers else None
        window = current if current is not None and current.in_window else None
        if isinstance(e, PacketSent):
            self.packet_hops += 1
            if e.origin and e.node == self.mn:
                target = SIGNALLING_TARGET.get(e.kind)
                if target:
                    self._signalling[target][0] += 1
                    self._signalling[target][1] += len(e.data)
                    if window is not None and window.first_bu is None:
                        window.first_bu = e.t
        elif isinstance(e, PacketDropped):
            self.drops += 1
            if e.kind == describe.DATA:
                self._data_drops += 1
        elif isinstance(e, PacketReceived):
            if window is not None and window.first_data is None and e.node == self.mn \
                    and e.kind == describe.DATA:
                window.first_data = e.t
                self._waiting.append(window)
        elif isinstance(e, HandoverCompleted):
            if window is not None and window.done is None:
                window.done = e
                self._waiting.append(window)
        elif isinstance(e, HandoverStarted):
            if e.node == self.mn:
                if current is not None:
                    current.in_window = False
                self._handovers.append(_Handover(e, self._data_drops_before_now,
                                                 self._marks))
                self._marks = {}
        elif isinstance(e, LinkChanged) and e.node == self.mn:
            self._marks.setdefault(e.t, self._data_drops_before_now)

    def handovers(self) -> list[HandoverFigures]:
        return [h.figures(self._data_drops) for h in self._handovers]

    def signalling(self) -> list[SignallingFigures]:
        return [SignallingFigures(t, m, b) for t, (m, b) in self._signalling.items()]


def _fold(trace: Iterable[Event], mn: str) -> RunFigures:
    figures = RunFigures(mn)
    for e in trace:
        figures.add(e)
    return figures


def handovers(trace: Iterable[Event], mn: str) -> list[HandoverFigures]:
    """Each handover of ``mn``: when it started, its first BU, last BA and first data
    packet, its latency, and the data packets lost from link down to that packet."""
    return _fold(trace, mn).handovers()


def signalling(trace: Iterable[Event], mn: str) -> list[SignallingFigures]:
    """Binding signalling ``mn`` originated, per kind of target."""
    return _fold(trace, mn).signalling()


def format_summary(trace: Iterable[Event], mn: str, scenario: str, mode: str,
                   duration_s: float) -> str:
    return format_figures(_fold(trace, mn), scenario, mode, duration_s)


def format_figures(figures: RunFigures, scenario: str, mode: str, duration_s: float) -> str:
    lines = [f"scenario {scenario} ({mode}), simulated {duration_s:g} s, "
             f"{figures.events} events"]
    hos = figures.handovers()
    lines.append(f"handovers: {len(hos)}")
    for h in hos:
        lines.append("  " + format_handover(h))
    lines.append("signalling sent by the MN:")
    for s in figures.signalling():
        lines.append(f"  to {s.target:<3}  {s.messages:4d} messages  {s.bytes:6d} bytes")
    lines.append(f"packet hops: {figures.packet_hops}, drops: {figures.drops}")
    return "\n".join(lines)


def format_handover(h: HandoverFigures) -> str:
    """One handover's line of the summary."""
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"
    return (f"{h.kind:<10} {h.from_ar or '-'} -> {h.to_ar or '-'}  start {h.start_s:.3f} s"
            f"  first BU {ms(h.first_bu_s)}  last BA {ms(h.last_ba_s)}"
            f"  first data {ms(h.first_data_s)}"
            f"  latency {'-' if h.latency_s is None else f'{h.latency_s * 1000:.1f} ms'}"
            f"  lost {h.packets_lost}")
