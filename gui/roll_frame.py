"""The piano roll's frame: pitch names on the left, bar numbers below, chord names above.

Shared by :mod:`gui.piano_roll`; see there for the roll itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from engine.jazz.spelling import pitch_name

if TYPE_CHECKING:
    from gui.piano_roll import PianoRoll

__all__ = ["PitchAxis", "BarAxis", "ChordStrip", "stagger_names", "note_name"]


def note_name(pitch: int, key: str | None = None, chord=None) -> str:
    """Scientific pitch name spelt in ``key`` (over ``chord``, a symbol, when known): 60 -> 'C4',
    70 -> 'B♭4' (in F) or 'A♯4' (in E); see :mod:`engine.jazz.spelling`."""
    return pitch_name(round(pitch), key, chord)


class PitchAxis(pg.AxisItem):
    """Left axis naming pitches in the piece's ``key``: every C when zoomed out, every semitone when zoomed in."""

    key: str | None = None

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        lo, hi = int(np.ceil(minVal)), int(np.floor(maxVal))
        if hi < lo:
            return []
        semitones = list(range(lo, hi + 1))
        px_per_semitone = size / max(1.0, maxVal - minVal)
        if px_per_semitone >= 13:  # room for a name on every row
            return [(1, semitones)]
        cs = [p for p in semitones if p % 12 == 0]
        if px_per_semitone >= 5:
            return [(12, cs), (1, [p for p in semitones if p % 12 in (4, 7)])]
        return [(12, cs)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        return [note_name(round(v), self.key) if 0 <= round(v) <= 127 else "" for v in values]


class BarAxis(pg.AxisItem):
    """Bottom axis in beats, labelled with bar numbers (1, 2, ...)."""

    def __init__(self, beats_per_bar: float = 4.0, **kwargs):
        super().__init__("bottom", **kwargs)
        self.beats_per_bar = float(beats_per_bar)
        self.setStyle(hideOverlappingLabels=12)  # bar 1's number sits on the very left edge

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803
        bpb = self.beats_per_bar
        span_bars = max(1e-9, (maxVal - minVal) / bpb)
        px_per_bar = size / span_bars
        step = 1
        while px_per_bar * step < 36:  # keep labels apart
            step *= 2
        first = int(np.ceil(max(0.0, minVal) / bpb))
        last = int(np.floor(maxVal / bpb))
        bars = [b * bpb for b in range(first, last + 1) if b % step == 0]
        ticks = [(bpb * step, bars)]
        if px_per_bar / bpb >= 24:  # zoomed in: beat ticks without labels
            beats = [b for b in np.arange(np.ceil(max(0.0, minVal)), np.floor(maxVal) + 1) if b % bpb]
            ticks.append((1.0, list(beats)))
        return ticks

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if spacing < self.beats_per_bar - 1e-9:
            return ["" for _ in values]
        return [str(int(round(v / self.beats_per_bar)) + 1) for v in values]


def stagger_names(xs: Sequence[float], widths: Sequence[float], right: float, gap: float = 6.0) -> list[tuple[int, float]]:
    """Where chord names go on a chord line: ``(row, room)`` for each name, in pixels.

    ``xs`` are the names' left edges (ascending), ``widths`` their text widths,
    ``right`` the end of the line. One row when every name ends ``gap`` before the
    next begins; otherwise two staggered rows (names alternate), which doubles the
    room of each. ``room`` is the width a name may take before the next name on its
    row: a name wider than its room has to be shortened.
    """
    n = len(xs)
    one_row = all(xs[i] + widths[i] + gap <= xs[i + 1] for i in range(n - 1))
    rows = 1 if one_row else 2
    out = []
    for i in range(n):
        following = xs[i + rows] - gap if i + rows < n else right
        out.append((i % rows, max(0.0, following - xs[i])))
    return out


class ChordStrip(QWidget):
    """The chord names above a piano roll, in step with its time axis.

    Each name starts at its chord's beat; the chord sounding at the left edge of
    the view stays named there. Names share one line when they fit, else take two
    staggered lines; a name that still has no room is elided (its tooltip has it whole).
    """

    def __init__(self, roll: PianoRoll):
        super().__init__(roll)
        self._roll = roll
        self.labels: list[tuple[float, str]] = []
        self.placed: list[tuple[str, float, int, str]] = []  # (name, x, row, shown text)
        self.font_ = QFont()
        self.font_.setPointSizeF(8.5)
        self.font_.setBold(True)
        self._metrics = QFontMetricsF(self.font_)
        self._line = int(np.ceil(self._metrics.height())) + 2
        self.setFixedHeight(self._line + 2)
        self.setAutoFillBackground(False)

    def set_labels(self, labels: Sequence[tuple[float, str]]) -> None:
        self.labels = sorted((float(b), str(t)) for b, t in labels)
        self.setVisible(bool(self.labels))
        self.relayout()

    def relayout(self) -> None:
        """Place the names for the current view (call when it moves or resizes)."""
        self.placed = []
        left, right = self._view_pixels()
        visible = []
        for i, (beat, text) in enumerate(self.labels):
            x = self._roll.beat_to_x(beat) - self.x()
            nxt = self._roll.beat_to_x(self.labels[i + 1][0]) - self.x() if i + 1 < len(self.labels) else right
            if nxt <= left or x >= right:
                continue  # not sounding anywhere in view
            visible.append((max(x, left), text))
        xs = [x for x, _ in visible]
        widths = [self._metrics.horizontalAdvance(t) for _, t in visible]
        rows = 1
        for (x, text), width, (row, room) in zip(visible, widths, stagger_names(xs, widths, right), strict=True):
            shown = text if width <= room else self._metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            self.placed.append((text, x, row, shown))
            rows = max(rows, row + 1)
        self.setFixedHeight(rows * self._line + 2)
        self.update()

    def _view_pixels(self) -> tuple[float, float]:
        left, right = self._roll.view_pixels()
        return left - self.x(), right - self.x()

    def name_at(self, x: float, y: float) -> str:
        """The chord named at pixel (x, y) of the strip, or ''."""
        row = int(y // self._line)
        for text, left, r, shown in self.placed:
            if r == row and left <= x <= left + self._metrics.horizontalAdvance(shown):
                return text
        return ""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            name = self.name_at(event.position().x(), event.position().y())
            if name:
                QToolTip.showText(event.globalPosition().toPoint(), name, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        left, right = self._view_pixels()
        painter.setClipRect(QRectF(left, 0, right - left, self.height()))
        painter.setFont(self.font_)
        painter.setPen(QColor("#5a4a00"))
        for _, x, row, shown in self.placed:
            if shown:
                painter.drawText(QPointF(x + 1, row * self._line + self._metrics.ascent() + 1), shown)
        painter.end()
