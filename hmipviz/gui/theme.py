"""Colours, fonts and sizes of the window (docs: ../shared/design/ui.md).

Message-kind colours come from :mod:`hmipviz.gui.palette` (shared with the inspector,
ladder and plot) and are re-exported here; this module adds what the window itself needs:
token shapes, MAP-domain tints, node role colours, fonts and the presentation scale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette, QPen

from hmipviz.engine import describe as d

# the message-kind colours and glyphs, shared with the inspector, ladder and plot
from hmipviz.gui.palette import CROSS_RED, KIND_ORDER, kind_color, kind_glyph, kind_hex

# --- token shapes: the cue besides colour and glyph ------------------------------------
SHAPE_CIRCLE = "circle"  # RS, RA: neighbour discovery
SHAPE_ENVELOPE = "envelope"  # binding updates and acknowledgements
SHAPE_DIAMOND = "diamond"  # return routability and refresh requests
SHAPE_DOT = "dot"  # data
SHAPE_CROSS = "cross"  # errors

_SHAPES = {
    d.RS: SHAPE_CIRCLE, d.RA: SHAPE_CIRCLE,
    d.LOCAL_BU: SHAPE_ENVELOPE, d.LOCAL_BA: SHAPE_ENVELOPE,
    d.HOME_BU: SHAPE_ENVELOPE, d.HOME_BA: SHAPE_ENVELOPE,
    d.CN_BU: SHAPE_ENVELOPE, d.CN_BA: SHAPE_ENVELOPE,
    d.HOTI: SHAPE_DIAMOND, d.COTI: SHAPE_DIAMOND, d.HOT: SHAPE_DIAMOND, d.COT: SHAPE_DIAMOND,
    d.BRR: SHAPE_DIAMOND,
    d.DATA: SHAPE_DOT,
    d.BE: SHAPE_CROSS, d.ICMP_ERROR: SHAPE_CROSS,
}


def kind_shape(kind: str) -> str:
    return _SHAPES.get(kind, SHAPE_CIRCLE)


# Legend rows: (label, kind, tunnelled). Pairs share a colour, so one row per pair.
LEGEND_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("RS / RA", d.RA, False),
    ("local BU / BA (MAP)", d.LOCAL_BU, False),
    ("BU / BA with HA", d.HOME_BU, False),
    ("HoTI/CoTI, BU to CN", d.HOTI, False),
    ("data", d.DATA, False),
    ("tunnelled data", d.DATA, True),
    ("error / drop", d.BE, False),
)

# --- MAP domains and nodes ----------------------------------------------------------------
# Okabe-Ito yellow and orange first (ui.md), then the others, as light tints.
from hmipviz.gui.colours import DOMAIN_HEX, NO_DOMAIN_HEX, ROLE_FILL, ROLE_LETTER  # noqa: E402


def domain_color(index: int | None, alpha: int = 70) -> QColor:
    c = QColor(NO_DOMAIN_HEX if index is None else DOMAIN_HEX[index % len(DOMAIN_HEX)])
    if _high_contrast:  # light tints vanish on a projector
        alpha = min(255, int(alpha * 2))
    c.setAlpha(alpha)
    return c


ROLE_TEXT = {"ha": "home agent", "cn": "correspondent node", "map": "mobility anchor point",
             "ar": "access router", "router": "router", "mn": "mobile node", "host": "host"}

# tunnels on the canvas: (colour, label)
TUNNEL_LOCAL = "#D55E00"  # MN-MAP (local binding)
TUNNEL_HOME = "#0072B2"  # HA-RCoA / HA-CoA
TUNNEL_CN = "#CC79A7"  # CN bindings (route optimisation)

HIGHLIGHT = QColor("#0072B2")
FLASH = QColor("#F0E442")

# One hop takes about this long at speed 1x (ui.md: motion).
HOP_MS = 600.0


def pen(color: str | QColor, width: float = 1.0, style=Qt.PenStyle.SolidLine) -> QPen:
    p = QPen(QColor(color), width)
    p.setStyle(style)
    p.setCosmetic(False)
    return p


# --- fonts -------------------------------------------------------------------------------
_scale = 1.0


def set_scale(factor: float) -> None:
    """Presentation mode: tokens and chips grow by ``factor`` (the application font is
    scaled by the window; the fonts handed out here follow it)."""
    global _scale
    _scale = max(0.5, factor)


def scale() -> float:
    return _scale


def ui_font(delta_pt: float = 0.0, bold: bool = False) -> QFont:
    f = QFont(QGuiApplication.font())
    size = f.pointSizeF() if f.pointSizeF() > 0 else 10.0
    f.setPointSizeF(max(6.0, size + delta_pt * _scale))
    f.setBold(bold)
    return f


def mono_font(delta_pt: float = 0.0) -> QFont:
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    base = QGuiApplication.font().pointSizeF()
    f.setPointSizeF(max(6.0, (base if base > 0 else 10.0) + delta_pt * _scale))
    return f


# --- presentation mode: high contrast for a washed-out projector ---------------------------
_high_contrast = False


def set_high_contrast(on: bool) -> None:
    """Presentation mode: black on white, stronger tints, darker muted text and links
    (the window also installs :func:`high_contrast_palette`)."""
    global _high_contrast
    _high_contrast = bool(on)


def high_contrast() -> bool:
    return _high_contrast


def high_contrast_palette() -> QPalette:
    """Black on white with a dark blue selection: readable on a washed-out projector."""
    pal = QPalette()
    black, white = QColor("#000000"), QColor("#FFFFFF")
    roles = QPalette.ColorRole
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in ((roles.Window, white), (roles.WindowText, black),
                             (roles.Base, white), (roles.AlternateBase, QColor("#EDEDED")),
                             (roles.Text, black), (roles.Button, QColor("#E6E6E6")),
                             (roles.ButtonText, black), (roles.BrightText, white),
                             (roles.Highlight, QColor("#003F8A")),
                             (roles.HighlightedText, white), (roles.ToolTipBase, white),
                             (roles.ToolTipText, black), (roles.Link, QColor("#0039A6")),
                             (roles.PlaceholderText, QColor("#404040")),
                             (roles.Light, white), (roles.Midlight, QColor("#D0D0D0")),
                             (roles.Mid, QColor("#808080")), (roles.Dark, QColor("#404040")),
                             (roles.Shadow, black)):
            pal.setColor(group, role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role, colour in ((roles.Window, white), (roles.Base, QColor("#F2F2F2")),
                         (roles.Button, QColor("#EDEDED")),
                         (roles.WindowText, QColor("#5A5A5A")), (roles.Text, QColor("#5A5A5A")),
                         (roles.ButtonText, QColor("#5A5A5A")),
                         (roles.Highlight, QColor("#6A6A6A")),
                         (roles.HighlightedText, white)):
        pal.setColor(disabled, role, colour)
    return pal


def link_color() -> QColor:
    return QColor("#303030") if _high_contrast else QColor("#9AA0A6")


def mono_cell_font() -> QFont:
    """The monospace family only, for a model's FontRole: the size is the table's own, so
    it follows the application font (presentation mode scales it)."""
    f = QFont()
    f.setFamilies(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).families())
    f.setStyleHint(QFont.StyleHint.TypeWriter)
    return f


def is_dark() -> bool:
    pal = QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def text_color() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText)


def canvas_background() -> QColor:
    if _high_contrast:
        return QColor("#FFFFFF")
    return QColor("#1E1F22") if is_dark() else QColor("#FBFBF8")


def muted_text() -> QColor:
    if _high_contrast:
        return QColor("#3C3C3C")
    return QColor("#9A9A9A") if is_dark() else QColor("#8A8A8A")


def short_address(text: str) -> str:
    """Addresses in compressed form (ipaddress does this); other text unchanged."""
    from ipaddress import ip_address
    try:
        return str(ip_address(text))
    except ValueError:
        return text


__all__ = [
    "CROSS_RED", "KIND_ORDER", "kind_color", "kind_glyph", "kind_hex", "kind_shape",
    "LEGEND_ROWS", "DOMAIN_HEX", "domain_color", "ROLE_FILL", "ROLE_LETTER", "ROLE_TEXT",
    "HOP_MS", "ui_font", "mono_font", "set_scale", "scale", "is_dark", "canvas_background",
    "set_high_contrast", "high_contrast", "high_contrast_palette", "link_color",
    "mono_cell_font",
]
