"""What a run writes: the JSON Lines trace, the binding caches JSON, the pcapng capture."""

from __future__ import annotations

import json
from pathlib import Path

from .engine.events import PacketSent
from .fileio import atomic_write
from .sim import Simulation
from .wire.capture import CaptureRecord, write_pcapng


def trace_jsonl(sim: Simulation) -> str:
    return "".join(json.dumps(e.to_json(), sort_keys=True) + "\n" for e in sim.trace)


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
    bul = [{
        "peer": e.peer,
        "peer_address": str(e.peer_address),
        "home_address": str(e.home_address),
        "care_of_address": str(e.care_of_address),
        "lifetime_s": e.lifetime_s,
        "remaining_s": round(e.remaining_s(now), 6),
        "sequence": e.sequence,
        "acknowledged": e.acknowledged,
        "flags": "AM" if e.map_registration else ("AH" if e.home_registration else "A"),
    } for e in sim.binding_update_list()]
    return {"t": now, "binding_caches": caches, "binding_update_list": {sim.mn_name: bul}}


def capture_records(sim: Simulation) -> list[CaptureRecord]:
    """One record per hop: every packet on every link it crosses."""
    return [CaptureRecord(e.t, e.link, e.node, e.to_node, e.data,
                          f"{e.summary} ({e.rfc})" if e.rfc else e.summary)
            for e in sim.trace if isinstance(e, PacketSent)]


def write_trace(sim: Simulation, path: str | Path) -> None:
    atomic_write(path, trace_jsonl(sim))


def write_caches(sim: Simulation, path: str | Path) -> None:
    atomic_write(path, json.dumps(caches_json(sim), indent=2, sort_keys=True) + "\n")


def write_capture(sim: Simulation, path: str | Path) -> int:
    return write_pcapng(path, capture_records(sim))
