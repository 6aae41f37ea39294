"""The Names tab's corpus: the bundled dinosaurs or any opened list, read on a worker, with its statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.jobs import Progress
from engine.names.corpus import Corpus, load_corpus, split_names
from engine.resources import resource_path
from gui.messages import show_error
from gui.names.widgets import ElidedLabel, breakable
from gui.plotting import PALETTE
from gui.settings import last_folder, remember_folder
from gui.worker import JobWorker

__all__ = ["CorpusPanel", "bundled_corpus_path", "LIST_FILTER"]

LIST_FILTER = "Name lists (*.txt *.csv *.lst *.tsv);;All files (*)"


def bundled_corpus_path() -> Path:
    return resource_path("names", "dinosaurs.txt")


def _read_corpus(path: str, lowercase: bool):
    """The job that reads a list of names (on the panel's worker, never the GUI thread)."""
    yield Progress(0, None, f"Reading {Path(path).name}…")
    return load_corpus(path, lowercase=lowercase)


class CorpusPanel(QGroupBox):
    """The corpus box. ``loaded(corpus, name)`` after a list was read; ``corpus`` is the current one."""

    loaded = Signal(object, str)  # Corpus, the name to show
    message = Signal(str)  # a line for the status bar
    open_key = "names"

    def __init__(self):
        super().__init__("Corpus")
        self.corpus: Corpus | None = None
        self.held_out_share = 0.1  # for the "n held out" count; the training panel keeps it current
        self._quiet = False  # the read in progress must not complain (restoring a remembered list)
        self._fallback = False  # ... and on failure falls back to the bundled list
        self.loader = JobWorker(self)
        self.loader.finished.connect(self._on_read)
        self.loader.failed.connect(self._on_failed)

        layout = QVBoxLayout(self)
        self.corpus_label = ElidedLabel("—", bold=True)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a UTF-8 text file of names, one per line (or drop it on the window).")
        self.open_button.clicked.connect(self.open_dialog)
        self.bundled_button = QPushButton("Dinosaurs")
        self.bundled_button.setToolTip("Go back to the bundled list of dinosaur genus names.")
        self.bundled_button.clicked.connect(self.load_bundled)
        self.lowercase_check = QCheckBox("Lower-case")
        self.lowercase_check.setChecked(True)
        self.lowercase_check.setToolTip("Lower-case every name before training, as the course does.")
        self.lowercase_check.toggled.connect(self.reload)
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
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.bundled_button)
        layout.addLayout(title)
        layout.addLayout(buttons)
        layout.addWidget(self.stats_label)
        layout.addWidget(self.hist_plot)

    # -- reading -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a list of names", last_folder(self.open_key), LIST_FILTER)
        if path:
            remember_folder(self.open_key, path)
            self.load(path)

    def load_bundled(self) -> None:
        path = bundled_corpus_path()
        if not path.exists():
            self.corpus = None
            self.corpus_label.set_full_text("No corpus")
            self.stats_label.setText("The bundled dinosaur list is missing from this installation; open a list.")
            self.loaded.emit(None, "")
            return
        self.load(str(path))

    def reload(self) -> None:
        if self.corpus is not None:
            self.load(self.corpus.source)

    def load(self, path: str, quiet: bool = False, fallback: bool = False) -> None:
        """Read ``path`` on the worker; ``quiet``: no message if it fails, ``fallback``: then the dinosaurs."""
        if self.loader.is_running():
            self.loader.cancel()  # the newer request wins
            self.loader.shutdown(2000)
        self._quiet, self._fallback = quiet, fallback
        lowercase = self.lowercase_check.isChecked()
        self.loader.start(lambda: _read_corpus(path, lowercase))

    def _on_read(self, corpus: Corpus) -> None:
        self.corpus = corpus
        bundled = Path(corpus.source) == bundled_corpus_path()
        name = "Dinosaurs (bundled)" if bundled else Path(corpus.source).name
        self.corpus_label.set_full_text(name)
        self.corpus_label.setToolTip(str(corpus.source))
        self.show_stats()
        self.message.emit(f"Corpus: {name}: {corpus.describe()}")
        self.loaded.emit(corpus, name)

    def _on_failed(self, message: str, _trace: str) -> None:
        if self._fallback:
            self.load_bundled()
        elif not self._quiet:
            show_error(self, "Cannot use this list of names", message)

    # -- showing -------------------------------------------------------------------------
    def set_held_out_share(self, share: float) -> None:
        self.held_out_share = share
        self.show_stats()

    def show_stats(self) -> None:
        corpus = self.corpus
        if corpus is None:
            return
        lengths = [len(n) for n in corpus.names]
        n_val = len(split_names(corpus.names, self.held_out_share, 0)[1]) if len(corpus.names) > 1 else 0
        alphabet = corpus.alphabet
        shown = alphabet if len(alphabet) <= 40 else alphabet[:40] + "…"
        repeats = len(corpus.names) - corpus.unique_names
        lines = [
            f"{len(corpus.names):,} names" + (f" ({corpus.unique_names:,} different)" if repeats else "")
            + f", {n_val:,} held out",
            f"{len(alphabet)} characters: {breakable(shown.replace(' ', '␣'))}",
            f"length {min(lengths)}–{max(lengths)}, mean {np.mean(lengths):.1f}",
        ]
        if corpus.skipped_long:
            lines.append(f"{corpus.skipped_long:,} over-long lines skipped")
        self.stats_label.setText("\n".join(lines))
        hist = corpus.length_histogram()
        self.hist_bars.setOpts(x=list(hist), height=list(hist.values()), width=0.8)
        self.hist_plot.getPlotItem().setXRange(min(hist) - 0.8, max(hist) + 0.8, padding=0)
        self.hist_plot.getPlotItem().setYRange(0, max(hist.values()) * 1.08, padding=0)
