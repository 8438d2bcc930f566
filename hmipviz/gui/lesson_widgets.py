"""The lesson dock's small widgets: Markdown that is as tall as its text, a clickable
label, and one question box (multiple choice or a prediction) with its feedback."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
)
from shiboken6 import isValid as shiboken_valid

from hmipviz.gui import theme
from hmipviz.lesson import Feedback, Question


def esc(text: str) -> str:
    """Text for a rich-text label (quotes stay quotes)."""
    return html.escape(text, quote=False)


def good_colour() -> str:
    return "#4CC37A" if theme.is_dark() else "#1B7F3B"


def bad_colour() -> str:
    return "#FF7A70" if theme.is_dark() else "#B3261E"


class MarkdownView(QTextBrowser):
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
        if not shiboken_valid(self):
            # the document can signal a change while its view is being destroyed
            # (a lesson step's widgets torn down; seen in the 30-minute soak)
            return
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


class ClickLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class QuestionBox(QGroupBox):
    """One question: the ask, one radio button per answer (with a label that wraps) and
    the feedback under them. ``chosen(question id, choice index)`` on each click."""

    chosen = Signal(str, int)
    numberEntered = Signal(str, float)  # a numeric question: (question id, the number)
    committed = Signal(str, int)  # a prediction locked in: (question id, choice index)

    def __init__(self, question: Question, number: int) -> None:
        title = f"Question {number}" + (": predict the next message"
                                        if question.is_prediction else "")
        super().__init__(title)
        self.question = question
        self.locked = False
        self.setAccessibleName(title)
        lay = QVBoxLayout(self)
        lay.setSpacing(6)
        self.ask = QLabel(esc(question.ask))
        self.ask.setWordWrap(True)
        self.ask.setTextFormat(Qt.TextFormat.RichText)
        self.ask.setAccessibleName("Question text")
        lay.addWidget(self.ask)
        self.lock_button: QPushButton | None = None
        if question.is_prediction:
            note = QLabel("Predict before you act: pick an answer and lock it in (one "
                          "attempt). Your own run gives the answer when the message is "
                          "on screen.")
            note.setWordWrap(True)
            note.setAccessibleName("How predictions work")
            note.setStyleSheet(f"color:{theme.muted_text().name()}")
            lay.addWidget(note)
        self.group = QButtonGroup(self)
        self.buttons: list[QRadioButton] = []
        self.labels: list[QLabel] = []
        self.number: QLineEdit | None = None
        if question.is_numeric:
            row = QHBoxLayout()
            self.number = QLineEdit()
            self.number.setAccessibleName("Your number")
            self.number.setPlaceholderText("a number from your own run")
            self.check_button = QPushButton("Check")
            self.check_button.setAccessibleName("Check the number")
            self.check_button.setAutoDefault(False)
            self.check_button.clicked.connect(self._enter_number)
            self.number.returnPressed.connect(self._enter_number)
            row.addWidget(self.number, 1)
            row.addWidget(self.check_button)
            lay.addLayout(row)
        for i, choice in enumerate(question.choices):
            row = QHBoxLayout()
            row.setSpacing(6)
            button = QRadioButton()
            text = choice.text or choice.kind or ""
            button.setAccessibleName(f"Answer: {text}")
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            label = ClickLabel(esc(text))
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
        self.group.idClicked.connect(self._clicked)
        if question.is_prediction:
            self.lock_button = QPushButton("Lock in my prediction")
            self.lock_button.setAccessibleName("Lock in my prediction")
            self.lock_button.setAutoDefault(False)
            self.lock_button.setEnabled(False)
            self.lock_button.clicked.connect(self._commit)
            lay.addWidget(self.lock_button, 0, Qt.AlignmentFlag.AlignLeft)
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

    def _clicked(self, i: int) -> None:
        if self.question.is_prediction:
            if self.lock_button is not None and not self.locked:
                self.lock_button.setEnabled(True)
            return
        self.chosen.emit(self.question.id, i)

    def _commit(self) -> None:
        i = self.group.checkedId()
        if i >= 0 and not self.locked:
            self.committed.emit(self.question.id, i)

    def lock(self) -> None:
        """No more answers: the choices and the lock button are disabled."""
        self.locked = True
        for b in self.buttons:
            b.setEnabled(False)
        for label in self.labels:
            label.setEnabled(False)
        if self.lock_button is not None:
            self.lock_button.setEnabled(False)
            self.lock_button.setVisible(False)

    def show_locked(self, choice: int, earlier: bool = False) -> None:
        """The prediction is committed: it cannot change; the answer comes later."""
        self.buttons[choice].setChecked(True)
        self.lock()
        text = self.question.choices[choice].text or self.question.choices[choice].kind or ""
        before = "<i>(your earlier prediction)</i> " if earlier else ""
        self.feedback.setText(f"{before}<b>Locked in: {esc(text)}.</b> Now do the "
                              "step: the answer comes from your own run, when the message "
                              "is on screen.")
        self.feedback.setVisible(True)

    def show_graded(self, choice: int | None, correct: bool, headline: str,
                    explanation: str) -> None:
        """The predicted message is on screen: right or not, what the run sent, why."""
        if choice is None:
            self.feedback.setText("<i>Too late to predict: the message is already on "
                                  "screen.</i>")
            self.feedback.setVisible(True)
        else:
            self.buttons[choice].setChecked(True)
            head = "\u2713 Right." if correct else "\u2717 Not what your run did."
            colour = good_colour() if correct else bad_colour()
            self.feedback.setText(f"<b style='color:{colour}'>{head}</b> You predicted "
                                  f"{esc(self.question.choices[choice].text)}.")
            self.feedback.setVisible(True)
        self.lock()
        self.reveal.setText(f"<b>{esc(headline)}</b> {esc(explanation)}")
        self.reveal.setVisible(True)

    def _enter_number(self) -> None:
        text = self.number.text().strip().replace(",", ".") if self.number else ""
        try:
            value = float(text)
        except ValueError:
            self.feedback.setText("Type a number, e.g. 84.5.")
            self.feedback.setVisible(True)
            return
        self.numberEntered.emit(self.question.id, value)

    def show_number_feedback(self, fb: Feedback) -> None:
        """Right or not against the learner's own run; the engine's figure once tried."""
        if not fb.answer:  # nothing to measure yet
            self.feedback.setText(esc(fb.explanation))
        else:
            tol = self.question.tolerance
            head = "\u2713 Right." if fb.correct else "\u2717 Not quite."
            colour = good_colour() if fb.correct else bad_colour()
            self.feedback.setText(
                f"<b style='color:{colour}'>{head}</b> Your run measured "
                f"<b>{esc(fb.answer)}</b> (answers within {tol:g} count). "
                f"{esc(fb.explanation)}")
        self.feedback.setVisible(True)

    def show_feedback(self, fb: Feedback, choice: int, earlier: bool = False) -> None:
        q = self.question
        picked = q.choices[choice]
        self.buttons[choice].setChecked(True)
        head = "\u2713 Right." if fb.correct else "\u2717 Not quite."
        tail = "" if fb.correct else " Try another answer to read its explanation."
        colour = good_colour() if fb.correct else bad_colour()
        before = "<i>(your earlier answer)</i> " if earlier else ""
        self.feedback.setText(
            f"{before}<b style='color:{colour}'>{esc(head)}</b> "
            f"{esc(picked.explain)}{esc(tail)}")
        self.feedback.setVisible(True)


__all__ = ["MarkdownView", "ClickLabel", "QuestionBox", "esc", "good_colour", "bad_colour"]
