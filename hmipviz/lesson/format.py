"""The lesson file format: the loader that validates a lesson file into the model.

A lesson is a Markdown file with a TOML front matter block (between ``+++`` lines) and
one ``## Step: ...`` section per step, each holding learner text and one fenced
```` ```toml ```` block of data: set-up actions, the check, hints, the solution and
questions. Lesson files are data; nothing in them is executed (``docs/lessons.md``).
Every problem is reported as ``path:line: what`` in one :class:`LessonError`.
The model itself lives in :mod:`hmipviz.lesson.model` and is re-exported here.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmipviz.lesson import attack, distance
from hmipviz.lesson import fields as lf
from hmipviz.lesson.evaluate import parse_check
from hmipviz.lesson.model import Action, Choice, Lesson, LessonError, Question, Step
from hmipviz.resources import lessons_dir
from hmipviz.scenario import SECURITIES, Scenario, ScenarioError, load_scenario
from hmipviz.scenario.limits import MAX_DURATION_S, InputError, nesting_problem, read_limited
from hmipviz.tomlpos import KeyPath, LineIndex

# =====================================================================================
# Reading the file
# =====================================================================================

FRONT_KEYS = ("title", "summary", "goals", "scenario", "mode", "duration_s", "vary")
STEP_KEYS = ("setup", "check", "solution", "hints", "time_limit_s", "question", "goals")
QUESTION_KEYS = ("id", "ask", "choices", "predict", "after", "ignore", "within_s",
                 "numeric", "tolerance", "explain", "message", "field")
ACTION_VERBS = ("move", "fail", "restore", "reset", "run_for_s", "run_until_s",
                "set_map_option", "flows", "inject", "play", "pause", "select_field",
                "inject_bu", "set_link", "compare")
# verbs that change what the engine does (not just let time pass)
STATE_VERBS = frozenset({"move", "fail", "restore", "reset", "set_map_option", "flows",
                         "inject", "inject_bu", "set_link"})

_FENCE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)")
_STEP = re.compile(r"^##\s+Step:\s*(.*?)\s*#*\s*$")
_H2 = re.compile(r"^##(\s|$)")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")


@dataclass
class _Block:
    """A TOML text and the file line its first line sits on."""

    text: str
    first_line: int


@dataclass
class _RawStep:
    title: str
    line: int
    text_lines: list[str] = field(default_factory=list)
    block: _Block | None = None


class _Problems:
    def __init__(self, label: str) -> None:
        self.label = label
        self.found: list[tuple[int, str]] = []

    def add(self, line: int, what: str) -> None:
        self.found.append((line, what))

    def raise_if_any(self) -> None:
        if self.found:
            ordered = sorted(self.found, key=lambda f: f[0])
            messages = [f"{self.label}:{line}: {what}" if line else f"{self.label}: {what}"
                        for line, what in ordered]
            raise LessonError(dict.fromkeys(messages))


def _toml(block: _Block, problems: _Problems, where: str) -> dict | None:
    deep = nesting_problem(block.text)
    if deep is not None:  # refused before tomllib, which recurses once per level
        problems.add(block.first_line + deep[0] - 1, f"{where}: {deep[1]}")
        return None
    try:
        return tomllib.loads(block.text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        at = _TOML_AT.search(message)
        if at:
            line = block.first_line + int(at.group(1)) - 1
            what = f"{message[: at.start()]} (column {at.group(2)})"
        else:
            line = block.first_line + max(0, block.text.count("\n") - 1)
            what = message
        problems.add(line, f"{where}: TOML syntax error: {what}")
        return None


def _split(text: str, problems: _Problems) -> tuple[_Block | None, list[str], list[_RawStep]]:
    """Front matter, intro lines and raw steps, following Markdown code fences."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "+++":
        problems.add(i + 1 if i < len(lines) else 1,
                     'a lesson starts with a front matter block between "+++" lines')
        return None, [], []
    start = i + 1
    end = next((j for j in range(start, len(lines)) if lines[j].strip() == "+++"), None)
    if end is None:
        problems.add(i + 1, 'front matter: no closing "+++" line')
        return None, [], []
    front = _Block("\n".join(lines[start:end]) + "\n", start + 1)
    intro: list[str] = []
    steps: list[_RawStep] = []
    fence: tuple[str, int] | None = None  # (marker, index where it opened)
    data: list[str] | None = None  # lines of the step's toml block being read
    extra = False  # the block being read is a second toml block: reported, not used
    for j in range(end + 1, len(lines)):
        line, number = lines[j], j + 1
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(2)[0] == fence[0][0] and len(m.group(2)) >= len(fence[0]) \
                    and not line.strip()[len(m.group(2)):].strip():
                if data is not None:
                    if not extra:
                        steps[-1].block = _Block("\n".join(data) + "\n", fence[1] + 2)
                    data, extra = None, False
                else:
                    (steps[-1].text_lines if steps else intro).append(line)
                fence = None
            elif data is not None:
                data.append(line)
            else:
                (steps[-1].text_lines if steps else intro).append(line)
            continue
        if m:
            fence = (m.group(2), j)
            if m.group(3) == "toml" and steps:
                if steps[-1].block is not None:
                    problems.add(number, f'step {len(steps)} "{steps[-1].title}": a second '
                                         "```toml block; a step has exactly one (show TOML "
                                         "to learners in a ```text block)")
                    extra = True
                data = []
                continue
            if m.group(3) == "toml":
                problems.add(number, "a ```toml block before the first \"## Step:\" heading")
            (steps[-1].text_lines if steps else intro).append(line)
            continue
        s = _STEP.match(line)
        if s:
            if not s.group(1):
                problems.add(number, '"## Step:" needs a title')
            steps.append(_RawStep(s.group(1) or f"Step {len(steps) + 1}", number))
            continue
        if _H2.match(line):
            problems.add(number, 'a level-2 heading must be "## Step: TITLE" (use ### '
                                 "inside a step)")
        (steps[-1].text_lines if steps else intro).append(line)
    if fence is not None:
        problems.add(fence[1] + 1, "code block is never closed")
        if data is not None:
            steps[-1].block = None
    return front, intro, steps


