"""One look for every plot in the studio (pyqtgraph)."""

from __future__ import annotations

import pyqtgraph as pg

# Colour-blind-safe palette (Okabe-Ito), used in this order by every tab.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}

pg.setConfigOptions(antialias=True, background="w", foreground="#333333", imageAxisOrder="row-major")


def pen(colour: str, width: float = 2.0, dashed: bool = False):
    from PySide6.QtCore import Qt

    p = pg.mkPen(PALETTE.get(colour, colour), width=width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


def make_plot(title: str = "", left: str = "", bottom: str = "", legend: bool = True) -> pg.PlotWidget:
    """A PlotWidget with the studio's look: white, light grid, labelled axes, optional legend."""
    plot = pg.PlotWidget()
    item = plot.getPlotItem()
    if title:
        item.setTitle(title, size="11pt")
    if left:
        item.setLabel("left", left)
    if bottom:
        item.setLabel("bottom", bottom)
    item.showGrid(x=True, y=True, alpha=0.15)
    if legend:
        item.addLegend(offset=(-10, 10))
    plot.setMinimumHeight(180)
    return plot
