"""The lesson check language: named tests read off the engine's typed trace and state.

A check is data (a TOML inline table in a lesson file), never code. Its one *head* key
names the check and carries the main argument, the other keys are parameters:

    { sent = "local BU", from = "MN", to = "MAP1", acknowledged = true }

:data:`CHECKS` maps every name to its parameters (converters that validate them
against the scenario) and to the function that evaluates it. Checks read only the
events the engine appended since the step began and the nodes' state, never text
meant for people (architecture rule 5). ``docs/lessons.md`` documents every check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any, TypeGuard

from hmipviz.engine import describe
from hmipviz.engine.events import (
    BindingChanged,
    Event,
    HandoverCompleted,
    HandoverStarted,
    MapSelected,
    MovementDetected,
    PacketDropped,
    PacketReceived,
    PacketSent,
    RouteOptimizationChanged,
    SecurityAssociationEstablished,
    StateChanged,
)
from hmipviz.engine.messages import (
    BA_SEQ_OUT_OF_WINDOW,
    BindingAck,
    BindingUpdate,
    MapOption,
    Packet,
    RouterAdvertisement,
)
from hmipviz.engine.nodes.mobile_node import HANDOVER_KINDS, MN_STATES
from hmipviz.engine.nodes.route_optimization import RO_STATES
from hmipviz.lesson.fields import (
    ANY,
    MN_REFS,
    AddressBook,
    Convert,
    Sent,
    address_literal,
    address_ref,
    agent_node,
    ar_set,
    boolean,
    choice,
    field_holds,
    integer,
    kind_or_any,
    map_node,
    map_or_none,
    node,
    number,
    originator,
    packet_of,
    recipient,
    where,
)
from hmipviz.lesson.scan import matching_indices

if TYPE_CHECKING:
    from hmipviz.sim import Simulation

_BA_KINDS = (describe.LOCAL_BA, describe.HOME_BA, describe.CN_BA)


def _names(value: Any) -> tuple[str, ...]:
    """A node parameter that may name several nodes (any of them will do)."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)

# =====================================================================================
# Check definitions
# =====================================================================================


@dataclass(frozen=True)
class Check:
    """One parsed check: its name, head argument, parameters and sub-checks."""

    name: str
    head: Any
    params: tuple[tuple[str, Any], ...] = ()
    children: tuple[Check, ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == key:
                return v
        return default

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.params)


@dataclass
class Window:
    """The events a check reads (from ``start`` on) and the simulation's address book."""

    sim: Simulation
    start: int
    # (trace index of a packet, field key) the learner selected in the inspector
    selections: tuple[tuple[int, str], ...] = ()
    book: AddressBook = field(init=False)

    def __post_init__(self) -> None:
        self.book = AddressBook(self.sim)
        self.start = max(0, min(self.start, len(self.sim.trace)))

    @property
    def start_t(self) -> float:
        """The simulated time the window opens at (its first instant)."""
        trace = self.sim.trace
        return trace[self.start - 1].t if 0 < self.start <= len(trace) else 0.0

    def events(self, frm: int | None = None) -> Iterator[tuple[int, Event]]:
        trace = self.sim.trace
        for i in range(self.start if frm is None else frm, len(trace)):
            yield i, trace[i]


@dataclass(frozen=True)
class ParamSpec:
    convert: Convert
    doc: str


@dataclass(frozen=True)
class CheckDef:
    """A check name: its head, its parameters and how it is evaluated.

    ``find`` (trace checks) returns the trace index at which the check became true
    (the event that completed it) or None; ``holds`` (state checks) reads the state
    now. Trace checks read only the window, so ``then`` can chain them in order.
    """

    name: str
    head: ParamSpec
    params: dict[str, ParamSpec]
    doc: str
    find: Callable[[Check, Window, int], int | None] | None = None
    holds: Callable[[Check, Window], bool] | None = None
    describe: Callable[[Check], str] = lambda c: c.name
    combinator: bool = False

    @property
    def trace(self) -> bool:
        return self.find is not None


