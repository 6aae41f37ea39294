"""A piano roll: notes as bars over time (beats) and pitch, melody and chords in two colours.

Melody notes may instead be coloured by their class over the chord sounding
(chord tone, scale/colour tone, approach tone, other; see
:mod:`engine.jazz.tones`), with a key above the notes; hovering a melody note
names it, its chord and its class.

Time runs left to right in beats (quarter notes), bars are numbered from 1 on the
bottom axis, pitches are named on the left axis (C4 = MIDI 60), black-key rows are
shaded as on a keyboard; chord names run along a strip above the notes, like the
chord line of a lead sheet. Zoom with the wheel (over an axis: that axis only), the
+/- buttons or the keyboard; scroll by dragging or with the scroll bar below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine.jazz.tones import CLASS_NAMES
from gui.plotting import PALETTE
from gui.roll_frame import BarAxis, ChordStrip, PitchAxis, note_name, stagger_names

__all__ = ["PianoRoll", "PitchAxis", "BarAxis", "ChordStrip", "stagger_names", "note_name", "MELODY_COLOUR",
           "CHORD_COLOUR", "CLASS_COLOURS"]

BLACK_KEYS = {1, 3, 6, 8, 10}
MELODY_COLOUR = PALETTE["blue"]
CHORD_COLOUR = PALETTE["orange"]
CLASS_COLOURS = {"C": PALETTE["blue"], "S": PALETTE["green"], "A": PALETTE["purple"], "X": PALETTE["vermillion"]}
DEFAULT_BARS_SHOWN = 16
LEFT_MARGIN = -0.25  # a sliver before beat 0, so bar 1's number is not cut by the axis


def _as_array(notes: Iterable[Sequence[float]]) -> np.ndarray:
    """Notes as an ``(n, 4)`` float array: pitch, start beat, length in beats, velocity."""
    rows = []
    for n in notes:
        n = tuple(n)
        rows.append((float(n[0]), float(n[1]), float(n[2]), float(n[3]) if len(n) > 3 else 90.0))
    return np.asarray(rows, dtype=float).reshape(-1, 4)


def _brushes(colours: str | Sequence[str], velocities: np.ndarray) -> list[QColor]:
    """One colour (or one per note); louder notes are more opaque, like ink pressed harder."""
    out = []
    for k, v in enumerate(velocities):
        c = QColor(colours if isinstance(colours, str) else colours[k])
        c.setAlphaF(float(np.clip(0.45 + 0.55 * v / 127.0, 0.45, 1.0)))
        out.append(c)
    return out


class PianoRoll(QWidget):
    """Melody and chord notes over time; zoom and scroll; optional chord names and playhead."""

    view_changed = Signal()

    def __init__(self, title: str = "", parent: QWidget | None = None, *, legend: bool = False):
        super().__init__(parent)
        self.beats_per_bar = 4.0
        self.total_beats = 16.0
        self.melody = np.zeros((0, 4))
        self.chords = np.zeros((0, 4))
        self.classes: list[tuple[str, str]] | None = None  # each melody note's (class, chord), when coloured so
        self.key: str | None = None  # the piece's key, to spell pitch names
        self._syncing = False

        self.pitch_axis = PitchAxis("left")
        self.bar_axis = BarAxis(4.0)
        self.plot = pg.PlotWidget(axisItems={"left": self.pitch_axis, "bottom": self.bar_axis})
        item = self.plot.getPlotItem()
        if title:
            item.setTitle(title, size="10pt")
        item.hideButtons()
        item.setContentsMargins(0, 7, 8, 0)  # room for the top pitch name and the last bar number
        item.setMenuEnabled(False)
        self.pitch_axis.setWidth(40)
        self.view = item.getViewBox()
        self.view.setMouseEnabled(x=True, y=True)
        self.view.setDefaultPadding(0.0)

        self._keys = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=QColor(0, 0, 0, 14), pen=None)
        self._beat_lines = pg.PlotDataItem(pen=pg.mkPen(QColor(0, 0, 0, 22), width=1))
        self._bar_lines = pg.PlotDataItem(pen=pg.mkPen(QColor(0, 0, 0, 70), width=1))
        self._chord_bars = pg.BarGraphItem(
            x0=[], y0=[], width=[], height=[], brush=CHORD_COLOUR, pen=pg.mkPen("#9c6b00", width=0.6), name="Chords"
        )
        self._melody_bars = pg.BarGraphItem(
            x0=[], y0=[], width=[], height=[], brush=MELODY_COLOUR, pen=pg.mkPen("#004d7a", width=0.6), name="Melody"
        )
        for it in (self._keys, self._beat_lines, self._bar_lines, self._chord_bars, self._melody_bars):
            self.plot.addItem(it)
        if legend:
            key = item.addLegend(offset=(-6, 6), brush=QColor(255, 255, 255, 200), labelTextSize="8pt")
            key.addItem(self._melody_bars, "Melody")
            key.addItem(self._chord_bars, "Chords")

        self.playhead = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(PALETTE["vermillion"], width=2))
        self.playhead.setZValue(50)
        self.playhead.hide()
        self.plot.addItem(self.playhead)

        # Zoom buttons and a scroll bar: the mouse is not the only way around.
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.setSingleStep(4)
        self.scrollbar.valueChanged.connect(self._scroll_to)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        self.zoom_out_button = self._tool_button("−", "Zoom out (show more bars)", lambda: self.zoom(2.0))
        self.zoom_in_button = self._tool_button("+", "Zoom in (show fewer bars)", lambda: self.zoom(0.5))
        self.fit_button = self._tool_button("Fit", "Show the whole piece", self.fit_all)
        self.fit_button.setFixedWidth(34)
        buttons.addWidget(self.scrollbar, 1)
        for b in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            buttons.addWidget(b)

        self.chord_strip = ChordStrip(self)
        self.class_key = QLabel(" ".join(
            f"<span style='color:{CLASS_COLOURS[c]}'>■</span>&nbsp;{name}" for c, name in CLASS_NAMES.items()))
        self.class_key.setMinimumWidth(0)  # in a narrow roll the key is cut, never the roll widened
        self.class_key.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.class_key.setStyleSheet("color: #444; font-size: 8pt;")
        self.class_key.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.class_key.setToolTip("Melody notes by what they are over the chord sounding when they start;\n"
                                  "hover a note to see its name, the chord and its class")
        self.class_key.hide()
        chart = QVBoxLayout()
        chart.setContentsMargins(0, 0, 0, 0)
        chart.setSpacing(0)
        chart.addWidget(self.class_key)
        chart.addWidget(self.chord_strip)
        chart.addWidget(self.plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(chart, 1)
        layout.addLayout(buttons)
        self.empty_label = QLabel("No notes yet", self.plot)
        self.empty_label.setStyleSheet("color: #888; background: transparent;")
        self.view.sigXRangeChanged.connect(self._sync_scrollbar)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view.sigResized.connect(self.chord_strip.relayout)
        self.set_notes([], [])

    def _tool_button(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setFixedSize(24, 20)
        b.clicked.connect(slot)
        return b

    # -- content ----------------------------------------------------------------
    def set_notes(
        self,
        melody: Iterable[Sequence[float]],
        chords: Iterable[Sequence[float]] = (),
        *,
        beats_per_bar: float = 4.0,
        total_beats: float | None = None,
        chord_labels: Sequence[tuple[float, str]] = (),
        bars_shown: int = DEFAULT_BARS_SHOWN,
        classes: Sequence[tuple[str, str]] | None = None,
        key: str | None = None,
    ) -> None:
        """Show notes given as ``(pitch, start_beat, length_beats[, velocity])``.

        ``total_beats`` defaults to the end of the last note rounded up to a whole bar.
        ``chord_labels`` are ``(beat, "Dm7")`` pairs, named on the strip above the notes.
        The view opens on the first ``bars_shown`` bars (all of them if fewer).
        ``classes`` gives each melody note's ``(class letter, chord symbol)``: the notes are
        then coloured by class (:data:`CLASS_COLOURS`) and the key above them says how.
        ``key`` (e.g. "F", "Em") spells the pitch names: B♭ in F, A♯ in B (see :mod:`engine.jazz.spelling`).
        """
        self.key = self.pitch_axis.key = key
        self.melody, self.chords = _as_array(melody), _as_array(chords)
        self.classes = list(classes) if classes is not None else None
        if self.classes is not None and len(self.classes) != len(self.melody):
            raise ValueError("one class per melody note")
        self.class_key.setVisible(self.classes is not None)
        self.beats_per_bar = float(beats_per_bar) if beats_per_bar > 0 else 4.0
        self.bar_axis.beats_per_bar = self.beats_per_bar
        both = np.vstack([self.melody, self.chords])
        end = float((both[:, 1] + both[:, 2]).max()) if len(both) else 0.0
        if total_beats is None:
            total_beats = max(1.0, np.ceil(end / self.beats_per_bar - 1e-9)) * self.beats_per_bar
        self.total_beats = max(float(total_beats), self.beats_per_bar)

        melody_colours = [CLASS_COLOURS[c] for c, _ in self.classes] if self.classes is not None else MELODY_COLOUR
        for bars, notes in ((self._melody_bars, self.melody), (self._chord_bars, self.chords)):
            colour = melody_colours if bars is self._melody_bars else CHORD_COLOUR
            bars.setOpts(
                x0=notes[:, 1], y0=notes[:, 0] - 0.42, width=np.maximum(notes[:, 2], 0.02), height=0.84,
                brushes=_brushes(colour, notes[:, 3]),
            )

        lo, hi = self._pitch_span(both)
        black = [p for p in range(0, 128) if p % 12 in BLACK_KEYS]
        self._keys.setOpts(x0=[0.0] * len(black), y0=[p - 0.5 for p in black],
                           width=[self.total_beats] * len(black), height=1.0)
        self._set_grid_lines()

        view_hi = hi + 1
        self.view.setLimits(
            xMin=-0.5, xMax=self.total_beats + 0.5, yMin=-0.5, yMax=127.5,
            minXRange=self.beats_per_bar / 2, minYRange=6, maxYRange=128,
        )
        self.view.setYRange(lo - 1, view_hi, padding=0)
        shown = min(self.total_beats, bars_shown * self.beats_per_bar)
        self.view.setXRange(LEFT_MARGIN, shown, padding=0)
        self.empty_label.setVisible(len(both) == 0)
        self.empty_label.move(60, 30)
        self.chord_strip.set_labels(chord_labels)
        self._sync_scrollbar()

    def clear_notes(self) -> None:
        self.set_notes([], [])

    @staticmethod
    def _pitch_span(notes: np.ndarray) -> tuple[float, float]:
        """Pitches to show: all notes with a little room, at least an octave and a half."""
        if len(notes) == 0:
            return 55.0, 79.0
        lo, hi = float(notes[:, 0].min()), float(notes[:, 0].max())
        if hi - lo < 18:
            mid = (hi + lo) / 2
            lo, hi = mid - 9, mid + 9
        return max(0.0, lo - 1), min(127.0, hi + 1)

    def _set_grid_lines(self) -> None:
        bpb = self.beats_per_bar
        bars = np.arange(0.0, self.total_beats + 1e-9, bpb)
        beats = np.array([b for b in np.arange(0.0, self.total_beats, 1.0) if b % bpb])
        for item, xs in ((self._bar_lines, bars), (self._beat_lines, beats)):
            x = np.repeat(xs, 2)
            y = np.tile([-0.5, 127.5], len(xs))
            item.setData(x, y, connect="pairs")

    # -- hovering ----------------------------------------------------------------------
    def melody_note_at(self, beat: float, pitch: float) -> int | None:
        """Index of the melody note sounding at ``beat`` on the row of ``pitch``, or None."""
        notes = self.melody
        if not len(notes):
            return None
        hit = (np.abs(notes[:, 0] - pitch) <= 0.5) & (notes[:, 1] <= beat) & (beat < notes[:, 1] + notes[:, 2])
        found = np.flatnonzero(hit)
        return int(found[-1]) if found.size else None

    def describe_note(self, index: int) -> str:
        """"E5 over Dm7: scale/colour tone" (just the name when the notes are not classed), spelt in the key."""
        if self.classes is None:
            return note_name(self.melody[index, 0], self.key)
        letter, chord = self.classes[index]
        name = note_name(self.melody[index, 0], self.key, chord or None)  # a chord tone is spelt from its root
        return f"{name} over {chord}: {CLASS_NAMES[letter]}" if chord else f"{name}: {CLASS_NAMES[letter]}"

    def _on_mouse_moved(self, scene_pos) -> None:
        if not self.view.sceneBoundingRect().contains(scene_pos):
            return
        point = self.view.mapSceneToView(scene_pos)
        index = self.melody_note_at(point.x(), point.y())
        if index is None:
            QToolTip.hideText()
            return
        global_pos = self.plot.mapToGlobal(self.plot.mapFromScene(scene_pos))
        QToolTip.showText(global_pos, self.describe_note(index), self.plot)

    def bar_count(self) -> int:
        return int(round(self.total_beats / self.beats_per_bar))

    # -- playhead ------------------------------------------------------------------
    def set_playhead(self, beat: float | None) -> None:
        """Show a vertical line at ``beat`` (None hides it); keep it in view while playing."""
        if beat is None:
            self.playhead.hide()
            return
        self.playhead.setValue(float(beat))
        self.playhead.show()
        x0, x1 = self.view.viewRange()[0]
        if not x0 <= beat <= x1:
            width = x1 - x0
            self.view.setXRange(beat, beat + width, padding=0)

    # -- zoom and scroll -------------------------------------------------------------
    def beat_to_x(self, beat: float) -> float:
        """The horizontal pixel of ``beat`` in this widget's coordinates."""
        scene = self.view.mapViewToScene(QPointF(float(beat), 0.0))
        return float(self.plot.mapTo(self, self.plot.mapFromScene(scene)).x())

    def view_pixels(self) -> tuple[float, float]:
        """Left and right pixel edges of the notes area, in this widget's coordinates."""
        x0, x1 = self.visible_beats()
        return self.beat_to_x(x0), self.beat_to_x(x1)

    def visible_beats(self) -> tuple[float, float]:
        x0, x1 = self.view.viewRange()[0]
        return float(x0), float(x1)

    def zoom(self, factor: float) -> None:
        """Multiply the visible time span by ``factor`` (< 1 zooms in), keeping the left edge."""
        x0, x1 = self.visible_beats()
        width = float(np.clip((x1 - x0) * factor, self.beats_per_bar / 2, self.total_beats + 1))
        start = float(np.clip(x0, -0.5, max(-0.5, self.total_beats + 0.5 - width)))
        self.view.setXRange(start, start + width, padding=0)

    def fit_all(self) -> None:
        self.view.setXRange(LEFT_MARGIN, self.total_beats, padding=0)

    def scroll_to_beat(self, beat: float) -> None:
        x0, x1 = self.visible_beats()
        self.view.setXRange(beat, beat + (x1 - x0), padding=0)

    def _sync_scrollbar(self, *args) -> None:
        """Scroll bar in sixteenths of a beat: range = what is hidden, page = what is shown."""
        if self._syncing:
            return
        self._syncing = True
        try:
            x0, x1 = self.visible_beats()
            page = max(1, int((x1 - x0) * 16))
            maximum = max(0, int((self.total_beats + 0.5) * 16) - page)
            self.scrollbar.setRange(0, maximum)
            self.scrollbar.setPageStep(page)
            self.scrollbar.setSingleStep(max(1, page // 8))
            self.scrollbar.setValue(int(max(0.0, x0) * 16))
            self.scrollbar.setEnabled(maximum > 0)
        finally:
            self._syncing = False
        self.chord_strip.relayout()
        self.view_changed.emit()

    def _scroll_to(self, value: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.scroll_to_beat(value / 16.0)
        finally:
            self._syncing = False
        self.view_changed.emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.5)
        elif key == Qt.Key.Key_Minus:
            self.zoom(2.0)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            x0, x1 = self.visible_beats()
            step = self.beats_per_bar * (1 if key == Qt.Key.Key_Right else -1)
            self.scroll_to_beat(float(np.clip(x0 + step, 0, max(0.0, self.total_beats - (x1 - x0)))))
        else:
            super().keyPressEvent(event)
