"""Per-student variation: values of a lesson's network drawn from a seed.

A lesson's front matter may declare ``vary``: link delays, the MN's interface id or the
prefix of an AR or a MAP (one of a list), each drawn from a range the author chose so
that the lesson's checks hold for every value (``hmipviz check`` verifies the solutions
for :data:`VERIFY_SEEDS`). Two students with different seeds then read different
numbers off their own runs (a handover's latency, an address), so neighbours cannot
copy each other's numeric answers.

The draw depends only on the seed and the variation (not on the order of the others,
nor on the machine): ``random.Random`` seeded with a string is stable across runs.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network
from typing import Any

from hmipviz.lesson import fields as lf
from hmipviz.lesson.model import Lesson
from hmipviz.scenario import Scenario

# the seeds `hmipviz check` plays a varied lesson's solutions with (besides the file's
# own values): a few, because every seed replays the whole lesson
VERIFY_SEEDS = (1, 2, 3)
MAX_SEED = 999_999
MAX_DELAY_MS = 10_000.0


@dataclass(frozen=True)
class Variation:
    """One value drawn from the seed: ``what`` is "delay_ms" (of the link ``a``-``b``)
    or "interface_id" (of node ``a``), drawn uniformly from ``lo`` to ``hi``; or
    "prefix" (of node ``a``): the ``options`` entry of the index drawn."""

    what: str
    a: str
    b: str
    lo: float
    hi: float
    line: int = 0
    options: tuple[IPv6Network, ...] = ()

    def draw(self, seed: int) -> float:
        rng = random.Random(f"hmipviz-vary/{seed}/{self.what}/{self.a}/{self.b}")
        if self.what == "prefix":
            return float(rng.randrange(len(self.options)))
        if self.what == "interface_id" or (self.lo == int(self.lo) and self.hi == int(self.hi)):
            return float(rng.randint(int(self.lo), int(self.hi)))
        return round(rng.uniform(self.lo, self.hi), 1)

    def label(self) -> str:
        if self.what == "delay_ms":
            return f"{self.a}-{self.b} delay_ms"
        if self.what == "prefix":
            return f"{self.a} prefix"
        return f"{self.a} interface_id"

    def shown(self, seed: int) -> str:
        """The drawn value as the summary shows it."""
        value = self.draw(seed)
        return str(self.options[int(value)]) if self.what == "prefix" else f"{value:g}"


def parse_variations(raw: Any, reader: Any, scenario: Scenario) -> tuple[Variation, ...]:
    """The front matter's ``vary``: an array of tables, each
    ``{ link = ["A", "B"], delay_ms = [LO, HI] }`` or
    ``{ node = "MN", interface_id = [LO, HI] }``."""
    scope = lf.Scope.of(scenario)
    if not isinstance(raw, list) or not raw:
        reader.add(("vary",), "vary must be a non-empty array of tables such as "
                              '{ link = ["MAP1", "AR2"], delay_ms = [5, 15] }')
        return ()
    out = []
    for i, item in enumerate(raw):
        at: tuple = ("vary", i)
        if not isinstance(item, dict):
            reader.add(at, "each vary entry must be a table")
            continue
        reader.keys(item, at, ("link", "delay_ms", "node", "interface_id", "prefix"), "vary")
        if "link" in item:
            v = _link_delay(item, reader, at, scenario, scope)
        elif "node" in item and "prefix" in item:
            v = _prefix(item, reader, at, scenario, scope)
        elif "node" in item:
            v = _interface_id(item, reader, at, scope)
        else:
            reader.add(at, 'vary: give link = ["A", "B"] with delay_ms, node = "MN" '
                           'with interface_id, or node = "AR2" with prefix = [...]')
            v = None
        if v is not None:
            out.append(dataclasses.replace(v, line=reader.line(at)))
    return tuple(out)


def _range(item: dict, key: str, reader: Any, at: tuple, lo: float, hi: float
           ) -> tuple[float, float] | None:
    value = item.get(key)
    ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)
    if not ok or not lo <= value[0] <= value[1] <= hi:  # type: ignore[index]
        reader.add(at + ((key,) if key in item else ()),
                   f"vary: {key} must be [LOW, HIGH] with {lo:g} <= LOW <= HIGH <= {hi:g}")
        return None
    return float(value[0]), float(value[1])  # type: ignore[index]


def _link_delay(item: dict, reader: Any, at: tuple, scenario: Scenario,
                scope: lf.Scope) -> Variation | None:
    ends = item["link"]
    if not (isinstance(ends, list) and len(ends) == 2 and all(isinstance(e, str) for e in ends)):
        reader.add(at + ("link",), 'vary: link must name its two nodes, e.g. ["MAP1", "AR2"]')
        return None
    if not any({lk.a, lk.b} == set(ends) for lk in scenario.links):
        reader.add(at + ("link",), f"vary: the scenario has no link {ends[0]}-{ends[1]}")
        return None
    span = _range(item, "delay_ms", reader, at, 0.0, MAX_DELAY_MS)
    return None if span is None else Variation("delay_ms", ends[0], ends[1], *span)


def _interface_id(item: dict, reader: Any, at: tuple, scope: lf.Scope) -> Variation | None:
    try:
        node = lf.node("mn")(item["node"], scope)
    except lf.Bad as bad:
        reader.add(at + ("node",), f"vary: node {bad}")
        return None
    span = _range(item, "interface_id", reader, at, 1.0, float(2**32 - 1))
    return None if span is None else Variation("interface_id", node, "", *span)


def _prefix(item: dict, reader: Any, at: tuple, scenario: Scenario,
            scope: lf.Scope) -> Variation | None:
    try:
        node = lf.node("ar", "map")(item["node"], scope)
    except lf.Bad as bad:
        reader.add(at + ("node",), f"vary: node {bad}")
        return None
    raw = item["prefix"]
    try:
        if not isinstance(raw, list) or len(raw) < 2:
            raise ValueError("give at least two")
        options = tuple(IPv6Network(str(p)) for p in raw)
        if any(o.prefixlen != 64 for o in options):
            raise ValueError("each must be a /64")
    except ValueError as exc:
        reader.add(at + ("prefix",), "vary: prefix must be an array of /64 prefixes to "
                                     f'choose from, e.g. ["2001:db8:3::/64", '
                                     f'"2001:db8:33::/64"] ({exc})')
        return None
    taken = {n.prefix for n in scenario.nodes if n.prefix is not None and n.name != node}
    clash = [str(o) for o in options if o in taken]
    if clash:
        reader.add(at + ("prefix",), f"vary: {clash[0]} is another node's prefix")
        return None
    return Variation("prefix", node, "", 0.0, float(len(options) - 1), options=options)


def _renumber(nodes: list, name: str, new: IPv6Network) -> list:
    """Node ``name`` on prefix ``new``: its prefix, its address when it was under the
    old prefix (same interface bits), and the MAPs' valid on-link prefix lists."""
    old = next(n.prefix for n in nodes if n.name == name)
    out = []
    for n in nodes:
        if n.name == name:
            address = n.address
            if address is not None and old is not None and address in old:
                address = IPv6Address(int(new.network_address)
                                      | (int(address) & ((1 << 64) - 1)))
            n = dataclasses.replace(n, prefix=new, address=address)
        if n.valid_onlink_prefixes and old in n.valid_onlink_prefixes:
            n = dataclasses.replace(n, valid_onlink_prefixes=tuple(
                new if p == old else p for p in n.valid_onlink_prefixes))
        out.append(n)
    return out