# --- trace checks -----------------------------------------------------------------------


def _at_least(check: Check) -> int:
    return check.get("at_least", 1)


def _select_option(check: Check, p: Packet | None, book: AddressBook) -> MapOption | None:
    if p is None:
        return None
    m = p.innermost().payload
    if not isinstance(m, RouterAdvertisement) or not m.map_options:
        return None
    wanted = check.get("map_option")
    if wanted is None:
        return m.map_options[0]
    address = book.resolve(wanted)
    return next((o for o in m.map_options if o.map_address == address), None)


def _where_holds(check: Check, e: PacketSent, book: AddressBook) -> bool:
    exp = check.get("where", ())
    if not exp and not check.has("map_option"):
        return True
    p = packet_of(e)
    s = Sent(e, p, _select_option(check, p, book))
    if check.has("map_option") and s.map_option is None:
        return False
    return all(field_holds(x, s, book) for x in exp)


def _sent_matches(e: Event, check: Check, w: Window) -> TypeGuard[PacketSent]:
    if not isinstance(e, PacketSent) or not e.origin:
        return False
    if check.head != ANY and e.kind != check.head:
        return False
    who = originator(e, w.book)
    if who is None or (check.has("from") and who != check.get("from")):
        return False
    if check.has("to") and recipient(e, w.book) != check.get("to"):
        return False
    return _where_holds(check, e, w.book)


def _answer_index(check: Check, e: PacketSent, i: int, w: Window) -> int | None:
    """Index of the event that answered this BU as the check asks, or None."""
    p = packet_of(e)
    bu = p.innermost().payload if p is not None else None
    if not isinstance(bu, BindingUpdate):
        return None
    peer = check.get("to") or recipient(e, w.book)
    want_ack = check.get("acknowledged")
    status = check.get("status")
    for j, x in w.events(i + 1):
        if want_ack and isinstance(x, BindingChanged) and x.node == w.book.mn and \
                x.table == "binding update list" and x.change == "added" and \
                x.peer == peer and x.sequence == bu.sequence:
            return j
        if status is not None and isinstance(x, PacketSent) and x.origin and \
                x.kind in _BA_KINDS and originator(x, w.book) == peer:
            q = packet_of(x)
            ba = q.innermost().payload if q is not None else None
            if not isinstance(ba, BindingAck):
                continue
            # status 135 carries the last accepted sequence number, not the BU's
            answers = ba.sequence == bu.sequence or ba.status == BA_SEQ_OUT_OF_WINDOW
            if answers and ba.status == status:
                return j
    return None


def find_sent(check: Check, w: Window, frm: int) -> int | None:
    answered = check.get("acknowledged") or check.has("status")
    trace = w.sim.trace
    found = matching_indices(w.sim, "sent", check, frm,
                             lambda _i, e: _sent_matches(e, check, w))
    if not answered:
        k = _at_least(check)
        return found[k - 1] if len(found) >= k else None
    count = 0
    for i in found:
        e = trace[i]
        assert isinstance(e, PacketSent)  # what _sent_matches matched
        done = _answer_index(check, e, i, w)
        if done is not None:
            count += 1
            if count >= _at_least(check):
                return done
    return None


def _scope_bounds(check: Check, w: Window) -> tuple[float, float] | None:
    """The simulated times a scoped ``not_sent`` watches: with ``during =
    "handover"`` from the start of the MN's last handover in the step (its link going
    down: the learner's move) to the acknowledgement that completed it; with ``for_s``
    that many seconds from the step's start (or from that handover's start). None:
    the handover has not started, so nothing can break the condition yet."""
    lo, hi = w.start_t, float("inf")
    if check.get("during") == "handover":
        started = None
        for _, e in w.events():
            if isinstance(e, HandoverStarted) and e.node == w.book.mn:
                started, hi = e.t, float("inf")
            elif isinstance(e, HandoverCompleted) and e.node == w.book.mn and \
                    started is not None:
                hi = e.t
        if started is None:
            return None
        lo = started
    if check.has("for_s"):
        hi = min(hi, lo + check.get("for_s"))
    return lo, hi


