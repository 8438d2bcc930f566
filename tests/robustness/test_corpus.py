"""The robustness corpus of issue 9: bad scenario and lesson files of every kind the fuzz
campaign found, replayed through the loaders, `hmipviz check` and `hmipviz run`.

Each file gives exactly one clear line naming the file, the line and the key (kept in
corpus/expected.toml), never a traceback, and quickly: these inputs used to crash, hang
or recurse without bound.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from hmipviz.cli import main
from hmipviz.lesson import LessonError, load_lesson
from hmipviz.scenario import ScenarioError, load_scenario
from hmipviz.scenario.limits import MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text("utf-8"))
FILES = sorted(p for p in CORPUS.iterdir()
               if p.suffix in (".toml", ".md") and p.name != "expected.toml")
SCENARIOS = [p for p in FILES if p.suffix == ".toml"]
IDS = [p.name for p in FILES]


def expected_line(path: Path) -> str:
    entry = EXPECTED[path.name]
    return f"{path}:{entry['line']}: " + entry["message"].replace("{corpus}", str(CORPUS))


def assert_clear(message: str) -> None:
    """One line, no doubled word ("prefix prefix") or doubled prefix ("a: a: ...")."""
    assert "\n" not in message and "Traceback" not in message
    assert not re.search(r"\b([A-Za-z]{2,})\s+\1\b", message), message
    assert not re.search(r"(?:^|: )([A-Za-z][\w ]*): \1:", message), message


def test_every_corpus_file_has_one_expectation():
    assert sorted(EXPECTED) == IDS
    assert len(SCENARIOS) >= 15 and len(FILES) - len(SCENARIOS) >= 10


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_loader_reports_one_clear_line(path):
    error = LessonError if path.suffix == ".md" else ScenarioError
    load = load_lesson if path.suffix == ".md" else load_scenario
    with pytest.raises(error) as caught:
        load(path)
    assert caught.value.messages == [expected_line(path)]
    assert_clear(caught.value.messages[0])


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_check_prints_the_same_line_and_fails(path, capsys):
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [expected_line(path)]
    assert captured.out == ""


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_run_refuses_with_the_same_line(path, capsys):
    assert main(["run", str(path), "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines() == ["error: " + expected_line(path)]


def test_the_whole_corpus_in_one_check_process_ends_quickly_without_a_traceback():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "hmipviz", "check", *map(str, FILES)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [expected_line(p) for p in FILES]
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 120


def test_a_device_is_refused_at_once_by_check_and_the_lesson_loader(capsys):
    started = time.monotonic()
    assert main(["check", "/dev/zero"]) == 2
    assert capsys.readouterr().err == "/dev/zero: is a device, not a scenario file\n"
    with pytest.raises(LessonError) as caught:
        load_lesson("/dev/zero")
    assert caught.value.messages == ["/dev/zero: is a device, not a lesson file"]
    assert time.monotonic() - started < 10


def test_an_oversized_lesson_is_refused(tmp_path):
    path = tmp_path / "big.md"
    path.write_bytes(b"+++\n" + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert caught.value.messages == [
        f"{path}: larger than 8 MB; a lesson file is text of at most that size"]


def test_check_reads_built_in_scenario_and_lesson_names(capsys):
    # the mutated plays of lesson 4 are tests/test_lesson_mutations.py's job
    assert main(["check", "--no-mutations", "figure1", "builtin:flat", "4", "intra-map"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "figure1: ok", "builtin:flat: ok", "4: ok", "intra-map: ok"]


def test_check_names_an_unknown_name_with_a_suggestion(capsys):
    assert main(["check", "figur1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith('figur1: no such file or built-in scenario (did you mean "figure1"?)')
    assert len(err.splitlines()) == 1
