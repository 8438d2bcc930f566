"""Take the scenario editor's screenshots (docs/editor.md): the real window on a real X
server of the given size, e.g.::

    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python docs/screenshots/take_editor.py 1024x768

It writes ``editor-<size>-palette.png`` (a network being drawn, a node about to be
placed), ``editor-<size>-node.png`` (an AR's properties with its MAP options) and
``editor-<size>-problems.png`` (an invalid value: the validator's words on the item,
in the panel and in the list).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(size: str, out_dir: Path = HERE) -> int:
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hmipviz-shots-")
    from PySide6.QtCore import QEventLoop, QPoint, QTimer
    from PySide6.QtGui import QCursor
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from hmipviz.gui.main_window import MainWindow
    from hmipviz.scenario import load_scenario
    from hmipviz.scenario.edit import SetItemKey, SetNodeKey

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shoot(name: str) -> None:
        wait(600)
        app.primaryScreen().grabWindow(0).save(str(out_dir / f"editor-{size}-{name}.png"), "PNG")

    window = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    wait(300)

    def editor_on(new: bool):
        editor = window.edit_scenario(new=new)
        editor.setGeometry(app.primaryScreen().availableGeometry())
        wait(300)
        editor.canvas.fit()
        return editor

    # 1. drawing: figure1's top half placed, the AR tool chosen, its ghost under the mouse
    editor = editor_on(new=True)
    for role, x, y in (("ha", 160, 90), ("cn", 840, 90), ("router", 500, 180),
                       ("map", 500, 320), ("ar", 340, 500)):
        editor.canvas.place(role, (x, y))
    for a, b in (("HA", "R"), ("CN", "R"), ("R", "MAP1"), ("MAP1", "AR1")):
        editor.canvas.start_link(a)
        editor.canvas.finish_link(editor.canvas.node_position(b))
    editor.canvas.fit()
    editor.palette_actions["ar"].trigger()
    ghost = editor.canvas.mapFromScene(660, 500)
    QCursor.setPos(editor.canvas.viewport().mapToGlobal(QPoint(ghost.x(), ghost.y())))
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    move = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(ghost), QPointF(ghost),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    editor.canvas.mouseMoveEvent(move)
    shoot("palette")
    editor.discard()
    wait(200)

    # 2. a node being edited: figure1's AR1 with its MAP option
    editor = editor_on(new=False)
    editor.canvas.select_key(("node", "AR1"))
    shoot("node")

    # 3. problems: a negative delay and an address that is AR1's
    editor.apply(SetItemKey("link", 3, "delay_ms", -5))
    editor.apply(SetNodeKey("AR2", "address", "2001:db8:2::1"))
    editor.canvas.select_key(("node", "AR2"))
    shoot("problems")
    editor.discard()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "1024x768"))
