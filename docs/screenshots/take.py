"""Take the classroom screenshots of docs/screenshots/ (issue 13): the real window on a
real X server of each size, as a fresh install starts it (no saved settings).

Run one size per X server, e.g.::

    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python docs/screenshots/take.py 1024x768

It writes ``<size>-normal.png``, ``<size>-present.png`` and ``<size>-lesson.png`` here:
the whole screen, so a window larger than the screen shows as cut off.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(size: str, out_dir: Path = HERE) -> int:
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hmipviz-shots-")  # first start
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from hmipviz.gui.main_window import MainWindow, settings
    from hmipviz.scenario import load_scenario

    def wait(ms: int) -> None:  # (app.quit() would close the windows)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shoot(name: str) -> None:
        wait(700)
        pixmap = app.primaryScreen().grabWindow(0)
        pixmap.save(str(out_dir / f"{size}-{name}.png"), "PNG")

    def run(name: str, present: bool = False, lesson: str | None = None) -> None:
        settings().clear()  # each one a first start
        w = MainWindow(scenario=load_scenario("two-domains"), present=present)
        if lesson:
            w.open_lesson(lesson)
        w.show()
        wait(300)
        c = w.controller
        c.seek_time(5.4)  # the first scripted move: tokens and tunnels on the canvas
        shoot(name)
        w.presentation.leave()
        w.close()
        w.deleteLater()
        wait(100)

    run("normal")
    run("present", present=True)
    run("lesson", lesson="04-intra-map")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screen"))