def offending_sent(check: Check, w: Window) -> PacketSent | None:
    """The first message that breaks a ``not_sent`` check (in its scope), or None."""
    bounds = _scope_bounds(check, w) if check.has("during") or check.has("for_s") \
        else (-1.0, float("inf"))
    if bounds is None:
        return None
    lo, hi = bounds
    trace = w.sim.trace
    # the matching messages, scanned incrementally (find_sent's scan); the trace is in
    # time order, so the first one past the scope ends the search
    for i in matching_indices(w.sim, "sent", check, w.start,
                              lambda _i, e: _sent_matches(e, check, w)):
        e = trace[i]
        if e.t > hi:
            break
        if e.t >= lo:
            assert isinstance(e, PacketSent)  # what _sent_matches matched
            return e
    return None


def holds_not_sent(check: Check, w: Window) -> bool:
    return offending_sent(check, w) is None


def _hop_matches(check: Check, e: Event, w: Window) -> bool:
    if not isinstance(e, PacketSent):
        return False
    if check.head != ANY and e.kind != check.head:
        return False
    if check.has("node") and e.node not in _names(check.get("node")):
        return False
    if check.has("to_node") and e.to_node not in _names(check.get("to_node")):
        return False
    if check.has("origin") and e.origin != check.get("origin"):
        return False
    return _where_holds(check, e, w.book)


def _nth(found: list[int], check: Check) -> int | None:
    """The index of the ``at_least``-th match, or None while there are fewer."""
    k = _at_least(check)
    return found[k - 1] if len(found) >= k else None


def find_hop(check: Check, w: Window, frm: int) -> int | None:
    return _nth(matching_indices(w.sim, "hop", check, frm,
                                 lambda _i, e: _hop_matches(check, e, w)), check)


def _simple_find(cls: type, test: Callable[[Check, Any, Window], bool]):
    kind = f"{cls.__name__}/{test.__name__}"  # one predicate per (event class, test)

    def find(check: Check, w: Window, frm: int) -> int | None:
        return _nth(matching_indices(w.sim, kind, check, frm,
                                     lambda _i, e: test(check, e, w), cls), check)
    return find


def _received(check: Check, e: PacketReceived, w: Window) -> bool:
    return (check.head == ANY or e.kind == check.head) and \
        (not check.has("by") or e.node in _names(check.get("by")))


def _dropped(check: Check, e: PacketDropped, w: Window) -> bool:
    return (check.head == ANY or e.kind == check.head) and \
        (not check.has("at") or e.node in _names(check.get("at")))


def _map_selected(check: Check, e: MapSelected, w: Window) -> bool:
    if e.node != w.book.mn or IPv6Address(e.map_address) != w.book.agent_address(check.head):
        return False
    return all(not check.has(k) or getattr(e, k) == check.get(k) for k in ("dist", "pref"))


def _movement(check: Check, e: MovementDetected, w: Window) -> bool:
    return e.node == w.book.mn and e.ar in check.head


def _entered(check: Check, e: StateChanged, w: Window) -> bool:
    return e.node == w.book.mn and e.new == check.head


def _security(check: Check, e: SecurityAssociationEstablished, w: Window) -> bool:
    return e.node == w.book.mn and e.peer == check.head


def _route_optimization(check: Check, e: RouteOptimizationChanged, w: Window) -> bool:
    return e.node == w.book.mn and e.new == check.head and \
        (not check.has("with") or e.peer == check.get("with"))


