"""The lesson player: a dock that walks the learner through a lesson on the live window.

``QtLessonPanel(controller)`` plays a :class:`hmipviz.lesson.Lesson` through a
:class:`~hmipviz.lesson.LessonRun` whose driver is the window's controller
(:class:`~hmipviz.gui.lesson_driver.QtLessonDriver`), so the learner's drags, steps and
plays are what the checks see. It shows:

- the lesson's title and goals, and the list of steps with a tick for each one done;
- the current step's text, rendered by Qt's own Markdown (``QTextBrowser.setMarkdown``);
- the step's questions: multiple choice with an explanation for each answer, and
  "predict the next message", which the learner answers before the engine shows the
  message (once the message has been shown on screen, it can no longer be answered);
- a status line saying what the check is waiting for, a **Hint** button that opens after
  a wrong attempt (the learner acted or played, the engine ran on for a second of
  simulated time, and the check still does not hold), **Show me** (the step's solution,
  played in the window), and **Next**, enabled only once the step's check holds;
- at the end, a summary: steps done, questions right at the first try, hints, time.

The check is evaluated whenever the controller shows a new event (``positionChanged``,
``traceExtended``), but only while the screen shows the newest event: a check never
passes on something the learner has not seen yet, nor while they look at the past.

Progress is saved per user (``QStandardPaths.AppDataLocation``/progress, one JSON file per
lesson, written atomically by :class:`~hmipviz.lesson.ProgressStore`) after every step,
answer and hint, and resumed the next time the lesson is opened.

The teaching rules (attempts, hints, predictions, buttons, the summary) are decided in
:mod:`hmipviz.lesson_policy` (no Qt); the widgets are laid out in
:mod:`hmipviz.gui.lesson_panel_ui` and :mod:`hmipviz.gui.lesson_widgets`, the status line
and buttons rendered in :mod:`hmipviz.gui.lesson_status`;
:class:`~hmipviz.gui.lesson_host.LessonHost` puts the panel in a dock of the main window
and adds the Lessons menu.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QListWidgetItem, QWidget

from hmipviz import lesson_policy
from hmipviz.gui import lesson_predict_ui, lesson_summary_ui, theme
from hmipviz.gui.lesson_driver import QtLessonDriver
from hmipviz.gui.lesson_panel_ui import LessonPanelUi
from hmipviz.gui.lesson_status import LessonStatusView
from hmipviz.gui.lesson_widgets import QuestionBox, esc, good_colour
from hmipviz.gui.show_me import ShowMeRunner
from hmipviz.lesson import (
    Blocked,
    BudgetExceeded,
    CheckResult,
    Feedback,
    Lesson,
    LessonRun,
    ProgressStore,
    builtin_lessons,
)
from hmipviz.lesson_policy import ATTEMPT_S, StepPolicy, format_duration

log = logging.getLogger("hmipviz.gui")


def default_progress_dir() -> Path:
    """Where progress is saved: the user's application data folder (Qt's standard
    location for this application), sub-folder ``progress``."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = str(Path.home() / ".local" / "share" / "hmipviz")
    return Path(base) / "progress"


