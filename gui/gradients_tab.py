"""The Gradients tab: RNN and LSTM cells forward and backward, checked and made visible.

Controls on the left choose a random problem; one job (engine.gradient_lab)
checks the course's backward functions against centred differences and
TensorFlow autodiff. The right side shows the verdict per gradient array, the
gradient flow over time, a heatmap of any gradient or of the hidden states,
and the equations the engine implements.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.gradient_lab import LIMITS, SCALE_RANGE, LabConfig, LabResult, gradient_lab_job
from engine.jobs import Progress
from gui.layout import ControlsSplitter
from gui.plotting import PALETTE, make_plot, pen
from gui.settings import app_settings
from gui.worker import JobWorker

__all__ = ["GradientsTab", "VERDICT_COLOURS"]

# Light tints of the palette, one per verdict (backgrounds of the error cells).
VERDICT_COLOURS = {
    "good": "#d5efe4",
    "acceptable": "#eef3c9",
    "suspicious": "#fde6bd",
    "wrong": "#f6cfbf",
    "unresolved": "#e4e4e4",
}
VERDICT_TEXT = {
    "good": "good: ≤ 1e-7",
    "acceptable": "acceptable: ≤ 1e-5",
    "suspicious": "suspicious: ≤ 1e-3",
    "wrong": "wrong: > 1e-3",
    "unresolved": "unresolved: too small for centred differences",
}
CELL_COLOURS = {"rnn": "blue", "lstm": "orange"}
CELL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "both": "RNN and LSTM"}
# The verdicts come right after the name, so a narrow table still shows them without scrolling.
COLUMNS = ("Cell", "Gradient", "vs numerical", "vs TF", "Shape", "Norm")
COL_NAME, COL_NUMERIC, COL_TF = 1, 2, 3

_SETTINGS_KEYS = ("n_x", "n_a", "n_y", "m", "T_x", "seed")

# Narrowest and widest the panes get (px): together they fit a window about 800 px wide.
CONTROLS_WIDTH = (220, 340)
TABLE_MIN_WIDTH = 260
PICTURES_MIN_WIDTH = 230
RESULTS_ROOMY_WIDTH = 660  # below this the controls column narrows before the results do


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


class SelectionOutlineDelegate(QStyledItemDelegate):
    """Shows the selected row as an outline, so the verdict colours of its cells stay visible.

    The usual selection fill would paint over them. (The view fills a selected row's panel with
    the highlight before the delegate paints, so every cell here paints its whole background.)
    Cells without a colour of their own get a light tint of the highlight.
    """

    OUTLINE = 2  # px

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        if not option.state & QStyle.StateFlag.State_Selected:
            super().paint(painter, option, index)
            return
        plain = QStyleOptionViewItem(option)
        plain.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
        highlight = option.palette.color(QPalette.ColorRole.Highlight)
        if index.data(Qt.ItemDataRole.BackgroundRole) is None:
            tint = QColor(highlight)
            tint.setAlpha(40)
            painter.fillRect(option.rect, option.palette.base())
            painter.fillRect(option.rect, tint)
        super().paint(painter, plain, index)
        rect, width = option.rect, self.OUTLINE
        painter.fillRect(rect.left(), rect.top(), rect.width(), width, highlight)
        painter.fillRect(rect.left(), rect.bottom() - width + 1, rect.width(), width, highlight)
        if index.column() == 0:
            painter.fillRect(rect.left(), rect.top(), width, rect.height(), highlight)
        if index.column() == index.model().columnCount() - 1:
            painter.fillRect(rect.right() - width + 1, rect.top(), width, rect.height(), highlight)


class GradientsTab(QWidget):
    """Checks and shows the gradients of the course's RNN and LSTM."""

    def __init__(self, parent: QWidget | None = None, auto_run: bool = True):
        super().__init__(parent)
        self.worker = JobWorker(self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.running_changed.connect(self._on_running_changed)

        self.result: LabResult | None = None
        self._auto_run_pending = auto_run
        self._started_at = 0.0
        self._shown_config: LabConfig | None = None

        self.splitter = ControlsSplitter(
            self._build_controls(), self._build_results(), CONTROLS_WIDTH, CONTROLS_WIDTH[1] - 20, RESULTS_ROOMY_WIDTH
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self._restore_settings()
        self._show_equations()

    # -- building ------------------------------------------------------------------
    def _spin(self, name: str, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        low, high = LIMITS[name]
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.valueChanged.connect(self._on_settings_changed)
        return spin

    def _build_controls(self) -> list[QWidget]:
        defaults = LabConfig()

        model = QGroupBox("Model")
        form = QFormLayout(model)
        self.cell_combo = QComboBox()
        for key in ("rnn", "lstm", "both"):
            self.cell_combo.addItem(CELL_LABELS[key], key)
        self.cell_combo.setCurrentIndex(2)
        self.cell_combo.setToolTip("Which cell to check; with both, the two are plotted over each other.")
        self.cell_combo.currentIndexChanged.connect(self._on_settings_changed)
        self.cell_combo.currentIndexChanged.connect(self._show_equations)
        form.addRow("Cell", self.cell_combo)
        self.n_x_spin = self._spin("n_x", defaults.n_x, "Size of each input vector x⟨t⟩.")
        self.n_a_spin = self._spin("n_a", defaults.n_a, "Size of the hidden state a⟨t⟩ (and the LSTM's memory c⟨t⟩).")
        self.n_y_spin = self._spin("n_y", defaults.n_y, "Number of output classes of the softmax.")
        form.addRow("Inputs n_x", self.n_x_spin)
        form.addRow("Hidden n_a", self.n_a_spin)
        form.addRow("Classes n_y", self.n_y_spin)

        problem = QGroupBox("Problem")
        form = QFormLayout(problem)
        self.m_spin = self._spin("m", defaults.m, "Number of sequences in the batch.")
        self.t_x_spin = self._spin("T_x", defaults.T_x, "Length of the sequences (time steps).")
        self.seed_spin = self._spin("seed", defaults.seed, "Seed of the random inputs, targets and weights.")
        self.scale_spin = QDoubleSpinBox()
        self.scale_spin.setRange(*SCALE_RANGE)
        self.scale_spin.setDecimals(2)
        self.scale_spin.setSingleStep(0.1)
        self.scale_spin.setValue(defaults.scale)
        self.scale_spin.setToolTip(
            "Weights are drawn from scale · N(0, 1/fan-in).\n"
            "Below 1 the gradient vanishes as it flows back in time; above 1 the RNN's grows until tanh saturates."
        )
        self.scale_spin.valueChanged.connect(self._on_settings_changed)
        self.loss_combo = QComboBox()
        self.loss_combo.addItem("All time steps", "all")
        self.loss_combo.addItem("Last time step", "last")
        self.loss_combo.setToolTip(
            "The checked loss: cross-entropy of the softmax outputs against random targets,\n"
            "summed over every step or taken on the last step only (averaged over the batch)."
        )
        self.loss_combo.currentIndexChanged.connect(self._on_settings_changed)
        form.addRow("Batch m", self.m_spin)
        form.addRow("Time steps T_x", self.t_x_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Weight scale", self.scale_spin)
        form.addRow("Loss on", self.loss_combo)

        check = QGroupBox("Check")
        box = QVBoxLayout(check)
        self.tf_check = QCheckBox("Cross-check with TensorFlow")
        self.tf_check.setChecked(True)
        self.tf_check.setToolTip("The same forward pass written in TensorFlow, differentiated by GradientTape (float64).")
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setMinimumHeight(30)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("Idle")
        self.progress_label = QLabel(" ")
        self.progress_label.setWordWrap(True)
        self.progress_label.setStyleSheet("color: #555")
        box.addWidget(self.tf_check)
        box.addWidget(self.run_button)
        box.addWidget(self.progress_bar)
        box.addWidget(self.progress_label)

        legend = QGroupBox("Colours of the error columns")
        grid = QVBoxLayout(legend)
        grid.setSpacing(3)
        caption = QLabel(
            "Relative error per array: ‖analytic − reference‖ / max(‖analytic‖, ‖reference‖), "
            "the reference being centred differences or TensorFlow."
        )
        caption.setWordWrap(True)
        caption.setMinimumWidth(120)  # wraps instead of widening the column
        caption.setStyleSheet("color: #555")
        grid.addWidget(caption)
        for key, text in VERDICT_TEXT.items():
            label = QLabel(text)
            label.setStyleSheet(
                f"background: {VERDICT_COLOURS[key]}; border: 1px solid #c8c8c8; border-radius: 3px; padding: 2px 6px"
            )
            label.setWordWrap(True)
            label.setMinimumWidth(100)
            grid.addWidget(label)

        return [model, problem, check, legend]

    def _build_results(self) -> QWidget:
        # Results table.
        table_box = QGroupBox("Gradient check")
        box = QVBoxLayout(table_box)
        self.summary_label = QLabel("No check yet: press Run.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setMinimumWidth(120)  # a wrapping label would otherwise ask for ~400 px
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        # Columns as wide as their contents, the last one taking what is left; a narrow table scrolls sideways.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setItemDelegate(SelectionOutlineDelegate(self.table))
        self.table.setToolTip("Click a row to show that gradient in the heatmap.")
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        self.table.cellClicked.connect(self._show_row_in_heatmap)  # also when the row was selected already
        self.tf_note = QLabel("")
        self.tf_note.setWordWrap(True)
        self.tf_note.setMinimumWidth(120)
        self.tf_note.setStyleSheet("color: #555")
        box.addWidget(self.summary_label)
        box.addWidget(self.table, 1)
        box.addWidget(self.tf_note)
        table_box.setMinimumWidth(TABLE_MIN_WIDTH)

        # Gradient flow.
        # A short title: pyqtgraph will not let the plot be narrower than it.
        self.flow_plot = make_plot(left="‖∂L/∂a⟨t⟩‖", bottom="time step t", legend=True)
        self.flow_plot.setTitle(
            "Gradient flow<br><span style='font-size: 9pt; color: #555555'>loss on the last step only</span>",
            size="11pt",
        )
        self.flow_plot.setLogMode(x=False, y=True)
        self.flow_plot.getAxis("left").enableAutoSIPrefix(False)
        self.flow_legend = self.flow_plot.getPlotItem().legend
        self.flow_legend.setOffset((10, 10))  # moved to the emptiest corner once there are curves
        self.flow_legend.setBrush(pg.mkBrush(255, 255, 255, 210))  # readable where it must cover a curve
        self.flow_legend.setPen(pg.mkPen("#d0d0d0"))
        self.flow_plot.getViewBox().sigResized.connect(self._place_flow_legend)
        self.flow_curves: dict[str, pg.PlotDataItem] = {}
        self._flow_range: list[list[float]] | None = None  # the range last set, to tell a user's zoom
        self._flow_names: dict[str, tuple[str, str]] = {}  # cell: legend entry, long and short
        self.flow_plot.setMinimumSize(PICTURES_MIN_WIDTH, 160)

        # Heatmap with its chooser.
        heat_box = QWidget()
        heat_layout = QVBoxLayout(heat_box)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        chooser = QHBoxLayout()
        self.heat_combo = QComboBox()
        self.heat_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.heat_combo.setMinimumContentsLength(10)
        self.heat_combo.setToolTip("The array shown in the heatmap: hidden states, ∂L/∂a⟨t⟩ or any gradient.")
        self.heat_combo.currentIndexChanged.connect(self._show_heatmap)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(1, 1)
        self.sample_spin.setPrefix("sample ")
        self.sample_spin.setToolTip("Which sequence of the batch to show for arrays over time.")
        self.sample_spin.valueChanged.connect(self._show_heatmap)
        self.log_check = QCheckBox("log")
        self.log_check.setToolTip(
            "Colour by log₁₀|value|, the order of magnitude: shows gradients that vanish over time."
        )
        self.log_check.toggled.connect(self._show_heatmap)
        chooser.addWidget(self.heat_combo, 1)
        chooser.addWidget(self.sample_spin)
        chooser.addWidget(self.log_check)
        self.heat_widget = pg.GraphicsLayoutWidget()
        self.heat_widget.setMinimumHeight(160)
        self.heat_plot = self.heat_widget.addPlot()
        self.heat_plot.setMenuEnabled(False)
        self.heat_plot.invertY(True)  # row 0 on top, as a matrix is written
        self.heat_image = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heat_image)
        self.heat_split = pg.InfiniteLine(angle=90, pen=pen("grey", 1.5, dashed=True))
        self.heat_split.setVisible(False)
        self.heat_plot.addItem(self.heat_split)
        self._diverging = pg.colormap.get("CET-D1A")  # signed values: blue < 0 < red
        self._sequential = pg.colormap.get("viridis")  # magnitudes
        self.colour_bar = pg.ColorBarItem(
            values=(-1, 1), colorMap=self._diverging, width=14, interactive=False, pen="#888888"
        )
        self.colour_bar.setImageItem(self.heat_image, insert_in=self.heat_plot)
        self.heat_info = QLabel(" ")
        self.heat_info.setStyleSheet("color: #555")
        # Clipped rather than widening the pane when the window is narrow.
        self.heat_info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heat_plot.scene().sigMouseMoved.connect(self._on_heat_hover)
        self._heat_array: np.ndarray | None = None
        self._heat_origin = (0.0, 0.0)
        heat_layout.addLayout(chooser)
        heat_layout.addWidget(self.heat_widget, 1)
        heat_layout.addWidget(self.heat_info)
        heat_box.setMinimumWidth(PICTURES_MIN_WIDTH)

        # Equations.
        self.equations = QTextBrowser()
        self.equations.setOpenExternalLinks(False)
        self.equations.setMinimumHeight(90)

        # Words on the left (table, equations), pictures on the right (flow, heatmap).
        words = QSplitter(Qt.Orientation.Vertical)
        words.addWidget(table_box)
        words.addWidget(self.equations)
        words.setSizes([540, 240])
        pictures = QSplitter(Qt.Orientation.Vertical)
        pictures.addWidget(self.flow_plot)
        pictures.addWidget(heat_box)
        pictures.setSizes([380, 400])
        results = QSplitter(Qt.Orientation.Horizontal)
        results.addWidget(words)
        results.addWidget(pictures)
        results.setSizes([530, 430])
        for splitter in (words, pictures, results):
            splitter.setChildrenCollapsible(False)
        return results

    # -- settings ------------------------------------------------------------------
    def config(self, use_tf: bool | None = None) -> LabConfig:
        """The settings shown in the controls."""
        return LabConfig(
            cell=self.cell_combo.currentData(),
            n_x=self.n_x_spin.value(),
            n_a=self.n_a_spin.value(),
            n_y=self.n_y_spin.value(),
            m=self.m_spin.value(),
            T_x=self.t_x_spin.value(),
            seed=self.seed_spin.value(),
            scale=round(self.scale_spin.value(), 2),
            loss=self.loss_combo.currentData(),
            use_tf=self.tf_check.isChecked() if use_tf is None else use_tf,
        )

    def set_config(self, config: LabConfig) -> None:
        """Show ``config`` in the controls (does not run)."""
        config.validate()
        self.cell_combo.setCurrentIndex(self.cell_combo.findData(config.cell))
        for name, spin in self._spins().items():
            spin.setValue(getattr(config, name))
        self.scale_spin.setValue(config.scale)
        self.loss_combo.setCurrentIndex(self.loss_combo.findData(config.loss))
        self.tf_check.setChecked(config.use_tf)

    def _spins(self) -> dict[str, QSpinBox]:
        return {
            "n_x": self.n_x_spin,
            "n_a": self.n_a_spin,
            "n_y": self.n_y_spin,
            "m": self.m_spin,
            "T_x": self.t_x_spin,
            "seed": self.seed_spin,
        }

    def _restore_settings(self) -> None:
        settings = app_settings()
        try:
            values = {k: int(settings.value(f"gradients/{k}", getattr(LabConfig, k))) for k in _SETTINGS_KEYS}
            config = LabConfig(
                cell=str(settings.value("gradients/cell", LabConfig.cell)),
                scale=float(settings.value("gradients/scale", LabConfig.scale)),
                loss=str(settings.value("gradients/loss", LabConfig.loss)),
                use_tf=str(settings.value("gradients/use_tf", "true")).lower() == "true",
                **values,
            )
            self.set_config(config)
        except (TypeError, ValueError):
            self.set_config(LabConfig())  # stored settings from elsewhere or damaged: start afresh

    def save_state(self) -> None:
        """Remember the controls (called by the main window when it closes)."""
        config = self.config()
        settings = app_settings()
        for key in (*_SETTINGS_KEYS, "cell", "scale", "loss"):
            settings.setValue(f"gradients/{key}", getattr(config, key))
        settings.setValue("gradients/use_tf", "true" if config.use_tf else "false")

    # -- running -------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._auto_run_pending:
            # A quick first check so the tab is never empty; TensorFlow waits for Run (it takes seconds to load).
            self._auto_run_pending = False
            self.run(self.config(use_tf=False))

    def run(self, config: LabConfig | None = None) -> None:
        """Start a check with ``config`` (default: the controls' settings)."""
        if self.worker.is_running():
            return
        config = config or self.config()
        try:
            config.validate()
        except ValueError as exc:
            QMessageBox.warning(self, "Gradient check", str(exc))
            return
        self._started_at = time.perf_counter()
        self._status("Gradient check running…")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Starting…")
        self.progress_label.setText("Computing analytic gradients…")
        self.worker.start(lambda: gradient_lab_job(config))

    def stop(self) -> None:
        self.worker.cancel()

    def _on_run_clicked(self) -> None:
        if self.worker.is_running():
            self.stop()
        else:
            self.run()

    def _on_running_changed(self, running: bool) -> None:
        self.run_button.setText("Stop" if running else "Run")
        self.run_button.setToolTip("Stop the check" if running else "Check the gradients with these settings")

    def _on_progress(self, event: Progress) -> None:
        if event.fraction is None:
            self.progress_bar.setRange(0, 0)  # busy: TensorFlow is loading or differentiating
        else:
            self.progress_bar.setRange(0, 100)
            percent = int(round(100 * event.fraction))
            self.progress_bar.setValue(percent)
            elapsed = time.perf_counter() - self._started_at
            if 0.02 < event.fraction < 1.0:
                eta = elapsed * (1.0 - event.fraction) / event.fraction
                self.progress_bar.setFormat(f"{percent}%  ·  ETA {eta:.1f} s")
            else:
                self.progress_bar.setFormat(f"{percent}%")
        self.progress_label.setText(event.message)
        if isinstance(event.payload, LabResult):
            self._show_result(event.payload)

    def _on_finished(self, result: LabResult) -> None:
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(100)
        self.progress_bar.setFormat("Done")
        seconds = time.perf_counter() - self._started_at
        self.progress_label.setText(f"Finished in {seconds:.2f} s")
        self._show_result(result)
        self._status(f"Gradient check done in {seconds:.2f} s. {self._verdict_summary(result)}")

    def _on_failed(self, message: str, trace: str) -> None:
        self._reset_progress("Failed")
        QMessageBox.warning(self, "Gradient check failed", message)

    def _on_cancelled(self) -> None:
        self._reset_progress("Stopped")
        self._status("Gradient check stopped")

    def _reset_progress(self, text: str) -> None:
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(text)
        self.progress_label.setText(" ")

    def _status(self, message: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 10_000)

    def _on_settings_changed(self, *_args) -> None:
        self._update_summary()

    # -- showing results -----------------------------------------------------------
    def _show_result(self, result: LabResult) -> None:
        self.result = result
        self._shown_config = result.config
        self._fill_table(result)
        self._plot_flow(result)
        self._fill_heat_choices(result)
        self._update_summary()
        self._show_equations()

    def _update_summary(self) -> None:
        result = self.result
        if result is None:
            return
        loss = "all steps" if result.config.loss == "all" else "the last step"
        text = f"<b>{CELL_LABELS[result.config.cell]}</b>, loss on {loss}. {self._verdict_summary(result)}"
        if self.config(use_tf=result.config.use_tf) != result.config:
            text += " <span style='color:#b35900'>Settings changed since: press Run.</span>"
        self.summary_label.setText(text)

        status = result.tf_status
        if status == "skipped":
            if self.tf_check.isChecked():
                note = "TensorFlow column: press Run (TensorFlow takes a few seconds to load)."
            else:
                note = "TensorFlow column: tick “Cross-check with TensorFlow” and press Run."
        elif status == "pending":
            note = "TensorFlow column: loading TensorFlow and differentiating…"
        elif status == "checked":
            note = (
                f"Numerical check {result.numeric_seconds:.2f} s; "
                f"TensorFlow autodiff (float64 GradientTape) {result.tf_seconds:.2f} s."
            )
        else:
            note = status
        self.tf_note.setText(note)

    @staticmethod
    def _verdict_summary(result: LabResult) -> str:
        """E.g. 'Against centred differences: 18 good, 1 unresolved (worst 7.9e-01). Against TensorFlow: ...'"""
        rows = result.rows
        parts = []
        columns = [("centred differences", [r.numeric_verdict() for r in rows], [r.rel_err_numeric for r in rows])]
        tf = [r for r in rows if r.rel_err_tf is not None]
        if tf:
            columns.append(("TensorFlow", [r.tf_verdict() for r in tf], [r.rel_err_tf for r in tf]))
        for label, verdicts, errors in columns:
            counts = ", ".join(f"{verdicts.count(v)} {v}" for v in VERDICT_COLOURS if verdicts.count(v))
            parts.append(f"Against {label}: {counts} (worst {max(errors):.1e}).")
        return " ".join(parts)

    def _error_item(self, value: float | None, verdict: str | None, floor: float | None = None) -> QTableWidgetItem:
        if value is None:
            item = QTableWidgetItem("—")
            item.setForeground(QBrush(QColor("#999999")))
            item.setToolTip("Not checked against TensorFlow in this run.")
        else:
            item = QTableWidgetItem(f"{value:.1e}  {verdict}")
            item.setBackground(QBrush(QColor(VERDICT_COLOURS[verdict])))
            tip = VERDICT_TEXT[verdict]
            if floor is not None:
                tip += f"\nCentred differences can resolve this array to about {floor:.0e}."
            if verdict == "unresolved":
                tip += (
                    "\nThe gradient is so small next to the loss that rounding swamps the differences;"
                    "\njudge it by the TensorFlow column."
                )
            item.setToolTip(tip)
        item.setData(Qt.ItemDataRole.UserRole, verdict)
        item.setTextAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        return item

    def _fill_table(self, result: LabResult) -> None:
        rows = result.rows
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        with QSignalBlocker(self.table):
            self.table.clearContents()
            self.table.setRowCount(len(rows))
            for i, row in enumerate(rows):
                cell = QTableWidgetItem(row.cell.upper())
                cell.setForeground(QBrush(QColor(PALETTE[CELL_COLOURS[row.cell]])))
                name = QTableWidgetItem(row.name)
                name.setFont(mono)
                name.setData(Qt.ItemDataRole.UserRole, f"{row.cell}:{row.name}")
                shape = QTableWidgetItem(_shape_text(row.shape))
                norm = QTableWidgetItem(f"{row.norm:.3e}")
                items = [
                    cell,
                    name,
                    self._error_item(row.rel_err_numeric, row.numeric_verdict(), row.numeric_floor),
                    self._error_item(row.rel_err_tf, row.tf_verdict()),
                    shape,
                    norm,
                ]
                for j, item in enumerate(items):
                    self.table.setItem(i, j, item)

    def _plot_flow(self, result: LabResult) -> None:
        plot = self.flow_plot.getPlotItem()
        for curve in self.flow_curves.values():
            plot.removeItem(curve)
        self.flow_curves.clear()
        self._flow_names.clear()
        for report in result.cells:
            colour = CELL_COLOURS[report.cell]
            steps = np.arange(1, report.flow.size + 1)
            norms = np.maximum(report.flow, 1e-300)  # a log axis cannot show zero
            name = short = report.cell.upper()
            if norms.size > 1:  # the average factor per step back in time: < 1 vanishes, > 1 explodes
                factor = (norms[0] / norms[-1]) ** (1.0 / (norms.size - 1))
                shown = f"{factor:.2f}" if 0.01 <= factor < 100 else f"{factor:.1e}"
                name += f"  ×{shown} per step back"
                short += f"  ×{shown}"
            self._flow_names[report.cell] = (name, short)
            curve = plot.plot(
                steps,
                norms,
                pen=pen(colour, 2.0),
                symbol="o",
                symbolSize=6,
                symbolBrush=PALETTE[colour],
                symbolPen=None,
                name=name,
            )
            self.flow_curves[report.cell] = curve
        self._flow_range = None
        self._place_flow_legend()

    def _place_flow_legend(self, *_args) -> None:
        """Frame the curves and put the legend where it hides none of their points.

        The legend goes to an empty corner; when every corner has points (a narrow plot, curves all
        over), the range grows upwards to leave a band for it at the top. A view the user has zoomed
        or panned is left alone.
        """
        view = self.flow_plot.getViewBox()
        data = [curve.getData() for curve in self.flow_curves.values()]  # y already log10 (log mode)
        if not data or view.width() <= 0 or view.height() <= 0:
            return
        if self._flow_range is not None and not np.allclose(view.viewRange(), self._flow_range):
            return
        self._fit_legend_names(view.width())
        xs = np.concatenate([x for x, _ in data])
        ys = np.concatenate([y for _, y in data])
        x0, x1 = xs.min() - 0.5, xs.max() + 0.5
        pad = max(0.06 * (ys.max() - ys.min()), 0.05)
        y0, y1 = ys.min() - pad, ys.max() + pad
        margin = 10
        size = self.flow_legend.boundingRect()
        width = (size.width() + 2 * margin) / view.width()
        height = (size.height() + 2 * margin) / view.height()
        corner, covered = _emptiest_corner((xs - x0) / (x1 - x0), (ys - y0) / (y1 - y0), width, height, margin)
        if covered and height < 0.6:
            y1 = y0 + (y1 - y0) / (1 - height)
            corner = (margin, margin)
        view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._flow_range = view.viewRange()
        self.flow_legend.setOffset(corner)

    def _fit_legend_names(self, room: float) -> None:
        """Long legend entries ('×0.72 per step back') when they fit the plot, short ones ('×0.72') if not."""
        legend = self.flow_legend
        if not self._flow_names:
            return
        metrics = QFontMetricsF(legend.items[0][1].item.font()) if legend.items else QFontMetricsF(QFont())
        longest = max(metrics.horizontalAdvance(long) for long, _short in self._flow_names.values())
        pick = 0 if longest + 60 <= room else 1  # 60: the line sample, spacing and margins besides the text
        wanted = [(self.flow_curves[cell], names[pick]) for cell, names in self._flow_names.items()]
        if [label.text for _sample, label in legend.items] != [text for _curve, text in wanted]:
            legend.clear()  # new entries: pyqtgraph does not shrink an entry whose text got shorter
            for curve, text in wanted:
                legend.addItem(curve, text)

    def _heat_sources(self, result: LabResult) -> list[tuple[str, str, str]]:
        """(label, cell, key) for every array the heatmap can show."""
        sources = []
        for report in result.cells:
            label = report.cell.upper()
            sources.append((f"{label} · a⟨t⟩ hidden states", report.cell, "a"))
            sources.append((f"{label} · ∂L/∂a⟨t⟩ (last-step loss)", report.cell, "flow"))
            for name in report.gradients:
                sources.append((f"{label} · d{name[1:]}", report.cell, name))
        return sources

    def _fill_heat_choices(self, result: LabResult) -> None:
        previous = self.heat_combo.currentData()
        with QSignalBlocker(self.heat_combo):
            self.heat_combo.clear()
            for label, cell, key in self._heat_sources(result):
                self.heat_combo.addItem(label, f"{cell}:{key}")
            index = self.heat_combo.findData(previous) if previous else -1
            self.heat_combo.setCurrentIndex(max(index, 0))
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setRange(1, result.config.m)
        self._show_heatmap()

    def _chosen_heat_array(self) -> tuple[np.ndarray, str] | None:
        if self.result is None or self.heat_combo.currentData() is None:
            return None
        cell, key = self.heat_combo.currentData().split(":", 1)
        report = next(r for r in self.result.cells if r.cell == cell)
        if key == "a":
            return report.activations, "a"
        if key == "flow":
            return report.flow_gradient, "flow"
        return report.gradients[key], key

    def _show_heatmap(self, *_args) -> None:
        chosen = self._chosen_heat_array()
        if chosen is None:
            return
        array, key = chosen
        self._select_heatmap_row()
        self.sample_spin.setEnabled(array.ndim == 3)
        if array.ndim == 3:  # (units, batch, time): one sequence of the batch
            sample = min(self.sample_spin.value(), array.shape[1]) - 1
            image = array[:, sample, :]
            origin = (0.5, -0.5)  # time steps count from 1
        else:
            image = array
            origin = (-0.5, -0.5)
        left, bottom = _heat_axes(key, self.result.config.n_a, image.shape[1])
        n_a = self.result.config.n_a
        rows, cols = image.shape
        self._heat_array = image
        self._heat_origin = origin
        limit = float(np.max(np.abs(image))) if image.size else 1.0
        limit = limit if limit > 0 else 1.0
        if self.log_check.isChecked():
            shown = np.log10(np.maximum(np.abs(image), 1e-300))
            low = max(float(shown.min()), np.log10(limit) - 16)  # float64 holds ~16 decades
            levels = (low, np.log10(limit)) if low < np.log10(limit) else (low - 1, low)
            self.colour_bar.setColorMap(self._sequential)
        else:
            shown = image
            levels = (-limit, limit)  # symmetric, so white is zero
            self.colour_bar.setColorMap(self._diverging)
        self.heat_image.setImage(shown, autoLevels=False)
        self.heat_image.setRect(QRectF(origin[0], origin[1], cols, rows))
        self.colour_bar.setLevels(levels)
        self.heat_plot.setLabel("bottom", bottom)
        self.heat_plot.setLabel("left", left)
        _index_ticks(self.heat_plot.getAxis("bottom"), int(origin[0] + 0.5), cols)
        _index_ticks(self.heat_plot.getAxis("left"), 0, rows)
        split = key.startswith("dW") and key[2:] in ("f", "i", "c", "o")
        self.heat_split.setVisible(split)
        if split:
            self.heat_split.setValue(n_a - 0.5)
        self.heat_plot.setRange(
            xRange=(origin[0], origin[0] + cols), yRange=(origin[1], origin[1] + rows), padding=0.02
        )
        self.heat_info.setText(
            f"{self.heat_combo.currentText()}  ·  shape {_shape_text(array.shape)}  ·  max |value| {limit:.2e}"
        )

    def _on_heat_hover(self, position: QPointF) -> None:
        image = self._heat_array
        if image is None or not self.heat_plot.sceneBoundingRect().contains(position):
            return
        point = self.heat_plot.vb.mapSceneToView(position)
        col = int(np.floor(point.x() - self._heat_origin[0]))
        row = int(np.floor(point.y() - self._heat_origin[1]))
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            where = f"t={col + 1}" if self._heat_origin[0] > 0 else f"column {col}"
            self.heat_info.setText(
                f"{self.heat_combo.currentText()}  ·  row {row}, {where}: {image[row, col]:+.4e}"
            )

    def _on_table_selection(self) -> None:
        """Selecting a row (by mouse or keyboard) shows that gradient in the heatmap."""
        items = self.table.selectedItems()
        if items:
            self._show_row_in_heatmap(items[0].row())

    def _show_row_in_heatmap(self, row: int, _column: int = 0) -> None:
        item = self.table.item(row, COL_NAME)
        index = self.heat_combo.findData(item.data(Qt.ItemDataRole.UserRole)) if item else -1
        if index >= 0:
            self.heat_combo.setCurrentIndex(index)

    def _select_heatmap_row(self) -> None:
        """Select the table row of the gradient in the heatmap (none for hidden states or ∂L/∂a⟨t⟩)."""
        key = self.heat_combo.currentData()
        with QSignalBlocker(self.table):
            for row in range(self.table.rowCount()):
                item = self.table.item(row, COL_NAME)
                if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                    self.table.selectRow(row)
                    break
            else:
                self.table.clearSelection()
        self.table.viewport().update()

    def _show_equations(self, *_args) -> None:
        cell = self.cell_combo.currentData()
        parts = [_EQUATIONS_HEAD]
        if cell in ("rnn", "both"):
            parts.append(_RNN_EQUATIONS)
        if cell in ("lstm", "both"):
            parts.append(_LSTM_EQUATIONS)
        parts.append(_LOSS_EQUATIONS)
        self.equations.setHtml("".join(parts))


def _emptiest_corner(
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


def _index_ticks(axis: pg.AxisItem, first: int, count: int) -> None:
    """Label each row or column of a small heatmap by its index, where pyqtgraph would put ticks between
    cells (at 0.5, or at ±0.4 for a single column); larger ones keep pyqtgraph's spacing, which is integral.
    """
    if count <= 6:
        axis.setTicks([[(first + i, str(first + i)) for i in range(count)]])
    else:
        axis.setTicks(None)  # pyqtgraph's own spacing


def _heat_axes(key: str, n_a: int, columns: int) -> tuple[str, str]:
    """Axis labels (left, bottom) of the heatmap of array ``key`` ("a", "flow" or a gradient name)."""
    gate = key.startswith("dW") and key[2:] in ("f", "i", "c", "o")
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
    if gate:
        return "hidden unit", f"a⟨t−1⟩ (0–{n_a - 1})  |  x⟨t⟩ ({n_a}–{columns - 1})"
    return labels.get(key, ("hidden unit", ""))  # the biases of the hidden units


def _sub(text: str) -> str:
    return f"<sub>{text}</sub>"


def _eq(*equations: str) -> str:
    """One line of equations; a narrow panel wraps between equations, never inside one."""
    return "<p class='eq'>" + ", &nbsp; ".join(e.replace(" ", "&nbsp;") for e in equations) + "</p>"


def _differs(text: str) -> str:
    """A note on where widely copied versions differ: text on a tint with an orange stripe on its left."""
    return (
        "<table class='diff' width='100%' cellspacing='0' cellpadding='0' border='0'><tr>"
        "<td width='4' bgcolor='#E69F00'></td>"
        f"<td bgcolor='#fdf1e2' style='padding: 4px 8px'>{text}</td></tr></table>"
    )


_STYLE = """
<style>
 body { font-size: 10pt; }
 h3 { margin: 12px 0 4px 0; color: #0072B2; font-size: 11pt; }
 p.eq { font-family: 'DejaVu Serif', 'Times New Roman', serif; font-size: 11pt; margin: 3px 0 3px 28px;
        text-indent: -16px; }
 p.note { color: #444; margin: 4px 0 4px 0; }
 table.diff { margin: 6px 0 6px 0; }
</style>
"""

_EQUATIONS_HEAD = (
    _STYLE
    + "<p class='note'>The equations as the engine implements them (⊙ is the elementwise product, "
    "σ the logistic sigmoid, ⟨t⟩ a time step). Orange notes mark where widely copied tutorial versions differ.</p>"
)

_RNN_EQUATIONS = (
    "<h3>RNN forward</h3>"
    + _eq(f"a⟨t⟩ = tanh(W{_sub('ax')} x⟨t⟩ + W{_sub('aa')} a⟨t−1⟩ + b{_sub('a')})")
    + _eq(f"ŷ⟨t⟩ = softmax(W{_sub('ya')} a⟨t⟩ + b{_sub('y')})")
    + _differs("The output reads the <b>new</b> state a⟨t⟩. Some copies compute it from a⟨t−1⟩.")
    + "<h3>RNN backward (rnn_cell_backward, rnn_backward)</h3>"
    + _eq(f"∂L/∂a⟨t⟩ = da⟨t⟩ + da{_sub('prev')} from step t+1")
    + _eq("dz = (1 − a⟨t⟩²) ⊙ ∂L/∂a⟨t⟩")
    + _eq(f"dx⟨t⟩ = W{_sub('ax')}ᵀ dz", f"da{_sub('prev')} = W{_sub('aa')}ᵀ dz")
    + _eq(
        f"dW{_sub('ax')} += dz x⟨t⟩ᵀ",
        f"dW{_sub('aa')} += dz a⟨t−1⟩ᵀ",
        f"db{_sub('a')} += Σ{_sub('batch')} dz",
    )
    + _differs(
        f"Each step receives da⟨t⟩ <b>plus</b> the da{_sub('prev')} sent back by step t+1; dropping it "
        "leaves every earlier step with only its own output's gradient."
    )
)

_GATE_INPUT = "[a⟨t−1⟩; x⟨t⟩]"

_LSTM_EQUATIONS = (
    "<h3>LSTM forward</h3>"
    + _eq(
        f"f = σ(W{_sub('f')} {_GATE_INPUT} + b{_sub('f')})",
        f"i = σ(W{_sub('i')} {_GATE_INPUT} + b{_sub('i')})",
    )
    + _eq(
        f"c̃ = tanh(W{_sub('c')} {_GATE_INPUT} + b{_sub('c')})",
        f"o = σ(W{_sub('o')} {_GATE_INPUT} + b{_sub('o')})",
    )
    + _eq("c⟨t⟩ = f ⊙ c⟨t−1⟩ + i ⊙ c̃", "a⟨t⟩ = o ⊙ tanh(c⟨t⟩)")
    + _eq(f"ŷ⟨t⟩ = softmax(W{_sub('y')} a⟨t⟩ + b{_sub('y')})", "c⟨0⟩ = 0")
    + "<h3>LSTM backward (lstm_cell_backward, lstm_backward)</h3>"
    + _eq(f"dc = dc{_sub('next')} + da{_sub('next')} ⊙ o ⊙ (1 − tanh²c⟨t⟩)")
    + _eq(
        f"dz{_sub('o')} = da{_sub('next')} ⊙ tanh c⟨t⟩ ⊙ o(1 − o)",
        f"dz{_sub('c')} = dc ⊙ i ⊙ (1 − c̃²)",
    )
    + _eq(f"dz{_sub('i')} = dc ⊙ c̃ ⊙ i(1 − i)", f"dz{_sub('f')} = dc ⊙ c⟨t−1⟩ ⊙ f(1 − f)")
    + _eq(
        f"dW{_sub('g')} += dz{_sub('g')} {_GATE_INPUT}ᵀ",
        f"db{_sub('g')} += Σ{_sub('batch')} dz{_sub('g')}",
        "(g = f, i, c, o)",
    )
    + _eq(f"[da{_sub('prev')}; dx⟨t⟩] = Σ{_sub('g')} W{_sub('g')}ᵀ dz{_sub('g')}", f"dc{_sub('prev')} = dc ⊙ f")
    + _differs(
        f"A well-known version leaves dc{_sub('next')} out of dc and ⊙ f out of dc{_sub('prev')}: "
        f"the memory path, the reason an LSTM remembers, is cut. lstm_backward must also add da{_sub('prev')} "
        "to da⟨t⟩. The course notebook's printed values for lstm_backward cannot be reproduced by correct math."
    )
)

_LOSS_EQUATIONS = (
    "<h3>The checked loss</h3>"
    + _eq(f"L = −(1/m) Σ{_sub('t')} Σ{_sub('i')} log ŷ⟨t⟩[target]")
    + _eq(
        f"∂L/∂z{_sub('y')}⟨t⟩ = (ŷ⟨t⟩ − onehot(target))/m",
        f"da⟨t⟩ = W{_sub('y')}ᵀ ∂L/∂z{_sub('y')}⟨t⟩",
    )
    + "<p class='note'>Summed over all steps or the last step only. The gradient-flow plot always uses the last "
    "step, so vanishing and exploding gradients appear as a straight slope on its log axis. "
    "Centred differences: (L(θ+h) − L(θ−h)) / 2h with h = 10⁻⁵ for every element of every array.</p>"
)