def find_handover(check: Check, w: Window, frm: int) -> int | None:
    started: HandoverStarted | None = None
    count = 0
    trace = w.sim.trace
    mn = w.book.mn
    # the MN's handover events, scanned incrementally (the check is asked after every
    # engine step while a step settles); the check's own conditions are applied below
    for i in matching_indices(w.sim, "handover", check, frm, lambda _i, e: e.node == mn,
                              (HandoverStarted, HandoverCompleted)):
        e = trace[i]
        if isinstance(e, HandoverStarted):
            started = e
        elif isinstance(e, HandoverCompleted):
            if check.head != ANY and e.kind != check.head:
                continue
            if check.has("to_ar") and (started is None or started.to_ar not in check.get("to_ar")):
                continue
            ms = e.latency_s * 1000.0
            if check.has("latency_ms_at_most") and ms > check.get("latency_ms_at_most"):
                continue
            if check.has("latency_ms_at_least") and ms < check.get("latency_ms_at_least"):
                continue
            count += 1
            if count >= _at_least(check):
                return i
    return None


def find_then(check: Check, w: Window, frm: int) -> int | None:
    pos = frm
    done = None
    for sub in check.children:
        done = CHECKS[sub.name].find(sub, w, pos)  # type: ignore[misc]
        if done is None:
            return None
        pos = done + 1
    return done


# --- state checks ------------------------------------------------------------------------


def _entry_matches(check: Check, home: IPv6Address, care_of: IPv6Address, lifetime: int,
                   w: Window) -> bool:
    if check.has("home") and home != w.book.resolve(check.get("home")):
        return False
    if check.has("care_of") and care_of != w.book.resolve(check.get("care_of")):
        return False
    if check.has("care_of_prefix_of") and not any(
            w.book.in_prefix_of(care_of, n) for n in _names(check.get("care_of_prefix_of"))):
        return False
    if check.has("lifetime_s") and lifetime != check.get("lifetime_s"):
        return False
    return True


def holds_binding(check: Check, w: Window) -> bool:
    entries = w.sim.binding_caches().get(check.head, [])
    found = any(_entry_matches(check, e.home_address, e.care_of_address, e.lifetime_s, w)
                for e in entries)
    return not found if check.get("absent") else found


def holds_bul(check: Check, w: Window) -> bool:
    peer = w.book.agent_address(check.head)
    found = False
    for e in w.sim.binding_update_list():
        if e.peer_address != peer:
            continue
        if check.has("acknowledged") and e.acknowledged != check.get("acknowledged"):
            continue
        if _entry_matches(check, e.home_address, e.care_of_address, e.lifetime_s, w):
            found = True
            break
    return not found if check.get("absent") else found


def holds_attached(check: Check, w: Window) -> bool:
    return (w.sim.mn.ar or "none") in check.head


def holds_mn_state(check: Check, w: Window) -> bool:
    return w.sim.mn.state == check.head


def holds_current_map(check: Check, w: Window) -> bool:
    current = w.sim.mn.current_map
    if check.head == "none":
        return current is None
    return current is not None and current == w.book.agent_address(check.head)


def holds_address(check: Check, w: Window) -> bool:
    value = w.book.resolve(check.head)
    if check.get("absent"):
        return value is None
    if value is None:
        return False
    if check.has("equals") and value != IPv6Address(check.get("equals")):
        return False
    if check.has("in_prefix_of") and not w.book.in_prefix_of(value, check.get("in_prefix_of")):
        return False
    return True


def holds_mode(check: Check, w: Window) -> bool:
    return w.sim.mode == check.head


# =====================================================================================
# The table
# =====================================================================================

_SINCE = ParamSpec(boolean, "false: read the whole run instead of the events since the "
                            "step began (default true)")
_AT_LEAST = ParamSpec(integer(1), "how many matching events are needed (default 1)")
_WHERE = ParamSpec(where, "packet fields the message must have, e.g. "
                          '{ "mip6.bu.m_flag" = true }')
_MAP_OPTION = ParamSpec(map_node, "in an RA: the MAP option the icmpv6.opt.map.* fields read "
                                  "(default: the first option)")
