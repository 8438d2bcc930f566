"""The sequence (ladder) diagram as text a teacher pastes into Markdown or a slide tool:
Mermaid (``sequenceDiagram``) and PlantUML (``@startuml``). No Qt.

The rows are the ladder's own (:class:`hmipviz.gui.ladder_model.LadderModel`, which has
no Qt either: the same filters, the same lifelines in the same column order, rows up to
the position). Each arrow is labelled as the ladder labels it (the kind, "(tunnelled)"
for a hop inside a tunnel, which is also drawn dashed) followed by the RFC section the
ladder's tooltip and the caption give; a drop is a note on the node's lifeline with the
ladder's words; the time is a note (Mermaid) or a divider (PlantUML) at the first row
and after each quiet gap, where the ladder draws its dotted rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.gui.ladder_model import LadderModel

FORMATS = ("mermaid", "plantuml")
SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".puml": "plantuml",
            ".plantuml": "plantuml", ".pu": "plantuml", ".iuml": "plantuml"}

# words Mermaid's sequence-diagram grammar reserves: a node with such a name gets an alias
_MERMAID_WORDS = {"participant", "actor", "as", "note", "over", "left", "right", "of",
                  "loop", "alt", "else", "opt", "par", "and", "rect", "end", "activate",
                  "deactivate", "title", "autonumber", "box", "critical", "break", "option",
                  "links", "link", "properties", "details", "create", "destroy"}
_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Arrow:
    """One hop, as the ladder draws it."""

    source: str
    destination: str
    label: str
    tunnelled: bool
    t: float
    gap_s: float | None  # the quiet time before it, when the ladder marks one


@dataclass(frozen=True)
class Drop:
    """A packet lost at ``node``: the ladder's red cross and its words."""

    node: str
    label: str
    t: float
    gap_s: float | None


def ladder_label(e: PacketSent) -> str:
    """The words on the ladder's arrow (hmipviz/gui/ladder_items.py draws the same)."""
    return e.kind + (" (tunnelled)" if e.tunnel_depth else "")


def arrow_label(e: PacketSent) -> str:
    """The ladder's words and the RFC section of the message."""
    return ladder_label(e) + (f" \u2014 {e.rfc}" if e.rfc else "")


def drop_label(e: PacketDropped) -> str:
    return f"{e.kind} #{e.packet_id} dropped: {e.reason}"


def rows_of(model: LadderModel) -> list[Arrow | Drop]:
    """The ladder's rows up to its position, in order."""
    out: list[Arrow | Drop] = []
    for row in model.rows:
        if row.index > model.pos:
            break
        e = row.event
        if isinstance(e, PacketSent):
            out.append(Arrow(e.node, e.to_node, arrow_label(e), e.tunnel_depth > 0, e.t,
                             row.gap))
        else:
            out.append(Drop(e.node, drop_label(e), e.t, row.gap))
    return out


def model_for(scenario, trace, position: int | None = None, *, show_data: bool = True,
              show_ra: bool = True, show_forwarding: bool = True, mn: str = "",
              mn_of=None) -> LadderModel:
    """A ladder model over ``trace`` up to ``position`` (default: all of it), with the
    ladder's filters; ``mn`` (with ``mn_of``) keeps only that MN's rows."""
    model = LadderModel()
    model.show_data, model.show_ra, model.show_forwarding = show_data, show_ra, show_forwarding
    model.mn, model.mn_of = mn, mn_of
    model.set_nodes(scenario, mn)
    model.sync(trace, len(trace) - 1 if position is None else position)
    return model


def _participants(model: LadderModel, rows: Iterable[Arrow | Drop]) -> list[str]:
    """The ladder's column order: every lifeline (a node met only in the trace last)."""
    names = [name for name, _role in model.nodes]
    for r in rows:  # the model adds such nodes as it meets them; be sure
        for name in ((r.source, r.destination) if isinstance(r, Arrow) else (r.node,)):
            if name not in names:
                names.append(name)
    return names


def _time_note(t: float, gap_s: float | None) -> str:
    return f"t = {t:.3f} s" + (f", {gap_s:.2f} s after the row before" if gap_s else "")


# --- Mermaid --------------------------------------------------------------------------
_MERMAID_ENTITIES = str.maketrans({"#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;"})


