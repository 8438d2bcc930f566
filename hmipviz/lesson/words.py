"""A check's conditions in words a student understands, for the lesson's status lines.

``describe_check`` (in :mod:`hmipviz.lesson.evaluate`) names a check tersely for
``hmipviz check``; :func:`plain` says what the learner must make happen: "the MN
completes a handover within MAP1's domain to AR2, in at most 150 ms from leaving its
old link to the acknowledgement" rather than "a completed intra-MAP handover to AR2".
Latency bounds, counts and scopes are always spelt out: a condition the learner cannot
see is one they cannot meet.
"""

from __future__ import annotations

from hmipviz.engine import describe
from hmipviz.lesson.checks import Check
from hmipviz.lesson.fields import ANY

# the engine's packet kinds, as a student reads them
KIND_WORDS = {
    describe.LOCAL_BU: "a local Binding Update (to a MAP)",
    describe.LOCAL_BA: "a local Binding Acknowledgement (from a MAP)",
    describe.HOME_BU: "a Binding Update to the home agent",
    describe.HOME_BA: "a Binding Acknowledgement from the home agent",
    describe.CN_BU: "a Binding Update to a correspondent",
    describe.CN_BA: "a Binding Acknowledgement from a correspondent",
    describe.DATA: "a data packet",
    ANY: "a message",
}

HANDOVER_WORDS = {
    "initial": "its first registration",
    "intra-MAP": "a handover inside one MAP's domain (intra-MAP)",
    "inter-MAP": "a handover to another MAP's domain (inter-MAP)",
    "mipv6": "a plain Mobile IPv6 handover",
    "MAP change": "a change of MAP",
    ANY: "a handover",
}

ADDRESS_WORDS = {"hoa": "its home address", "lcoa": "its LCoA", "rcoa": "its RCoA"}


def kind_words(kind: str) -> str:
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    if kind == "other":
        return "another packet"
    return ("an " if kind[:1] in "AEIOR" else "a ") + kind  # an RA, an ICMPv6 error


def _address(ref: object) -> str:
    if isinstance(ref, tuple):
        return " or ".join(_address(r) for r in ref)
    return ADDRESS_WORDS.get(str(ref), str(ref))


def _fields(c: Check) -> str:
    where = c.get("where") or ()
    if not where:
        return ""
    parts = []
    for x in where:
        op = {"equals": "=", "at_least": "\u2265", "at_most": "\u2264",
              "in_prefix_of": "under the prefix of"}.get(x.op, x.op.replace("_", " "))
        value = f"{_address(x.value)}'s" if x.op == "in_prefix_of" else _address(x.value)
        parts.append(f"{x.field} {op} {value}".replace("'s's", "'s"))
    return " with " + ", ".join(parts)


def _count(c: Check) -> str:
    n = c.get("at_least", 1)
    return f" (at least {n} of them)" if n > 1 else ""


def _sent(c: Check) -> str:
    text = kind_words(c.head)
    if c.has("from"):
        text += f" from {c.get('from')}"
    if c.has("to"):
        text += f" to {c.get('to')}"
    text += " is sent"
    if c.get("acknowledged"):
        text += " and acknowledged"
    if c.has("status"):
        text += f" and answered with status {c.get('status')}"
    return text + _fields(c) + _count(c)


def not_sent_scope(c: Check) -> str:
    """When a ``not_sent`` check watches, in words: "during this step", ..."""
    if c.get("during") == "handover":
        text = " between your move and the acknowledgement that completes it"
        if c.has("for_s"):
            text = f" in the first {c.get('for_s'):g} s after your move"
        return text
    if c.has("for_s"):
        return f" in the first {c.get('for_s'):g} s of this step"
    return " during this step" if c.get("since_step") is not False else " at all"


def _not_sent(c: Check) -> str:
    what = kind_words(c.head).split(" ", 1)[1] if c.head != ANY else "message"
    text = f"no {what}"
    if c.has("from"):
        text += f" from {c.get('from')}"
    if c.has("to"):
        text += f" to {c.get('to')}"
    return text + " is sent" + _fields(c) + not_sent_scope(c)


def _handover(c: Check) -> str:
    text = "the MN completes " + HANDOVER_WORDS.get(c.head, f"a {c.head} handover")
    if c.has("to_ar"):
        text += f", moving to {c.get('to_ar')}"
    lo, hi = c.get("latency_ms_at_least"), c.get("latency_ms_at_most")
    span = "from leaving its old link to the acknowledgement"
    if hi is not None and lo is not None:
        text += f", taking {lo:g} to {hi:g} ms {span}"
    elif hi is not None:
        text += f", within {hi:g} ms {span}"
    elif lo is not None:
        text += f", taking at least {lo:g} ms {span}"
    return text + _count(c)


