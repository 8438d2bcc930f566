"""GUI tests run with real widgets on Qt's offscreen platform (no display needed).

QT_QPA_PLATFORM is set before anything imports Qt. QSettings are redirected to a
temporary folder so no test reads or writes the user's real settings.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, qapp):
    # qapp (pytest-qt's QApplication, made once) for every test here: a test that built
    # a widget without asking for qtbot aborted its worker ("Must construct a
    # QApplication before a QWidget") whenever it was the worker's first Qt test
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.getbasetemp() / "qsettings"
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield
