"""Incremental trace scans for the checks: which events of a window match a check.

A step's check is asked again after every engine step while it is being settled (the
verifier, the window's look-ahead for "can this step still pass?"). Scanning the whole
window each time made a long step quadratic: lesson 3's look-ahead took about 2.6 s a
call, 35 million matches, in the window. Events are immutable and the address book a
check reads is fixed by the scenario, so whether an event matches a check never changes.
:func:`matching_indices` therefore remembers, per simulation, check and window start,
how far it scanned and what matched, and scans only the events added since. A trace cut
back (a branch) is noticed by the identity of the last event scanned and rescanned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from hmipviz.sim import Simulation


@dataclass
class _Scan:
    check: object  # kept to tell a reused id() from the same check
    upto: int  # trace indices below this were scanned
    last: object  # the event at upto - 1 when it was scanned
    found: list[int] = field(default_factory=list)


_SCANS: WeakKeyDictionary[Simulation, dict[tuple[str, int, int], _Scan]] = WeakKeyDictionary()


def matching_indices(sim: Simulation, kind: str, check: object, frm: int,
                     matches: Callable[[int, Any], bool],
                     types: type | tuple[type, ...] = object) -> list[int]:
    """Trace indices from ``frm`` on whose event satisfies ``matches(i, event)``, in
    order. ``matches`` must depend only on the event and ``check``, and be the same
    predicate for every call with the same ``kind`` (the name of the check's matcher);
    the list returned must not be changed. ``types``: the event classes ``matches``
    can accept; it is not called for the others (most events are packet hops, which
    a check of another kind of event need not be asked about)."""
    trace = sim.trace
    n = len(trace)
    if frm >= n:
        return []
    per_sim = _SCANS.setdefault(sim, {})
    key = (kind, id(check), frm)
    scan = per_sim.get(key)
    if scan is None or scan.check is not check or scan.upto > n or \
            trace[scan.upto - 1] is not scan.last:
        scan = _Scan(check, frm, None)
        per_sim[key] = scan
    found = scan.found
    if types is object:
        for i in range(scan.upto, n):
            if matches(i, trace[i]):
                found.append(i)
    else:
        for i in range(scan.upto, n):
            e = trace[i]
            if isinstance(e, types) and matches(i, e):
                found.append(i)
    scan.upto, scan.last = n, trace[n - 1]
    return found


def inherit(parent: Simulation, twin: Simulation) -> None:
    """``twin``, a fork of ``parent`` whose trace shares its events, starts with
    copies of the parent's scans: a look-ahead then scans only the events its own run
    adds, not the whole step again (the window looks ahead after a wrong attempt, each
    time the trace grows; on lesson 1's long steps that took over 30 s a call)."""
    scans = _SCANS.get(parent)
    if scans:
        _SCANS[twin] = {key: _Scan(s.check, s.upto, s.last, list(s.found))
                        for key, s in scans.items()}


__all__ = ["matching_indices", "inherit"]
