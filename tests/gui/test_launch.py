"""`hmipviz` without a usable Qt platform: one line naming the fix, not Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hmipviz.gui import launch as gui_launch

ROOT = Path(__file__).resolve().parents[2]


def _run(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "hmipviz"], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_no_display_gives_one_line_and_status_2():
    out = _run({"QT_QPA_PLATFORM": None, "DISPLAY": None, "WAYLAND_DISPLAY": None})
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "display" in lines[0] and "xvfb-run" in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_a_display_that_does_not_answer_gives_one_line_not_a_qt_abort():
    out = _run({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":987", "WAYLAND_DISPLAY": None})
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert ":987" in lines[0]
    assert "Aborted" not in out.stderr and "core dumped" not in out.stderr


def test_missing_xcb_libraries_are_named_with_the_packages(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(sys, "platform", "linux")
    import ctypes.util
    monkeypatch.setattr(gui_launch, "_dlopen_ok", lambda soname: "cursor" not in soname)
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if name == "xcb-cursor" else f"lib{name}.so")
    problem = gui_launch.platform_problem()
    assert problem is not None and "\n" not in problem
    assert "libxcb-cursor" in problem and "libxcb-cursor0" in problem
    assert "apt-get install" in problem


def test_a_library_under_another_soname_is_still_found(monkeypatch):
    """dlopen by the usual soname first; ldconfig's list when that fails."""
    import ctypes.util
    monkeypatch.setattr(gui_launch, "_dlopen_ok", lambda soname: False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: f"lib{name}.so.9")
    assert gui_launch._library_present("xcb-cursor", "libxcb-cursor.so.0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert not gui_launch._library_present("xcb-cursor", "libxcb-cursor.so.0")


def test_the_usual_sonames_load_without_asking_ldconfig(monkeypatch):
    import ctypes.util

    def no_ldconfig(name):
        raise AssertionError(f"find_library({name!r}) asked: {name} not found by soname")
    monkeypatch.setattr(ctypes.util, "find_library", no_ldconfig)
    present = [soname for _n, soname in gui_launch._XCB_LIBS if gui_launch._dlopen_ok(soname)]
    if len(present) < len(gui_launch._XCB_LIBS):
        pytest.skip(f"xcb libraries not installed here ({len(present)} of 9 found)")
    assert all(gui_launch._library_present(n, s) for n, s in gui_launch._XCB_LIBS)


def test_qt_platform_failure_text_names_the_packages():
    line = gui_launch.explain(['qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is '
                               'needed to load the Qt xcb platform plugin.',
                               'Could not load the Qt platform plugin "xcb" in "" even '
                               'though it was found.'])
    assert "libxcb-cursor0" in line and "libxkbcommon-x11-0" in line
    assert "\n" not in line
