"""File > Export web page... writes the run the window shows, with the moves made in the
window, as the same page `hmipviz export-html` writes."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

pytest.importorskip("PySide6", reason="the window needs PySide6")


def test_export_web_page_writes_the_windows_branch(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from hmipviz.gui.main_window import MainWindow
    from hmipviz.scenario import load_scenario

    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    c = w.controller
    c.seek_time(1.0)
    c.move_mn("AR2")  # a move made in the window, not in the scenario
    c.seek_time(1.5)
    out = tmp_path / "run.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(out), "")))
    action = next(a for a in w.menuBar().actions()[0].menu().actions()
                  if a.text() == "Export &web page\u2026")
    action.trigger()
    page = out.read_text("utf-8")
    data = json.loads(re.search(r'id="run-data">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))
    assert [e[1] for e in data["events"]] == [type(e).__name__ for e in c.trace]
    assert [e[8] for e in data["events"] if e[1] == "LinkChanged"][:3] == ["AR1", None, "AR2"]
    assert "Wrote" in w.statusBar().currentMessage()
