"""The Jazz tab: an LSTM learns a solo from a MIDI file and improvises over its chords.

Left, the controls in the order a musician works: the piece, training,
improvising, listening. Right, what there is to see: the parts of the file
(pick the melody), the training curves, and piano rolls of the source and of
every improvised variation -- each can be played, exported as MIDI, or
dragged out of the window onto a DAW or the desktop as a .mid file.

Everything slow (reading a file, building the corpus, training, generating,
rendering audio, playing to a MIDI port, writing files) runs in a
:class:`gui.worker.JobWorker`. TensorFlow and music21 are imported only inside
those jobs, never when the tab is built; nothing at all is read until the tab
is first shown.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QMimeData, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDrag
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import Progress
from gui.audio_player import AudioPlayer
from gui.piano_roll import CHORD_COLOUR, MELODY_COLOUR, PianoRoll, note_name
from gui.plotting import PALETTE, make_plot, pen
from gui.settings import app_settings, last_folder, remember_folder
from gui.worker import JobWorker

log = logging.getLogger(__name__)

__all__ = ["JazzTab", "VariationView", "DragHandle"]

CONTROL_WIDTH = 330
MIDI_FILTER = "MIDI files (*.mid *.midi *.MID *.MIDI);;All files (*)"
MODEL_KEY, EXPORT_KEY, OPEN_KEY = "jazz-models", "jazz-export", "jazz"
SOURCE_PREVIEW_BARS = 32
CURVE_HINT = "Press Train: the curves\ngrow here, epoch by epoch"
CURVE_HINT_TRAINING = "The curves grow here\nonce the first epoch ends"


def _excerpt(notes, start: float, end: float) -> list:
    """Notes sounding in [start, end) beats, cut to it and moved to begin at 0."""
    from engine.jazz.midi_read import Note

    return [
        Note(max(n.start, start) - start, min(n.end, end) - start, n.pitch, n.velocity)
        for n in notes
        if n.end > start and n.start < end
    ]


def _eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _pair(label_a: str, field_a: QWidget, label_b: str, field_b: QWidget) -> QWidget:
    """Two short fields side by side: a compact form row."""
    row = QWidget()
    grid = QGridLayout(row)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(6)
    for col, (text, field) in enumerate(((label_a, field_a), (label_b, field_b))):
        label = QLabel(text)
        label.setBuddy(field)
        grid.addWidget(label, 0, 2 * col)
        grid.addWidget(field, 0, 2 * col + 1)
        grid.setColumnStretch(2 * col + 1, 1)
    grid.setColumnMinimumWidth(2, 8)
    return row


def _small(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555; font-size: 9pt;")
    return label


# ------------------------------------------------------------------------------
# A handle to drag a variation out of the window as a .mid file
# ------------------------------------------------------------------------------


class DragHandle(QLabel):
    """Press and drag: the variation leaves the window as a MIDI file (a file URL).

    ``make_file`` writes the file (to a temporary folder) and returns its path;
    it is called when the drag starts, so the file is always the current one.
    """

    dragged = Signal(str)

    def __init__(self, make_file: Callable[[], Path], parent: QWidget | None = None):
        super().__init__("⠿ Drag .mid", parent)
        self._make_file = make_file
        self._press = None
        self.setToolTip("Drag this variation onto a DAW track or the desktop as a MIDI file")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setStyleSheet(
            "QLabel { border: 1px solid #b8b8b8; border-radius: 3px; padding: 2px 6px; color: #333;"
            " background: #f4f4f4; }"
        )

    def mime_data(self) -> QMimeData:
        path = self._make_file()
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        return mime

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        self.start_drag()

    def start_drag(self) -> Qt.DropAction:
        try:
            mime = self.mime_data()
        except Exception as exc:  # a file that cannot be written is a message, not a crash
            QMessageBox.warning(self, "Drag MIDI", f"Could not write the MIDI file: {exc}")
            return Qt.DropAction.IgnoreAction
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.grab())
        self.dragged.emit(mime.urls()[0].toLocalFile())
        return drag.exec(Qt.DropAction.CopyAction)


# ------------------------------------------------------------------------------
# One improvised variation: a header with its actions, and its piano roll
# ------------------------------------------------------------------------------


class VariationView(QFrame):
    """A variation's title, Play/Stop, Export MIDI…, Save WAV…, drag handle, piano roll."""

    play_clicked = Signal(int)
    export_clicked = Signal(int)
    wav_clicked = Signal(int)

    def __init__(self, index: int, title: str, make_file: Callable[[], Path], parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 0)
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: 600;")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Listen to this variation (Stop ends it)")
        self.export_button = QPushButton("Export MIDI…")
        self.wav_button = QPushButton("Save WAV…")
        self.drag_handle = DragHandle(make_file)
        self.play_button.clicked.connect(lambda: self.play_clicked.emit(self.index))
        self.export_button.clicked.connect(lambda: self.export_clicked.emit(self.index))
        self.wav_button.clicked.connect(lambda: self.wav_clicked.emit(self.index))
        header.addWidget(self.title, 1)
        for w in (self.play_button, self.export_button, self.wav_button, self.drag_handle):
            header.addWidget(w)
        self.roll = PianoRoll()
        self.roll.setMinimumHeight(190)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.roll, 1)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("■ Stop" if playing else "▶ Play")


# ------------------------------------------------------------------------------
# Jobs: engine calls composed for the tab; they run on a worker thread
# ------------------------------------------------------------------------------


def _piece_job(path: str | Path | None, song=None, melody: int | None = None):
    """Read a MIDI file (or reuse ``song``) and build the corpus for the melody part.

    Returns ``dict(song, melody, auto, corpus, error)``; a corpus that cannot be built
    (a melody too short, no melody found) leaves ``corpus`` None and says why in
    ``error``, so the user can still see the parts and pick another.
    """
    from engine.jazz import JazzError, build_corpus, pick_melody, read_song

    if song is None:
        yield Progress(0, 2, f"Reading {Path(path).name}…")
        song = read_song(path)
    try:
        auto = pick_melody(song)
    except JazzError:
        auto = None
    yield Progress(1, 2, "Naming the chords and writing the melody as tokens…")
    try:
        corpus = build_corpus(song, melody)
        error = ""
    except JazzError as exc:
        corpus, error = None, str(exc)
    return {"song": song, "auto": auto, "corpus": corpus, "error": error}


def _generate_job(model, options: dict):
    from engine.jazz import generate

    yield Progress(0, 1, "Improvising…")
    return generate(model, **options)


def _save_model_job(model, folder: str):
    from engine.jazz import save_model

    yield Progress(0, 1, f"Saving the model to {folder}…")
    return save_model(model, folder)


def _load_model_job(folder: str):
    from engine.jazz import load_model

    yield Progress(0, 1, "Loading TensorFlow and the model…")
    return load_model(folder)


