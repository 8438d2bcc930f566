"""The lesson dock's widgets, laid out: title and menu, goals, the steps list, the
step's text, questions and hints in a scroll area, the status line and the Hint / Show
me / Next step buttons; a second page for the summary. Mixed into
:class:`hmipviz.gui.lesson_panel.QtLessonPanel`, which gives the slots."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmipviz.gui.lesson_attacker import AttackerBox, RestartBox
from hmipviz.gui.lesson_panel_host import LessonPanelHost
from hmipviz.gui.lesson_widgets import MarkdownView


class LessonPanelUi(LessonPanelHost):
    """Builds the panel's widgets (``_build``) and sizes their fonts (``_apply_fonts``)."""

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
        self.menu_button.setToolTip("Start over, export the summary, the seed")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.start_over_action = menu.addAction("Start the lesson over", self.start_over)
        self.export_action = menu.addAction("Export the summary for the teacher\u2026",
                                            self.export_summary)
        self.seed_action = menu.addAction("Seed\u2026", self.set_seed)
        self.seed_action.setVisible(False)
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

        self.step_scroll = QScrollArea()
        self.step_scroll.setWidgetResizable(True)
        self.step_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.step_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_scroll.setAccessibleName("Step")
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 4, 0)
        self.body.setSpacing(10)
        self.text = MarkdownView("Step text")
        self.body.addWidget(self.text)
        self.attacker = AttackerBox(self)  # lesson 9: the student plays EVE
        self.body.addWidget(self.attacker)
        self.restart_box = RestartBox(self)  # lesson 9: restart with ESP
        self.body.addWidget(self.restart_box)
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
        self.step_scroll.setWidget(body)
        lay.addWidget(self.step_scroll, 1)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setAccessibleName("Step status")
        self.status.setFrameShape(QFrame.Shape.StyledPanel)
        self.status.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.status)
        self.retry_button = QPushButton("Try this step again")
        self.retry_button.setAccessibleName("Try this step again")
        self.retry_button.setToolTip("Go back to the start of this step (the network "
                                     "restarts and replays the steps before it)")
        self.retry_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_BrowserReload))
        self.retry_button.clicked.connect(self.retry_step)
        self.retry_button.setVisible(False)
        lay.addWidget(self.retry_button)

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
        self.summary_view = MarkdownView("Lesson summary")
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
        self.export_button = QPushButton("Export for the teacher\u2026")
        self.export_button.setAccessibleName("Export the summary for the teacher")
        self.export_button.setToolTip("Save this summary as JSON or CSV")
        self.export_button.clicked.connect(lambda: self.export_summary())
        self.again_button = QPushButton("Start over")
        self.again_button.setAccessibleName("Start the lesson over")
        self.again_button.clicked.connect(self.start_over)
        self.next_lesson_button = QPushButton("Next lesson")
        self.next_lesson_button.setAccessibleName("Next lesson")
        self.next_lesson_button.clicked.connect(self._next_lesson)
        row.addWidget(self.review_button)
        row.addWidget(self.export_button)
        row.addWidget(self.again_button)
        row.addStretch(1)
        dl.addLayout(row)
        # on a row of its own: a long title must not widen the dock
        self.next_lesson_button.setSizePolicy(QSizePolicy.Policy.Ignored,
                                              QSizePolicy.Policy.Fixed)
        dl.addWidget(self.next_lesson_button)
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
        self._fit_steps_list()

    def _fit_steps_list(self) -> None:
        """The steps list: up to 8 rows, but 4 in a short dock (a 768-line screen), so
        that the step's text keeps room (the list scrolls to the current step)."""
        most = 8 if self.height() <= 0 or self.height() >= 760 else 4
        rows = min(most, max(3, self.steps.count()))
        fm = self.steps.fontMetrics()
        self.steps.setFixedHeight(rows * (fm.height() + 6) + 2 * self.steps.frameWidth() + 4)


__all__ = ["LessonPanelUi"]