def _markdown(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n").rstrip()
    return text + "\n" if text else ""


# --- reading tables with line numbers -----------------------------------------------------


class _Reader:
    """Typed values from one TOML table, with problems reported at their lines."""

    def __init__(self, block: _Block, problems: _Problems, where: str) -> None:
        self.block = block
        self.index = LineIndex(block.text)
        self.problems = problems
        self.where = where

    def line(self, path: KeyPath) -> int:
        return self.block.first_line + self.index.line(path) - 1

    def add(self, path: KeyPath, what: str) -> None:
        self.problems.add(self.line(path), f"{self.where}: {what}")

    def keys(self, table: dict, path: KeyPath, allowed: tuple[str, ...],
             what: str | None = None) -> None:
        """Report keys outside ``allowed``; ``what`` names a table inside the reader's
        (the reader's own name already starts every message)."""
        for key in table:
            if key not in allowed:
                self.add(path + (key,), f"{what + ': ' if what else ''}unknown key "
                                        f'"{key}"{lf.suggest(key, allowed)}')

    def get(self, table: dict, path: KeyPath, key: str, convert: lf.Convert,
            scope: lf.Scope, default: Any = None, required: bool = False) -> Any:
        if key not in table:
            if required:
                self.add(path, f'missing "{key}"')
            return default
        try:
            return convert(table[key], scope)
        except lf.Bad as bad:
            self.add(path + (key,), f"{key} {bad}")
            return default


def _string_list(value: Any, scope: lf.Scope) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise lf.Bad("must be an array of non-empty strings")
    return tuple(value)


_EMPTY_SCOPE = lf.Scope({}, "MN", frozenset())


# --- actions --------------------------------------------------------------------------------


def _fixed_node(value: Any, scope: lf.Scope) -> str:
    name = lf.node()(value, scope)
    if name == scope.mn:
        raise lf.Bad(f'"{name}" is the MN: move it instead')
    return name


_ACTION_HEAD: dict[str, lf.Convert] = {
    "move": lf.node("ar", extra=("none",)),
    "fail": _fixed_node,
    "restore": _fixed_node,
    "reset": lambda v, s: lf.boolean(v, s) or _need_true("reset"),
    "run_for_s": lf.time_s(0.0, above=True),
    "run_until_s": lf.time_s(0.0),
    "set_map_option": lf.node("ar"),
    "flows": lf.boolean,
    "inject": _fixed_node,
    "play": lambda v, s: lf.boolean(v, s) or _need_true("play"),
    "pause": lambda v, s: lf.boolean(v, s) or _need_true("pause"),
    "select_field": lambda v, s: _selection().field_key(v, s),
    attack.VERB: attack.HEAD,  # the attacker's crafted local BU (lesson 9)
    **distance.HEADS,  # a link's delay, the compare view (lesson 18)
}
_ACTION_PARAMS: dict[str, dict[str, lf.Convert]] = {
    "reset": {"mode": lf.choice(("hmipv6", "mipv6")), "security": lf.choice(SECURITIES)},
    "inject": {"hex": lambda v, s: _packet_hex(v)},
    "select_field": {"kind": lf.kind_or_any, "from": lambda v, s: lf.node()(v, s)},
    "set_map_option": {"map": lf.map_node, "pref": lf.integer(0, 15),
                       "lifetime_s": lf.integer(0, 2**32 - 1)},
    attack.VERB: attack.PARAMS,
    **distance.PARAMS,
}


def _selection():
    from hmipviz.lesson import selection  # after checks, which it extends
    return selection


def _packet_hex(value: Any) -> bytes:
    """The bytes of a whole IPv6 packet written in hex; spaces and line breaks are free."""
    if not isinstance(value, str):
        raise lf.Bad("must be a string of hexadecimal digits")
    digits = "".join(value.split())
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise lf.Bad("is not hexadecimal (or has an odd number of digits)") from None
    if len(data) < 40:
        raise lf.Bad(f"is {len(data)} bytes, shorter than an IPv6 header (40)")
    return data


def _need_true(verb: str) -> bool:
    raise lf.Bad(f"{verb} takes true")


def _actions(raw: Any, reader: _Reader, path: KeyPath, scope: lf.Scope,
             scenario: Scenario | None) -> tuple[Action, ...]:
    if not isinstance(raw, list):
        reader.add(path, f"{path[-1]} must be an array of actions such as "
                         '[{ move = "AR2" }]')
        return ()
    out = []
    for i, item in enumerate(raw):
        here = path + (i,)
        if not isinstance(item, dict):
            reader.add(here, f"{path[-1]}: an action must be a table such as "
                             '{ move = "AR2" }')
            continue
        verbs = [k for k in item if k in ACTION_VERBS]
        if len(verbs) != 1:
            other = next(iter(item), "")
            what = (f'unknown action "{other}"{lf.suggest(other, ACTION_VERBS)}' if not verbs
                    else f'one action per table, not "{verbs[0]}" and "{verbs[1]}"')
            reader.add(here + ((other,) if not verbs and other else ()), f"{path[-1]}: {what}")
            continue
        verb = verbs[0]
        params_ok = _ACTION_PARAMS.get(verb, {})
        try:
            value = _ACTION_HEAD[verb](item[verb], scope)
        except lf.Bad as bad:
            reader.add(here + (verb,), f"{path[-1]}: {verb} {bad}")
            continue
        params = []
        ok = True
        for key, v in item.items():
            if key == verb:
                continue
            if key not in params_ok:
                reader.add(here + (key,), f'{path[-1]}: action "{verb}" has no parameter '
                                          f'"{key}"{lf.suggest(key, params_ok)}')
                ok = False
                continue
            try:
                params.append((key, params_ok[key](v, scope)))
            except lf.Bad as bad:
                reader.add(here + (key,), f"{path[-1]}: {verb}: {key} {bad}")
                ok = False
        action = Action(verb, value, tuple(params), reader.line(here))
        if ok and verb == "set_map_option":
            ok = _check_map_option(action, reader, here, scenario)
        if ok and (lack := distance.missing(verb, action, scenario)):
            reader.add(here, lack)
            ok = False
        if ok and verb == attack.VERB and (lack := attack.missing(action)):
            reader.add(here, lack)
            ok = False
        if ok and verb == "inject" and action.get("hex") is None:
            reader.add(here, 'inject: missing "hex" (the packet\'s bytes)')
            ok = False
        if ok:
            out.append(action)
    return tuple(out)


def _check_map_option(action: Action, reader: _Reader, here: KeyPath,
                      scenario: Scenario | None) -> bool:
    if action.get("map") is None:
        reader.add(here, 'set_map_option: missing "map"')
        return False
    if action.get("pref") is None and action.get("lifetime_s") is None:
        reader.add(here, "set_map_option: give pref, lifetime_s or both")
        return False
    if scenario is not None:
        spec = scenario.node(action.value)
        if all(o.map != action.get("map") for o in spec.map_options):
            reader.add(here + ("map",), f'set_map_option: {action.value} does not advertise '
                                        f'{action.get("map")}')
            return False
    return True


# --- questions ------------------------------------------------------------------------------


def _questions(raw: Any, reader: _Reader, scope: lf.Scope, step_no: int,
               limit_s: float, seen: set[str]) -> tuple[Question, ...]:
    if not isinstance(raw, list):
        reader.add(("question",), "question must be an array of tables ([[question]])")
        return ()
    out = []
    for i, q in enumerate(raw):
        path: KeyPath = ("question", i)
        if not isinstance(q, dict):
            reader.add(path, "a question must be a table")
            continue
        reader.keys(q, path, QUESTION_KEYS, "question")
        qid = reader.get(q, path, "id", lf.text, scope, default=f"step{step_no}-q{i + 1}")
        if qid in seen:
            reader.add(path + ("id",), f'question id "{qid}" is used twice in this lesson')
        seen.add(qid)
        ask = reader.get(q, path, "ask", lf.text, scope, required=True)
        predict = reader.get(q, path, "predict", lf.node(extra=(lf.ANY,)), scope)
        if predict is None:
            for key in ("after", "ignore", "within_s", "message", "field"):
                if key in q:
                    reader.add(path + (key,), f'"{key}" belongs to a prediction '
                                              '(a question with predict = NODE)')
        after = reader.get(q, path, "after", lf.kind, scope)
        ignore = reader.get(q, path, "ignore", lf.kinds, scope, default=("data",))
        within = reader.get(q, path, "within_s", lf.time_s(0.0, above=True), scope,
                            default=limit_s)
        if "numeric" in q:
            from hmipviz.lesson.measures import MEASURES
            numeric = reader.get(q, path, "numeric", lf.choice(MEASURES), scope)
            tol = reader.get(q, path, "tolerance", lf.number(0.0), scope, default=0.5)
            explain = reader.get(q, path, "explain", lf.text, scope, default="")
            for key in ("choices", "predict"):
                if key in q:
                    reader.add(path + (key,), f'a numeric question has no "{key}"')
            if ask is not None and numeric is not None:
                out.append(Question(qid, ask, (), reader.line(path), numeric=numeric,
                                    tolerance=tol, explain=explain))
            continue
        for key in ("tolerance",) if predict is not None else ("tolerance", "explain"):
            if key in q:
                reader.add(path + (key,), f'"{key}" belongs to a numeric question '
                                          '(numeric = "handover_latency_ms", ...)')
        if predict is not None:
            from hmipviz.lesson import predict as lp
            message = reader.get(q, path, "message", _kinds_or_one, scope, default=())
            fld = reader.get(q, path, "field", lp.parse_field, scope)
            explain = reader.get(q, path, "explain", lf.text, scope, default="")
            raw = q.get("choices")
            if not isinstance(raw, list) or len(raw) < 2:
                reader.add(path + (("choices",) if "choices" in q else ()),
                           "choices must be an array of at least two tables"
                           if "choices" in q else 'missing "choices"')
                continue
            parsed = lp.parse_choices(raw, reader, path + ("choices",), scope, fld)
            if ask is None or parsed is None or ("field" in q and fld is None):
                continue
            out.append(Question(qid, ask, parsed[1], reader.line(path), predict, after,
                                tuple(ignore), within, explain=explain,
                                message=tuple(message), about=parsed[0], field=fld))
            continue
        choices = _choices(q.get("choices"), reader, path, scope, False)
        if ask is None or choices is None:
            continue
        out.append(Question(qid, ask, choices, reader.line(path), predict, after,
                            tuple(ignore), within))
    return tuple(out)


def _choices(raw: Any, reader: _Reader, path: KeyPath, scope: lf.Scope,
             prediction: bool) -> tuple[Choice, ...] | None:
    here = path + ("choices",)
    if raw is None:
        reader.add(path, 'missing "choices"')
        return None
    if not isinstance(raw, list) or len(raw) < 2:
        reader.add(here, "choices must be an array of at least two tables")
        return None
    out = []
    allowed = ("kind", "explain") if prediction else ("text", "correct", "explain")
    for i, c in enumerate(raw):
        at = here + (i,)
        if not isinstance(c, dict):
            reader.add(at, "a choice must be a table such as "
                           + ('{ kind = "local BU", explain = "..." }' if prediction else
                              '{ text = "...", correct = true, explain = "..." }'))
            return None
        reader.keys(c, at, allowed, "choice")
        explain = reader.get(c, at, "explain", lf.text, scope, required=True)
        if prediction:
            kind = reader.get(c, at, "kind", lf.choice(lf.describe.KINDS + (lf.NOTHING,)),
                              scope, required=True)
            if kind is None or explain is None:
                return None
            out.append(Choice(kind, explain, kind=kind))
        else:
            text = reader.get(c, at, "text", lf.text, scope, required=True)
            correct = reader.get(c, at, "correct", lf.boolean, scope, default=False)
            if text is None or explain is None:
                return None
            out.append(Choice(text, explain, correct))
    if prediction:
        kinds = [c.kind for c in out]
        if len(set(kinds)) != len(kinds):
            reader.add(here, "a packet kind is offered twice")
            return None
    elif sum(c.correct for c in out) != 1:
        reader.add(here, "exactly one choice must have correct = true, not "
                         f"{sum(c.correct for c in out)}")
        return None
    return tuple(out)


# --- steps and front matter --------------------------------------------------------------------


def _step(raw: _RawStep, index: int, problems: _Problems, scope: lf.Scope,
          scenario: Scenario | None, seen: set[str], goal_count: int = 0) -> Step | None:
    where = f'step {index + 1} "{raw.title}"'
    if raw.block is None:
        problems.add(raw.line, f"{where}: no ```toml block with the step's check and solution")
        return None
    table = _toml(raw.block, problems, where)
    if table is None:
        return None
    reader = _Reader(raw.block, problems, where)
    reader.keys(table, (), STEP_KEYS)
    before = len(problems.found)
    limit = reader.get(table, (), "time_limit_s", lf.time_s(0.0, above=True), scope, 10.0)
    hints = reader.get(table, (), "hints", _string_list, scope, ())
    setup = _actions(table.get("setup", []), reader, ("setup",), scope, scenario)
    solution: tuple[Action, ...] = ()
    if "solution" not in table:
        reader.add((), 'missing "solution" (the actions that satisfy the check)')
    else:
        solution = _actions(table["solution"], reader, ("solution",), scope, scenario)
        if not table["solution"] and isinstance(table["solution"], list):
            reader.add(("solution",), "solution is empty: give the actions that satisfy the "
                                      'check, at least [{ play = true }]')
    check = None
    if "check" not in table:
        reader.add((), 'missing "check"')
    elif scenario is not None:
        check, found = parse_check(table["check"], scope, ("check",))
        for path, what in found:
            reader.add(path, what)
    questions = _questions(table.get("question", []), reader, scope, index + 1, limit, seen)
    teaches = reader.get(table, (), "goals", _goal_numbers(goal_count), scope, ())
    if len(problems.found) > before or check is None:
        return None
    return Step(index, raw.title, _markdown(raw.text_lines), check, solution, setup,
                hints, questions, limit, raw.line, reader.line(("check",)), teaches)


def _goal_numbers(count: int) -> lf.Convert:
    """A step's ``goals``: the numbers (1-based) of the front matter goals it teaches."""
    def convert(value: Any, scope: lf.Scope) -> tuple[int, ...]:
        if not isinstance(value, list) or not value:
            raise lf.Bad("must be a non-empty array of goal numbers (1 is the first goal)")
        return tuple(lf.integer(1, max(1, count))(v, scope) - 1 for v in value)
    return convert


def _kinds_or_one(value: Any, scope: lf.Scope) -> tuple[str, ...]:
    return (lf.kind(value, scope),) if isinstance(value, str) else lf.kinds(value, scope)


def _front(block: _Block, problems: _Problems, lesson_path: Path
           ) -> tuple[dict[str, Any], Scenario | None]:
    table = _toml(block, problems, "front matter")
    if table is None:
        return {}, None
    reader = _Reader(block, problems, "front matter")
    reader.keys(table, (), FRONT_KEYS)
    out: dict[str, Any] = {
        "title": reader.get(table, (), "title", lf.text, _EMPTY_SCOPE, required=True),
        "summary": reader.get(table, (), "summary", lf.text, _EMPTY_SCOPE, required=True),
        "goals": reader.get(table, (), "goals", _string_list, _EMPTY_SCOPE, (), required=True),
        "mode": reader.get(table, (), "mode", lf.choice(("hmipv6", "mipv6")), _EMPTY_SCOPE),
        "duration_s": reader.get(table, (), "duration_s",
                                 lf.number(0.0, above=True, hi=MAX_DURATION_S), _EMPTY_SCOPE),
    }
    if "vary" in table:
        out["vary"] = table["vary"]
    if "goals" in table and not out["goals"]:
        reader.add(("goals",), "goals must list at least one learning goal")
    source = reader.get(table, (), "scenario", lf.text, _EMPTY_SCOPE, required=True)
    scenario = None
    if source is not None:
        scenario = _scenario(source, lesson_path, reader)
    if scenario is not None:
        mode = out["mode"] or scenario.mode
        duration = max(scenario.duration_s, out["duration_s"] or 0.0)
        scenario = dataclasses.replace(scenario, mode=mode, duration_s=duration)
        out["mode"] = mode
    return out, scenario


def _scenario(source: str, lesson_path: Path, reader: _Reader) -> Scenario | None:
    """A built-in by name, or a path relative to the lesson file."""
    is_path = source.endswith(".toml") or "/" in source or os.sep in source
    try:
        if is_path:
            return load_scenario(lesson_path.parent / source)
        return load_scenario(source)
    except ScenarioError as error:
        for message in error.messages:
            message = message.removeprefix(f"{source}: ")
            reader.add(("scenario",), f'scenario "{source}": {message}')
        return None


def _read(path: Path, label: str) -> str:
    try:
        data = read_limited(path, label, "lesson")
    except InputError as error:
        raise LessonError([str(error)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LessonError([f"{label}:{line}: not UTF-8 text; save the file as UTF-8"]) from None


def parse_lesson(text: str, label: str, path: Path) -> Lesson:
    """A lesson from its text; LessonError lists every problem with its line."""
    problems = _Problems(label)
    front_block, intro, raw_steps = _split(text.replace("\r\n", "\n"), problems)
    front: dict[str, Any] = {}
    scenario = None
    if front_block is not None:
        front, scenario = _front(front_block, problems, path)
    if front_block is not None and not raw_steps:
        problems.add(front_block.first_line, 'no steps: add "## Step: TITLE" sections')
    scope = lf.Scope.of(scenario) if scenario is not None else _EMPTY_SCOPE
    seen: set[str] = set()
    goal_count = len(front.get("goals") or ())
    steps = [_step(raw, i, problems, scope, scenario, seen, goal_count)
             for i, raw in enumerate(raw_steps)]
    variations: tuple = ()
    if front_block is not None and scenario is not None and "vary" in front:
        from hmipviz.lesson.variation import parse_variations
        variations = parse_variations(front["vary"], _Reader(front_block, problems,
                                                             "front matter"), scenario)
    problems.raise_if_any()
    assert scenario is not None and all(s is not None for s in steps)
    return Lesson(path.stem, label, front["title"], front["summary"], tuple(front["goals"]),
                  scenario, front["mode"], _markdown(intro), tuple(steps),  # type: ignore[arg-type]
                  variations)


# =====================================================================================
# Finding lessons
# =====================================================================================


def _builtin_paths() -> dict[str, Path]:
    folder = lessons_dir()
    return {p.stem: p for p in sorted(folder.glob("*.md"))} if folder.is_dir() else {}


def builtin_lesson_path(name: str) -> Path | None:
    """The file of the built-in lesson ``name`` ("04-intra-map", "intra-map" or "4")."""
    for stem, path in _builtin_paths().items():
        number, _, slug = stem.partition("-")
        if name in (stem, slug) or (name.isdigit() and number.isdigit()
                                    and int(name) == int(number)):
            return path
    return None


def _locate(source: str | os.PathLike[str]) -> tuple[Path, str]:
    """(file, label) for a path, a built-in name ("04-intra-map"), its number ("4") or
    its slug ("intra-map")."""
    if not isinstance(source, str):
        return Path(source), os.fspath(source)
    if source.endswith(".md") or "/" in source or os.sep in source:
        return Path(source), source
    path = builtin_lesson_path(source)
    if path is not None:
        return path, str(path)
    found = _builtin_paths()
    listed = ", ".join(found) or "none installed"
    raise LessonError([f"{source}: no such lesson file or built-in lesson"
                       f"{lf.suggest(source, found)} (built-ins: {listed})"])


def load_lesson(source: str | os.PathLike[str]) -> Lesson:
    """Read and validate a lesson file or built-in; LessonError lists every problem."""
    path, label = _locate(source)
    return parse_lesson(_read(path, label), label, path)


def builtin_lessons() -> list[tuple[str, str, str]]:
    """(name, title, summary) of each lesson shipped in lessons/, in order."""
    out = []
    for stem, path in _builtin_paths().items():
        try:
            text = path.read_text("utf-8-sig")
            body = text.split("+++", 2)[1]
            front = tomllib.loads(body)
            out.append((stem, str(front.get("title", stem)), str(front.get("summary", ""))))
        except (OSError, UnicodeDecodeError, IndexError, tomllib.TOMLDecodeError) as error:
            out.append((stem, stem, f"(cannot be read: {error})"))
    return out


def parse_action(table: dict, lesson: Lesson) -> Action:
    """One action from its table (``{"move": "AR2"}``), checked against the lesson's
    scenario as a solution's actions are: the headless API's ``LessonRun.act``.
    Raises :class:`LessonError` naming what is wrong."""
    problems = _Problems(lesson.name)
    reader = _Reader(_Block("", 1), problems, f"act {table!r}")
    out = _actions([table], reader, ("action",), lf.Scope.of(lesson.scenario),
                   lesson.scenario)
    problems.raise_if_any()
    return out[0]
