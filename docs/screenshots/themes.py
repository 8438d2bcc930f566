"""Screenshots of every view in the light and the dark theme (issue 13: the dark theme
everywhere). Run on a real X server::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/themes.py OUT

It writes into OUT (default /tmp/hmipviz-themes): for each theme the main window, each
dock on its own (raised first), the lesson dock, the compare window, the experiments
window and two dialogs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(out: Path) -> int:
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hmipviz-themes-")
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication(sys.argv[:1])  # kept alive while the windows are shot
    from hmipviz.gui.main_window import MainWindow, settings
    from hmipviz.gui.theme_scheme import SETTING
    from hmipviz.scenario import load_scenario

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget, name: str) -> None:
        wait(250)
        widget.grab().save(str(out / f"{name}.png"), "PNG")

    for scheme in ("light", "dark"):
        settings().clear()
        settings().setValue(SETTING, scheme)
        w = MainWindow(scenario=load_scenario("two-domains"))
        w.resize(1600, 1000)
        w.show()
        wait(400)
        c = w.controller
        c.seek_time(5.4)
        c.seek_time(12.0)
        save(w, f"{scheme}-window")
        for key, dock in w.docks.items():
            dock.show()
            dock.raise_()
            save(dock, f"{scheme}-dock-{key}")
        w.open_lesson("04-intra-map")
        wait(300)
        if w.lessons.dock is not None:
            save(w.lessons.dock, f"{scheme}-dock-lesson")
        compare = w.open_compare()
        if compare is not None:
            compare.resize(1400, 800)
            wait(600)
            save(compare, f"{scheme}-compare")
            compare.close()
        from hmipviz.gui.experiment_window import show_experiments
        ex = show_experiments(w)
        ex.resize(900, 600)
        save(ex, f"{scheme}-experiments")
        ex.close()
        from hmipviz.gui.open_builtin import OpenScenarioDialog
        from hmipviz.scenario import builtin_scenarios
        dialog = OpenScenarioDialog(builtin_scenarios(), w)
        dialog.show()
        save(dialog, f"{scheme}-dialog-open")
        dialog.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open", "An example message "
                          "box: the file names a node twice.", parent=w)
        box.show()
        save(box, f"{scheme}-dialog-message")
        box.close()
        w.close()
        w.deleteLater()
        wait(100)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hmipviz-themes")))
