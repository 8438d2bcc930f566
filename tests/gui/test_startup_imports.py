"""Start-up work (issue 13: first frame <= 450 ms): opening the window on a scenario
imports neither networkx (about 150 ms; routes come from hmipviz.engine.routes unless
two are equally short) nor the lesson code, the compare view's module, pyqtgraph,
scapy, the teacher controls (built when their dock shows), the plot's module or the
animation export's; they come when first needed. One fresh interpreter, offscreen."""

import json
import os
import subprocess
import sys

_PROBE = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from hmipviz import cli  # noqa: F401  (what `hmipviz` imports first)
from hmipviz.scenario import load_scenario
from PySide6.QtWidgets import QApplication
app = QApplication([])
from hmipviz.gui.main_window import MainWindow
w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
w.show()
app.processEvents()
before = sorted(m for m in ("networkx", "hmipviz.lesson", "hmipviz.gui.lesson_panel",
                            "hmipviz.compare", "pyqtgraph", "scapy",
                            "hmipviz.gui.properties", "hmipviz.gui.plot",
                            "hmipviz.gui.animation_dialog", "hmipviz.animation_encode")
                if m in sys.modules)
w.controller.seek_time(3.0)  # packets routed and drawn: still no networkx
print(json.dumps({"before": before, "after": "networkx" in sys.modules}))
"""


def test_the_window_opens_without_the_heavy_imports(tmp_path):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == []
    # routes (the engine's and the tokens') are unique in figure1: no networkx for them
    assert found["after"] is False