_ANY_NODE = node()


def _node_or_nodes(value: Any, scope: Any) -> str | tuple[str, ...]:
    if isinstance(value, list) and value:
        return tuple(_ANY_NODE(v, scope) for v in value)
    return _ANY_NODE(value, scope)


def _d_sent(c: Check) -> str:
    text_ = f"{'a message' if c.head == ANY else 'a ' + c.head}"
    if c.has("from"):
        text_ += f" from {c.get('from')}"
    if c.has("to"):
        text_ += f" to {c.get('to')}"
    if c.get("acknowledged"):
        text_ += ", acknowledged"
    if c.has("status"):
        text_ += f", answered with status {c.get('status')}"
    if c.get("where"):
        text_ += " with " + ", ".join(f"{x.field} {x.op.replace('_', ' ')} {x.value}"
                                      for x in c.get("where"))
    n = _at_least(c)
    return text_ + (f" (at least {n})" if n > 1 else "")


def _d_hop(c: Check) -> str:
    what = "any packet" if c.head == ANY else f"a {c.head} packet"
    if c.has("node"):
        what += f" leaving {c.get('node')}"
    if c.has("to_node"):
        what += f" towards {c.get('to_node')}"
    if c.get("where"):
        what += " with " + ", ".join(f"{x.field} {x.op.replace('_', ' ')} {x.value}"
                                     for x in c.get("where"))
    return what


def _d_binding(c: Check, table: str) -> str:
    if c.get("absent"):
        base = f"no matching entry in {c.head}'s {table}"
    else:
        base = f"an entry in {c.head}'s {table}"
    parts = []
    if c.has("home"):
        parts.append(f"for {c.get('home')}")
    if c.has("care_of"):
        parts.append(f"-> {c.get('care_of')}")
    if c.has("care_of_prefix_of"):
        parts.append(f"-> an address under {c.get('care_of_prefix_of')}'s prefix")
    if c.has("acknowledged"):
        parts.append("acknowledged" if c.get("acknowledged") else "not yet acknowledged")
    if c.has("lifetime_s"):
        parts.append(f"lifetime {c.get('lifetime_s')} s")
    return " ".join([base] + parts)


_COMMON_SENT = {
    "from": ParamSpec(_ANY_NODE, "the node that built the message"),
    "to": ParamSpec(_ANY_NODE, "the node it is addressed to (the routing header's address "
                               "counts for a BA)"),
    "where": _WHERE,
    "map_option": _MAP_OPTION,
    "since_step": _SINCE,
}

CHECKS: dict[str, CheckDef] = {}


def _add(d: CheckDef) -> None:
    CHECKS[d.name] = d


_add(CheckDef(
    "sent", ParamSpec(kind_or_any, "packet kind, or \"any\""),
    {**_COMMON_SENT,
     "acknowledged": ParamSpec(boolean, "true: a Binding Update the MN's binding update list "
                                        "then records as acknowledged by the peer"),
     "status": ParamSpec(integer(0, 255), "a Binding Update the peer answered with this BA "
                                          "status"),
     "at_least": _AT_LEAST},
    "a message of this kind was built and sent", find=find_sent, describe=_d_sent))
_add(CheckDef(
    "not_sent", ParamSpec(kind_or_any, "packet kind, or \"any\""),
    {**_COMMON_SENT,
     "during": ParamSpec(choice(("handover",)), "\"handover\": only from the MN's last "
                                               "move in the step to the acknowledgement "
                                               "that completed its handover"),
     "for_s": ParamSpec(number(0.0, above=True), "only this many seconds from the step's "
                                                 "start (or from the move, with during)")},
    "no such message was sent", holds=holds_not_sent,
    describe=lambda c: "no " + _d_sent(c).removeprefix("a ")))
