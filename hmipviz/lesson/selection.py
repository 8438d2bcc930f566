"""What the learner selected in the packet inspector, as a check: a step can ask "select
the Dist field of AR1's RA" and see that it was done.

The window reports each selection (the inspector's field and the packet's event) to
:meth:`hmipviz.lesson.LessonRun.select_field`; headless, a lesson's
``{ select_field = KEY, kind = ..., from = ... }`` action selects the field in the newest
matching packet. The check ``field_selected = KEY`` holds once a selection of this
step matches.
"""

from __future__ import annotations

import functools
from typing import Any

from hmipviz.engine.events import PacketDropped, PacketReceived, PacketSent
from hmipviz.engine.messages import RouterAdvertisement
from hmipviz.lesson.checks import Check, CheckDef, ParamSpec, Window, _add, _names, _node_or_nodes
from hmipviz.lesson.fields import ANY, FIELDS, Bad, Sent, kind_or_any, originator, packet_of, text
from hmipviz.lesson.measures import MEASURES
from hmipviz.wire.keys import new_key


def field_key(value: Any, scope: Any) -> str:
    key = text(value, scope)
    if "." not in key:
        raise Bad(f'must be a packet field as the inspector names it, such as '
                  f'"icmpv6.opt.map.distance", not "{key}"')
    return new_key(key)


def packet_matches(e: Any, check: Check, w: Window) -> bool:
    """Whether trace event ``e`` is a packet of the kind and sender the check names."""
    if not isinstance(e, PacketSent):
        return False
    if check.get("kind", ANY) != ANY and e.kind != check.get("kind"):
        return False
    if check.has("from"):
        who = originator(e, w.book) if e.origin else None
        if who is None:  # a forwarded hop: its builder is who sent its first hop
            who = _builder(e, w)
        if who not in _names(check.get("from")):
            return False
    return True


def _builder(e: PacketSent, w: Window) -> str | None:
    for x in w.sim.trace:
        if isinstance(x, PacketSent) and x.packet_id == e.packet_id and x.origin:
            return originator(x, w.book)
    return None


def holds_field_selected(check: Check, w: Window) -> bool:
    trace = w.sim.trace
    for index, key in w.selections:
        if key == check.head and 0 <= index < len(trace) and \
                packet_matches(_hop_of(trace, index), check, w):
            return True
    return False


def _hop_of(trace: Any, index: int) -> Any:
    """The packet hop the inspector shows for event ``index``: the event itself, or for
    a "received" or "dropped" row the hop that brought that packet (the window's event
    list and ladder let the learner select either)."""
    e = trace[index]
    if isinstance(e, (PacketReceived, PacketDropped)):
        for j in range(index - 1, max(-1, index - 20000), -1):
            x = trace[j]
            if isinstance(x, PacketSent) and x.packet_id == e.packet_id:
                return x
    return e


def selected_value(w: Window, field: str) -> float | None:
    """The value of ``field`` in the packet where the learner selected it last in this
    step, read off that packet (a numeric question: "what Dist does AR1
    advertise?"); None before any such selection (a MAP option's fields: the RA's
    first option)."""
    trace = w.sim.trace
    spec = FIELDS[field]
    for index, key in reversed(w.selections):
        if key != field or not 0 <= index < len(trace):
            continue
        e = _hop_of(trace, index)
        if not isinstance(e, PacketSent):
            continue
        packet = packet_of(e)
        payload = packet.innermost().payload if packet is not None else None
        opts = getattr(payload, "map_options", ()) if isinstance(
            payload, RouterAdvertisement) else ()
        value = spec.get(Sent(e, packet, opts[0] if opts else None))
        if value is not None:
            return float(value)
    return None


# "selected icmpv6.opt.map.distance": the value of that field where the learner
# selected it in the inspector, one measure per numeric packet field
for _key, _spec in FIELDS.items():
    if _spec.type in ("int", "bool") and not _key.startswith(("packet.", "tunnel.")):
        MEASURES.setdefault(f"selected {_key}", (
            f"the value of {_key} in the packet where the learner selected it in the "
            "inspector, in this step",
            functools.partial(selected_value, field=_key)))


def _describe(c: Check) -> str:
    what = "a packet" if c.get("kind", ANY) == ANY else f"{c.get('kind')}"
    if c.has("from"):
        what += f" from {c.get('from')}"
    return f"{c.head} selected in {what} in the inspector"


_add(CheckDef(
    "field_selected", ParamSpec(field_key, "the field's key, as the inspector and "
                                           "Wireshark name it"),
    {"kind": ParamSpec(kind_or_any, "the packet's kind"),
     "from": ParamSpec(_node_or_nodes, "the node that built the packet (an array: any)")},
    "the learner selected this field of such a packet in the inspector during the step",
    holds=holds_field_selected, describe=_describe))

__all__ = ["holds_field_selected", "packet_matches", "field_key"]
