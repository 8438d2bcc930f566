"""Light or dark: the window follows the system's colour scheme, or the user's choice
(View > Theme: System / Light / Dark, kept in QSettings under ``view/theme``).

The colours live in the application palette, which every widget and dialog reads; the
few views that copy a colour when they are built (the canvas background, the plot's
axes, the event list's future rows, muted captions in style sheets) are refreshed by
:func:`retheme`: a widget that defines ``apply_theme()`` gets it called, and a style
sheet holding the old muted-text colour gets the new one. The system's scheme comes from
``QStyleHints.colorScheme()`` (Qt >= 6.5) and is followed live while the choice is
"System". Classroom mode keeps its own black-on-white palette; the choice is applied
again when it ends.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from hmipviz.gui import theme

CHOICES: tuple[tuple[str, str], ...] = (("system", "&System"), ("light", "&Light"),
                                        ("dark", "&Dark"))
SETTING = "view/theme"

_R = QPalette.ColorRole
# (role, active colour, disabled colour or None)
_DARK: tuple[tuple[QPalette.ColorRole, str, str | None], ...] = (
    (_R.Window, "#2B2D30", None), (_R.WindowText, "#DFE1E5", "#6F737A"),
    (_R.Base, "#1E1F22", "#26282B"), (_R.AlternateBase, "#26282B", None),
    (_R.Text, "#DFE1E5", "#6F737A"), (_R.Button, "#3C3F41", "#2F3133"),
    (_R.ButtonText, "#DFE1E5", "#6F737A"), (_R.BrightText, "#FF7A70", None),
    (_R.Highlight, "#2F6DB5", "#4A4D50"), (_R.HighlightedText, "#FFFFFF", "#9A9DA2"),
    (_R.ToolTipBase, "#3C3F41", None), (_R.ToolTipText, "#DFE1E5", None),
    (_R.Link, "#56B4E9", None), (_R.LinkVisited, "#CC79A7", None),
    (_R.PlaceholderText, "#8C8F94", None), (_R.Light, "#505357", None),
    (_R.Midlight, "#43464A", None), (_R.Mid, "#35373A", None), (_R.Dark, "#1A1B1D", None),
    (_R.Shadow, "#000000", None),
)
_LIGHT: tuple[tuple[QPalette.ColorRole, str, str | None], ...] = (
    (_R.Window, "#EFEFEF", None), (_R.WindowText, "#000000", "#9D9D9D"),
    (_R.Base, "#FFFFFF", "#EFEFEF"), (_R.AlternateBase, "#F7F7F7", None),
    (_R.Text, "#000000", "#9D9D9D"), (_R.Button, "#EFEFEF", None),
    (_R.ButtonText, "#000000", "#9D9D9D"), (_R.BrightText, "#FFFFFF", None),
    (_R.Highlight, "#308CC6", "#919191"), (_R.HighlightedText, "#FFFFFF", "#FFFFFF"),
    (_R.ToolTipBase, "#FFFFDC", None), (_R.ToolTipText, "#000000", None),
    (_R.Link, "#0057AE", None), (_R.LinkVisited, "#7A3E9D", None),
    (_R.PlaceholderText, "#707070", None), (_R.Light, "#FFFFFF", None),
    (_R.Midlight, "#CACACA", None), (_R.Mid, "#B8B8B8", None), (_R.Dark, "#9F9F9F", None),
    (_R.Shadow, "#767676", None),
)


def _palette(table) -> QPalette:
    pal = QPalette()
    for role, colour, disabled in table:
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, role, QColor(colour))
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled or colour))
    return pal


def dark_palette() -> QPalette:
    """Dark grey surfaces with light text; the canvas's own background is the Base."""
    return _palette(_DARK)


def light_palette() -> QPalette:
    return _palette(_LIGHT)


def _is_dark(pal: QPalette) -> bool:
    return pal.color(_R.Window).lightness() < 128


