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

:class:`LessonHost` puts the panel in a dock of the main window and adds the Lessons menu
(the built-in lessons, Open lesson file..., Start over, Close). A lesson file that cannot
be read shows its :class:`~hmipviz.lesson.LessonError` messages in a dialog.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz import lesson_checks as lc
from hmipviz import lesson_fields as lf
from hmipviz.gui import theme
from hmipviz.gui.lesson_driver import QtLessonDriver
from hmipviz.gui.show_me import ShowMeRunner
from hmipviz.lesson import (
    BudgetExceeded,
    CheckResult,
    Feedback,
    Lesson,
    LessonError,
    LessonRun,
    ProgressStore,
    Question,
    builtin_lessons,
    load_lesson,
)

log = logging.getLogger("hmipviz.gui")

# After the learner acts (or starts the engine) in a step, the check gets this much
# simulated time before the attempt counts as wrong and the hints open.
ATTEMPT_S = 1.0

TICK, CURRENT, TODO = "\u2713", "\u25b6", "\u2022"


def default_progress_dir() -> Path:
    """Where progress is saved: the user's application data folder (Qt's standard
    location for this application), sub-folder ``progress``."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if not base:
        base = str(Path.home() / ".local" / "share" / "hmipviz")
    return Path(base) / "progress"


def _esc(text: str) -> str:
    """Text for a rich-text label (quotes stay quotes)."""
    return html.escape(text, quote=False)


def format_duration(seconds: float) -> str:
    s = int(round(max(0.0, seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def _good() -> str:
    return "#4CC37A" if theme.is_dark() else "#1B7F3B"


def _bad() -> str:
    return "#FF7A70" if theme.is_dark() else "#B3261E"


# =====================================================================================
# small widgets
# =====================================================================================
class _MarkdownView(QTextBrowser):
    """Markdown (Qt's own renderer) that is as tall as its text: it scrolls with the
    panel, not by itself."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.setOpenExternalLinks(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # see-through without a style sheet (one would freeze the font: presentation
        # mode scales the application font)
        self.viewport().setAutoFillBackground(False)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))
        self.setPalette(pal)
        self.document().setDocumentMargin(2)
        self.document().contentsChanged.connect(self._fit)

    def set_markdown(self, text: str) -> None:
        self.setMarkdown(text)
        self._fit()

    def _fit(self) -> None:
        doc = self.document()
        doc.setTextWidth(max(50, self.viewport().width()))
        h = int(doc.size().height()) + 2 * self.frameWidth() + 4
        if self.height() != h:
            self.setFixedHeight(h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._fit)  # once the document has the new font