_add(CheckDef(
    "hop", ParamSpec(kind_or_any, "packet kind, or \"any\""),
    {"node": ParamSpec(_node_or_nodes, "the node that put it on the link (an array: any)"),
     "to_node": ParamSpec(_node_or_nodes, "the node at the other end of the link"),
     "origin": ParamSpec(boolean, "true: the hop where the node built or encapsulated it"),
     "where": _WHERE, "map_option": _MAP_OPTION, "at_least": _AT_LEAST, "since_step": _SINCE},
    "a packet crossed a link", find=find_hop, describe=_d_hop))
_add(CheckDef(
    "received", ParamSpec(kind_or_any, "packet kind, or \"any\""),
    {"by": ParamSpec(_node_or_nodes, "the node that processed it (an array: any)"),
     "at_least": _AT_LEAST,
     "since_step": _SINCE},
    "a node processed a packet as its destination",
    find=_simple_find(PacketReceived, _received),
    describe=lambda c: f"{c.head} received" + (f" by {c.get('by')}" if c.has("by") else "")))
_add(CheckDef(
    "dropped", ParamSpec(kind_or_any, "packet kind, or \"any\""),
    {"at": ParamSpec(_node_or_nodes, "the node that dropped it (an array: any)"),
     "at_least": _AT_LEAST,
     "since_step": _SINCE},
    "a packet was dropped", find=_simple_find(PacketDropped, _dropped),
    describe=lambda c: f"a {c.head} packet dropped" +
    (f" at {c.get('at')}" if c.has("at") else "")))
_add(CheckDef(
    "handover", ParamSpec(choice(HANDOVER_KINDS + (ANY,)), "handover kind"),
    {"to_ar": ParamSpec(ar_set(), "the AR the MN moved to: one, an array (any of them), "
                                  "or { under = MAP } (any AR of that MAP's domain)"),
     "latency_ms_at_most": ParamSpec(number(0.0), "its latency was at most this"),
     "latency_ms_at_least": ParamSpec(number(0.0), "its latency was at least this"),
     "at_least": _AT_LEAST, "since_step": _SINCE},
    "the MN completed a handover", find=find_handover,
    describe=lambda c: f"a completed {c.head} handover" +
    (f" to {c.get('to_ar')}" if c.has("to_ar") else "")))
_add(CheckDef(
    "map_selected", ParamSpec(map_node, "the MAP"),
    {"dist": ParamSpec(integer(1, 15), "the Dist it was chosen with"),
     "pref": ParamSpec(integer(0, 15), "the Pref it was chosen with"),
     "at_least": _AT_LEAST, "since_step": _SINCE},
    "the MN selected this MAP", find=_simple_find(MapSelected, _map_selected),
    describe=lambda c: f"the MN selects {c.head}"))
_add(CheckDef(
    "movement_detected", ParamSpec(ar_set(), "the AR (or an array, or { under = MAP })"),
    {"at_least": _AT_LEAST, "since_step": _SINCE},
    "the MN formed a new LCoA from this AR's prefix",
    find=_simple_find(MovementDetected, _movement),
    describe=lambda c: f"the MN forms an LCoA on {c.head}"))
_add(CheckDef(
    "state_entered", ParamSpec(choice(MN_STATES), "a state of the MN's registration machine"),
    {"at_least": _AT_LEAST, "since_step": _SINCE},
    "the MN's registration state machine entered this state",
    find=_simple_find(StateChanged, _entered),
    describe=lambda c: f"the MN enters \"{c.head}\""))
_add(CheckDef(
    "security_association", ParamSpec(node("map", "ha", "ar"), "a MAP or the HA"),
    {"at_least": _AT_LEAST, "since_step": _SINCE},
    "the MN set up IPsec security associations with this peer (RFC 5380 s.12.1)",
    find=_simple_find(SecurityAssociationEstablished, _security),
    describe=lambda c: f"security associations between the MN and {c.head}"))
