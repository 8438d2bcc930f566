"""Light and dark theme (gui/theme_scheme.py): View > Theme switches every view at once,
the choice is kept in QSettings, "System" follows the desktop's colour scheme, and
classroom mode's black on white wins while it lasts."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from hmipviz.gui import theme, theme_scheme
from hmipviz.gui.main_window import MainWindow, settings
from hmipviz.scenario import load_scenario

R = QPalette.ColorRole


@pytest.fixture
def window(qtbot):
    settings().remove(theme_scheme.SETTING)
    start = QApplication.palette()
    w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.controller.seek_time(3.0)
    yield w
    w.presentation.leave()
    settings().remove(theme_scheme.SETTING)
    QApplication.setPalette(start)  # the palette is process-wide


def _action(w, key):
    return next(a for a in w.theme_choice.actions.actions() if a.data() == key)


def _views(w):
    """Every dock's widget and the canvas: what a student reads."""
    out = {key: dock.widget() for key, dock in w.docks.items()}
    out["canvas"] = w.topology
    out["caption"] = w.caption
    return out


def _assert_colours_from(w, pal: QPalette) -> None:
    QApplication.processEvents()  # the palette reaches widgets by events
    for name, view in _views(w).items():
        got = view.palette()
        for role in (R.Window, R.WindowText, R.Base, R.Text):
            assert got.color(role) == pal.color(role), (name, role)
    # what views copied when built follows too
    dark = pal.color(R.Window).lightness() < 128
    assert w.topology.backgroundBrush().color() == theme.canvas_background()
    assert (w.topology.backgroundBrush().color().lightness() < 128) == dark
    assert w.events.model._future.color() == theme.muted_text()
    assert w.caption.detail.styleSheet().count(theme.muted_text().name()) == 1


def test_view_theme_dark_then_light_recolours_every_view(window, qtbot):
    w = window
    w.docks["plot"].show()
    w.docks["plot"].raise_()
    qtbot.waitUntil(lambda: getattr(w, "plot", None) is not None
                    and w.plot.ensure_plot() is not None)
    _action(w, "dark").trigger()
    assert theme.is_dark()
    _assert_colours_from(w, theme_scheme.dark_palette())
    bg = w.plot.ensure_plot().backgroundBrush().color()
    assert bg == theme_scheme.dark_palette().color(R.Base)
    assert settings().value(theme_scheme.SETTING) == "dark"
    _action(w, "light").trigger()
    assert not theme.is_dark()
    _assert_colours_from(w, theme_scheme.light_palette())
    assert w.plot.ensure_plot().backgroundBrush().color().lightness() > 200
    assert settings().value(theme_scheme.SETTING) == "light"


def test_the_saved_choice_is_applied_to_a_new_window(qtbot):
    settings().setValue(theme_scheme.SETTING, "dark")
    start = QApplication.palette()
    try:
        w = MainWindow(scenario=load_scenario("figure1"), restore_settings=False)
        qtbot.addWidget(w)
        assert theme.is_dark() and _action(w, "dark").isChecked()
        assert w.topology.backgroundBrush().color().lightness() < 128
    finally:
        settings().remove(theme_scheme.SETTING)
        QApplication.setPalette(start)


def test_system_follows_the_desktops_scheme(window, monkeypatch):
    w = window
    monkeypatch.setattr(theme_scheme, "system_is_dark", lambda: True)
    w.theme_choice._system_changed()  # what QStyleHints.colorSchemeChanged calls
    assert theme.is_dark()
    monkeypatch.setattr(theme_scheme, "system_is_dark", lambda: False)
    w.theme_choice._system_changed()
    assert not theme.is_dark()
    _action(w, "dark").trigger()  # a choice of its own: the desktop no longer decides
    monkeypatch.setattr(theme_scheme, "system_is_dark", lambda: False)
    w.theme_choice._system_changed()
    assert theme.is_dark()


def test_classroom_mode_stays_black_on_white_and_the_theme_returns_after(window):
    w = window
    _action(w, "dark").trigger()
    w.presentation.enter()
    assert not theme.is_dark()
    _action(w, "dark").trigger()  # chosen again while presenting: still high contrast
    assert QApplication.palette().color(R.Window).name() == "#ffffff"
    w.presentation.leave()
    assert theme.is_dark()
    assert w.topology.backgroundBrush().color() == theme.canvas_background()


def test_an_unknown_theme_is_refused_by_name(window):
    with pytest.raises(ValueError, match="'sepia'"):
        window.theme_choice.set_choice("sepia")
