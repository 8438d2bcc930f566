"""The scenario editor (gui/editor_*.py) driven through its own palette, mouse gestures,
property fields and actions: figure1 drawn on an empty canvas runs with the built-in's
trace; undo and redo walk back and forth through every state; an invalid value shows
the validator's message on the item; leaving runs the edited scenario."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hmipviz.gui.editor_canvas import LINK, SELECT
from hmipviz.gui.editor_window import EditorWindow
from hmipviz.gui.main_window import MainWindow
from hmipviz.scenario import load_scenario
from hmipviz.scenario.edit import EMPTY_DOCUMENT
from hmipviz.scenario.edit_check import validate
from hmipviz.sim import Simulation
from hmipviz.tomlpos import LineIndex

NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def _at(editor: EditorWindow, x: float, y: float):
    return editor.canvas.mapFromScene(QPointF(x, y))


def click(editor: EditorWindow, x: float, y: float, modifiers=NO) -> None:
    QTest.mouseClick(editor.canvas.viewport(), LEFT, modifiers, _at(editor, x, y))
    QApplication.processEvents()


def drag(editor: EditorWindow, a: tuple[float, float], b: tuple[float, float],
         modifiers=NO, release: bool = True) -> None:
    viewport = editor.canvas.viewport()
    QTest.mousePress(viewport, LEFT, modifiers, _at(editor, *a))
    for k in range(1, 5):  # a few steps, as a hand does
        x = a[0] + (b[0] - a[0]) * k / 4
        y = a[1] + (b[1] - a[1]) * k / 4
        QTest.mouseMove(viewport, _at(editor, x, y))
    if release:
        QTest.mouseRelease(viewport, LEFT, modifiers, _at(editor, *b))
    QApplication.processEvents()


def type_into(editor: EditorWindow, field: str, text: str) -> None:
    widget = editor.panel.fields[field]
    widget.setText(text)
    widget.editingFinished.emit()
    QApplication.processEvents()


def place(editor: EditorWindow, role: str, x: float, y: float) -> None:
    editor.palette_actions[role].trigger()
    click(editor, x, y)


FIGURE1 = [("ha", 160, 90), ("cn", 840, 90), ("router", 500, 180), ("map", 500, 320),
           ("ar", 340, 500), ("ar", 660, 500), ("mn", 300, 560)]
WHERE = {"HA": (160, 90), "CN": (840, 90), "R": (500, 180), "MAP1": (500, 320),
         "AR1": (340, 500), "AR2": (660, 500), "MN": (300, 560)}


def _mid(a: str, b: str) -> tuple[float, float]:
    (ax, ay), (bx, by) = WHERE[a], WHERE[b]
    return ((ax + bx) / 2, (ay + by) / 2)


@pytest.fixture
def window(qtbot):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    return w


def _trace(scenario) -> list:
    """The whole run, to the scenario's own ``duration_s``."""
    sim = Simulation(scenario)
    sim.run()
    return sim.trace


