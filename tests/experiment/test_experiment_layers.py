"""hmipviz/experiment imports neither Qt nor scapy: experiment files, tables and the
model load on a machine without a display, and the simulator (which brings the wire
layer) is imported only where a run executes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

MODULES = ["hmipviz.experiment.spec", "hmipviz.experiment.runner",
           "hmipviz.experiment.outputs", "hmipviz.experiment.model",
           "hmipviz.experiment.measure", "hmipviz.experiment.cli",
           "hmipviz.experiment.generate", "hmipviz.experiment.document"]
CODE = textwrap.dedent("""
    import importlib.abc, sys
    BLOCKED = ("PySide6", "pyqtgraph", "scapy", "hmipviz.wire", "hmipviz.gui")
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"{name} must not be imported here")
            return None
    sys.meta_path.insert(0, Block())
    import %s
    from hmipviz.experiment.spec import load_experiment
    load_experiment("ha-distance")
    print("ok")
""")


def test_the_experiment_package_imports_no_qt_and_no_scapy():
    proc = subprocess.run([sys.executable, "-c", CODE % ", ".join(MODULES)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
