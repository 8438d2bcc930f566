"""The ladder as Mermaid and PlantUML text (hmipviz/ladder_text.py): the same arrows as
the ladder's model, in its column order, escaped so the text parses.

Neither ``mmdc`` (Mermaid's CLI) nor PlantUML is installed on these machines, so the
syntax is checked structurally: every line must be one of the statement forms the two
grammars define, with participants declared before use."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from hmipviz.cli import main
from hmipviz.engine.events import PacketDropped, PacketSent
from hmipviz.gui.ladder_model import LadderModel, lifeline_order
from hmipviz.ladder_text import (
    mermaid_escape,
    model_for,
    plantuml_escape,
    to_mermaid,
    to_plantuml,
)
from hmipviz.scenario import MoveSpec, load_scenario
from hmipviz.sim import Simulation

MERMAID_ARROW = re.compile(r"^    (\w+)(->>|-->>)(\w+): (.+)$")
MERMAID_NOTE = re.compile(r"^    Note over (\w+)(?:,(\w+))?: (.+)$")
MERMAID_PART = re.compile(r"^    participant (\w+)(?: as (.+))?$")
PUML_ARROW = re.compile(r"^(\w+) (->|-->) (\w+) : (.+)$")
PUML_NOTE = re.compile(r"^note over (\w+) : (.+)$")
PUML_PART = re.compile(r'^participant "([^"]+)" as (\w+)$')
PUML_DIVIDER = re.compile(r"^== (.+) ==$")


def mermaid_unescape(text: str) -> str:
    words = {"35": "#", "59": ";", "lt": "<", "gt": ">"}
    return re.sub(r"#(35|59|lt|gt);", lambda m: words[m.group(1)], text)


def parse_mermaid(text: str) -> tuple[list[str], list[tuple]]:
    """(participant names, [("arrow", src, dst, label, dashed) | ("note", node, text)]);
    raises AssertionError on any line the grammar does not allow."""
    lines = [line for line in text.splitlines() if not line.startswith("    %% ")]
    assert lines[0] == "sequenceDiagram"
    names: dict[str, str] = {}
    items: list[tuple] = []
    for line in lines[1:]:
        if m := MERMAID_PART.match(line):
            assert not items, "participants come first"
            assert m.group(1) not in names, f"declared twice: {line}"
            names[m.group(1)] = mermaid_unescape(m.group(2) or m.group(1))
        elif m := MERMAID_ARROW.match(line):
            assert m.group(1) in names and m.group(3) in names, line
            label = m.group(4)
            bare = re.sub(r"#(35|59|lt|gt);", "", label)  # entities aside: no ; # < >
            assert not set(bare) & set(";#<>"), line
            items.append(("arrow", names[m.group(1)], names[m.group(3)],
                          mermaid_unescape(label), m.group(2) == "-->>"))
        elif m := MERMAID_NOTE.match(line):
            assert m.group(1) in names and (m.group(2) is None or m.group(2) in names), line
            assert not set(re.sub(r"#(35|59|lt|gt);", "", m.group(3))) & set(";#<>"), line
            if m.group(2) is None:
                items.append(("note", names[m.group(1)], mermaid_unescape(m.group(3))))
        else:
            raise AssertionError(f"not a Mermaid sequence statement: {line!r}")
    return list(names.values()), items


def parse_plantuml(text: str) -> tuple[list[str], list[tuple]]:
    lines = text.splitlines()
    assert lines[0] == "@startuml" and lines[-1] == "@enduml"
    names: dict[str, str] = {}
    items: list[tuple] = []
    for line in lines[1:-1]:
        if line.startswith("title "):
            continue
        if m := PUML_PART.match(line):
            assert not items and m.group(2) not in names, line
            names[m.group(2)] = m.group(1)
        elif m := PUML_ARROW.match(line):
            assert m.group(1) in names and m.group(3) in names, line
            items.append(("arrow", names[m.group(1)], names[m.group(3)],
                          m.group(4).replace("~", ""), m.group(2) == "-->"))
        elif m := PUML_NOTE.match(line):
            assert m.group(1) in names, line
            items.append(("note", names[m.group(1)], m.group(2).replace("~", "")))
        elif not PUML_DIVIDER.match(line):
            raise AssertionError(f"not a PlantUML sequence statement: {line!r}")
    return list(names.values()), items


def expected(model: LadderModel, trace) -> list[tuple]:
    """What the ladder shows, row by row, in the ladder's own words: an arrow labelled
    with the kind (and "(tunnelled)", dashed) plus its RFC section; a drop's words."""
    out: list[tuple] = []
    for row in model.rows:
        if row.index > model.pos:
            break
        e = trace[row.index]
        if isinstance(e, PacketSent):
            label = e.kind + (" (tunnelled)" if e.tunnel_depth else "")
            out.append(("arrow", e.node, e.to_node, label + f" \u2014 {e.rfc}",
                        e.tunnel_depth > 0))
        else:
            assert isinstance(e, PacketDropped)
            out.append(("note", e.node, f"{e.kind} #{e.packet_id} dropped: {e.reason}"))
    return out


