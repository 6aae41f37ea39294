"""The Names tab: train a character-level model on a list of names, watch it learn, let it invent.

Left: the corpus (bundled dinosaurs or any opened list, with its statistics),
the training settings with Train / Stop, and the model (save / load). Right:
the loss per character as it trains, the names it samples along the way, and
a sampling panel (temperature, prefix, count) whose names are marked new or
already known. Training and sampling run in workers; the window stays free.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.atomic import write_text_atomic
from engine.jobs import Progress
from engine.names.corpus import Corpus, CorpusError, load_corpus, split_names
from engine.names.io import ModelFileError, SavedModel, load_model, save_model
from engine.names.sample import sample_names
from engine.names.train import PRESETS, TrainControl, TrainResult, preset_config, train_job
from engine.resources import resource_path
from gui.layout import ControlsSplitter
from gui.plotting import PALETTE, make_plot, pen
from gui.settings import app_settings, last_folder, remember_folder
from gui.worker import JobWorker

__all__ = ["NamesTab"]

PRESET_LABELS = {"fast": "Fast (tuned)", "course": "Course (the notebook)"}
OPTIMIZER_LABELS = {"adam": "Adam", "sgd": "SGD"}
CLIP_LABELS = {"norm": "Global norm", "value": "Element-wise", "none": "None"}
KNOWN_COLOUR = "#8a8a8a"
NEW_COLOUR = "#1d1d1d"
MAX_TRAINING_SAMPLES = 400  # lines kept in the list of names sampled while training

# Legend entries, long and short: the short ones when the long would cover much of a narrow plot.
LEGEND_NAMES = {"train": ("training (running mean)", "training"), "val": ("validation (held-out names)", "validation")}
# Narrowest and widest the panes get (px): together they fit a window about 800 px wide.
CONTROLS_WIDTH = (240, 360)  # the control column never gets narrower than its widest row, though
CONTROLS_PREFERRED = 340
PLOT_MIN_SIZE = (240, 170)
DURING_MIN_WIDTH = 200
RESULTS_ROOMY_WIDTH = 700  # below this the controls column narrows before the results do


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _combo(labels: dict[str, str], tip: str) -> QComboBox:
    combo = QComboBox()
    for key, label in labels.items():
        combo.addItem(label, key)
    combo.setToolTip(tip)
    return combo


def _select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    if index >= 0:
        combo.setCurrentIndex(index)


def _breakable(text: str) -> str:
    """``text`` with a zero-width space between its characters, so a wrapping label may break it anywhere."""
    return "\u200b".join(text)


def _group(*widgets: QWidget) -> QWidget:
    """Widgets side by side in a plain container, kept together when a row wraps."""
    group = QWidget()
    layout = QHBoxLayout(group)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return group


class StepAxis(pg.AxisItem):
    """An axis of training steps, written as the progress bar writes them (35,000, not 35000)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        if spacing * scale < 1:
            return super().tickStrings(values, scale, spacing)
        return [f"{round(v * scale):,}" for v in values]


class ElidedLabel(QLabel):
    """One line of text that asks for no width: elided in the middle when narrow (``full_text`` is whole)."""

    def __init__(self, text: str = "", bold: bool = False):
        super().__init__()
        self._full = ""
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(self.width(), 1))
        if shown != self.text():
            self.setText(shown)


class WrappingRow(QWidget):
    """Controls on one line when there is room for them all, else on two.

    ``first`` stays on the first line with ``action`` (a button) at its right end; ``movable``
    follows ``first`` on a wide row and makes the second line of a narrow one. The row's minimum
    width is the two-line one, so a narrow window wraps the row instead of cutting it.
    """

    def __init__(self, first: QWidget, movable: list[QWidget], action: QWidget):
        super().__init__()
        self._first, self._movable, self._action = first, movable, action
        self._lines = QVBoxLayout(self)
        self._lines.setContentsMargins(0, 0, 0, 0)
        self._top, self._bottom = QHBoxLayout(), QHBoxLayout()
        self._lines.addLayout(self._top)
        self._lines.addLayout(self._bottom)
        self._top.addWidget(first)
        for widget in movable:
            self._top.addWidget(widget)
        self._top.addStretch(1)
        self._top.addWidget(action)
        self._bottom.addStretch(1)
        self.wrapped = False

    def _width(self, widgets: list[QWidget], hint: str) -> int:
        sizes = [getattr(w, hint)().width() for w in widgets]
        return sum(sizes) + self._top.spacing() * (len(sizes) - 1)

    def one_line_width(self) -> int:
        """The width below which the row wraps: everything at its preferred size on one line."""
        return self._width([self._first, *self._movable, self._action], "sizeHint")

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = max(self._width([self._first, self._action], "minimumSizeHint"),
                    self._width(self._movable, "minimumSizeHint"))
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.set_wrapped(event.size().width() < self.one_line_width())

    def set_wrapped(self, wrapped: bool) -> None:
        if wrapped == self.wrapped:
            return
        self.wrapped = wrapped
        for widget in self._movable:
            (self._top if wrapped else self._bottom).removeWidget(widget)
        if wrapped:
            for i, widget in enumerate(self._movable):
                self._bottom.insertWidget(i, widget)
        else:
            for i, widget in enumerate(self._movable, start=1):
                self._top.insertWidget(i, widget)
        self.updateGeometry()