class _ClickLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class QuestionBox(QGroupBox):
    """One question: the ask, one radio button per answer (with a label that wraps) and
    the feedback under them. ``chosen(question id, choice index)`` on each click."""

    chosen = Signal(str, int)

    def __init__(self, question: Question, number: int) -> None:
        title = f"Question {number}" + (": predict the next message"
                                        if question.is_prediction else "")
        super().__init__(title)
        self.question = question
        self.locked = False
        self.setAccessibleName(title)
        lay = QVBoxLayout(self)
        lay.setSpacing(6)
        self.ask = QLabel(_esc(question.ask))
        self.ask.setWordWrap(True)
        self.ask.setTextFormat(Qt.TextFormat.RichText)
        self.ask.setAccessibleName("Question text")
        lay.addWidget(self.ask)
        if question.is_prediction:
            note = QLabel("Pick your answer before you do the step: the engine shows the "
                          "real answer as it sends it.")
            note.setWordWrap(True)
            note.setAccessibleName("How predictions work")
            note.setStyleSheet(f"color:{theme.muted_text().name()}")
            lay.addWidget(note)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        self.labels: list[QLabel] = []
        for i, choice in enumerate(question.choices):
            row = QHBoxLayout()
            row.setSpacing(6)
            button = QRadioButton()
            text = choice.text or choice.kind or ""
            button.setAccessibleName(f"Answer: {text}")
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            label = _ClickLabel(_esc(text))
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            label.clicked.connect(button.click)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label, 1)
            lay.addLayout(row)
            self.group.addButton(button, i)
            self.buttons.append(button)
            self.labels.append(label)
        self.group.idClicked.connect(lambda i: self.chosen.emit(self.question.id, i))
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.setAccessibleName("Feedback")
        self.feedback.setVisible(False)
        lay.addWidget(self.feedback)
        self.reveal = QLabel()
        self.reveal.setWordWrap(True)
        self.reveal.setTextFormat(Qt.TextFormat.RichText)
        self.reveal.setAccessibleName("What the engine sent")
        self.reveal.setVisible(False)
        lay.addWidget(self.reveal)

    def show_feedback(self, fb: Feedback, choice: int, earlier: bool = False) -> None:
        q = self.question
        picked = q.choices[choice]
        self.buttons[choice].setChecked(True)
        if q.is_prediction:
            if fb.correct:
                head = "\u2713 Right: that is what the engine will send."
                tail = " Now do the step and watch it go."
            else:
                head = "\u2717 That is not what the engine will send."
                tail = " Do the step and watch which message it really sends."
        else:
            head = "\u2713 Right." if fb.correct else "\u2717 Not quite."
            tail = "" if fb.correct else " Try another answer to read its explanation."
        colour = _good() if fb.correct else _bad()
        before = "<i>(your earlier answer)</i> " if earlier else ""
        self.feedback.setText(
            f"{before}<b style='color:{colour}'>{_esc(head)}</b> "
            f"{_esc(picked.explain)}{_esc(tail)}")
        self.feedback.setVisible(True)

    def show_reveal(self, kind: str, answered: bool) -> None:
        """The predicted message has been shown: say what it was; lock if unanswered."""
        q = self.question
        good = next((c for c in q.choices if c.kind == kind), None)
        what = "nothing" if kind == lf.NOTHING else f"a {kind}"
        text = f"<b>The engine sent {_esc(what)}.</b>"
        if good is not None and good.explain:
            text += " " + _esc(good.explain)
        if not answered:
            text = ("<i>Too late to predict: the message is already on screen.</i> " + text)
            for b in self.buttons:
                b.setEnabled(False)
            for label in self.labels:
                label.setEnabled(False)
            self.locked = True
        self.reveal.setText(text)
        self.reveal.setVisible(True)


