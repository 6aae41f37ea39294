"""The Piece box: the files to learn from (MIDI files or MusicXML/ABC lead sheets), each with its melody part.

Open… starts over with one file; Add… learns from more files at once
(several solos: more to generalise from, less to copy); Remove drops the
selected one; Bundled starts over with the studio's own tune. The list names each file with the part learnt as its melody;
selecting a row shows that file's parts and piano roll. Reading files and
building the corpus run as a task (:func:`gui.jazz.jobs.pieces_job`). A file
asked for while another is still loading opens right after it; while training
runs, the pieces cannot change.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from gui.jazz.jobs import pieces_job
from gui.jazz.session import JazzSession, Piece
from gui.jazz.widgets import hint
from gui.settings import last_folder, remember_folder

__all__ = ["PiecePanel", "MIDI_FILTER", "OPEN_KEY"]

MIDI_FILTER = ("MIDI files and lead sheets (*.mid *.midi *.MID *.MIDI *.musicxml *.mxl *.xml *.abc);;"
               "MIDI files (*.mid *.midi *.MID *.MIDI);;Lead sheets (*.musicxml *.mxl *.xml *.abc);;All files (*)")
OPEN_KEY = "jazz"
NO_PIECE = "No piece open"
ROWS_SHOWN = 3  # the list's height in rows; more files scroll


class PiecePanel(QGroupBox):
    """Summary, file list with melodies, Open… / Add… / Remove / Bundled."""

    def __init__(self, session: JazzSession):
        super().__init__("Piece")
        self.session = session
        self._queued: str | None = None  # a file to open once the running task ends

        self.file_label = QLabel(NO_PIECE)
        self.file_label.setStyleSheet("font-weight: 600;")
        self.file_label.setWordWrap(True)
        self.piece_info = hint("Open a MIDI file, drop one on the window, or use the bundled tune.")
        self.files = QListWidget()
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.setToolTip("The files the model learns from, each with the part learnt as its melody.\n"
                              "Select one to see its parts (click a part to learn it instead).")
        self.files.setFixedHeight(self.files.fontMetrics().height() * ROWS_SHOWN + 12)
        self.files.currentRowChanged.connect(self._on_row)
        self.files.hide()
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Start over with one MIDI file or lead sheet (or drop one on the window)")
        self.open_button.clicked.connect(self.open_dialog)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Learn from more MIDI files at once: more solos, less copying")
        self.add_button.clicked.connect(self.add_dialog)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop learning from the selected file")
        self.remove_button.clicked.connect(self.remove_selected)
        self.bundled_button = QPushButton("Bundled")
        self.bundled_button.setToolTip("Start over with the studio's own tune: a 48-bar blues and ii–V–I")
        self.bundled_button.clicked.connect(self.open_bundled)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.open_button, self.add_button, self.remove_button, self.bundled_button):
            buttons.addWidget(b, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.file_label)
        layout.addWidget(self.piece_info)
        layout.addWidget(self.files)
        layout.addLayout(buttons)
        session.task_ended.connect(self._open_queued)

    # -- asking ------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open MIDI file", last_folder(OPEN_KEY), MIDI_FILTER)
        if path:
            remember_folder(OPEN_KEY, path)
            self.open_path(path)

    def add_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add MIDI files", last_folder(OPEN_KEY), MIDI_FILTER)
        if paths:
            remember_folder(OPEN_KEY, paths[0])
            self.add_paths(paths)

    def open_bundled(self) -> None:
        from engine.jazz.midi_read import default_piece

        self.open_path(str(default_piece()))

    # -- changing the pieces ---------------------------------------------------------------
    def _can_change(self, title: str) -> bool:
        if self.session.training():
            self.session.error(title, "Training is running. Stop it before changing what it learns from.")
            return False
        return True

    def open_path(self, path: str) -> None:
        """Start over with one MIDI file (File > Open, a drop on the window, the Open button)."""
        session = self.session
        if not self._can_change("Open MIDI"):
            return
        if session.busy():  # e.g. the bundled tune is still loading: open this one next
            self._queued = path
            session.report(f"{Path(path).name} will open in a moment…")
            return
        if self._run("Open MIDI", [path], [None], current=0):
            self.file_label.setText(f"Opening {Path(path).name}…")

    def add_paths(self, paths: list[str]) -> bool:
        """Learn from ``paths`` too, each with the engine's pick of melody (changeable in the parts table)."""
        pieces = self.session.pieces
        if not self._can_change("Add MIDI"):
            return False
        sources = [p.song for p in pieces] + list(paths)
        melodies = [p.melody for p in pieces] + [None] * len(paths)
        return self._run("Add MIDI", sources, melodies, current=len(pieces))

    def remove_selected(self) -> bool:
        pieces, row = self.session.pieces, self.files.currentRow()
        if len(pieces) < 2 or not 0 <= row < len(pieces) or not self._can_change("Remove"):
            return False
        kept = [p for k, p in enumerate(pieces) if k != row]
        return self._run("Remove", [p.song for p in kept], [p.melody for p in kept], current=0)

    def choose_melody(self, index: int) -> bool:
        """Learn part ``index`` of the shown piece as its melody (rebuilds the corpus in the worker)."""
        session, song = self.session, self.session.song
        if song is None or not self._can_change("Melody"):
            return False
        part = song.parts[index]
        if part.is_drums:
            session.error("Melody", f"Part {index} ('{part.name}') is a drum part; pick a pitched part as the melody.")
            return False
        melodies = [p.melody for p in session.pieces]
        melodies[session.current] = index
        return self._run("Melody", [p.song for p in session.pieces], melodies, current=session.current)

    def _run(self, title: str, sources: list, melodies: list, current: int) -> bool:
        return self.session.run_task(title, lambda: pieces_job(sources, melodies),
                                     lambda r: self._on_pieces(r, current), on_error=self._on_failed)

    def _on_failed(self, _message: str) -> None:
        self._show_summary()

    def _open_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued:
            self.open_path(queued)

    def _on_pieces(self, result: dict, current: int) -> None:
        session = self.session
        session.pieces = [Piece(song, melody, auto) for song, melody, auto
                          in zip(result["songs"], result["melodies"], result["autos"], strict=True)]
        session.current = min(current, len(session.pieces) - 1)
        session.corpus, session.corpus_error, session.swing = result["corpus"], result["error"], result["swing"]
        self._fill_list()
        session.piece_changed.emit()
        if result["error"]:
            session.error("Melody", result["error"])
        else:
            files = f"{len(session.pieces)} files" if len(session.pieces) > 1 else session.song.name
            session.report(f"Opened {files}: {session.corpus.token_count} tokens to learn from.")

    # -- showing ---------------------------------------------------------------------------
    def _fill_list(self) -> None:
        session = self.session
        self.files.blockSignals(True)
        self.files.clear()
        for piece in session.pieces:
            m = piece.melody
            name = piece.song.parts[m].name if m is not None else "no melody"
            auto = " (auto)" if m is not None and m == piece.auto else ""
            self.files.addItem(f"{piece.song.name} — melody: {name}{auto}")
            self.files.item(self.files.count() - 1).setToolTip(str(piece.song.path))
        self.files.setCurrentRow(session.current)
        self.files.blockSignals(False)
        self.files.setVisible(len(session.pieces) > 1)
        self._show_summary()

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.session.pieces) and row != self.session.current:
            self.session.current = row
            self._show_summary()
            self.session.piece_changed.emit()

    def _show_summary(self) -> None:
        session, song = self.session, self.session.song
        if song is None:
            self.file_label.setText(NO_PIECE)
            return
        many = len(session.pieces) > 1
        self.file_label.setText(f"{len(session.pieces)} files" if many else song.name)
        self.file_label.setToolTip(str(song.path))
        meter = song.time_signatures[0] if song.time_signatures else None
        bits = [f"{len(song.parts)} parts", f"{meter}" if meter else "", song.tempo_text]
        if song.key:
            bits.append(f"key {song.key}")
        from engine.jazz.swing import describe_swing

        if session.swing is not None:
            bits.append(f"swing {session.swing:.2g}:1")
        self.piece_info.setText((f"{song.name}: " if many else "") + " · ".join(b for b in bits if b))
        self.piece_info.setToolTip(f"Swing of the melodies: {describe_swing(session.swing)}")

    def update_enabled(self) -> None:
        free = not self.session.busy() and not self.session.training()
        for b in (self.open_button, self.add_button, self.bundled_button):
            b.setEnabled(free)
        self.remove_button.setEnabled(free and len(self.session.pieces) > 1)
        self.files.setEnabled(free)