def _run(name: str, until_s: float, moves=()):
    sc = load_scenario(name)
    if moves:
        sc = dataclasses.replace(sc, moves=tuple(moves))
    sim = Simulation(sc)
    sim.run(until_s)
    return sc, sim


@pytest.mark.parametrize("name, until_s, moves, filters", [
    ("figure1", 6.0, [MoveSpec(5.0, "AR2", 0)], {}),
    ("two-domains", 12.0, (), {}),
    ("two-domains", 12.0, (), {"show_data": False, "show_ra": False}),
])
def test_the_text_lists_the_ladders_arrows_in_order(name, until_s, moves, filters):
    sc, sim = _run(name, until_s, moves)
    model = model_for(sc, sim.trace, **filters)
    rows = expected(model, sim.trace)
    assert len(rows) > 20 and any(r[0] == "arrow" and r[4] for r in rows)  # tunnelled too
    columns = [n for n, _ in lifeline_order(sc)]
    for parse, render in ((parse_mermaid, to_mermaid), (parse_plantuml, to_plantuml)):
        names, items = parse(render(model, f"hmipviz: {name}"))
        assert names == columns  # the ladder's column order
        assert items == rows


def test_a_drop_is_a_note_with_the_ladders_words():
    sc, sim = _run("figure1", 5.3, [MoveSpec(5.0, "AR2", 0)])
    model = model_for(sc, sim.trace)
    notes = [r for r in expected(model, sim.trace) if r[0] == "note"]
    assert notes  # the echo tunnelled to the old LCoA is lost at AR1
    assert [i for i in parse_mermaid(to_mermaid(model))[1] if i[0] == "note"] == notes
    assert "#35;" in to_mermaid(model)  # the '#' of "#86" is escaped


def test_the_position_and_filters_are_the_ladders():
    sc, sim = _run("figure1", 6.0, [MoveSpec(5.0, "AR2", 0)])
    half = len(sim.trace) // 2
    model = model_for(sc, sim.trace, half, show_data=False)
    _, items = parse_mermaid(to_mermaid(model))
    assert items and all("data" not in i[3] for i in items if i[0] == "arrow")
    assert len(items) == len([r for r in model.rows if r.index <= half])


class _Row:
    def __init__(self, index, event, gap=None):
        self.index, self.event, self.gap = index, event, gap


def _weird_model() -> LadderModel:
    """Names a grammar reserves or cannot read, and words that would break a line."""
    model = LadderModel()
    model.nodes = [("end", "mn"), ("a b", "ar"), ('x"y', "map")]
    model.x = {n: float(k) for k, (n, _r) in enumerate(model.nodes)}

    def sent(k, a, b, kind, depth=0):
        return PacketSent(t=k / 10, node=a, to_node=b, link="l", packet_id=k, data=b"",
                          arrive_t=k / 10 + 0.001, kind=kind, tunnel_depth=depth,
                          summary="", rfc="RFC 5380 s.6.1; see <s.6.2> #1", origin=True)
    events = [sent(0, "end", "a b", "BU; **bold** // -- __x__"),
              sent(1, "a b", 'x"y', "LBA #2 <tag>", 1),
              PacketDropped(t=0.3, node="a b", packet_id=3, kind="data", reason="no; route")]
    model.rows = [_Row(k, e, 0.7 if k == 2 else None) for k, e in enumerate(events)]
    model.pos = 2
    return model


