"""The Jazz tab: an LSTM learns a solo from a MIDI file and improvises over its chords.

Left, the controls in the order a musician works -- the pieces, training,
improvising, the band (:mod:`piece_panel`, :mod:`training_panel`,
:mod:`improvise_panel`, :mod:`band_panel`). Right, what there is to see: the
parts of the file (:mod:`parts_view`), the training curves (:mod:`curves`), and
piano rolls of the source (:mod:`source_view`) and of every variation
(:mod:`variations`), each to play (:mod:`playback`), export or drag out
(:mod:`export_actions`), with the Listen bar under them (:mod:`sound_panel`).

The panels share a :class:`~gui.jazz.session.JazzSession` and never call one
another; this class builds them, lays them out and routes the few signals that
cross. Nothing is built or read until the tab is first shown; TensorFlow and
music21 are imported only inside jobs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTabWidget, QVBoxLayout, QWidget

from gui.jazz.piece_panel import MIDI_FILTER, OPEN_KEY
from gui.jazz.session import JazzSession
from gui.layout import ControlsSplitter
from gui.settings import save_bound

__all__ = ["JazzTab"]

CONTROLS_WIDTH = (250, 380)  # never narrower than the widest row, though
CONTROLS_PREFERRED = 340
RESULTS_ROOMY_WIDTH = 620  # below this the controls narrow before the results do


class JazzTab(QWidget):
    """Open a piece, pick its melody, train, improvise, listen, export."""

    open_filter = MIDI_FILTER
    open_key = OPEN_KEY
    status = Signal(str)  # the main window shows it while this tab is current

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = JazzSession(self)
        self.session.status.connect(self.status)
        # The panels, built on first show (see ensure_built).
        self.piece = self.parts = self.training = self.improvise = self.band = self.sound = None
        self.source = self.variations = self.playback = self.exports = None
        self.views: QTabWidget | None = None
        self.splitter: ControlsSplitter | None = None
        self._built = False
        self._started = False
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)  # as the other tabs: nothing flush with the window edge

    def ensure_built(self) -> None:
        """Build the panels, once. Deferred to the first show: start-up pays nothing for this tab."""
        if self._built:
            return
        self._built = True
        from gui.jazz.band_panel import BandPanel
        from gui.jazz.export_actions import ExportActions
        from gui.jazz.improvise_panel import ImprovisePanel
        from gui.jazz.parts_view import PartsView
        from gui.jazz.piece_panel import PiecePanel
        from gui.jazz.playback import Playback
        from gui.jazz.sound_panel import SoundPanel
        from gui.jazz.source_view import SourceView
        from gui.jazz.training_panel import TrainingPanel
        from gui.jazz.variations import VariationsPage

        session = self.session
        self.piece, self.training = PiecePanel(session), TrainingPanel(session)
        self.improvise, self.band = ImprovisePanel(session), BandPanel()
        self.sound = SoundPanel(session, self.band)
        self.parts, self.source, self.variations = PartsView(session), SourceView(session), VariationsPage()
        self.playback = Playback(session, self.sound, self.source.first_beat, self._roll_for)
        self.exports = ExportActions(session, self.sound, self.playback)
        self.parts.melody_chosen.connect(self.piece.choose_melody)
        self.source.play_button.clicked.connect(lambda: self.playback.toggle("source"))
        self.playback.playing_changed.connect(self._on_playing)
        session.variations_changed.connect(self._show_variations)
        for signal in (session.busy_changed, session.piece_changed, session.model_changed,
                       session.variations_changed):
            signal.connect(self.update_enabled)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.parts)
        top.addWidget(self.training.curves)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([520, 360])
        top.setChildrenCollapsible(False)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.source, "Source")
        self.views.addTab(self.variations, "Variations")
        rolls = QWidget()  # the rolls, and under them the Listen bar (where a sequencer has its transport)
        rolls_layout = QVBoxLayout(rolls)
        rolls_layout.setContentsMargins(0, 0, 0, 0)
        rolls_layout.setSpacing(2)
        rolls_layout.addWidget(self.views, 1)
        rolls_layout.addWidget(self.sound)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(rolls)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 5)
        right.setSizes([230, 520])
        right.setChildrenCollapsible(False)
        groups = [self.piece, self.training, self.improvise, self.band]
        self.splitter = ControlsSplitter(groups, right, CONTROLS_WIDTH, CONTROLS_PREFERRED, RESULTS_ROOMY_WIDTH)
        self._layout.addWidget(self.splitter)
        self.update_enabled()

    # -- the window's contract --------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.ensure_built()
        super().showEvent(event)
        if not self._started:  # nothing is read until the tab is first looked at
            self._started = True
            QTimer.singleShot(0, self._first_show)

    def _first_show(self) -> None:
        self.sound.refresh_ports()
        self.sound.describe_synth()
        if self.session.song is None and not self.session.busy():
            self.piece.open_bundled()

    def open_path(self, path: str) -> None:
        """Open a MIDI file (File > Open or a drop on the window)."""
        self.ensure_built()
        self.piece.open_path(path)

    def save_state(self) -> None:
        """Called by the main window on close: remember every choice for next time."""
        if not self._built:  # never shown: nothing was changed
            return
        save_bound(self)
        self.sound.save_port()
        self.playback.stop()
        self.playback.player.release()

    # -- what crosses panels ----------------------------------------------------------------
    def _show_variations(self) -> None:
        self.playback.stop()
        views = self.variations.show_variations(self.session.variations, self.improvise.temperature_spin.value(),
                                                self.exports.drag_file)
        for view in views:
            view.play_clicked.connect(self.playback.toggle)
            view.export_clicked.connect(self.exports.export_dialog)
            view.wav_clicked.connect(self.exports.save_wav_dialog)
            view.lead_sheet_clicked.connect(self.exports.lead_sheet_dialog)
            view.drag_handle.dragged.connect(lambda p: self.session.report(f"Dragging {Path(p).name}"))
            view.drag_handle.not_ready.connect(
                lambda: self.session.report("The MIDI file is being written — drag again in a moment."))
        self.views.setTabText(1, f"Variations ({len(views)})")
        self.views.setCurrentIndex(1)

    def _roll_for(self, target):
        if target == "source":
            return self.source.roll
        views = self.variations.views
        if isinstance(target, int) and 0 <= target < len(views):
            return views[target].roll
        return None

    def _on_playing(self, target) -> None:
        self.source.set_playing(target == "source")
        for view in self.variations.views:
            view.set_playing(target == view.index)

    def update_enabled(self) -> None:
        session = self.session
        busy = session.busy()
        self.piece.update_enabled()
        self.parts.table.setEnabled(not busy and not session.training())
        self.training.update_enabled()
        self.improvise.update_enabled()
        for view in self.variations.views:
            view.export_button.setEnabled(not busy)