def _export_job(improv, path: str, options: dict):
    from engine.jazz import ExportOptions, export_midi

    yield Progress(0, 1, f"Writing {Path(path).name}…")
    return export_midi(improv, path, ExportOptions(**options))


def _copy_job(source: Path, target: str):
    from engine.atomic import write_bytes_atomic

    yield Progress(0, 1, f"Writing {Path(target).name}…")
    write_bytes_atomic(target, Path(source).read_bytes())
    return Path(target)


# ------------------------------------------------------------------------------
# The tab
# ------------------------------------------------------------------------------


class JazzTab(QWidget):
    """Open a piece, pick its melody, train, improvise, listen, export."""

    open_filter = MIDI_FILTER
    open_key = OPEN_KEY
    status = Signal(str)  # the main window shows it while this tab is current

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.song = None
        self.corpus = None
        self.model = None
        self.variations: list = []
        self.variation_views: list[VariationView] = []
        self.source_path: Path | None = None
        self.auto_melody: int | None = None
        self.history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        self._train_began = 0.0
        self._train_epochs = 0
        self._training = None  # the running engine.jazz.model.Training
        self._started = False
        self._playing: tuple[str, Any] | None = None  # ("audio" | "port", "source" | variation index)
        self._pending_open: str | None = None
        self._queued_open: str | None = None
        self.last_message = ""
        self.last_preview = None
        self._play_offset = 0.0
        self._built = False
        self._temp_dir: tempfile.TemporaryDirectory | None = None
        self._settings = app_settings()

        self.task_worker = JobWorker(self)  # reading, corpus, generating, saving, loading, exporting
        self.train_worker = JobWorker(self)
        self.audio_worker = JobWorker(self)  # rendering previews, playing to a MIDI port
        self.player = AudioPlayer(self)
        self.player.playing_changed.connect(self._on_player_state)
        self.player.position_changed.connect(self._on_player_position)
        self.player.error.connect(self._on_audio_message)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def _temp(self) -> tempfile.TemporaryDirectory:
        """A private folder for previews and dragged files, removed when the app exits."""
        if self._temp_dir is None:
            self._temp_dir = tempfile.TemporaryDirectory(prefix="sequence-studio-jazz-")
        return self._temp_dir

    def ensure_built(self) -> None:
        """Build the widgets, once. Deferred to the first show: start-up pays nothing for this tab."""
        if self._built:
            return
        self._built = True
        controls = QWidget()
        column = QVBoxLayout(controls)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addWidget(self._build_piece_box())
        column.addWidget(self._build_training_box())
        column.addWidget(self._build_generate_box())
        column.addWidget(self._build_listen_box())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFixedWidth(CONTROL_WIDTH + 18)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self._layout.addWidget(splitter)

        self._restore_settings()
        self._connect_workers()
        self._update_enabled()

    # ==========================================================================
    # Building the controls
    # ==========================================================================
    def _build_piece_box(self) -> QGroupBox:
        box = QGroupBox("Piece")
        layout = QVBoxLayout(box)
        self.file_label = QLabel("No piece open")
        self.file_label.setStyleSheet("font-weight: 600;")
        self.file_label.setWordWrap(True)
        self.piece_info = _small("Open a MIDI file, drop one on the window, or use the bundled tune.")
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open MIDI…")
        self.open_button.setToolTip("Open a type 0 or type 1 MIDI file (or drop one on the window)")
        self.open_button.clicked.connect(self.open_dialog)
        self.bundled_button = QPushButton("Bundled tune")
        self.bundled_button.setToolTip("The studio's own 48-bar blues and ii–V–I tune")
        self.bundled_button.clicked.connect(self.open_bundled)
        buttons.addWidget(self.open_button, 1)
        buttons.addWidget(self.bundled_button, 1)
        layout.addWidget(self.file_label)
        layout.addWidget(self.piece_info)
        layout.addLayout(buttons)
        return box

    def _spin(self, lo: int, hi: int, value: int, tip: str, step: int = 1) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setSingleStep(step)
        spin.setToolTip(tip)
        spin.setAccelerated(True)
        return spin

    def _build_training_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        form.setVerticalSpacing(5)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.epochs_spin = self._spin(1, 2000, 100, "Passes over all training windows", 10)
        self.units_spin = self._spin(4, 512, 64, "LSTM units n_a: the size of the network's memory", 8)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 1.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setValue(0.01)
        self.lr_spin.setToolTip("Adam's learning rate (the course uses 0.01)")
        self.train_seed_spin = self._spin(0, 2**31 - 1, 0, "Same seed, same data and settings: the same model")
        form.addRow(_pair("Epochs", self.epochs_spin, "Units", self.units_spin))
        form.addRow(_pair("Rate", self.lr_spin, "Seed", self.train_seed_spin))
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setMinimumHeight(30)
        self.train_button.clicked.connect(self.toggle_training)
        self.train_button.setMinimumWidth(86)
        self.train_progress = QProgressBar()
        self.train_progress.setRange(0, 1)
        self.train_progress.setValue(0)
        self.train_progress.setTextVisible(True)
        self.train_progress.setFormat("Not trained yet")
        run_row = QHBoxLayout()
        run_row.setSpacing(8)
        run_row.addWidget(self.train_button)
        run_row.addWidget(self.train_progress, 1)
        form.addRow(run_row)
        self.train_status = _small("")
        self.train_status.hide()
        form.addRow(self.train_status)
        models = QHBoxLayout()
        models.setSpacing(8)  # as the Open and Bundled buttons above
        self.save_model_button = QPushButton("Save model…")
        self.save_model_button.clicked.connect(self.save_model_dialog)
        self.load_model_button = QPushButton("Load model…")
        self.load_model_button.clicked.connect(self.load_model_dialog)
        models.addWidget(self.save_model_button)
        models.addWidget(self.load_model_button)
        form.addRow(models)
        return box

    def _program_combo(self, value: int, tip: str) -> QComboBox:
        from engine.jazz.gm import GM_PROGRAMS  # (engine.jazz is imported with the widgets, not at start-up)

        combo = QComboBox()
        for i, name in enumerate(GM_PROGRAMS):
            combo.addItem(f"{i + 1:>3}  {name}", i)
        combo.setCurrentIndex(value)
        combo.setMaxVisibleItems(20)
        combo.setToolTip(tip)
        return combo

    def _build_generate_box(self) -> QGroupBox:
        box = QGroupBox("Improvise")
        form = QFormLayout(box)
        form.setVerticalSpacing(5)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.measures_spin = self._spin(1, 256, 8, "Length of each variation in measures")
        self.temperature_spin = QDoubleSpinBox()
        self.temperature_spin.setRange(0.0, 3.0)
        self.temperature_spin.setSingleStep(0.05)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setValue(0.7)
        self.temperature_spin.setToolTip("0 always plays the likeliest next note (the course); higher is bolder")
        self.variations_spin = self._spin(1, 8, 2, "How many different solos to improvise at once")
        self.gen_seed_spin = self._spin(0, 2**31 - 1, 1, "Same seed and settings: the same solos")
        self.primer_combo = QComboBox()
        self.primer_combo.addItem("a phrase of the source", "window")
        self.primer_combo.addItem("silence (as the course)", "none")
        self.primer_combo.setToolTip("What the network hears before it starts to improvise")

        chords_row = QWidget()
        chords_layout = QVBoxLayout(chords_row)
        chords_layout.setContentsMargins(0, 0, 0, 0)
        chords_layout.setSpacing(2)
        self.chords_source_radio = QRadioButton("From the source")
        self.chords_typed_radio = QRadioButton("Typed:")
        self.chords_group = QButtonGroup(self)
        self.chords_group.addButton(self.chords_source_radio)
        self.chords_group.addButton(self.chords_typed_radio)
        self.chords_source_radio.setChecked(True)
        self.chords_edit = QLineEdit("Dm7 G7 | Cmaj7 Cmaj7")
        self.chords_edit.setToolTip("One chord per measure, looped: e.g. Dm7 G7 | Cmaj7 A7 | Bb7 Eb7")
        typed = QHBoxLayout()
        typed.addWidget(self.chords_typed_radio)
        typed.addWidget(self.chords_edit, 1)
        chords_layout.addWidget(self.chords_source_radio)
        chords_layout.addLayout(typed)
        self.chords_typed_radio.toggled.connect(self.chords_edit.setEnabled)
        self.chords_edit.setEnabled(False)

        tempo_row = QHBoxLayout()
        self.tempo_spin = self._spin(20, 400, 120, "Playback and export tempo in beats per minute")
        self.tempo_spin.setSuffix(" BPM")
        self.source_tempo_check = QCheckBox("source")
        self.source_tempo_check.setToolTip("Use the tempo of the source piece")
        self.source_tempo_check.setChecked(True)
        self.source_tempo_check.toggled.connect(self._on_source_tempo_toggled)
        tempo_row.addWidget(self.tempo_spin, 1)
        tempo_row.addWidget(self.source_tempo_check)

        self.melody_program = self._program_combo(26, "General MIDI instrument of the melody")
        self.chord_program = self._program_combo(4, "General MIDI instrument of the chords")
        form.addRow(_pair("Measures", self.measures_spin, "Variations", self.variations_spin))
        form.addRow(_pair("Temperature", self.temperature_spin, "Seed", self.gen_seed_spin))
        form.addRow("Start from", self.primer_combo)
        form.addRow("Chords", chords_row)
        form.addRow("Tempo", tempo_row)
        form.addRow("Melody", self.melody_program)
        form.addRow("Chords sound", self.chord_program)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setMinimumHeight(30)
        self.generate_button.clicked.connect(self.generate)
        form.addRow(self.generate_button)
        return box

    def _build_listen_box(self) -> QGroupBox:
        box = QGroupBox("Listen")
        layout = QVBoxLayout(box)
        self.audio_radio = QRadioButton("Audio preview in the app")
        self.port_radio = QRadioButton("MIDI port:")
        self.output_group = QButtonGroup(self)
        self.output_group.addButton(self.audio_radio)
        self.output_group.addButton(self.port_radio)
        self.audio_radio.setChecked(True)
        self.port_combo = QComboBox()
        self.port_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.port_combo.setMinimumContentsLength(10)
        self.refresh_ports_button = QToolButton()
        self.refresh_ports_button.setText("⟳")
        self.refresh_ports_button.setToolTip("Look for MIDI ports again")
        self.refresh_ports_button.clicked.connect(self.refresh_ports)
        port_row = QHBoxLayout()
        port_row.addWidget(self.port_radio)
        port_row.addWidget(self.port_combo, 1)
        port_row.addWidget(self.refresh_ports_button)
        self.port_reason = _small("")
        self.port_reason.setStyleSheet("color: #8a5a00; font-size: 9pt;")
        self.audio_message = _small("")
        self.audio_message.setStyleSheet("color: #8a5a00; font-size: 9pt;")
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.setToolTip("Stop the preview or the MIDI output (all notes off)")
        self.stop_button.clicked.connect(self.stop_playing)
        audio_row = QHBoxLayout()
        audio_row.addWidget(self.audio_radio, 1)
        audio_row.addWidget(self.stop_button)
        layout.addLayout(audio_row)
        layout.addLayout(port_row)
        layout.addWidget(self.port_reason)
        layout.addWidget(self.audio_message)
        self.audio_message.hide()
        return box

    # ==========================================================================
    # Building the results side
    # ==========================================================================
    def _build_results(self) -> QWidget:
        # Parts of the file, corpus numbers
        parts_box = QWidget()
        parts_layout = QVBoxLayout(parts_box)
        parts_layout.setContentsMargins(4, 4, 4, 0)
        parts_layout.setSpacing(3)
        heading = QLabel("<b>Parts</b> <span style='color:#666'>— click a row to learn that part's melody</span>")
        heading.setWordWrap(True)  # never widen the window for a hint
        self.parts_table = QTableWidget(0, 7)
        self.parts_table.setHorizontalHeaderLabels(["#", "Part", "Instrument", "Ch", "Notes", "Range", "Poly."])
        self.parts_table.verticalHeader().setVisible(False)
        self.parts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.parts_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.parts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.parts_table.setAlternatingRowColors(True)
        header = self.parts_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.parts_table.cellClicked.connect(self._on_part_clicked)
        self.parts_table.setToolTip(
            "The melody part is marked ★; drum parts cannot be the melody.\n"
            "Poly.: share of the time the part sounds several notes at once (chords)."
        )
        self.corpus_label = QLabel("")
        self.corpus_label.setWordWrap(True)
        self.corpus_label.setTextFormat(Qt.TextFormat.RichText)
        parts_layout.addWidget(heading)
        parts_layout.addWidget(self.parts_table, 1)
        parts_layout.addWidget(self.corpus_label)

        # Training curves: loss on the left axis, accuracy (0..1) on the right one
        self.curve_plot = make_plot("Loss and accuracy per epoch", "", "epoch", legend=False)
        self.curve_plot.setMinimumHeight(150)
        item = self.curve_plot.getPlotItem()
        item.setLabel("left", "loss", color=PALETTE["blue"])
        item.showAxis("right")
        item.setLabel("right", "accuracy", color=PALETTE["orange"])
        self.acc_view = pg.ViewBox()
        item.scene().addItem(self.acc_view)
        item.getAxis("right").linkToView(self.acc_view)
        self.acc_view.setXLink(item)
        self.acc_view.setYRange(0, 1, padding=0.02)
        self.acc_view.setMouseEnabled(x=False, y=False)
        item.getViewBox().sigResized.connect(
            lambda: self.acc_view.setGeometry(item.getViewBox().sceneBoundingRect())
        )
        self.loss_curve = self.curve_plot.plot([], [], pen=pen("blue"), name="loss", symbol="o", symbolSize=4,
                                               symbolBrush=PALETTE["blue"], symbolPen=None)
        self.acc_curve = pg.PlotDataItem([], [], pen=pen("orange"), name="accuracy")
        self.acc_view.addItem(self.acc_curve)
        self.curve_plot.setXRange(1, 10, padding=0.02)
        self.curve_hint = pg.TextItem(CURVE_HINT, color="#888",
                                      anchor=(0.5, 0.5))
        self.curve_plot.addItem(self.curve_hint, ignoreBounds=True)
        item.getViewBox().sigRangeChanged.connect(self._centre_curve_hint)  # whatever epochs the axis shows
        self._centre_curve_hint()

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(parts_box)
        top.addWidget(self.curve_plot)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([560, 360])
        top.setChildrenCollapsible(False)

        # Source and variations
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        source_page = QWidget()
        source_layout = QVBoxLayout(source_page)
        source_layout.setContentsMargins(4, 4, 4, 4)
        source_header = QHBoxLayout()
        self.source_title = QLabel("")
        self.source_title.setStyleSheet("font-weight: 600;")
        self.play_source_button = QPushButton("▶ Play")
        self.play_source_button.setToolTip("Listen to the source's melody and chords")
        self.play_source_button.clicked.connect(lambda: self.toggle_play("source"))
        key = QLabel(
            f"<span style='color:{MELODY_COLOUR}'>■</span> melody &nbsp; "
            f"<span style='color:{CHORD_COLOUR}'>■</span> chords"
        )
        source_header.addWidget(self.source_title, 1)
        source_header.addWidget(key)
        source_header.addWidget(self.play_source_button)
        self.source_roll = PianoRoll()
        source_layout.addLayout(source_header)
        source_layout.addWidget(self.source_roll, 1)
        self.views.addTab(source_page, "Source")

        self.variations_page = QWidget()
        self.variations_layout = QVBoxLayout(self.variations_page)
        self.variations_layout.setContentsMargins(4, 4, 4, 4)
        self.variations_layout.setSpacing(8)
        self.variations_hint = QLabel("Train the model, then press Generate: each improvised variation appears "
                                      "here as its own piano roll, to play, export or drag into a DAW.")
        self.variations_hint.setWordWrap(True)
        self.variations_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.variations_hint.setStyleSheet("color: #777; padding: 30px;")
        self.variations_layout.addWidget(self.variations_hint)
        self.variations_layout.addStretch(1)
        variations_scroll = QScrollArea()
        variations_scroll.setWidget(self.variations_page)
        variations_scroll.setWidgetResizable(True)
        variations_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.views.addTab(variations_scroll, "Variations")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(self.views)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 5)
        right.setSizes([230, 520])
        right.setChildrenCollapsible(False)
        return right

    # ==========================================================================
    # Remembered choices
    # ==========================================================================
    def _remembered(self) -> list[tuple[str, QWidget]]:
        return [
            ("epochs", self.epochs_spin), ("n_a", self.units_spin), ("learning_rate", self.lr_spin),
            ("train_seed", self.train_seed_spin), ("measures", self.measures_spin),
            ("temperature", self.temperature_spin), ("variations", self.variations_spin),
            ("seed", self.gen_seed_spin), ("tempo", self.tempo_spin), ("melody_program", self.melody_program),
            ("chord_program", self.chord_program), ("primer", self.primer_combo),
            ("chords_typed", self.chords_typed_radio), ("chords_text", self.chords_edit),
            ("source_tempo", self.source_tempo_check), ("midi_port_output", self.port_radio),
        ]

    def _restore_settings(self) -> None:
        s = self._settings
        for name, widget in self._remembered():
            key = f"jazz/{name}"
            if s.value(key) is None:
                continue
            if isinstance(widget, QDoubleSpinBox):
                widget.setValue(s.value(key, widget.value(), type=float))
            elif isinstance(widget, QSpinBox):
                widget.setValue(s.value(key, widget.value(), type=int))
            elif isinstance(widget, QComboBox):
                index = widget.findData(s.value(key))
                if index < 0:
                    index = widget.findData(s.value(key, type=int))
                if index >= 0:
                    widget.setCurrentIndex(index)
            elif isinstance(widget, (QRadioButton, QCheckBox)):
                widget.setChecked(s.value(key, widget.isChecked(), type=bool))
            elif isinstance(widget, QLineEdit):
                widget.setText(s.value(key, widget.text(), type=str))
        self.tempo_spin.setEnabled(not self.source_tempo_check.isChecked())
        self._wanted_port = s.value("jazz/midi_port", "", type=str)

    def save_state(self) -> None:
        """Called by the main window on close: remember every choice for next time."""
        if not self._built:  # never shown: nothing was changed
            return
        s = self._settings
        for name, widget in self._remembered():
            if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
                value = widget.value()
            elif isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, (QRadioButton, QCheckBox)):
                value = widget.isChecked()
            else:
                value = widget.text()
            s.setValue(f"jazz/{name}", value)
        if self.port_combo.isEnabled() and self.port_combo.currentText():
            s.setValue("jazz/midi_port", self.port_combo.currentText())
        s.sync()
        self.stop_playing()
        self.player.release()

    # ==========================================================================
    # Workers
    # ==========================================================================
    def _connect_workers(self) -> None:
        self._task_done: Callable[[Any], None] | None = None
        self.task_worker.progress.connect(self._on_task_progress)
        self.task_worker.finished.connect(self._on_task_finished)
        self.task_worker.failed.connect(self._on_task_failed)
        self.task_worker.cancelled.connect(lambda: self._status("Cancelled."))
        self.train_worker.progress.connect(self._on_train_progress)
        self.train_worker.finished.connect(self._on_train_finished)
        self.train_worker.failed.connect(self._on_train_failed)
        self.train_worker.cancelled.connect(self._on_train_cancelled)
        self.audio_worker.progress.connect(self._on_audio_progress)
        self.audio_worker.finished.connect(self._on_audio_finished)
        self.audio_worker.failed.connect(self._on_audio_failed)
        self.audio_worker.cancelled.connect(lambda: self._set_playing(None))
        for worker in (self.task_worker, self.train_worker, self.audio_worker):
            worker.running_changed.connect(lambda _running: self._update_enabled())

    def _run_task(self, make_job: Callable, done: Callable[[Any], None], title: str) -> bool:
        if self.task_worker.is_running():
            self._status("Busy — wait for the current step to finish.")
            return False
        self._task_done = done
        self._task_title = title
        self.task_worker.start(make_job)
        return True

    def _on_task_progress(self, event: Progress) -> None:
        if event.message:
            self._status(event.message)

    def _on_task_finished(self, result) -> None:
        done, self._task_done = self._task_done, None
        if done is not None:
            done(result)
        self._open_queued()

    def _on_task_failed(self, message: str, trace: str) -> None:
        self._task_done = None
        title = getattr(self, "_task_title", "Jazz")
        log.warning("%s failed: %s\n%s", title, message, trace)
        if title == "Open MIDI":
            self._pending_open = None
            self.file_label.setText(self.song.name if self.song is not None else "No piece open")
        self._error(title, message)
        self._open_queued()

    def _open_queued(self) -> None:
        queued, self._queued_open = self._queued_open, None
        if queued:
            self.open_path(queued)

    # ==========================================================================
    # Messages
    # ==========================================================================
    def _status(self, text: str) -> None:
        self.status.emit(text)

    def _error(self, title: str, message: str) -> None:
        """A message box that does not block (tests and running jobs carry on)."""
        self._status(message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_message = message
        box.open()

    # ==========================================================================
    # Opening a piece
    # ==========================================================================
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.ensure_built()
        super().showEvent(event)
        if not self._started:  # nothing is read until the tab is first looked at
            self._started = True
            QTimer.singleShot(0, self._first_show)

    def _first_show(self) -> None:
        self.refresh_ports()
        self._describe_synth()
        if self._pending_open is None and self.song is None:
            self.open_bundled()

    def open_bundled(self) -> None:
        from engine.jazz.midi_read import default_piece

        self.open_path(str(default_piece()))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open MIDI file", last_folder(OPEN_KEY), MIDI_FILTER)
        if path:
            remember_folder(OPEN_KEY, path)
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a MIDI file (File > Open, a drop on the window, the Open button)."""
        self.ensure_built()
        self._started = True
        if self.train_worker.is_running():
            self._error("Open MIDI", "Training is running. Stop it before opening another piece.")
            return
        if self.task_worker.is_running():  # e.g. the bundled tune is still loading: open this one next
            self._queued_open = path
            self._status(f"{Path(path).name} will open in a moment…")
            return
        self._pending_open = path
        if not self._run_task(lambda: _piece_job(path), lambda r: self._on_piece(r, Path(path)), "Open MIDI"):
            return
        self.file_label.setText(f"Opening {Path(path).name}…")

    def _on_piece(self, result: dict, path: Path | None) -> None:
        self._pending_open = None
        self.song = result["song"]
        if path is not None:
            self.source_path = path
        self.auto_melody = result["auto"]
        self.corpus = result["corpus"]
        song = self.song
        self.file_label.setText(song.name)
        self.file_label.setToolTip(str(song.path))
        meter = song.time_signatures[0] if song.time_signatures else None
        bits = [f"{len(song.parts)} parts", f"{meter}" if meter else "", f"{song.tempo:.0f} BPM"]
        if song.key:
            bits.append(f"key {song.key}")
        self.piece_info.setText(" · ".join(b for b in bits if b))
        if self.source_tempo_check.isChecked():
            self.tempo_spin.setValue(int(round(song.tempo)))
        self._fill_parts_table()
        self._show_corpus(result["error"])
        self._show_source()
        self._update_enabled()
        if result["error"]:
            self._error("Melody", result["error"])
        else:
            self._status(f"Opened {song.name}: {self.corpus.token_count} tokens to learn from.")

    def _melody_index(self) -> int | None:
        if self.corpus is not None:
            return self.corpus.melody_index
        return self.auto_melody

    def _fill_parts_table(self) -> None:
        table = self.parts_table
        table.setRowCount(0)
        melody = self._melody_index()
        for part in self.song.parts:
            row = table.rowCount()
            table.insertRow(row)
            lo, hi = part.pitch_range

            star = "★ " if part.index == melody else ""
            auto = " (auto)" if part.index == self.auto_melody and part.index == melody else ""
            cells = [
                str(part.index), f"{star}{part.name}{auto}", part.instrument, str(part.channel + 1),
                str(part.note_count), f"{note_name(lo)}–{note_name(hi)}", f"{part.polyphony:.0%}",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (0, 3, 4, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if part.is_drums:
                    item.setForeground(QColor("#999"))
                    item.setToolTip("A drum part (MIDI channel 10) cannot be the melody")
                if part.index == melody:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(row, col, item)
        if melody is not None:
            table.selectRow(melody)

    def _on_part_clicked(self, row: int, _col: int) -> None:
        if self.song is None or row == self._melody_index():
            return
        part = self.song.parts[row]
        if part.is_drums:
            self._error("Melody", f"Part {row} ('{part.name}') is a drum part; pick a pitched part as the melody.")
            self._fill_parts_table()
            return
        self.choose_melody(row)

    def choose_melody(self, index: int) -> None:
        """Learn part ``index`` as the melody (rebuilds the corpus in the worker)."""
        if self.train_worker.is_running():
            self._error("Melody", "Training is running. Stop it before choosing another melody.")
            self._fill_parts_table()
            return
        song = self.song
        self._run_task(lambda: _piece_job(None, song, index), lambda r: self._on_piece(r, None), "Melody")

    def _show_corpus(self, error: str) -> None:
        c = self.corpus
        if c is None:
            self.corpus_label.setText(f"<span style='color:#a04000'>{error}</span>")
            return
        num, den = c.time_signature
        lo, hi = c.pitch_range

        harmony = "" if c.harmony_from == "accompaniment" else " · chords taken from the melody itself"
        self.corpus_label.setText(
            f"Corpus: <b>{len(c.measures)}</b> measures of {num}/{den} · <b>{c.token_count}</b> tokens · "
            f"vocabulary <b>{c.vocab_size}</b> · melody range {note_name(lo)}–{note_name(hi)}{harmony}"
        )

    def _show_source(self) -> None:
        song, melody = self.song, self._melody_index()
        mel = [(n.pitch, n.start, n.duration, n.velocity) for n in song.parts[melody].notes] if melody is not None else []
        acc = [
            (n.pitch, n.start, n.duration, n.velocity)
            for p in song.parts if not p.is_drums and p.index != melody for n in p.notes
        ]
        labels = self._chord_labels(self.corpus.measures) if self.corpus is not None else []
        meter = song.time_signatures[0].measure_length if song.time_signatures else 4.0
        self.source_roll.set_notes(mel, acc, beats_per_bar=meter, chord_labels=labels)
        if mel:  # open where the tune begins, not on an intro without melody
            first_bar = min(n[1] for n in mel) // meter * meter
            if first_bar > 0:
                self.source_roll.scroll_to_beat(first_bar)
        name = song.parts[melody].name if melody is not None else "no melody"
        self.source_title.setText(f"{song.name} — melody: {name}")
        self.views.setCurrentIndex(0)

    @staticmethod
    def _chord_labels(measures) -> list[tuple[float, str]]:
        """A chord name where the chord changes (a lead sheet does not repeat itself)."""
        labels, last = [], None
        for m in measures:
            if m.chord.symbol != last:
                labels.append((m.start, m.chord.symbol))
            last = m.chord.symbol
        return labels

    # ==========================================================================
    # Training
    # ==========================================================================
    def train_settings(self):
        from engine.jazz.model import TrainSettings

        return TrainSettings(
            epochs=self.epochs_spin.value(),
            n_a=self.units_spin.value(),
            learning_rate=self.lr_spin.value(),
            seed=self.train_seed_spin.value(),
        )

    def toggle_training(self) -> None:
        if self.train_worker.is_running():
            self.train_worker.cancel()
            self.train_button.setEnabled(False)
            self.train_button.setText("Stopping…")
            return
        self.start_training()

    def start_training(self) -> None:
        if self.corpus is None:
            self._error("Train", "Open a piece with a melody first.")
            return
        from engine.jazz.model import Training

        settings = self.train_settings()
        self._training = Training(self.corpus, settings)  # keeps the model so far when stopped
        self.history = {"loss": [], "accuracy": []}
        self.loss_curve.setData([], [])
        self.acc_curve.setData([], [])
        self._train_epochs = settings.epochs
        self._train_began = 0.0
        self.train_progress.setRange(0, settings.epochs)
        self.train_progress.setValue(0)
        self.train_progress.setFormat("Starting…")
        self._train_note("Loading TensorFlow (a few seconds the first time)…")
        self._status(f"Training {settings.epochs} epochs on {self.corpus.token_count} tokens…")
        self.train_button.setText("Stop")
        self.train_worker.start(self._training.job)
        self._plot_history()  # empty: the hint, over the epochs to come

    def _train_note(self, text: str) -> None:
        self.train_status.setText(text)
        self.train_status.setVisible(bool(text))

    def _on_train_progress(self, event: Progress) -> None:
        if event.message.startswith("Training on"):
            self._train_began = time.perf_counter()
        if "loss" in event.metrics:
            self.history["loss"].append(event.metrics["loss"])
            self.history["accuracy"].append(event.metrics.get("accuracy", float("nan")))
            self._plot_history()
        done, total = event.step, event.total or self._train_epochs
        self.train_progress.setValue(done)
        if done and self._train_began:
            elapsed = time.perf_counter() - self._train_began
            eta = elapsed / done * (total - done)
            self.train_progress.setFormat(f"Epoch {done}/{total} · ETA {_eta(eta)}")
        elif self._train_began:
            self.train_progress.setFormat(f"Epoch 1/{total} · compiling…")
        if event.message:
            self._train_note(event.message)

    def _centre_curve_hint(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.curve_plot.getPlotItem().getViewBox().viewRange()
        self.curve_hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def _plot_history(self) -> None:
        epochs = list(range(1, len(self.history["loss"]) + 1))
        self.curve_hint.setVisible(not epochs)
        self.curve_hint.setText(CURVE_HINT_TRAINING if self.train_worker.is_running() else CURVE_HINT)
        self.loss_curve.setData(epochs, self.history["loss"])
        self.acc_curve.setData(epochs[: len(self.history["accuracy"])], self.history["accuracy"])
        self.loss_curve.setSymbol("o" if len(epochs) <= 60 else None)
        self.curve_plot.setXRange(1, max(10, len(epochs), self._train_epochs), padding=0.02)

    def _on_train_finished(self, model) -> None:
        self._training = None
        self.model = model
        self.train_button.setText("Train")
        self.train_progress.setValue(self.train_progress.maximum())
        loss, acc = model.history["loss"][-1], model.history["accuracy"][-1]
        self.train_progress.setFormat(f"Done: {model.epochs_trained} epochs in {model.seconds:.1f} s")
        self._train_note(f"Trained: loss {loss:.3f}, accuracy {acc:.0%}.")
        self._status(
            f"Training finished in {model.seconds:.1f} s: loss {loss:.3f}, accuracy {acc:.0%}. "
            "Press Generate to improvise."
        )
        self._update_enabled()

    def _on_train_failed(self, message: str, trace: str) -> None:
        log.warning("training failed: %s\n%s", message, trace)
        self._training = None
        self.train_button.setText("Train")
        self.train_progress.setFormat("Failed")
        self._train_note(message)
        self._error("Training", message)

    def _on_train_cancelled(self) -> None:
        """Stopped: the epochs finished so far make a model to keep (none before the first)."""
        training, self._training = self._training, None
        so_far = training.model if training is not None else None
        self.train_button.setText("Train")
        total = training.settings.epochs if training is not None else self._train_epochs
        if so_far is not None:
            self.model = so_far
            done = so_far.epochs_trained
            loss, acc = so_far.history["loss"][-1], so_far.history["accuracy"][-1]
            self.train_progress.setFormat(f"Stopped at epoch {done}/{total}")
            self._train_note(f"Model so far kept: loss {loss:.3f}, accuracy {acc:.0%}.")
            self._status(f"Stopped after {done} of {total} epochs — the model so far is kept.")
        else:
            self.train_progress.setFormat("Stopped")
            if self.model is not None:  # the curves of the model that is kept
                self.history = {name: list(values) for name, values in self.model.history.items()}
            self._plot_history()
            kept = "the previous model is kept" if self.model is not None else "no model yet"
            self._train_note(f"Stopped before the first epoch ended: {kept}.")
            self._status(f"Training stopped before the first epoch ended: {kept}.")
        self._update_enabled()

    # ==========================================================================
    # Saving and loading models
    # ==========================================================================
    def save_model_dialog(self) -> None:
        if self.model is None:
            return
        stem = Path(self.model.source.name).stem or "jazz"
        default = str(Path(last_folder(MODEL_KEY)) / f"{stem}-lstm{self.model.settings.n_a}")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save model as a folder", default, "Model folders (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.save_model(path)

    def save_model(self, folder: str, confirm: bool = True) -> bool:
        target = Path(folder)
        if confirm and target.exists() and any(target.iterdir()) and not self._confirm_overwrite(target):
            return False
        remember_folder(MODEL_KEY, str(target.parent))
        model = self.model
        return self._run_task(
            lambda: _save_model_job(model, folder),
            lambda p: self._status(f"Model saved in {p}."),
            "Save model",
        )

    def load_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Load a saved model folder", last_folder(MODEL_KEY))
        if folder:
            self.load_model(folder)

    def load_model(self, folder: str) -> bool:
        remember_folder(MODEL_KEY, str(Path(folder).parent))
        return self._run_task(lambda: _load_model_job(folder), self._on_model_loaded, "Load model")

    def _on_model_loaded(self, model) -> None:
        self.model = model
        self.history = {k: list(v) for k, v in model.history.items()}
        self.history.setdefault("accuracy", [])
        self._plot_history()
        s, src = model.settings, model.source
        self.train_progress.setRange(0, 1)
        self.train_progress.setValue(1)
        self.train_progress.setFormat(f"Loaded: {model.epochs_trained} epochs")
        self._train_note(
            f"Model learnt from {src.name} (melody '{src.melody_name}'): {s.n_a} units, "
            f"{model.n_values} tokens. Generate improvises over its chords."
        )
        if self.source_tempo_check.isChecked():
            self.tempo_spin.setValue(int(round(src.tempo)))
        self._status(f"Loaded a model trained on {src.name}.")
        self._update_enabled()

    def _confirm_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self, "Replace?", f"{path.name} already exists in {path.parent}.\nDo you want to replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # ==========================================================================
    # Improvising
    # ==========================================================================
    def generate_options(self) -> dict:
        chords = self.chords_edit.text() if self.chords_typed_radio.isChecked() else None
        return {
            "measures": self.measures_spin.value(),
            "temperature": self.temperature_spin.value(),
            "seed": self.gen_seed_spin.value(),
            "variations": self.variations_spin.value(),
            "primer": self.primer_combo.currentData(),
            "chords": chords,
        }

    def generate(self) -> None:
        if self.model is None:
            self._error("Generate", "Train a model (or load one) first.")
            return
        model, options = self.model, self.generate_options()
        self._run_task(lambda: _generate_job(model, options), self._on_generated, "Generate")

    def _on_generated(self, improvs: list) -> None:
        self.stop_playing()
        self.variations = list(improvs)
        for view in self.variation_views:
            view.setParent(None)
            view.deleteLater()
        self.variation_views = []
        self.variations_hint.hide()
        for i, improv in enumerate(self.variations):
            title = (
                f"Variation {i + 1} · {improv.measures} measures · temperature "
                f"{self.temperature_spin.value():.2f} · seed {improv.seed}"
            )
            view = VariationView(i, title, lambda i=i: self.variation_file(i))
            view.play_clicked.connect(self.toggle_play)
            view.export_clicked.connect(self.export_dialog)
            view.wav_clicked.connect(self.save_wav_dialog)
            view.drag_handle.dragged.connect(lambda p: self._status(f"Dragging {Path(p).name}"))
            mel = [(n.pitch, n.start, n.duration, n.velocity) for n in improv.melody]
            chords = [(n.pitch, n.start, n.duration, n.velocity) for n in improv.chord_notes()]
            labels = [(k * improv.measure_length, c.symbol) for k, c in enumerate(improv.chords)]
            labels = [lab for k, lab in enumerate(labels) if k == 0 or lab[1] != labels[k - 1][1]]
            view.roll.set_notes(mel, chords, beats_per_bar=improv.measure_length,
                                total_beats=improv.length, chord_labels=labels)
            self.variations_layout.insertWidget(self.variations_layout.count() - 1, view)
            self.variation_views.append(view)
        self.views.setTabText(1, f"Variations ({len(self.variations)})")
        self.views.setCurrentIndex(1)
        self._status(f"Improvised {len(self.variations)} variation(s) of {self.measures_spin.value()} measures.")
        self._update_enabled()

    # ==========================================================================
    # Export and drag
    # ==========================================================================
    def export_options(self) -> dict:
        return {
            "tempo": float(self.tempo_spin.value()),
            "melody_program": int(self.melody_program.currentData()),
            "chord_program": int(self.chord_program.currentData()),
        }

    def default_export_name(self, index: int) -> str:
        improv = self.variations[index]
        stem = Path(self.model.source.name).stem if self.model is not None else "jazz"
        return f"{stem}-improv{index + 1}-seed{improv.seed}.mid"

    def export_dialog(self, index: int) -> None:
        default = str(Path(last_folder(EXPORT_KEY)) / self.default_export_name(index))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export MIDI", default, "MIDI files (*.mid)", options=QFileDialog.Option.DontConfirmOverwrite
        )
        if path:
            self.export_variation(index, path)

    def export_variation(self, index: int, path: str, confirm: bool = True) -> bool:
        """Write variation ``index`` to ``path`` (in the worker); asks before replacing a file."""
        target = Path(path)
        if target.suffix.lower() not in (".mid", ".midi"):
            target = target.with_suffix(".mid")
        if confirm and target.exists() and not self._confirm_overwrite(target):
            return False
        remember_folder(EXPORT_KEY, str(target))
        improv, options = self.variations[index], self.export_options()
        return self._run_task(
            lambda: _export_job(improv, str(target), options),
            lambda p: self._status(f"Exported {Path(p).name} ({options['tempo']:.0f} BPM)."),
            "Export MIDI",
        )

    def variation_file(self, index: int) -> Path:
        """Write variation ``index`` as a .mid in the tab's temporary folder (for dragging out)."""
        from engine.jazz import ExportOptions, export_midi

        path = Path(self._temp.name) / self.default_export_name(index)
        return export_midi(self.variations[index], path, ExportOptions(**self.export_options()))

    # ==========================================================================
    # Listening: audio preview and MIDI ports
    # ==========================================================================
    def refresh_ports(self) -> None:
        from engine.midi_ports import list_output_ports

        listing = list_output_ports()
        current = self.port_combo.currentText() or getattr(self, "_wanted_port", "")
        self.port_combo.clear()
        self.port_combo.addItems(listing.names)
        if listing.names:  # with a placeholder set, Qt would leave nothing selected
            self.port_combo.setCurrentIndex(listing.names.index(current) if current in listing.names else 0)
        self.port_listing = listing
        has_ports = bool(listing.names)
        self.port_combo.setEnabled(has_ports)
        self.port_radio.setEnabled(has_ports)
        if not has_ports:
            self.port_combo.setPlaceholderText("none")
            self.audio_radio.setChecked(True)
        self.port_reason.setText(listing.reason)
        self.port_reason.setVisible(bool(listing.reason))
        tip = listing.reason or "Send the notes to this port: a DAW, a software or hardware synthesizer"
        for w in (self.port_radio, self.port_combo):
            w.setToolTip(tip)

    def _describe_synth(self) -> None:
        from engine.jazz.synth import find_fluidsynth

        found = find_fluidsynth()
        if found:
            self.audio_radio.setText("Audio preview (FluidSynth)")
            self.audio_radio.setToolTip(f"Rendered by FluidSynth with {found[1]}, played in the app")
        else:
            self.audio_radio.setText("Audio preview (built-in synth)")
            self.audio_radio.setToolTip(
                "Rendered by the studio's own synthesizer and played in the app.\n"
                "With FluidSynth and a General MIDI soundfont installed, those are used instead."
            )

    def _tempo(self) -> float:
        return float(self.tempo_spin.value())

    def source_excerpt(self) -> tuple[float, float]:
        """The stretch of the source a preview plays, in beats: from the first bar on screen,
        at most :data:`SOURCE_PREVIEW_BARS` bars (a whole long piece would take long to render)."""
        song = self.song
        measure = song.time_signatures[0].measure_length if song.time_signatures else 4.0
        end_of_piece = float(-(-song.length // measure) * measure)
        x0, _ = self.source_roll.visible_beats()
        start = min(max(0.0, round(x0 / measure) * measure), max(0.0, end_of_piece - measure))
        return start, min(end_of_piece, start + SOURCE_PREVIEW_BARS * measure)

    def notes_for(self, target) -> tuple[list, float]:
        """Notes in seconds for the synthesizer or a port, and the length played in seconds."""
        from engine.jazz.synth import Note as SynthNote

        spb = 60.0 / self._tempo()
        mel_prog, chord_prog = int(self.melody_program.currentData()), int(self.chord_program.currentData())
        offset = 0.0
        if target == "source":
            song, melody = self.song, self._melody_index()
            offset, end = self.source_excerpt()
            mel = list(song.parts[melody].notes) if melody is not None else []
            acc = [n for p in song.parts if not p.is_drums and p.index != melody for n in p.notes]
            mel, acc = (_excerpt(notes, offset, end) for notes in (mel, acc))
            length = end - offset
        else:
            improv = self.variations[target]
            mel, acc, length = list(improv.melody), improv.chord_notes(), improv.length
        self._play_offset = offset
        notes = [SynthNote(n.pitch, n.start * spb, n.duration * spb, n.velocity, mel_prog, 0.25, 0) for n in mel]
        notes += [SynthNote(n.pitch, n.start * spb, n.duration * spb, n.velocity, chord_prog, -0.25, 1) for n in acc]
        return notes, length * spb

    def toggle_play(self, target) -> None:
        """Play the source (``"source"``) or variation ``target``; pressed again, stop."""
        same = self._playing is not None and self._playing[1] == target
        self.stop_playing()
        if same:
            return
        if target == "source" and self.song is None:
            return
        notes, seconds = self.notes_for(target)
        self.audio_message.setText("")
        self.audio_message.hide()
        if self.port_radio.isChecked() and self.port_combo.isEnabled() and self.port_combo.currentText():
            from engine.midi_ports import play_to_port

            port = self.port_combo.currentText()
            self._audio_job = "port"
            self.audio_worker.start(lambda: play_to_port(port, notes))
            self._set_playing(("port", target))
            self._status(f"Playing to {port}…")
            return
        from engine.jazz.synth import render_to_wav

        path = self.preview_path(target)
        self._audio_job = "render"
        self._render_target = target
        self.player.release()
        self.audio_worker.start(lambda: render_to_wav(notes, path, seconds))
        self._set_playing(("render", target))
        self._status("Rendering the audio preview…")

    def preview_path(self, target) -> Path:
        name = "source" if target == "source" else f"variation{target + 1}"
        return Path(self._temp.name) / f"{name}.wav"

    def _on_audio_progress(self, event: Progress) -> None:
        if getattr(self, "_audio_job", "") == "port" and self._playing is not None:
            self._move_playhead(self._playing[1], event.step / 1000.0)

    def _on_audio_finished(self, result) -> None:
        if getattr(self, "_audio_job", "") == "port":
            self._set_playing(None)
            return
        path, engine, seconds = result
        self.last_preview = (path, engine, seconds)
        target = self._render_target
        if self.player.play(path):
            self._set_playing(("audio", target))
            self._status(f"Playing the preview ({engine}, {seconds:.1f} s).")
        else:
            self._set_playing(None)

    def _on_audio_failed(self, message: str, trace: str) -> None:
        log.warning("audio failed: %s\n%s", message, trace)
        self._set_playing(None)
        self._on_audio_message(message)

    def _on_audio_message(self, message: str) -> None:
        self.audio_message.setText(message)
        self.audio_message.setVisible(bool(message))
        self._status(message)

    def _on_player_state(self, playing: bool) -> None:
        if not playing and self._playing is not None and self._playing[0] == "audio":
            self._set_playing(None)

    def _on_player_position(self, seconds: float) -> None:
        if self._playing is not None and self._playing[0] == "audio":
            self._move_playhead(self._playing[1], seconds)

    def _roll_for(self, target) -> PianoRoll | None:
        if target == "source":
            return self.source_roll
        if isinstance(target, int) and 0 <= target < len(self.variation_views):
            return self.variation_views[target].roll
        return None

    def _move_playhead(self, target, seconds: float) -> None:
        roll = self._roll_for(target)
        if roll is not None:
            offset = self._play_offset if target == "source" else 0.0
            roll.set_playhead(offset + seconds * self._tempo() / 60.0)

    def _set_playing(self, playing: tuple[str, Any] | None) -> None:
        previous, self._playing = self._playing, playing
        if previous is not None and (playing is None or previous[1] != playing[1]):
            roll = self._roll_for(previous[1])
            if roll is not None:
                roll.set_playhead(None)
        target = playing[1] if playing is not None else None
        self.play_source_button.setText("■ Stop" if target == "source" else "▶ Play")
        for view in self.variation_views:
            view.set_playing(target == view.index)
        self.stop_button.setEnabled(playing is not None)

    def stop_playing(self) -> None:
        """Stop the preview and any MIDI port output (all notes off)."""
        if self.audio_worker.is_running():
            self.audio_worker.cancel()
        self.player.stop()
        self._set_playing(None)

    def save_wav_dialog(self, index) -> None:
        name = Path(self.default_export_name(index)).with_suffix(".wav").name
        default = str(Path(last_folder(EXPORT_KEY)) / name)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save audio", default, "WAV audio (*.wav)", options=QFileDialog.Option.DontConfirmOverwrite
        )
        if path:
            self.save_wav(index, path)

    def save_wav(self, index, path: str, confirm: bool = True) -> bool:
        """Render ``index`` (a variation or "source") to a WAV file at ``path``."""
        from engine.jazz.synth import render_to_wav

        target = Path(path)
        if confirm and target.exists() and not self._confirm_overwrite(target):
            return False
        remember_folder(EXPORT_KEY, str(target))
        notes, seconds = self.notes_for(index)

        def make_job():
            result = yield from render_to_wav(notes, target, seconds)
            return result[0]

        return self._run_task(make_job, lambda p: self._status(f"Saved {Path(p).name}."), "Save WAV")

    # ==========================================================================
    # Enabling what makes sense
    # ==========================================================================
    def _on_source_tempo_toggled(self, checked: bool) -> None:
        self.tempo_spin.setEnabled(not checked)
        if checked:
            tempo = self.song.tempo if self.song is not None else (self.model.source.tempo if self.model else None)
            if tempo:
                self.tempo_spin.setValue(int(round(tempo)))

    def _update_enabled(self) -> None:
        training = self.train_worker.is_running()
        busy = self.task_worker.is_running()
        self.train_button.setEnabled(training or (self.corpus is not None and not busy))
        if not training:
            self.train_button.setText("Train")
        for w in (self.open_button, self.bundled_button, self.parts_table):
            w.setEnabled(not training and not busy)
        self.generate_button.setEnabled(self.model is not None and not busy)
        self.save_model_button.setEnabled(self.model is not None and not busy and not training)
        self.load_model_button.setEnabled(not busy and not training)
        self.play_source_button.setEnabled(self.song is not None)
        for view in self.variation_views:
            view.export_button.setEnabled(not busy)
            view.wav_button.setEnabled(not busy)
        self.stop_button.setEnabled(self._playing is not None)

