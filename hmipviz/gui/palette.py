"""Message-kind colours, line styles and glyphs shared by every view (docs: ui.md).

The colours are the Okabe-Ito palette, which stays distinguishable for colour-blind
viewers and on a washed-out projector. Colour is never the only cue: every kind also
has a short glyph (the text on a token, an arrow label, a legend entry) and tunnelled
packets are drawn dashed.

    kind_color(kind) -> QColor        kind_hex(kind) -> "#rrggbb"
    kind_dashed(kind, tunnel_depth)   kind_glyph(kind) -> "LBU"
    kind_pen(kind, tunnel_depth, width) -> QPen
    KIND_ORDER: the kinds in legend order
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from hmipviz.engine import describe as d

# the colours as text live in colours.py (no Qt there: the web page export uses them too)
from hmipviz.gui.colours import (  # noqa: F401  (re-exported under the palette's names)
    BLACK,
    BLUE,
    BLUISH_GREEN,
    CROSS_RED,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
)
from hmipviz.gui.colours import KIND_GLYPH as _GLYPH
from hmipviz.gui.colours import KIND_HEX as _HEX

KIND_ORDER: tuple[str, ...] = (
    d.RS, d.RA,
    d.LOCAL_BU, d.LOCAL_BA,
    d.HOME_BU, d.HOME_BA,
    d.HOTI, d.COTI, d.HOT, d.COT, d.CN_BU, d.CN_BA,
    d.BRR,
    d.DATA,
    d.BE, d.ICMP_ERROR, d.OTHER,
)

# Kinds drawn black with a red cross (errors); drops of any kind get the cross too.
ERROR_KINDS = frozenset({d.BE, d.ICMP_ERROR})

# MAP-domain tints for the AR cells (light, so tokens stay readable on top).
DOMAIN_COLORS: tuple[str, ...] = ("#F0E442", "#E69F00", "#BBBBBB", "#56B4E9", "#CC79A7")

# What each signalling target is drawn in (the plot and legends): the colour of the
# BU that goes there.
TARGET_COLORS = {"MAP": VERMILLION, "HA": BLUE, "CN": REDDISH_PURPLE}


def kind_hex(kind: str) -> str:
    return _HEX.get(kind, GREY)


def kind_color(kind: str) -> QColor:
    return QColor(kind_hex(kind))


def kind_dashed(kind: str, tunnel_depth: int = 0) -> bool:
    """Tunnelled packets (any kind, e.g. tunnelled data) are drawn dashed."""
    return tunnel_depth > 0


def kind_glyph(kind: str) -> str:
    return _GLYPH.get(kind, "?")


def kind_is_error(kind: str) -> bool:
    return kind in ERROR_KINDS


def kind_pen(kind: str, tunnel_depth: int = 0, width: float = 2.0) -> QPen:
    pen = QPen(kind_color(kind), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    if kind_dashed(kind, tunnel_depth):
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


__all__ = [
    "KIND_ORDER", "ERROR_KINDS", "DOMAIN_COLORS", "TARGET_COLORS", "CROSS_RED",
    "kind_color", "kind_hex", "kind_dashed", "kind_glyph", "kind_is_error", "kind_pen",
]
