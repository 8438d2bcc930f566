"""The lesson player in the real window (offscreen Qt): lesson 4 walked with the mouse,
questions, hints, Show me, broken lesson files, saved and resumed progress.

The headline test is the issue's: Next stays disabled, the MN is dragged on the canvas
with mouse events into AR2's cell, the step's check turns true once the engine shows the
acknowledged local BU, and Next enables; a quiz answer gives its feedback.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from hmipviz.engine.events import HandoverCompleted, LinkChanged
from hmipviz.gui import lesson_panel
from hmipviz.gui.main_window import MainWindow
from hmipviz.gui.playback import FakeClock
from hmipviz.lesson import Progress, ProgressStore, builtin_lessons
from hmipviz.scenario import load_scenario


@pytest.fixture
def progress_dir(tmp_path, monkeypatch):
    folder = tmp_path / "progress"
    monkeypatch.setattr(lesson_panel, "default_progress_dir", lambda: folder)
    return folder


@pytest.fixture
def window(qtbot, progress_dir):
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _drag(view, start: QPointF, end: QPointF, steps: int = 12) -> None:
    """Press on ``start``, move in steps, release on ``end`` (scene coordinates)."""
    vp = view.viewport()
    p0, p1 = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mouseMove(vp, p0)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p0)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, QPoint(p0.x() + (p1.x() - p0.x()) * k // steps,
                                   p0.y() + (p1.y() - p0.y()) * k // steps))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p1)


def _settle(controller, until, limit: int = 400) -> None:
    """Jump from idle moment to idle moment until ``until()`` holds."""
    for _ in range(limit):
        if until():
            return
        if not controller.jump_to_next_idle():
            break
    assert until(), "the expected state never came"


def _click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _choose(panel, qid: str, text: str) -> None:
    """Click the radio button of the answer with this text (a real mouse click)."""
    box = panel.question_boxes[qid]
    i = next(i for i, c in enumerate(box.question.choices) if (c.text or c.kind) == text)
    QApplication.processEvents()  # a new step's questions are laid out
    panel.step_scroll.ensureWidgetVisible(box.buttons[i])
    _click(box.buttons[i])


def _open(window, name: str = "4"):
    assert window.open_lesson(name)
    return window.lessons.panel


def _wait_show_me(panel, timeout_s: float = 30.0) -> None:
    """Show me plays from the event loop: let it finish."""
    import time
    end = time.monotonic() + timeout_s
    while panel.show_runner.running and time.monotonic() < end:
        QApplication.processEvents()
    assert not panel.show_runner.running, "Show me did not finish"


def _finish_step(panel) -> None:
    """Do the step with Show me and let the engine show it done: playback without
    animation, paced by a FakeClock (the lesson stops it the instant the step's check
    holds), so no test waits for wall-clock animation or idle-jump time limits."""
    c = panel.controller
    panel.show_me()
    _wait_show_me(panel)
    c.pause()
    if panel.next_button.isEnabled():
        return
    animate = c.animate
    c.animate = False
    clock = FakeClock(c)
    c.play()
    frames = 0
    # the views follow every frame through the controller's signals; the window is
    # painted every tenth frame and when playback stops (painting is what costs here)
    while not panel.next_button.isEnabled():
        assert c.playing, f"playback stopped at t = {c.display_time():.6f} s, step not done"
        assert frames < 6000, "the step was not done within 6000 frames"
        clock.frame()
        frames += 1
        if frames % 10 == 0 or not c.playing:
            QApplication.processEvents()
    QApplication.processEvents()
    c.pause()
    c.animate = animate


# --- the headline walk -------------------------------------------------------------------


def test_walking_lesson_4_with_the_mouse(qtbot, window):
    panel = _open(window)
    c = window.controller
    assert panel.lesson.name == "04-intra-map"
    assert window.lessons.dock.isVisible()
    assert panel.run.index == 0 and c.position == -1
    assert not panel.next_button.isEnabled()
    assert "Let the MN register" in panel.step_title.text()
    assert "Figure 1" in panel.text.toPlainText()  # the intro comes with step 1
    assert "Press Play" in panel.text.toPlainText()  # rendered Markdown, not **Play**

    # a quiz answer gives its feedback at once: a wrong one, then the right one
    _choose(panel, "two-addresses", "The LCoA, formed from AR1's prefix")
    fb = panel.question_boxes["two-addresses"].feedback
    assert fb.isVisible() and "Not quite" in fb.text()
    assert "Only MAP1 binds the RCoA to the LCoA" in fb.text()
    _choose(panel, "two-addresses", "The RCoA, formed from MAP1's prefix")
    assert "Right" in fb.text() and "only MAP1 knows the LCoA" in fb.text()

    # Play (the toolbar's button): the check holds once the registration is shown
    clock = FakeClock(c)  # playback steps time instead of waiting for it
    c.set_speed(10.0)
    _click(window.playback.widgetForAction(window.playback.play_action))
    assert c.playing
    clock.run_until(lambda: panel.next_button.isEnabled(), timeout_ms=30000)
    c.pause()
    assert any(isinstance(e, HandoverCompleted) for e in c.trace[:c.position + 1])
    assert "Done" in panel.status.text()
    assert panel.steps.item(0).text().startswith("\u2713")

    _click(panel.next_button)
    assert panel.run.index == 1
    assert "Move to AR2" in panel.step_title.text()
    assert not panel.next_button.isEnabled()

    # predict before acting: pick, lock in (then the choice is disabled); the
    # learner's own run grades it when the message is on screen
    _choose(panel, "predict-first-bu", "To MAP1")
    box = panel.question_boxes["predict-first-bu"]
    assert box.lock_button.isEnabled() and not box.locked
    _click(box.lock_button)
    assert box.locked and not any(b.isEnabled() for b in box.buttons)
    assert "Locked in: To MAP1" in box.feedback.text()
    assert panel.run.committed("predict-first-bu").choice == 0
    assert panel.run.prediction("predict-first-bu") is None  # nothing shown yet
    assert not box.reveal.isVisible()

    # drag the MN into AR2's cell with real mouse events
    c.autoplay_on_action = False
    view = window.topology
    before = len(c.trace)
    _drag(view, view.mn_item.scenePos(), view.cell_item("AR2").centre + QPointF(10, 70))
    assert c.user_actions()[-1][1:] == ("move", "AR2")
    assert any(isinstance(e, LinkChanged) and not e.up for e in c.trace[before:])
    assert not panel.next_button.isEnabled()  # nothing acknowledged yet
    seen = []
    panel.checkChanged.connect(seen.append)
    _settle(c, lambda: panel.next_button.isEnabled())
    assert seen == [True]
    assert "moving to AR2" in panel.status.text()
    assert "3 of 3 conditions met (100%)" in panel.status.text()
    assert box.reveal.isVisible() and "went to MAP1" in box.reveal.text()
    assert "Right" in box.feedback.text()
    assert panel.run.answers["predict-first-bu"] == (0, True)
    assert panel.steps.item(1).text().startswith("\u2713")

    _click(panel.next_button)
    assert panel.run.index == 2 and not panel.next_button.isEnabled()


def test_the_check_waits_for_what_is_on_screen(qtbot, window):
    """A check never passes on events the learner has not been shown yet."""
    panel = _open(window)
    c = window.controller
    c.autoplay_on_action = False
    _settle(c, lambda: panel.next_button.isEnabled())
    _click(panel.next_button)
    c.move_mn("AR2")
    _settle(c, lambda: panel.next_button.isEnabled())
    done_at = c.position
    # back in the past, on a new step: the state there does not count
    _click(panel.next_button)
    assert panel.run.index == 2
    c.seek(done_at - 5)
    assert not panel.live() and "looking at the past" in panel.status.text()


def test_a_wrong_attempt_opens_the_hints_and_show_me_does_the_step(qtbot, window):
    panel = _open(window)
    c = window.controller
    c.autoplay_on_action = False
    assert not panel.hint_button.isEnabled()  # nothing tried yet
    _settle(c, lambda: panel.next_button.isEnabled())
    _click(panel.next_button)
    assert not panel.hint_button.isEnabled()
    # the wrong move: out of every cell instead of into AR2's
    view = window.topology
    _drag(view, view.mn_item.scenePos(), view.cell_item("AR1").centre + QPointF(-600, 0))
    _settle(c, lambda: panel.wrong_attempt)
    assert not panel.next_button.isEnabled()
    assert panel.hint_button.isEnabled()
    assert "Not yet" in panel.status.text() and "(intra-MAP), moving to AR2" in panel.status.text()
    _click(panel.hint_button)
    assert panel.hints.isVisible() and "Drag the MN from AR1's cell" in panel.hints.text()
    _click(panel.hint_button)
    assert "acknowledgement of the local BU" in panel.hints.text()
    assert not panel.hint_button.isEnabled() and panel.hint_button.text() == "No more hints"
    # Show me: the step's solution, played in the window
    _click(panel.show_button)
    _wait_show_me(panel)
    c.pause()
    _settle(c, lambda: panel.next_button.isEnabled())
    assert c.mn_ar_at(c.position) == "AR2"
    assert panel.run.summary().hints_used == 2


def test_the_summary_at_the_end(qtbot, window, tmp_path):
    panel = _open(window)
    c = window.controller
    c.autoplay_on_action = False
    _choose(panel, "two-addresses", "Both")  # wrong at the first try
    _choose(panel, "two-addresses", "The RCoA, formed from MAP1's prefix")
    for i in range(len(panel.lesson.steps)):
        assert panel.run.index == i
        _finish_step(panel)
        if i == 2:
            _choose(panel, "why-no-ha",
                    "Its binding points at the RCoA, and the RCoA did not change")
        _click(panel.next_button)
    assert panel.stack.currentIndex() == 1
    text = panel.summary_text()
    # every step was done by Show me: none counts as the learner's, no goal learnt
    assert "Steps done by you: 0 of 6" in text
    assert "2. Move to AR2: done with Show me" in text
    assert "Questions right at the first try: 1 of 6" in text
    assert "Time taken:" in text and "(stopped at Finish)" in text
    assert "none yet" in text and "To practise again" in text
    assert panel.run.clock_stopped
    # exported for the teacher, headless of the dialog (the panel's own action)
    out = panel.export_summary(tmp_path / "s.json")
    data = json.loads(out.read_text())
    assert data["lesson"] == "04-intra-map" and data["finished"] is True
    assert [s["result"] for s in data["steps"]] == ["done with Show me"] * 6
    assert data["seed"] == panel.lesson.seed is not None  # lesson 4 varies its network
    from hmipviz.gui.lesson_summary_ui import FOLDER_KEY
    from hmipviz.gui.main_window import settings
    assert settings().value(FOLDER_KEY) == str(tmp_path)  # the dialog starts there next
    assert panel.next_lesson_button.isVisible()
    assert panel.next_lesson_button.text() == "Next lesson: Moving between MAP domains"
    # the next lesson opens from there
    _click(panel.next_lesson_button)
    assert window.lessons.panel.lesson.name == "05-inter-map"


# --- files ----------------------------------------------------------------------------------

BROKEN = """+++
title = "Broken"
summary = "S"
goals = ["g"]
scenario = "figur1"
+++

