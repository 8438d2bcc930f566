"""The dependency rule (architecture rule 1), checked by importing with modules blocked."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

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
                         "hmipviz.outputs", "hmipviz.wire.codec", "hmipviz.wire.capture",
                         "hmipviz.timeline", "hmipviz.layout", "hmipviz.lesson_policy",
                         "hmipviz.logsetup", "hmipviz.mobility", "hmipviz.first_idle"])
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


# --- every module, read without importing it --------------------------------------------
# The import checks above see only what a module imports when it loads; these read every
# import statement of every module, including those inside functions (scapy is loaded
# lazily, for instance), so a new module or a late import cannot slip past the rules.

HMIPVIZ = Path(__file__).resolve().parent.parent / "hmipviz"
RULES = {  # folder (or module) -> packages it must not import
    "engine": ("hmipviz.sim", "hmipviz.wire", "hmipviz.scenario", "hmipviz.lesson",
               "hmipviz.gui", "hmipviz.cli", "hmipviz.experiment"),
    "scenario": ("hmipviz.sim", "hmipviz.wire", "hmipviz.lesson", "hmipviz.gui"),
    "convert.py": ("hmipviz",),  # the converters depend on nothing of ours
    "tomlpos.py": ("hmipviz",),
}
ONLY_IN = {"PySide6": "gui", "pyqtgraph": "gui", "shiboken6": "gui", "scapy": "wire"}


def _imports(path: Path, package: list[str]) -> set[str]:
    """Absolute names of every module ``path`` (in ``package``) imports, wherever the
    import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.add(".".join(base + ([node.module] if node.module else [])))
                if not node.module:
                    found.update(".".join(base + [alias.name]) for alias in node.names)
            elif node.module:
                found.add(node.module)
    return found


def _broken_rules(where: str, names: set[str]) -> list[str]:
    """The imports in ``names`` that a module in hmipviz/``where`` must not make."""
    wrong = []
    for name in sorted(names):
        top = name.split(".")[0]
        if top in ONLY_IN and where != ONLY_IN[top]:
            wrong.append(f"{name} (only hmipviz/{ONLY_IN[top]}/ may import it)")
        if where in RULES and any(name == p or name.startswith(p + ".") for p in RULES[where]):
            wrong.append(f"{name} (hmipviz/{where} must not import it)")
    return wrong


MODULES = sorted(HMIPVIZ.rglob("*.py"))


def test_the_static_check_sees_every_package():
    parts = {p.relative_to(HMIPVIZ).parts[0] for p in MODULES}
    assert {"engine", "wire", "gui", "scenario", "lesson", "convert.py", "tomlpos.py"} <= parts


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HMIPVIZ)))
def test_every_module_keeps_the_layering(path):
    relative = path.relative_to(HMIPVIZ.parent)
    names = _imports(path, list(relative.with_suffix("").parts[:-1]))
    wrong = _broken_rules(relative.parts[1], names)
    assert not wrong, f"{relative} imports " + ", ".join(wrong)


def test_the_static_check_finds_late_and_relative_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from ..scenario import load_scenario\n"
                     "def f():\n    import scapy.all\n    from PySide6 import QtCore\n")
    names = _imports(probe, ["hmipviz", "engine"])
    assert names == {"hmipviz.scenario", "scapy.all", "PySide6"}
    assert _broken_rules("engine", names) == [
        "PySide6 (only hmipviz/gui/ may import it)",
        "hmipviz.scenario (hmipviz/engine must not import it)",
        "scapy.all (only hmipviz/wire/ may import it)",
    ]
    assert _broken_rules("wire", {"scapy.all", "hmipviz.engine.messages"}) == []
    assert _broken_rules("convert.py", {"hmipviz.scenario"}) == [
        "hmipviz.scenario (hmipviz/convert.py must not import it)"]


def test_new_packages_import_without_qt_or_scapy():
    proc = _import_with({"PySide6", "pyqtgraph", "scapy"},
                        ["hmipviz.scenario", "hmipviz.tomlpos", "hmipviz.convert",
                         "hmipviz.lesson.format", "hmipviz.lesson.checks",
                         "hmipviz.lesson.evaluate", "hmipviz.lesson.run",
                         "hmipviz.lesson.session"])
    assert proc.returncode == 0, proc.stderr
