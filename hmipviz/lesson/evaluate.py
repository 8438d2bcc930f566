"""Using the check language of :mod:`hmipviz.lesson.checks`: a check parsed from its
TOML table (problems named by key) and evaluated on the events of a step. (What a
prediction is about is read off the trace by :mod:`hmipviz.lesson.predict`.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hmipviz.engine import describe
from hmipviz.engine.events import Event, PacketDropped, PacketReceived, PacketSent
from hmipviz.lesson.checks import CHECKS, Check, Window, find_then
from hmipviz.lesson.fields import ANY, Bad, Scope, suggest, type_name
from hmipviz.tomlpos import KeyPath

# =====================================================================================
# Parsing a check from its TOML table
# =====================================================================================

Problem = tuple[KeyPath, str]


def parse_check(raw: Any, scope: Scope, path: KeyPath) -> tuple[Check | None, list[Problem]]:
    """A :class:`Check` from its table, or the problems (each with the key it is about)."""
    problems: list[Problem] = []
    result = _parse(raw, scope, path, problems)
    return (result if not problems else None), problems


def _parse(raw: Any, scope: Scope, path: KeyPath, problems: list[Problem]) -> Check | None:
    if not isinstance(raw, dict):
        problems.append((path, f"a check must be a table such as "
                               f'{{ sent = "local BU" }}, not {type_name(raw)}'))
        return None
    heads = [k for k in raw if k in CHECKS]
    if not heads:
        unknown = [k for k in raw]
        word = unknown[0] if unknown else ""
        if word:
            problems.append((path + (word,), f'unknown check "{word}"{suggest(word, CHECKS)}'))
        else:
            problems.append((path, "empty check: name one, e.g. { sent = \"local BU\" }"))
        return None
    if len(heads) > 1:
        problems.append((path + (heads[1],),
                         f'one check per table: "{heads[0]}" and "{heads[1]}" are both '
                         "check names (use all = [...])"))
        return None
    name = heads[0]
    d = CHECKS[name]
    if d.combinator:
        return _parse_combinator(name, raw, scope, path, problems)
    head_value = raw[name]
    ok = True
    try:
        head = d.head.convert(head_value, scope)
    except Bad as bad:
        problems.append((path + (name,), f"{name}: {bad}"))
        ok, head = False, None
    params: list[tuple[str, Any]] = []
    for key, value in raw.items():
        if key == name:
            continue
        if key not in d.params:
            problems.append((path + (key,), f'check "{name}" has no parameter "{key}"'
                                            f"{suggest(key, d.params)}"
                                            f" (it takes: {', '.join(d.params) or 'none'})"))
            ok = False
            continue
        try:
            params.append((key, d.params[key].convert(value, scope)))
        except Bad as bad:
            problems.append((path + (key,), f"{name}: {key} {bad}"))
            ok = False
    if name == "sent" and raw.get("acknowledged") is False:
        problems.append((path + ("acknowledged",), "sent: acknowledged = false checks nothing; "
                                                   "use status = N for a refusal"))
        ok = False
    return Check(name, head, tuple(params)) if ok else None


def _parse_combinator(name: str, raw: dict, scope: Scope, path: KeyPath,
                      problems: list[Problem]) -> Check | None:
    extra = [k for k in raw if k != name]
    if extra:
        problems.append((path + (extra[0],), f'"{name}" takes no parameters, '
                                             f'not "{extra[0]}"'))
    value = raw[name]
    if name == "not":
        sub = _parse(value, scope, path + (name,), problems)
        return Check(name, None, (), (sub,)) if sub is not None else None
    if not isinstance(value, list) or not value:
        problems.append((path + (name,), f"{name} must be a non-empty array of checks"))
        return None
    subs = []
    for i, item in enumerate(value):
        sub = _parse(item, scope, path + (name, i), problems)
        if sub is None:
            continue
        if name == "then" and not CHECKS[sub.name].trace:
            problems.append((path + (name, i), f'then: "{sub.name}" reads state, not events; '
                                               "then chains only events in order"))
            continue
        subs.append(sub)
    if len(subs) != len(value):
        return None
    return Check(name, None, (), tuple(subs))


# =====================================================================================
# Evaluating
# =====================================================================================


@dataclass(frozen=True)
class Outcome:
    passed: bool
    detail: str


def _described(check: Check) -> str:
    """The check's sentence, built once: a check is asked after every engine step while
    a step settles, and its sentence depends on the check alone. Kept in the check's own
    ``__dict__`` (a frozen dataclass: its fields cannot change, and a key that is no
    field takes no part in comparing or hashing it), so it lives as long as the check:
    a table by ``id`` kept the checks of every lesson opened in the window (issue 9)."""
    memo = check.__dict__
    text = memo.get("_sentence")
    if text is None:
        text = memo["_sentence"] = describe_check(check)
    return text


def evaluate(check: Check, w: Window) -> Outcome:
    """Whether ``check`` holds now, with a sentence saying what it waits for."""
    ok = _holds(check, w)
    return Outcome(ok, ("done: " if ok else "waiting for: ") + _described(check))


def holds(check: Check, w: Window) -> bool:
    """Whether ``check`` holds now on the window ``w`` (event checks read from its
    start, or from 0 with ``since_step = false``; state checks read the state now)."""
    return _holds(check, w)


def _holds(check: Check, w: Window) -> bool:
    d = CHECKS[check.name]
    if check.name == "all":
        return all(_holds(c, w) for c in check.children)
    if check.name == "any":
        return any(_holds(c, w) for c in check.children)
    if check.name == "not":
        return not _holds(check.children[0], w)
    if check.name == "then":
        return find_then(check, w, w.start) is not None
    if d.holds is not None:
        if check.name == "not_sent" and check.get("since_step") is False:
            return d.holds(check, Window(w.sim, 0))
        return d.holds(check, w)
    frm = 0 if check.get("since_step") is False else w.start
    return d.find(check, w, frm) is not None  # type: ignore[misc]


def describe_check(check: Check) -> str:
    if check.name in ("all", "then"):
        joiner = ", and " if check.name == "all" else ", then "
        return joiner.join(describe_check(c) for c in check.children)
    if check.name == "any":
        return " or ".join(describe_check(c) for c in check.children)
    if check.name == "not":
        return "not: " + describe_check(check.children[0])
    return CHECKS[check.name].describe(check)


def watches_data(check: Check) -> bool:
    """Whether data packets can change the check's truth (else they can be skipped)."""
    if check.children:
        return any(watches_data(c) for c in check.children)
    if check.name in ("sent", "not_sent", "hop", "received", "dropped"):
        return check.head in (describe.DATA, ANY)
    return False


def is_data_event(e: Event) -> bool:
    return isinstance(e, (PacketSent, PacketReceived, PacketDropped)) and \
        e.kind == describe.DATA