Intro.

## Step: One

Text.

```toml
check = { handovr = "initial" }
solution = [{ play = true }]
```

## Step: Two

Text.

```toml
check = { sent = "RA", from = "AR1"
solution = [{ play = true }]
```
"""


def test_a_broken_lesson_file_shows_its_problems_and_nothing_breaks(qtbot, window, tmp_path):
    path = tmp_path / "broken.md"
    path.write_text(BROKEN)
    before = window.controller.scenario
    assert window.open_lesson(str(path)) is False
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes, "no dialog"
    text = boxes[-1].text()
    assert "This lesson cannot be opened" in text
    assert f'{path}:5: front matter: scenario "figur1": no such file or built-in scenario' \
        in text
    assert f'{path}:24: step 2 "Two": TOML syntax error' in text
    assert "hmipviz check" in boxes[-1].informativeText()
    boxes[-1].accept()
    # the window goes on as before, with no lesson
    assert window.controller.scenario is before
    assert window.lessons.panel is None
    assert window.open_lesson("no-such-lesson") is False
    assert window.open_lesson("4")


def test_the_lessons_menu_lists_the_built_ins(qtbot, window):
    menu = window.lessons.menu
    assert menu.title() == "&Lessons"
    menu.aboutToShow.emit()  # the built-ins are read when the menu first opens
    menu.aboutToShow.emit()  # once
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    for name, title, _summary in builtin_lessons():
        assert texts.count(f"{int(name[:2])}. {title}") == 1
    assert texts.index("1. " + builtin_lessons()[0][1]) == 0  # above the file actions
    assert "&Open lesson file\u2026" in texts
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Lessons") == titles.index("&Help") - 1
    # choosing one opens it
    next(a for a in menu.actions() if a.text().startswith("4. ")).trigger()
    assert window.lessons.panel.lesson.name == "04-intra-map"


# --- progress -----------------------------------------------------------------------------------


def test_progress_is_saved_and_resumed(qtbot, window, progress_dir):
    panel = _open(window)
    c = window.controller
    c.autoplay_on_action = False
    _choose(panel, "two-addresses", "Both")
    _finish_step(panel)
    _click(panel.next_button)
    assert panel.run.index == 1
    saved = json.loads((progress_dir / "04-intra-map.json").read_text())
    assert saved["step"] == 1 and saved["passed"] == [0]
    assert saved["answers"] == [["two-addresses", 2, False]]
    window.lessons.close()
    assert window.lessons.panel is None

    # opened again (another session): back on step 2, the network rebuilt for it
    panel = _open(window)
    assert panel.resumed and panel.run.index == 1
    assert "Welcome back" in panel.status.text()
    assert "Move to AR2" in panel.step_title.text()
    c = window.controller
    assert [e.kind for e in c.trace if isinstance(e, HandoverCompleted)] == ["initial"]
    assert c.mn_ar_at(c.position) == "AR1" and not c.playing
    assert panel.steps.item(0).text().startswith("\u2713")
    assert not panel.next_button.isEnabled()
    # the earlier answer still counts as it was
    assert panel.run.summary().questions_answered == 1
    # and the step can be done from here
    c.autoplay_on_action = False
    c.move_mn("AR2")
    _settle(c, lambda: panel.next_button.isEnabled())

    # start over: no progress, step 1
    panel.start_over()
    assert panel.run.index == 0 and not panel.run.passed
    assert not (progress_dir / "04-intra-map.json").exists()


def test_resume_at_a_mode_switch_step_and_use_the_toolbar(qtbot, window, progress_dir):
    """Lesson 1, step 4 asks for the Mobile IPv6 mode: the learner uses the toolbar's
    mode switch (which restarts the network), and the check follows the new run."""
    ProgressStore(progress_dir).save(Progress("01-why-local-anchor", 3, (0, 1, 2)))
    panel = _open(window, "1")
    assert panel.run.index == 3 and "Mobile IPv6" in panel.step_title.text()
    c = window.controller
    assert c.mode == "hmipv6"
    c.autoplay_on_action = False
    _click(window.playback.mode_buttons["mipv6"])
    assert c.mode == "mipv6" and c.position == -1
    assert not panel.next_button.isEnabled()
    _settle(c, lambda: panel.next_button.isEnabled())
    assert panel.run.can_advance()


def test_the_store_writes_under_the_given_folder_only(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_panel, "default_progress_dir",
                        lambda: (_ for _ in ()).throw(AssertionError("default used")))
    from hmipviz.gui.controller import QtController
    from hmipviz.lesson import load_lesson
    c = QtController()
    folder = tmp_path / "mine"
    panel = lesson_panel.QtLessonPanel(c, load_lesson("4"), progress_dir=folder)
    qtbot.addWidget(panel)
    assert panel.save_progress()
    assert [p.name for p in folder.iterdir()] == ["04-intra-map.json"]


def test_widgets_have_accessible_names(qtbot, window):
    panel = _open(window)
    for w in (panel, panel.title, panel.steps, panel.text, panel.status, panel.hint_button,
              panel.show_button, panel.next_button, panel.goals, window.lessons.dock):
        assert w.accessibleName(), w
    for box in panel.question_boxes.values():
        assert box.accessibleName().startswith("Question")
        assert all(b.accessibleName().startswith("Answer: ") for b in box.buttons)


def test_a_lesson_file_from_disk_with_its_own_scenario(qtbot, window, tmp_path):
    scenario = tmp_path / "net.toml"
    from hmipviz.scenario import save_scenario
    save_scenario(load_scenario("figure1"), str(scenario))
    lesson = tmp_path / "mine.md"
    lesson.write_text(textwrap.dedent("""\
        +++
        title = "Mine"
        summary = "One step."
        goals = ["Register."]
        scenario = "net.toml"
        +++

        A teacher's own lesson (RFC 5380 s.6.1).

        ## Step: Register

        Press **Play**.

        ```toml
        check = { handover = "initial" }
        solution = [{ play = true }]
        ```
        """))
    panel = _open(window, str(lesson))
    assert panel.lesson.title == "Mine"
    c = window.controller
    c.autoplay_on_action = False
    _settle(c, lambda: panel.next_button.isEnabled())
    assert panel.next_button.text() == "Finish"
    _click(panel.next_button)
    assert "Steps done by you: 1 of 1" in panel.summary_text()
    assert not panel.next_lesson_button.isVisible()


@pytest.mark.parametrize("name", [n for n, _t, _s in builtin_lessons()])
def test_every_lesson_can_be_done_in_the_window(qtbot, window, name):
    """Show me on every step (moves, failures, resets, MAP options, forged packets: each
    through the controller) and the window's engine passes every check; answering
    every question gives feedback; the summary counts them."""
    panel = _open(window, name)
    c = window.controller
    c.autoplay_on_action = False
    total = 0
    for i, step in enumerate(panel.lesson.steps):
        assert panel.run.index == i and not panel.next_button.isEnabled(), step.title
        for q in step.questions:
            if q.is_numeric:
                continue  # read off the run: answered once the step is done
            if q.is_prediction:  # locked in before acting; graded when it is shown, or
                assert panel.commit_prediction(q.id, 0)  # on going on (its message
                assert panel.question_boxes[q.id].locked  # comes after the step)
                assert not panel.commit_prediction(q.id, 1)  # one attempt
                total += 1
                continue
            assert panel.answer(q.id, 0) is not None
            assert not panel.question_boxes[q.id].feedback.isHidden()
            total += 1
        _finish_step(panel)
        for q in step.questions:
            if q.is_prediction and panel.run.revealed(q.id) is not None:
                assert not panel.question_boxes[q.id].reveal.isHidden()
                assert panel.run.answers[q.id][0] == 0
            if q.is_numeric:
                fb = panel.answer_number(q.id, panel.run.measured(q.id))
                assert fb is not None and fb.correct
                assert not panel.question_boxes[q.id].feedback.isHidden()
                total += 1
        _click(panel.next_button)
    assert panel.stack.currentIndex() == 1
    s = panel.run.summary()
    assert s.steps_passed == s.steps_total == len(panel.lesson.steps)
    assert s.questions_answered == s.questions_total == total


def test_a_done_step_stops_playback_and_the_next_starts_from_there(qtbot, window):
    """Lesson 11 takes one exchange apart message by message. Playback stops at the
    instant a step is done; a learner who plays on anyway still gets the next step from
    that moment (as the headless verifier plays it), not after its events went by."""
    panel = _open(window, "11")
    c = window.controller
    c.animate = False  # as fast as the engine goes: stop_when is asked every instant
    clock = FakeClock(c)
    c.play()
    clock.run_until(lambda: not c.playing, timeout_ms=10000)
    assert panel.next_button.isEnabled()
    done_at = c.position
    assert c.trace[done_at].kind == "RA"  # RS, then RA: done, and stopped right there
    # play on past the local BU that step 2 is about, then go on
    c.autoplay_on_action = False
    for _ in range(4):
        assert c.jump_to_next_idle()
    assert any(getattr(e, "kind", "") == "local BU" for e in c.trace[done_at:])
    _click(panel.next_button)
    assert panel.run.index == 1
    assert c.position == done_at == len(c.trace) - 1  # taken back to where step 1 was done
    assert "where step 1 was done" in panel.status.text()
    assert not panel.next_button.isEnabled()
    # End (jump to the next idle moment) stops as soon as step 2 is done
    c.jump_to_next_idle()
    assert panel.next_button.isEnabled()
    assert c.in_flight_at(c.position)  # stopped before the exchange was over


def test_closing_the_dock_closes_the_lesson(qtbot, window):
    panel = _open(window)
    c = window.controller
    assert c.stop_when == panel._stop_here
    window.lessons.dock.close()
    qtbot.waitUntil(lambda: window.lessons.panel is None, timeout=3000)
    assert c.stop_when is None
    assert "lesson" not in window.docks
    # playback is the window's own again: no pause at the end of a step
    clock = FakeClock(c)
    c.set_speed(10.0)
    c.play()
    clock.run_until(lambda: any(isinstance(e, HandoverCompleted) for e in c.trace),
                    timeout_ms=20000)
    for _ in range(3):
        clock.frame()
    assert c.playing
    c.pause()


def test_a_newer_progress_file_is_kept_and_the_window_says_so(qtbot, window, progress_dir):
    progress_dir.mkdir(parents=True, exist_ok=True)
    newer = progress_dir / "04-intra-map.json"
    newer.write_text(json.dumps({"version": 99, "lesson": "04-intra-map", "step": 5}))
    panel = _open(window)
    backup = progress_dir / "04-intra-map.json.v99.bak"
    assert json.loads(backup.read_text())["version"] == 99  # kept, not overwritten
    assert "newer hmipviz" in panel.status.text()
    assert "04-intra-map.json.v99.bak" in panel.status.text()
    assert "newer hmipviz" in window.statusBar().currentMessage()
    assert panel.run.index == 0  # the lesson starts afresh


def test_a_step_that_can_no_longer_pass_says_so_and_try_again_rewinds_it(qtbot, window):
    """Lesson 1 step 2 wants an intra-MAP handover within 150 ms: a detour outside every
    cell first makes it too slow. The panel says the step can no longer pass and why,
    pauses, and "Try this step again" takes the network back to the step's start."""
    panel = _open(window, "1")
    c = window.controller
    c.autoplay_on_action = False
    _finish_step(panel)
    _click(panel.next_button)
    assert panel.run.index == 1 and not panel.retry_button.isVisible()
    start_t = c.display_time()
    assert "0 of 2" not in panel.status.text() and "1 of 2 conditions met (50%)" in \
        panel.status.text()  # "no BU to HA" holds until one is sent
    c.move_mn(None)
    c.advance_to(c.sim.now + 1.0)
    c.move_mn("AR2")
    _settle(c, lambda: panel.retry_button.isVisible())
    text = panel.status.text()
    assert "This step can no longer pass from here" in text
    assert "Your handover took" in text and "at most 150 ms" in text
    assert not c.playing and not panel.next_button.isEnabled()
    _click(panel.retry_button)
    assert panel.run.index == 1 and not panel.retry_button.isVisible()
    assert abs(c.display_time() - start_t) < 1e-9
    assert "try it again" in panel.status.text()
    c.move_mn("AR2")
    _settle(c, lambda: panel.next_button.isEnabled())
    assert "2 of 2 conditions met (100%)" in panel.status.text()