class NamesTab(QWidget):
    """Train, watch and sample a character-level model of names."""

    open_filter = "Name lists (*.txt *.csv *.lst *.tsv);;Names models (*.npz);;All files (*)"
    open_key = "names"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.saved: SavedModel | None = None  # the model sampling uses (trained here or loaded)
        self._control: TrainControl | None = None
        self._train_started = 0.0
        self._train_steps: list[float] = []
        self._train_losses: list[float] = []
        self._val_steps: list[float] = []
        self._val_losses: list[float] = []
        self._plot_dirty = False
        self._stopping = False
        self._asked = 0  # how many names the last Generate asked for

        self.worker = JobWorker(self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_trained)
        self.worker.failed.connect(self._on_train_failed)
        self.worker.cancelled.connect(self._on_train_cancelled)
        self.worker.running_changed.connect(self._on_training_changed)
        self.sampler = JobWorker(self)
        self.sampler.finished.connect(self._on_sampled)
        self.sampler.failed.connect(self._on_sample_failed)
        self.sampler.running_changed.connect(self._update_actions)

        self._plot_timer = QTimer(self)
        self._plot_timer.setInterval(100)  # redraw the curves at most ten times a second
        self._plot_timer.timeout.connect(self._redraw_curves)

        groups = [self._build_corpus_box(), self._build_training_box(), self._build_model_box()]
        self.splitter = ControlsSplitter(
            groups, self._build_results(), CONTROLS_WIDTH, CONTROLS_PREFERRED, RESULTS_ROOMY_WIDTH
        )
        self.controls = self.splitter.controls
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self._restore_settings()
        self._update_actions()

    # -- building: the control column ---------------------------------------------------------
    def _build_corpus_box(self) -> QGroupBox:
        box = QGroupBox("Corpus")
        layout = QVBoxLayout(box)
        self.corpus_label = ElidedLabel("—", bold=True)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a UTF-8 text file of names, one per line (or drop it on the window).")
        self.open_button.clicked.connect(self.open_corpus_dialog)
        self.bundled_button = QPushButton("Dinosaurs")
        self.bundled_button.setToolTip("Go back to the bundled list of dinosaur genus names.")
        self.bundled_button.clicked.connect(self.load_bundled_corpus)
        self.lowercase_check = QCheckBox("Lower-case")
        self.lowercase_check.setChecked(True)
        self.lowercase_check.setToolTip("Lower-case every name before training, as the course does.")
        self.lowercase_check.toggled.connect(self._reload_corpus)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.bundled_button)
        self.stats_label = QLabel(" ")
        self.stats_label.setWordWrap(True)
        self.stats_label.setStyleSheet("color: #444")
        self.hist_plot = pg.PlotWidget()
        self.hist_plot.setFixedHeight(100)
        self.hist_plot.setMenuEnabled(False)
        self.hist_plot.setMouseEnabled(x=False, y=False)
        self.hist_plot.hideButtons()
        item = self.hist_plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.15)
        item.setLabel("bottom", "name length")
        item.getAxis("left").setWidth(34)
        self.hist_bars = pg.BarGraphItem(x=[0], height=[0], width=0.8, brush=PALETTE["sky"], pen=pg.mkPen(None))
        item.addItem(self.hist_bars)
        title = QHBoxLayout()
        title.addWidget(self.corpus_label, 1)
        title.addWidget(self.lowercase_check)
        layout.addLayout(title)
        layout.addLayout(buttons)
        layout.addWidget(self.stats_label)
        layout.addWidget(self.hist_plot)
        return box

    def _build_training_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.preset_combo = _combo(
            PRESET_LABELS,
            "Fast: tuned for the best held-out loss per second (LSTM, Adam, dropout, weight averaging).\n"
            "Course: the notebook's procedure, step for step (RNN, 50 units, one name per step, SGD).",
        )
        self.preset_combo.currentIndexChanged.connect(self._apply_preset)
        self.cell_combo = _combo({"lstm": "LSTM", "rnn": "RNN"}, "The recurrent cell.")
        self.hidden_spin = self._int_spin(1, 1024, "Hidden units n_a.")
        self.batch_spin = self._int_spin(1, 1024, "Names per training step (padded to the longest, masked).")
        self.batch_spin.valueChanged.connect(lambda v: self.batch_spin.setSuffix(" name" if v == 1 else " names"))
        self.steps_spin = self._int_spin(1, 10_000_000, "Training steps (at most: early stopping may end sooner).")
        self.steps_spin.setSingleStep(1000)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 1.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setToolTip("Learning rate.")
        self.optimizer_combo = _combo(OPTIMIZER_LABELS, "Adam adapts each weight's step; SGD is the course's.")
        clip_row = QHBoxLayout()
        self.clip_combo = _combo(
            CLIP_LABELS,
            "Gradient clipping. Global norm rescales the whole gradient (keeps its direction);\n"
            "element-wise clips every entry into [−limit, limit], as the course does.",
        )
        self.clip_spin = QDoubleSpinBox()
        self.clip_spin.setRange(0.1, 100.0)
        self.clip_spin.setDecimals(1)
        self.clip_spin.setToolTip("Clipping limit.")
        self.clip_combo.currentIndexChanged.connect(
            lambda: self.clip_spin.setEnabled(self.clip_combo.currentData() != "none")
        )
        clip_row.addWidget(self.clip_combo, 1)
        clip_row.addWidget(self.clip_spin)
        self.seed_spin = self._int_spin(0, 99_999, "Seed of the weights, the order of the names and the split.")
        self.seed_spin.setGroupSeparatorShown(False)  # a seed is a label, not a quantity
        self.val_spin = QSpinBox()
        self.val_spin.setRange(0, 50)
        self.val_spin.setSingleStep(5)
        self.val_spin.setValue(10)
        self.val_spin.setSuffix(" %")
        self.val_spin.setToolTip("Share of the names held out to measure the validation loss\n"
                                 "(never trained on; early stopping watches them).")
        self.val_spin.valueChanged.connect(self._show_corpus_stats)
        model_row = QHBoxLayout()
        model_row.addWidget(self.cell_combo, 1)
        model_row.addWidget(self.hidden_spin, 1)
        self.hidden_spin.setSuffix(" units")
        optimizer_row = QHBoxLayout()
        optimizer_row.addWidget(self.optimizer_combo, 1)
        optimizer_row.addWidget(self.lr_spin, 1)
        self.lr_spin.setPrefix("lr ")
        split_row = QHBoxLayout()
        split_row.addWidget(self.val_spin, 1)
        split_row.addWidget(QLabel("seed"))
        split_row.addWidget(self.seed_spin, 1)
        form.addRow("Preset", self.preset_combo)
        form.addRow("Cell", model_row)
        form.addRow("Batch", self.batch_spin)
        form.addRow("Steps", self.steps_spin)
        form.addRow("Optimizer", optimizer_row)
        form.addRow("Clipping", clip_row)
        form.addRow("Held out", split_row)

        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setMinimumHeight(30)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Not trained yet")
        self.progress_label = QLabel(" ")
        self.progress_label.setStyleSheet("color: #555")
        self.progress_label.setWordWrap(True)
        form.addRow(self.train_button)
        form.addRow(self.progress_bar)
        form.addRow(self.progress_label)
        return box

    def _build_model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        layout = QVBoxLayout(box)
        self.model_label = QLabel("No model yet: train one or load a saved one.")
        self.model_label.setWordWrap(True)
        self.model_label.setStyleSheet("color: #444")
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the model (weights, vocabulary and settings) to a .npz file.")
        self.save_button.clicked.connect(self.save_model_dialog)
        self.load_button = QPushButton("Load…")
        self.load_button.setToolTip("Load a model saved earlier.")
        self.load_button.clicked.connect(self.load_model_dialog)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.load_button)
        layout.addWidget(self.model_label)
        layout.addLayout(buttons)
        return box

    def _int_spin(self, low: int, high: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setGroupSeparatorShown(True)
        spin.setToolTip(tip)
        return spin

    # -- building: results -----------------------------------------------------------------
    def _build_results(self) -> QWidget:
        self.loss_plot = make_plot("Loss per character", left="nats per character", bottom="training step")
        item = self.loss_plot.getPlotItem()
        item.setAxisItems({"bottom": StepAxis(orientation="bottom")})
        item.setLabel("bottom", "training step")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="mean")  # a 100,000-step run stays smooth
        self.train_curve = item.plot([], [], pen=pen("blue", 1.5), name=LEGEND_NAMES["train"][0])
        self.val_curve = item.plot(
            [], [], pen=pen("orange", 2), symbol="o", symbolSize=5, symbolBrush=PALETTE["orange"],
            symbolPen=None, name=LEGEND_NAMES["val"][0],
        )
        self.loss_plot.getViewBox().sigResized.connect(self._fit_legend)
        self.best_line = pg.InfiniteLine(angle=0, pen=pen("orange", 1, dashed=True))
        self.best_line.setVisible(False)
        item.addItem(self.best_line)
        self.plot_hint = pg.TextItem("Press Train to watch the model learn", color="#888888", anchor=(0.5, 0.5))
        item.addItem(self.plot_hint)
        self.plot_hint.setPos(0.5, 0.5)
        self._show_empty_plot(True)
        item.setXRange(0, 1, padding=0)
        item.setYRange(0, 1, padding=0)

        during = QGroupBox("Sampled while training")
        during_layout = QVBoxLayout(during)
        self.training_samples = QListWidget()
        self.training_samples.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.training_samples.setUniformItemSizes(True)
        self.training_samples.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.training_samples.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.training_samples.addItem(self._hint_item("None yet: press Train."))
        # Every block is drawn with the same seed (as the course does), so a block differs from the
        # one before only by what the model learnt; the caption says so, since it shows.
        self.during_caption = QLabel("Same random draws each time: only the model changes.")
        self.during_caption.setWordWrap(True)
        self.during_caption.setMinimumWidth(100)
        self.during_caption.setStyleSheet("color: #555")
        during_layout.addWidget(self.during_caption)
        during_layout.addWidget(self.training_samples)
        during.setMinimumWidth(DURING_MIN_WIDTH)
        self.loss_plot.setMinimumSize(*PLOT_MIN_SIZE)

        # The plot and the list share what the window gains or loses.
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.loss_plot)
        top.addWidget(during)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)
        top.setSizes([680, 260])
        top.setChildrenCollapsible(False)

        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(top)
        results.addWidget(self._build_sampling_box())
        results.setSizes([440, 360])
        results.setChildrenCollapsible(False)
        return results

    def _build_sampling_box(self) -> QGroupBox:
        box = QGroupBox("Invent names")
        layout = QVBoxLayout(box)
        self.temp_slider = QSlider(Qt.Orientation.Horizontal)
        self.temp_slider.setRange(10, 200)
        self.temp_slider.setValue(100)
        self.temp_slider.setSingleStep(5)
        self.temp_slider.setPageStep(10)
        self.temp_slider.setMinimumWidth(90)
        self.temp_slider.setMaximumWidth(240)
        self.temp_slider.setToolTip("Temperature: below 1 the model plays safe, above 1 it takes risks.")
        self.temp_label = QLabel("1.00")
        self.temp_label.setMinimumWidth(30)
        self.temp_slider.valueChanged.connect(lambda v: self.temp_label.setText(f"{v / 100:.2f}"))
        self.prefix_edit = QLineEdit()
        self.prefix_edit.setPlaceholderText("start with…")
        self.prefix_edit.setMaxLength(40)
        self.prefix_edit.setToolTip("Optional prefix: every name starts with it (the model is primed with it).")
        self.prefix_edit.setMinimumWidth(90)
        self.prefix_edit.setMaximumWidth(130)
        self.prefix_edit.returnPressed.connect(self.generate)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 5000)
        self.count_spin.setValue(30)
        self.count_spin.setToolTip("How many names.")
        self.unique_check = QCheckBox("No repeats")
        self.unique_check.setChecked(True)
        self.unique_check.setToolTip("Draw until every name in the list is different.")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setMinimumWidth(96)
        self.generate_button.clicked.connect(self.generate)
        self.sampling_row = WrappingRow(
            _group(QLabel("Temperature"), self.temp_slider, self.temp_label),
            [_group(QLabel("Prefix"), self.prefix_edit), _group(QLabel("Count"), self.count_spin), self.unique_check],
            self.generate_button,
        )

        self.sample_list = QListWidget()
        self.sample_list.setViewMode(QListWidget.ViewMode.ListMode)
        self.sample_list.setFlow(QListWidget.Flow.LeftToRight)  # rows of names; a long list scrolls down
        self.sample_list.setWrapping(True)
        self.sample_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.sample_list.setUniformItemSizes(True)  # every item gets the grid cell's size (_on_sampled)
        self.sample_list.setViewportMargins(4, 4, 4, 4)  # names clear of the frame, on the list's own white
        palette = self.sample_list.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
        self.sample_list.setPalette(palette)
        self.sample_list.setAutoFillBackground(True)
        self.sample_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.sample_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        footer = QHBoxLayout()
        self.sample_summary = QLabel("Train a model, or load a saved one, to invent names.")
        self.sample_summary.setTextFormat(Qt.TextFormat.RichText)
        self.sample_summary.setWordWrap(True)
        self.sample_summary.setMinimumWidth(120)  # wraps instead of widening the pane
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected names (all when none is selected), one per line.")
        self.copy_button.clicked.connect(self.copy_names)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the names to a text file, one per line.")
        self.export_button.clicked.connect(self.export_names_dialog)
        footer.addWidget(self.sample_summary, 1)
        footer.addWidget(self.copy_button)
        footer.addWidget(self.export_button)

        layout.addWidget(self.sampling_row)
        layout.addWidget(self.sample_list, 1)
        layout.addLayout(footer)
        return box

    # -- sizing ------------------------------------------------------------------------------
    def _fit_legend(self, *_args) -> None:
        """Long legend entries when they take at most half the plot's width, short ones otherwise."""
        legend = self.loss_plot.getPlotItem().legend
        if legend is None:
            return
        metrics = QFontMetricsF(legend.items[0][1].item.font()) if legend.items else QFontMetricsF(self.font())
        longest = max(metrics.horizontalAdvance(long) for long, _short in LEGEND_NAMES.values())
        pick = 0 if 2 * (longest + 50) <= self.loss_plot.getViewBox().width() else 1  # 50: line sample, margins
        wanted = [(self.train_curve, LEGEND_NAMES["train"][pick]), (self.val_curve, LEGEND_NAMES["val"][pick])]
        if [label.text for _sample, label in legend.items] != [text for _curve, text in wanted]:
            legend.clear()  # pyqtgraph does not shrink an entry whose text got shorter
            for curve, text in wanted:
                legend.addItem(curve, text)

    def legend_names(self) -> list[str]:
        legend = self.loss_plot.getPlotItem().legend
        return [label.text for _sample, label in legend.items]

    # -- settings ----------------------------------------------------------------------------
    def _apply_preset(self) -> None:
        config = PRESETS[self.preset_combo.currentData()]
        _select(self.cell_combo, config.cell)
        self.hidden_spin.setValue(config.hidden)
        self.batch_spin.setValue(config.batch)
        self.steps_spin.setValue(config.steps)
        self.lr_spin.setValue(config.lr)
        _select(self.optimizer_combo, config.optimizer)
        _select(self.clip_combo, config.clip_mode)
        self.clip_spin.setValue(config.clip)
        self._set_training_samples_tip(config.sample_every, config.samples)

    def training_config(self):
        """The settings shown, as a TrainConfig (the preset plus the values in the controls)."""
        return preset_config(
            self.preset_combo.currentData(),
            cell=self.cell_combo.currentData(),
            hidden=self.hidden_spin.value(),
            batch=self.batch_spin.value(),
            steps=self.steps_spin.value(),
            lr=self.lr_spin.value(),
            optimizer=self.optimizer_combo.currentData(),
            clip_mode=self.clip_combo.currentData(),
            clip=self.clip_spin.value(),
            seed=self.seed_spin.value(),
            val_split=self.val_spin.value() / 100,
            lowercase=self.lowercase_check.isChecked(),
        )

    def _restore_settings(self) -> None:
        settings = app_settings()
        with QSignalBlocker(self.lowercase_check):
            self.lowercase_check.setChecked(settings.value("names/lowercase", True, type=bool))
        _select(self.preset_combo, settings.value("names/preset", "fast", type=str))
        self._apply_preset()
        saved = settings.value("names/training")
        if isinstance(saved, dict):
            try:
                _select(self.cell_combo, str(saved["cell"]))
                self.hidden_spin.setValue(int(saved["hidden"]))
                self.batch_spin.setValue(int(saved["batch"]))
                self.steps_spin.setValue(int(saved["steps"]))
                self.lr_spin.setValue(float(saved["lr"]))
                _select(self.optimizer_combo, str(saved["optimizer"]))
                _select(self.clip_combo, str(saved["clip_mode"]))
                self.clip_spin.setValue(float(saved["clip"]))
                self.seed_spin.setValue(int(saved["seed"]))
                self.val_spin.setValue(round(100 * float(saved["val_split"])))
            except (KeyError, TypeError, ValueError):
                self._apply_preset()
        self.temp_slider.setValue(settings.value("names/temperature", 100, type=int))
        self.count_spin.setValue(settings.value("names/count", 30, type=int))
        corpus = settings.value("names/corpus", "", type=str)
        if not (corpus and Path(corpus).is_file() and self._load_corpus(corpus, quiet=True)):
            self.load_bundled_corpus()

    def save_state(self) -> None:
        """Remember the settings (the main window calls this when it closes)."""
        settings = app_settings()
        settings.setValue("names/preset", self.preset_combo.currentData())
        settings.setValue("names/lowercase", self.lowercase_check.isChecked())
        settings.setValue("names/temperature", self.temp_slider.value())
        settings.setValue("names/count", self.count_spin.value())
        settings.setValue(
            "names/training",
            {
                "cell": self.cell_combo.currentData(), "hidden": self.hidden_spin.value(),
                "batch": self.batch_spin.value(), "steps": self.steps_spin.value(), "lr": self.lr_spin.value(),
                "optimizer": self.optimizer_combo.currentData(), "clip_mode": self.clip_combo.currentData(),
                "clip": self.clip_spin.value(), "seed": self.seed_spin.value(),
                "val_split": self.val_spin.value() / 100,
            },
        )
        bundled = str(resource_path("names", "dinosaurs.txt"))
        source = self.corpus.source if self.corpus is not None else ""
        settings.setValue("names/corpus", "" if source == bundled else source)

    # -- corpus ------------------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """File > Open and drops: a model (.npz) or a list of names."""
        if self.worker.is_running():  # as the Open and Load buttons are disabled while training
            self._status(f"Training is running: stop it before opening {Path(path).name}.")
            return
        if Path(path).suffix.lower() == ".npz":
            self.load_model_from(path)
        else:
            self._load_corpus(path)

    def open_corpus_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a list of names", last_folder(self.open_key),
                                              "Name lists (*.txt *.csv *.lst *.tsv);;All files (*)")
        if path:
            remember_folder(self.open_key, path)
            self._load_corpus(path)

    def load_bundled_corpus(self) -> None:
        path = resource_path("names", "dinosaurs.txt")
        if not path.exists():
            self.corpus = None
            self.corpus_label.set_full_text("No corpus")
            self.stats_label.setText("The bundled dinosaur list is missing from this installation; open a list.")
            self._update_actions()
            return
        self._load_corpus(str(path))

    def _reload_corpus(self) -> None:
        if self.corpus is not None:
            self._load_corpus(self.corpus.source)

    def _load_corpus(self, path: str, quiet: bool = False) -> bool:
        try:
            corpus = load_corpus(path, lowercase=self.lowercase_check.isChecked())
        except CorpusError as exc:
            if not quiet:
                QMessageBox.warning(self, "Cannot use this list of names", str(exc))
            return False
        self.corpus = corpus
        bundled = Path(path) == resource_path("names", "dinosaurs.txt")
        name = "Dinosaurs (bundled)" if bundled else Path(path).name
        self.corpus_label.set_full_text(name)
        self.corpus_label.setToolTip(str(path))
        self._show_corpus_stats()
        self._status(f"Corpus: {name}: {corpus.describe()}")
        self._update_actions()
        return True

    def _show_corpus_stats(self) -> None:
        corpus = self.corpus
        if corpus is None:
            return
        lengths = [len(n) for n in corpus.names]
        n_val = len(split_names(corpus.names, self.val_spin.value() / 100, 0)[1]) if len(corpus.names) > 1 else 0
        alphabet = corpus.alphabet
        shown = alphabet if len(alphabet) <= 40 else alphabet[:40] + "…"
        repeats = len(corpus.names) - corpus.unique_names
        lines = [
            f"{len(corpus.names):,} names" + (f" ({corpus.unique_names:,} different)" if repeats else "")
            + f", {n_val:,} held out",
            f"{len(alphabet)} characters: {_breakable(shown.replace(' ', '␣'))}",
            f"length {min(lengths)}–{max(lengths)}, mean {np.mean(lengths):.1f}",
        ]
        if corpus.skipped_long:
            lines.append(f"{corpus.skipped_long:,} over-long lines skipped")
        self.stats_label.setText("\n".join(lines))
        hist = corpus.length_histogram()
        self.hist_bars.setOpts(x=list(hist), height=list(hist.values()), width=0.8)
        self.hist_plot.getPlotItem().setXRange(min(hist) - 0.8, max(hist) + 0.8, padding=0)
        self.hist_plot.getPlotItem().setYRange(0, max(hist.values()) * 1.08, padding=0)

    # -- training ------------------------------------------------------------------------------
    def _on_train_clicked(self) -> None:
        if self.worker.is_running():
            if self._control is not None:
                self._control.request_stop()  # ends after the current step, keeping the model
            self._stopping = True
            self._update_actions()
            return
        self.start_training()

    def start_training(self) -> None:
        if self.corpus is None or self.worker.is_running():
            return
        try:
            config = self.training_config()
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train with these settings", str(exc))
            return
        train, val = split_names(self.corpus.names, config.val_split, config.seed)
        control = TrainControl()
        self._control = control
        self._train_config = config
        self._train_names = train
        self._train_corpus = self.corpus
        self._clear_curves()
        self.training_samples.clear()
        self._set_training_samples_tip(config.sample_every, config.samples)
        self._train_started = time.monotonic()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Starting…")
        self.progress_label.setText(f"{config.cell.upper()} · {len(train):,} names, {len(val):,} held out")
        self.worker.start(lambda: train_job(train, val, config, control=control))
        self._status(f"Training the {PRESET_LABELS[config.preset].split(' ')[0]} preset on {len(train):,} names…")

    def _clear_curves(self) -> None:
        self._train_steps.clear()
        self._train_losses.clear()
        self._val_steps.clear()
        self._val_losses.clear()
        self.train_curve.setData([], [])
        self.val_curve.setData([], [])
        self.best_line.setVisible(False)
        self._show_empty_plot(False)
        self.loss_plot.getPlotItem().enableAutoRange()

    def _show_empty_plot(self, empty: bool) -> None:
        """Before the first run: the hint alone, without a legend or the numbers of an axis that means nothing yet."""
        item = self.loss_plot.getPlotItem()
        self.plot_hint.setVisible(empty)
        if item.legend is not None:
            item.legend.setVisible(not empty)
        for side in ("left", "bottom"):
            item.getAxis(side).setStyle(showValues=not empty)

    def _on_progress(self, event: Progress) -> None:
        metrics = event.metrics
        if "train_loss" in metrics:
            # Each event averages the last ~50 ms of steps; a short running mean calms the curve.
            value = metrics["train_loss"]
            if self._train_losses:
                value = 0.8 * self._train_losses[-1] + 0.2 * value
            self._train_steps.append(event.step)
            self._train_losses.append(value)
            self._plot_dirty = True
        if "val_loss" in metrics:
            self._val_steps.append(event.step)
            self._val_losses.append(metrics["val_loss"])
            self._plot_dirty = True
        if event.payload and "samples" in event.payload:
            self._add_training_samples(event.step, metrics.get("best_val_loss"), event.payload["samples"])
        fraction = event.fraction or 0.0
        self.progress_bar.setValue(int(1000 * fraction))
        elapsed = time.monotonic() - self._train_started
        # Early stopping may end the run sooner: the time left is then an upper bound.
        bound = "≤ " if self._train_config.patience else ""
        left = _fmt_duration(elapsed * (1 - fraction) / fraction) if fraction > 0.002 else ""
        eta = f" · {bound}{left} left" if left else ""
        self.progress_bar.setFormat(f"step {event.step:,} of {event.total:,}{eta}")
        details = []
        if "train_loss" in metrics:
            details.append(f"train {metrics['train_loss']:.3f}")
        if self._val_losses:
            details.append(f"best val {min(self._val_losses):.3f} nats/char")
        if "smooth_loss" in metrics and self._train_config.preset == "course":
            details.append(f"smoothed loss {metrics['smooth_loss']:.2f}")
        if details:
            self.progress_label.setText(" · ".join(details) + f" · {_fmt_duration(elapsed)}")
        elif event.message:
            self.progress_label.setText(event.message)

    def _redraw_curves(self) -> None:
        if not self._plot_dirty:
            return
        self._plot_dirty = False
        self.train_curve.setData(np.asarray(self._train_steps), np.asarray(self._train_losses))
        if self._val_steps:
            self.val_curve.setData(np.asarray(self._val_steps), np.asarray(self._val_losses))
            self.best_line.setValue(min(self._val_losses))
            self.best_line.setVisible(True)

    def _set_training_samples_tip(self, every: int, count: int) -> None:
        self.training_samples.setToolTip(
            f"Every {every:,} steps, {count} names drawn with the same seed, as the course does; newest first.\n"
            "The n-th name of every block comes from the same random numbers, so names share their first\n"
            "letters while the model is unsure, and what changes from block to block is what it learnt,\n"
            "not chance. Grey italics: a name already in the training list."
        )
        self.during_caption.setToolTip(self.training_samples.toolTip())

    def _add_training_samples(self, step: int, best: float | None, samples) -> None:
        header = QListWidgetItem(f"step {step:,}" + (f" · best val {best:.3f}" if best is not None else ""))
        font = header.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        header.setFont(font)
        header.setForeground(QBrush(QColor(PALETTE["blue"])))
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        items = [header] + [self._name_item(s.name, s.new, indent=True) for s in samples]
        for row, item in enumerate(items):
            self.training_samples.insertItem(row, item)
        while self.training_samples.count() > MAX_TRAINING_SAMPLES:
            self.training_samples.takeItem(self.training_samples.count() - 1)

    def _hint_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setForeground(QBrush(QColor(KNOWN_COLOUR)))
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        return item

    def _name_item(self, name: str, new: bool, indent: bool = False, truncated: bool = False) -> QListWidgetItem:
        item = QListWidgetItem(("   " if indent else "") + (name or "∅") + ("…" if truncated else ""))
        item.setData(Qt.ItemDataRole.UserRole, name)
        if new:
            item.setForeground(QBrush(QColor(NEW_COLOUR)))
            tip = "New: not one of the training names"
        else:
            font = item.font()
            font.setItalic(True)
            item.setFont(font)
            item.setForeground(QBrush(QColor(KNOWN_COLOUR)))
            tip = "Known: already in the training names"
        if truncated:
            tip += "\nCut off at the maximum length before the model ended it"
        if not name:
            tip = "An empty name: the model ended it at once"
        item.setToolTip(tip)
        return item

    def _on_trained(self, result: TrainResult) -> None:
        self._redraw_curves()
        config = self._train_config
        metadata = {
            "train_loss": result.train_loss, "val_loss": result.val_loss, "steps": result.steps,
            "best_step": result.best_step, "seconds": round(result.seconds, 3),
            "corpus": {"source": str(self._train_corpus.source), "names": len(self._train_corpus.names)},
            "hyperparameters": asdict(config),
        }
        self.saved = SavedModel(result.model, result.vocab, config.lowercase, frozenset(self._train_names), metadata)
        val = "—" if result.val_loss is None else f"{result.val_loss:.3f}"
        took = _fmt_duration(result.seconds)
        bar = {
            "steps": f"Done: {result.steps:,} steps in {took}",
            "early stopping": f"Stopped early: {result.steps:,} steps in {took}",
            "stopped": f"Stopped at step {result.steps:,} ({took})",
            "time limit": f"Time limit: {result.steps:,} steps in {took}",
        }
        if result.reason != "stopped":  # a run stopped by hand shows how far it got
            self.progress_bar.setValue(1000)
        self.progress_bar.setFormat(bar.get(result.reason, f"Done: {result.steps:,} steps in {took}"))
        if result.val_loss is None:
            lines = ["No names held out: nothing to validate on."]
        elif result.best_step != result.steps:
            lines = [f"Kept step {result.best_step:,}, the best: validation {val} nats/char"]
        else:
            lines = [f"Validation {val} nats per character"]
        if config.preset == "course" and result.history.get("smooth_loss"):
            lines.append(f"The course's smoothed loss: {result.history['smooth_loss'][-1]:.2f}")
        self.progress_label.setText("\n".join(lines))
        self._show_model_info()
        why = {"steps": "all steps done", "early stopping": "early stopping", "stopped": "stopped by hand",
               "time limit": "time limit"}.get(result.reason, result.reason)
        self._status(f"Training finished ({why}): validation loss {val} nats per character after "
                     f"{result.steps:,} steps.")
        self._update_actions()
        self.generate()

    def _on_train_failed(self, message: str, _trace: str) -> None:
        self.progress_bar.setFormat("Failed")
        self.progress_label.setText(message)
        QMessageBox.warning(self, "Training failed", message)

    def _on_train_cancelled(self) -> None:
        self.progress_bar.setFormat("Cancelled")

    def _on_training_changed(self, running: bool) -> None:
        if running:
            self._plot_timer.start()
        else:
            self._plot_timer.stop()
            self._redraw_curves()
        self._update_actions()

    # -- model ---------------------------------------------------------------------------------
    def _show_model_info(self) -> None:
        saved = self.saved
        if saved is None:
            self.model_label.setText("No model yet: train one or load a saved one.")
            return
        meta = saved.metadata
        parts = [f"<b>{saved.model.cell.upper()}</b>, {saved.model.hidden} units, {saved.vocab.size} symbols"]
        if meta.get("steps"):
            parts.append(f"{int(meta['steps']):,} steps")
        if meta.get("val_loss") is not None:
            parts.append(f"validation {float(meta['val_loss']):.3f} nats/char")
        source = (meta.get("corpus") or {}).get("source")
        text = ", ".join(parts)
        if source:
            text += f"<br>trained on {Path(source).name}"
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        self.model_label.setText(text)

    def save_model_dialog(self) -> None:
        if self.saved is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", str(Path(last_folder(self.open_key)) /
                                              "names-model.npz"), "Names models (*.npz)")
        if path:
            remember_folder(self.open_key, path)
            self.save_model_to(path)

    def save_model_to(self, path: str) -> bool:
        saved = self.saved
        if saved is None:
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        meta = dict(saved.metadata)
        meta.pop("hyperparameters", None)
        try:
            save_model(path, saved.model, saved.vocab, lowercase=saved.lowercase, known_names=saved.known_names,
                       config=None, extra={"hyperparameters": saved.hyperparameters, **meta})
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot save the model", f"{path}: {exc}")
            return False
        self._status(f"Model saved to {path}")
        return True

    def load_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a model", last_folder(self.open_key), "Names models (*.npz)")
        if path:
            remember_folder(self.open_key, path)
            self.load_model_from(path)

    def load_model_from(self, path: str) -> bool:
        try:
            saved = load_model(path)
        except ModelFileError as exc:
            QMessageBox.warning(self, "Cannot load the model", str(exc))
            return False
        self.saved = saved
        self._show_model_info()
        self._status(f"Model loaded from {path}")
        self._update_actions()
        self.generate()
        return True

    # -- sampling -------------------------------------------------------------------------------
    def generate(self) -> None:
        saved = self.saved
        if saved is None or self.sampler.is_running():
            return
        model, vocab, known, lowercase = saved.model, saved.vocab, saved.known_names, saved.lowercase
        n, temperature = self.count_spin.value(), self.temp_slider.value() / 100
        prefix, unique = self.prefix_edit.text().strip(), self.unique_check.isChecked()
        self._asked = n

        def job():
            yield Progress(0, 1, "sampling")
            return sample_names(model, vocab, n, temperature=temperature, prefix=prefix, known=known,
                                unique=unique, lowercase=lowercase)

        self.sampler.start(job)

    def _on_sampled(self, names) -> None:
        self.sample_list.clear()
        self.sample_list.setGridSize(self._name_cell(names))
        for s in names:
            item = self._name_item(s.name, s.new, truncated=s.truncated)
            item.setSizeHint(self.sample_list.gridSize())
            self.sample_list.addItem(item)
        new = sum(s.new for s in names)
        text = (
            f"{len(names)} name{'' if len(names) == 1 else 's'}: <b>{new} new</b>, "
            f"<span style='color:{KNOWN_COLOUR}'><i>{len(names) - new} known</i></span> (already in the training names)"
        )
        if len(names) < self._asked:
            text += f"; only {len(names)} different of the {self._asked} asked for: the model keeps repeating itself"
        self.sample_summary.setText(text)
        self._update_actions()

    def _name_cell(self, names) -> QSize:
        """A grid cell as wide as the longest name (in italics, as known names are shown, with its '…' if cut).

        Only a name wider than the whole list (sampling stops at 50 characters) is elided.
        """
        font = self.sample_list.font()
        font.setItalic(True)
        metrics = QFontMetricsF(font)
        texts = [(s.name or "∅") + ("…" if s.truncated else "") for s in names]
        longest = max((metrics.horizontalAdvance(text) for text in texts), default=0.0)
        room = self.sample_list.viewport().width() - self.sample_list.verticalScrollBar().sizeHint().width()
        return QSize(int(max(min(longest + 24, room), 90)), int(metrics.height()) + 8)

    def _on_sample_failed(self, message: str, _trace: str) -> None:
        QMessageBox.warning(self, "Cannot generate names", message)

    def sampled_names(self, selected_only: bool = False) -> list[str]:
        items = self.sample_list.selectedItems() if selected_only else []
        if not items:
            items = [self.sample_list.item(i) for i in range(self.sample_list.count())]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items]

    def copy_names(self) -> None:
        names = self.sampled_names(selected_only=True)
        if names:
            QGuiApplication.clipboard().setText("\n".join(names) + "\n")
            self._status(f"Copied {len(names)} name{'s' if len(names) != 1 else ''}")

    def export_names_dialog(self) -> None:
        if not self.sample_list.count():
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export names", str(Path(last_folder(self.open_key)) /
                                              "names.txt"), "Text files (*.txt);;All files (*)")
        if path:
            remember_folder(self.open_key, path)
            self.export_names_to(path)

    def export_names_to(self, path: str) -> bool:
        try:
            write_text_atomic(path, "\n".join(self.sampled_names()) + "\n")
        except OSError as exc:
            QMessageBox.warning(self, "Cannot export the names", f"{path}: {exc.strerror or exc}")
            return False
        self._status(f"Exported {self.sample_list.count()} names to {path}")
        return True

    # -- state of the buttons --------------------------------------------------------------------
    def _update_actions(self, *_args) -> None:
        training = self.worker.is_running()
        if not training:
            self._stopping = False
        self.train_button.setEnabled((self.corpus is not None or training) and not self._stopping)
        self.train_button.setText("Stopping…" if self._stopping else "Stop" if training else "Train")
        for widget in (self.open_button, self.bundled_button, self.lowercase_check, self.preset_combo,
                       self.cell_combo, self.hidden_spin, self.batch_spin, self.steps_spin, self.lr_spin,
                       self.optimizer_combo, self.clip_combo, self.seed_spin, self.val_spin, self.load_button):
            widget.setEnabled(not training)
        self.clip_spin.setEnabled(not training and self.clip_combo.currentData() != "none")
        has_model = self.saved is not None
        self.save_button.setEnabled(has_model and not training)
        self.generate_button.setEnabled(has_model and not self.sampler.is_running())
        has_names = self.sample_list.count() > 0
        self.copy_button.setEnabled(has_names)
        self.export_button.setEnabled(has_names)

    def _status(self, message: str) -> None:
        window = self.window()
        if window is not self and hasattr(window, "statusBar"):
            window.statusBar().showMessage(message, 10_000)


