"""What the lesson panel's mixins (:mod:`~hmipviz.gui.lesson_panel_ui`,
:mod:`~hmipviz.gui.lesson_status`) use of the panel they are mixed into: declared once
for the type checker, so each mixin is checked against :class:`~PySide6.QtWidgets.QWidget`
and the parts :class:`~hmipviz.gui.lesson_panel.QtLessonPanel` gives. At run time
``LessonPanelHost`` is plain ``object``: the mixins' behaviour and the panel's MRO are
unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel, QListWidgetItem, QPushButton, QWidget

    from hmipviz.gui.show_me import ShowMeRunner
    from hmipviz.lesson import Blocked, CheckResult, Lesson, LessonRun
    from hmipviz.lesson_policy import StepPolicy

    class LessonPanelHost(QWidget):
        """The lesson panel as its mixins see it (never instantiated)."""

        # given by QtLessonPanel.__init__ and load
        lesson: Lesson | None
        run: LessonRun | None
        result: CheckResult
        policy: StepPolicy
        blocked: Blocked | None
        detached: bool
        show_runner: ShowMeRunner
        controller: Any  # the window's QtController
        _acts: int  # the learner's actions so far, and the look-ahead's bookkeeping
        _blocked_t: float | None
        _blocked_ms: float
        _blocked_acts: int
        # given by LessonPanelUi._build, read by LessonStatusView
        status: QLabel
        retry_button: QPushButton
        hint_button: QPushButton
        show_button: QPushButton
        next_button: QPushButton
        start_over_action: QAction

        # slots of QtLessonPanel the widgets connect to
        def live(self) -> bool: raise NotImplementedError
        def start_over(self) -> None: raise NotImplementedError
        def _show_goals(self, on: bool) -> None: raise NotImplementedError
        def _step_activated(self, item: QListWidgetItem) -> None: raise NotImplementedError
        def retry_step(self) -> bool: raise NotImplementedError
        def show_hint(self) -> str | None: raise NotImplementedError
        def show_me(self) -> None: raise NotImplementedError
        def next_step(self) -> bool: raise NotImplementedError
        def _next_lesson(self) -> None: raise NotImplementedError
        def export_summary(self, path: str | None = None) -> object: raise NotImplementedError
        def set_seed(self, seed: int | None = None) -> bool: raise NotImplementedError
        # one mixin calls into another
        def _refresh_buttons(self) -> None: raise NotImplementedError  # LessonStatusView
else:
    LessonPanelHost = object

__all__ = ["LessonPanelHost"]
