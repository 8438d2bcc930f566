"""GUI tests run with real widgets on Qt's offscreen platform (no display needed).

QT_QPA_PLATFORM is set before anything imports Qt. QSettings are redirected to a
temporary folder so no test reads or writes the user's real settings.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory):
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.getbasetemp() / "qsettings"
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield
