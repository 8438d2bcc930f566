"""File > Open: the built-in scenarios with what each will do (its ``description``),
and a button for a scenario file (issue 13: say what the scenario will do)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

from hmipviz.gui import theme


class OpenScenarioDialog(QDialog):
    """Pick a built-in (its description beside the list) or browse for a file:
    ``chosen`` is the built-in's name, or "" when the user asked for a file."""

    def __init__(self, builtins: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open scenario")
        self.setAccessibleName("Open scenario dialog")
        self.builtins = builtins
        self.chosen: str | None = None
        self.list = QListWidget()
        self.list.setAccessibleName("Built-in scenarios")
        for name, description in builtins.items():
            item = QListWidgetItem(name)
            first = description.strip().splitlines()[0] if description.strip() else ""
            item.setToolTip(first)
            self.list.addItem(item)
        self.list.setMaximumWidth(max(160, self.list.sizeHintForColumn(0) + 40))
        self.description = QTextBrowser()
        self.description.setAccessibleName("Scenario description")
        self.description.setFont(theme.ui_font(0.5))
        self.list.currentTextChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _i: self._open())
        row = QHBoxLayout()
        row.addWidget(self.list)
        row.addWidget(self.description, 1)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.file_button = buttons.addButton("Scenario file\u2026",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.clicked.connect(self._open)
        self.file_button.clicked.connect(self._file)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(QLabel("Built-in scenarios: what each one does"))
        col.addLayout(row, 1)
        col.addWidget(buttons)
        self.resize(760, 420)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def description_text(self) -> str:
        return self.description.toPlainText()

    def _show(self, name: str) -> None:
        text = self.builtins.get(name, "")
        paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
        self.description.setPlainText("\n\n".join(paragraphs) or "(no description)")

    def _open(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen = item.text()
            self.accept()

    def _file(self) -> None:
        self.chosen = ""
        self.accept()


__all__ = ["OpenScenarioDialog"]
