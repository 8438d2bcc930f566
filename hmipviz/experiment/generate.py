"""Scenario generators: a network described by a few numbers instead of a file.

``grid``: an HA and a CN behind a core router R, ``maps`` MAP domains under R, each with
``ars_per_map`` ARs, and ``mns`` MNs that start on the first AR and visit every AR in
order (``laps`` times), one scripted move every ``move_interval_s``. Within a domain
the moves are intra-MAP handovers, from one domain to the next inter-MAP ones. The CN
pings each MN's home address so that packets lost in a handover can be counted.

One MN is a ``[[node]]`` named MN (the files of the one-MN days stay as they were);
several are an ``[[mn_group]]`` MN1, MN2, ... with one flow each, whose scripted tours
are staggered: member k moves ``(k - 1) / mns`` of ``stagger`` x the interval after
member 1, so a hundred MNs do not all hand over at one instant (as a crowd never does)
and every MN still hands over at every move.

The result is a scenario *document* (what tomllib gives for a scenario file), so an
experiment's dotted paths (``link."HA-R".delay_ms``) can edit it like any file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class GeneratorError(Exception):
    """A bad generator setting; ``key`` is the setting, the text completes it."""

    def __init__(self, key: str, what: str) -> None:
        self.key = key
        super().__init__(what)


@dataclass(frozen=True)
class Setting:
    default: Any
    kind: type  # int or float
    low: float  # smallest allowed value
    doc: str


GRID_SETTINGS: dict[str, Setting] = {
    "maps": Setting(2, int, 1, "MAP domains"),
    "ars_per_map": Setting(2, int, 1, "access routers under each MAP"),
    "mns": Setting(1, int, 1, "mobile nodes"),
    "laps": Setting(1, int, 1, "times the MN visits every AR in turn"),
    "move_interval_s": Setting(4.0, float, 0.1, "time between two moves (s)"),
    "ha_delay_ms": Setting(20.0, float, 0.0, "one-way delay of the HA-R link (ms)"),
    "cn_delay_ms": Setting(20.0, float, 0.0, "one-way delay of the CN-R link (ms)"),
    "map_delay_ms": Setting(10.0, float, 0.0, "one-way delay of each R-MAP link (ms)"),
    "ar_delay_ms": Setting(2.0, float, 0.0, "one-way delay of each MAP-AR link (ms)"),
    "flow_interval_ms": Setting(50.0, float, 0.0, "interval of the CN's echo requests (ms)"),
    "stagger": Setting(0.5, float, 0.0, "spread of the MNs' moves, as a fraction of the "
                       "move interval"),
}
MAX_MNS = 10_000  # as [[mn_group]] count
GENERATORS = ("grid",)


def check_settings(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings with defaults filled in; GeneratorError for the first bad one."""
    if name not in GENERATORS:
        raise GeneratorError("generator", f'unknown generator "{name}" '
                             f"(generators: {', '.join(GENERATORS)})")
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in GRID_SETTINGS:
            raise GeneratorError(key, f'unknown setting "{key}" of generator "grid" '
                                 f"(settings: {', '.join(GRID_SETTINGS)})")
        spec = GRID_SETTINGS[key]
        number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if spec.kind is int and not (isinstance(value, int) and not isinstance(value, bool)):
            raise GeneratorError(key, f"{key} must be an integer, not {value!r}")
        if not number_ok:
            raise GeneratorError(key, f"{key} must be a number, not {value!r}")
        if not value >= spec.low or value != value or value in (float("inf"),):
            raise GeneratorError(key, f"{key} must be at least {spec.low:g}, not {value!r}")
        out[key] = spec.kind(value)
    for key, spec in GRID_SETTINGS.items():
        out.setdefault(key, spec.default)
    if out["mns"] > MAX_MNS:
        raise GeneratorError("mns", f"mns must be at most {MAX_MNS}, not {out['mns']}")
    if out["stagger"] >= 1:
        raise GeneratorError("stagger", "stagger must be below 1 (a fraction of the move "
                             f"interval), not {out['stagger']!r}")
    if out["maps"] > 200 or out["ars_per_map"] > 200:
        raise GeneratorError("maps" if out["maps"] > 200 else "ars_per_map",
                             "at most 200 MAPs and 200 ARs per MAP")
    return out


def ar_name(i: int, j: int) -> str:
    return f"AR{i}.{j}"