def test_figure1_drawn_on_an_empty_canvas_runs_like_the_builtin(window, qtbot, tmp_path):
    editor = window.edit_scenario(new=True)
    qtbot.addWidget(editor)
    editor.resize(1200, 900)
    assert editor.text == EMPTY_DOCUMENT
    states = {0: editor.text}
    editor.undo_stack.indexChanged.connect(lambda i: states.__setitem__(i, editor.text))

    type_into(editor, "duration_s", "20")  # nothing selected: the scenario's settings
    for role, x, y in FIGURE1:
        place(editor, role, x, y)
    assert list(editor.canvas.nodes) == ["HA", "CN", "R", "MAP1", "AR1", "AR2", "MN"]
    # links: Shift+drag in the Select tool, and the Link tool
    drag(editor, WHERE["HA"], WHERE["R"], SHIFT)
    drag(editor, WHERE["CN"], WHERE["R"], SHIFT)
    editor.tool_actions[LINK].trigger()  # stays on for several links
    drag(editor, WHERE["R"], WHERE["MAP1"])
    drag(editor, WHERE["MAP1"], WHERE["AR1"])
    editor.tool_actions[SELECT].trigger()
    drag(editor, WHERE["MAP1"], WHERE["AR2"], SHIFT)
    drag(editor, WHERE["CN"], WHERE["MN"], SHIFT)  # an MN and a CN: an echo flow
    assert sorted(k for k in editor.canvas.items_by_key if k[0] != "node") == [
        ("flow", 0), ("link", 0), ("link", 1), ("link", 2), ("link", 3), ("link", 4)]
    for a, b in (("HA", "R"), ("CN", "R")):  # click a link, type its delay
        click(editor, *_mid(a, b))
        assert editor.panel.key[0] == "link"
        type_into(editor, "delay_ms", "20")
    for ar in ("AR1", "AR2"):
        click(editor, *WHERE[ar])
        assert editor.panel.key == ("node", ar)
        type_into(editor, "radius", "175")
        assert editor.panel.fields["map_options.new"].currentText() == "MAP1"
        editor.panel.buttons["map_options.add"].click()
        QApplication.processEvents()
        editor.panel.fields["map_options.0.pref"].setValue(12)  # and back: two undo steps
        QApplication.processEvents()
        editor.panel.fields["map_options.0.pref"].setValue(10)
        QApplication.processEvents()
    click(editor, *WHERE["MAP1"])
    type_into(editor, "valid_onlink_prefixes", "2001:db8:2::/64, 2001:db8:3::/64")
    assert editor.validation.ok, editor.validation.problems

    builtin = load_scenario("figure1")
    saved = tmp_path / "figure1.toml"
    editor.path = str(saved)
    editor.save_action.trigger()
    mine = load_scenario(saved)
    assert mine.nodes == builtin.nodes and mine.links == builtin.links
    assert mine.flows == builtin.flows and mine.duration_s == builtin.duration_s
    assert mine.duration_s == builtin.duration_s
    assert _trace(mine) == _trace(builtin)

    # undo walks back through every state, to the empty canvas, and redo forward again
    count = editor.undo_stack.count()
    # duration, 7 nodes, 5 links and a flow, 2 delays, 2 x (radius, MAP option, 2 prefs), prefixes
    assert count == len(states) - 1 == 1 + 7 + 6 + 2 + 2 * 4 + 1
    for i in range(count - 1, -1, -1):
        editor.undo_action.trigger()
        assert editor.text == states[i]
        assert validate(editor.text, label=str(saved)).problems == editor.validation.problems
    assert not editor.undo_action.isEnabled()
    for i in range(1, count + 1):
        editor.redo_action.trigger()
        assert editor.text == states[i]
    assert editor.text == saved.read_text()

    # leaving runs the edited scenario in the window, from the start
    assert editor.leave()
    assert window.controller.scenario == mine
    assert window.controller.position <= 0
    assert not editor.isVisible()


def test_an_invalid_edit_shows_the_validators_words_on_the_item(qtbot, tmp_path):
    from hmipviz.scenario.save_toml import read_base

    editor = EditorWindow(read_base(load_scenario("figure1")), name="figure1")
    qtbot.addWidget(editor)
    editor.show()
    assert editor.validation.ok
    click(editor, *_mid("MAP1", "AR1"))
    assert editor.panel.key == ("link", 3)
    type_into(editor, "delay_ms", "-5")
    line = LineIndex(editor.text).line(("link", 3, "delay_ms"))
    expected = f'figure1:{line}: link "MAP1"-"AR1": delay_ms must be at least 0, not -5'
    item = editor.canvas.items_by_key[("link", 3)]
    assert item.problems == [expected]
    assert expected.split(": ", 1)[1] in item.toolTip().replace("&quot;", '"')
    assert [editor.problem_list.item(i).text() for i in range(editor.problem_list.count())] \
        == [f"\u26a0  {expected}"]
    field = editor.panel.fields["delay_ms"]
    assert field.toolTip() == expected and "E0001B" in field.styleSheet()
    # the same words as `hmipviz check` on the file
    bad = tmp_path / "figure1.toml"
    bad.write_text(editor.text)
    from hmipviz.scenario import ScenarioError
    with pytest.raises(ScenarioError) as error:
        load_scenario(bad)
    assert [m.split(": ", 1)[1] for m in error.value.messages] == [
        expected.split(": ", 1)[1]]
    # leaving is refused: the editor stays with its problem listed, nothing lost
    before = editor.text
    assert not editor.leave()
    assert editor.isVisible() and editor.text == before
    assert "Not run" in editor.statusBar().currentMessage()
    editor.undo_action.trigger()
    assert editor.validation.ok and editor.canvas.items_by_key[("link", 3)].problems == []


