"""How the topology canvas fits the window and keeps still (issue 13): the default zoom
fits the scenario's fixed scene rectangle, labels are at least
:data:`hmipviz.layout.MIN_LABEL_PT` on screen at that zoom, and the legend goes to a
corner no node reaches. Mixed into :class:`hmipviz.gui.topology_view.QtTopologyView`;
the geometry itself is in :mod:`hmipviz.layout` (no Qt)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent, QShowEvent

from hmipviz import layout
from hmipviz.gui import theme

if TYPE_CHECKING:
    from PySide6.QtWidgets import (
        QGraphicsItem,
        QGraphicsLineItem,
        QGraphicsSimpleTextItem,
        QGraphicsView,
    )

    from hmipviz.gui.topology_legend import Legend
    from hmipviz.gui.topology_nodes import CellItem, NodeItem

    _ViewBase = QGraphicsView  # the class CanvasFit is mixed into (QtTopologyView's base)
else:
    _ViewBase = object


class CanvasFit(_ViewBase):
    """The fit, label and legend logic of the canvas (a QGraphicsView)."""

    # made by QtTopologyView (topology_view.py)
    nodes: dict[str, NodeItem]
    cells: dict[str, CellItem]
    links: dict[frozenset, tuple[QGraphicsLineItem, QGraphicsSimpleTextItem]]
    domain_labels: list[QGraphicsSimpleTextItem]
    _domain_cells: list[list[tuple[tuple[float, float], float]]]
    no_link: QGraphicsSimpleTextItem | None
    legend: Legend
    _user_zoomed: bool
    _scaling = False  # fit() is setting the transform: it places the legend when done

    if TYPE_CHECKING:
        def _rescaled(self) -> None: ...  # MnLayerMixin: badges keep their pixel size

    def content_rect(self) -> QRectF:
        rect = QRectF()
        items: list[QGraphicsItem] = [*self.cells.values(), *self.nodes.values(),
                                      *self.domain_labels]
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def _scene_tuple(self) -> tuple[float, float, float, float]:
        r = self.sceneRect()
        return (r.x(), r.y(), r.width(), r.height())

    def fit(self) -> None:
        """Fit the scenario's fixed scene rectangle into the window (the default zoom).
        Called when a scenario opens, on Ctrl+0 and when the view is resized; nothing
        else changes the transform, so the picture keeps still during playback."""
        rect = self.sceneRect()
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.width() < 10 or vp.height() < 10:
            return
        s, _ = layout.fit_scale(self._scene_tuple(), vp.width(), vp.height(), 0.0)
        if self.legend.wanted and not self.legend.user_collapsed and self.nodes:
            # keep the full legend clear of the network if that costs little
            self._set_scale(s, rect.center())
            if self._legend_corner(*self.legend.full_size()) is None:
                lw = self.legend.full_size()[0] + 20
                s2, kept = layout.fit_scale(self._scene_tuple(), vp.width(), vp.height(), lw)
                if kept:
                    s = s2
                    self._set_scale(s, rect.center() - QPointF(kept / 2 / s, 0))
                    self._apply_label_floor(s)
                    self._user_zoomed = False
                    self.place_legend()
                    return
        self._set_scale(s, rect.center())
        self._apply_label_floor(s)
        self._user_zoomed = False
        self.place_legend()

    def _set_scale(self, s: float, centre: QPointF) -> None:
        # each of these scrolls the view, and a scroll places the legend (about 1 ms):
        # fit() places it once when it is done (issue 13: start-up time)
        self._scaling = True
        try:
            self.resetTransform()
            self.scale(s, s)
            self.centerOn(centre)
        finally:
            self._scaling = False
        self._rescaled()  # MN badges keep their pixel size

    def _apply_label_floor(self, s: float) -> None:
        """Node, link and domain labels at least MIN_LABEL_PT on screen at the default
        zoom, times the presentation scale (their point size in scene units grows as
        the view shrinks)."""
        least = layout.MIN_LABEL_PT * theme.scale()  # larger in presentation mode

        def floored(delta: float, bold: bool) -> QFont:
            f = theme.ui_font(delta, bold=bold)
            f.setPointSizeF(layout.label_point_size(f.pointSizeF(), s, least))
            return f

        label, sub = floored(0.5, True), floored(-1.5, False)
        relabelled = False
        for item in self.nodes.values():
            if item.label_font == label and item.sub_font == sub:
                continue
            relabelled = True
            item.prepareGeometryChange()
            item.label_font, item.sub_font = label, sub
            fm = QFontMetricsF(label)
            item._label_w = max(fm.horizontalAdvance(item.name), 2 * item.r) + 8
            item._label_h = fm.height()
            text, item.sublabel = item.sublabel, ""
            item.set_sublabel(text)
            item.update()
        controller = getattr(self, "controller", None)
        update_mns = getattr(self, "_update_mns", None)
        if relabelled and update_mns is not None and controller is not None \
                and controller.scenario is not None:
            update_mns(controller.position)  # the MN keeps clear of the resized labels
        link_font = floored(-0.5, False)
        for line, link_text in self.links.values():
            if link_text.font() == link_font:
                continue
            link_text.setFont(link_font)
            ln, br = line.line(), link_text.boundingRect()
            link_text.setPos(*layout.link_label_pos((ln.x1(), ln.y1()), (ln.x2(), ln.y2()),
                                                    br.width(), br.height()))
        domain_font = floored(0.0, True)
        for domain_label, cells in zip(self.domain_labels, self._domain_cells, strict=True):
            if domain_label.font() == domain_font:
                continue
            domain_label.setFont(domain_font)
            pos = layout.domain_label_pos(cells, domain_label.boundingRect().width())
            if pos is not None:
                domain_label.setPos(*pos)
        if self.no_link is not None:
            self.no_link.setFont(floored(0.0, True))
        self._rescaled()  # tokens keep off the labels at their new size

    def node_rects(self) -> list[QRectF]:
        """Each node's rectangle (icon and labels) in viewport pixels."""
        out = []
        for item in self.nodes.values():
            poly = self.mapFromScene(item.sceneBoundingRect())
            out.append(QRectF(poly.boundingRect()))
        return out

    def _legend_corner(self, w: int, h: int) -> str | None:
        vp = self.viewport()
        obstacles = [(r.x(), r.y(), r.width(), r.height()) for r in self.node_rects()]
        return layout.free_corner((0.0, 0.0, float(vp.width()), float(vp.height())), w, h,
                                  obstacles)

    def place_legend(self) -> None:
        """Put the legend in a corner no node reaches: the full legend if it fits there
        (and the user has not collapsed it), else its title alone (issue 13)."""
        legend = self.legend
        legend.setVisible(legend.wanted)
        if not legend.wanted:
            return
        corner = None
        if not legend.user_collapsed:
            corner = self._legend_corner(*legend.full_size())
            legend.set_collapsed(corner is None)
        if corner is None:
            legend.set_collapsed(True)
            corner = self._legend_corner(*legend.title_size())
        if corner is None:
            # every corner is taken: the least crowded one, where the title overlaps
            # the fewest nodes
            corner = "bottom-left"
        legend.corner = corner
        vp = self.viewport()
        x, y, _w, _h = layout.corner_rect((0.0, 0.0, float(vp.width()), float(vp.height())),
                                          legend.width(), legend.height(), corner)
        offset = vp.pos()
        legend.move(int(x) + offset.x(), int(y) + offset.y())
        legend.raise_()

    def set_legend_shown(self, on: bool) -> None:
        """View > Show legend (L)."""
        self.legend.wanted = bool(on)
        self.place_legend()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        # a hidden canvas places it when shown, fit() when it has set the scale
        if self.isVisible() and not self._scaling:
            self.place_legend()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._user_zoomed:
            self.fit()
        else:
            self.place_legend()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._user_zoomed:
            self.fit()


__all__ = ["CanvasFit"]
