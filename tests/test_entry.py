"""The `hmipviz` program re-executes on the system allocator in its first lines, before
the CLI is imported, and only when it opens the window (issue 13: the re-execution at
the window's launch cost about 0.3 s of start-up; issue 9: why it re-executes)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hmipviz import cli, entry

WINDOW = {"DISPLAY": ":0"}


def test_the_commands_are_cli_commands():
    assert set(entry.WINDOW_COMMANDS) | set(entry.OTHER_COMMANDS) == set(cli.COMMANDS)
    assert not set(entry.WINDOW_COMMANDS) & set(entry.OTHER_COMMANDS)


@pytest.mark.parametrize("args", [
    [], ["--present"], ["-v"], ["-vv", "--present"], ["--log-level", "debug"],
    ["--log-level=debug", "gui"], ["--log", "info"], ["gui"], ["gui", "two-domains"],
    ["lesson", "1"], ["--present", "lesson", "3", "--seed", "4"], ["my-net.toml"],
    ["Lesson.MD"], ["--present", "x.toml"],
])
def test_these_open_the_window(args):
    assert entry.opens_window(args)
    assert entry.reexec_wanted(args, WINDOW, glibc=True)


@pytest.mark.parametrize("args", [
    ["run", "figure1"], ["check", "x.toml"], ["experiment", "e.toml"], ["scenarios"],
    ["lessons"], ["export-html", "figure1"], ["schema"], ["--version"], ["-h"],
    ["gui", "--help"], ["--install-desktop"], ["--uninstall-desk"],
    ["--log-level", "debug", "run", "figure1"], ["no-such-command"],
])
def test_these_do_not(args):
    assert not entry.opens_window(args)
    assert not entry.reexec_wanted(args, WINDOW, glibc=True)


def test_an_existing_file_means_the_window(tmp_path):
    path = tmp_path / "scenario-without-suffix"
    path.write_text("")
    assert entry.opens_window([str(path)])
    assert not entry.opens_window([str(tmp_path / "missing")])


def test_todays_rules_are_kept():
    assert not entry.reexec_wanted([], dict(WINDOW, PYTHONMALLOC="pymalloc"), glibc=True)
    assert not entry.reexec_wanted([], dict(WINDOW, PYTHONMALLOC="malloc"), glibc=True)
    assert not entry.reexec_wanted([], WINDOW, glibc=False)  # musl, macOS: no malloc_trim
    # no display for Qt's X platform: the window says why it cannot start, at once
    assert not entry.reexec_wanted([], {}, glibc=True)
    assert not entry.reexec_wanted([], {"QT_QPA_PLATFORM": "xcb"}, glibc=True)
    assert entry.reexec_wanted([], {"WAYLAND_DISPLAY": "wayland-0"}, glibc=True)
    assert entry.reexec_wanted([], {"QT_QPA_PLATFORM": "offscreen"}, glibc=True)
    assert entry._on_glibc() == bool(os.confstr("CS_GNU_LIBC_VERSION")
                                     if hasattr(os, "confstr") else False)


_PROBE = r"""
import os, sys
def execve(path, argv, env):
    loaded = sorted(m for m in sys.modules if m.startswith("hmipviz"))
    print(path == sys.executable, argv == sys.orig_argv, env["PYTHONMALLOC"], loaded)
    os._exit(0)
os.execve = execve
sys.argv = ["hmipviz", "--present"]
from hmipviz.entry import main
main()
print("not re-executed")
"""


@pytest.mark.skipif(not entry._on_glibc(), reason="the system allocator is used on glibc only")
def test_the_program_reexecutes_before_the_cli_is_imported():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    env.update(DISPLAY=":99", QT_QPA_PLATFORM="")
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True True malloc ['hmipviz', 'hmipviz.entry']"