def test_delete_escape_and_moving_nodes(qtbot):
    from hmipviz.scenario.save_toml import read_base

    editor = EditorWindow(read_base(load_scenario("figure1")), name="figure1")
    qtbot.addWidget(editor)
    editor.show()
    # Esc cancels a link being dragged: no edit
    drag(editor, WHERE["HA"], WHERE["CN"], SHIFT, release=False)
    assert editor.canvas.nodes["CN"].link_target
    QTest.keyClick(editor.canvas, Qt.Key.Key_Escape)
    QTest.mouseRelease(editor.canvas.viewport(), LEFT, SHIFT, _at(editor, *WHERE["CN"]))
    assert editor.undo_stack.count() == 0
    # a drag moves a node: one undo step, the position in the file
    drag(editor, WHERE["R"], (520, 200))
    assert editor.undo_stack.count() == 1
    assert "position = [520, 200]" in editor.text
    # Delete removes the selected node with its links
    click(editor, 520, 200)
    assert editor.panel.key == ("node", "R")
    editor.delete_action.trigger()
    assert "R" not in editor.canvas.nodes
    assert not any(k[0] == "link" and {"R"} & {i.a.name, i.b.name}
                   for k, i in editor.canvas.items_by_key.items() if k[0] == "link")
    assert any("cut off" in p.what for p in editor.validation.problems)
    editor.undo_action.trigger()
    assert "R" in editor.canvas.nodes and editor.validation.ok
    # typing digits in a field types them: the palette's keys 1..7 do not fire
    click(editor, *WHERE["AR1"])
    field = editor.panel.fields["radius"]
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "150")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert "radius = 150" in editor.text and editor.canvas.tool == SELECT
    # Esc clears the selection: the scenario's own settings, a multi-line description
    QTest.keyClick(editor.canvas, Qt.Key.Key_Escape)
    assert editor.panel.key is None
    box = editor.panel.fields["description"]
    box.setPlainText("Line one.\nLine two.")
    box.editingFinished.emit()
    assert editor.validation.scenario.description == "Line one.\nLine two."


def test_the_window_saves_into_the_opened_file_keeping_its_comments(window, qtbot, tmp_path):
    from hmipviz.scenario.save_toml import read_base

    source = tmp_path / "lab.toml"
    source.write_text(read_base(load_scenario("figure1")).replace(
        "[[link]]\n", "[[link]]  # our lab's cable\n", 1))
    assert window.open_scenario(str(source))
    out = tmp_path / "out.toml"
    assert window.save_scenario(str(out))
    assert out.read_bytes() == source.read_bytes()  # unchanged: the same bytes
    window.edit_action.trigger()  # Scenario > Edit scenario (E)
    editor = window.editor
    qtbot.addWidget(editor)
    QApplication.processEvents()
    assert editor.text == source.read_text() and editor.path == str(out)  # saved as
    click(editor, *_mid("HA", "R"))
    type_into(editor, "delay_ms", "33")
    assert editor.leave()
    assert window.controller.scenario.links[0].delay_ms == 33
    assert window.save_scenario(str(out))
    text = out.read_text()
    assert "[[link]]  # our lab's cable\na = \"HA\"\nb = \"R\"\ndelay_ms = 33\n" in text
    assert "# s.6.2: the MAP accepts local BUs only" in text
    assert load_scenario(out) == window.controller.scenario


def test_a_field_text_goes_in_as_a_value_or_as_typed():
    from hmipviz.gui.editor_panel import parse_value

    assert parse_value(" ", "number") is None  # empty: the key goes, its default applies
    assert parse_value("20", "number") == 20 and parse_value("2.5", "number") == 2.5
    assert parse_value("fast", "number") == "fast"  # for the validator to word
    assert parse_value("0, 0, 800, 600", "numbers") == (0, 0, 800, 600)
    assert parse_value("1,,2", "numbers") == "1,,2"
    assert parse_value("300, 560; 700, 560", "points") == ((300, 560), (700, 560))
    assert parse_value("2001:db8:2::/64, 2001:db8:3::/64", "list") == (
        "2001:db8:2::/64", "2001:db8:3::/64")
