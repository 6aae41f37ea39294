"""A heatmap of any array of a check: hidden states, dL/da<t> or a gradient, signed or as log10|value|."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.gradient_lab import LabResult
from gui.elided_combo import ElidedComboBox
from gui.gradients.check_table import shape_text
from gui.plotting import pen

__all__ = ["HeatmapPanel", "heat_axes", "index_ticks"]

PICTURES_MIN_WIDTH = 230
GATE_WEIGHTS = ("f", "i", "c", "o")  # dWf .. dWo act on [a<t-1>; x<t>]: a line marks where x starts
SIGNED_LABEL = "value"
LOG_LABEL = "log₁₀|value|"


class HeatmapPanel(QWidget):
    """The chooser (array, sample, log), the heatmap with its labelled colour bar, and a line of details."""

    chosen = Signal(str)  # "cell:key" of the array now shown

    def __init__(self):
        super().__init__()
        self.result: LabResult | None = None
        self.array: np.ndarray | None = None  # the 2-D image shown, before any log
        self.origin = (0.0, 0.0)  # its top-left corner in plot coordinates
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        chooser = QHBoxLayout()
        self.combo = ElidedComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.setToolTip("The array shown in the heatmap: hidden states, ∂L/∂a⟨t⟩ or any gradient.")
        self.combo.currentIndexChanged.connect(self.redraw)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(1, 1)
        self.sample_spin.setPrefix("sample ")
        self.sample_spin.setToolTip("Which sequence of the batch to show for arrays over time.")
        self.sample_spin.valueChanged.connect(self.redraw)
        self.log_check = QCheckBox("log")
        self.log_check.setToolTip("Colour by log₁₀|value|, the order of magnitude: shows gradients that vanish over time.")
        self.log_check.toggled.connect(self.redraw)
        chooser.addWidget(self.combo, 1)
        chooser.addWidget(self.sample_spin)
        chooser.addWidget(self.log_check)
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setMinimumHeight(160)
        self.plot = self.widget.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.invertY(True)  # row 0 on top, as a matrix is written
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.split = pg.InfiniteLine(angle=90, pen=pen("grey", 1.5, dashed=True))
        self.split.setVisible(False)
        self.plot.addItem(self.split)
        self._diverging = pg.colormap.get("CET-D1A")  # signed values: blue < 0 < red
        self._sequential = pg.colormap.get("viridis")  # magnitudes
        self.colour_bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=self._diverging, width=14, interactive=False, pen="#888888", label=SIGNED_LABEL
        )
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.colour_bar.axis.enableAutoSIPrefix(False)  # the numbers as they are, not "500" for 0.5 with "(x0.001)"
        self.info = QLabel(" ")
        self.info.setStyleSheet("color: #555")
        # Wrapped onto a second line rather than widening the pane (or cut) when the window is narrow.
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)
        layout.addLayout(chooser)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.info)
        self.setMinimumWidth(PICTURES_MIN_WIDTH)

    def colour_bar_label(self) -> str:
        return self.colour_bar.getAxis("left").labelText

    # -- what can be shown ------------------------------------------------------------
    def show_result(self, result: LabResult) -> None:
        self.result = result
        previous = self.combo.currentData()
        with QSignalBlocker(self.combo):
            self.combo.clear()
            for label, cell, key in _sources(result):
                self.combo.addItem(label, f"{cell}:{key}")
            index = self.combo.findData(previous) if previous else -1
            self.combo.setCurrentIndex(max(index, 0))
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setRange(1, result.config.m)
        self.redraw()

    def choose(self, key: str) -> None:
        """Show array ``key`` ("cell:name") if the result has it."""
        index = self.combo.findData(key)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def _chosen_array(self) -> tuple[np.ndarray, str] | None:
        if self.result is None or self.combo.currentData() is None:
            return None
        cell, key = self.combo.currentData().split(":", 1)
        report = next(r for r in self.result.cells if r.cell == cell)
        if key == "a":
            return report.activations, "a"
        if key == "flow":
            return report.flow_gradient, "flow"
        return report.gradients[key], key

    # -- drawing ---------------------------------------------------------------------
    def redraw(self, *_args) -> None:
        chosen = self._chosen_array()
        if chosen is None:
            return
        array, key = chosen
        self.chosen.emit(self.combo.currentData())
        self.sample_spin.setEnabled(array.ndim == 3)
        if array.ndim == 3:  # (units, batch, time): one sequence of the batch
            sample = min(self.sample_spin.value(), array.shape[1]) - 1
            image = array[:, sample, :]
            origin = (0.5, -0.5)  # time steps count from 1
        else:
            image = array
            origin = (-0.5, -0.5)
        n_a = self.result.config.n_a
        left, bottom = heat_axes(key, n_a, image.shape[1])
        rows, cols = image.shape
        self.array, self.origin = image, origin
        limit = float(np.max(np.abs(image))) if image.size else 1.0
        limit = limit if limit > 0 else 1.0
        if self.log_check.isChecked():
            shown = np.log10(np.maximum(np.abs(image), 1e-300))
            low = max(float(shown.min()), np.log10(limit) - 16)  # float64 holds ~16 decades
            levels = (low, np.log10(limit)) if low < np.log10(limit) else (low - 1, low)
            self.colour_bar.setColorMap(self._sequential)
            self.colour_bar.setLabel("left", LOG_LABEL)
        else:
            shown = image
            levels = (-limit, limit)  # symmetric, so white is zero
            self.colour_bar.setColorMap(self._diverging)
            self.colour_bar.setLabel("left", SIGNED_LABEL)
        self.image.setImage(shown, autoLevels=False)
        self.image.setRect(QRectF(origin[0], origin[1], cols, rows))
        self.colour_bar.setLevels(levels)
        self.plot.setLabel("bottom", bottom)
        self.plot.setLabel("left", left)
        index_ticks(self.plot.getAxis("bottom"), int(origin[0] + 0.5), cols)
        index_ticks(self.plot.getAxis("left"), 0, rows)
        split = key.startswith("dW") and key[2:] in GATE_WEIGHTS
        self.split.setVisible(split)
        if split:
            self.split.setValue(n_a - 0.5)
        self.plot.setRange(xRange=(origin[0], origin[0] + cols), yRange=(origin[1], origin[1] + rows), padding=0.02)
        self.info.setText(_info(self.combo.currentText(), f"shape {shape_text(array.shape)}", f"max |value| {limit:.2e}"))

    def show_difference(self, title: str, image: np.ndarray) -> None:
        """A 2-D array that is not one of the check's (the bug lab's analytic minus numeric), signed."""
        rows, cols = image.shape
        self.array, self.origin = image, (-0.5, -0.5)
        limit = float(np.max(np.abs(image))) if image.size else 1.0
        limit = limit if limit > 0 else 1.0
        self.colour_bar.setColorMap(self._diverging)
        self.colour_bar.setLabel("left", "analytic − numeric")
        self.image.setImage(image, autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, cols, rows))
        self.colour_bar.setLevels((-limit, limit))
        self.plot.setLabel("bottom", "column")
        self.plot.setLabel("left", "row")
        index_ticks(self.plot.getAxis("bottom"), 0, cols)
        index_ticks(self.plot.getAxis("left"), 0, rows)
        self.split.setVisible(False)
        self.plot.setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0.02)
        self.info.setText(_info(title, f"max |difference| {limit:.2e}"))

    def _on_hover(self, position: QPointF) -> None:
        image = self.array
        if image is None or not self.plot.sceneBoundingRect().contains(position):
            return
        point = self.plot.vb.mapSceneToView(position)
        col = int(np.floor(point.x() - self.origin[0]))
        row = int(np.floor(point.y() - self.origin[1]))
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            where = f"t={col + 1}" if self.origin[0] > 0 else f"column {col}"
            self.info.setText(_info(self.combo.currentText(), f"row {row}, {where}: {image[row, col]:+.4e}"))


def _info(*parts: str) -> str:
    """The line under the heatmap (rich text): its parts joined by " · ", each kept whole when the line wraps."""
    # No break inside a part: non-breaking spaces, and a word joiner after "|" (Unicode lets a line break there).
    return " &nbsp;·&nbsp; ".join(html.escape(part).replace(" ", "&nbsp;").replace("|", "|\u2060") for part in parts)


def _sources(result: LabResult) -> list[tuple[str, str, str]]:
    """(label, cell, key) for every array the heatmap can show."""
    sources = []
    for report in result.cells:
        label = report.cell.upper()
        sources.append((f"{label} · a⟨t⟩ hidden states", report.cell, "a"))
        sources.append((f"{label} · ∂L/∂a⟨t⟩ (last-step loss)", report.cell, "flow"))
        for name in report.gradients:
            sources.append((f"{label} · d{name[1:]}", report.cell, name))
    return sources


def index_ticks(axis: pg.AxisItem, first: int, count: int) -> None:
    """Label the rows or columns of a heatmap by their index: every one of a small heatmap (where pyqtgraph
    would put ticks between cells), else every 2nd, 5th, 10th... so that at most eight labels never run together.
    """
    if count <= 6:
        axis.setTicks([[(first + i, str(first + i)) for i in range(count)]])
        return
    step = next(s for s in (2, 5, 10, 20, 50, 100, 200, 500, 1000) if count / s <= 8)
    start = -(-first // step) * step  # the first multiple of step at or after first
    axis.setTicks([[(v, str(v)) for v in range(start, first + count, step)]])


def heat_axes(key: str, n_a: int, columns: int) -> tuple[str, str]:
    """Axis labels (left, bottom) of the heatmap of array ``key`` ("a", "flow" or a gradient name)."""
    labels = {
        "a": ("hidden unit", "time step t"),
        "flow": ("hidden unit", "time step t"),
        "dx": ("input unit", "time step t"),
        "da0": ("hidden unit", "sequence in the batch"),
        "dWax": ("hidden unit", "input unit"),
        "dWaa": ("hidden unit", "hidden unit of a⟨t−1⟩"),
        "dWya": ("class", "hidden unit"),
        "dWy": ("class", "hidden unit"),
        "dby": ("class", ""),
    }
    if key.startswith("dW") and key[2:] in GATE_WEIGHTS:
        return "hidden unit", f"a⟨t−1⟩ (0–{n_a - 1})  |  x⟨t⟩ ({n_a}–{columns - 1})"
    return labels.get(key, ("hidden unit", ""))  # the biases of the hidden units
