"""The folder the export dialogs open in: where the last export went (File > Export
capture, ladder diagram, screenshot; the inspector's Save as pcapng), kept in QSettings
under ``exportDir`` so it survives a restart (issue 13: the dialogs forgot it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "exportDir"


def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "hmipviz",
                     "hmipviz")


def export_start(name: str) -> str:
    """Where a save dialog for ``name`` starts: the last export's folder (while it
    exists), else the home folder."""
    folder = Path(str(_settings().value(KEY, "") or ""))
    if not str(folder) or str(folder) == "." or not folder.is_dir():
        folder = Path.home()
    return str(folder / name)


def remember_export(path: str) -> None:
    """After an export was written to ``path``: its folder is the next start."""
    _settings().setValue(KEY, str(Path(path).resolve().parent))


__all__ = ["KEY", "export_start", "remember_export"]
