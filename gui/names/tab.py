"""The Names tab: train a character-level model on a list of names, watch it learn, let it invent.

Left: the corpus (:mod:`gui.names.corpus_panel`), the training settings with
Train / Stop (:mod:`gui.names.training_panel`) and the model, saved and loaded
(:mod:`gui.names.model_panel`). Right: the loss per character as it trains
(:mod:`gui.names.loss_plot`), the names it samples along the way
(:mod:`gui.names.name_items`) and the names it invents on request
(:mod:`gui.names.sampling_panel`). Training, sampling and every file run on
workers; the GUI thread only draws, a few times a second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTabWidget, QWidget

from engine.jobs import Progress
from engine.names.corpus import Corpus, split_names
from engine.names.io import SUFFIX, SavedModel, model_metadata
from engine.names.presets import TrainConfig
from engine.names.train import TrainControl, TrainResult, train_job
from gui.layout import ControlsSplitter
from gui.messages import show_error
from gui.names.corpus_panel import CorpusPanel, bundled_corpus_path
from gui.names.inside_panel import InsidePanel
from gui.names.loss_plot import LossPlot
from gui.names.model_panel import ModelPanel
from gui.names.name_items import TrainingSamples
from gui.names.sampling_panel import SamplingPanel
from gui.names.training_panel import PRESET_LABELS, TrainingPanel
from gui.settings import app_settings, bind, save_bound
from gui.worker import JobWorker

__all__ = ["NamesTab"]

# Narrowest and widest the panes get (px): together they fit a window about 800 px wide.
CONTROLS_WIDTH = (240, 360)  # the control column never gets narrower than its widest row, though
CONTROLS_PREFERRED = 340
RESULTS_ROOMY_WIDTH = 700  # below this the controls column narrows before the results do
REDRAW_MS = 250  # the loss curves are redrawn at most four times a second while training


class NamesTab(QWidget):
    """Train, watch and sample a character-level model of names."""

    open_filter = "Name lists (*.txt *.csv *.lst *.tsv);;Names models (*.npz);;All files (*)"
    open_key = "names"
    status = Signal(str)  # shown by the main window while this tab is current

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.saved: SavedModel | None = None  # the model sampling uses (trained here or loaded)
        self._train_config: TrainConfig | None = None  # what the running (or last) training uses
        self._train_names: list[str] = []
        self._train_corpus: Corpus | None = None
        self._val_count = 0
        self._train_started = 0.0

        self.worker = JobWorker(self)
        self.corpus_panel = CorpusPanel()
        self.training = TrainingPanel(self.worker)  # its job panel follows the worker before the tab does
        self.model = ModelPanel()
        self.plot = LossPlot()
        self.samples = TrainingSamples()
        self.sampling = SamplingPanel()
        self.inside = InsidePanel()
        self.inside.names_source = self.sampling.sampled_names
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_trained)
        self.worker.failed.connect(self._on_train_failed)
        self.worker.running_changed.connect(self._on_training_changed)
        self.training.job.run_requested.connect(self.start_training)
        self.training.job.lock_while_running(self.corpus_panel.open_button, self.corpus_panel.bundled_button,
                                             self.corpus_panel.lowercase_check, self.model.load_button)
        self.training.held_out_changed.connect(self.corpus_panel.set_held_out_share)
        self.training.preset_combo.currentIndexChanged.connect(self._explain_samples)
        self.corpus_panel.loaded.connect(self._on_corpus)
        self.model.loaded.connect(self._on_model_loaded)
        for panel in (self.corpus_panel, self.model, self.sampling, self.inside):
            panel.message.connect(self.status)

        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self.plot.redraw)

        groups = [self.corpus_panel, self.training, self.model]
        self.splitter = ControlsSplitter(groups, self._arrange_results(), CONTROLS_WIDTH, CONTROLS_PREFERRED,
                                         RESULTS_ROOMY_WIDTH)
        self.controls = self.splitter.controls
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self._restore_settings()
        self._update_actions()

    def _arrange_results(self) -> QWidget:
        # The plot and the list share what the window gains or loses.
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.plot.widget)
        top.addWidget(self.samples)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)
        top.setSizes([680, 260])
        top.setChildrenCollapsible(False)
        below = QTabWidget()
        below.setDocumentMode(True)
        self.sampling.setTitle("")  # the page's tab says it
        below.addTab(self.sampling, "Invent names")
        below.addTab(self.inside, "Inside the model")
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(top)
        results.addWidget(below)
        results.setSizes([440, 360])
        results.setChildrenCollapsible(False)
        return results

    @property
    def corpus(self) -> Corpus | None:
        return self.corpus_panel.corpus

    # -- settings ----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        bind(self.corpus_panel.lowercase_check, "names/lowercase", True)
        self.training.bind_settings()
        bind(self.sampling.temp_slider, "names/temperature")
        bind(self.sampling.count_spin, "names/count")
        bind(self.sampling.min_length_spin, "names/min_length")
        self.corpus_panel.set_held_out_share(self.training.held_out_share())
        self._explain_samples()
        remembered = app_settings().value("names/corpus", "", type=str)
        if remembered:
            self.corpus_panel.load(remembered, quiet=True, fallback=True)
        else:
            self.corpus_panel.load_bundled()

    def save_state(self) -> None:
        """Remember the settings (the main window calls this when it closes)."""
        save_bound(self)
        source = self.corpus.source if self.corpus is not None else ""
        app_settings().setValue("names/corpus", "" if source == str(bundled_corpus_path()) else source)

    def _explain_samples(self) -> None:
        """The tip of the names sampled while training says how often the chosen preset samples."""
        try:
            config = self.training.training_config()
        except ValueError:
            config = TrainConfig()
        self.samples.set_tip(config.sample_every, config.samples)

    def training_config(self) -> TrainConfig:
        """The settings shown, as a TrainConfig (the preset plus the values in the controls)."""
        return replace(self.training.training_config(), lowercase=self.corpus_panel.lowercase_check.isChecked())

    def files_busy(self) -> bool:
        """True while a list of names or a model is being read or written."""
        return any(w.is_running() for w in (self.corpus_panel.loader, self.model.files, self.sampling.files))

    def set_training_steps(self, steps: int) -> None:
        self.training.steps_spin.setValue(steps)

    # -- files -------------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """File > Open and drops: a model (.npz) or a list of names."""
        if self.worker.is_running():  # as the Open and Load buttons are disabled while training
            self.status.emit(f"Training is running: stop it before opening {path.rsplit('/', 1)[-1]}.")
            return
        if path.lower().endswith(SUFFIX):
            self.model.load_from(path)
        else:
            self.corpus_panel.load(path)

    def _on_corpus(self, corpus: Corpus | None, _name: str) -> None:
        self._update_actions()

    def _on_model_loaded(self, saved: SavedModel, _path: str) -> None:
        self._use_model(saved)

    def _use_model(self, saved: SavedModel) -> None:
        self.saved = saved
        self.model.show_model(saved)
        self.sampling.set_model(saved)
        self.inside.set_model(saved)
        self._update_actions()
        self.sampling.generate()

    # -- training ------------------------------------------------------------------------
    def start_training(self) -> None:
        corpus = self.corpus
        if corpus is None or self.worker.is_running():
            return
        try:
            config = self.training_config()
        except ValueError as exc:
            show_error(self, "Cannot train with these settings", str(exc))
            return
        train, val = split_names(corpus.names, config.val_split, config.seed)
        self._train_config, self._train_names, self._train_corpus, self._val_count = config, train, corpus, len(val)
        self.plot.clear()
        self.samples.clear()
        self.samples.set_tip(config.sample_every, config.samples)
        self._train_started = time.monotonic()
        self.training.job.set_note(f"{config.cell.upper()} · {len(train):,} names, {len(val):,} held out")
        control = TrainControl()
        self.training.job.before_first_event = control.request_stop
        self.worker.start(lambda: train_job(train, val, config, control=control))
        self.status.emit(f"Training the {PRESET_LABELS[config.preset].split(' ')[0]} preset on {len(train):,} names…")

    def _on_progress(self, event: Progress) -> None:
        """Numbers go to the plot (drawn by the timer); the bar and note say where training is."""
        self.plot.add(event)
        if event.payload and "samples" in event.payload:
            self.samples.add(event.step, event.metrics.get("best_val_loss"), event.payload["samples"])
        if self._train_config is not None:
            self.training.show_progress(event, self._train_config, time.monotonic() - self._train_started)

    def _on_trained(self, result: TrainResult) -> None:
        self.plot.redraw()
        config, corpus = self._train_config, self._train_corpus
        metadata = model_metadata(result, corpus.source, len(corpus.names), self._val_count)
        metadata["hyperparameters"] = asdict(result.config)
        saved = SavedModel(result.model, result.vocab, config.lowercase, frozenset(self._train_names), metadata)
        self.training.show_finished(result)
        why = {"steps": "all steps done", "early stopping": "early stopping", "stopped": "stopped by hand",
               "time limit": "time limit"}.get(result.reason, result.reason)
        val = "—" if result.val_loss is None else f"{result.val_loss:.3f}"
        self.status.emit(f"Training finished ({why}): validation loss {val} nats per character after "
                         f"{result.steps:,} steps.")
        self._use_model(saved)

    def _on_train_failed(self, message: str, _trace: str) -> None:
        self.training.job.show_result("Failed", message, full=False)
        show_error(self, "Training failed", message)

    def _on_training_changed(self, running: bool) -> None:
        if running:
            self.redraw_timer.start()
        else:
            self.redraw_timer.stop()
            self.plot.redraw()
        self._update_actions()

    def _update_actions(self, *_args) -> None:
        training = self.worker.is_running()
        self.training.job.set_ready(self.corpus is not None)
        self.model.save_button.setEnabled(self.saved is not None and not training)
        self.sampling.update_actions()
