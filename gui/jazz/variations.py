"""The improvised variations: one piano roll each, with Play, Export MIDI…, Save WAV… and a drag handle.

Each variation's title says what makes it differ from the others -- its own
seed -- so it can be made again. Export offers a MIDI file, WAV audio or a MusicXML lead sheet. The drag handle hands a DAW (or the desktop) a
.mid file that was written beforehand on a worker (see
:mod:`gui.jazz.export_actions`); while it is being written the handle says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.jazz.widgets import ElidedLabel
from gui.piano_roll import PianoRoll

__all__ = ["DragHandle", "VariationView", "VariationsPage", "variation_title", "variation_details", "roll_notes"]


def roll_notes(notes) -> list[tuple[int, float, float, int]]:
    """Engine notes as the piano roll's ``(pitch, start, length, velocity)`` rows."""
    return [(n.pitch, n.start, n.duration, n.velocity) for n in notes]


def variation_title(index: int, improv, others: Sequence) -> str:
    """"Variation 2 · seed 1234 · 83% original": what makes it differ from the others (its own seed, which
    makes it again) and how much of it is new (share of its notes outside rhythms copied from the source)."""
    seed = f"seed {improv.seed}"
    if sum(o.seed == improv.seed for o in others) > 1:  # one seed for the run: say which of its variations
        seed += f", no. {getattr(improv, 'variation', index) + 1}"
    originality = getattr(improv, "originality", None)
    original = f" · {originality:.0%} original" if originality is not None else ""
    return f"Variation {index + 1} · {seed}{original}"


def variation_details(improv, temperature: float) -> str:
    """The settings it shares with its siblings: "8 measures · temperature 0.70 · swing 2:1"."""
    swing = getattr(improv, "swing", None)
    feel = f" · swing {swing:.2g}:1" if swing and swing > 1.0 else (" · straight" if swing else "")
    return f"{improv.measures} measures · temperature {temperature:.2f}{feel}"


class DragHandle(QLabel):
    """Press and drag: the variation leaves the window as a MIDI file (a file URL).

    ``file_for()`` returns the path of the written file, or None while it is
    still being written (the drag then waits for the next try).
    """

    dragged = Signal(str)
    not_ready = Signal()

    def __init__(self, file_for: Callable[[], Path | None], parent: QWidget | None = None):
        super().__init__("⠿ Drag .mid", parent)
        self._file_for = file_for
        self._press = None
        self.setToolTip("Drag this variation onto a DAW track or the desktop as a MIDI file")
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setStyleSheet("QLabel { border: 1px solid #b8b8b8; border-radius: 3px; padding: 2px 6px; color: #333;"
                           " background: #f4f4f4; }")

    def ready(self) -> bool:
        return self._file_for() is not None

    def mime_data(self) -> QMimeData | None:
        path = self._file_for()
        if path is None:
            return None
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
        mime = self.mime_data()
        if mime is None:
            self.not_ready.emit()
            return Qt.DropAction.IgnoreAction
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.grab())
        self.dragged.emit(mime.urls()[0].toLocalFile())
        return drag.exec(Qt.DropAction.CopyAction)


class VariationView(QFrame):
    """A variation's title, Play/Stop, Export (MIDI, WAV, lead sheet), drag handle and piano roll."""

    play_clicked = Signal(int)
    export_clicked = Signal(int)
    wav_clicked = Signal(int)
    lead_sheet_clicked = Signal(int)

    def __init__(self, index: int, title: str, details: str, file_for: Callable[[], Path | None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: 600;")
        self.details = ElidedLabel(f"· {details}")
        self.details.setStyleSheet("color: #555;")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Listen to this variation (Stop ends it)")
        self.export_button = QPushButton("Export")
        menu = QMenu(self.export_button)
        self.export_action = menu.addAction("MIDI file…")
        self.export_action.setToolTip("The tracks ticked in the Band box, each named, for a DAW")
        self.wav_action = menu.addAction("WAV audio…")
        self.wav_action.setToolTip("What the preview plays, as a WAV file")
        self.lead_sheet_action = menu.addAction("Export lead sheet (MusicXML)…")
        self.lead_sheet_action.setToolTip("The melody and chord symbols, for MuseScore and other notation programs")
        menu.setToolTipsVisible(True)
        self.export_button.setMenu(menu)
        self.export_button.setToolTip("Export this variation: MIDI, WAV or a lead sheet")
        self.drag_handle = DragHandle(file_for)
        self.play_button.clicked.connect(lambda: self.play_clicked.emit(self.index))
        self.export_action.triggered.connect(lambda: self.export_clicked.emit(self.index))
        self.wav_action.triggered.connect(lambda: self.wav_clicked.emit(self.index))
        self.lead_sheet_action.triggered.connect(lambda: self.lead_sheet_clicked.emit(self.index))
        header = QHBoxLayout()
        header.setContentsMargins(6, 4, 6, 0)
        header.addWidget(self.title)
        header.addWidget(self.details, 1)
        for w in (self.play_button, self.export_button, self.drag_handle):
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


class VariationsPage(QScrollArea):
    """The list of variation views (a hint until the first Generate)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.views: list[VariationView] = []
        self.page = QWidget()
        self.column = QVBoxLayout(self.page)
        self.column.setContentsMargins(4, 4, 4, 4)
        self.column.setSpacing(8)
        self.hint = QLabel("Train the model, then press Generate: each improvised variation appears "
                           "here as its own piano roll, to play, export or drag into a DAW.")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: #777; padding: 30px;")
        self.column.addWidget(self.hint)
        self.column.addStretch(1)
        self.setWidget(self.page)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def show_variations(self, improvs: Sequence, temperature: float,
                        file_for: Callable[[int], Path | None]) -> list[VariationView]:
        """Replace the views by one per improvisation; returns them (the caller connects their buttons)."""
        from engine.jazz.spelling import key_of
        from engine.jazz.timing import chord_labels
        from engine.jazz.tones import classify

        for view in self.views:
            view.setParent(None)
            view.deleteLater()
        self.views = []
        self.hint.setVisible(not improvs)
        for i, improv in enumerate(improvs):
            view = VariationView(i, variation_title(i, improv, improvs), variation_details(improv, temperature),
                                 lambda i=i: file_for(i))
            changes = getattr(improv, "changes", None) or improv.chords
            view.roll.set_notes(roll_notes(improv.melody), roll_notes(improv.chord_notes()),
                                beats_per_bar=improv.measure_length, total_beats=improv.length,
                                chord_labels=chord_labels(changes, improv.measure_length),
                                classes=classify(improv.melody, improv.chord_at), key=key_of(improv))
            self.column.insertWidget(self.column.count() - 1, view)
            self.views.append(view)
        return self.views
