"""MarkdownView survives its document signalling after the view is gone (soak find)."""

from __future__ import annotations

import shiboken6

from hmipviz.gui.lesson_widgets import MarkdownView


def test_fit_after_the_view_was_destroyed_does_nothing(qtbot) -> None:
    view = MarkdownView("Step text")
    view.set_markdown("# A step\n\nSome text.")
    fit = view._fit  # what the document's contentsChanged is connected to
    shiboken6.delete(view)  # the C++ view is gone; Python still holds the slot
    assert not shiboken6.isValid(view)
    assert fit() is None  # raised RuntimeError ("Internal C++ object already deleted") before
