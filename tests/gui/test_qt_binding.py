"""Guards the PySide6 pin in pyproject.toml: the binding must not leak references to None.

PySide6 6.12.0 drops one reference to None on most void calls; on Python 3.11 the
process aborts with "none_dealloc" after a few thousand, i.e. seconds into a session.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(3000):
        label.setText(str(i % 7))
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, f"None lost {before - after} references"
