"""The gradient flow: ||dL/da<t>|| over time on a log axis, one curve per cell, its factor per step in the legend."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from engine.experiments import Experiment
from engine.gradient_lab import LabResult
from gui.gradients.check_table import CELL_COLOURS
from gui.plotting import PALETTE, make_plot, pen

__all__ = ["FlowPlot", "emptiest_corner"]

PICTURES_MIN_WIDTH = 230
FLOW_TITLE = "Gradient flow<br><span style='font-size: 9pt; color: #555555'>{}</span>"
FLOW_SUBTITLE = "for the last step's loss"


class FlowPlot:
    """The flow plot (``widget``) and what it shows: ``curves`` by cell, ``legend``."""

    def __init__(self):
        # A short title: pyqtgraph will not let the plot be narrower than it.
        self.widget = make_plot(left="‖∂L/∂a⟨t⟩‖", bottom="time step t", legend=True)
        self.widget.setTitle(FLOW_TITLE.format(FLOW_SUBTITLE), size="11pt")
        self.widget.setLogMode(x=False, y=True)
        self.widget.getAxis("left").enableAutoSIPrefix(False)
        self.widget.getPlotItem().setContentsMargins(2, 2, 10, 2)  # the last step's point clear of the pane's edge
        self.legend = self.widget.getPlotItem().legend
        self.legend.setOffset((10, 10))  # moved to the emptiest corner once there are curves
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 210))  # readable where it must cover a curve
        self.legend.setPen(pg.mkPen("#d0d0d0"))
        self.widget.getViewBox().sigResized.connect(self.place_legend)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._range: list[list[float]] | None = None  # the range last set, to tell a user's zoom
        self._names: dict[str, tuple[str, str]] = {}  # cell: legend entry, long and short
        self.widget.setMinimumSize(PICTURES_MIN_WIDTH, 160)

    def show_result(self, result: LabResult) -> None:
        self.widget.setTitle(FLOW_TITLE.format(FLOW_SUBTITLE), size="11pt")
        self._show([(report.cell, report.cell.upper(), report.flow, report.flow_factor, CELL_COLOURS[report.cell])
                    for report in result.cells])

    def show_experiment(self, experiment: Experiment) -> None:
        """The curves of a gradient-flow experiment (:mod:`engine.experiments`), its title above them."""
        self.widget.setTitle(FLOW_TITLE.format(experiment.title.split(":")[0] + ", loss on the last step"),
                             size="11pt")
        colours = ("blue", "orange", "green", "vermillion", "purple")
        self._show([(curve.label, curve.label, curve.norms, curve.factor, colours[k % len(colours)])
                    for k, curve in enumerate(experiment.curves)])

    def _show(self, lines) -> None:
        """lines: (key, label, norms (T,), factor per step back or None, colour) for every curve."""
        plot = self.widget.getPlotItem()
        for curve in self.curves.values():
            plot.removeItem(curve)
        self.curves.clear()
        self._names.clear()
        for key, label, flow, factor, colour in lines:
            steps = np.arange(1, flow.size + 1)
            norms = np.maximum(flow, 1e-300)  # a log axis cannot show zero
            name = short = label
            if factor is not None:  # < 1 vanishes, > 1 explodes
                shown = f"{factor:.2f}" if 0.01 <= factor < 100 else f"{factor:.1e}"
                name += f"  ×{shown} per step back"
                short += f"  ×{shown}"
            self._names[key] = (name, short)
            self.curves[key] = plot.plot(
                steps, norms, pen=pen(colour, 2.0), symbol="o", symbolSize=6 if flow.size <= 30 else 3,
                symbolBrush=PALETTE[colour], symbolPen=None, name=name,
            )
        self._range = None
        self.place_legend()

    def place_legend(self, *_args) -> None:
        """Frame the curves and put the legend where it hides none of their points.

        The legend goes to an empty corner; when every corner has points (a narrow plot, curves all
        over), the range grows upwards to leave a band for it at the top. A view the user has zoomed
        or panned is left alone.
        """
        view = self.widget.getViewBox()
        data = [curve.getData() for curve in self.curves.values()]  # y already log10 (log mode)
        if not data or view.width() <= 0 or view.height() <= 0:
            return
        if self._range is not None and not np.allclose(view.viewRange(), self._range):
            return
        self._fit_legend_names(view.width())
        xs = np.concatenate([x for x, _ in data])
        ys = np.concatenate([y for _, y in data])
        x0, x1 = xs.min() - 0.5, xs.max() + 0.5
        pad = max(0.06 * (ys.max() - ys.min()), 0.05)
        y0, y1 = ys.min() - pad, ys.max() + pad
        margin = 10
        size = self.legend.boundingRect()
        width = (size.width() + 2 * margin) / view.width()
        height = (size.height() + 2 * margin) / view.height()
        corner, covered = emptiest_corner((xs - x0) / (x1 - x0), (ys - y0) / (y1 - y0), width, height, margin)
        if covered and height < 0.6:
            y1 = y0 + (y1 - y0) / (1 - height)
            corner = (margin, margin)
        view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._range = view.viewRange()
        self.legend.setOffset(corner)

    def _fit_legend_names(self, room: float) -> None:
        """Long legend entries ('×0.72 per step back') when they fit the plot, short ones ('×0.72') if not."""
        legend = self.legend
        if not self._names:
            return
        metrics = QFontMetricsF(legend.items[0][1].item.font()) if legend.items else QFontMetricsF(QFont())
        longest = max(metrics.horizontalAdvance(long) for long, _short in self._names.values())
        pick = 0 if longest + 60 <= room else 1  # 60: the line sample, spacing and margins besides the text
        wanted = [(self.curves[cell], names[pick]) for cell, names in self._names.items()]
        if [label.text for _sample, label in legend.items] != [text for _curve, text in wanted]:
            legend.clear()  # new entries: pyqtgraph does not shrink an entry whose text got shorter
            for curve, text in wanted:
                legend.addItem(curve, text)


def emptiest_corner(
    xs: np.ndarray, ys: np.ndarray, width: float, height: float, margin: int = 10
) -> tuple[tuple[int, int], int]:
    """The corner of the plot whose legend-sized box covers the fewest points, and how many.

    xs, ys: (N,) points as fractions of the visible range, y upwards; width, height: the legend's
    share of the plot. The corner is a legend offset in pyqtgraph's signs (+ from the left/top,
    − from the right/bottom). A vanishing gradient leaves the top left and bottom right empty, an
    exploding one the bottom left and top right; ties go to the top left.
    """
    left, right = xs < width, xs > 1 - width
    top, bottom = ys > 1 - height, ys < height
    covered = {
        (margin, margin): np.sum(left & top),
        (-margin, -margin): np.sum(right & bottom),
        (-margin, margin): np.sum(right & top),
        (margin, -margin): np.sum(left & bottom),
    }
    corner = min(covered, key=covered.get)
    return corner, int(covered[corner])
