"""The parts of the open file, to pick the melody from, and what the corpus holds.

One row per part: number, name, instrument, channel, notes, range (spelt in the
piece's key: B♭ in F), polyphony.
The melody part is marked ★ (and "(auto)" when the engine picked it); drum parts
are greyed and cannot be chosen. Clicking another row emits ``melody_chosen``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.jazz.spelling import range_name
from gui.jazz.session import JazzSession

__all__ = ["PartsView"]

COLUMNS = ["#", "Part", "Instr.", "Ch", "Notes", "Range", "Poly."]
RIGHT_ALIGNED = (0, 3, 4, 6)


class PartsView(QWidget):
    """The parts table and the corpus line under it."""

    melody_chosen = Signal(int)

    def __init__(self, session: JazzSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        heading = QLabel("<b>Parts</b> <span style='color:#666'>— click a row to learn that part's melody</span>")
        heading.setWordWrap(True)  # never widen the window for a hint
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the instrument gives way first
        header.setMinimumSectionSize(24)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.cellClicked.connect(self.part_clicked)
        self.table.setToolTip(
            "The melody part is marked ★; drum parts cannot be the melody.\n"
            "Instr.: its General MIDI instrument; Ch: its MIDI channel.\n"
            "Poly.: share of the time the part sounds several notes at once (chords)."
        )
        self.corpus_label = QLabel("")
        self.corpus_label.setWordWrap(True)
        self.corpus_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(3)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.corpus_label)
        session.piece_changed.connect(self.refresh)

    def refresh(self) -> None:
        self.fill_table()
        self.show_corpus()

    def fill_table(self) -> None:
        session, table = self.session, self.table
        table.setRowCount(0)
        if session.song is None:
            return
        melody = session.melody_index()
        for part in session.song.parts:
            row = table.rowCount()
            table.insertRow(row)
            lo, hi = part.pitch_range
            star = "★ " if part.index == melody else ""
            auto = " (auto)" if part.index == session.auto_melody and part.index == melody else ""
            cells = [
                str(part.index), f"{star}{part.name}{auto}", part.instrument, str(part.channel + 1),
                str(part.note_count), range_name(lo, hi, session.song.key), f"{part.polyphony:.0%}",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col in (1, 2) else "")
                if col in RIGHT_ALIGNED:
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

    def part_clicked(self, row: int, _col: int = 0) -> None:
        """A click on a row: learn that part, unless it already is the melody."""
        if self.session.song is None or row == self.session.melody_index():
            return
        self.melody_chosen.emit(row)
        if self.session.song.parts[row].is_drums or not self.session.busy():
            self.fill_table()  # refused: the selection goes back to the melody

    def show_corpus(self) -> None:
        c = self.session.corpus
        if c is None:
            self.corpus_label.setText(f"<span style='color:#a04000'>{self.session.corpus_error}</span>")
            return
        num, den = c.time_signature
        lo, hi = c.pitch_range
        harmony = "" if c.harmony_from == "accompaniment" else " · chords taken from the melody itself"
        self.corpus_label.setText(
            f"Corpus: <b>{len(c.measures)}</b> measures of {num}/{den} · <b>{c.token_count}</b> tokens · "
            f"vocabulary <b>{c.vocab_size}</b> · melody range {range_name(lo, hi, c.song.key)}{harmony}"
        )
