"""The lesson dock's teacher actions: export the summary (JSON or CSV, a save dialog
that remembers its folder) and the per-student seed (shown, entered, fixed)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from hmipviz.lesson import variation
from hmipviz.lesson.model import Lesson
from hmipviz.lesson.session import Progress

log = logging.getLogger("hmipviz.gui")
FOLDER_KEY = "lesson/summaryFolder"


def export_dialog(panel) -> Path | None:
    """Ask where to save the summary (the folder used last time, remembered) and
    write it; the path written, or None (cancelled, or it could not be written:
    the panel's status says why)."""
    run = panel.run
    if run is None:
        return None
    folder = str(_settings().value(FOLDER_KEY, "") or Path.home())
    seed = f"-seed{run.lesson.seed}" if run.lesson.seed is not None else ""
    suggested = str(Path(folder) / f"{run.lesson.name}{seed}-summary.json")
    path, chosen = QFileDialog.getSaveFileName(
        panel, "Export the lesson summary", suggested,
        "JSON (*.json);;CSV, one row per step and question (*.csv)")
    if not path:
        return None
    if not Path(path).suffix:
        path += ".csv" if chosen.startswith("CSV") else ".json"
    return export_to(panel, path)


def export_to(panel, path: str | Path) -> Path | None:
    try:
        written = panel.run.export_summary(path)
    except OSError as exc:
        panel._set_status_note(f"The summary could not be saved to {path}: "
                               f"{exc.strerror or exc}", bad=True)
        return None
    _settings().setValue(FOLDER_KEY, str(written.parent))
    panel._set_status_note(f"Summary saved to {written}.")
    return written


def _settings() -> QSettings:
    """The window's own settings file (imported late: the window imports this)."""
    from hmipviz.gui.main_window import settings
    return settings()


def choose_seed(lesson: Lesson, saved: Progress | None) -> tuple[Lesson, Progress | None]:
    """The lesson on its student's network: a seed given (``--seed``, the dialog) is
    kept, and saved progress made with another seed is not resumed; else the saved
    seed, else a new one. A lesson without ``vary`` is returned as it is."""
    if not lesson.variations:
        return lesson, saved
    if lesson.seed is not None:
        if saved is not None and saved.seed != lesson.seed:
            saved = None
        return lesson, saved
    seed = saved.seed if saved is not None and saved.seed is not None \
        else variation.new_seed()
    return variation.with_seed(lesson, seed), saved


def seed_dialog(parent: QWidget, lesson: Lesson) -> int | None:
    """Ask for a seed (the current one offered); None when cancelled."""
    value, ok = QInputDialog.getInt(
        parent, "Student seed",
        "Seed for this lesson's network (the same seed gives the same delays and "
        "numbers;\na teacher can give each student one):",
        lesson.seed if lesson.seed is not None else 1, 0, variation.MAX_SEED)
    return value if ok else None


__all__ = ["export_dialog", "export_to", "choose_seed", "seed_dialog"]