_add(CheckDef(
    "route_optimization", ParamSpec(choice(RO_STATES), "a state of the MN's route "
                                                      "optimisation with a CN"),
    {"with": ParamSpec(node("cn"), "the correspondent node"), "at_least": _AT_LEAST,
     "since_step": _SINCE},
    "the MN's route optimisation with a CN entered this state (RFC 6275 s.5.2)",
    find=_simple_find(RouteOptimizationChanged, _route_optimization),
    describe=lambda c: f"route optimisation enters \"{c.head}\"" +
    (f" with {c.get('with')}" if c.has("with") else "")))
_ENTRY = {
    "home": ParamSpec(address_ref, "the bound home address (an RCoA at a MAP)"),
    "care_of": ParamSpec(address_ref, "the care-of address it is bound to"),
    "care_of_prefix_of": ParamSpec(_node_or_nodes, "the care-of address lies under this "
                                                   "node's prefix (an array: any of them)"),
    "lifetime_s": ParamSpec(integer(0), "the granted lifetime"),
    "absent": ParamSpec(boolean, "true: no such entry"),
}
_add(CheckDef(
    "binding", ParamSpec(agent_node, "a HA, MAP or CN"), dict(_ENTRY),
    "this node's binding cache holds such an entry now", holds=holds_binding,
    describe=lambda c: _d_binding(c, "binding cache")))
_add(CheckDef(
    "bul", ParamSpec(node("ha", "map", "ar", "cn"), "the peer (HA, MAP or CN)"),
    {**_ENTRY, "acknowledged": ParamSpec(boolean, "the peer acknowledged it")},
    "the MN's binding update list holds such an entry now", holds=holds_bul,
    describe=lambda c: _d_binding(c, "entry in the MN's binding update list")))
_add(CheckDef(
    "mn_attached", ParamSpec(ar_set(extra=("none",)), "an AR, \"none\", an array of ARs, "
                                                      "or { under = MAP }"), {},
    "the MN's link layer is on this AR now", holds=holds_attached,
    describe=lambda c: f"the MN is attached to {c.head}"))
_add(CheckDef(
    "mn_state", ParamSpec(choice(MN_STATES), "a state of the MN's registration machine"), {},
    "the MN's registration state now", holds=holds_mn_state,
    describe=lambda c: f"the MN is in state \"{c.head}\""))
_add(CheckDef(
    "current_map", ParamSpec(map_or_none, "a MAP, or \"none\" (plain Mobile IPv6)"),
    {}, "the MAP the MN uses now", holds=holds_current_map,
    describe=lambda c: f"the MN's current MAP is {c.head}"))
_add(CheckDef(
    "address", ParamSpec(choice(MN_REFS), "hoa, lcoa or rcoa"),
    {"equals": ParamSpec(address_literal, "this exact address"),
     "in_prefix_of": ParamSpec(_ANY_NODE, "inside this node's prefix"),
     "absent": ParamSpec(boolean, "true: the MN has no such address now")},
    "one of the MN's addresses now", holds=holds_address,
    describe=lambda c: f"the MN's {c.head}" + (f" is {c.get('equals')}" if c.has("equals")
                                               else "") +
    (f" lies under {c.get('in_prefix_of')}" if c.has("in_prefix_of") else "")))
_add(CheckDef(
    "mode", ParamSpec(choice(("hmipv6", "mipv6")), "hmipv6 or mipv6"), {},
    "the simulation runs in this mode", holds=holds_mode,
    describe=lambda c: f"the simulation runs in {c.head} mode"))
for _name, _doc in (("all", "every sub-check holds"), ("any", "at least one sub-check holds"),
                    ("then", "trace sub-checks hold one after the other, in this order")):
    _add(CheckDef(_name, ParamSpec(lambda v, s: v, "an array of checks"), {}, _doc,
                  combinator=True, find=find_then if _name == "then" else None))
_add(CheckDef("not", ParamSpec(lambda v, s: v, "a check"), {}, "the sub-check does not hold",
              combinator=True))



from hmipviz.lesson import selection as _selection  # noqa: E402,F401  (field_selected)
