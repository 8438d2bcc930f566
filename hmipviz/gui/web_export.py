"""File > Export web page...: the run the window shows (the current branch, with the
moves made in the window) as one self-contained HTML page (hmipviz/webexport)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from hmipviz.gui.export_folder import export_start, remember_export


def export_web_page(window, path: str) -> int:
    """Write the window's run to ``path``; its size in bytes."""
    from hmipviz.webexport.page import export_html
    sim = window.controller.sim
    if sim is None:
        raise ValueError("no scenario is loaded")
    return export_html(sim, path)


def export_web_page_dialog(window) -> None:
    """Ask where, write the page, and say so in the status bar (or why not)."""
    c = window.controller
    name = f"{c.scenario.name}.html" if c.scenario else "hmipviz-run.html"
    path, _ = QFileDialog.getSaveFileName(window, "Export web page", export_start(name),
                                          "Web page (*.html)")
    if not path:
        return
    try:
        size = export_web_page(window, path)
    except (OSError, ValueError) as exc:
        window.show_error(f"Cannot write {path}: {exc}")
        return
    remember_export(path)  # the next export dialog starts in this folder
    window.statusBar().showMessage(
        f"Wrote {path} ({size // 1024} KiB): open it in any browser, no server needed", 8000)