def system_is_dark() -> bool:
    """What the desktop asks for: QStyleHints.colorScheme() where Qt has it (6.5+),
    else whether the platform's own palette is dark."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return _is_dark(_platform_palette())


_PLATFORM: list[QPalette] = []


def _platform_palette() -> QPalette:
    """The palette the platform gave before hmipviz set one (kept on first use)."""
    if not _PLATFORM:
        _PLATFORM.append(QPalette(QGuiApplication.palette()))
    return _PLATFORM[0]


def saved_choice() -> str:
    value = _settings().value(SETTING, "system")
    return value if value in dict(CHOICES) else "system"


def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "hmipviz",
                     "hmipviz")


def palette_for(choice: str) -> QPalette:
    """The application palette for a choice: the platform's when it already matches the
    wanted scheme (a KDE colour scheme survives), else hmipviz's own light or dark one."""
    dark = system_is_dark() if choice == "system" else choice == "dark"
    platform = _platform_palette()
    if _is_dark(platform) == dark:
        return QPalette(platform)
    return dark_palette() if dark else light_palette()


def retheme(old_muted: str | None = None) -> None:
    """Bring the colours views copied when they were built up to date."""
    new_muted = theme.muted_text().name()
    for widget in QApplication.allWidgets():
        if old_muted and old_muted != new_muted:
            style = widget.styleSheet()
            if old_muted in style:
                widget.setStyleSheet(style.replace(old_muted, new_muted))
        hook = getattr(widget, "apply_theme", None)
        if callable(hook):
            hook()


class ThemeChoice(QObject):
    """The user's choice and the system's scheme, turned into the application palette."""

    changed = Signal(bool)  # whether the window is dark now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _platform_palette()
        self.choice = saved_choice()
        self.actions: QActionGroup | None = None  # View > Theme, once the menu exists
        hints = QGuiApplication.styleHints()
        signal = getattr(hints, "colorSchemeChanged", None)
        if signal is not None:
            signal.connect(self._system_changed)
        self.apply()

    def set_choice(self, choice: str) -> None:
        if choice not in dict(CHOICES):
            raise ValueError(f"theme {choice!r}: expected one of {', '.join(dict(CHOICES))}")
        self.choice = choice
        _settings().setValue(SETTING, choice)
        self.apply()

    def _system_changed(self, *_args) -> None:
        if self.choice == "system":
            self.apply()

    def apply(self) -> None:
        """Install the palette for the choice (not in classroom mode, whose black on
        white wins; it calls this again when it ends) and refresh the views."""
        if theme.high_contrast():
            return
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        wanted = palette_for(self.choice)
        if wanted == app.palette():
            return  # nothing to do: no repolish of every widget (start-up time)
        old_muted = theme.muted_text().name()
        app.setPalette(wanted)
        retheme(old_muted)
        self.changed.emit(theme.is_dark())

    def follow(self, presentation) -> None:
        """Apply the choice again when classroom mode ends (it restores the palette it
        found, which may be an older choice's)."""
        presentation.changed.connect(lambda on: None if on else self.apply())


def add_theme_menu(menu: QMenu, window: QWidget) -> ThemeChoice:
    """View > Theme (System / Light / Dark), and the choice applied now."""
    choice = ThemeChoice(window)
    sub = menu.addMenu("&Theme")
    group = QActionGroup(sub)
    for key, text in CHOICES:
        def pick(_checked: bool = False, k: str = key) -> None:
            choice.set_choice(k)

        action = sub.addAction(text)
        action.setCheckable(True)
        action.setChecked(key == choice.choice)
        action.setData(key)
        action.triggered.connect(pick)
        group.addAction(action)
    sub.setToolTipsVisible(True)
    sub.menuAction().setToolTip("Light or dark colours; System follows the desktop")
    choice.actions = group
    return choice


__all__ = ["CHOICES", "SETTING", "ThemeChoice", "add_theme_menu", "dark_palette",
           "light_palette", "palette_for", "retheme", "saved_choice", "system_is_dark"]