def mermaid_escape(text: str) -> str:
    """Message text safe in a Mermaid statement: one line, no statement separator,
    no entity or HTML markup."""
    return " ".join(text.split()).translate(_MERMAID_ENTITIES)  # one pass


def _mermaid_ids(names: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for k, name in enumerate(names):
        ok = _SIMPLE.match(name) and name.lower() not in _MERMAID_WORDS
        ids[name] = name if ok else f"p{k}"
    return ids


def to_mermaid(model: LadderModel, title: str = "") -> str:
    """The ladder as a Mermaid sequence diagram (paste it into a ```mermaid block)."""
    rows = rows_of(model)
    names = _participants(model, rows)
    ids = _mermaid_ids(names)
    lines = ["sequenceDiagram"]
    if title:  # a comment, inside the diagram (some renderers want the type first)
        lines.append(f"    %% {' '.join(title.split())}")
    for name in names:
        pid = ids[name]
        lines.append(f"    participant {pid}" if pid == name
                     else f"    participant {pid} as {mermaid_escape(name)}")
    span = f"{ids[names[0]]},{ids[names[-1]]}" if len(names) > 1 else \
        (ids[names[0]] if names else "")
    for k, r in enumerate(rows):
        if span and (k == 0 or r.gap_s is not None):
            lines.append(f"    Note over {span}: {mermaid_escape(_time_note(r.t, r.gap_s))}")
        if isinstance(r, Arrow):
            arrow = "-->>" if r.tunnelled else "->>"
            lines.append(f"    {ids[r.source]}{arrow}{ids[r.destination]}: "
                         f"{mermaid_escape(r.label)}")
        else:
            lines.append(f"    Note over {ids[r.node]}: {mermaid_escape(r.label)}")
    return "\n".join(lines) + "\n"


# --- PlantUML -------------------------------------------------------------------------
_CREOLE = re.compile(r"(\*\*|//|\"\"|--|__|\^\^)")


def plantuml_escape(text: str) -> str:
    """Label text safe in PlantUML: one line, creole markup (``**``, ``//``, ``--``...)
    and backslash sequences shown as written (``~`` is PlantUML's escape)."""
    text = " ".join(text.split()).replace("\\", "~\\")
    return _CREOLE.sub(lambda m: "".join("~" + ch for ch in m.group(0)), text)


def _plantuml_ids(names: list[str]) -> dict[str, str]:
    return {name: (name if _SIMPLE.match(name) else f"p{k}") for k, name in enumerate(names)}


def to_plantuml(model: LadderModel, title: str = "") -> str:
    """The ladder as a PlantUML sequence diagram (@startuml ... @enduml)."""
    rows = rows_of(model)
    names = _participants(model, rows)
    ids = _plantuml_ids(names)
    lines = ["@startuml"]
    if title:
        lines.append(f"title {plantuml_escape(title)}")
    for name in names:
        display = name.replace('"', "'")
        lines.append(f'participant "{display}" as {ids[name]}')
    for k, r in enumerate(rows):
        if k == 0 or r.gap_s is not None:
            lines.append(f"== {plantuml_escape(_time_note(r.t, r.gap_s))} ==")
        if isinstance(r, Arrow):
            arrow = "-->" if r.tunnelled else "->"
            lines.append(f"{ids[r.source]} {arrow} {ids[r.destination]} : "
                         f"{plantuml_escape(r.label)}")
        else:
            lines.append(f"note over {ids[r.node]} : {plantuml_escape(r.label)}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"


def render(model: LadderModel, fmt: str, title: str = "") -> str:
    if fmt == "mermaid":
        return to_mermaid(model, title)
    if fmt == "plantuml":
        return to_plantuml(model, title)
    raise ValueError(f"unknown ladder text format {fmt!r} (one of {', '.join(FORMATS)})")


def format_for(path: str) -> str | None:
    """The format a file name asks for by its suffix (None: it does not say)."""
    for suffix, fmt in SUFFIXES.items():
        if path.lower().endswith(suffix):
            return fmt
    return None


__all__ = ["Arrow", "Drop", "FORMATS", "SUFFIXES", "arrow_label", "drop_label", "format_for",
           "ladder_label", "mermaid_escape", "model_for", "plantuml_escape", "render",
           "rows_of", "to_mermaid", "to_plantuml"]
