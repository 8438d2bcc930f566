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

from hmipviz import lesson_fields as lf
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
        colour = good_colour() if fb.correct else bad_colour()
        before = "<i>(your earlier answer)</i> " if earlier else ""
        self.feedback.setText(
            f"{before}<b style='color:{colour}'>{esc(head)}</b> "
            f"{esc(picked.explain)}{esc(tail)}")
        self.feedback.setVisible(True)

    def show_reveal(self, kind: str, answered: bool) -> None:
        """The predicted message has been shown: say what it was; lock if unanswered."""
        q = self.question
        good = next((c for c in q.choices if c.kind == kind), None)
        what = "nothing" if kind == lf.NOTHING else f"a {kind}"
        text = f"<b>The engine sent {esc(what)}.</b>"
        if good is not None and good.explain:
            text += " " + esc(good.explain)
        if not answered:
            text = ("<i>Too late to predict: the message is already on screen.</i> " + text)
            for b in self.buttons:
                b.setEnabled(False)
            for label in self.labels:
                label.setEnabled(False)
            self.locked = True
        self.reveal.setText(text)
        self.reveal.setVisible(True)


__all__ = ["MarkdownView", "ClickLabel", "QuestionBox", "esc", "good_colour", "bad_colour"]