def test_names_and_words_are_escaped():
    model = _weird_model()
    names, items = parse_mermaid(to_mermaid(model))
    assert names == ["end", "a b", 'x"y']
    assert items[0] == ("arrow", "end", "a b",
                        "BU; **bold** // -- __x__ \u2014 RFC 5380 s.6.1; see <s.6.2> #1", False)
    assert items[1][3].startswith("LBA #2 <tag> (tunnelled)") and items[1][4]
    assert items[2] == ("note", "a b", "data #3 dropped: no; route")
    puml = to_plantuml(model)
    names, items = parse_plantuml(puml)
    assert names == ["end", "a b", "x'y"]
    assert "~*~*bold~*~*" in puml and "~/~/" in puml and "~-~-" in puml
    assert items[2] == ("note", "a b", "data #3 dropped: no; route")


def test_the_structural_checks_can_fail():
    with pytest.raises(AssertionError):
        parse_mermaid("sequenceDiagram\n    participant A\n    A->>B: undeclared\n")
    with pytest.raises(AssertionError):
        parse_mermaid("sequenceDiagram\n    participant A\n    A->>A: two; statements\n")
    with pytest.raises(AssertionError):
        parse_plantuml("@startuml\nparticipant \"A\" as A\nA -> A\n@enduml\n")
    assert mermaid_escape("a;b#c\nd") == "a#59;b#35;c d"
    assert plantuml_escape("a--b\\n") == "a~-~-b~\\n"


def test_export_ladder_keeps_one_mn_of_several(capsys):
    assert main(["export-ladder", "commuters", "--mn", "MN2", "--until", "6", "--no-data",
                 "--out", "-", "--format", "mermaid"]) == 0
    names, items = parse_mermaid(capsys.readouterr().out)
    sc = load_scenario("commuters")
    mns = [n.name for n in sc.nodes if n.role == "mn"]
    assert len(mns) > 1 and [n for n in names if n in mns] == ["MN2"]
    assert items and all("MN2" in (i[1], i[2]) or not {i[1], i[2]} & set(mns)
                         for i in items if i[0] == "arrow")


def test_export_ladder_writes_the_same_text(tmp_path, capsys):
    out = tmp_path / "f1.mmd"
    assert main(["export-ladder", "figure1", "--until", "6", "--move", "5:AR2",
                 "--no-data", "--out", str(out)]) == 0
    sc, sim = _run("figure1", 6.0, [MoveSpec(5.0, "AR2", 0)])
    model = model_for(sc, sim.trace, show_data=False)
    assert parse_mermaid(out.read_text())[1] == parse_mermaid(to_mermaid(model))[1]
    assert "wrote" in capsys.readouterr().err
    puml = tmp_path / "f1.puml"
    assert main(["export-ladder", "figure1", "--until", "3", "--out", str(puml)]) == 0
    assert puml.read_text().startswith("@startuml")
    assert main(["export-ladder", "figure1", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--format mermaid" in capsys.readouterr().err
    assert main(["export-ladder", "figure1", "--move", "5:AR7", "--out", str(out)]) == 2
    assert "'AR7' is not an AR of scenario figure1" in capsys.readouterr().err


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_text_export_needs_no_qt():
    root = Path(__file__).resolve().parent.parent
    for module in ("hmipviz/ladder_text.py", "hmipviz/gui/ladder_model.py",
                   "hmipviz/export_cli.py"):
        found = {n for n in _imports(root / module) if n.startswith(("PySide6", "pyqtgraph"))}
        assert not found, f"{module} imports {found}"
