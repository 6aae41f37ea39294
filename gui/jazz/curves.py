"""Training curves: loss on the left axis, accuracy (0..1) on the right, per epoch.

Solid lines are measured on the training windows; dashed ones, when the engine
reports them (``val_loss``, ``val_accuracy``), on phrases held out of training --
the curves that say whether the model generalises or memorises.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.plotting import PALETTE, make_plot, pen

__all__ = ["CurvesPlot", "HINT_IDLE", "HINT_TRAINING"]

HINT_IDLE = "Press Train: the curves\ngrow here, epoch by epoch"
HINT_TRAINING = "The curves grow here\nonce the first epoch ends"

# metric -> (axis, colour, dashed)
SERIES = {
    "loss": ("left", "blue", False),
    "val_loss": ("left", "blue", True),
    "accuracy": ("right", "orange", False),
    "val_accuracy": ("right", "orange", True),
}


class CurvesPlot(QWidget):
    """A plot of per-epoch metrics with a hint while there is none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # No title: the coloured axis labels say what is drawn, and a narrow window keeps both axes.
        self.plot = make_plot("", "", "epoch", legend=False)
        self.plot.setMinimumHeight(150)
        self.plot.setMinimumWidth(200)
        item = self.plot.getPlotItem()
        item.setLabel("left", "loss", color=PALETTE["blue"])
        item.showAxis("right")
        item.setLabel("right", "accuracy", color=PALETTE["orange"])
        item.setContentsMargins(0, 10, 0, 0)  # room for the top tick label
        item.getAxis("right").setWidth(40)
        item.getAxis("left").setWidth(40)
        self.acc_view = pg.ViewBox()
        item.scene().addItem(self.acc_view)
        item.getAxis("right").linkToView(self.acc_view)
        self.acc_view.setXLink(item)
        self.acc_view.setYRange(0, 1, padding=0.02)
        self.acc_view.setMouseEnabled(x=False, y=False)
        item.getViewBox().sigResized.connect(
            lambda: self.acc_view.setGeometry(item.getViewBox().sceneBoundingRect())
        )
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name, (axis, colour, dashed) in SERIES.items():
            curve = pg.PlotDataItem([], [], pen=pen(colour, dashed=dashed), name=name)
            if axis == "left":
                item.addItem(curve)
            else:
                self.acc_view.addItem(curve)
            self.curves[name] = curve
        self.loss_curve, self.acc_curve = self.curves["loss"], self.curves["accuracy"]
        self.epochs_to_come = 0
        self.plot.setXRange(1, 10, padding=0.02)
        self.best_line = pg.InfiniteLine(angle=90, movable=False, pen=pen("green", width=1.2, dashed=True),
                                         label="kept", labelOpts={"position": 0.92, "color": PALETTE["green"]})
        self.best_line.hide()
        self.plot.addItem(self.best_line, ignoreBounds=True)
        self.hint = pg.TextItem(HINT_IDLE, color="#888", anchor=(0.5, 0.5))
        self.plot.addItem(self.hint, ignoreBounds=True)
        item.getViewBox().sigRangeChanged.connect(self._centre_hint)  # whatever epochs the axis shows
        self._centre_hint()
        # The key is a line under the plot: a legend inside would hide the curves of a small plot.
        self.key = QLabel(f"<span style='color:{PALETTE['blue']}'>loss</span> · "
                          f"<span style='color:{PALETTE['orange']}'>accuracy</span> — solid: training windows · "
                          f"dashed: held-out phrases · <span style='color:{PALETTE['green']}'>┆</span> kept epoch")
        self.key.setStyleSheet("color: #555; font-size: 8pt;")
        self.key.setWordWrap(True)
        self.key.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.key)

    def _centre_hint(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        self.hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def show_history(self, history: dict[str, list[float]], running: bool = False, best_epoch: int = 0) -> None:
        """Draw ``history`` (metric -> one value per epoch); the x axis spans the epochs to come.

        ``best_epoch`` (1-based) marks the epoch whose weights the model keeps.
        """
        self.best_line.setVisible(best_epoch > 0)
        if best_epoch > 0:
            self.best_line.setValue(best_epoch)
        epochs = len(history.get("loss", []))
        self.hint.setVisible(epochs == 0)
        self.hint.setText(HINT_TRAINING if running else HINT_IDLE)
        for name, curve in self.curves.items():
            values = [v for v in history.get(name, [])][:epochs]
            shown = bool(values) and not all(math.isnan(v) for v in values)
            curve.setData(list(range(1, len(values) + 1)) if shown else [], values if shown else [])
            curve.setSymbol("o" if shown and len(values) <= 60 and not SERIES[name][2] else None)
            curve.setSymbolSize(4)
            curve.setSymbolBrush(PALETTE[SERIES[name][1]])
            curve.setSymbolPen(None)
        self.key.setVisible(bool(history.get("val_loss")))
        self.plot.setXRange(1, max(10, epochs, self.epochs_to_come), padding=0.02)
