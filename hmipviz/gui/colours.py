"""The window's colours as "#rrggbb" text, with no Qt: the palette and theme build their
QColors from these, and the web page export (hmipviz/webexport) writes them into its CSS,
so the page looks like the window.

The message-kind colours are the Okabe-Ito palette (see palette.py for why).
"""

from __future__ import annotations

from hmipviz.engine import describe as d

# Okabe-Ito
SKY_BLUE = "#56B4E9"
VERMILLION = "#D55E00"
BLUE = "#0072B2"
REDDISH_PURPLE = "#CC79A7"
BLUISH_GREEN = "#009E73"
ORANGE = "#E69F00"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#7F7F7F"
CROSS_RED = "#E0001B"  # the cross on drops and errors (drawn over black)

KIND_HEX: dict[str, str] = {
    d.RS: SKY_BLUE, d.RA: SKY_BLUE,
    d.LOCAL_BU: VERMILLION, d.LOCAL_BA: VERMILLION,
    d.HOME_BU: BLUE, d.HOME_BA: BLUE,
    d.CN_BU: REDDISH_PURPLE, d.CN_BA: REDDISH_PURPLE,
    d.HOTI: REDDISH_PURPLE, d.COTI: REDDISH_PURPLE,
    d.HOT: REDDISH_PURPLE, d.COT: REDDISH_PURPLE,
    d.BRR: ORANGE,
    d.DATA: BLUISH_GREEN,
    d.BE: BLACK, d.ICMP_ERROR: BLACK,
    d.OTHER: GREY,
}

# Short text drawn on tokens and in legends: the second cue besides colour.
KIND_GLYPH: dict[str, str] = {
    d.RS: "RS", d.RA: "RA",
    d.LOCAL_BU: "LBU", d.LOCAL_BA: "LBA",
    d.HOME_BU: "HBU", d.HOME_BA: "HBA",
    d.CN_BU: "CBU", d.CN_BA: "CBA",
    d.HOTI: "HoTI", d.COTI: "CoTI", d.HOT: "HoT", d.COT: "CoT",
    d.BRR: "BRR",
    d.DATA: "D",
    d.BE: "BE", d.ICMP_ERROR: "ERR",
    d.OTHER: "?",
}

# MAP domains on the canvas: Okabe-Ito yellow and orange first (ui.md), as light tints.
DOMAIN_HEX: tuple[str, ...] = ("#F0E442", "#E69F00", "#56B4E9", "#CC79A7", "#009E73",
                               "#0072B2", "#D55E00")
NO_DOMAIN_HEX = "#B8B8B8"

ROLE_FILL = {
    "ha": "#0072B2", "cn": "#CC79A7", "map": "#D55E00", "ar": "#4D4D4D",
    "router": "#7F7F7F", "mn": "#009E73", "host": "#7F7F7F",
}
ROLE_LETTER = {"ha": "HA", "cn": "CN", "map": "MAP", "ar": "AR", "router": "R", "mn": "MN",
               "host": "H"}

# the canvas behind the topology, in a light and a dark desktop theme
CANVAS_LIGHT = "#FBFBF8"
CANVAS_DARK = "#1E1F22"
MUTED_LIGHT = "#8A8A8A"
MUTED_DARK = "#9A9A9A"
