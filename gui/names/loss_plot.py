"""The loss per character while the names model trains: a running mean of training, validation, the best.

Progress events only append numbers; the curves are redrawn by :meth:`LossPlot.redraw`,
which the tab calls from a timer a few times a second, so a fast stream of events
never costs more than a few redraws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from engine.jobs import Progress
from gui.names.widgets import StepAxis
from gui.plotting import PALETTE, make_plot, pen

__all__ = ["LossPlot", "LEGEND_NAMES"]

# Legend entries, long and short: the short ones when the long would cover much of a narrow plot.
LEGEND_NAMES = {
    "train": ("training (running mean)", "training"),
    "val": ("validation (held-out names)", "validation"),  # an ensemble: one line per member
    "ensemble": ("ensemble so far (validation)", "ensemble"),
}
PLOT_MIN_SIZE = (240, 170)


class LossPlot:
    """The plot (``widget``) and its data: steps and losses of training and validation."""

    def __init__(self):
        self.widget = make_plot("Loss per character", left="nats per character", bottom="training step")
        item = self.widget.getPlotItem()
        item.setAxisItems({"bottom": StepAxis(orientation="bottom")})
        item.setLabel("bottom", "training step")
        item.getAxis("left").setWidth(52)  # fixed: new tick labels never re-lay out the plot while it trains
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="mean")  # a 100,000-step run stays smooth
        self.train_curve = item.plot([], [], pen=pen("blue", 1.5), name=LEGEND_NAMES["train"][0])
        self.val_curve = item.plot(
            [], [], pen=pen("orange", 2), symbol="o", symbolSize=5, symbolBrush=PALETTE["orange"],
            symbolPen=None, name=LEGEND_NAMES["val"][0], connect="finite",  # each ensemble member its own line
        )
        self.ensemble_curve = pg.PlotDataItem([], [], pen=pen("green", 2))  # in the legend once it has points
        item.addItem(self.ensemble_curve)
        self.widget.getViewBox().sigResized.connect(self.fit_legend)
        self.best_line = pg.InfiniteLine(angle=0, pen=pen("orange", 1, dashed=True))
        self.best_line.setVisible(False)
        item.addItem(self.best_line)
        self.hint = pg.TextItem("Press Train to watch the model learn", color="#888888", anchor=(0.5, 0.5))
        item.addItem(self.hint)
        self.hint.setPos(0.5, 0.5)
        self.show_empty(True)
        item.setXRange(0, 1, padding=0)
        item.setYRange(0, 1, padding=0)
        self.widget.setMinimumSize(*PLOT_MIN_SIZE)
        self.train_steps: list[float] = []
        self.train_losses: list[float] = []
        self.val_steps: list[float] = []
        self.val_losses: list[float] = []
        self.ensemble_steps: list[float] = []
        self.ensemble_losses: list[float] = []
        self.member = 0  # the ensemble member whose numbers arrive (0 for a single model)
        self.dirty = False  # new numbers since the last redraw

    # -- data ----------------------------------------------------------------------------
    def clear(self) -> None:
        for values in (self.train_steps, self.train_losses, self.val_steps, self.val_losses,
                       self.ensemble_steps, self.ensemble_losses):
            values.clear()
        self.member = 0
        for curve in (self.train_curve, self.val_curve, self.ensemble_curve):
            curve.setData([], [])
        self.best_line.setVisible(False)
        self.show_empty(False)
        self.fit_legend()
        self.widget.getPlotItem().enableAutoRange()
        self.widget.getViewBox().disableAutoRange()  # redraw() frames the curves itself, in the same pass

    def add(self, event: Progress) -> None:
        """Take the losses of one progress event (drawn at the next redraw)."""
        metrics = event.metrics
        member = int(metrics.get("member", 0))
        if member != self.member and self.val_steps:  # a new member: its validation curve starts afresh
            self.val_steps.append(event.step)
            self.val_losses.append(float("nan"))
        self.member = member
        if "train_loss" in metrics:
            # Each event averages the last ~50 ms of steps; a short running mean calms the curve.
            value = metrics["train_loss"]
            if self.train_losses:
                value = 0.8 * self.train_losses[-1] + 0.2 * value
            self.train_steps.append(event.step)
            self.train_losses.append(value)
            self.dirty = True
        if "val_loss" in metrics:
            self.val_steps.append(event.step)
            self.val_losses.append(metrics["val_loss"])
            self.dirty = True
        if "ensemble_val_loss" in metrics:
            self.ensemble_steps.append(event.step)
            self.ensemble_losses.append(metrics["ensemble_val_loss"])
            self.dirty = True

    def redraw(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        self._frame()  # the range first: the curves then clip and downsample once, for the new range
        self.train_curve.setData(np.asarray(self.train_steps), np.asarray(self.train_losses))
        if self.val_steps:
            self.val_curve.setData(np.asarray(self.val_steps), np.asarray(self.val_losses))
            best = float(np.nanmin(self.val_losses + self.ensemble_losses))
            self.best_line.setValue(best)
            self.best_line.setVisible(True)
        if self.ensemble_steps:
            self.ensemble_curve.setData(np.asarray(self.ensemble_steps), np.asarray(self.ensemble_losses))
            self.fit_legend()

    def _frame(self) -> None:
        """Show every point: set the range with the new data, so one paint draws both (auto-range would
        repaint a second time once it noticed the data had grown)."""
        losses = [v for v in self.train_losses + self.val_losses + self.ensemble_losses if v == v]  # not NaN
        if not losses:
            return
        low, high = min(losses), max(losses)
        pad = 0.04 * (high - low) or 0.05
        last = max(self.train_steps[-1:] + self.val_steps[-1:] + self.ensemble_steps[-1:] + [1])
        self.widget.getViewBox().setRange(xRange=(0, last * 1.02), yRange=(low - pad, high + pad), padding=0)

    # -- looks ---------------------------------------------------------------------------
    def show_empty(self, empty: bool) -> None:
        """Before the first run: the hint alone, without a legend or the numbers of an axis that means nothing yet."""
        item = self.widget.getPlotItem()
        self.hint.setVisible(empty)
        if item.legend is not None:
            item.legend.setVisible(not empty)
        for side in ("left", "bottom"):
            item.getAxis(side).setStyle(showValues=not empty)

    def fit_legend(self, *_args) -> None:
        """Long legend entries when they take at most half the plot's width, short ones otherwise."""
        legend = self.widget.getPlotItem().legend
        if legend is None:
            return
        metrics = QFontMetricsF(legend.items[0][1].item.font()) if legend.items else QFontMetricsF(self.widget.font())
        curves = [("train", self.train_curve), ("val", self.val_curve)]
        if self.ensemble_steps:
            curves.append(("ensemble", self.ensemble_curve))
        longest = max(metrics.horizontalAdvance(LEGEND_NAMES[key][0]) for key, _curve in curves)
        pick = 0 if 2 * (longest + 50) <= self.widget.getViewBox().width() else 1  # 50: line sample, margins
        wanted = [(curve, LEGEND_NAMES[key][pick]) for key, curve in curves]
        if [label.text for _sample, label in legend.items] != [text for _curve, text in wanted]:
            legend.clear()  # pyqtgraph does not shrink an entry whose text got shorter
            for curve, text in wanted:
                legend.addItem(curve, text)

    def legend_names(self) -> list[str]:
        legend = self.widget.getPlotItem().legend
        return [label.text for _sample, label in legend.items]