def _entry(c: Check, whose: str) -> str:
    if c.get("absent"):
        text = f"{whose} holds no such entry"
        if not any(c.has(k) for k in ("home", "care_of", "care_of_prefix_of")):
            return f"{whose} is empty"
    else:
        text = f"{whose} holds an entry"
    if c.has("home"):
        text += f" for {_address(c.get('home'))}"
    if c.has("care_of"):
        text += f" bound to {_address(c.get('care_of'))}"
    if c.has("care_of_prefix_of"):
        names = c.get("care_of_prefix_of")
        names = " or ".join(names) if isinstance(names, tuple) else names
        text += f" bound to an address under {names}'s prefix"
    if c.has("acknowledged"):
        text += ", acknowledged" if c.get("acknowledged") else ", not yet acknowledged"
    if c.has("lifetime_s"):
        text += f", lifetime {c.get('lifetime_s')} s"
    return text


def plain(c: Check) -> str:
    """One condition, in words a student understands (no trailing full stop)."""
    n = c.name
    if n == "all":
        return "; ".join(plain(x) for x in c.children)
    if n == "any":
        return "one of: " + "; or ".join(plain(x) for x in c.children)
    if n == "then":
        return ", then ".join(plain(x) for x in c.children)
    if n == "not":
        return "not (" + plain(c.children[0]) + ")"
    if n == "sent":
        return _sent(c)
    if n == "not_sent":
        return _not_sent(c)
    if n == "hop":
        text = ("any packet" if c.head == ANY else kind_words(c.head)) + " crosses a link"
        if c.has("node"):
            text += f" from {_address(c.get('node'))}"
        if c.has("to_node"):
            text += f" to {_address(c.get('to_node'))}"
        return text + _fields(c) + _count(c)
    if n == "received":
        return (kind_words(c.head) + " arrives" +
                (f" at {_address(c.get('by'))}" if c.has("by") else "") + _count(c))
    if n == "dropped":
        return (kind_words(c.head) + " is dropped" +
                (f" at {_address(c.get('at'))}" if c.has("at") else "") + _count(c))
    if n == "handover":
        return _handover(c)
    if n == "map_selected":
        extra = "".join(f", {k.capitalize()} {c.get(k)}" for k in ("dist", "pref")
                        if c.has(k))
        return f"the MN chooses {c.head} as its MAP{extra}"
    if n == "movement_detected":
        return f"the MN forms a new LCoA on {c.head}'s link"
    if n == "state_entered":
        return f"the MN's registration goes to \u201c{c.head}\u201d"
    if n == "security_association":
        return f"the MN sets up IPsec security associations with {c.head}"
    if n == "route_optimization":
        return (f"route optimisation{' with ' + c.get('with') if c.has('with') else ''} "
                f"reaches \u201c{c.head}\u201d")
    if n == "binding":
        return _entry(c, f"{c.head}'s binding cache")
    if n == "bul":
        return _entry(c, f"the MN's binding update list (for {c.head})")
    if n == "mn_attached":
        return "the MN is on no link" if str(c.head) == "none" else \
            f"the MN is on {c.head}'s link"
    if n == "mn_state":
        return f"the MN's registration is \u201c{c.head}\u201d"
    if n == "current_map":
        return "the MN uses no MAP (plain Mobile IPv6)" if c.head == "none" else \
            f"the MN uses {c.head} as its MAP"
    if n == "address":
        who = "the MN's " + _address(c.head).removeprefix("its ")
        if c.get("absent"):
            return f"{who} is gone"
        parts = []
        if c.has("equals"):
            parts.append(f"is {c.get('equals')}")
        if c.has("in_prefix_of"):
            parts.append(f"lies under {c.get('in_prefix_of')}'s prefix")
        return who + " " + (" and ".join(parts) or "exists")
    if n == "field_selected":
        what = "a packet" if c.get("kind", ANY) == ANY else kind_words(c.get("kind"))
        if c.has("from"):
            what += f" from {_address(c.get('from'))}"
        return f"you select the field {c.head} of {what} in the packet inspector"
    if n == "mode":
        return "the network runs " + ("plain Mobile IPv6" if c.head == "mipv6" else "HMIPv6")
    return n


__all__ = ["plain", "not_sent_scope", "kind_words", "KIND_WORDS", "HANDOVER_WORDS"]
