"""The Piece box: open a MIDI file (or the bundled tune) and learn one of its parts as the melody.

Reading the file and building the corpus run as a task (:mod:`gui.jazz.jobs`).
A file asked for while another is still loading opens right after it; while
training runs, nothing else can be opened.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from gui.jazz.jobs import piece_job
from gui.jazz.session import JazzSession
from gui.jazz.widgets import hint
from gui.settings import last_folder, remember_folder

__all__ = ["PiecePanel", "MIDI_FILTER", "OPEN_KEY"]

MIDI_FILTER = "MIDI files (*.mid *.midi *.MID *.MIDI);;All files (*)"
OPEN_KEY = "jazz"
NO_PIECE = "No piece open"


class PiecePanel(QGroupBox):
    """File name, what the piece is, Open MIDI… and Bundled tune."""

    def __init__(self, session: JazzSession):
        super().__init__("Piece")
        self.session = session
        self.source_path: Path | None = None
        self._queued: str | None = None  # a file to open once the running task ends

        self.file_label = QLabel(NO_PIECE)
        self.file_label.setStyleSheet("font-weight: 600;")
        self.file_label.setWordWrap(True)
        self.piece_info = hint("Open a MIDI file, drop one on the window, or use the bundled tune.")
        self.open_button = QPushButton("Open MIDI…")
        self.open_button.setToolTip("Open a type 0 or type 1 MIDI file (or drop one on the window)")
        self.open_button.clicked.connect(self.open_dialog)
        self.bundled_button = QPushButton("Bundled tune")
        self.bundled_button.setToolTip("The studio's own 48-bar blues and ii–V–I tune")
        self.bundled_button.clicked.connect(self.open_bundled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button, 1)
        buttons.addWidget(self.bundled_button, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.piece_info)
        layout.addLayout(buttons)
        session.task_ended.connect(self._open_queued)

    # -- opening ---------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open MIDI file", last_folder(OPEN_KEY), MIDI_FILTER)
        if path:
            remember_folder(OPEN_KEY, path)
            self.open_path(path)

    def open_bundled(self) -> None:
        from engine.jazz.midi_read import default_piece

        self.open_path(str(default_piece()))

    def open_path(self, path: str) -> None:
        """Open a MIDI file (File > Open, a drop on the window, the Open button)."""
        session = self.session
        if session.training():
            session.error("Open MIDI", "Training is running. Stop it before opening another piece.")
            return
        if session.busy():  # e.g. the bundled tune is still loading: open this one next
            self._queued = path
            session.report(f"{Path(path).name} will open in a moment…")
            return
        if session.run_task("Open MIDI", lambda: piece_job(path), lambda r: self._on_piece(r, Path(path)),
                            on_error=self._on_open_failed):
            self.file_label.setText(f"Opening {Path(path).name}…")

    def choose_melody(self, index: int) -> bool:
        """Learn part ``index`` of the open piece as the melody (rebuilds the corpus in the worker)."""
        session, song = self.session, self.session.song
        if song is None:
            return False
        if session.training():
            session.error("Melody", "Training is running. Stop it before choosing another melody.")
            return False
        part = song.parts[index]
        if part.is_drums:
            session.error("Melody", f"Part {index} ('{part.name}') is a drum part; pick a pitched part as the melody.")
            return False
        return session.run_task("Melody", lambda: piece_job(None, song, index), lambda r: self._on_piece(r, None))

    def _on_open_failed(self, _message: str) -> None:
        song = self.session.song
        self.file_label.setText(song.name if song is not None else NO_PIECE)

    def _open_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued:
            self.open_path(queued)

    def _on_piece(self, result: dict, path: Path | None) -> None:
        session = self.session
        session.song, session.auto_melody, session.corpus = result["song"], result["auto"], result["corpus"]
        session.corpus_error = result["error"]
        if path is not None:
            self.source_path = path
        song = session.song
        self.file_label.setText(song.name)
        self.file_label.setToolTip(str(song.path))
        meter = song.time_signatures[0] if song.time_signatures else None
        bits = [f"{len(song.parts)} parts", f"{meter}" if meter else "", f"{song.tempo:.0f} BPM"]
        if song.key:
            bits.append(f"key {song.key}")
        self.piece_info.setText(" · ".join(b for b in bits if b))
        session.piece_changed.emit()
        if result["error"]:
            session.error("Melody", result["error"])
        else:
            session.report(f"Opened {song.name}: {session.corpus.token_count} tokens to learn from.")

    def update_enabled(self) -> None:
        free = not self.session.busy() and not self.session.training()
        self.open_button.setEnabled(free)
        self.bundled_button.setEnabled(free)