class QtLessonPanel(LessonPanelUi, LessonStatusView, QWidget):
    """See the module docstring."""

    lessonLoaded = Signal(str)  # lesson name
    stepStarted = Signal(int)
    checkChanged = Signal(bool)
    finished = Signal()
    nextLessonRequested = Signal(str)
    #: the progress store set a file aside or could not (a newer hmipviz wrote it)
    progressWarning = Signal(str)

    def __init__(self, controller, lesson: Lesson | None = None, *,
                 progress_dir: str | Path | None = None, resume: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("lessonPanel")
        self.setAccessibleName("Lesson panel")
        self.store = ProgressStore(progress_dir if progress_dir is not None
                                   else default_progress_dir())
        self.lesson: Lesson | None = None
        self.run: LessonRun | None = None
        self.driver: QtLessonDriver | None = None
        self.result = CheckResult(False, "")
        self.question_boxes: dict[str, QuestionBox] = {}
        self.policy = StepPolicy()  # attempts, hints, predictions of the current step
        self.blocked: Blocked | None = None  # why the step can no longer pass, if so
        self._blocked_t: float | None = None  # display time of the last look-ahead
        self._blocked_ms = 0.0  # and the playback clock's time then (wall ms on screen)
        self._acts = 0  # the learner's actions so far (a new one calls for a look-ahead)
        self._blocked_acts = -1  # ... and how many there were at the last look-ahead
        self.detached = False
        self._busy = 0
        self.show_runner = ShowMeRunner(self)
        self.show_runner.finished.connect(self._show_me_finished)
        self._build()
        c = controller
        c.positionChanged.connect(self._on_engine)  # checks only run when it is live
        c.traceTruncated.connect(self._on_truncated)
        c.scenarioLoaded.connect(self._on_scenario_loaded)
        c.actionApplied.connect(self._on_action)
        c.playingChanged.connect(self._on_playing)
        c.stop_when = self._stop_here
        self._save_timer = QTimer(self, singleShot=True, interval=300)
        self._save_timer.timeout.connect(self.save_progress)
        if lesson is not None:
            self.load(lesson, resume=resume)

    # --- widgets ------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if (event.size().height() >= 760) != (event.oldSize().height() >= 760):
            self._fit_steps_list()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
        elif event.type() == QEvent.Type.PaletteChange:
            self._refresh_status()

    @property
    def wrong_attempt(self) -> bool:
        return self.policy.wrong_attempt

    @property
    def hints_shown(self) -> list[str]:
        return self.policy.hints_shown

    # --- loading --------------------------------------------------------------------------
    def load(self, lesson: Lesson, resume: bool = True) -> None:
        """Open ``lesson`` on the window's controller (its network restarts); resume
        saved progress unless ``resume`` is False."""
        self.show_runner.cancel()
        if self.run is not None:
            self.save_progress()
        c = self.controller
        saved = self.store.load(lesson.name) if resume else None
        lesson, saved = lesson_summary_ui.choose_seed(lesson, saved)
        self.lesson = lesson
        self.detached = False
        self.driver = QtLessonDriver(c, lesson)
        self._busy += 1
        try:
            c.pause()
            c.load(lesson.scenario, mode=lesson.mode)
            self.run = LessonRun(lesson, self.driver)
            self.resumed = saved is not None and (saved.step > 0 or bool(saved.passed)
                                                  or bool(saved.answers))
            if saved is not None and self.resumed:
                with self.driver.replay():
                    self.run.resume(saved)
        finally:
            self._busy -= 1
        self.title.setText(esc(lesson.title))
        self.title.setToolTip(lesson.summary + (f"\nSeed: {lesson.seed}"
                                                if lesson.variations else ""))
        self.seed_action.setVisible(bool(lesson.variations))
        self.seed_action.setText(f"Seed {lesson.seed}: change\u2026")
        self.goals.setText("<ul style='margin-left:-20px'>" + "".join(
            f"<li>{esc(g)}</li>" for g in lesson.goals) + "</ul>")
        self._fill_steps(lesson)
        self._apply_fonts()
        self._enter_step()
        if self.resumed:
            self._set_status_note(f"Welcome back: resumed at step {self.run.index + 1} "
                                  "where you left off.")
        self._show_store_warnings()
        self.lessonLoaded.emit(lesson.name)
        if self.run.finished and self.resumed:
            self.show_summary()

    def _fill_steps(self, lesson: Lesson) -> None:
        self.steps.clear()
        for step in lesson.steps:
            item = QListWidgetItem(f"{step.index + 1}. {step.title}")
            item.setToolTip(step.title)
            self.steps.addItem(item)
        self._refresh_steps()

    def _refresh_steps(self) -> None:
        run = self.run
        if run is None:
            return
        reach = self.furthest_reachable()
        for i in range(self.steps.count()):
            item = self.steps.item(i)
            step = run.lesson.steps[i]
            mark = lesson_policy.step_mark(i, run.index, run.passed)
            item.setText(f"{mark}  {i + 1}. {step.title}")
            f = QFont()  # only the weight: the size follows the list's font
            if i == run.index:
                f.setBold(True)
            item.setFont(f)
            colour = theme.text_color() if i <= reach else theme.muted_text()
            if i in run.passed:
                colour = QColor(good_colour())
            item.setForeground(colour)
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"step {i + 1}, {step.title}, "
                         + ("done" if i in run.passed else
                            "current" if i == run.index else "not reached"))
        self.steps.setCurrentRow(run.index)
        self.steps.scrollToItem(self.steps.item(run.index))

    def furthest_reachable(self) -> int:
        run = self.run
        if run is None:
            return -1
        return lesson_policy.furthest_reachable(len(run.lesson.steps), run.index, run.passed)

    # --- a step ------------------------------------------------------------------------------
    def _enter_step(self) -> None:
        """Show the current step (after start_step / goto / resume)."""
        run = self.run
        assert run is not None, "a step is entered only with a lesson open"
        lesson = run.lesson
        step = run.step
        self.stack.setCurrentIndex(0)
        self.step_title.setText(esc(
            f"Step {step.index + 1} of {len(lesson.steps)}: {step.title}"))
        text = step.text
        if step.index == 0 and lesson.intro.strip():
            text = lesson.intro.strip() + "\n\n---\n\n" + text
        self.text.set_markdown(text)
        self.goals_button.setChecked(step.index == 0)
        self._show_goals(step.index == 0)
        # questions
        while self.questions.count():
            item = self.questions.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()  # at once: deleteLater waits for the event loop
                w.deleteLater()
        self.question_boxes.clear()
        self.policy = StepPolicy(step_t=self.controller.display_time())
        earlier = {q: c for q, c, _ok in run.progress().answers}
        for n, q in enumerate(step.questions, start=1):
            box = QuestionBox(q, n)
            box.chosen.connect(self.answer)
            box.numberEntered.connect(self.answer_number)
            box.committed.connect(self.commit_prediction)
            self.questions.addWidget(box)
            self.question_boxes[q.id] = box
            if q.is_prediction:
                lesson_predict_ui.show_state(box, run, earlier)
            elif q.id in earlier and not q.is_numeric:
                try:
                    fb = run.answer(q.id, earlier[q.id])  # not first: the score is kept
                    box.show_feedback(fb, earlier[q.id], earlier=True)
                except (KeyError, IndexError, ValueError):
                    pass
        self.hints.setVisible(False)
        self.hints.clear()
        self.attacker.configure(run)  # shown on a step where the student attacks
        self.restart_box.configure(run)  # ... or restarts with another security
        self.step_scroll.verticalScrollBar().setValue(0)
        self._refresh_steps()
        self.result = CheckResult(False, "")
        self.blocked = None
        self._blocked_t = None
        self.evaluate()
        self.stepStarted.emit(step.index)

    def _show_goals(self, on: bool) -> None:
        self.goals.setVisible(on)
        self.goals_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    # --- following the engine ------------------------------------------------------------
    def live(self) -> bool:
        """The screen shows the newest event (checks are only evaluated then)."""
        c = self.controller
        return c.position == len(c.trace) - 1

    def evaluate(self) -> CheckResult:
        """Evaluate the current step's check now (when the screen is live)."""
        run = self.run
        if run is None or self.detached or self._busy:
            return self.result
        was = self.result.passed
        if self.live():
            try:
                self.result = run.check()
            except Exception as exc:  # a check must never take the window down
                log.exception("lesson check failed")
                self.result = CheckResult(False, f"the check could not be evaluated: {exc}")
            self._watch_predictions()
            self._watch_attempt()
            self._watch_blocked()
        if run.can_advance() and not self.result.passed:
            self.result = CheckResult(True, self.result.detail or "done")
        self._refresh_status()
        self._refresh_buttons()
        if self.result.passed != was:
            if self.result.passed:
                c = self.controller
                if self.live():
                    # the moment the step was done: the next one starts from there
                    i = c.position
                    self.policy.done_at(i, c.trace[i] if i >= 0 else None)
                c.pause()  # let the learner read, answer and go on
                if run.pending_predictions():  # its message comes after the step
                    self._set_status_note("Done. Play on to see the message you "
                                          "predicted, or go on: Next step grades it.")
                self._refresh_steps()
                self._schedule_save()
            self.checkChanged.emit(self.result.passed)
        return self.result

    def _stop_here(self) -> bool:
        """Asked by the controller after each instant of a fast run (jump to the next
        idle moment, playback without animation): stop at the instant the step is done."""
        run = self.run
        if run is None or self.detached or self._busy or run.can_advance() or not self.live():
            return False
        try:
            return run.check().passed
        except Exception:
            return False

    def _on_engine(self, *_args) -> None:
        if not self._busy and self.run is not None:
            self.policy.engine_moved(self.controller.display_time())
        self.evaluate()

    def _on_action(self, _text: str) -> None:
        if not self._busy:
            self.policy.acted(self.controller.display_time())
            self._acts += 1  # a look-ahead is due again

    def _on_playing(self, playing: bool) -> None:
        if playing and not self._busy:
            self.policy.started_playing(self.controller.display_time())
        if not playing:
            self.evaluate()

    def _on_truncated(self, n: int) -> None:
        self.policy.forget_watches()  # a new branch: read it again from the mark
        if self.run is not None and not self.detached:
            self.run.trace_truncated(n)

    def _on_scenario_loaded(self) -> None:
        """The network restarted: by the lesson (reset), by the learner (mode switch,
        restart: the step goes on from the new start), or another scenario was opened
        (the lesson stops following the window)."""
        self.policy.forget_watches()  # a new engine: read it from the mark
        if self.run is None:
            return
        self.policy.step_t = 0.0
        if self._busy:  # the lesson's own reset: LessonRun knows
            return
        sc = self.controller.scenario
        if sc is None or sc.name != self.run.lesson.scenario.name:
            self.detached = True
            self._set_status_note("Another network is open: this lesson is paused. "
                                  "Use Lessons \u25b8 Start over to go back to it.", bad=True)
            self._refresh_buttons()
            return
        self.run.trace_truncated(0)
        self.policy.forget_attempt()

    def _watch_attempt(self) -> None:
        c, run = self.controller, self.run
        assert run is not None, "watched only by evaluate, with a lesson open"
        self.policy.watch_attempt(self.result.passed, c.display_time(),
                                  run.step.time_limit_s, c.at_end(), c.playing)

    def retry_step(self) -> bool:
        """Try this step again: back to its start (the network restarts and the earlier
        steps' solutions are replayed)."""
        run, driver = self.run, self.driver
        if run is None or driver is None or self.detached:
            return False
        self.show_runner.cancel()
        note = ""
        self._busy += 1
        try:
            with driver.replay():
                run.retry()
        except BudgetExceeded as exc:
            note = f"Replaying the earlier steps stopped: {exc}"
        finally:
            self._busy -= 1
        self._enter_step()
        self._set_status_note(note or "Back at the start of this step: try it again.",
                              bad=bool(note))
        self.save_progress()
        return True

    def _watch_predictions(self) -> None:
        """Reveal a prediction once the message it is about is on screen (evaluate
        runs only while the newest event is shown)."""
        if self.run is not None:
            self.run.watch_predictions(self.controller.position + 1)
            new = lesson_predict_ui.reveal_boxes(self.question_boxes, self.run)
            if new and self.run.can_advance():
                self.controller.pause()  # played on past the step to see it: stop here

    def commit_prediction(self, question_id: str, choice: int) -> bool:
        """Lock in the learner's prediction (one attempt) before the engine moves."""
        return lesson_predict_ui.commit(self, question_id, choice)

    # --- the learner's buttons --------------------------------------------------------------
    def show_hint(self) -> str | None:
        """The next hint, once an attempt went wrong (the Hint button, H in classroom
        mode); None before that or when there is none left."""
        if self.run is None or not self.policy.may_hint():
            return None
        hint = self.run.next_hint()
        if hint is None:
            self._refresh_buttons()
            return None
        self.hints_shown.append(hint)
        self.hints.setText("".join(
            f"<p><b>Hint {i}.</b> {esc(h)}</p>"
            for i, h in enumerate(self.hints_shown, start=1)))
        self.hints.setVisible(True)
        self._refresh_buttons()
        self._refresh_status()
        self._schedule_save()
        QTimer.singleShot(0, lambda: self.step_scroll.ensureWidgetVisible(self.hints))
        return hint

    def show_me(self) -> None:
        """Apply the step's solution in the window and let it play. The solution runs
        from the event loop (:mod:`hmipviz.gui.show_me`): Esc or the button stops it."""
        if self.run is None or self.detached:
            return
        if self.show_runner.running:
            self.cancel_show_me()
            return
        c = self.controller
        c.pause()
        if not self.live():
            c.seek(len(c.trace) - 1)
        self._busy += 1
        self._set_status_note("Show me is doing the step\u2026 (Esc stops it)")
        self.run.note_show_me()  # the summary says which steps Show me did
        self.show_runner.start(self.run, self.run.step.solution)  # may finish at once
        self._refresh_buttons()

    def cancel_show_me(self) -> bool:
        """Stop a running Show me where it is (Esc); False when none runs."""
        return self.show_runner.cancel()

    def _show_me_finished(self, outcome: str, message: str) -> None:
        self._busy = max(0, self._busy - 1)
        if self.run is None:
            return
        self.policy.forget_attempt()
        self.evaluate()
        self._refresh_buttons()
        if outcome == "done":
            c = self.controller
            if not self.result.passed and not c.playing:
                c.play()
            return
        if outcome == "failed":
            log.warning("%s", message)
        self._set_status_note(message, bad=outcome != "cancelled")

    def next_step(self) -> bool:
        run = self.run
        if run is None or self.detached or not run.can_advance():
            return False  # detached: the window shows another network (soak finding)
        self.show_runner.cancel()
        if run.index + 1 >= len(run.lesson.steps):
            run.finish()  # the clock stops at Finish
            self.save_progress()
            self.show_summary()
            self.finished.emit()
            return True
        c = self.controller
        note = ""
        self._busy += 1
        try:
            # the next step begins where this one was done, as it does headless: what
            # was played (or done) after that moment is taken back
            at = self.policy.next_step_start(c.trace)
            if at is not None:
                later = c.time_at(len(c.trace) - 1)
                c.seek(at)
                c.discard_future()
                if later - c.display_time() > 1e-6:
                    note = (f"Step {run.index + 2} begins at t = {c.display_time():.3f} s, "
                            f"where step {run.index + 1} was done.")
            elif not self.live():
                c.seek(len(c.trace) - 1)
            run.advance()
        except BudgetExceeded as exc:  # a set-up that asks for an endless run
            note = f"The step's set-up stopped: {exc}"
        finally:
            self._busy -= 1
        self._enter_step()
        if note:
            self._set_status_note(note)
        self.save_progress()
        return True

    def answer(self, question_id: str, choice: int) -> Feedback | None:
        run = self.run
        box = self.question_boxes.get(question_id)
        if run is None or box is None or box.locked:
            return None
        try:
            fb = run.answer(question_id, choice)
        except (KeyError, IndexError, ValueError) as exc:
            log.warning("cannot grade %s: %s", question_id, exc)
            return None
        box.show_feedback(fb, choice)
        self._schedule_save()
        return fb

    def field_selected(self, key: str, *_range) -> None:
        """The learner selected a field in the packet inspector (of the packet the
        window has selected): a ``field_selected`` check may be waiting for it."""
        run, c = self.run, self.controller
        if run is None or self.detached or self._busy or c.selected < 0:
            return
        run.select_field(c.selected, key)
        self.evaluate()

    def answer_number(self, question_id: str, value: float) -> Feedback | None:
        """Grade a number the learner read off their own run (a numeric question)."""
        run = self.run
        box = self.question_boxes.get(question_id)
        if run is None or box is None:
            return None
        try:
            fb = run.answer_number(question_id, value)
        except (KeyError, ValueError) as exc:
            log.warning("cannot grade %s: %s", question_id, exc)
            return None
        box.show_number_feedback(fb)
        self._schedule_save()
        return fb

    def goto_step(self, index: int) -> bool:
        """Go back (or on) to a step already reached: the network restarts and the
        solutions of the steps before it are replayed."""
        run, driver = self.run, self.driver
        if run is None or driver is None or self.detached \
                or not 0 <= index <= self.furthest_reachable() or index == run.index:
            return False
        self.show_runner.cancel()
        note = ""
        self._busy += 1
        try:
            with driver.replay():
                run.goto(index)
        except BudgetExceeded as exc:  # an earlier step's solution asks for an endless run
            note = f"Replaying the earlier steps stopped: {exc}"
        finally:
            self._busy -= 1
        self._enter_step()
        if note:
            self._set_status_note(note, bad=True)
        self.save_progress()
        return True

    def _step_activated(self, item: QListWidgetItem) -> None:
        i = self.steps.row(item)
        if self.run is not None and i != self.run.index and not self.goto_step(i):
            self._refresh_steps()

    def start_over(self) -> None:
        if self.lesson is None:
            return
        self.run = None  # nothing of the old run is saved again
        self.store_clear()
        self.load(self.lesson, resume=False)

    def store_clear(self) -> None:
        if self.lesson is None:
            return
        with contextlib.suppress(OSError):
            self.store.path_for(self.lesson.name).unlink(missing_ok=True)

    # --- summary --------------------------------------------------------------------------------
    def show_summary(self) -> None:
        self.summary_view.set_markdown(lesson_policy.summary_markdown(self.lesson, self.run))
        nxt = self._next_builtin()
        self.next_lesson_button.setVisible(nxt is not None)
        if nxt is not None:
            # elided: a long title would widen the dock, and the window with it, past a
            # 1024-pixel screen (and keep it so for the next lessons)
            fm = self.next_lesson_button.fontMetrics()
            title = fm.elidedText(nxt[1], Qt.TextElideMode.ElideRight,
                                  fm.averageCharWidth() * 36)
            self.next_lesson_button.setText(f"Next lesson: {title}")
            self.next_lesson_button.setToolTip(f"{nxt[1]}: {nxt[2]}")
        self.stack.setCurrentIndex(1)

    def export_summary(self, path: str | Path | None = None) -> Path | None:
        """Save the teacher's summary (JSON or CSV): to ``path``, or where the save
        dialog says (its folder is remembered)."""
        if path is not None:
            return lesson_summary_ui.export_to(self, path)
        return lesson_summary_ui.export_dialog(self)

    def set_seed(self, seed: int | None = None) -> bool:
        """Restart the lesson on the network of another student seed (asked for when
        None); the progress made with the old seed is set aside."""
        if self.lesson is None or not self.lesson.variations:
            return False
        if seed is None:
            seed = lesson_summary_ui.seed_dialog(self, self.lesson)
            if seed is None:
                return False
        from hmipviz.lesson.variation import with_seed
        self.run = None
        self.store_clear()
        self.load(with_seed(self.lesson, seed), resume=False)
        return True

    def summary_text(self) -> str:
        return self.summary_view.toPlainText()

    def _next_builtin(self) -> tuple[str, str, str] | None:
        if self.lesson is None:
            return None
        return lesson_policy.next_builtin(self.lesson.name, builtin_lessons())

    def _next_lesson(self) -> None:
        nxt = self._next_builtin()
        if nxt is not None:
            self.nextLessonRequested.emit(nxt[0])

    # --- progress --------------------------------------------------------------------------------
    def _schedule_save(self) -> None:
        self._save_timer.start()

    def save_progress(self) -> bool:
        if self.run is None:
            return False
        try:
            self.store.save(self.run.progress())
            return True
        except OSError as exc:
            log.warning("cannot save lesson progress: %s", exc)
            return False
        finally:
            self._show_store_warnings()

    def _show_store_warnings(self) -> None:
        """Say in the panel (and through ``progressWarning``, in the status bar) what
        the store did with a progress file it could not read: the student would
        otherwise only see the lesson start afresh."""
        while self.store.warnings:
            text = self.store.warnings.pop(0)
            self._set_status_note(text[:1].upper() + text[1:] + ".", bad=True)
            self.progressWarning.emit(text)


__all__ = ["QtLessonPanel", "QuestionBox", "default_progress_dir", "format_duration",
           "ATTEMPT_S"]
