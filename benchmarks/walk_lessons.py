"""Walk lessons to the end in the real window, as a student would, and take
screenshots: the lesson panel's own controls (the Attacker and Restart boxes, the
question boxes), the controller's calls that the canvas's drag, the context menu and
the properties panel make (``move_mn``, ``fail_node``, ``set_map_option``,
``set_link``), the event list's selection and the inspector's tree for field steps,
View > Compare for the compare view. Show me is used only where the window has no
control for the step (a raw packet put on a link: lesson 14), and the script says so.

Run on a real X server of the classroom size::

    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python benchmarks/walk_lessons.py \\
        OUT_DIR 12 13 14 15 16 17 18

It prints one line per step (passed, how, the simulated time) and writes
``OUT_DIR/NN-sK-start.png`` / ``-done.png`` for a few steps of each lesson and
``OUT_DIR/NN-summary.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(out: Path, names: list[str]) -> int:
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="hmipviz-walk-")
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="hmipviz-walk-data-")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from hmipviz.gui.main_window import MainWindow, settings
    from hmipviz.lesson import fields as lf
    from hmipviz.lesson.checks import Check, Window
    from hmipviz.lesson.selection import packet_matches
    from hmipviz.scenario import load_scenario

    out.mkdir(parents=True, exist_ok=True)
    settings().clear()
    w = MainWindow(scenario=load_scenario("figure1"))
    w.show()

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shoot(name: str) -> None:
        wait(400)
        app.primaryScreen().grabWindow(0).save(str(out / f"{name}.png"), "PNG")

    failures = 0
    for name in names:
        assert w.open_lesson(name), name
        panel = w.lessons.panel
        c = w.controller
        c.autoplay_on_action = False
        lesson = panel.lesson
        num = lesson.name.split("-")[0]
        n = len(lesson.steps)
        shots = {0, n // 2, n - 1}

        def settle(wall_s: float = 900.0, panel=panel, c=c) -> bool:
            """Play (at the fastest speed a student can pick) until the step is done."""
            import time
            c.set_speed(10.0)
            end = time.monotonic() + wall_s
            c.play()
            while time.monotonic() < end:
                QApplication.processEvents()
                if panel.next_button.isEnabled() or panel.blocked is not None:
                    break
                if not c.playing:
                    if c.at_end():
                        break
                    c.play()
            c.pause()
            return panel.next_button.isEnabled()

        for i, step in enumerate(lesson.steps):
            run = panel.run
            how = "by hand"
            if i in shots:
                shoot(f"{num}-s{i + 1}-start")
            for q in step.questions:  # before acting: predictions lock then
                if q.is_prediction:
                    right = run.prediction(q.id)
                    k = next((j for j, ch in enumerate(q.choices) if ch.kind == right), 0)
                    panel.answer(q.id, k)
                elif not q.is_numeric:
                    panel.answer(q.id, next(j for j, ch in enumerate(q.choices) if ch.correct))
            for a in step.solution:
                v = a.verb
                if v == "play":
                    pass
                elif v == "move":
                    c.move_mn(None if a.value == "none" else a.value)  # what the drag calls
                elif v == "fail":
                    c.fail_node(a.value)  # the context menu
                elif v == "restore":
                    c.restore_node(a.value)
                elif v == "set_map_option":  # the properties panel
                    c.set_map_option(a.value, a.get("map"), pref=a.get("pref"),
                                     lifetime_s=a.get("lifetime_s"))
                elif v == "set_link":
                    c.set_link(a.value, a.get("to"), delay_ms=a.get("delay_ms"))
                elif v == "compare":
                    w.open_compare()
                    wait(300)
                    view = getattr(w, "compare_window", None)
                    if view is not None and i in shots:
                        view.driver.seek(min(c.display_time() + 1.0, view.driver.end_time()))
                        view.refresh()
                        shoot(f"{num}-s{i + 1}-compare")
                    if view is not None:
                        view.close()
                        w.activateWindow()
                elif v in ("run_for_s", "run_until_s"):
                    target = c.display_time() + float(a.value) if v == "run_for_s" \
                        else float(a.value)
                    c.seek_time(target)
                elif v == "inject_bu":  # the Attacker box, filled in and clicked
                    box = panel.attacker
                    box.home.setText(str(lf.AddressBook(c.sim).resolve(a.get("home"))))
                    box.seq.setValue(int(a.get("seq", 1)))
                    box.send_button.click()
                elif v == "reset" and a.get("security"):  # the Restart box
                    box = panel.restart_box
                    box.security.setCurrentIndex(box.security.findData(a.get("security")))
                    box.button.click()
                    c.pause()
                elif v == "select_field":  # the event list, then the inspector's tree
                    want = Check("field_selected", a.value, a.params)
                    win = Window(c.sim, run.mark)
                    idx = next(j for j in range(len(c.trace) - 1, run.mark - 1, -1)
                               if packet_matches(c.trace[j], want, win))
                    c.select(idx)
                    w.inspector.select_field(a.value)
                    c.seek(len(c.trace) - 1)
                else:  # no control in the window: Show me
                    how = f"Show me ({v})"
                    panel.show_me()
                    while panel.show_runner.running:
                        QApplication.processEvents()
                    c.pause()
                    break
            ok = settle()
            for q in step.questions:
                if q.is_numeric:
                    got = run.measured(q.id)
                    if got is not None:
                        panel.answer_number(q.id, got)
            if i in shots:
                shoot(f"{num}-s{i + 1}-done")
            print(f"{num} step {i + 1} {step.title!r}: {'passed' if ok else 'NOT PASSED'} "
                  f"({how}) t = {c.display_time():.3f} s"
                  + ("" if ok else f"; status: {panel.status.text()[:300]!r}"), flush=True)
            if not ok:
                failures += 1
                break
            panel.next_step()
        if panel.stack.currentIndex() == 1:
            shoot(f"{num}-summary")
            print(f"{num} summary: {panel.summary_text()[:200]!r}", flush=True)
    w.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