# =====================================================================================
# the panel
# =====================================================================================
class QtLessonPanel(QWidget):
    """See the module docstring."""

    lessonLoaded = Signal(str)  # lesson name
    stepStarted = Signal(int)
    checkChanged = Signal(bool)
    finished = Signal()
    nextLessonRequested = Signal(str)

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
        self.hints_shown: list[str] = []
        self.wrong_attempt = False
        self.detached = False
        self._busy = 0
        self._attempt_t: float | None = None
        self._step_t = 0.0
        self._revealed: set[str] = set()
        self._watches: dict[str, list] = {}  # question id -> [NextMessage, trace index]
        self._pass_at: tuple[int, object] | None = None  # (trace index, event) when done
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
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        # page 0: the lesson
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel("No lesson")
        self.title.setWordWrap(True)
        self.title.setAccessibleName("Lesson title")
        head.addWidget(self.title, 1)
        self.menu_button = QToolButton()
        self.menu_button.setText("\u22ee")
        self.menu_button.setAccessibleName("Lesson menu")
        self.menu_button.setToolTip("Start the lesson over")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.start_over_action = menu.addAction("Start the lesson over", self.start_over)
        self.menu_button.setMenu(menu)
        head.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(head)

        self.goals_button = QToolButton()
        self.goals_button.setCheckable(True)
        self.goals_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.goals_button.setArrowType(Qt.ArrowType.DownArrow)
        self.goals_button.setText("Goals")
        self.goals_button.setAutoRaise(True)
        self.goals_button.setAccessibleName("Show the learning goals")
        self.goals_button.toggled.connect(self._show_goals)
        lay.addWidget(self.goals_button)
        self.goals = QLabel()
        self.goals.setWordWrap(True)
        self.goals.setTextFormat(Qt.TextFormat.RichText)
        self.goals.setAccessibleName("Learning goals")
        lay.addWidget(self.goals)

        self.steps = QListWidget()
        self.steps.setAccessibleName("Lesson steps")
        self.steps.setToolTip("Double-click a step you have reached to go back to it "
                              "(the network restarts and replays the steps before it)")
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setWordWrap(False)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.steps.itemActivated.connect(self._step_activated)
        lay.addWidget(self.steps)

        self.step_title = QLabel()
        self.step_title.setWordWrap(True)
        self.step_title.setAccessibleName("Step title")
        lay.addWidget(self.step_title)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setAccessibleName("Step")
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 4, 0)
        self.body.setSpacing(10)
        self.text = _MarkdownView("Step text")
        self.body.addWidget(self.text)
        self.questions = QVBoxLayout()
        self.questions.setSpacing(10)
        self.body.addLayout(self.questions)
        self.hints = QLabel()
        self.hints.setWordWrap(True)
        self.hints.setTextFormat(Qt.TextFormat.RichText)
        self.hints.setAccessibleName("Hints")
        self.hints.setVisible(False)
        self.body.addWidget(self.hints)
        self.body.addStretch(1)
        self.scroll.setWidget(body)
        lay.addWidget(self.scroll, 1)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setAccessibleName("Step status")
        self.status.setFrameShape(QFrame.Shape.StyledPanel)
        self.status.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.status)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.hint_button = QPushButton("Hint")
        self.hint_button.setAccessibleName("Hint")
        self.hint_button.clicked.connect(self.show_hint)
        self.show_button = QPushButton("Show me")
        self.show_button.setAccessibleName("Show me")
        self.show_button.setToolTip("Do this step for me, in the window")
        self.show_button.clicked.connect(self.show_me)
        self.next_button = QPushButton("Next step")
        self.next_button.setAccessibleName("Next step")
        self.next_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
        self.next_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.next_button.clicked.connect(self.next_step)
        for b in (self.hint_button, self.show_button, self.next_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setAutoDefault(False)
        buttons.addWidget(self.hint_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        lay.addLayout(buttons)
        self.stack.addWidget(page)

        # page 1: the summary
        done = QWidget()
        dl = QVBoxLayout(done)
        dl.setContentsMargins(0, 0, 0, 0)
        self.summary_view = _MarkdownView("Lesson summary")
        sscroll = QScrollArea()
        sscroll.setWidgetResizable(True)
        sscroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.setContentsMargins(0, 0, 4, 0)
        hl.addWidget(self.summary_view)
        hl.addStretch(1)
        sscroll.setWidget(holder)
        dl.addWidget(sscroll, 1)
        row = QHBoxLayout()
        self.review_button = QPushButton("Review the steps")
        self.review_button.setAccessibleName("Review the steps")
        self.review_button.clicked.connect(lambda: self.stack.setCurrentIndex(0))
        self.again_button = QPushButton("Start over")
        self.again_button.setAccessibleName("Start the lesson over")
        self.again_button.clicked.connect(self.start_over)
        self.next_lesson_button = QPushButton("Next lesson")
        self.next_lesson_button.setAccessibleName("Next lesson")
        self.next_lesson_button.clicked.connect(self._next_lesson)
        row.addWidget(self.review_button)
        row.addWidget(self.again_button)
        row.addStretch(1)
        row.addWidget(self.next_lesson_button)
        dl.addLayout(row)
        self.stack.addWidget(done)
        self._apply_fonts()
        self._refresh_buttons()

    def _apply_fonts(self) -> None:
        """Fonts relative to the panel's own (which follows the application's, so
        presentation mode scales them)."""
        base = QFont(self.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        title = QFont(base)
        title.setPointSizeF(size * 1.35)
        title.setBold(True)
        self.title.setFont(title)
        step = QFont(base)
        step.setPointSizeF(size * 1.15)
        step.setBold(True)
        self.step_title.setFont(step)
        bold = QFont(base)
        bold.setBold(True)
        self.next_button.setFont(bold)
        rows = min(8, max(3, self.steps.count()))
        fm = self.steps.fontMetrics()
        self.steps.setFixedHeight(rows * (fm.height() + 6) + 2 * self.steps.frameWidth() + 4)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_fonts()
        elif event.type() == QEvent.Type.PaletteChange:
            self._refresh_status()

    # --- loading --------------------------------------------------------------------------
    def load(self, lesson: Lesson, resume: bool = True) -> None:
        """Open ``lesson`` on the window's controller (its network restarts); resume
        saved progress unless ``resume`` is False."""
        self.show_runner.cancel()
        if self.run is not None:
            self.save_progress()
        c = self.controller
        self.lesson = lesson
        self.detached = False
        self.driver = QtLessonDriver(c, lesson)
        self._busy += 1
        try:
            c.pause()
            c.load(lesson.scenario, mode=lesson.mode)
            self.run = LessonRun(lesson, self.driver)
            saved = self.store.load(lesson.name) if resume else None
            self.resumed = saved is not None and (saved.step > 0 or bool(saved.passed)
                                                  or bool(saved.answers))
            if self.resumed:
                with self.driver.replay():
                    self.run.resume(saved)
        finally:
            self._busy -= 1
        self.title.setText(_esc(lesson.title))
        self.title.setToolTip(lesson.summary)
        self.goals.setText("<ul style='margin-left:-20px'>" + "".join(
            f"<li>{_esc(g)}</li>" for g in lesson.goals) + "</ul>")
        self._fill_steps()
        self._apply_fonts()
        self._enter_step()
        if self.resumed:
            self._set_status_note(f"Welcome back: resumed at step {self.run.index + 1} "
                                  "where you left off.")
        self.lessonLoaded.emit(lesson.name)
        if self.run.finished and self.resumed:
            self.show_summary()

    def _fill_steps(self) -> None:
        self.steps.clear()
        for step in self.lesson.steps:
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
            step = self.lesson.steps[i]
            mark = TICK if i in run.passed else (CURRENT if i == run.index else TODO)
            item.setText(f"{mark}  {i + 1}. {step.title}")
            f = QFont()  # only the weight: the size follows the list's font
            if i == run.index:
                f.setBold(True)
            item.setFont(f)
            colour = theme.text_color() if i <= reach else theme.muted_text()
            if i in run.passed:
                colour = QColor(_good())
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
        return min(len(self.lesson.steps) - 1, max([run.index, *[i + 1 for i in run.passed]]))

    # --- a step ------------------------------------------------------------------------------
    def _enter_step(self) -> None:
        """Show the current step (after start_step / goto / resume)."""
        run, lesson = self.run, self.lesson
        step = run.step
        self.stack.setCurrentIndex(0)
        self.step_title.setText(_esc(
            f"Step {step.index + 1} of {len(lesson.steps)}: {step.title}"))
        text = step.text
        if step.index == 0 and lesson.intro.strip():
            text = lesson.intro.strip() + "\n\n---\n\n" + text
        self.text.set_markdown(text)
        self.goals_button.setChecked(step.index == 0)
        self._show_goals(step.index == 0)
        # questions
        while self.questions.count():
            w = self.questions.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.question_boxes.clear()
        self._revealed = set()
        self._watches = {}
        earlier = {q: c for q, c, _ok in run.progress().answers}
        for n, q in enumerate(step.questions, start=1):
            box = QuestionBox(q, n)
            box.chosen.connect(self.answer)
            self.questions.addWidget(box)
            self.question_boxes[q.id] = box
            if q.id in earlier and (not q.is_prediction or run.prediction(q.id) is not None):
                try:
                    fb = run.answer(q.id, earlier[q.id])  # not first: the score is kept
                    box.show_feedback(fb, earlier[q.id], earlier=True)
                except (KeyError, IndexError, ValueError):
                    pass
        # hints and attempts
        self.hints_shown = []
        self.hints.setVisible(False)
        self.hints.clear()
        self.wrong_attempt = False
        self._attempt_t = None
        self._pass_at = None
        self._step_t = self.controller.display_time()
        self.scroll.verticalScrollBar().setValue(0)
        self._refresh_steps()
        self.result = CheckResult(False, "")
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
        if run.can_advance() and not self.result.passed:
            self.result = CheckResult(True, self.result.detail or "done")
        self._refresh_status()
        self._refresh_buttons()
        if self.result.passed != was:
            if self.result.passed:
                c = self.controller
                if self.live() and self._pass_at is None:
                    # the moment the step was done: the next one starts from there
                    i = c.position
                    self._pass_at = (i, c.trace[i] if i >= 0 else None)
                c.pause()  # let the learner read, answer and go on
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
        if self._attempt_t is None and not self._busy and self.run is not None \
                and self.controller.display_time() > self._step_t:
            self._attempt_t = self._step_t  # the learner let the engine run on
        self.evaluate()

    def _on_action(self, _text: str) -> None:
        if not self._busy:
            self._attempt_t = self.controller.display_time()

    def _on_playing(self, playing: bool) -> None:
        if playing and self._attempt_t is None and not self._busy:
            self._attempt_t = self.controller.display_time()
        if not playing:
            self.evaluate()

    def _on_truncated(self, n: int) -> None:
        self._watches = {}  # a new branch: the watches read it again from the mark
        if self.run is not None and not self.detached:
            self.run.trace_truncated(n)

    def _on_scenario_loaded(self) -> None:
        """The network restarted: by the lesson (reset), by the learner (mode switch,
        restart: the step goes on from the new start), or another scenario was opened
        (the lesson stops following the window)."""
        self._watches = {}  # a new engine: the watches read it from the mark
        if self.run is None:
            return
        self._step_t = 0.0
        if self._busy:  # the lesson's own reset: LessonRun knows
            return
        sc = self.controller.scenario
        if sc is None or sc.name != self.lesson.scenario.name:
            self.detached = True
            self._set_status_note("Another network is open: this lesson is paused. "
                                  "Use Lessons \u25b8 Start over to go back to it.", bad=True)
            self._refresh_buttons()
            return
        self.run.trace_truncated(0)
        self._attempt_t = None

    def _watch_attempt(self) -> None:
        if self.result.passed or self.wrong_attempt or self._attempt_t is None:
            return
        c = self.controller
        limit = min(ATTEMPT_S, self.run.step.time_limit_s)
        if c.display_time() - self._attempt_t >= limit or (c.at_end() and not c.playing):
            self.wrong_attempt = True

    def _watch_predictions(self) -> None:
        """Reveal a prediction once the message it is about has been shown. Each watch
        reads the trace from where it stopped (the trace of a long step is long)."""
        run = self.run
        boxes = [b for b in self.question_boxes.values()
                 if b.question.is_prediction and b.question.id not in self._revealed]
        if not boxes:
            return
        trace = run.sim.trace
        book = lf.AddressBook(run.sim)
        for box in boxes:
            q = box.question
            watch = self._watches.get(q.id)
            if watch is None or watch[1] > len(trace):
                watch = self._watches[q.id] = [lc.NextMessage(q.predict, q.after, q.ignore),
                                               run.mark]
            seen = None
            for e in trace[watch[1]:]:
                seen = watch[0].feed(e, book)
                if seen is not None:
                    break
            watch[1] = len(trace)
            expected = run.prediction(q.id)
            if seen is None and expected == lf.NOTHING and \
                    self.controller.display_time() > self._step_t + q.within_s:
                seen = lf.NOTHING
            if seen is not None:
                self._revealed.add(q.id)
                answered = any(b.isChecked() for b in box.buttons)
                box.show_reveal(seen, answered)

    # --- status and buttons -------------------------------------------------------------
    def _refresh_status(self) -> None:
        if self.run is None or self.detached:
            return
        detail = self.result.detail
        if self.result.passed:
            what = detail[len("done: "):] if detail.startswith("done: ") else ""
            last = self.run.index + 1 >= len(self.lesson.steps)
            then = "Finish the lesson." if last else "Go on with Next step."
            text = (f"<b style='color:{_good()}'>\u2713 Done.</b> "
                    + (_esc(what[:1].upper() + what[1:]) + ". " if what else "")
                    + then)
        elif self.wrong_attempt:
            waiting = detail[len("waiting for: "):] if detail.startswith("waiting for: ") \
                else detail
            text = (f"<b style='color:{_bad()}'>Not yet.</b> The engine is still waiting "
                    f"for {_esc(waiting)}.")
            if self._hints_left():
                text += " A hint may help."
        elif not self.live():
            text = ("You are looking at the past. The step is checked on the newest "
                    "events: step forward or play to get back there.")
        else:
            text = "Do what the step says. <b>Next step</b> opens when the engine shows it done."
        self.status.setText(text)

    def _set_status_note(self, text: str, bad: bool = False) -> None:
        colour = _bad() if bad else theme.text_color().name()
        self.status.setText(f"<span style='color:{colour}'>{_esc(text)}</span>")

    def _hints_left(self) -> int:
        if self.run is None:
            return 0
        return len(self.run.step.hints) - len(self.hints_shown)

    def _refresh_buttons(self) -> None:
        run = self.run
        ok = run is not None and not self.detached
        passed = ok and run.can_advance()
        last = ok and run.index + 1 >= len(self.lesson.steps)
        self.next_button.setEnabled(bool(passed))
        self.next_button.setText("Finish" if last else "Next step")
        self.next_button.setToolTip(
            "Done: go on" if passed else "Opens once the engine shows the step done")
        left = self._hints_left() if ok else 0
        self.hint_button.setEnabled(bool(ok and self.wrong_attempt and left and not passed))
        if not ok or not run.step.hints:
            self.hint_button.setText("Hint")
            self.hint_button.setToolTip("This step has no hints; Show me does it for you")
        elif left:
            self.hint_button.setText(f"Hint ({left})")
            self.hint_button.setToolTip(
                "Reveal the next hint" if self.wrong_attempt else
                "Hints open after you have tried the step and it did not work yet")
        else:
            self.hint_button.setText("No more hints")
            self.hint_button.setToolTip("Show me does the step for you")
        showing = self.show_runner.running
        self.show_button.setEnabled(bool(ok and (not passed or showing)))
        self.show_button.setText("Stop (Esc)" if showing else "Show me")
        self.start_over_action.setEnabled(self.run is not None)

    # --- the learner's buttons --------------------------------------------------------------
    def show_hint(self) -> str | None:
        """The next hint, once an attempt went wrong (the Hint button, H in classroom
        mode); None before that or when there is none left."""
        if self.run is None or not self.wrong_attempt:
            return None
        hint = self.run.next_hint()
        if hint is None:
            self._refresh_buttons()
            return None
        self.hints_shown.append(hint)
        self.hints.setText("".join(
            f"<p><b>Hint {i}.</b> {_esc(h)}</p>"
            for i, h in enumerate(self.hints_shown, start=1)))
        self.hints.setVisible(True)
        self._refresh_buttons()
        self._refresh_status()
        self._schedule_save()
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(self.hints))
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
        self.show_runner.start(self.run, self.run.step.solution)  # may finish at once
        self._refresh_buttons()

    def cancel_show_me(self) -> bool:
        """Stop a running Show me where it is (Esc); False when none runs."""
        return self.show_runner.cancel()

    def _show_me_finished(self, outcome: str, message: str) -> None:
        self._busy = max(0, self._busy - 1)
        if self.run is None:
            return
        self._attempt_t = None
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
        if run.index + 1 >= len(self.lesson.steps):
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
            at = self._pass_at
            if at is not None and 0 <= at[0] < len(c.trace) - 1 and c.trace[at[0]] is at[1]:
                later = c.time_at(len(c.trace) - 1)
                c.seek(at[0])
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

    def goto_step(self, index: int) -> bool:
        """Go back (or on) to a step already reached: the network restarts and the
        solutions of the steps before it are replayed."""
        run = self.run
        if run is None or self.detached or not 0 <= index <= self.furthest_reachable() \
                or index == run.index:
            return False
        self.show_runner.cancel()
        note = ""
        self._busy += 1
        try:
            with self.driver.replay():
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
        if self.run is not None and i != self.run.index:
            if not self.goto_step(i):
                self._refresh_steps()

    def start_over(self) -> None:
        if self.lesson is None:
            return
        self.run = None  # nothing of the old run is saved again
        self.store_clear()
        self.load(self.lesson, resume=False)

    def store_clear(self) -> None:
        try:
            self.store.path_for(self.lesson.name).unlink(missing_ok=True)
        except OSError:
            pass

    # --- summary --------------------------------------------------------------------------------
    def show_summary(self) -> None:
        run, lesson = self.run, self.lesson
        s = run.summary()
        answers = {q: ok for q, _c, ok in run.progress().answers}
        lines = [f"## {lesson.title}: done" if run.finished else f"## {lesson.title}",
                 "",
                 f"- **Steps done:** {s.steps_passed} of {s.steps_total}",
                 f"- **Questions right at the first try:** {s.questions_right} of "
                 f"{s.questions_total}"
                 + (f" ({s.questions_answered} answered)"
                    if s.questions_answered != s.questions_total else ""),
                 f"- **Hints used:** {s.hints_used}",
                 f"- **Time taken:** {format_duration(s.elapsed_s)}",
                 "", "### Your answers", ""]
        for step in lesson.steps:
            for q in step.questions:
                mark = {True: "\u2713", False: "\u2717"}.get(answers.get(q.id), "\u2014")
                lines.append(f"- {mark} {q.ask}")
        lines += ["", "### What you learnt", ""] + [f"- {g}" for g in lesson.goals]
        self.summary_view.set_markdown("\n".join(lines))
        nxt = self._next_builtin()
        self.next_lesson_button.setVisible(nxt is not None)
        if nxt is not None:
            self.next_lesson_button.setText(f"Next lesson: {nxt[1]}")
            self.next_lesson_button.setToolTip(nxt[2])
        self.stack.setCurrentIndex(1)

    def summary_text(self) -> str:
        return self.summary_view.toPlainText()

    def _next_builtin(self) -> tuple[str, str, str] | None:
        if self.lesson is None:
            return None
        items = builtin_lessons()
        names = [n for n, _t, _s in items]
        if self.lesson.name not in names:
            return None
        i = names.index(self.lesson.name)
        return items[i + 1] if i + 1 < len(items) else None

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


# =====================================================================================
# in the main window
# =====================================================================================
class _LessonDock(QDockWidget):
    """Closing the dock (its title bar's button) closes the lesson: a hidden lesson
    must not go on pausing playback at the end of each step."""

    def __init__(self, host: "LessonHost") -> None:
        super().__init__("Lesson", host.window)
        self.host = host

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            QTimer.singleShot(0, self.host.close)


class LessonHost(QObject):
    """The Lessons menu and the lesson dock of a main window."""

    def __init__(self, window, progress_dir: str | Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.progress_dir = progress_dir
        self.panel: QtLessonPanel | None = None
        self.dock: QDockWidget | None = None
        self.menu = self._build_menu()

    def _build_menu(self) -> QMenu:
        mb = self.window.menuBar()
        menu = QMenu("&Lessons", mb)
        menu.setObjectName("lessonsMenu")
        help_action = next((a for a in mb.actions() if a.text().replace("&", "") == "Help"),
                           None)
        if help_action is not None:
            mb.insertMenu(help_action, menu)
        else:
            mb.addMenu(menu)
        try:
            items = builtin_lessons()
        except Exception as exc:  # the lessons folder is missing from this install
            items = []
            menu.addAction(f"(no built-in lessons: {exc})").setEnabled(False)
        for name, title, summary in items:
            number = name.split("-", 1)[0]
            label = f"{int(number)}. {title}" if number.isdigit() else title
            a = menu.addAction(label.replace("&", "&&"), lambda n=name: self.open(n))
            a.setToolTip(summary)
            a.setStatusTip(summary)
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        self.open_action = menu.addAction("&Open lesson file\u2026", self.open_dialog)
        self.open_action.setShortcut(QKeySequence("Ctrl+L"))
        self.window.addAction(self.open_action)  # with the menu bar hidden too
        self.start_over_action = menu.addAction("&Start the lesson over", self._start_over)
        self.close_action = menu.addAction("&Close the lesson", self.close)
        self._sync_actions()
        return menu

    def _sync_actions(self) -> None:
        on = self.panel is not None and self.panel.lesson is not None
        self.start_over_action.setEnabled(on)
        self.close_action.setEnabled(on)

    def _ensure_dock(self) -> QtLessonPanel:
        if self.panel is None:
            w = self.window
            self.panel = QtLessonPanel(w.controller, progress_dir=self.progress_dir)
            self.panel.nextLessonRequested.connect(self.open)
            dock = _LessonDock(self)
            dock.setObjectName("lessonDock")
            dock.setAccessibleName("Lesson dock")
            dock.setWidget(self.panel)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                             QDockWidget.DockWidgetFeature.DockWidgetClosable |
                             QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            # the lesson runs the window's full height, beside the bottom docks
            w.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
            w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            docks = getattr(w, "docks", None)
            if isinstance(docks, dict):
                docks["lesson"] = dock
            self.dock = dock
            self.fit_dock()
            # give the canvas back some of the width the lesson takes
            right = [d for d in (docks or {}).values()
                     if w.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea
                     and d.isVisible() and not d.isFloating()]
            if right and right[0].width() > 480:
                w.resizeDocks([right[0]], [480], Qt.Orientation.Horizontal)
        return self.panel

    def fit_dock(self) -> None:
        """About 58 characters wide (the window's font may have just been scaled)."""
        if self.dock is None:
            return
        fm = QFontMetrics(QApplication.font())
        width = max(380, min(self.window.width() * 2 // 5, fm.averageCharWidth() * 58))
        self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)

    def open(self, source) -> bool:
        """Open a lesson (a Lesson, a built-in name or number, or a file); a file that
        cannot be read shows its problems in a dialog. True when it is open."""
        if isinstance(source, Lesson):
            lesson = source
        else:
            try:
                lesson = load_lesson(source)
            except LessonError as exc:
                self._error(f"This lesson cannot be opened:\n\n{exc}",
                            "Each line names the file, the line and the problem. Fix the "
                            "file and open it again; `hmipviz check FILE` lists the same "
                            "problems.")
                return False
            except Exception as exc:  # never take the window down
                log.exception("cannot load lesson %s", source)
                self._error(f"This lesson cannot be opened: {exc}")
                return False
        try:
            panel = self._ensure_dock()
            panel.load(lesson)
        except Exception as exc:
            log.exception("cannot start lesson %s", lesson.name)
            self._error(f"Lesson {lesson.title!r} cannot start: {exc}")
            return False
        self.dock.show()
        self.dock.raise_()
        self._sync_actions()
        status = getattr(self.window, "statusBar", None)
        if status is not None:
            self.window.statusBar().showMessage(f"Lesson: {lesson.title}", 5000)
        return True

    def open_dialog(self) -> None:
        from hmipviz.resources import lessons_dir
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", str(lessons_dir()),
                                              "Lesson files (*.md);;All files (*)")
        if path:
            self.open(path)

    def _start_over(self) -> None:
        if self.panel is not None:
            self.panel.start_over()

    def close(self) -> None:
        if self.panel is None or self.dock is None:
            return
        self.panel.save_progress()
        if self.window.controller.stop_when == self.panel._stop_here:
            self.window.controller.stop_when = None
        self.dock.hide()
        self.window.removeDockWidget(self.dock)
        docks = getattr(self.window, "docks", None)
        if isinstance(docks, dict):
            docks.pop("lesson", None)
        self.dock.deleteLater()
        self.panel = None
        self.dock = None
        self._sync_actions()

    def _error(self, message: str, what_next: str = "") -> None:
        show = getattr(self.window, "show_error", None)
        if show is not None:
            show(message, what_next)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "hmipviz", message, parent=self.window)
        if what_next:
            box.setInformativeText(what_next)
        box.setAccessibleName("Error dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()


__all__ = ["QtLessonPanel", "LessonHost", "QuestionBox", "default_progress_dir",
           "format_duration", "ATTEMPT_S"]
