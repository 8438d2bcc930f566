"""The package builds cleanly: a wheel with the licence, the typing marker and the data
users need, and no setuptools warnings about package data or licence metadata."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not run from a source checkout: no pyproject.toml beside tests/")
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w",
                          str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    wheel = next(out.glob("hmipviz-*.whl"))
    return wheel, run.stdout + run.stderr


def test_the_wheel_builds_without_setuptools_warnings(built):
    _, log = built
    warnings = [line for line in log.splitlines()
                if re.search(r"warning|deprecat", line, re.I)
                and "byte-compiling is disabled" not in line]
    assert warnings == []


def test_the_wheel_carries_licence_typing_marker_and_data(built):
    wheel, _ = built
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "hmipviz/py.typed" in names
    assert "hmipviz/assets/scenarios/figure1.toml" in names
    assert "hmipviz/assets/icons/mn.svg" in names
    assert "hmipviz/assets/icons/hmipviz.svg" in names  # the application icon
    assert "hmipviz/assets/desktop/hmipviz.desktop.in" in names  # --install-desktop
    assert "hmipviz/assets/desktop/hmipviz.metainfo.xml" in names
    assert "hmipviz/lessons/01-why-local-anchor.md" in names
    assert any(n.startswith("hmipviz/lessons/scenarios/") for n in names)
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    from hmipviz import __version__
    assert f"Version: {__version__}" in text
    assert "License-Expression: MIT" in text
