"""`hmipviz FILE` opens the window on a scenario or lesson file, and a broken file given
on the command line opens the window with the loader's message in the error dialog (the
terminal gets the same lines): issue 9."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

import hmipviz.gui.launch as gui_launch
from hmipviz.cli import main
from hmipviz.resources import lessons_dir

ROOT = Path(__file__).resolve().parents[2]
FIGURE1 = ROOT / "assets" / "scenarios" / "figure1.toml"
BROKEN_TOML = 'name = "x"\n[[nodes]\n'
BROKEN_MESSAGE = "broken.toml:2: TOML syntax error: Expected ']]' at the end of an array"


@pytest.fixture
def broken(tmp_path) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN_TOML)
    return path


@pytest.fixture
def broken_lesson(tmp_path) -> Path:
    path = tmp_path / "broken.md"
    path.write_text("+++\ntitle = \"T\"\n+++\nno steps\n")
    return path


@pytest.fixture
def seen(monkeypatch):
    calls: list[dict] = []

    def launch(scenario, present=False, lesson=None, **opener):
        calls.append(dict(scenario=scenario, present=present, lesson=lesson, **opener))
        return 0

    monkeypatch.setattr(gui_launch, "launch", launch)
    return calls


def test_a_scenario_file_without_a_command_opens_the_window(seen, capsys):
    assert main([str(FIGURE1)]) == 0
    assert seen[-1]["scenario"].name == "figure1" and seen[-1]["lesson"] is None
    assert main(["--present", str(FIGURE1)]) == 0 and seen[-1]["present"] is True
    assert capsys.readouterr().err == ""


def test_a_lesson_file_without_a_command_opens_the_lesson(seen):
    path = lessons_dir() / "04-intra-map.md"
    assert main([str(path)]) == 0
    assert seen[-1]["lesson"].name == "04-intra-map"
    assert seen[-1]["scenario"] == seen[-1]["lesson"].scenario
    assert main(["gui", str(path)]) == 0 and seen[-1]["lesson"].name == "04-intra-map"


@pytest.mark.parametrize("argv", [["{f}"], ["gui", "{f}"]], ids=["bare", "gui"])
def test_a_broken_scenario_opens_the_window_on_its_error(seen, capsys, broken, argv):
    status = main([a.format(f=broken) for a in argv])
    assert status == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and BROKEN_MESSAGE in err[0]
    call = seen[-1]
    assert call["open_scenario"] == str(broken) and call["scenario"].name == "figure1"


def test_a_broken_lesson_opens_the_window_on_its_error(seen, capsys, broken_lesson):
    assert main([str(broken_lesson)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken_lesson}")
    assert seen[-1]["open_lesson"] == str(broken_lesson)


def test_a_missing_toml_file_is_an_error_in_the_window_too(seen, capsys, tmp_path):
    missing = tmp_path / "nosuch.toml"
    assert main([str(missing)]) == 2
    assert "error: " in capsys.readouterr().err
    assert seen[-1]["open_scenario"] == str(missing)


def test_other_words_are_still_commands_or_usage_errors(seen, capsys):
    assert main(["nosuchcommand"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert not seen


# --- the real window, its dialog inspected (app.exec does not block) ---------------------


@pytest.fixture
def no_event_loop(qtbot, monkeypatch):
    """launch() up to app.exec(); the windows it opened are kept for the test."""
    windows = []

    def exec_(self=None):
        from hmipviz.gui.main_window import MainWindow
        windows.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                       and w.isVisible())
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs its own
    yield windows
    for w in windows:
        for box in w.findChildren(QMessageBox):
            box.close()
        w.close()
        w.deleteLater()


def _error_box(window) -> QMessageBox:
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1, boxes
    return boxes[0]


def test_the_window_shows_the_loaders_message_in_its_dialog(no_event_loop, capsys, broken):
    assert main([str(broken)]) == 2
    terminal = capsys.readouterr().err.splitlines()[0]
    [window] = no_event_loop
    box = _error_box(window)
    assert terminal.removeprefix("error: ") in box.text()
    assert "cannot be opened" in box.text()
    assert window.controller.scenario.name == "figure1"  # still a working window
    # shown with open(): modal to the window only, the event loop keeps running
    assert box.windowModality() == Qt.WindowModality.WindowModal


def test_the_window_shows_a_broken_lessons_message(no_event_loop, capsys, broken_lesson):
    assert main(["gui", str(broken_lesson)]) == 2
    terminal = capsys.readouterr().err.splitlines()
    [window] = no_event_loop
    box = _error_box(window)
    for line in terminal:
        assert line.removeprefix("error: ") in box.text()


def test_a_good_file_opens_with_no_dialog(no_event_loop, capsys):
    assert main([str(lessons_dir() / "04-intra-map.md")]) == 0
    [window] = no_event_loop
    assert not [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert window.lessons.panel is not None and window.lessons.panel.lesson.name == \
        "04-intra-map"


def test_end_to_end_a_broken_file_shows_the_window_and_says_why(broken):
    """The installed command: the error line, then the window's first frame."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HMIPVIZ_STARTUP_PROBE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-m", "hmipviz", str(broken)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert f"error: {broken}:2: TOML syntax error" in out.stderr
    assert out.stdout.startswith("first-frame "), out.stdout