def test_a_numeric_question_is_typed_and_graded_against_the_learners_run(qtbot, window):
    """Lesson 1 step 3: the latency of the learner's own handover, typed in the box."""
    panel = _open(window, "1")
    c = window.controller
    c.autoplay_on_action = False
    for _ in range(2):
        _finish_step(panel)
        _click(panel.next_button)
    box = panel.question_boxes["your-intra-latency"]
    assert box.number is not None and not box.buttons
    box.number.setText("80")
    _click(box.check_button)
    assert "nothing to measure yet" in box.feedback.text()
    c.move_mn("AR1")
    _settle(c, lambda: panel.next_button.isEnabled())
    own = panel.run.measured("your-intra-latency")
    box.number.setText(f"{own + 5:.1f}")
    _click(box.check_button)
    assert "Not quite" in box.feedback.text() and f"{own:.1f}" in box.feedback.text()
    box.number.setText(f"{own:.1f}".replace(".", ","))  # a decimal comma is read too
    _click(box.check_button)
    assert "Right" in box.feedback.text()


def test_the_inspector_reports_a_field_selection_to_the_lesson(qtbot, window):
    """Selecting a field in the packet inspector reaches the lesson (for
    ``field_selected`` checks), with the packet the window has selected."""
    panel = _open(window, "2")
    c = window.controller
    c.autoplay_on_action = False
    _settle(c, lambda: any(getattr(e, "kind", None) == "RA" for e in c.trace))
    ra = next(i for i, e in enumerate(c.trace) if getattr(e, "kind", None) == "RA"
              and getattr(e, "origin", False))
    c.select(ra)
    assert window.inspector.select_field("icmpv6.opt.map.distance")
    assert (ra, "icmpv6.opt.map.distance") in panel.run.selections
