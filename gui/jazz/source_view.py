"""The source page: the open piece's melody over its accompaniment, chord names above, and Play."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.jazz.session import JazzSession
from gui.jazz.variations import roll_notes
from gui.piano_roll import CHORD_COLOUR, PianoRoll

__all__ = ["SourceView"]


class SourceView(QWidget):
    """Title, colour key, Play/Stop and the piano roll of the source."""

    def __init__(self, session: JazzSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.title = QLabel("")
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setMinimumWidth(40)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Listen to the source's melody and chords, from the bar on screen")
        self.play_button.setEnabled(False)
        key = QLabel(f"<span style='color:{CHORD_COLOUR}'>■</span> accompaniment")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(key)
        header.addWidget(self.play_button)
        self.roll = PianoRoll()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.roll, 1)
        session.piece_changed.connect(self.show_source)

    def show_source(self) -> None:
        """Draw the open piece: its melody part, the other pitched parts, the corpus's chord names."""
        from engine.jazz.timing import chord_labels
        from engine.jazz.tones import chord_of_measures, classify

        session = self.session
        song, melody = session.song, session.melody_index()
        mel = roll_notes(song.parts[melody].notes) if melody is not None else []
        acc = roll_notes(n for p in song.parts if not p.is_drums and p.index != melody for n in p.notes)
        meter = session.measure_length()
        labels, classes = [], None
        if session.corpus is not None and melody is not None:
            measures = _measures_of_piece(session.corpus, session.current)
            labels = chord_labels([m.chords or (m.chord,) for m in measures], meter,
                                  starts=[m.start for m in measures])
            classes = classify(song.parts[melody].notes, chord_of_measures(measures))
        self.roll.set_notes(mel, acc, beats_per_bar=meter, chord_labels=labels, classes=classes, key=song.key)
        if mel:  # open where the tune begins, not on an intro without melody
            first_bar = min(n[1] for n in mel) // meter * meter
            if first_bar > 0:
                self.roll.scroll_to_beat(first_bar)
        name = song.parts[melody].name if melody is not None else "no melody"
        self.title.setText(f"{song.name} — melody: {name}")
        self.title.setToolTip(self.title.text())
        self.play_button.setEnabled(True)

    def first_beat(self) -> float:
        """The beat at the left edge of the roll: where a preview of the source starts."""
        return self.roll.visible_beats()[0]

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("■ Stop" if playing else "▶ Play")


def _measures_of_piece(corpus, k: int) -> tuple:
    """The corpus measures that belong to piece ``k`` (a corpus of several files lays them end to end)."""
    return tuple(m for m in corpus.measures if getattr(m, "piece", 0) == k)
