"""The dependency rule (architecture rule 1), checked by importing with modules blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BLOCKER = textwrap.dedent("""
    import importlib.abc, sys
    BLOCKED = {blocked!r}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"{{name}} must not be imported here")
            return None
    sys.meta_path.insert(0, Block())
    import {modules}
    print("ok")
""")


def _import_with(blocked: set[str], modules: list[str]) -> subprocess.CompletedProcess:
    code = BLOCKER.format(blocked=sorted(blocked), modules=", ".join(modules))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


ENGINE = ["hmipviz.engine.messages", "hmipviz.engine.events", "hmipviz.engine.config",
          "hmipviz.engine.addresses", "hmipviz.engine.binding_cache",
          "hmipviz.engine.scheduler", "hmipviz.engine.topology", "hmipviz.engine.describe",
          "hmipviz.engine.nodes.mobile_node", "hmipviz.engine.nodes.access_router",
          "hmipviz.engine.nodes.map", "hmipviz.engine.nodes.home_agent",
          "hmipviz.engine.nodes.correspondent", "hmipviz.engine.nodes.router"]


def test_engine_imports_neither_qt_nor_scapy():
    proc = _import_with({"PySide6", "pyqtgraph", "scapy", "hmipviz.wire"}, ENGINE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_headless_layers_import_no_qt():
    proc = _import_with({"PySide6", "pyqtgraph"},
                        ["hmipviz.sim", "hmipviz.scenario", "hmipviz.cli", "hmipviz.report",
                         "hmipviz.outputs", "hmipviz.wire.codec", "hmipviz.wire.capture"])
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("blocked, module", [({"scapy"}, "hmipviz.wire.scapy_layers"),
                                             ({"hmipviz.wire"}, "hmipviz.sim")])
def test_the_blocker_itself_works(blocked, module):
    proc = _import_with(blocked, [module])
    assert proc.returncode != 0 and "must not be imported here" in proc.stderr


@pytest.mark.parametrize("module", ["hmipviz.sim", "hmipviz.cli"])
def test_headless_run_works_without_qt(module):
    code = BLOCKER.format(blocked=["PySide6", "pyqtgraph"], modules=module).replace(
        'print("ok")', 'from hmipviz.cli import main; raise SystemExit(main(["run", '
                       '"figure1", "--until", "1", "--quiet"]))')
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_the_simulator_starts_without_importing_scapy():
    # scapy costs a few hundred ms at start-up; the codec loads it only when it needs it
    proc = _import_with({"scapy"}, ["hmipviz.sim", "hmipviz.wire.codec"])
    assert proc.returncode == 0, proc.stderr