def vary(scenario: Scenario, variations: tuple[Variation, ...], seed: int) -> Scenario:
    """``scenario`` with each variation's value drawn from ``seed``."""
    links = list(scenario.links)
    nodes = list(scenario.nodes)
    for v in variations:
        value = v.draw(seed)
        if v.what == "prefix":
            nodes = _renumber(nodes, v.a, v.options[int(value)])
        elif v.what == "delay_ms":
            links = [dataclasses.replace(lk, delay_ms=value) if {lk.a, lk.b} == {v.a, v.b}
                     else lk for lk in links]
        else:
            nodes = [dataclasses.replace(n, interface_id=int(value)) if n.name == v.a
                     else n for n in nodes]
    return dataclasses.replace(scenario, links=tuple(links), nodes=tuple(nodes))


def with_seed(lesson: Lesson, seed: int | None) -> Lesson:
    """The lesson on the network drawn from ``seed`` (None: the file's own values).
    A lesson without ``vary`` keeps its network and records the seed all the same."""
    base = lesson.unvaried or lesson.scenario
    if seed is None:
        return dataclasses.replace(lesson, scenario=base, seed=None, unvaried=None)
    seed = check_seed(seed)
    scenario = vary(base, lesson.variations, seed) if lesson.variations else base
    return dataclasses.replace(lesson, scenario=scenario, seed=seed, unvaried=base)


def check_seed(seed: Any) -> int:
    """A seed as given by a student or teacher ("4821"), or ValueError saying why not."""
    try:
        value = int(str(seed).strip())
    except ValueError:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED}, not {seed!r}") \
            from None
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED}, not {value}")
    return value


def new_seed() -> int:
    """A fresh seed for a student who was given none (shown in the summary)."""
    return random.SystemRandom().randint(1, MAX_SEED)


def drawn_values(lesson: Lesson) -> list[tuple[str, str]]:
    """(label, value as text) of each varied value of this lesson's network."""
    if lesson.seed is None:
        return []
    return [(v.label(), v.shown(lesson.seed)) for v in lesson.variations]


def verify_seeds(lesson: Lesson, seeds: tuple[int, ...] = VERIFY_SEEDS) -> list[str]:
    """Play the solutions of a varied lesson on the networks of ``seeds``; the
    problems found, each saying which seed."""
    from hmipviz.lesson.session import verify_lesson
    if not lesson.variations:
        return []
    out = []
    for seed in seeds:
        for problem in verify_lesson(with_seed(lesson, seed), seeds=()):
            out.append(f"{problem} (with seed {seed}: "
                       + ", ".join(f"{label} = {value}" for label, value
                                   in drawn_values(with_seed(lesson, seed))) + ")")
    return out


__all__ = ["Variation", "VERIFY_SEEDS", "parse_variations", "vary", "with_seed",
           "check_seed", "new_seed", "drawn_values", "verify_seeds"]
