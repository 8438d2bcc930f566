"""What a run writes: the JSON Lines trace, the binding caches JSON, the pcapng capture.

Two ways in: the ``write_*`` functions serialise a finished simulation's trace (the
window's File menu), and :class:`TraceSink` / :class:`CaptureSink` are listeners a
simulation calls with each event as it happens (the CLI), so a run of any length
streams its outputs and keeps no history. Both give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from .engine.events import Event, PacketSent
from .fileio import OutputSet, atomic_write
from .sim import Simulation
from .sim_mns import EventMobiles
from .wire.capture import CaptureRecord, PcapNgWriter


def trace_line(event: Event, mn: str | None = None) -> str:
    """One line of the JSON Lines trace, newline included; ``mn``: the MN the event
    concerns, written as an ``mn`` field (runs with several MNs)."""
    data = event.to_json()
    if mn is not None:
        data["mn"] = mn
    return json.dumps(data, sort_keys=True) + "\n"


def trace_jsonl(sim: Simulation) -> str:
    return "".join(trace_line(e) for e in sim.trace)


def caches_json(sim: Simulation) -> dict:
    now = sim.now
    caches = {}
    for name, entries in sim.binding_caches().items():
        caches[name] = [{
            "home_address": str(e.home_address),
            "care_of_address": str(e.care_of_address),
            "lifetime_s": e.lifetime_s,
            "remaining_s": round(e.remaining_s(now), 6),
            "sequence": e.sequence,
            "flags": "M" if e.map_registration else ("H" if e.home_registration else ""),
        } for e in entries]
    bul = {name: [{
        "peer": e.peer,
        "peer_address": str(e.peer_address),
        "home_address": str(e.home_address),
        "care_of_address": str(e.care_of_address),
        "lifetime_s": e.lifetime_s,
        "remaining_s": round(e.remaining_s(now), 6),
        "sequence": e.sequence,
        "acknowledged": e.acknowledged,
        "flags": "AM" if e.map_registration else ("AH" if e.home_registration else "A"),
    } for e in entries] for name, entries in sim.binding_update_lists().items()}
    return {"t": now, "binding_caches": caches, "binding_update_list": bul}


def caches_text(sim: Simulation) -> str:
    return json.dumps(caches_json(sim), indent=2, sort_keys=True) + "\n"


def capture_record(e: PacketSent) -> CaptureRecord:
    """A packet hop as the capture shows it: on its link, with what and why as comment."""
    return CaptureRecord(e.t, e.link, e.node, e.to_node, e.data,
                         f"{e.summary} ({e.rfc})" if e.rfc else e.summary)


def capture_records(sim: Simulation) -> list[CaptureRecord]:
    """One record per hop: every packet on every link it crosses."""
    return [capture_record(e) for e in sim.trace if isinstance(e, PacketSent)]


def capture_comment(sim: Simulation) -> str:
    """The capture's section comment: which run this is, enough to make it again."""
    return (f"scenario {sim.scenario.name}, mode {sim.mode}, seed {sim.seed}, "
            f"security {sim.security}")


class TraceSink:
    """A simulation listener that writes each event as one JSON line as it happens.
    With ``mobiles`` (a run with several MNs) each line names the MN it concerns."""

    def __init__(self, stream: BinaryIO, mobiles: EventMobiles | None = None) -> None:
        self._write = stream.write
        self._mobiles = mobiles

    def __call__(self, event: Event) -> None:
        mn = self._mobiles.of(event) if self._mobiles is not None else None
        self._write(trace_line(event, mn).encode("utf-8"))


class CaptureSink:
    """A simulation listener that writes each packet hop as one pcapng block."""

    def __init__(self, stream: BinaryIO, comment: str | None = None) -> None:
        self.writer = PcapNgWriter(stream, comment=comment)

    def __call__(self, event: Event) -> None:
        if isinstance(event, PacketSent):
            self.writer.write(capture_record(event))

    @property
    def count(self) -> int:
        return self.writer.count


def _write_lines(path: str | Path, lines: Iterable[str]) -> None:
    with OutputSet() as outputs:
        stream = outputs.add(path)
        for line in lines:
            stream.write(line.encode("utf-8"))
        outputs.commit()


def write_trace(sim: Simulation, path: str | Path) -> None:
    _write_lines(path, (trace_line(e) for e in sim.trace))


def write_caches(sim: Simulation, path: str | Path) -> None:
    atomic_write(path, caches_text(sim))


def write_capture(sim: Simulation, path: str | Path) -> int:
    with OutputSet() as outputs:
        sink = CaptureSink(outputs.add(path), capture_comment(sim))
        for e in sim.trace:
            sink(e)
        outputs.commit()
    return sink.count