def generate(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """A scenario document for generator ``name``; GeneratorError if a setting is bad."""
    s = check_settings(name, settings)
    maps, per_map = s["maps"], s["ars_per_map"]
    width = max(maps * per_map, 2) * 90.0
    nodes: list[dict[str, Any]] = [
        {"name": "HA", "role": "ha", "address": "2001:db8:1::1", "prefix": "2001:db8:1::/64",
         "position": [width * 0.2, 60.0]},
        {"name": "CN", "role": "cn", "address": "2001:db8:50::1",
         "prefix": "2001:db8:50::/64", "position": [width * 0.8, 60.0]},
        {"name": "R", "role": "router", "address": "2001:db8:ff::1",
         "prefix": "2001:db8:ff::/64", "position": [width * 0.5, 150.0]},
    ]
    links: list[dict[str, Any]] = [
        {"a": "HA", "b": "R", "delay_ms": s["ha_delay_ms"]},
        {"a": "CN", "b": "R", "delay_ms": s["cn_delay_ms"]},
    ]
    order: list[str] = []
    for i in range(1, maps + 1):
        x0 = (i - 1) * per_map * 90.0
        nodes.append({"name": f"MAP{i}", "role": "map", "address": f"2001:db8:{0x2000 + i:x}::1",
                      "prefix": f"2001:db8:{0x2000 + i:x}::/64",
                      "position": [x0 + per_map * 45.0, 280.0]})
        links.append({"a": "R", "b": f"MAP{i}", "delay_ms": s["map_delay_ms"]})
        for j in range(1, per_map + 1):
            name_ij = ar_name(i, j)
            order.append(name_ij)
            nodes.append({"name": name_ij, "role": "ar",
                          "address": f"2001:db8:{0x1000 + i:x}:{j:x}::1",
                          "prefix": f"2001:db8:{0x1000 + i:x}:{j:x}::/64", "radius": 45.0,
                          "position": [x0 + (j - 0.5) * 90.0, 420.0],
                          "map_options": [{"map": f"MAP{i}", "pref": 10, "lifetime_s": 600,
                                           "r": True}]})
            links.append({"a": f"MAP{i}", "b": name_ij, "delay_ms": s["ar_delay_ms"]})
    visits = (order * s["laps"])[1:] + ([order[0]] if s["laps"] > 1 else [])
    interval, mns = s["move_interval_s"], s["mns"]
    # the last member's tour ends spread_s after the first's; one MN keeps the same
    # duration, so a per-second rate does not jump between 1 and 2 MNs
    spread_s = interval * s["stagger"]
    duration = interval * (len(visits) + 1) + spread_s
    doc: dict[str, Any] = {
        "scenario": {
            "name": f"grid-{maps}x{per_map}" + (f"-{mns}mns" if mns > 1 else ""),
            "description": f"Generated: {maps} MAP domain(s) of {per_map} AR(s); "
                           + ("the MN visits" if mns == 1 else f"{mns} MNs visit")
                           + f" every AR in turn, one move every {interval:g} s.",
            "mode": "hmipv6", "seed": 1, "duration_s": round(duration, 9),
        },
        "node": nodes, "link": links,
    }
    flow = s["flow_interval_ms"] > 0
    if mns == 1:
        nodes.append({"name": "MN", "role": "mn", "home_agent": "HA",
                      "home_address": "2001:db8:1::a", "interface_id": "::a",
                      "attach": order[0], "position": [45.0, 470.0]})
        moves = [{"at_s": round(interval * (k + 1), 9), "to": to}
                 for k, to in enumerate(visits)]
        if flow:
            doc["flow"] = [{"from": "CN", "to": "MN", "kind": "echo", "start_s": 1.0,
                            "interval_ms": s["flow_interval_ms"]}]
    else:
        group: dict[str, Any] = {"name": "MN", "count": mns, "home_agent": "HA",
                                 "home_prefix": "2001:db8:1::/64", "interface_id": 10,
                                 "attach": order[0]}
        if flow:
            group["flow"] = {"from": "CN", "kind": "echo", "start_s": 1.0,
                             "interval_ms": s["flow_interval_ms"]}
        doc["mn_group"] = [group]
        moves = []
        for member in range(1, mns + 1):
            offset_s = spread_s * (member - 1) / mns
            moves += [{"at_s": round(interval * (k + 1) + offset_s, 6), "to": to,
                       "mn": f"MN{member}"} for k, to in enumerate(visits)]
        moves.sort(key=lambda m: m["at_s"])
    if moves:
        doc["move"] = moves
    return doc
